"""`make dev`'s Supabase Auth stand-in (dev/auth.py), in-process on the tests' Postgres:
passwords and the `apikey` checked as Supabase checks them, sessions kept in
`auth.sessions` as Supabase Auth keeps them (issue 25, items 12 and 16). The
whole stack's version, through supabase-py: tests/local/test_auth.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import psycopg
import pytest

from dev.auth import BAD_API_KEY, NO_API_KEY, LocalAuth
from dev.claims import api_key

SECRET = "a-stand-in-secret-with-at-least-32-characters"


@pytest.fixture(scope="module")
def standin(db_url: str) -> Iterator[str]:
    auth = LocalAuth(db_url, SECRET)
    url = auth.serve()
    yield f"{url}/auth/v1"
    auth.stop()


@pytest.fixture
def client(standin: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=standin, headers={"apikey": api_key("anon", SECRET)}) as c:
        yield c


def address() -> str:
    return f"standin-{uuid.uuid4().hex[:12]}@example.com"


def sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    body = {"email": email, "password": password}
    return client.post("/token", params={"grant_type": "password"}, json=body)


def test_only_the_right_password_signs_in(client: httpx.Client) -> None:
    email = address()
    assert client.post("/signup", json={"email": email, "password": "right-1"}).status_code == 200

    for wrong in ("wrong", "", "RIGHT-1", "right-1 "):
        refused = sign_in(client, email, wrong)
        assert refused.status_code == 400, wrong
        assert refused.json() == {
            "code": 400,
            "error_code": "invalid_credentials",
            "msg": "Invalid login credentials",
        }
    unknown = sign_in(client, address(), "right-1")
    assert unknown.json()["error_code"] == "invalid_credentials"
    assert sign_in(client, email.upper(), "right-1").status_code == 200

    no_password = client.post("/signup", json={"email": address()})
    assert (no_password.status_code, no_password.json()["error_code"]) == (
        400,
        "validation_failed",
    )


def test_a_changed_password_replaces_the_old_one(client: httpx.Client) -> None:
    email = address()
    token = client.post("/signup", json={"email": email, "password": "old-1"}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.put("/user", json={"password": "new-1"}, headers=bearer).status_code == 200

    assert sign_in(client, email, "new-1").status_code == 200
    assert sign_in(client, email, "old-1").status_code == 400


def test_a_user_made_by_an_emailed_code_has_no_password(client: httpx.Client) -> None:
    email = address()
    assert client.post("/otp", json={"email": email}).status_code == 200
    for guess in ("x", "None", "null"):
        assert sign_in(client, email, guess).status_code == 400


@pytest.mark.parametrize(
    ("headers", "params", "answer"),
    [
        ({}, {}, NO_API_KEY),
        ({"apikey": ""}, {}, NO_API_KEY),
        ({"apikey": "not-a-key"}, {}, BAD_API_KEY),
        ({"apikey": api_key("anon", "another-secret-of-at-least-32-characters")}, {}, BAD_API_KEY),
        ({"apikey": api_key("authenticated", SECRET)}, {}, BAD_API_KEY),
        ({}, {"apikey": "not-a-key"}, BAD_API_KEY),
    ],
)
def test_a_call_without_the_projects_key_gets_the_gateways_401(
    standin: str, headers: dict[str, str], params: dict[str, str], answer: dict[str, str]
) -> None:
    email = address()
    body = {"email": email, "password": "x-1"}
    for method, path, json in (("GET", "/settings", None), ("POST", "/signup", body)):
        refused = httpx.request(
            method, f"{standin}{path}", headers=headers, params=params, json=json
        )
        assert (refused.status_code, refused.json()) == (401, answer)
    # Refused before Auth: the signup made no user.
    with_key = {"apikey": api_key("anon", SECRET)}
    assert (
        sign_in(httpx.Client(base_url=standin, headers=with_key), email, "x-1").status_code == 400
    )


def test_the_projects_keys_the_query_parameter_the_jwks_and_preflights_pass(standin: str) -> None:
    for role in ("anon", "service_role"):
        assert httpx.get(
            f"{standin}/settings", headers={"apikey": api_key(role, SECRET)}
        ).is_success
    assert httpx.get(f"{standin}/settings", params={"apikey": api_key("anon", SECRET)}).is_success
    assert httpx.get(f"{standin}/.well-known/jwks.json").json() == {"keys": []}
    assert httpx.options(f"{standin}/token").status_code == 204


def test_sessions_are_rows_of_auth_sessions_and_sign_out_deletes_them(
    client: httpx.Client, db_url: str
) -> None:
    email = address()
    first = client.post("/signup", json={"email": email, "password": "p-1"}).json()
    second = sign_in(client, email, "p-1").json()
    ids = [
        jwt.decode(s["access_token"], options={"verify_signature": False})["session_id"]
        for s in (first, second)
    ]

    def rows() -> set[str]:
        with psycopg.connect(db_url) as conn:
            found: list[Any] = conn.execute(
                "select id::text from auth.sessions where id::text = any(%s)", (ids,)
            ).fetchall()
        return {row[0] for row in found}

    assert rows() == set(ids)
    refreshed = client.post(
        "/token",
        params={"grant_type": "refresh_token"},
        json={"refresh_token": first["refresh_token"]},
    ).json()
    assert (
        jwt.decode(refreshed["access_token"], options={"verify_signature": False})["session_id"]
        == ids[0]
    )

    bearer = {"Authorization": f"Bearer {refreshed['access_token']}"}
    assert client.post("/logout", params={"scope": "local"}, headers=bearer).status_code == 204
    assert rows() == {ids[1]}
    assert client.get("/user", headers=bearer).json()["error_code"] == "session_not_found"
    again = client.post(
        "/token",
        params={"grant_type": "refresh_token"},
        json={"refresh_token": refreshed["refresh_token"]},
    )
    assert again.json()["error_code"] == "refresh_token_not_found"

    other = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.post("/logout", headers=other).status_code == 204  # global
    assert rows() == set()


def test_signing_out_the_others_keeps_this_session(client: httpx.Client) -> None:
    email = address()
    here = client.post("/signup", json={"email": email, "password": "p-1"}).json()
    there = sign_in(client, email, "p-1").json()
    bearer = {"Authorization": f"Bearer {here['access_token']}"}

    assert client.post("/logout", params={"scope": "others"}, headers=bearer).status_code == 204

    assert client.get("/user", headers=bearer).status_code == 200
    gone = client.get("/user", headers={"Authorization": f"Bearer {there['access_token']}"})
    assert gone.json()["error_code"] == "session_not_found"


def test_a_session_deleted_in_the_database_cannot_be_refreshed(
    client: httpx.Client, db_url: str
) -> None:
    """As when an operator ends a session in Supabase's dashboard: the row decides."""
    signed_up = client.post("/signup", json={"email": address(), "password": "p-1"}).json()
    claims = jwt.decode(signed_up["access_token"], options={"verify_signature": False})
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("delete from auth.sessions where id = %s", (claims["session_id"],))

    refused = client.post(
        "/token",
        params={"grant_type": "refresh_token"},
        json={"refresh_token": signed_up["refresh_token"]},
    )

    assert (refused.status_code, refused.json()["error_code"]) == (400, "refresh_token_not_found")


