"""A tenant's webhook endpoints, their signing secrets and their delivery log.

Every method runs in the request's transaction as the caller (role
`authenticated`, row-level security: only the tenant's admins and owners see
its endpoints, deliveries and attempts), after the role check here. The two
things no client role may do, keeping a sealed secret
(`private.webhook_endpoint_secrets`) and writing the test event
(`private.emit_webhook_event`), the transaction does as `service_role` once
that check has passed. The caller's claims stay set, so the audit trail's
triggers name them (supabase/migrations/20260126000300_webhook_endpoints_audit.sql);
a redelivery is a function the caller runs (`private.redeliver_webhook`).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core_service.db import Connection, refusals
from core_service.errors import (
    WebhookDeliveryNotFound,
    WebhookEndpointDisabled,
    WebhookEndpointNotFound,
    WebhookSecretsUnavailable,
)
from core_service.tenants import tenant_access
from core_service.webhooks.schemas import (
    Attempt,
    Delivery,
    DeliveryDetail,
    Endpoint,
    EndpointCreate,
    EndpointUpdate,
    EndpointWithSecret,
    QueuedEvent,
    Redelivery,
    RotatedSecret,
)
from tenancy.principal import Principal, Role
from tenancy.problems import BadRequest
from tenancy.sealing import Unsealable
from tenancy.tokens import SERVICE_ROLE
from webhooks.addresses import AddressRefused, Resolver, check_endpoint_url, resolve
from webhooks.signing import EndpointSecrets, new_secret, webhook_id
from webhooks.vault import Vault

# The tenant's limit, which the database enforces (private.limit_webhook_endpoints).
MAX_ENDPOINTS = 20
# How long saving an endpoint waits for its host name to resolve.
RESOLVE_TIMEOUT_SECONDS = 5.0

# A refusal's reason names its kind of network, never an address nor a range:
# the host name is the tenant's, but the resolver is ours, and it may know names
# of our own network that a tenant should not learn anything about.
_ADDRESS_DETAIL = re.compile(r" \([^()]*(\([^()]*\))?[^()]*\)")


class WebhookUrlRefused(BadRequest):
    code = "webhook_url_refused"


@dataclass(frozen=True)
class WebhookParts:
    """What the routes need besides the database (app.state.webhooks; tests swap it)."""

    vault: Vault | None
    allow_loopback: bool = False
    resolver: Resolver = field(default=resolve)


_ENDPOINT = """
    select id, tenant_id, url, description, event_types, enabled, disabled_reason, disabled_at,
           failing_since, created_by, created_at, updated_at
    from public.webhook_endpoints
    where tenant_id = %s
"""
# The endpoint's row is all Endpoint shows: `returning *`.
_INSERT = (
    "insert into public.webhook_endpoints (tenant_id, url, description, event_types, created_by)"
    " values (%s, %s, %s, %s, %s) returning *"
)
_ATTEMPTS = (
    "select attempted_at, status_code, duration_ms, failure, error"
    " from public.webhook_attempts where delivery_id = %s order by id"
)
# Each with its event's type (and payload, read by the detail only) and its last attempt.
_DELIVERIES = """
    select d.id, d.event_id, e.type as event_type, {payload} d.status, d.attempts,
           d.next_attempt_at, d.created_at, to_jsonb(a) as last_attempt
    from public.webhook_deliveries d
    left join lateral private.webhook_event_of(d.event_id) e on true
    left join lateral (
      select attempted_at, status_code, duration_ms, failure, error
      from public.webhook_attempts where delivery_id = d.id order by id desc limit 1) a on true
    where d.tenant_id = %(tenant)s and d.endpoint_id = %(endpoint)s
