"""Tenants: create, list mine, read, change (name and settings); and the caller's memberships.

Every method runs inside the request's transaction as the caller, so the
checks here are the first line; row-level security is the last.
"""

from __future__ import annotations

import uuid

from core_service.db import Connection, refusals, refused_unless_changed
from core_service.errors import TenantNotFound
from core_service.schemas import Tenant
from tenancy.principal import Principal, Role, TenantAccess

_TENANT_COLUMNS = """
    select t.id, t.name, m.role::text as role, t.members_read_pending, t.created_at, t.updated_at
    from public.tenants t
    join public.tenant_members m on m.tenant_id = t.id and m.user_id = (select auth.uid())
"""


async def tenant_access(
    conn: Connection, principal: Principal, tenant_id: uuid.UUID
) -> TenantAccess:
    """The caller's role in `tenant_id`, read now (a token's copy may be stale).

    Not a member and no such tenant answer alike: the caller learns nothing
    about tenants that are not theirs.
    """
    cursor = await conn.execute("select private.tenant_role(%s)::text as role", (tenant_id,))
    row = await cursor.fetchone()
    if row is None or row["role"] is None:
        raise TenantNotFound("No such tenant among yours")
    return TenantAccess(principal, str(tenant_id), Role[row["role"]])


class TenantService:
    def __init__(self, conn: Connection, principal: Principal) -> None:
        self._conn = conn
        self._principal = principal

    async def memberships(self) -> dict[str, str]:
        cursor = await self._conn.execute(
            "select tenant_id, role::text as role from public.tenant_members"
            " where user_id = (select auth.uid()) order by tenant_id"
        )
        return {str(row["tenant_id"]): row["role"] for row in await cursor.fetchall()}

    async def mine(self) -> list[Tenant]:
        cursor = await self._conn.execute(_TENANT_COLUMNS + " order by t.created_at, t.id")
        return [Tenant.model_validate(row) for row in await cursor.fetchall()]

    async def create(self, name: str) -> Tenant:
        tenant_id = uuid.uuid4()
        # No RETURNING: the new row becomes readable to its creator only once
        # the trigger has made them its owner, after the insert itself.
        with refusals():
            await self._conn.execute(
                "insert into public.tenants (id, name) values (%s, %s)", (tenant_id, name)
            )
        return await self._read(tenant_id)

    async def get(self, tenant_id: uuid.UUID) -> Tenant:
        await tenant_access(self._conn, self._principal, tenant_id)
        return await self._read(tenant_id)

    async def change(
        self, tenant_id: uuid.UUID, name: str | None, members_read_pending: bool | None
    ) -> Tenant:
        """An owner's change of the name, the settings, or both (None: unchanged)."""
        access = await tenant_access(self._conn, self._principal, tenant_id)
        access.require(Role.owner)
        with refusals():
            cursor = await self._conn.execute(
                "update public.tenants set name = coalesce(%s, name),"
                " members_read_pending = coalesce(%s, members_read_pending) where id = %s",
                (name, members_read_pending, tenant_id),
            )
        refused_unless_changed(cursor.rowcount)
        return await self._read(tenant_id)

    async def _read(self, tenant_id: uuid.UUID) -> Tenant:
        cursor = await self._conn.execute(_TENANT_COLUMNS + " where t.id = %s", (tenant_id,))
        row = await cursor.fetchone()
        if row is None:
            raise TenantNotFound("No such tenant among yours")
        return Tenant.model_validate(row)
