"""Supabase-shaped access tokens signed locally: for the benchmark and the tests.

Only a local signer has the secret; production tokens come from Supabase Auth.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

JWT_SECRET = "test-jwt-secret-with-at-least-32-characters!"


def claims(
    sub: str | None = None,
    tenants: dict[str, str] | None = None,
    *,
    issuer: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {
        "sub": sub or str(uuid.uuid4()),
        "aud": "authenticated",
        "role": "authenticated",
        "email": "user@example.com",
        "iat": now,
        "exp": now + 3600,
        "app_metadata": {"provider": "email", "tenants": tenants or {}},
    }
    if issuer:
        body["iss"] = issuer
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def hs256(payload: dict[str, Any], secret: str = JWT_SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def service_role_key(secret: str = JWT_SECRET, lifetime: int = 3600) -> str:
    """A service-role key as Supabase issues one: the role, no user, no audience."""
    now = int(time.time())
    body = {"iss": "supabase", "ref": "local", "role": "service_role", "iat": now}
    return hs256({**body, "exp": now + lifetime}, secret)
