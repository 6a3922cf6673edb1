"""Request and response bodies of the webhooks routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from webhooks.addresses import MAX_URL_LENGTH
from webhooks.events import EVENT_TYPES

if TYPE_CHECKING:
    EventType = str
else:  # the catalogue, as one named enum of the OpenAPI document (clients get one type)
    EventType = StrEnum("EventType", {t.upper().replace(".", "_"): t for t in EVENT_TYPES})
DeliveryStatus = Literal["pending", "succeeded", "failed"]

Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_URL_LENGTH),
    Field(description="https:// (http:// to loopback in make dev only); checked when saved"),
]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"),
]


def _distinct(types: list[str]) -> list[str]:
    if len(set(types)) != len(types):
        raise ValueError("an event type is named twice")
    return types


EventTypes = Annotated[
    list[EventType],
    Field(min_length=1, max_length=len(EVENT_TYPES), description="What it receives; each once"),
    AfterValidator(_distinct),
]


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Url
    event_types: EventTypes
    description: Description | None = None


class EndpointUpdate(BaseModel):
    """What changes; a field left out stays as it is (`description: null` clears it)."""

    model_config = ConfigDict(extra="forbid")
    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = Field(
        default=None,
        description="false stops its deliveries; true starts them again and clears "
        "disabled_reason and failing_since",
    )

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("at least one of url, event_types, description, enabled")
        for name in ("url", "event_types", "enabled"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self


class Endpoint(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None = Field(
        description="Why it stopped: who disabled it, or its deliveries' last failure"
    )
    disabled_at: datetime | None
    failing_since: datetime | None = Field(
        description="The first failed attempt since its last success; null while healthy"
    )
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(Endpoint):
    secret: str = Field(description="The signing secret (`whsec_...`): shown now only, never again")


class EndpointList(BaseModel):
    endpoints: list[Endpoint] = Field(description="Oldest first")


class RotatedSecret(BaseModel):
    secret: str = Field(description="The new signing secret: shown now only, never again")
    previous_secret_expires_at: datetime = Field(
        description="Until then deliveries carry a signature by the previous secret too"
    )


class QueuedEvent(BaseModel):
    event_id: uuid.UUID
    webhook_id: str = Field(description="The deliveries' `webhook-id` header")


class Attempt(BaseModel):
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's status; null when none came")
    duration_ms: int
    failure: str | None = Field(
        description="Why it failed: refused_address, dns, connect, tls, timeout, "
        "bad_response, redirect, status; null on success"
    )
    error: str | None = Field(description="What happened, in our words")


class Delivery(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    webhook_id: str = Field(description="The `webhook-id` header: the same on every attempt")
    event_type: str
    status: DeliveryStatus
    attempts: int = Field(description="Attempts since it was made or last redelivered")
    next_attempt_at: datetime | None
    created_at: datetime
    last_attempt: Attempt | None


class DeliveryPage(BaseModel):
    items: list[Delivery] = Field(description="Newest first")
    next_cursor: str | None = Field(description="`cursor` of the next page; null at the end")


class DeliveryDetail(Delivery):
    payload: Any = Field(description="The body every attempt sent: `{type, timestamp, data}`")
    attempt_log: list[Attempt] = Field(description="Every attempt, oldest first")


class Redelivery(BaseModel):
    delivery_id: uuid.UUID
    status: DeliveryStatus
