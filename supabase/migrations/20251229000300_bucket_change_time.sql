-- The audit trail's bucket rows carry S3's own time of the change (the
-- record's `eventTime`: when S3 finished the request), not the time the
-- queue's consumer recorded it, which may be minutes later (a backlog) or
-- days (Postgres down, a redrive).
--
-- `private.apply_file_change` gains a time: this overload keeps it for the
-- transaction (`snsd.change_time`, local to it) and records the change as
-- before; the ledger's trigger reads it. A change recorded without a time
-- (the 6-argument form) is dated when it is recorded, as before.

create function private.apply_file_change(
  p_tenant uuid,
  p_path text,
  p_version text,
  p_change text,
  p_size bigint,
  p_sequencer text,
  p_time timestamptz
)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform set_config('snsd.change_time', coalesce(p_time::text, ''), true);
  return private.apply_file_change(p_tenant, p_path, p_version, p_change, p_size, p_sequencer);
end
$$;

revoke all on function private.apply_file_change(uuid, text, text, text, bigint, text, timestamptz)
  from public;
grant execute on function private.apply_file_change(uuid, text, text, text, bigint, text, timestamptz)
  to service_role;

create or replace function private.audit_file_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_action text;
  v_time timestamptz := coalesce(
    nullif(current_setting('snsd.change_time', true), '')::timestamptz, now());
begin
  if tg_op = 'INSERT' then
    if new.sequencer like repeat('0', 63) || '_' then
      return null;
    end if;
    v_action := case
      when new.removed then 'version_removed'
      when new.delete_marker then 'delete_marker_created'
      else 'object_created'
    end;
  elsif new.removed and not old.removed then
    v_action := 'version_removed';
  elsif old.sequencer is null and new.sequencer is not null then
    -- The creation of a version whose removal arrived first.
    v_action := case when new.delete_marker then 'delete_marker_created' else 'object_created' end;
  else
    return null;
  end if;
  -- The ledger keeps changes of any key under tenants/; the trail only those
  -- of tenants that exist.
  insert into public.audit_events
    (tenant_id, occurred_at, source, action, path, version_id, size, outcome)
  select t.id, v_time, 'bucket', v_action, new.path, new.version_id,
         case when new.delete_marker then null else new.size end, 'succeeded'
  from public.tenants t
  where t.id = new.tenant_id;
  return null;
end
$$;
