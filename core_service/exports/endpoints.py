"""The routes of a tenant's exports (docs/api.md, "Tenant export"): owners only.

No `from __future__ import annotations`: FastAPI resolves these annotations at
run time.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response

from core_service.exports.links import ExportLinks
from core_service.exports.schemas import Export, ExportList
from core_service.exports.service import ExportService
from core_service.routes import TENANT_ERRORS, Caller, CallerContext
from core_service.settings import Settings
from tenancy.job_queue import JobQueue
from tenancy.problems import operation_id, problem_responses
from tenancy.routing import serve_routes

router = APIRouter(
    prefix="/tenants/{tenant_id}/exports",
    tags=["exports"],
    generate_unique_id_function=operation_id,
)
# An answer holding a presigned URL is never kept by a cache on the way.
NO_STORE = {"Cache-Control": "no-store"}


def install(app: FastAPI, settings: Settings) -> None:
    """The routes, the presigner they need (`app.state.export_links`) and the job queue
    that starts an export (`app.state.job_queue`)."""
    app.state.export_links = ExportLinks(settings.bucket, settings.region, settings.s3_endpoint_url)
    app.state.job_queue = JobQueue(settings.job_queue_url, settings.region)
    serve_routes(app, router)


@asynccontextmanager
async def _exports(caller: CallerContext, request: Request) -> AsyncIterator[ExportService]:
    async with caller.database.as_user(caller.claims) as conn:
        yield ExportService(conn, caller.principal, request.app.state.export_links)


@router.post(
    "",
    status_code=202,
    response_model=Export,
    responses=problem_responses(*TENANT_ERRORS, 409),
)
async def create_tenant_export(
    request: Request, response: Response, caller: Caller, tenant_id: uuid.UUID
) -> Export:
    """Export the whole tenant as one ZIP (owners only); poll the `Location` for its state."""
    async with _exports(caller, request) as exports:
        export = await exports.start(tenant_id)
    # Committed: the job function can read the row now. A message not sent is the sweep's
    # to send, within its minute.
    await asyncio.to_thread(request.app.state.job_queue.send, str(export.id))
    response.headers["Location"] = f"/tenants/{tenant_id}/exports/{export.id}"
    return export


@router.get("", response_model=ExportList, responses=problem_responses(*TENANT_ERRORS))
async def list_tenant_exports(
    request: Request, response: Response, caller: Caller, tenant_id: uuid.UUID
) -> ExportList:
    """The tenant's exports, newest first (the last 100), each with its download once done."""
    response.headers.update(NO_STORE)
    async with _exports(caller, request) as exports:
        return ExportList(exports=await exports.recent(tenant_id))


@router.get("/{export_id}", response_model=Export, responses=problem_responses(*TENANT_ERRORS))
async def get_tenant_export(
    request: Request, response: Response, caller: Caller, tenant_id: uuid.UUID, export_id: uuid.UUID
) -> Export:
    """One export: its state and progress, and once succeeded a short-lived download URL."""
    response.headers.update(NO_STORE)
    async with _exports(caller, request) as exports:
        return await exports.get(tenant_id, export_id)
