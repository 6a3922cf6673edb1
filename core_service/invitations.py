"""Invitations: how a user joins a tenant, with their consent.

A manager invites an e-mail address with a role (the role rules of
`members.py`); the invitee, signed in with that address, accepts or declines.
Until then the invitation grants nothing: access comes from memberships only.
An invitation is open for `INVITATION_LIFETIME` (the column default of
`public.tenant_invitations.expires_at`) and a manager may revoke it meanwhile.

Creating one answers alike whether the address has an account or not: it is
looked up only afterwards, by the mail sent once the invitation is committed
(`mail.py`), whose outcome the invitation shows (`mail_status`). The
invitee's side runs in SQL functions that match the invitation to the
`email` claim of the caller's verified token, so an invitation id of
someone else's, or one that is closed, is simply not found.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from core_service.db import Connection, refusals, refused_unless_changed
from core_service.errors import (
    InvitationExists,
    InvitationNotFound,
    MemberExists,
    ResendTooSoon,
)
from core_service.members import require_manage
from core_service.schemas import Invitation, ReceivedInvitation, Tenant
from core_service.tenants import TenantService, tenant_access
from tenancy.principal import Principal, Role

# What supabase/migrations/*_tenant_invitations.sql sets; stated here for the docs and tests.
INVITATION_LIFETIME = timedelta(days=7)

_OPEN_INVITATIONS = """
    select i.id, i.tenant_id, i.email, i.role::text as role, i.status::text as status,
           i.invited_by, i.created_at, i.expires_at, i.mail_status::text as mail_status,
           i.mailed_at
    from public.tenant_invitations i
    where private.invitation_is_open(i.status, i.expires_at)
"""


class InvitationService:
    def __init__(self, conn: Connection, principal: Principal) -> None:
        self._conn = conn
        self._principal = principal

    # -- the tenant's managers --------------------------------------------------------

    async def create(self, tenant_id: uuid.UUID, email: str, role: Role) -> Invitation:
        access = await tenant_access(self._conn, self._principal, tenant_id)
        require_manage(access, role)
        # Managers see their members' addresses anyway: this 409 tells them nothing new.
        # Lower-cased by Postgres, here as in the table's check and the token's match.
        cursor = await self._conn.execute(
            "select 1 from private.member_emails(%s) where lower(email) = lower(%s)",
            (tenant_id, email),
        )
        if await cursor.fetchone() is not None:
            raise MemberExists("That address belongs to a member of this tenant")
        pending = InvitationExists(
            "That address already has a pending invitation to this tenant; revoke it first"
        )
        with refusals(duplicate=pending):
            cursor = await self._conn.execute(
                "insert into public.tenant_invitations (tenant_id, email, role)"
                " values (%s, lower(%s), %s) returning id, tenant_id, email,"
                " role::text as role, status::text as status, invited_by, created_at,"
                " expires_at, mail_status::text as mail_status, mailed_at",
                (tenant_id, email, role.name),
            )
        return Invitation.model_validate(await cursor.fetchone())

    async def pending(self, tenant_id: uuid.UUID) -> list[Invitation]:
        access = await tenant_access(self._conn, self._principal, tenant_id)
        access.require(Role.admin)
        cursor = await self._conn.execute(
            _OPEN_INVITATIONS + " and i.tenant_id = %s order by i.created_at, i.id",
            (tenant_id,),
        )
        return [Invitation.model_validate(row) for row in await cursor.fetchall()]

    async def _manageable(self, tenant_id: uuid.UUID, invitation_id: uuid.UUID) -> Invitation:
        """The tenant's open invitation, if the caller may grant its role."""
        access = await tenant_access(self._conn, self._principal, tenant_id)
        access.require(Role.admin)
        cursor = await self._conn.execute(
            _OPEN_INVITATIONS + " and i.id = %s and i.tenant_id = %s",
            (invitation_id, tenant_id),
        )
        row = await cursor.fetchone()
        if row is None:
            raise InvitationNotFound("No such pending invitation in this tenant")
        require_manage(access, Role[row["role"]])
        return Invitation.model_validate(row)

    async def revoke(self, tenant_id: uuid.UUID, invitation_id: uuid.UUID) -> None:
        await self._manageable(tenant_id, invitation_id)
        with refusals():
            cursor = await self._conn.execute(
                "update public.tenant_invitations set status = 'revoked'"
                " where id = %s and status = 'pending'",
                (invitation_id,),
            )
        refused_unless_changed(cursor.rowcount)

    async def request_mail(
        self, tenant_id: uuid.UUID, invitation_id: uuid.UUID, interval_seconds: int
    ) -> Invitation:
        """Ask for the invitation's mail again; `ResendTooSoon` within the interval."""
        await self._manageable(tenant_id, invitation_id)
        cursor = await self._conn.execute(
            "select private.request_invitation_mail(%s, make_interval(secs => %s)) as wait",
            (invitation_id, interval_seconds),
        )
        row = await cursor.fetchone()
        if row is None or row["wait"] is None:
            raise InvitationNotFound("No such pending invitation in this tenant")
        if row["wait"] > 0:
            raise ResendTooSoon(row["wait"])
        return await self._manageable(tenant_id, invitation_id)

    # -- the invitee ----------------------------------------------------------------------

    async def received(self) -> list[ReceivedInvitation]:
        cursor = await self._conn.execute(
            """
            select i.id, i.tenant_id, i.email, i.role::text as role, i.status::text as status,
                   i.invited_by, i.created_at, i.expires_at, i.mail_status::text as mail_status,
                   i.mailed_at, private.inviting_tenant_name(i.tenant_id) as tenant_name
            from public.tenant_invitations i
            where i.email = private.caller_email()
              and private.invitation_is_open(i.status, i.expires_at)
              and private.tenant_live(i.tenant_id)  -- none of a deleted tenant's
            order by i.created_at, i.id
            """
        )
        return [ReceivedInvitation.model_validate(row) for row in await cursor.fetchall()]

    async def accept(self, invitation_id: uuid.UUID) -> Tenant:
        """Join the tenant with the invitation's role; `MemberExists` when already in it."""
        with refusals():
            cursor = await self._conn.execute(
                "select private.accept_invitation(%s) as tenant_id", (invitation_id,)
            )
        row = await cursor.fetchone()
        if row is None or row["tenant_id"] is None:
            raise InvitationNotFound("No such open invitation for you")
        return await TenantService(self._conn, self._principal).get(row["tenant_id"])

    async def decline(self, invitation_id: uuid.UUID) -> None:
        cursor = await self._conn.execute(
            "select private.decline_invitation(%s) as declined", (invitation_id,)
        )
        row = await cursor.fetchone()
        if row is None or not row["declined"]:
            raise InvitationNotFound("No such open invitation for you")
