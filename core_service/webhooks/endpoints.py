"""The routes of a tenant's webhook endpoints, their delivery log and redelivery
(docs/api.md, "Webhooks"): admins and owners only.

No `from __future__ import annotations`: FastAPI resolves these annotations at
run time.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response

from core_service.audit import InvalidCursor, cursor_sealer
from core_service.routes import BODY_ERRORS, TENANT_ERRORS, Caller, CallerContext
from core_service.settings import Settings
from core_service.webhooks.schemas import (
    DeliveryDetail,
    DeliveryPage,
    Endpoint,
    EndpointCreate,
    EndpointList,
    EndpointUpdate,
    EndpointWithSecret,
    QueuedEvent,
    Redelivery,
    RotatedSecret,
)
from core_service.webhooks.service import WebhookParts, WebhookService
from tenancy.problems import operation_id, problem_responses
from tenancy.routing import serve_routes
from tenancy.sealing import Sealer, Unsealable
from webhooks.vault import Vault

router = APIRouter(
    prefix="/tenants/{tenant_id}/webhooks",
    tags=["webhooks"],
    generate_unique_id_function=operation_id,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# An answer holding a signing secret is never kept by a cache on the way.
NO_STORE = {"Cache-Control": "no-store"}


def install(app: FastAPI, settings: Settings) -> None:
    """The routes, and the parts they need (`app.state.webhooks`)."""
    key = settings.webhook_secrets_key
    app.state.webhooks = WebhookParts(
        vault=None if key is None else Vault(key),
        allow_loopback=settings.webhooks_allow_loopback,
    )
    serve_routes(app, router)


@asynccontextmanager
async def _webhooks(caller: CallerContext, request: Request) -> AsyncIterator[WebhookService]:
    async with caller.database.as_user(caller.claims) as conn:
        yield WebhookService(conn, caller.principal, request.app.state.webhooks)


@router.post(
    "",
    status_code=201,
    response_model=EndpointWithSecret,
    responses=problem_responses(*TENANT_ERRORS, *BODY_ERRORS, 409),
)
async def create_webhook_endpoint(
    request: Request, response: Response, caller: Caller, tenant_id: uuid.UUID, body: EndpointCreate
) -> EndpointWithSecret:
    """Register an endpoint; its signing secret is in this answer only."""
    response.headers.update(NO_STORE)
    async with _webhooks(caller, request) as webhooks:
        return await webhooks.create(tenant_id, body)


@router.get("", response_model=EndpointList, responses=problem_responses(*TENANT_ERRORS))
async def list_webhook_endpoints(
    request: Request, caller: Caller, tenant_id: uuid.UUID
) -> EndpointList:
    """The tenant's endpoints, oldest first (never their secrets)."""
    async with _webhooks(caller, request) as webhooks:
        return EndpointList(endpoints=await webhooks.endpoints(tenant_id))


@router.get("/{endpoint_id}", response_model=Endpoint, responses=problem_responses(*TENANT_ERRORS))
async def get_webhook_endpoint(
    request: Request, caller: Caller, tenant_id: uuid.UUID, endpoint_id: uuid.UUID
) -> Endpoint:
    """One endpoint (never its secret)."""
    async with _webhooks(caller, request) as webhooks:
        return await webhooks.get(tenant_id, endpoint_id)


@router.patch(
    "/{endpoint_id}",
    response_model=Endpoint,
    responses=problem_responses(*TENANT_ERRORS, *BODY_ERRORS),
)
async def update_webhook_endpoint(
    request: Request,
    caller: Caller,
    tenant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
) -> Endpoint:
    """Change an endpoint's URL, event types or description, or disable or enable it."""
    async with _webhooks(caller, request) as webhooks:
        return await webhooks.change(tenant_id, endpoint_id, body)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(*TENANT_ERRORS),
)
async def delete_webhook_endpoint(
    request: Request, caller: Caller, tenant_id: uuid.UUID, endpoint_id: uuid.UUID
) -> Response:
    """Delete an endpoint, its secrets and its delivery log."""
    async with _webhooks(caller, request) as webhooks:
        await webhooks.delete(tenant_id, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=RotatedSecret,
    responses=problem_responses(*TENANT_ERRORS),
)
async def rotate_webhook_secret(
    request: Request,
    response: Response,
    caller: Caller,
    tenant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
) -> RotatedSecret:
    """A new signing secret, in this answer only; the previous one signs on for 24 hours."""
    response.headers.update(NO_STORE)
    async with _webhooks(caller, request) as webhooks:
        return await webhooks.rotate_secret(tenant_id, endpoint_id)


@router.post(
    "/{endpoint_id}/test",
    status_code=202,
    response_model=QueuedEvent,
    responses=problem_responses(*TENANT_ERRORS, 409),
)
async def send_webhook_test(
    request: Request, caller: Caller, tenant_id: uuid.UUID, endpoint_id: uuid.UUID
) -> QueuedEvent:
    """Send a `webhook.test` event to this endpoint only."""
    async with _webhooks(caller, request) as webhooks:
        return await webhooks.send_test_event(tenant_id, endpoint_id)


# -- the delivery log ------------------------------------------------------------------------


def _listing(tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> str:
    """What a delivery log's cursor is valid for: this endpoint of this tenant."""
    return f"webhook-deliveries:{tenant_id}:{endpoint_id}"


def _open_cursor(sealer: Sealer, listing: str, cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        position = sealer.open(listing, cursor)
        at = datetime.fromisoformat(position["at"])
        delivery_id = uuid.UUID(position["id"])
    except (Unsealable, ValueError, TypeError, KeyError, AttributeError):
        raise InvalidCursor("The cursor is not valid for this listing") from None
    if at.tzinfo is None:
        raise InvalidCursor("The cursor is not valid for this listing")
    return at, delivery_id


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=DeliveryPage,
    responses=problem_responses(*TENANT_ERRORS, 400),
)
async def list_webhook_deliveries(
    request: Request,
    caller: Caller,
    tenant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Deliveries a page")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="next_cursor of the previous page")
    ] = None,
) -> DeliveryPage:
    """The endpoint's deliveries, newest first, each with its last attempt."""
    sealer = cursor_sealer(request.app.state.settings.database_url)
    listing = _listing(tenant_id, endpoint_id)
    after = None if cursor is None else _open_cursor(sealer, listing, cursor)
    async with _webhooks(caller, request) as webhooks:
        rows = await webhooks.deliveries(tenant_id, endpoint_id, limit=limit + 1, after=after)
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = sealer.seal(listing, {"at": last.created_at.isoformat(), "id": str(last.id)})
    return DeliveryPage(items=items, next_cursor=next_cursor)


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    responses=problem_responses(*TENANT_ERRORS),
)
async def get_webhook_delivery(
    request: Request,
    caller: Caller,
    tenant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
) -> DeliveryDetail:
    """One delivery: its payload and every attempt."""
    async with _webhooks(caller, request) as webhooks:
        return await webhooks.delivery(tenant_id, endpoint_id, delivery_id)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=Redelivery,
    responses=problem_responses(*TENANT_ERRORS, 409),
)
async def redeliver_webhook_delivery(
    request: Request,
    caller: Caller,
    tenant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
) -> Redelivery:
    """Attempt a delivery again, from its first attempt on (its log keeps the earlier ones)."""
    async with _webhooks(caller, request) as webhooks:
        return await webhooks.redeliver(tenant_id, endpoint_id, delivery_id)
