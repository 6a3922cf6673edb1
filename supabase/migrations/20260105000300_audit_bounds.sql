-- The audit trail records every quota change (issue 25), not only the
-- refused ones: a trigger on `public.tenant_quotas`, in the same transaction
-- as the change, whoever made it (`PUT /tenants/{id}/quota` with the service
-- role's key, or an operator's SQL). One row per insert, update of a limit
-- or delete: `quota_changed`, with the limits after (`max_bytes`,
-- `max_objects`; null is no limit), the limits before (`from`, absent for
-- the first quota) and `updated_by`. The actor is the caller's `sub` when the
-- claims carry a user (the service role's key carries none: null).
-- New functions only: nothing earlier is redefined.

create function private.audit_quota_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_detail jsonb;
begin
  if tg_op = 'DELETE' then
    v_detail := jsonb_build_object('max_bytes', null, 'max_objects', null);
  else
    v_detail := jsonb_build_object(
      'max_bytes', new.max_bytes, 'max_objects', new.max_objects, 'updated_by', new.updated_by);
  end if;
  if tg_op <> 'INSERT' then
    v_detail := v_detail || jsonb_build_object(
      'from', jsonb_build_object('max_bytes', old.max_bytes, 'max_objects', old.max_objects));
  end if;
  perform private.audit_core(
    case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end, 'quota_changed', v_detail);
  return null;
end
$$;

create trigger tenant_quotas_audit
  after insert or update of max_bytes, max_objects or delete on public.tenant_quotas
  for each row execute function private.audit_quota_change();

revoke all on function private.audit_quota_change() from public;