"""
_DELIVERY_LIST = _DELIVERIES.format(payload="")
_DELIVERY_DETAIL = _DELIVERIES.format(payload="e.payload,") + " and d.id = %(delivery)s"


class WebhookService:
    def __init__(self, conn: Connection, principal: Principal, parts: WebhookParts) -> None:
        self._conn = conn
        self._principal = principal
        self._parts = parts

    # -- endpoints ------------------------------------------------------------------------

    async def create(self, tenant_id: uuid.UUID, body: EndpointCreate) -> EndpointWithSecret:
        await self._require_admin(tenant_id)
        vault = self._vault()
        url = await self._checked_url(body.url)
        with refusals():
            cursor = await self._conn.execute(
                _INSERT,
                (
                    tenant_id,
                    url,
                    body.description,
                    _texts(body.event_types),
                    self._principal.user_id,
                ),
            )
        endpoint = Endpoint.model_validate(await cursor.fetchone())
        secret = new_secret()
        await self._as_service()
        await self._conn.execute(
            "insert into private.webhook_endpoint_secrets (endpoint_id, current_secret)"
            " values (%s, %s)",
            (endpoint.id, vault.seal(endpoint.id, secret)),
        )
        return EndpointWithSecret(**endpoint.model_dump(), secret=secret)

    async def endpoints(self, tenant_id: uuid.UUID) -> list[Endpoint]:
        await self._require_admin(tenant_id)
        cursor = await self._conn.execute(_ENDPOINT + " order by created_at, id", (tenant_id,))
        return [Endpoint.model_validate(row) for row in await cursor.fetchall()]

    async def get(self, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> Endpoint:
        await self._require_admin(tenant_id)
        return await self._endpoint(tenant_id, endpoint_id)

    async def change(
        self, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, body: EndpointUpdate
    ) -> Endpoint:
        await self._require_admin(tenant_id)
        current = await self._endpoint(tenant_id, endpoint_id)
        changes: dict[str, Any] = {}
        if body.url is not None and body.url != current.url:
            changes["url"] = await self._checked_url(body.url)
        if body.event_types is not None:
            changes["event_types"] = _texts(body.event_types)
        if "description" in body.model_fields_set:
            changes["description"] = body.description
        if body.enabled is False and current.enabled:
            changes |= {
                "enabled": False,
                "disabled_at": datetime.now(UTC),
                "disabled_reason": f"disabled by {self._who()}",
            }
        elif body.enabled is True and not current.enabled:
            changes |= {
                "enabled": True,
                "disabled_at": None,
                "disabled_reason": None,
                "failing_since": None,
            }
        if not changes:
            return current
        # The names are this method's own, never the caller's.
        assignments = ", ".join(f"{name} = %({name})s" for name in changes)
        update = f"update public.webhook_endpoints set {assignments}"  # noqa: S608
        with refusals():
            cursor = await self._conn.execute(
                update + " where tenant_id = %(tenant)s and id = %(endpoint)s returning *",
                {**changes, "tenant": tenant_id, "endpoint": endpoint_id},
            )
        row = await cursor.fetchone()
        if row is None:  # deleted meanwhile
            raise WebhookEndpointNotFound("No such webhook endpoint in this tenant")
        return Endpoint.model_validate(row)

    async def delete(self, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
        await self._require_admin(tenant_id)
        with refusals():
            cursor = await self._conn.execute(
                "delete from public.webhook_endpoints where tenant_id = %s and id = %s",
                (tenant_id, endpoint_id),
            )
        if cursor.rowcount == 0:
            raise WebhookEndpointNotFound("No such webhook endpoint in this tenant")

    async def rotate_secret(self, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> RotatedSecret:
        await self._require_admin(tenant_id)
        vault = self._vault()
        await self._endpoint(tenant_id, endpoint_id)
        await self._as_service()
        cursor = await self._conn.execute(
            "select current_secret from private.webhook_endpoint_secrets"
            " where endpoint_id = %s for update",
            (endpoint_id,),
        )
        row = await cursor.fetchone()
        now = datetime.now(UTC)
        secret = new_secret()
        try:
            kept = None if row is None else vault.open(endpoint_id, row["current_secret"])
        except Unsealable:  # sealed under another key: it signs nothing, so it has no overlap
            kept = None
        if kept is None:
            rotated = EndpointSecrets(secret)
        else:
            rotated = EndpointSecrets(kept).rotated(secret, at=now)
        previous = None if rotated.previous is None else vault.seal(endpoint_id, rotated.previous)
        await self._conn.execute(
            "insert into private.webhook_endpoint_secrets"
            " (endpoint_id, current_secret, previous_secret, previous_expires_at, rotated_at)"
            " values (%(endpoint)s, %(current)s, %(previous)s, %(until)s, %(now)s)"
            " on conflict (endpoint_id) do update set current_secret = excluded.current_secret,"
            " previous_secret = excluded.previous_secret,"
            " previous_expires_at = excluded.previous_expires_at, rotated_at = excluded.rotated_at",
            {
                "endpoint": endpoint_id,
                "current": vault.seal(endpoint_id, rotated.current),
                "previous": previous,
                "until": rotated.previous_until,
                "now": now,
            },
        )
        return RotatedSecret(
            secret=secret, previous_secret_expires_at=rotated.previous_until or now
        )

    async def send_test_event(self, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> QueuedEvent:
        await self._require_admin(tenant_id)
        endpoint = await self._endpoint(tenant_id, endpoint_id)
        if not endpoint.enabled:
            raise _disabled()
        await self._as_service()
        cursor = await self._conn.execute(
            "select private.emit_webhook_event(%s, 'webhook.test', %s::jsonb, now(), %s, %s)"
            " as event_id",
            (
                tenant_id,
                json.dumps({"endpoint_id": str(endpoint_id)}),
                self._principal.user_id,
                endpoint_id,
            ),
        )
        row = await cursor.fetchone()
        if row is None or row["event_id"] is None:  # disabled meanwhile
            raise _disabled()
        return QueuedEvent(event_id=row["event_id"], webhook_id=webhook_id(row["event_id"]))

    # -- the delivery log -----------------------------------------------------------------

    async def deliveries(
        self,
        tenant_id: uuid.UUID,
        endpoint_id: uuid.UUID,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> list[Delivery]:
        """Up to `limit` deliveries, newest first, after the position `after`."""
        await self._require_admin(tenant_id)
        await self._endpoint(tenant_id, endpoint_id)
        query = _DELIVERY_LIST
        params: dict[str, Any] = {"tenant": tenant_id, "endpoint": endpoint_id, "limit": limit}
        if after is not None:
            query += " and (d.created_at, d.id) < (%(at)s, %(id)s)"
            params["at"], params["id"] = after
        query += " order by d.created_at desc, d.id desc limit %(limit)s"
        cursor = await self._conn.execute(query, params)
        return [_delivery(Delivery, row) for row in await cursor.fetchall()]

    async def delivery(
        self, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> DeliveryDetail:
        await self._require_admin(tenant_id)
        await self._endpoint(tenant_id, endpoint_id)
        cursor = await self._conn.execute(
            _DELIVERY_DETAIL,
            {"tenant": tenant_id, "endpoint": endpoint_id, "delivery": delivery_id},
        )
        row = await cursor.fetchone()
        if row is None:
            raise WebhookDeliveryNotFound("No such delivery of this endpoint")
        attempts = await self._conn.execute(_ATTEMPTS, (delivery_id,))
        log = [Attempt.model_validate(attempt) for attempt in await attempts.fetchall()]
        body = row.pop("payload")
        payload = None if body is None else json.loads(bytes(body))
        return _delivery(DeliveryDetail, row, payload=payload, attempt_log=log)

    async def redeliver(
        self, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> Redelivery:
        """Attempt it again from the first attempt on; its log keeps what came before."""
        await self._require_admin(tenant_id)
        await self._endpoint(tenant_id, endpoint_id)
        cursor = await self._conn.execute(
            "select private.redeliver_webhook(%s, %s) as status", (endpoint_id, delivery_id)
        )
        row = await cursor.fetchone()
        if row is None or row["status"] is None:
            raise WebhookDeliveryNotFound("No such delivery of this endpoint")
        if row["status"] == "endpoint_disabled":
            raise _disabled()
        return Redelivery(delivery_id=delivery_id, status=row["status"])

    # -- the parts --------------------------------------------------------------------------

    async def _require_admin(self, tenant_id: uuid.UUID) -> None:
        access = await tenant_access(self._conn, self._principal, tenant_id)
        access.require(Role.admin)

    async def _endpoint(self, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> Endpoint:
        cursor = await self._conn.execute(_ENDPOINT + " and id = %s", (tenant_id, endpoint_id))
        row = await cursor.fetchone()
        if row is None:
            raise WebhookEndpointNotFound("No such webhook endpoint in this tenant")
        return Endpoint.model_validate(row)

    def _vault(self) -> Vault:
        if self._parts.vault is None:
            raise WebhookSecretsUnavailable(
                "Signing secrets cannot be made now (WEBHOOK_SECRETS_KEY is not set); try later"
            )
        return self._parts.vault

    async def _checked_url(self, url: str) -> str:
        """The URL, when its form is one we deliver to and its host resolves only to
        addresses we may deliver to (in a thread: resolving blocks)."""
        try:
            await asyncio.wait_for(
                asyncio.to_thread(
                    check_endpoint_url,
                    url,
                    local=self._parts.allow_loopback,
                    resolver=self._parts.resolver,
                ),
                RESOLVE_TIMEOUT_SECONDS,
            )
        except AddressRefused as refused:
            reason = _ADDRESS_DETAIL.sub("", str(refused))
            raise WebhookUrlRefused(f"The endpoint's URL is refused: {reason}") from None
        except TimeoutError:
            raise WebhookUrlRefused(
                "The endpoint's URL is refused: its host name did not resolve in time"
            ) from None
        return url

    def _who(self) -> str:
        return self._principal.email or self._principal.user_id

    async def _as_service(self) -> None:
        """The rest of the transaction as `service_role` (the caller's claims stay set)."""
        await self._conn.execute("select set_config('role', %s, true)", (SERVICE_ROLE,))


def _texts(event_types: list[str]) -> list[str]:
    """The types as plain text (they arrive as members of the catalogue's enum)."""
    return [str(event_type) for event_type in event_types]


def _disabled() -> WebhookEndpointDisabled:
    return WebhookEndpointDisabled("The endpoint is disabled: enable it first")


def _delivery[T: Delivery](model: type[T], row: dict[str, Any], **more: Any) -> T:
    last = row.pop("last_attempt")
    return model.model_validate(
        {
            **row,
            **more,
            "webhook_id": webhook_id(row["event_id"]),
            "last_attempt": None if last is None else Attempt.model_validate(last),
        }
    )
