"""A tenant's exports: asked for, listed and read by its owners.

Each method runs in the request's transaction as the caller (role
`authenticated`; `public.jobs`' row-level security lets admins and owners
read their tenant's jobs), after the owner check here. Inserting the job
and its audit row is what no client role may do: the transaction does it as
`service_role` once the check has passed, with the caller's claims still
set: the audit row (`tenant_export_requested`) names them and the request.

The job is inserted `queued`; once the transaction has committed, the route
sends its first message to the job queue (`JOB_QUEUE_URL`). A message that
could not be sent is the job function's sweep's to send (each minute on AWS,
every 2 s in make dev).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from core_service.db import Connection
from core_service.errors import ExportInProgress, ExportNotFound
from core_service.exports.links import ExportLinks
from core_service.exports.schemas import Export, ExportDownload
from core_service.tenants import tenant_access
from tenancy.principal import Principal, Role
from tenancy.tokens import SERVICE_ROLE

_COLUMNS = """
    select id, tenant_id, state::text as state, requested_by, progress, result, error,
           created_at, finished_at, expires_at
    from public.jobs
    where kind = 'export' and tenant_id = %s
"""
# An export at a time per tenant: the lock holds the check and the insert together.
_LOCK = "select pg_advisory_xact_lock(hashtextextended('export:' || %s::text, 0))"
_OPEN = _COLUMNS + " and state in ('queued', 'running') limit 1"
_INSERT = (
    "insert into public.jobs (tenant_id, kind, requested_by) values (%s, 'export', %s) returning id"
)
# As the core's triggers write theirs (private.audit_core), with the request's id.
_AUDIT = (
    "insert into public.audit_events (tenant_id, actor, source, action, outcome, status,"
    " request_id, detail) values (%s, %s, 'core', 'tenant_export_requested', 'succeeded', 202,"
    " left(nullif(current_setting('request.id', true), ''), 256), %s::jsonb)"
)


class ExportService:
    def __init__(self, conn: Connection, principal: Principal, links: ExportLinks) -> None:
        self._conn = conn
        self._principal = principal
        self._links = links

    async def start(self, tenant_id: uuid.UUID) -> Export:
        await self._require_owner(tenant_id)
        await self._conn.execute(_LOCK, (tenant_id,))
        if await (await self._conn.execute(_OPEN, (tenant_id,))).fetchone() is not None:
            raise ExportInProgress("An export of this tenant is under way; wait for it to end")
        await self._conn.execute("select set_config('role', %s, true)", (SERVICE_ROLE,))
        row = await (
            await self._conn.execute(_INSERT, (tenant_id, self._principal.user_id))
        ).fetchone()
        assert row is not None  # an insert ... returning answers its row
        export_id = row["id"]
        await self._conn.execute(
            _AUDIT, (tenant_id, self._principal.user_id, json.dumps({"export_id": str(export_id)}))
        )
        return await self.get(tenant_id, export_id, checked=True)

    async def recent(self, tenant_id: uuid.UUID) -> list[Export]:
        await self._require_owner(tenant_id)
        cursor = await self._conn.execute(
            _COLUMNS + " order by created_at desc, id desc limit 100", (tenant_id,)
        )
        return [self._export(row) for row in await cursor.fetchall()]

    async def get(
        self, tenant_id: uuid.UUID, export_id: uuid.UUID, *, checked: bool = False
    ) -> Export:
        if not checked:
            await self._require_owner(tenant_id)
        cursor = await self._conn.execute(_COLUMNS + " and id = %s", (tenant_id, export_id))
        row = await cursor.fetchone()
        if row is None:
            raise ExportNotFound("No such export of this tenant")
        return self._export(row)

    async def _require_owner(self, tenant_id: uuid.UUID) -> None:
        access = await tenant_access(self._conn, self._principal, tenant_id)
        access.require(Role.owner)

    def _export(self, row: dict[str, Any]) -> Export:
        result = row.pop("result") or {}
        export = Export.model_validate(row)
        if export.state != "succeeded":
            return export
        url, until = self._links.download(result["key"], result["file_name"])
        return export.model_copy(
            update={
                "size": result.get("size"),
                "files": result.get("files"),
                "skipped": result.get("skipped", []),
                "download": ExportDownload(
                    url=url, url_expires_at=until, file_name=result["file_name"]
                ),
            }
        )
