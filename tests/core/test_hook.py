"""The custom access token hook, called as Supabase Auth calls it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from dev.auth import hook
from tests.support.core import User

Conn = psycopg.Connection[dict[str, Any]]

SUPABASE_CLAIMS = {
    "iss": "https://project.supabase.co/auth/v1",
    "aud": "authenticated",
    "exp": 1_900_000_000,
    "iat": 1_800_000_000,
    "role": "authenticated",
    "aal": "aal1",
    "session_id": "6c1a2b0e-0000-4000-8000-000000000000",
    "email": "someone@example.com",
    "phone": "",
    "is_anonymous": False,
    "amr": [{"method": "password", "timestamp": 1_800_000_000}],
    "user_metadata": {"name": "Someone"},
}


def test_writes_the_memberships_and_keeps_every_other_claim(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    user, other = make_user(), make_user()
    owned = make_tenant(user)
    joined = make_tenant(other, {user: "viewer"})
    make_tenant(other)  # not theirs
    base = {
        **SUPABASE_CLAIMS,
        "sub": user.id,
        "app_metadata": {"provider": "email", "providers": ["email"]},
    }
    result = hook(db, base)
    assert result["app_metadata"] == {
        "provider": "email",
        "providers": ["email"],
        "tenants": {owned: "owner", joined: "viewer"},
    }
    assert {k: v for k, v in result.items() if k != "app_metadata"} == {
        k: v for k, v in base.items() if k != "app_metadata"
    }


def test_a_user_without_memberships_gets_an_empty_map(
    db: Conn, make_user: Callable[..., User]
) -> None:
    user = make_user()
    result = hook(db, {**SUPABASE_CLAIMS, "sub": user.id})
    assert result["app_metadata"] == {"tenants": {}}


def test_stale_tenants_in_the_incoming_claims_are_replaced(
    db: Conn, make_user: Callable[..., User]
) -> None:
    user = make_user()
    forged = {"app_metadata": {"tenants": {"00000000-0000-4000-8000-000000000009": "owner"}}}
    result = hook(db, {**SUPABASE_CLAIMS, "sub": user.id, **forged})
    assert result["app_metadata"]["tenants"] == {}


def test_the_event_keeps_its_other_fields(db: Conn, make_user: Callable[..., User]) -> None:
    user = make_user()
    event = {
        "user_id": user.id,
        "claims": {**SUPABASE_CLAIMS, "sub": user.id},
        "authentication_method": "password",
    }
    with db.transaction():
        db.execute("set local role supabase_auth_admin")
        row = db.execute(
            "select public.custom_access_token_hook(%s::jsonb) as r", (json.dumps(event),)
        ).fetchone()
    assert row is not None
    assert row["r"]["user_id"] == user.id
    assert row["r"]["authentication_method"] == "password"


@pytest.mark.parametrize("role", ["authenticated", "anon"])
def test_only_supabase_auth_may_run_it(db: Conn, role: str) -> None:
    with db.transaction(force_rollback=True):
        db.execute(f"set local role {role}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("select public.custom_access_token_hook('{}'::jsonb)")
