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


# Project API keys do not change while the secret does not: fixed times, as `supabase
# start` prints the same keys every time (2022-01-01 to 2032-01-01).
API_KEY_ISSUED, API_KEY_EXPIRES = 1640995200, 1956528000


def api_key(role: str, secret: str = JWT_SECRET) -> str:
    """The project's `anon` or `service_role` API key, as Supabase issues it, for `secret`."""
    body = {"iss": "supabase", "ref": "local", "role": role}
    return hs256({**body, "iat": API_KEY_ISSUED, "exp": API_KEY_EXPIRES}, secret)


def service_role_key(secret: str = JWT_SECRET, lifetime: int = 3600) -> str:
    """A service-role key as Supabase issues one: the role, no user, no audience."""
    now = int(time.time())
    body = {"iss": "supabase", "ref": "local", "role": "service_role", "iat": now}
    return hs256({**body, "exp": now + lifetime}, secret)
