"""Endpoints' signing secrets at rest: sealed, so that a copy of the database signs nothing.

A `whsec_` secret is shown to its tenant once, when the endpoint is made or its
secret rotated, and read afterwards only by the delivery function. Postgres
keeps it sealed (AES-GCM, `tenancy.sealing`) with the endpoint's id as
associated data, under `WEBHOOK_SECRETS_KEY`: 32 random bytes, base64, kept in
the platform's secret beside the Supabase values (terraform/README.md), never
in the database nor derived from its URL, whose password is rotated. A sealed
secret moved to another endpoint's row does not open.
"""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

from tenancy.sealing import Sealer, Unsealable

KEY_BYTES = 32


class VaultKeyInvalid(ValueError):
    """WEBHOOK_SECRETS_KEY is not 32 bytes of base64."""


def key_from_setting(value: str) -> bytes:
    """The key from its setting's text (`openssl rand -base64 32`)."""
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VaultKeyInvalid("WEBHOOK_SECRETS_KEY is not base64") from None
    if len(key) != KEY_BYTES:
        raise VaultKeyInvalid(f"WEBHOOK_SECRETS_KEY holds {len(key)} bytes, not {KEY_BYTES}")
    return key


class Vault:
    """Seals and opens endpoints' secrets under one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise VaultKeyInvalid(f"a vault key is {KEY_BYTES} bytes")
        self._sealer = Sealer(lambda: key)

    def seal(self, endpoint_id: UUID, secret: str) -> str:
        return self._sealer.seal(str(endpoint_id), {"s": secret})

    def open(self, endpoint_id: UUID, sealed: str) -> str:
        """The secret; `Unsealable` when it was sealed for another endpoint or key."""
        secret = self._sealer.open(str(endpoint_id), sealed).get("s")
        if not isinstance(secret, str):
            raise Unsealable()
        return secret
