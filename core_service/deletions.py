"""A tenant's deletion and its undo (docs/api.md, "Deleting a tenant").

- `DELETE /tenants/{id}?confirm=<name>`: an owner deletes a tenant by naming
  it. Nothing is removed yet: the tenant is hidden from everyone at once
  (every membership read answers no role for it: migration 20260202000300)
  and its purge is due `DELETION_GRACE_DAYS` later (jobs/purges.py).
- `POST /tenants/{id}/restore`: an owner undoes it while the grace period
  lasts, and gets back exactly what was there.
- `GET /tenants/deleted`: the deleted tenants the caller owns.

The checks run in security-definer functions of the database, which read the
caller's own membership whatever the tenant's state: row-level security hides
a deleted tenant even from its owners.

No `from __future__ import annotations`: FastAPI resolves these annotations at
run time.
"""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from core_service.db import Connection
from core_service.errors import TenantNotFound
from core_service.routes import TENANT_ERRORS, Caller
from core_service.settings import Settings
from core_service.tenants import tenant_access
from tenancy.principal import Principal, Role
from tenancy.problems import Conflict, Problem, operation_id, problem_responses

router = APIRouter(generate_unique_id_function=operation_id, tags=["tenants"])


class ConfirmationMismatch(Problem):
    status = 400
    code = "confirmation_mismatch"


class TenantNotDeleted(Conflict):
    code = "tenant_not_deleted"


class GracePeriodEnded(Problem):
    status = 410
    code = "grace_period_ended"


class DeletedTenant(BaseModel):
    id: uuid.UUID
    name: str
    deleted_at: datetime
    deleted_by: uuid.UUID | None = Field(description="The owner who deleted it")
    purge_after: datetime = Field(
        description="When the purge may start; until then an owner may restore the tenant"
    )


class DeletedTenantList(BaseModel):
    tenants: list[DeletedTenant]


class DeletionService:
    def __init__(self, conn: Connection, principal: Principal) -> None:
        self._conn = conn
        self._principal = principal

    async def delete(self, tenant_id: uuid.UUID, confirm: str, grace_days: int) -> DeletedTenant:
        access = await tenant_access(self._conn, self._principal, tenant_id)
        access.require(Role.owner)
        cursor = await self._conn.execute(
            "select name from public.tenants where id = %s", (tenant_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            raise TenantNotFound("No such tenant among yours")
        if row["name"] != confirm:
            raise ConfirmationMismatch(
                "The confirmation must be the tenant's name exactly as it is"
            )
        cursor = await self._conn.execute(
            "select deleted_at, deleted_by, purge_after from private.delete_tenant(%s, %s, %s)",
            (tenant_id, confirm, grace_days),
        )
        done = await cursor.fetchone()
        if done is None:  # renamed or deleted by another owner in between
            raise TenantNotFound("No such tenant among yours")
        return DeletedTenant(id=tenant_id, name=confirm, **done)

    async def restore(self, tenant_id: uuid.UUID) -> None:
        cursor = await self._conn.execute(
            "select private.restore_tenant(%s) as outcome", (tenant_id,)
        )
        row = await cursor.fetchone()
        outcome = row["outcome"] if row else "not_found"
        if outcome == "not_found":
            raise TenantNotFound("No such tenant among those you own")
        if outcome == "not_deleted":
            raise TenantNotDeleted("This tenant is not deleted")
        if outcome == "grace_period_ended":
            raise GracePeriodEnded(
                "The grace period has ended: the tenant is being purged or is purged"
            )

    async def deleted(self) -> list[DeletedTenant]:
        cursor = await self._conn.execute(
            "select id, name, deleted_at, deleted_by, purge_after from private.deleted_tenants()"
        )
        return [DeletedTenant.model_validate(row) for row in await cursor.fetchall()]


@router.get(
    "/tenants/deleted",
    response_model=DeletedTenantList,
    responses=problem_responses(401, 422, 503),
)
async def list_deleted_tenants(caller: Caller) -> DeletedTenantList:
    """The deleted tenants the caller owns, not purged yet."""
    async with caller.database.as_user(caller.claims) as conn:
        return DeletedTenantList(tenants=await DeletionService(conn, caller.principal).deleted())


@router.delete(
    "/tenants/{tenant_id}",
    status_code=202,
    response_model=DeletedTenant,
    responses=problem_responses(*TENANT_ERRORS),
)
async def delete_tenant(
    caller: Caller,
    tenant_id: uuid.UUID,
    confirm: Annotated[str, Query(max_length=200, description="The tenant's name, exactly")],
    request: Request,
) -> DeletedTenant:
    """Delete a tenant (owners only), naming it: hidden at once from every member,
    restorable by an owner until `purge_after`, purged after."""
    settings: Settings = request.app.state.settings
    async with caller.database.as_user(caller.claims) as conn:
        service = DeletionService(conn, caller.principal)
        return await service.delete(tenant_id, confirm, settings.deletion_grace_days)


@router.post(
    "/tenants/{tenant_id}/restore",
    status_code=204,
    responses=problem_responses(*TENANT_ERRORS, 409, 410),
)
async def restore_tenant(caller: Caller, tenant_id: uuid.UUID) -> None:
    """Undo a tenant's deletion (owners only) while its grace period lasts."""
    async with caller.database.as_user(caller.claims) as conn:
        await DeletionService(conn, caller.principal).restore(tenant_id)
