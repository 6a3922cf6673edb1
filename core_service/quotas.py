"""Tenant quotas: set by the service role, read by the tenant's owners and admins (issue 18).

A quota caps what a tenant stores: every version the bucket keeps, the trash
included (migration 20251229000100_file_quotas.sql). The file API enforces it
at every door through which bytes come in (file_lambda/quotas.py); this is
where an operator sets it and where the tenant sees it.

- `PUT /tenants/{id}/quota` takes the service role only: Supabase's
  service-role key (`tenancy.tokens.verify_service_role`), never a user's
  token, whatever role the tenant gave that user or that token's `role`
  claim says.
- `GET /tenants/{id}/quota` answers the tenant's owners and admins (read as
  them, under row-level security) and the service role: the limits, what is
  used and what uploads in progress have reserved.

No `from __future__ import annotations`: FastAPI resolves these annotations at
run time.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from core_service.db import Connection, Database, refusals
from core_service.errors import TenantNotFound
from core_service.schemas import QuotaUpdate, QuotaUsage, TenantQuota
from core_service.tenants import tenant_access
from tenancy.dependencies import BearerScheme, bearer_token, verified_claims
from tenancy.principal import Principal, Role, RoleForbidden
from tenancy.problems import operation_id, problem_responses
from tenancy.tokens import SERVICE_ROLE, claims_service_role, verify_service_role

router = APIRouter(generate_unique_id_function=operation_id, tags=["quotas"])

QUOTA_ERRORS = (401, 403, 404, 422, 503)


@dataclass(frozen=True, slots=True)
class QuotaCaller:
    """The service role (`principal` None) or a verified user."""

    claims: dict[str, Any]
    principal: Principal | None
    database: Database

    @property
    def is_service_role(self) -> bool:
        return self.principal is None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """One transaction as the caller: `authenticated` under RLS, or `service_role`."""
        async with self.database.as_user(self.claims) as conn:
            if self.is_service_role:
                await conn.execute("select set_config('role', %s, true)", (SERVICE_ROLE,))
            yield conn


class QuotaCallerScheme(BearerScheme):
    """The caller of the quota routes: the service role's key, or a user's token."""

    async def __call__(self, request: Request) -> QuotaCaller:
        database: Database = request.app.state.database
        token = bearer_token(request)
        if claims_service_role(token):
            # Checked as the service role's key only: a user's token naming the
            # role is refused here, never verified as the user it also is.
            claims = verify_service_role(token, request.app.state.settings.jwt_secret)
            return QuotaCaller(claims, None, database)
        claims = verified_claims(request)
        principal = Principal.from_claims(claims)
        request.state.audit_caller = principal.user_id  # audit.RefusedAttempts
        return QuotaCaller(claims, principal, database)


Caller = Annotated[QuotaCaller, Depends(QuotaCallerScheme())]


@router.get(
    "/tenants/{tenant_id}/quota",
    response_model=TenantQuota,
    responses=problem_responses(*QUOTA_ERRORS),
)
async def get_tenant_quota(caller: Caller, tenant_id: uuid.UUID) -> TenantQuota:
    """The tenant's quota, what it uses and what uploads in progress reserve (owners, admins)."""
    async with caller.transaction() as conn:
        if caller.principal is None:
            await _require_tenant(conn, tenant_id)
        else:
            access = await tenant_access(conn, caller.principal, tenant_id)
            access.require(Role.admin)
        return await _read(conn, tenant_id)


@router.put(
    "/tenants/{tenant_id}/quota",
    response_model=TenantQuota,
    responses=problem_responses(*QUOTA_ERRORS, 400, 413),
)
async def set_tenant_quota(caller: Caller, tenant_id: uuid.UUID, body: QuotaUpdate) -> TenantQuota:
    """Set the tenant's quota (the service role only); null lifts a limit."""
    if not caller.is_service_role:
        raise RoleForbidden("Setting a tenant's quota needs the service role")
    async with caller.transaction() as conn:
        await _require_tenant(conn, tenant_id)
        with refusals():
            await conn.execute(
                "insert into public.tenant_quotas"
                " (tenant_id, max_bytes, max_objects, updated_at, updated_by)"
                " values (%s, %s, %s, now(), %s)"
                " on conflict (tenant_id) do update set max_bytes = excluded.max_bytes,"
                " max_objects = excluded.max_objects, updated_at = excluded.updated_at,"
                " updated_by = excluded.updated_by",
                (tenant_id, body.max_bytes, body.max_objects, SERVICE_ROLE),
            )
        return await _read(conn, tenant_id)


async def _require_tenant(conn: Connection, tenant_id: uuid.UUID) -> None:
    cursor = await conn.execute("select 1 from public.tenants where id = %s", (tenant_id,))
    if await cursor.fetchone() is None:
        raise TenantNotFound("No such tenant")


async def _read(conn: Connection, tenant_id: uuid.UUID) -> TenantQuota:
    cursor = await conn.execute(
        "select q.max_bytes, q.max_objects, q.updated_at,"
        " u.used_bytes, u.used_objects, u.reserved_bytes, u.reserved_objects"
        " from private.file_quota_usage(%(tenant)s) u"
        " left join public.tenant_quotas q on q.tenant_id = %(tenant)s",
        {"tenant": tenant_id},
    )
    row = await cursor.fetchone()
    if row is None:  # the function answers only the tenant's owners, admins and service_role
        raise RoleForbidden("Reading the quota needs the admin role in this tenant")
    return TenantQuota(
        tenant_id=tenant_id,
        max_bytes=row["max_bytes"],
        max_objects=row["max_objects"],
        used=QuotaUsage(size=row["used_bytes"], objects=row["used_objects"]),
        reserved=QuotaUsage(size=row["reserved_bytes"], objects=row["reserved_objects"]),
        updated_at=row["updated_at"],
    )
