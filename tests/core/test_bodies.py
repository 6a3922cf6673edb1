"""The core reads a body only for a verified caller, and only up to 8 KiB
(core_service/bodies.py; issue 25, item 13), against the app and its Postgres."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from core_service.bodies import MAX_BODY_BYTES, GuardedBodies
from tests.core.test_quotas import service_key
from tests.support.core import User
from tests.support.problems import assert_problem


def padded(document: dict[str, Any], size: int) -> bytes:
    """`document` as JSON of exactly `size` bytes (trailing whitespace is valid JSON)."""
    text = json.dumps(document).encode()
    return text + b" " * (size - len(text))


def chunks(body: bytes, size: int = 1024) -> Iterator[bytes]:
    """A body sent chunked: no Content-Length to refuse it by."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def tenants_named(db: psycopg.Connection[dict[str, Any]], name: str) -> int:
    row = db.execute("select count(*) as n from public.tenants where name = %s", (name,)).fetchone()
    assert row is not None
    return int(row["n"])


def test_an_anonymous_body_is_refused_before_it_is_read(client: TestClient) -> None:
    invalid = b"[" * 6_000_000  # 6 MB that is not JSON: parsing it would answer 400
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        headers["Content-Type"] = "application/json"
        answer = client.post("/tenants", content=invalid, headers=headers)
        assert_problem(answer, 401, "unauthorized")
        assert answer.headers["www-authenticate"] == "Bearer"
    streamed = client.post("/tenants", content=chunks(invalid[:100_000]))
    assert_problem(streamed, 401, "unauthorized")


def test_a_callers_body_over_the_limit_is_413_and_changes_nothing(
    client: TestClient,
    make_user: Callable[..., User],
    auth: Callable[[User], dict[str, str]],
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    headers = auth(make_user()) | {"Content-Type": "application/json"}
    over = padded({"name": "Too long a body"}, MAX_BODY_BYTES + 1)
    assert_problem(client.post("/tenants", content=over, headers=headers), 413, "payload_too_large")
    streamed = client.post("/tenants", content=chunks(over), headers=headers)
    assert_problem(streamed, 413, "payload_too_large")
    huge = client.post("/tenants", content=b"[" * 10_000_000, headers=headers)
    assert_problem(huge, 413, "payload_too_large")
    assert tenants_named(db, "Too long a body") == 0

    at_limit = padded({"name": "Just fits"}, MAX_BODY_BYTES)
    assert client.post("/tenants", content=at_limit, headers=headers).status_code == 201
    streamed_fit = padded({"name": "Streamed fits"}, MAX_BODY_BYTES)
    answer = client.post("/tenants", content=chunks(streamed_fit), headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "Streamed fits"


def test_the_service_roles_key_passes_with_its_body(
    client: TestClient, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    tenant = make_tenant(make_user())
    headers = {"Authorization": f"Bearer {service_key()}"}
    answer = client.put(f"/tenants/{tenant}/quota", json={"max_bytes": 10}, headers=headers)
    assert answer.status_code == 200, answer.text
    over = padded({"max_bytes": 10}, MAX_BODY_BYTES + 1)
    refused = client.put(f"/tenants/{tenant}/quota", content=over, headers=headers)
    assert_problem(refused, 413, "payload_too_large")


def test_requests_without_a_body_are_untouched(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert_problem(client.get("/me"), 401, "unauthorized")
    assert_problem(client.get("/no-such-route"), 404, "route_not_found")


def test_the_limit_is_the_documented_one() -> None:
    # docs/api.md (Limits) and the WAF's core_max_body_bytes say 8,192 bytes.
    assert MAX_BODY_BYTES == 8192


def test_without_a_body_nothing_is_asked_of_the_caller(client: TestClient) -> None:
    answer = client.post("/health", headers={"Content-Length": "0"})
    assert_problem(answer, 405, "method_not_allowed")


def test_a_declared_length_over_the_limit_is_refused_unread_and_a_body_is_replayed_once(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], dict[str, str]]
) -> None:
    token = auth(make_user())["Authorization"].encode()
    sent: list[Message] = []
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.extend([await receive(), await receive()])

    async def unread() -> Message:
        raise AssertionError("the body was read")

    async def send(message: Message) -> None:
        sent.append(message)

    def scope(length: int) -> Scope:
        headers = [(b"authorization", token), (b"content-length", str(length).encode())]
        return {"type": "http", "method": "POST", "path": "/tenants", "headers": headers,
                "query_string": b"", "app": client.app}  # fmt: skip

    guarded = GuardedBodies(app)
    asyncio.run(guarded(scope(MAX_BODY_BYTES + 1), unread, send))
    assert sent[0]["status"] == 413
    assert not seen

    messages: list[Message] = [
        {"type": "http.request", "body": b"{}", "more_body": False},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    asyncio.run(guarded(scope(2), receive, send))
    assert seen == [
        {"type": "http.request", "body": b"{}", "more_body": False},
        {"type": "http.disconnect"},
    ]
