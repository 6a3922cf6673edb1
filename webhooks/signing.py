"""Standard Webhooks signing: what a receiver's `standardwebhooks.Webhook(secret).verify`
accepts, written here so that neither deployable ships the library.

Sources (read, not imported):

- The specification, version 1.0.0: `spec/standard-webhooks.md` of
  github.com/standard-webhooks/standard-webhooks (commit b2fa7b8), sections "Payload
  structure", "Signature scheme" and "Webhook headers".
- The official Python library, PyPI `standardwebhooks` 1.3.0 (`Webhook.sign` and
  `Webhook.verify` in `standardwebhooks/webhooks.py`): the secret is base64 after an
  optional `whsec_`, the signed content is `{id}.{timestamp}.` followed by the body bytes,
  a signature is `v1,` and the base64 of its HMAC-SHA256, and `verify` accepts a
  `webhook-signature` header when any of its space-separated entries matches, within
  5 minutes either side of the receiver's clock.

A message (an event's id and its body) is made once; each delivery attempt signs it
again, with the time of that attempt and the endpoint's secrets of that moment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from uuid import UUID

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
# The specification allows 24 to 64 random bytes. 32 is SHA-256's output: RFC 2104
# (section 3) discourages HMAC keys shorter than that, and longer ones add nothing.
SECRET_BYTES = 32
SECRET_BYTES_ALLOWED = range(24, 65)

# How long the previous secret still signs after a rotation: long enough to deploy the
# new one on the receiver's side, short enough that a leaked secret dies the next day.
ROTATION_OVERLAP = timedelta(hours=24)

# What `webhook-id` may hold: the signed content is cut at its first two full stops, so an
# id must have none (the specification), and it travels in a header, so no space nor
# control character either.
_WEBHOOK_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
# The specification's event types: hierarchical, full-stop delimited, of [a-zA-Z0-9_].
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")

type JSON = bool | int | float | str | Sequence[JSON] | Mapping[str, JSON] | None


def new_secret() -> str:
    """A new endpoint's signing secret, as it is shown once to the tenant."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret holds; ValueError if it is not one of ours."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a signing secret starts with {SECRET_PREFIX}")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a signing secret is base64 after its prefix") from None
    if len(key) not in SECRET_BYTES_ALLOWED:
        raise ValueError("a signing secret holds 24 to 64 bytes")
    return key


def webhook_id(event_id: UUID) -> str:
    """The `webhook-id` of an event: the same for every attempt and every endpoint.

    The event's id is a UUID because the outbox row is written in the same transaction
    as the change, by triggers among others, and Postgres makes one there
    (`gen_random_uuid()`, built in since version 13) into a native 16-byte column. A
    ULID's time order would buy nothing: delivery order is not promised, and the payload
    carries the event's time. The `msg_` prefix is the specification's example form.
    """
    return f"msg_{event_id.hex}"


@dataclass(frozen=True)
class Message:
    """One event as every endpoint receives it: its id and its body, serialised once.

    The body is kept as bytes (in the outbox too: `bytea`, never `jsonb`, which would
    reorder keys) because the signature covers exactly these bytes, on every attempt.
    """

    webhook_id: str
    body: bytes

    def __post_init__(self) -> None:
        if not _WEBHOOK_ID.fullmatch(self.webhook_id):
            raise ValueError("a webhook id is 1 to 255 of A-Z, a-z, 0-9, _ and -")


def new_message(
    *, event_id: UUID, event_type: str, occurred_at: datetime, data: Mapping[str, JSON]
) -> Message:
    """The payload `{type, timestamp, data}` of the specification, as compact UTF-8 JSON."""
    if not _EVENT_TYPE.fullmatch(event_type):
        raise ValueError("an event type is full-stop delimited identifiers of [A-Za-z0-9_]")
    if occurred_at.tzinfo is None:
        raise ValueError("an event's time must be timezone-aware")
    timestamp = occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = {"type": event_type, "timestamp": timestamp.replace("+00:00", "Z"), "data": data}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return Message(webhook_id=webhook_id(event_id), body=body.encode("utf-8"))


@dataclass(frozen=True)
class SignedDelivery:
    """One attempt's request: send these headers and exactly these bytes."""

    headers: Mapping[str, str]
    body: bytes


def sign(
    message: Message, signing_secrets: Sequence[str], *, attempted_at: datetime
) -> SignedDelivery:
    """The attempt's request, signed by each secret (two during a rotation's overlap)."""
    if not signing_secrets:
        raise ValueError("a delivery is signed by at least one secret")
    if attempted_at.tzinfo is None:
        raise ValueError("an attempt's time must be timezone-aware")
    timestamp = str(math.floor(attempted_at.timestamp()))
    signed_content = f"{message.webhook_id}.{timestamp}.".encode() + message.body
    signatures = " ".join(_signature(secret_key(s), signed_content) for s in signing_secrets)
    headers = {
        "content-type": "application/json",
        "webhook-id": message.webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signatures,
    }
    return SignedDelivery(headers=MappingProxyType(headers), body=message.body)


def _signature(key: bytes, signed_content: bytes) -> str:
    digest = hmac.new(key, signed_content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class EndpointSecrets:
    """An endpoint's secrets: the current one, and during a rotation's overlap the previous."""

    current: str
    previous: str | None = None
    previous_until: datetime | None = None

    def __post_init__(self) -> None:
        if (self.previous is None) != (self.previous_until is None):
            raise ValueError("a previous secret comes with the end of its overlap")
        # A malformed secret is refused when it is kept, not at its first delivery.
        for secret in (self.current, self.previous):
            if secret is not None:
                secret_key(secret)

    def rotated(self, new_current: str, *, at: datetime) -> EndpointSecrets:
        """After a rotation at `at`: the current secret signs on for `ROTATION_OVERLAP`.

        Only one previous secret is kept: a rotation inside another's overlap ends that
        overlap, so a header never carries more than two signatures.
        """
        return EndpointSecrets(new_current, self.current, at + ROTATION_OVERLAP)

    def signing_at(self, at: datetime) -> tuple[str, ...]:
        """The secrets that sign an attempt made at `at`."""
        if self.previous is None or self.previous_until is None or at >= self.previous_until:
            return (self.current,)
        return (self.current, self.previous)
