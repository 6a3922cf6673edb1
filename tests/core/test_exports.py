"""A tenant's exports through the core's app, against Postgres with every migration: owners
only, one at a time, the audit row of who asked, and the download of a finished one (the
job function's part, the ZIP, is tests/jobs' and tests/local's)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.support.core import User
from tests.support.problems import assert_problem

Conn = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def tenant(
    make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> tuple[str, dict[str, User]]:
    users = {role: make_user() for role in ("owner", "admin", "member", "viewer")}
    members = {users[role]: role for role in ("admin", "member", "viewer")}
    return make_tenant(users["owner"], members), users


def _start(client: TestClient, headers: dict[str, str], tenant_id: str) -> Any:
    return client.post(f"/tenants/{tenant_id}/exports", headers=headers)


def test_an_owner_starts_an_export_and_an_audit_row_names_them(
    client: TestClient, auth: Callable[..., dict[str, str]], db: Conn, tenant: Any
) -> None:
    tenant_id, users = tenant
    answer = _start(client, auth(users["owner"]), tenant_id)
    assert answer.status_code == 202, answer.text
    export = answer.json()
    assert export["state"] == "queued"
    assert export["progress"] == {}
    assert export["download"] is None
    assert answer.headers["location"] == f"/tenants/{tenant_id}/exports/{export['id']}"
    job = db.execute(
        "select kind::text, requested_by::text from public.jobs where id = %s", (export["id"],)
    ).fetchone()
    assert job == {"kind": "export", "requested_by": users["owner"].id}
    row = db.execute(
        "select actor::text, source, outcome, detail from public.audit_events"
        " where tenant_id = %s and action = 'tenant_export_requested'",
        (tenant_id,),
    ).fetchall()
    assert row == [
        {
            "actor": users["owner"].id,
            "source": "core",
            "outcome": "succeeded",
            "detail": {"export_id": export["id"]},
        }
    ]
    polled = client.get(answer.headers["location"], headers=auth(users["owner"]))
    assert polled.status_code == 200
    assert polled.json()["id"] == export["id"]
    assert polled.headers["cache-control"] == "no-store"


def test_one_export_at_a_time(
    client: TestClient, auth: Callable[..., dict[str, str]], db: Conn, tenant: Any
) -> None:
    tenant_id, users = tenant
    first = _start(client, auth(users["owner"]), tenant_id).json()
    assert_problem(_start(client, auth(users["owner"]), tenant_id), 409, "export_in_progress")
    db.execute(
        "update public.jobs set state = 'failed', error = 'job_failed', finished_at = now()"
        " where id = %s",
        (first["id"],),
    )
    second = _start(client, auth(users["owner"]), tenant_id)
    assert second.status_code == 202
    listed = client.get(f"/tenants/{tenant_id}/exports", headers=auth(users["owner"])).json()
    assert [e["id"] for e in listed["exports"]] == [second.json()["id"], first["id"]]
    assert listed["exports"][1]["error"] == "job_failed"


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
def test_only_owners_export(
    client: TestClient, auth: Callable[..., dict[str, str]], tenant: Any, role: str
) -> None:
    tenant_id, users = tenant
    export = _start(client, auth(users["owner"]), tenant_id).json()
    headers = auth(users[role])
    assert_problem(_start(client, headers, tenant_id), 403, "insufficient_role")
    listing = client.get(f"/tenants/{tenant_id}/exports", headers=headers)
    assert_problem(listing, 403, "insufficient_role")
    one = client.get(f"/tenants/{tenant_id}/exports/{export['id']}", headers=headers)
    assert_problem(one, 403, "insufficient_role")


def test_a_stranger_learns_nothing(
    client: TestClient,
    auth: Callable[..., dict[str, str]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    tenant: Any,
) -> None:
    tenant_id, users = tenant
    export = _start(client, auth(users["owner"]), tenant_id).json()
    stranger = make_user()
    own = make_tenant(stranger)
    headers = auth(stranger)
    assert_problem(_start(client, headers, tenant_id), 404, "tenant_not_found")
    listing = client.get(f"/tenants/{tenant_id}/exports", headers=headers)
    assert_problem(listing, 404, "tenant_not_found")
    # Another tenant's export, asked for under the stranger's own tenant, is not there.
    theirs = client.get(f"/tenants/{own}/exports/{export['id']}", headers=headers)
    assert_problem(theirs, 404, "export_not_found", echoed=(export["id"],))
    unknown = client.get(
        f"/tenants/{tenant_id}/exports/{uuid.uuid4()}", headers=auth(users["owner"])
    )
    assert_problem(unknown, 404, "export_not_found")


def test_a_finished_export_has_a_short_lived_download(
    client: TestClient, auth: Callable[..., dict[str, str]], db: Conn, tenant: Any
) -> None:
    tenant_id, users = tenant
    export = _start(client, auth(users["owner"]), tenant_id).json()
    name = f"snsd-export-{tenant_id}-2026-02-02.zip"
    key = f"jobs/{tenant_id}/{export['id']}/{name}"
    result = {"key": key, "file_name": name, "size": 1234, "files": 3, "skipped": []}
    db.execute(
        "update public.jobs set state = 'succeeded', result = %s, finished_at = now(),"
        " expires_at = now() + interval '7 days' where id = %s",
        (json.dumps(result), export["id"]),
    )
    done = client.get(f"/tenants/{tenant_id}/exports/{export['id']}", headers=auth(users["owner"]))
    body = done.json()
    assert (body["state"], body["size"], body["files"], body["skipped"]) == (
        "succeeded", 1234, 3, []
    )  # fmt: skip
    assert body["expires_at"] is not None
    url = urlsplit(body["download"]["url"])
    assert url.path.endswith(key)
    query = parse_qs(url.query)
    assert query["response-content-disposition"] == [f'attachment; filename="{name}"']
    assert query["X-Amz-Expires"] == ["900"]
    assert body["download"]["file_name"] == name


def test_an_export_is_sent_to_the_job_queue_once_committed(
    client: TestClient,
    auth: Callable[..., dict[str, str]],
    db: Conn,
    tenant: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant_id, users = tenant
    sent: list[tuple[str, Any]] = []

    class Queue:
        def send(self, job_id: str) -> bool:
            # Read on another connection: the row must be committed before its message.
            row = db.execute("select state::text from public.jobs where id = %s", (job_id,))
            sent.append((job_id, row.fetchone()))
            return True

    monkeypatch.setattr(client.app.state, "job_queue", Queue())
    answer = _start(client, auth(users["owner"]), tenant_id)
    assert answer.status_code == 202, answer.text
    assert sent == [(answer.json()["id"], {"state": "queued"})]
    # A refused export sends nothing.
    assert _start(client, auth(users["admin"]), tenant_id).status_code == 403
    assert len(sent) == 1
