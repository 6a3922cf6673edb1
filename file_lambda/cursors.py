"""Listing cursors: opaque to clients, tamper-evident, valid in one tenant only.

A cursor holds where a listing resumes (S3's continuation token, or a key to
start after). It is sealed (tenancy/sealing.py) under a key that every
container derives alike, with the tenant's id as associated data: a cursor
altered by one bit, made up, or replayed in another tenant fails to open,
and nobody can read the storage's token or key prefix out of it.
"""

from __future__ import annotations

from typing import Any

from file_lambda.storage.port import InvalidContinuation
from tenancy.sealing import NONCE_BYTES, Sealer, Unsealable

__all__ = ["NONCE_BYTES", "Cursors"]


class Cursors(Sealer):
    def open(self, tenant_id: str, cursor: str) -> dict[str, Any]:
        try:
            return super().open(tenant_id, cursor)
        except Unsealable:
            raise InvalidContinuation("The cursor is not valid for this listing") from None
