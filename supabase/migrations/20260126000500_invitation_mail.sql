-- Invitation e-mails: whether the invitee was told, and when (issue 29).
--
-- The core mails an invitation after the transaction that made it commits
-- (core_service/mail.py), so the mail's failure never loses the invitation;
-- its outcome is recorded here, by the service role, and shown to managers.
--   pending: asked for, not handed to a mail service yet (or being resent);
--   sent:    Supabase Auth (an address without an account) or Amazon SES
--            (an address with one) accepted it at `mailed_at`;
--   failed:  the mail service refused it or did not answer: a manager may resend.
-- `mail_requested_at` is the last time a mail was asked for, the invitation's
-- own creation included: a resend is allowed once a minute after it.
--
-- None of these columns is `status`: the audit trail's trigger (update of
-- status only) writes nothing for them, and they are written only while the
-- invitation is pending, which the closed-stays-closed trigger requires.

create type public.invitation_mail_status as enum ('pending', 'sent', 'failed');

alter table public.tenant_invitations
  add column mail_status public.invitation_mail_status not null default 'pending',
  add column mail_requested_at timestamptz not null default now(),
  add column mailed_at timestamptz;

-- Invitations made before mails existed were never mailed: say so, and let a
-- manager send one now.
update public.tenant_invitations set mail_status = 'failed' where status = 'pending';

grant usage on type public.invitation_mail_status to authenticated, service_role;

-- What an invitation's mail says, for the core's service role: the tenant's
-- name, the inviter's address, and whether the invitee already has a
-- confirmed account (Supabase Auth refuses to invite those: they get a mail
-- of ours through SES instead). auth.users is not the service role's to read,
-- hence the definer; the answer names only this invitation's own facts.
create function private.invitation_mail(p_invitation uuid)
returns table (
  id uuid, tenant_id uuid, email text, role text, expires_at timestamptz,
  tenant_name text, inviter_email text, has_account boolean
)
language sql stable security definer
set search_path = ''
as $$
  select i.id, i.tenant_id, i.email, i.role::text, i.expires_at,
         t.name, inviter.email::text,
         exists (select 1 from auth.users u
                 where lower(u.email) = i.email and u.email_confirmed_at is not null)
  from public.tenant_invitations i
  join public.tenants t on t.id = i.tenant_id
  left join auth.users inviter on inviter.id = i.invited_by
  where i.id = p_invitation
    and private.invitation_is_open(i.status, i.expires_at)
$$;

revoke all on function private.invitation_mail(uuid) from public;
grant execute on function private.invitation_mail(uuid) to service_role;

-- A manager asks for the invitation's mail again: allowed to whoever may
-- grant its role (as revoking), on an open invitation, at most once per
-- `p_interval` since the last mail was asked for, so a manager's script
-- cannot turn the invitation into a mail bomb. Returns 0 when the caller may
-- send it now (the request is recorded), the seconds to wait otherwise, and
-- null when there is no such open invitation the caller may manage.
create function private.request_invitation_mail(p_invitation uuid, p_interval interval)
returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  invitation public.tenant_invitations;
begin
  select * into invitation
  from public.tenant_invitations i
  where i.id = p_invitation
    and private.invitation_is_open(i.status, i.expires_at)
    and private.can_manage(i.tenant_id, i.role)
  for update;
  if not found then
    return null;
  end if;
  if invitation.mail_requested_at + p_interval > now() then
    return greatest(1, ceil(extract(epoch from
      invitation.mail_requested_at + p_interval - now())))::integer;
  end if;
  update public.tenant_invitations
  set mail_status = 'pending', mail_requested_at = now()
  where id = invitation.id;
  return 0;
end
$$;

revoke all on function private.request_invitation_mail(uuid, interval) from public;
grant execute on function private.request_invitation_mail(uuid, interval)
  to authenticated, service_role;
