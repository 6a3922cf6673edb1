-- Tenant deletion (issue 30): an owner deletes a tenant by naming it; it is
-- hidden at once, an owner may restore it during a grace period, then the
-- job function purges it (jobs/purges.py) and keeps a signed record.
--
-- - `public.tenants.deleted_at`, `deleted_by`, `purge_after`: set by
--   `private.delete_tenant`, cleared by `private.restore_tenant` while
--   `purge_after` has not passed. Nothing else changes on deletion, so a
--   restore gives back exactly what was there.
-- - Every membership read answers nothing for a deleted tenant: the policies'
--   `private.tenant_role`, the custom access token hook, the invitations'
--   acceptance, share links' and file requests' check of their creator (the
--   file API's own queries do the same: file_lambda/memberships.py,
--   shares/service.py, requests/records.py).
-- - `private.tenant_deletions`: the deletion record, kept after the purge (no
--   foreign key): who asked, when, what was deleted, signed.
-- - `private.purge_tenant_rows`: every row the tenant owns, in one
--   transaction, with counts per table.

alter table public.tenants
  add column deleted_at timestamptz,
  add column deleted_by uuid,
  add column purge_after timestamptz,
  add constraint tenants_deletion_whole
    check ((deleted_at is null) = (purge_after is null));
-- The purge sweep's question: deleted tenants whose grace period has passed.
create index tenants_purge_due_idx on public.tenants (purge_after) where deleted_at is not null;

-- Whether a tenant exists and is not deleted.
create function private.tenant_live(p_tenant uuid)
returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select from public.tenants t where t.id = p_tenant and t.deleted_at is null)
$$;

-- No role in a deleted tenant: every policy built on it refuses at once.
create or replace function private.tenant_role(p_tenant uuid)
returns public.tenant_role
language sql stable security definer
set search_path = ''
as $$
  select m.role
  from public.tenant_members m
  join public.tenants t on t.id = m.tenant_id and t.deleted_at is null
  where m.tenant_id = p_tenant and m.user_id = (select auth.uid())
$$;

-- Tokens issued after a deletion name no role in the deleted tenant.
create or replace function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  memberships jsonb;
begin
  select coalesce(jsonb_object_agg(m.tenant_id::text, m.role::text), '{}'::jsonb)
    into memberships
  from public.tenant_members m
  join public.tenants t on t.id = m.tenant_id and t.deleted_at is null
  where m.user_id = (event ->> 'user_id')::uuid;

  if jsonb_typeof(claims -> 'app_metadata') is distinct from 'object' then
    claims := jsonb_set(claims, '{app_metadata}', '{}'::jsonb);
  end if;
  claims := jsonb_set(claims, '{app_metadata,tenants}', memberships);

  return jsonb_set(event, '{claims}', claims);
end
$$;
grant select on public.tenants to supabase_auth_admin;
create policy "auth admin reads tenants for the token hook" on public.tenants
  as permissive for select to supabase_auth_admin
  using (true);

-- An invitation to a deleted tenant can be neither seen nor accepted (it is
-- open again if the tenant is restored).
create or replace function private.inviting_tenant_name(p_tenant uuid)
returns text
language sql stable security definer
set search_path = ''
as $$
  select t.name
  from public.tenants t
  where t.id = p_tenant and t.deleted_at is null
    and exists (
      select 1 from public.tenant_invitations i
      where i.tenant_id = p_tenant
        and i.email = private.caller_email()
        and private.invitation_is_open(i.status, i.expires_at))
$$;

create or replace function private.accept_invitation(p_invitation uuid)
returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  invitation public.tenant_invitations;
begin
  if auth.uid() is null then
    return null;
  end if;
  select * into invitation
  from public.tenant_invitations i
  where i.id = p_invitation
    and i.email = private.caller_email()
    and private.invitation_is_open(i.status, i.expires_at)
    and private.tenant_live(i.tenant_id)
  for update;
  if not found then
    return null;
  end if;
  insert into public.tenant_members (tenant_id, user_id, role)
  values (invitation.tenant_id, auth.uid(), invitation.role)
  on conflict (tenant_id, user_id) do nothing;
  if not found then
    raise exception 'the caller is already a member of this tenant'
      using errcode = 'SN002',
            hint = 'Decline the invitation, or ask a manager to change your role.';
  end if;
  update public.tenant_invitations
  set status = 'accepted'
  where id = invitation.id;
  return invitation.tenant_id;
end
$$;

