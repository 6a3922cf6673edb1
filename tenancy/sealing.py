"""Positions sealed for clients: opaque, tamper-evident, bound to what they were sealed for.

A listing's cursor, an upload id or a session capability is a small JSON
object sealed with AES-GCM; the `scope` it was sealed for (a tenant's id, a
listing's digest) is its associated data. One altered by one bit, made up,
or replayed in another scope fails to open, and nobody can read what it
holds. Both services seal this way: the file API its cursors and upload ids
(file_lambda/cursors.py), the core its audit cursors.
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

NONCE_BYTES = 12


class Unsealable(ValueError):
    """Not a position sealed for this scope under this key."""


class Sealer:
    def __init__(self, key: Callable[[], bytes]) -> None:
        # The key may come with settings loaded on first use: not at import.
        self._key = key
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(self._key())
        return self._aead

    def seal(self, scope: str, position: dict[str, Any]) -> str:
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(position, separators=(",", ":")).encode()
        sealed = self._cipher().encrypt(nonce, plain, scope.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, scope: str, sealed: str) -> dict[str, Any]:
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
            plain = self._cipher().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], scope.encode())
            position = json.loads(plain)
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise Unsealable() from None
        if not isinstance(position, dict):
            raise Unsealable()
        return position
