-- Webhook events (issue 29): every event of webhooks/events.py written from
-- the audit trail, in the transaction that writes the audit row
-- (docs/api.md, "Webhook events"; docs/decisions/webhooks.md).
--
-- The audit trail already records every change where it is known: the
-- bucket's rows in the ledger's transaction (`private.apply_file_change`,
-- `private.record_scan_result`, `private.excess_version_removed`), the core's
-- in the request's transaction (triggers on members and invitations), and the
-- file API's rows once a write's answer is known (file_lambda/audit.py). A
-- trigger on `public.audit_events` maps each row to at most one event type and
-- hands it to `private.emit_webhook_event` (migration 20260126000100), which
-- writes nothing when no enabled endpoint of the tenant asked for the type.
--
-- Each type has one source, so that one change gives one event of each type
-- that applies, never one from the API's row and another from the bucket's:
--
-- | type               | source   | action                                   |
-- | file.created       | bucket   | object_created (every door: the API,     |
-- |                    |          | presigned POSTs, multipart, copies,      |
-- |                    |          | a version restored, a move's copy)       |
-- | file.deleted       | bucket   | delete_marker_created (a delete, each    |
-- |                    |          | file of a folder delete, a move's        |
-- |                    |          | source, the lifecycle's expiration)      |
-- | file.purged        | bucket   | version_removed of a version, not of a   |
-- |                    |          | delete marker (a restore from the trash  |
-- |                    |          | removes markers)                         |
-- | file.restored      | api      | restore_deleted                          |
-- | folder.deleted     | api      | delete_folder                            |
-- | folder.restored    | api      | restore_folder                           |
-- | upload.completed   | api      | complete_multipart, session_complete     |
-- | request.submitted  | api      | complete_request_upload                  |
-- | scan.infected      | bucket   | scan_infected                            |
-- | member.invited     | core     | invitation_created                       |
-- | member.joined      | core     | member_added                             |
-- | member.role_changed| core     | member_role_changed                      |
-- | member.removed     | core     | member_removed                           |
-- | quota.exceeded     | any      | a refusal with code quota_exceeded, and  |
-- |                    |          | bucket over_quota_version_removed        |
--
-- Folder markers (`name/`, an empty folder's object) are not files: they send
-- no file.* event. Only succeeded rows count, except the quota's refusals,
-- which are the event.
--
-- `quota.warning` is not in the trail: a trigger on the ledger's totals
-- (`public.file_usage`) and on `public.tenant_quotas` sends it when the
-- tenant's usage reaches 80% of a quota, once, and again only after it went
-- back below (`private.webhook_quota_warnings` remembers which limits were
-- announced).
--
-- Cost: a tenant without an enabled endpoint pays one indexed read of
-- `webhook_endpoints` per succeeded row of its trail, and one more where the
-- ledger's totals of versions or its quota changed; nothing else is read or
-- written for it.

-- The event a row of the trail stands for: its type and `data` (without
-- `tenant_id` and `actor`, which emit_webhook_event adds), or nulls.
create function private.audit_row_webhook_event(
  p_row public.audit_events,
  out type text,
  out data jsonb
)
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_file boolean := p_row.path is not null and right(p_row.path, 1) <> '/';
  v_detail jsonb := p_row.detail;
begin
  if p_row.code = 'quota_exceeded'
     and (p_row.outcome = 'refused' or p_row.action = 'over_quota_version_removed') then
    type := 'quota.exceeded';
    data := jsonb_build_object(
      'action', p_row.action, 'path', p_row.path, 'version_id', p_row.version_id,
      'size', p_row.size, 'limit', v_detail -> 'limit', 'quota', v_detail -> 'quota',
      'used', v_detail -> 'used', 'reserved', v_detail -> 'reserved',
      'requested', v_detail -> 'requested');
    return;
  end if;
  if p_row.outcome <> 'succeeded' then
    return;
  end if;
  case p_row.source || ':' || p_row.action
    when 'bucket:object_created' then
      if v_file then
        type := 'file.created';
      end if;
    when 'bucket:delete_marker_created' then
      if v_file then
        type := 'file.deleted';
      end if;
    when 'bucket:version_removed' then
      -- The trail gives a removed delete marker no size; a version removed
      -- before its creation was reported has none either (checked below).
      if v_file then
        type := 'file.purged';
      end if;
    when 'bucket:scan_infected' then
      type := 'scan.infected';
      data := jsonb_build_object('path', p_row.path, 'version_id', p_row.version_id,
        'threats', coalesce(v_detail -> 'threats', '[]'::jsonb));
      return;
    when 'api:restore_deleted' then
      type := 'file.restored';
    when 'api:complete_multipart', 'api:session_complete' then
      type := 'upload.completed';
    when 'api:delete_folder' then
      type := 'folder.deleted';
      data := jsonb_build_object('path', p_row.path, 'deleted_count', v_detail -> 'deleted_count');
      return;
    when 'api:restore_folder' then
      type := 'folder.restored';
      data := jsonb_build_object('path', p_row.path, 'restored_count', v_detail -> 'restored_count');
      return;
    when 'api:complete_request_upload' then
      type := 'request.submitted';
      data := jsonb_build_object('path', p_row.path,
        'file_request_id', v_detail -> 'file_request', 'submission_id', v_detail -> 'submission',
        'uploader_name', v_detail -> 'uploader_name');
      return;
    when 'core:invitation_created' then
      type := 'member.invited';
      data := jsonb_build_object('invitation_id', v_detail -> 'invitation_id',
        'email', v_detail -> 'email', 'role', v_detail -> 'role');
      return;
    when 'core:member_added' then
      type := 'member.joined';
      data := jsonb_build_object('user_id', v_detail -> 'user_id', 'role', v_detail -> 'role');
      return;
    when 'core:member_role_changed' then
      type := 'member.role_changed';
      data := jsonb_build_object('user_id', v_detail -> 'user_id', 'role', v_detail -> 'to',
        'previous_role', v_detail -> 'from');
      return;
    when 'core:member_removed' then
      type := 'member.removed';
      data := jsonb_build_object('user_id', v_detail -> 'user_id', 'role', v_detail -> 'role');
      return;
    else
      return;
  end case;
  -- The file events: the path, the version and its size as the row knows them.
  if type is not null then
    data := jsonb_build_object('path', p_row.path, 'version_id', p_row.version_id,
      'size', p_row.size);
  end if;
end
$$;

create function private.audit_event_to_webhook()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event record;
begin
  -- Most tenants have no endpoint: one indexed read, and no more work.
  if not exists (
    select 1 from public.webhook_endpoints e where e.tenant_id = new.tenant_id and e.enabled
  ) then
    return null;
  end if;
  v_event := private.audit_row_webhook_event(new);
  if v_event.type is null then
    return null;
  end if;
  if v_event.type = 'file.purged' and new.size is null and exists (
    -- Sizeless: a delete marker's removal (a restore from the trash, a
    -- purge's markers) is no purge of a file. A removal reported before its
    -- creation is not known to be a marker's: it is sent, without a size.
    select 1 from public.file_versions v
    where v.tenant_id = new.tenant_id and v.path = new.path
      and v.version_id = new.version_id and v.sequencer is not null and v.delete_marker
  ) then
    return null;
  end if;
  perform private.emit_webhook_event(
    new.tenant_id, v_event.type, v_event.data, new.occurred_at, new.actor);
  return null;
end
$$;

-- Refused and failed rows change nothing and send nothing, but a quota's refusal.
create trigger audit_events_webhook after insert on public.audit_events
  for each row
  when (new.outcome = 'succeeded' or new.code = 'quota_exceeded')
  execute function private.audit_event_to_webhook();

-- quota.warning -------------------------------------------------------------------------

-- The limits of a tenant whose usage was announced at or above 80%: a row is
-- added when the warning is sent and removed once usage is below again, so
-- that a tenant hovering above 80% hears it once.
create table private.webhook_quota_warnings (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  limit_name text not null check (limit_name in ('bytes', 'objects')),
  warned_at timestamptz not null default now(),
  primary key (tenant_id, limit_name)
);
revoke all on private.webhook_quota_warnings from public, anon, authenticated;
grant select on private.webhook_quota_warnings to service_role;

-- Compare the tenant's stored versions (what its quota counts, as
-- `private.reserve_file_quota` does; reservations are not usage) with 80% of
-- each limit, and send quota.warning for a limit reached and not announced.
-- Nothing is read or remembered while no enabled endpoint of the tenant asks
-- for quota.warning: an endpoint that starts listening while usage is above
-- 80% hears it at the next change of usage.
create function private.quota_warning()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_tenant uuid := case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end;
  v_quota public.tenant_quotas;
  v_used_bytes bigint;
  v_used_objects bigint;
  v_limit text;
  v_max bigint;
  v_used bigint;
begin
  if not exists (
    select 1 from public.webhook_endpoints e
    where e.tenant_id = v_tenant and e.enabled and 'quota.warning' = any (e.event_types)
  ) then
    return null;
  end if;
  -- One tenant's checks one at a time, each reading the totals after the one
  -- before committed: two changes that only together reach 80% are seen so.
  perform pg_advisory_xact_lock(hashtextextended(v_tenant::text || '/quota_warning', 0));
  select * into v_quota from public.tenant_quotas q where q.tenant_id = v_tenant;
  select coalesce(sum(u.version_bytes), 0), coalesce(sum(u.version_objects), 0)
  into v_used_bytes, v_used_objects
  from public.file_usage u where u.tenant_id = v_tenant;
  foreach v_limit in array array['bytes', 'objects'] loop
    if v_limit = 'bytes' then
      v_max := v_quota.max_bytes;
      v_used := v_used_bytes;
    else
      v_max := v_quota.max_objects;
      v_used := v_used_objects;
    end if;
    if v_max > 0 and v_used * 5 >= v_max * 4 then
      insert into private.webhook_quota_warnings (tenant_id, limit_name)
      values (v_tenant, v_limit)
      on conflict do nothing;
      if found then
        perform private.emit_webhook_event(v_tenant, 'quota.warning',
          jsonb_build_object('limit', v_limit, 'quota', v_max, 'used', v_used,
            'threshold_percent', 80));
      end if;
    else
      delete from private.webhook_quota_warnings w
      where w.tenant_id = v_tenant and w.limit_name = v_limit;
    end if;
  end loop;
  return null;
end
$$;

-- Reconciliation deletes a tenant's totals before inserting the recount:
-- deletes are not checked, so its passing zero announces nothing.
create trigger file_usage_quota_warning after insert on public.file_usage
  for each row execute function private.quota_warning();
-- A delete marker moves only the current totals, which quotas do not count.
create trigger file_usage_quota_warning_update after update on public.file_usage
  for each row
  when (new.version_bytes is distinct from old.version_bytes
        or new.version_objects is distinct from old.version_objects)
  execute function private.quota_warning();
-- A quota lowered under what is stored reaches 80% as surely as an upload; a
-- quota removed forgets what was announced.
create trigger tenant_quotas_quota_warning
  after insert or update of max_bytes, max_objects or delete on public.tenant_quotas
  for each row execute function private.quota_warning();

revoke all on function
  private.audit_row_webhook_event(public.audit_events),
  private.audit_event_to_webhook(),
  private.quota_warning()
from public;