-- A share link's download counts only while its tenant lives (as its lookup in
-- file_lambda/shares/service.py checks).
create or replace function private.count_share_download(
  p_share uuid,
  p_scope text,
  p_subject text,
  p_window_start double precision,
  p_unknown_budget integer,
  p_path text,
  p_size bigint,
  p_status integer,
  p_request_id text,
  p_detail jsonb
)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_tenant uuid;
begin
  update public.file_shares s set downloads = s.downloads + 1
  where s.id = p_share and s.revoked_at is null and s.expires_at > now()
    and (s.max_downloads is null or s.downloads < s.max_downloads)
    and exists (select from public.tenant_members m
                join public.tenants t on t.id = m.tenant_id and t.deleted_at is null
                where m.tenant_id = s.tenant_id and m.user_id = s.created_by
                  and m.role >= 'member')
    and coalesce((select a.attempts from public.link_attempts a
                  where a.scope = p_scope and a.subject = p_subject
                    and a.window_start = to_timestamp(p_window_start)), 0) < p_unknown_budget
  returning s.tenant_id into v_tenant;
  if v_tenant is null then
    return false;
  end if;
  insert into public.audit_events
    (tenant_id, actor, source, action, path, size, outcome, status, request_id, detail)
  values
    (v_tenant, null, 'api', 'share_downloaded', p_path, p_size, 'succeeded', p_status,
     p_request_id, p_detail);
  return true;
end;
$$;

-- Deletion and restore --------------------------------------------------------------

-- An owner's deletion of a live tenant named `p_name` (the confirmation):
-- the tenant's row, or none when the caller is no owner, the tenant is
-- deleted already, or the name differs. Its audit row is written first,
-- while the trail still takes rows for the tenant.
create function private.delete_tenant(p_tenant uuid, p_name text, p_grace_days integer)
returns table (deleted_at timestamptz, deleted_by uuid, purge_after timestamptz)
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  if private.tenant_role(p_tenant) is distinct from 'owner' then
    return;
  end if;
  perform 1 from public.tenants t where t.id = p_tenant and t.name = p_name for update;
  if not found then
    return;
  end if;
  perform private.audit_core(p_tenant, 'tenant_deleted',
    jsonb_build_object('grace_days', p_grace_days));
  return query
    update public.tenants t
    set deleted_at = now(), deleted_by = auth.uid(),
        purge_after = now() + make_interval(days => p_grace_days)
    where t.id = p_tenant and t.deleted_at is null
    returning t.deleted_at, t.deleted_by, t.purge_after;
end
$$;

-- An owner's restore of a deleted tenant: 'restored', 'not_found' (no such
-- deleted tenant among the caller's own as owner), 'not_deleted', or
-- 'grace_period_ended' (its purge is due or done).
create function private.restore_tenant(p_tenant uuid)
returns text
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_tenant public.tenants;
begin
  select t.* into v_tenant from public.tenants t
  where t.id = p_tenant
    and exists (select from public.tenant_members m
                where m.tenant_id = t.id and m.user_id = (select auth.uid())
                  and m.role = 'owner')
  for update;
  if not found then
    return 'not_found';
  end if;
  if v_tenant.deleted_at is null then
    return 'not_deleted';
  end if;
  if v_tenant.purge_after <= now() then
    return 'grace_period_ended';
  end if;
  update public.tenants t set deleted_at = null, deleted_by = null, purge_after = null
  where t.id = p_tenant;
  perform private.audit_core(p_tenant, 'tenant_restored', '{}'::jsonb);
  return 'restored';
end
$$;