def test_the_admin_invite_asks_for_the_service_role_and_refuses_a_confirmed_address(
    client: httpx.Client,
) -> None:
    """As Supabase Auth's `internal/api/invite.go`: an admin's call; a new or unconfirmed
    address gets a user and a mail, a confirmed one `422 email_exists`; a sign-up of an
    invited address confirms it, and the invite cannot be sent again."""
    email = address()
    service = {"Authorization": f"Bearer {api_key('service_role', SECRET)}"}
    anon = {"Authorization": f"Bearer {api_key('anon', SECRET)}"}
    refused = client.post("/invite", json={"email": email}, headers=anon)
    assert (refused.status_code, refused.json()["error_code"]) == (403, "not_admin")
    invited = client.post("/invite", json={"email": email}, headers=service)
    assert invited.status_code == 200, invited.text
    assert invited.json()["email_confirmed_at"] is None
    assert invited.json()["invited_at"] is not None
    again = client.post("/invite", json={"email": email}, headers=service)
    assert again.status_code == 200, again.text  # still unconfirmed: invited again
    signed_up = client.post("/signup", json={"email": email, "password": "pw-123456"})
    assert signed_up.status_code == 200, signed_up.text
    assert signed_up.json()["user"]["email_confirmed_at"] is not None
    confirmed = client.post("/invite", json={"email": email}, headers=service)
    assert (confirmed.status_code, confirmed.json()["error_code"]) == (422, "email_exists")
