"""Sign-out on the core: a token whose Supabase Auth session is gone from
`auth.sessions` is refused on its next request (issue 25, item 12)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.conninfo import make_conninfo

from core_service.db import Database, create_pool
from tests.support.core import User
from tests.support.problems import assert_problem

Conn = psycopg.Connection[dict[str, Any]]


def start_session(db: Conn, user: User, not_after: str | None = None) -> str:
    session = str(uuid.uuid4())
    db.execute(
        "insert into auth.sessions (id, user_id, created_at, not_after) values (%s, %s, now(), %s)",
        (session, user.id, not_after),
    )
    return session


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_signed_out_sessions_token_is_refused_on_its_next_request(
    client: TestClient,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    token_for: Callable[..., str],
) -> None:
    user = make_user()
    tenant = make_tenant(user)
    session = start_session(db, user)
    token = token_for(user, session_id=session)
    assert client.get("/me", headers=bearer(token)).status_code == 200
    assert client.get(f"/tenants/{tenant}", headers=bearer(token)).status_code == 200

    db.execute("delete from auth.sessions where id = %s", (session,))  # POST /logout

    for path in ("/me", f"/tenants/{tenant}", f"/tenants/{tenant}/members"):
        body = assert_problem(client.get(path, headers=bearer(token)), 401, "unauthorized")
        assert "signed out" in body["detail"]
    renamed = client.patch(f"/tenants/{tenant}", json={"name": "x"}, headers=bearer(token))
    assert_problem(renamed, 401, "unauthorized")
    assert db.execute("select name from public.tenants where id = %s", (tenant,)).fetchone() == {
        "name": "Acme"
    }


def test_only_the_tokens_own_live_session_lets_it_in(
    client: TestClient, db: Conn, make_user: Callable[..., User], token_for: Callable[..., str]
) -> None:
    user, other = make_user(), make_user()
    live = start_session(db, user)
    expired = start_session(db, user, not_after="-infinity")  # time-boxed, over
    someone_elses = start_session(db, other)

    def status(**claims: Any) -> int:
        return client.get("/me", headers=bearer(token_for(user, **claims))).status_code

    assert status(session_id=live) == 200
    # Tokens naming no session (the nil UUID too) are judged as Supabase Auth judges them.
    assert status() == 200
    assert status(session_id="00000000-0000-0000-0000-000000000000") == 200
    for refused in (expired, someone_elses, str(uuid.uuid4()), "not-a-uuid", "'; drop table x"):
        assert status(session_id=refused) == 401, refused


@pytest.fixture
def service_login(db: Conn, db_url: str) -> Iterator[str]:
    """A login role as a custom deployment would grant it: may act as `authenticated`,
    may read `auth.sessions`; not a superuser (the tests' own role is one)."""
    role = f"svc_{uuid.uuid4().hex[:8]}"
    db.execute(f"create role {role} login noinherit")
    db.execute(f"grant authenticated, service_role to {role}")
    db.execute(f"grant usage on schema auth to {role}")
    db.execute(f"grant select (id, user_id, not_after) on auth.sessions to {role}")
    yield make_conninfo(db_url, user=role)
    db.execute(f"drop owned by {role}")
    db.execute(f"drop role {role}")


def test_the_session_is_read_by_the_services_role_never_by_authenticated(
    db: Conn, service_login: str, make_user: Callable[..., User]
) -> None:
    """Postgres checks a statement's privileges before running it: the check in
    `as_user`'s first statement reads `auth.sessions` as the login role, though the
    same statement switches to `authenticated`, which may not read it."""
    user = make_user()
    session = start_session(db, user)
    assert db.execute(
        "select has_table_privilege('authenticated', 'auth.sessions', 'select') as may"
    ).fetchone() == {"may": False}

    async def me() -> str:
        pool = create_pool(service_login, min_size=1, max_size=1)
        await pool.open()
        try:
            claims = {"sub": user.id, "role": "authenticated", "session_id": session}
            async with Database(pool).as_user(claims) as conn:
                row = await (await conn.execute("select current_user as who")).fetchone()
                assert row is not None
                return str(row["who"])
        finally:
            await pool.close()

    assert asyncio.run(me()) == "authenticated"