-- The deleted tenants the caller owns, still restorable or not yet purged.
create function private.deleted_tenants()
returns table (id uuid, name text, deleted_at timestamptz, deleted_by uuid,
               purge_after timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select t.id, t.name, t.deleted_at, t.deleted_by, t.purge_after
  from public.tenants t
  join public.tenant_members m on m.tenant_id = t.id and m.user_id = (select auth.uid())
  where t.deleted_at is not null and m.role = 'owner'
  order by t.deleted_at desc, t.id
$$;

-- The deletion record -------------------------------------------------------------------

-- Kept after the purge, outside every tenant (no foreign key), for the proof
-- of erasure: SECURITY.md says what else is kept. The tenant's name is
-- personal data for a one-person business: only its SHA-256 is kept, enough
-- to answer "was the tenant named X deleted?", not to list names.
create table private.tenant_deletions (
  tenant_id uuid primary key,
  name_sha256 text not null,
  requested_by uuid,
  requested_at timestamptz not null,
  purge_after timestamptz not null,
  purge_started_at timestamptz not null default now(),
  purge_finished_at timestamptz,
  -- What the purge deleted: per bucket, and rows per table.
  counts jsonb,
  -- The signed record as written to the bucket's `deletions/{tenant_id}.json`.
  record jsonb,
  signature text,
  key_id text
);
revoke all on private.tenant_deletions from public, anon, authenticated;
grant select, insert, update on private.tenant_deletions to service_role;

-- Never two purges of a tenant at once (the sweep's insert relies on it).
create unique index jobs_one_purge_idx on public.jobs (tenant_id)
  where kind = 'purge' and state in ('queued', 'running');

-- The tables that name a tenant: every table of `public` and `private` with a
-- `tenant_id` column (the deletion record aside), and whether a foreign key
-- ties that column to `public.tenants` (then the tenant's deletion cascades).
create function private.tenant_tables()
returns table (table_schema text, table_name text, cascades boolean)
language sql stable security definer
set search_path = ''
as $$
  select n.nspname::text, c.relname::text,
         exists (select from pg_catalog.pg_constraint k
                 where k.conrelid = c.oid and k.contype = 'f'
                   and k.confrelid = 'public.tenants'::regclass
                   and k.conkey = array[a.attnum])
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid and c.relkind in ('r', 'p')
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where a.attname = 'tenant_id' and not a.attisdropped
    and n.nspname in ('public', 'private')
    and (n.nspname, c.relname) <> ('private', 'tenant_deletions')
  order by 1, 2
$$;

-- Every row the tenant owns, in one transaction; the counts of what went, per
-- table (schema.table), as JSON. The tables without a foreign key to the
-- tenant are emptied of its rows first, then the tenant's row goes and its
-- cascade takes the rest (members, the audit trail, webhooks; rows without a
-- tenant_id hang on those). Counted before any delete, so a cascade hides
-- nothing; the counts are kept in the deletion record's row too. The purge
-- job's own row (`p_job`) is kept: it ends `succeeded` with the counts
-- (SECURITY.md). Null for a tenant not deleted or still in its grace period;
-- zeros for one purged already.
create function private.purge_tenant_rows(p_tenant uuid, p_job uuid)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_table record;
  v_count bigint;
  v_counts jsonb := '{}'::jsonb;
begin
  perform 1 from public.tenants t where t.id = p_tenant
    and (t.deleted_at is null or t.purge_after > now()) for update;
  if found then
    return null;
  end if;
  for v_table in select * from private.tenant_tables() loop
    if v_table.table_schema = 'public' and v_table.table_name = 'jobs' then
      select count(*) into v_count from public.jobs j
      where j.tenant_id = p_tenant and j.id is distinct from p_job;
    else
      execute format('select count(*) from %I.%I where tenant_id = $1',
                     v_table.table_schema, v_table.table_name)
        into v_count using p_tenant;
    end if;
    v_counts := v_counts || jsonb_build_object(
      v_table.table_schema || '.' || v_table.table_name, v_count);
  end loop;
  for v_table in select * from private.tenant_tables() where not cascades loop
    if v_table.table_schema = 'public' and v_table.table_name = 'jobs' then
      delete from public.jobs j where j.tenant_id = p_tenant and j.id is distinct from p_job;
    else
      execute format('delete from %I.%I where tenant_id = $1',
                     v_table.table_schema, v_table.table_name) using p_tenant;
    end if;
  end loop;
  delete from public.tenants t where t.id = p_tenant;
  get diagnostics v_count = row_count;
  v_counts := v_counts || jsonb_build_object('public.tenants', v_count);
  if v_count = 1 then
    -- Kept with the deletion record in the same transaction: a purge step
    -- killed right after this still finds what went.
    update private.tenant_deletions d
    set counts = coalesce(d.counts, '{}'::jsonb) || jsonb_build_object('rows', v_counts)
    where d.tenant_id = p_tenant;
  end if;
  return v_counts;
end
$$;

revoke all on function private.tenant_live(uuid), private.delete_tenant(uuid, text, integer),
  private.restore_tenant(uuid), private.deleted_tenants(), private.tenant_tables(),
  private.purge_tenant_rows(uuid, uuid) from public;
grant execute on function private.tenant_live(uuid), private.delete_tenant(uuid, text, integer),
  private.restore_tenant(uuid), private.deleted_tenants() to authenticated, service_role;
grant execute on function private.tenant_tables(), private.purge_tenant_rows(uuid, uuid)
  to service_role;

-- The tables without a foreign key to the tenant take rows from the bucket's
-- notifications and the scanner's verdicts, which may come after the purge
-- (a deletion's own notification, a straggler replicated late): once a
-- tenant's purge has started, they are dropped, so that no row names the
-- purged tenant again.
create function private.drop_purged_tenant_row()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (select from private.tenant_deletions d where d.tenant_id = new.tenant_id) then
    return null;
  end if;
  return new;
end
$$;
create trigger file_versions_purged before insert on public.file_versions
  for each row execute function private.drop_purged_tenant_row();
create trigger file_usage_purged before insert on public.file_usage
  for each row execute function private.drop_purged_tenant_row();
create trigger file_scans_purged before insert on public.file_scans
  for each row execute function private.drop_purged_tenant_row();
