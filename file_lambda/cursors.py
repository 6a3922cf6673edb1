"""Listing cursors: opaque to clients, tamper-evident, valid in one tenant only.

A cursor holds where a listing resumes (S3's continuation token, or a key to
start after). It is sealed with AES-GCM under a key that every container
derives alike, with the tenant's id as associated data: a cursor altered by
one bit, made up, or replayed in another tenant fails to open, and nobody
can read the storage's token or key prefix out of it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from file_lambda.storage.port import InvalidContinuation

NONCE_BYTES = 12


class Cursors:
    def __init__(self, key: Callable[[], bytes]) -> None:
        # The key comes with the Supabase settings, loaded on first use: not at import.
        self._key = key
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(self._key())
        return self._aead

    def seal(self, tenant_id: str, position: dict[str, Any]) -> str:
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(position, separators=(",", ":")).encode()
        sealed = self._cipher().encrypt(nonce, plain, tenant_id.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, tenant_id: str, cursor: str) -> dict[str, Any]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            plain = self._cipher().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], tenant_id.encode())
            position = json.loads(plain)
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise InvalidContinuation("The cursor is not valid for this listing") from None
        if not isinstance(position, dict):
            raise InvalidContinuation("The cursor is not valid for this listing")
        return position
