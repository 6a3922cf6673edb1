-- Malware scanning (issue 28): a tenant's owner chooses whether its members may
-- read versions not scanned yet (`public.tenants.members_read_pending`, added by
-- 20260119000100_file_scans.sql), through the core's PATCH /tenants/{id}, under
-- the tenants' row-level security (owners update their tenants). The change is a
-- row of the audit trail, as a rename is: action `tenant_settings_changed`,
-- `detail` naming each setting with its value before and after.

grant update (members_read_pending) on public.tenants to authenticated;

create or replace function private.audit_tenant_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.audit_core(new.id, 'tenant_created', jsonb_build_object('name', new.name));
    return null;
  end if;
  if new.name is distinct from old.name then
    perform private.audit_core(new.id, 'tenant_renamed',
      jsonb_build_object('from', old.name, 'to', new.name));
  end if;
  if new.members_read_pending is distinct from old.members_read_pending then
    perform private.audit_core(new.id, 'tenant_settings_changed',
      jsonb_build_object('members_read_pending',
        jsonb_build_object('from', old.members_read_pending, 'to', new.members_read_pending)));
  end if;
  return null;
end
$$;

drop trigger tenants_audit on public.tenants;
create trigger tenants_audit after insert or update of name, members_read_pending on public.tenants
  for each row execute function private.audit_tenant_change();
