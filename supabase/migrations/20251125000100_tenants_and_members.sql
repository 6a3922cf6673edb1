-- Tenants and their memberships, behind row-level security.
--
-- The core service runs every request's SQL as the role `authenticated` with
-- the caller's JWT claims in `request.jwt.claims` (as PostgREST does), so the
-- policies below hold whatever the Python above them does.

create type public.tenant_role as enum ('viewer', 'member', 'admin', 'owner');
comment on type public.tenant_role is
  'Each role includes the ones before it: viewer < member < admin < owner.';

create table public.tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(btrim(name)) between 1 and 200),
  -- The creator becomes the first owner (trigger below); kept as a plain id,
  -- so deleting that user later does not touch the tenant.
  created_by uuid not null default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.tenant_members (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.tenant_role not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
create index tenant_members_user_id_idx on public.tenant_members (user_id);

-- Helpers for the policies. SECURITY DEFINER so that reading the caller's own
-- membership inside a policy on tenant_members does not recurse into that
-- policy; kept out of `public` so PostgREST does not expose them as RPCs.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

create function private.tenant_role(p_tenant uuid)
returns public.tenant_role
language sql stable security definer
set search_path = ''
as $$
  select m.role
  from public.tenant_members m
  where m.tenant_id = p_tenant and m.user_id = (select auth.uid())
$$;

-- Whether the caller may grant, change or remove a membership of `p_target`:
-- an owner manages every role, an admin manages members and viewers.
create function private.can_manage(p_tenant uuid, p_target public.tenant_role)
returns boolean
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    case private.tenant_role(p_tenant)
      when 'owner' then true
      when 'admin' then p_target in ('member', 'viewer')
      else false
    end,
    false)
$$;

-- Members' e-mail addresses live in auth.users, which `authenticated` cannot
-- read: this returns them for a tenant the caller belongs to, and nothing else.
create function private.member_emails(p_tenant uuid)
returns table (user_id uuid, email text)
language sql stable security definer
set search_path = ''
as $$
  select u.id, u.email::text
  from public.tenant_members m
  join auth.users u on u.id = m.user_id
  where m.tenant_id = p_tenant and private.tenant_role(p_tenant) is not null
$$;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to authenticated, service_role;

-- Triggers -------------------------------------------------------------------

create function private.touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create trigger tenants_touch before update on public.tenants
  for each row execute function private.touch_updated_at();
create trigger tenant_members_touch before update on public.tenant_members
  for each row execute function private.touch_updated_at();

-- A new tenant's creator becomes its owner, in the same transaction.
create function private.add_creator_as_owner()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.tenant_members (tenant_id, user_id, role)
  values (new.id, new.created_by, 'owner');
  return new;
end
$$;

create trigger tenants_creator_is_owner after insert on public.tenants
  for each row execute function private.add_creator_as_owner();

-- A tenant always keeps an owner: the last one can be neither demoted nor
-- removed (only the tenant's own deletion takes its memberships with it).
-- Locking the tenant row serialises concurrent owner changes, so two owners
-- cannot demote each other at once. SQLSTATE SN001 lets callers tell this
-- refusal from any other error.
create function private.keep_an_owner()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if old.role <> 'owner' or (tg_op = 'UPDATE' and new.role = 'owner') then
    return coalesce(new, old);
  end if;
  perform 1 from public.tenants t where t.id = old.tenant_id for no key update;
  if not found then
    return coalesce(new, old);  -- the tenant itself is being deleted
  end if;
  if not exists (
    select 1 from public.tenant_members m
    where m.tenant_id = old.tenant_id and m.role = 'owner' and m.user_id <> old.user_id
  ) then
    raise exception 'a tenant must keep at least one owner'
      using errcode = 'SN001',
            hint = 'Make another member an owner first.';
  end if;
  return coalesce(new, old);
end
$$;

create trigger tenant_members_keep_an_owner
  before update of role or delete on public.tenant_members
  for each row execute function private.keep_an_owner();

-- Row-level security ------------------------------------------------------------

alter table public.tenants enable row level security;
alter table public.tenant_members enable row level security;

create policy "members read their tenants" on public.tenants
  for select to authenticated
  using (private.tenant_role(id) is not null);

create policy "users create tenants they own" on public.tenants
  for insert to authenticated
  with check (created_by = (select auth.uid()));

create policy "owners update their tenants" on public.tenants
  for update to authenticated
  using (private.tenant_role(id) = 'owner')
  with check (private.tenant_role(id) = 'owner');

create policy "owners delete their tenants" on public.tenants
  for delete to authenticated
  using (private.tenant_role(id) = 'owner');

create policy "members read co-members" on public.tenant_members
  for select to authenticated
  using (private.tenant_role(tenant_id) is not null);

create policy "managers add memberships they may grant" on public.tenant_members
  for insert to authenticated
  with check (private.can_manage(tenant_id, role));

-- USING sees the current role, WITH CHECK the new one: both must be manageable.
create policy "managers change memberships they may grant" on public.tenant_members
  for update to authenticated
  using (private.can_manage(tenant_id, role))
  with check (private.can_manage(tenant_id, role));

create policy "managers remove memberships, anyone leaves" on public.tenant_members
  for delete to authenticated
  using (private.can_manage(tenant_id, role) or user_id = (select auth.uid()));

-- Privileges: nothing for anon; for authenticated only the columns a client
-- may set (ids, creators and timestamps are the database's).
revoke all on public.tenants, public.tenant_members from anon, authenticated;
grant select, delete on public.tenants to authenticated;
grant insert (id, name) on public.tenants to authenticated;
grant update (name) on public.tenants to authenticated;
grant select, delete on public.tenant_members to authenticated;
grant insert (tenant_id, user_id, role) on public.tenant_members to authenticated;
grant update (role) on public.tenant_members to authenticated;
grant all on public.tenants, public.tenant_members to service_role;
grant usage on type public.tenant_role to authenticated, service_role;
