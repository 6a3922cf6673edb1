"""Memberships of a tenant, managed by role (API.md, "Tenant and role").

An admin manages members and viewers; an owner manages every role, owners
included; anyone may leave. A tenant always keeps an owner: the database
refuses the change that would remove its last one (`LastOwner`). Nobody is
added here: a membership starts as an invitation the invitee accepts
(`invitations.py`).
"""

from __future__ import annotations

import uuid

from core_service.db import Connection, refusals, refused_unless_changed
from core_service.errors import MemberNotFound
from core_service.schemas import Member
from core_service.tenants import tenant_access
from tenancy.principal import Principal, Role, RoleForbidden, TenantAccess

_MEMBER_COLUMNS = """
    select m.user_id, e.email, m.role::text as role, m.created_at, m.updated_at
    from public.tenant_members m
    left join private.member_emails(%(tenant)s) e on e.user_id = m.user_id
    where m.tenant_id = %(tenant)s
"""


def may_manage(caller: Role, target: Role) -> bool:
    """The rule of `private.can_manage` in SQL, checked first in Python."""
    return caller == Role.owner or (caller == Role.admin and target <= Role.member)


def require_manage(access: TenantAccess, target: Role) -> None:
    """Refuse unless the caller may grant, change or remove the role `target`."""
    access.require(Role.admin)
    if not may_manage(access.role, target):
        raise RoleForbidden(f"Managing {target.name}s needs the owner role in this tenant")


class MemberService:
    def __init__(self, conn: Connection, principal: Principal) -> None:
        self._conn = conn
        self._principal = principal

    async def list(self, tenant_id: uuid.UUID) -> list[Member]:
        await tenant_access(self._conn, self._principal, tenant_id)
        cursor = await self._conn.execute(
            _MEMBER_COLUMNS + " order by m.created_at, m.user_id", {"tenant": tenant_id}
        )
        return [Member.model_validate(row) for row in await cursor.fetchall()]

    async def change_role(self, tenant_id: uuid.UUID, user_id: uuid.UUID, role: Role) -> Member:
        access = await tenant_access(self._conn, self._principal, tenant_id)
        current = await self._read(tenant_id, user_id)
        require_manage(access, Role[current.role])
        require_manage(access, role)
        with refusals():
            cursor = await self._conn.execute(
                "update public.tenant_members set role = %s where tenant_id = %s and user_id = %s",
                (role.name, tenant_id, user_id),
            )
        refused_unless_changed(cursor.rowcount)
        return await self._read(tenant_id, user_id)

    async def remove(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
        access = await tenant_access(self._conn, self._principal, tenant_id)
        current = await self._read(tenant_id, user_id)
        if str(user_id) != self._principal.user_id:  # leaving needs no role
            require_manage(access, Role[current.role])
        with refusals():
            cursor = await self._conn.execute(
                "delete from public.tenant_members where tenant_id = %s and user_id = %s",
                (tenant_id, user_id),
            )
        refused_unless_changed(cursor.rowcount)

    async def _read(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Member:
        cursor = await self._conn.execute(
            _MEMBER_COLUMNS + " and m.user_id = %(user)s", {"tenant": tenant_id, "user": user_id}
        )
        row = await cursor.fetchone()
        if row is None:
            raise MemberNotFound("No such member in this tenant")
        return Member.model_validate(row)
