-- The audit trail (issue 18): who did what to which file or membership, and
-- when, per tenant, newest first through `GET /tenants/{id}/audit`.
--
-- Three sources write it, each where it knows most:
--
-- - 'api': the file API, one row per write request (POST, PUT, PATCH,
--   DELETE under /files) once its answer is known: the verified caller, the
--   route, the path(s), the outcome, the problem's `code` when refused, the
--   request id (file_lambda/audit.py). Refused attempts are rows too.
-- - 'bucket': every object change the usage ledger records for the first
--   time (`private.apply_file_change`, migration 20251222000100), by trigger
--   below: also what reached the bucket without the API (presigned POSTs,
--   multipart completions) and the lifecycle's expirations. S3 does not say
--   who, so the actor is null; a duplicate notification changes nothing in
--   the ledger and so adds no row.
-- - 'core': tenant, membership and invitation changes, by triggers in the
--   same transaction as the change; the actor from the caller's claims
--   (`request.jwt.claims`), the request id from `request.id`, both set by
--   the core for each request's transaction (core_service/db.py).
--
-- Append-only. No role the application uses may change or remove a row:
-- clients (anon, authenticated) may not write at all and authenticated reads
-- only its own tenants' rows as an admin or owner (row-level security);
-- service_role may read and add rows (the file API may connect as it); and
-- for every role, the owner and the services' connections included,
-- triggers refuse UPDATE and TRUNCATE always and DELETE of a row younger
-- than the retention. Two deletions pass: pruning what is
-- older than the retention (`private.prune_audit_events`), and a tenant's
-- own deletion, which takes its trail with it (on delete cascade). Only DDL
-- (dropping a trigger, which a migration would show) or a superuser's
-- session_replication_role could go around this.
--
-- Retention is a setting: `private.audit_policy.retention_days`, 400 days by
-- default: a yearly review (an auditor's 12-month period) can still read the
-- whole previous year, with a month to spare. Change it with
--   update private.audit_policy set retention_days = 730;
-- (docs/operations.md). The queue's consumer prunes at most once an hour per
-- container (file_lambda/events/consumer.py).

create table public.audit_events (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  occurred_at timestamptz not null default now(),
  -- The user who acted; null when unknown (the bucket's changes, a change
  -- made by a maintenance connection without claims).
  actor uuid,
  source text not null check (source in ('api', 'bucket', 'core')),
  -- api: the route's operation id (upload_file, move_file, ...); bucket:
  -- object_created, delete_marker_created, version_removed; core:
  -- tenant_created, tenant_renamed, member_added, member_role_changed,
  -- member_removed, invitation_created, invitation_accepted,
  -- invitation_declined, invitation_revoked, invitation_expired.
  action text not null check (action ~ '^[a-z][a-z0-9_]{0,62}$'),
  -- Relative to the tenant's root, as the API shows it.
  path text check (char_length(path) <= 1024),
  version_id text check (char_length(version_id) <= 1024),
  size bigint check (size >= 0),
  -- succeeded (2xx, 3xx), refused (4xx: nothing changed), failed (5xx).
  outcome text not null check (outcome in ('succeeded', 'refused', 'failed')),
  status smallint check (status between 100 and 599),
  -- The problem's `code` of a refusal or failure.
  code text check (code ~ '^[a-z][a-z0-9_]{0,62}$'),
  request_id text check (char_length(request_id) <= 256),
  -- A few facts more (a move's source, a batch's paths, a member's roles).
  detail jsonb not null default '{}'::jsonb
    check (jsonb_typeof(detail) = 'object' and octet_length(detail::text) <= 16384)
);

-- Newest first per tenant, the listing's order and cursor; by actor too.
create index audit_events_tenant_time_idx
  on public.audit_events (tenant_id, occurred_at desc, id desc);
create index audit_events_tenant_actor_idx
  on public.audit_events (tenant_id, actor, occurred_at desc, id desc);
-- Pruning walks the oldest rows of every tenant; rows arrive in time order,
-- which a BRIN index summarises in a few pages.
create index audit_events_occurred_at_brin on public.audit_events using brin (occurred_at);

-- The retention, one row.
create table private.audit_policy (
  singleton boolean primary key default true check (singleton),
  retention_days integer not null default 400 check (retention_days between 1 and 36500)
);
insert into private.audit_policy default values;
revoke all on private.audit_policy from public;
grant select on private.audit_policy to service_role;

-- Append-only ---------------------------------------------------------------------

create function private.audit_events_refuse_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'audit events are append-only: no update'
    using errcode = 'SN010';
end
$$;

create function private.audit_events_refuse_truncate()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'audit events are append-only: no truncate'
    using errcode = 'SN010';
end
$$;

-- A row goes when it is past the retention, or with its tenant (the cascade
-- of the tenant's deletion, which has removed the tenant row by then).
create function private.audit_events_guard_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.occurred_at < now() - make_interval(days => (select p.retention_days from private.audit_policy p))
     or not exists (select 1 from public.tenants t where t.id = old.tenant_id) then
    return old;
  end if;
  raise exception 'audit events are append-only: % is within the retention', old.id
    using errcode = 'SN010';
end
$$;

create trigger audit_events_no_update before update on public.audit_events
  for each row execute function private.audit_events_refuse_update();
create trigger audit_events_no_truncate before truncate on public.audit_events
  for each statement execute function private.audit_events_refuse_truncate();
create trigger audit_events_guard_delete before delete on public.audit_events
  for each row execute function private.audit_events_guard_delete();

-- Delete what is past the retention, at most p_limit rows a call (a shortened
-- retention's backlog goes over several calls); returns how many went.
create function private.prune_audit_events(p_limit integer default 10000)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_deleted bigint;
begin
  delete from public.audit_events
  where id in (
    select e.id from public.audit_events e
    where e.occurred_at < now() - make_interval(days => (select p.retention_days from private.audit_policy p))
    limit p_limit
  );
  get diagnostics v_deleted = row_count;
  return v_deleted;
end
$$;

-- Privileges and row-level security -------------------------------------------------

alter table public.audit_events enable row level security;

create policy "admins and owners read their tenant's audit" on public.audit_events
  for select to authenticated
  using (private.tenant_role(tenant_id) >= 'admin');

revoke all on public.audit_events from public, anon, authenticated, service_role;
grant select on public.audit_events to authenticated, service_role;
-- The file API writes its rows on its connection, the owner or service_role.
grant insert on public.audit_events to service_role;
-- The owner (the connection of both services, and the migrations') writes
-- rows and its cascades and pruning delete them; it has no need to update or
-- truncate, so it loses those too (the triggers hold even for a superuser).
revoke update, truncate on public.audit_events from current_user;

revoke all on function
  private.audit_events_refuse_update(),
  private.audit_events_refuse_truncate(),
  private.audit_events_guard_delete(),
  private.prune_audit_events(integer)
from public;
grant execute on function private.prune_audit_events(integer) to service_role;

-- The bucket's changes ---------------------------------------------------------------

-- One row for each change the ledger records for the first time. Reconciling
-- rewrites a tenant's record from a listing (sequencers 0...00 and 0...01,
-- below any S3 sends): that is a recount, not a change, and adds no row.
create function private.audit_file_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_action text;
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
  insert into public.audit_events (tenant_id, source, action, path, version_id, size, outcome)
  select t.id, 'bucket', v_action, new.path, new.version_id,
         case when new.delete_marker then null else new.size end, 'succeeded'
  from public.tenants t
  where t.id = new.tenant_id;
  return null;
end
$$;

create trigger file_versions_audit after insert or update on public.file_versions
  for each row execute function private.audit_file_version();

-- The core's changes -------------------------------------------------------------------

-- The caller of the transaction, from the claims the core (or PostgREST) set;
-- null without claims or with a `sub` that is not a user id.
create function private.audit_actor()
returns uuid
language sql
stable
set search_path = ''
as $$
  select case when sub ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then sub::uuid end
  from (select nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub' as sub) c
$$;

-- One core row, unless the tenant is gone (its own deletion's cascade).
create function private.audit_core(p_tenant uuid, p_action text, p_detail jsonb)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.audit_events (tenant_id, actor, source, action, outcome, request_id, detail)
  select t.id, private.audit_actor(), 'core', p_action, 'succeeded',
         left(nullif(current_setting('request.id', true), ''), 256), p_detail
  from public.tenants t
  where t.id = p_tenant
$$;

create function private.audit_tenant_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.audit_core(new.id, 'tenant_created', jsonb_build_object('name', new.name));
  elsif new.name is distinct from old.name then
    perform private.audit_core(new.id, 'tenant_renamed',
      jsonb_build_object('from', old.name, 'to', new.name));
  end if;
  return null;
end
$$;

create function private.audit_member_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.audit_core(new.tenant_id, 'member_added',
      jsonb_build_object('user_id', new.user_id, 'role', new.role));
  elsif tg_op = 'UPDATE' then
    if new.role is distinct from old.role then
      perform private.audit_core(new.tenant_id, 'member_role_changed',
        jsonb_build_object('user_id', new.user_id, 'from', old.role, 'to', new.role));
    end if;
  else
    perform private.audit_core(old.tenant_id, 'member_removed',
      jsonb_build_object('user_id', old.user_id, 'role', old.role));
  end if;
  return null;
end
$$;

create function private.audit_invitation_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.audit_core(new.tenant_id, 'invitation_created',
      jsonb_build_object('invitation_id', new.id, 'email', new.email, 'role', new.role));
  elsif new.status is distinct from old.status then
    perform private.audit_core(new.tenant_id, 'invitation_' || new.status::text,
      jsonb_build_object('invitation_id', new.id, 'email', new.email, 'role', new.role));
  end if;
  return null;
end
$$;

create trigger tenants_audit after insert or update of name on public.tenants
  for each row execute function private.audit_tenant_change();
create trigger tenant_members_audit after insert or update of role or delete on public.tenant_members
  for each row execute function private.audit_member_change();
create trigger tenant_invitations_audit after insert or update of status on public.tenant_invitations
  for each row execute function private.audit_invitation_change();

revoke all on function
  private.audit_file_version(),
  private.audit_actor(),
  private.audit_core(uuid, text, jsonb),
  private.audit_tenant_change(),
  private.audit_member_change(),
  private.audit_invitation_change()
from public;
