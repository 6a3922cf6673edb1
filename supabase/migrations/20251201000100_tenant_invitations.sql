-- Invitations: a membership needs the invitee's consent.
--
-- A manager invites an e-mail address with a role; nothing changes for that
-- address until its owner accepts with their own token. A pending invitation
-- grants nothing: private.tenant_role() and the access token hook read
-- tenant_members only, never this table.
--
-- The invitee is matched by the `email` claim of their verified token,
-- lower-cased. That is consent only because Supabase Auth issues a token for
-- an address once its owner has proven it ("Confirm email" on): with it off,
-- anyone could sign up as the invitee and accept in their name.
--
-- An invitation is open while it is pending and unexpired (7 days). It ends
-- accepted or declined by the invitee, revoked by a manager, or expired; an
-- expired one is marked so when the address is invited again.

create type public.invitation_status as enum
  ('pending', 'accepted', 'declined', 'revoked', 'expired');

create table public.tenant_invitations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- Stored lower-cased: addresses are compared case-insensitively.
  email text not null check (email = lower(email) and char_length(email) between 3 and 320),
  role public.tenant_role not null,
  status public.invitation_status not null default 'pending',
  -- A plain id, as tenants.created_by: deleting the inviter keeps the invitation.
  invited_by uuid not null default auth.uid(),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  -- When it was accepted, declined, revoked or marked expired.
  closed_at timestamptz
);
-- One pending invitation per address and tenant.
create unique index tenant_invitations_one_pending_idx
  on public.tenant_invitations (tenant_id, email) where status = 'pending';
create index tenant_invitations_email_idx
  on public.tenant_invitations (email) where status = 'pending';

-- The caller's address as their token states it, lower-cased; null without one
-- (phone and anonymous users), which matches no invitation.
create function private.caller_email()
returns text
language sql stable
set search_path = ''
as $$
  select nullif(lower(btrim(auth.jwt() ->> 'email')), '')
$$;

create function private.invitation_is_open(p_status public.invitation_status, p_expires_at timestamptz)
returns boolean
language sql stable
set search_path = ''
as $$
  select p_status = 'pending' and p_expires_at > now()
$$;

-- The name of a tenant that has an open invitation for the caller: what they
-- are asked to join. Nothing else of the tenant is visible before accepting.
create function private.inviting_tenant_name(p_tenant uuid)
returns text
language sql stable security definer
set search_path = ''
as $$
  select t.name
  from public.tenants t
  where t.id = p_tenant
    and exists (
      select 1 from public.tenant_invitations i
      where i.tenant_id = p_tenant
        and i.email = private.caller_email()
        and private.invitation_is_open(i.status, i.expires_at))
$$;

-- Accepting makes the caller a member although they manage nothing, so it
-- runs as the definer; every condition of consent is checked here, in SQL:
-- the invitation is open and addressed to the caller's own verified address.
-- Returns the tenant, or null when there is no such open invitation for the
-- caller (another's, expired, revoked, declined, accepted, or none at all:
-- the caller cannot tell these apart). SQLSTATE SN002: already a member.
create function private.accept_invitation(p_invitation uuid)
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

-- Declining closes the caller's own open invitation; false when there is none.
create function private.decline_invitation(p_invitation uuid)
returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  update public.tenant_invitations i
  set status = 'declined'
  where i.id = p_invitation
    and i.email = private.caller_email()
    and private.invitation_is_open(i.status, i.expires_at);
  return found;
end
$$;

revoke all on function
  private.caller_email(),
  private.invitation_is_open(public.invitation_status, timestamptz),
  private.inviting_tenant_name(uuid),
  private.accept_invitation(uuid),
  private.decline_invitation(uuid)
from public;
grant execute on function
  private.caller_email(),
  private.invitation_is_open(public.invitation_status, timestamptz),
  private.inviting_tenant_name(uuid),
  private.accept_invitation(uuid),
  private.decline_invitation(uuid)
to authenticated, service_role;

-- Triggers -------------------------------------------------------------------

-- A closed invitation stays closed, and records when it closed.
create function private.close_invitation_once()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.status <> 'pending' then
    raise exception 'invitation % is already %', old.id, old.status;
  end if;
  if new.status <> old.status then
    new.closed_at := now();
  end if;
  return new;
end
$$;

create trigger tenant_invitations_close_once before update on public.tenant_invitations
  for each row execute function private.close_invitation_once();

-- An expired invitation never blocks a new one for the same address: inviting
-- again marks it expired first (definer: the new inviter may not be allowed to
-- touch the old invitation's role, and it is dead anyway).
create function private.expire_stale_invitation()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.tenant_invitations
  set status = 'expired'
  where tenant_id = new.tenant_id and email = new.email
    and status = 'pending' and expires_at <= now();
  return new;
end
$$;

create trigger tenant_invitations_expire_stale before insert on public.tenant_invitations
  for each row execute function private.expire_stale_invitation();

-- Row-level security ------------------------------------------------------------

alter table public.tenant_invitations enable row level security;

-- Managers (admin and owner) see every invitation of their tenant; the invitee
-- sees the ones addressed to them; nobody else sees any.
create policy "managers read their tenant's invitations" on public.tenant_invitations
  for select to authenticated
  using (private.tenant_role(tenant_id) >= 'admin');

create policy "invitees read their own invitations" on public.tenant_invitations
  for select to authenticated
  using (email = private.caller_email());

-- The role rules of memberships: an admin invites members and viewers, an
-- owner any role.
create policy "managers invite with roles they may grant" on public.tenant_invitations
  for insert to authenticated
  with check (
    private.can_manage(tenant_id, role)
    and invited_by = (select auth.uid())
    and status = 'pending');

-- Revoking is the only change a manager makes (accepting and declining go
-- through the functions above).
create policy "managers revoke invitations they may grant" on public.tenant_invitations
  for update to authenticated
  using (private.can_manage(tenant_id, role) and status = 'pending')
  with check (private.can_manage(tenant_id, role) and status = 'revoked');

-- Privileges: nothing for anon, nor for the token hook's role; for
-- authenticated only the columns a client may set.
revoke all on public.tenant_invitations from anon, authenticated;
grant select on public.tenant_invitations to authenticated;
grant insert (tenant_id, email, role) on public.tenant_invitations to authenticated;
grant update (status) on public.tenant_invitations to authenticated;
grant all on public.tenant_invitations to service_role;
grant usage on type public.invitation_status to authenticated, service_role;
