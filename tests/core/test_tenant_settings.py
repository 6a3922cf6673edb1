"""A tenant's settings (docs/api.md, "Malware scanning"): its owner chooses whether members
may read files not scanned yet, through PATCH /tenants/{id}; the file API reads the
choice with each pending verdict; every change is a row of the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from file_lambda.database import Database
from file_lambda.scans import Verdict, Verdicts
from tests.core.test_audit import audit_page
from tests.support.core import User
from tests.support.problems import assert_problem

Headers = Callable[[User], dict[str, str]]


def test_an_owner_lets_members_read_pending_files_and_the_trail_says_who(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    db: psycopg.Connection[dict[str, Any]],
    db_url: str,
) -> None:
    owner = make_user()
    created = client.post("/tenants", json={"name": "Acme"}, headers=auth(owner))
    assert created.status_code == 201, created.text
    assert created.json()["members_read_pending"] is False  # the default: no
    url = f"/tenants/{created.json()['id']}"

    changed = client.patch(url, json={"members_read_pending": True}, headers=auth(owner))
    assert changed.status_code == 200, changed.text
    assert changed.json()["members_read_pending"] is True
    assert changed.json()["name"] == "Acme"  # what the body leaves out is unchanged
    assert client.get(url, headers=auth(owner)).json()["members_read_pending"] is True
    row = db.execute(
        "select members_read_pending from public.tenants where id = %s", (created.json()["id"],)
    ).fetchone()
    assert row == {"members_read_pending": True}

    # The file API reads it with a pending verdict (file_lambda/scans.py).
    database = Database(lambda: db_url)
    try:
        verdicts = Verdicts(database, enforced=True, retry_after=10, ttl=30)
        pending = verdicts.of_version(created.json()["id"], "drafts/new.docx", "v1")
    finally:
        database.close()
    assert pending == Verdict("pending", (), members_read_pending=True)

    # Both in one request: two rows. The same value again: none.
    both = {"name": "Acme Consulting", "members_read_pending": False}
    assert client.patch(url, json=both, headers=auth(owner)).status_code == 200
    again = client.patch(url, json={"members_read_pending": False}, headers=auth(owner))
    assert again.status_code == 200
    rows = audit_page(client, auth(owner), created.json()["id"], source="core")["items"]
    settings = [
        (item["actor"], item["detail"])
        for item in reversed(rows)
        if item["action"] == "tenant_settings_changed"
    ]
    assert settings == [
        (owner.id, {"members_read_pending": {"from": False, "to": True}}),
        (owner.id, {"members_read_pending": {"from": True, "to": False}}),
    ]
    assert [item["action"] for item in rows].count("tenant_renamed") == 1


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
def test_only_an_owner_changes_the_choice(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    role: str,
) -> None:
    owner, other = make_user(), make_user()
    tenant = make_tenant(owner, {other: role})
    refused = client.patch(
        f"/tenants/{tenant}", json={"members_read_pending": True}, headers=auth(other)
    )
    assert_problem(refused, 403, "insufficient_role")
    assert (
        client.get(f"/tenants/{tenant}", headers=auth(other)).json()["members_read_pending"]
        is False
    )


def test_a_stranger_cannot_change_it_and_learns_nothing(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    tenant = make_tenant(make_user())
    refused = client.patch(
        f"/tenants/{tenant}", json={"members_read_pending": True}, headers=auth(make_user())
    )
    assert_problem(refused, 404, "tenant_not_found")


def test_row_level_security_keeps_the_choice_an_owners_even_past_the_api(
    db: psycopg.Connection[dict[str, Any]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, admin = make_user(), make_user()
    tenant = make_tenant(owner, {admin: "admin"})

    def update_as(user: User) -> int:
        with db.transaction():
            db.execute("set local role authenticated")
            db.execute(
                "select set_config('request.jwt.claims', %s, true)",
                (f'{{"sub": "{user.id}", "role": "authenticated"}}',),
            )
            cursor = db.execute(
                "update public.tenants set members_read_pending = true where id = %s", (tenant,)
            )
            return cursor.rowcount

    assert update_as(admin) == 0
    assert update_as(owner) == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"name": None, "members_read_pending": None}, {"members_read_pending": "maybe"}],
)
def test_a_change_must_change_something_valid(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    body: dict[str, Any],
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    assert_problem(
        client.patch(f"/tenants/{tenant}", json=body, headers=auth(owner)), 400, "validation_error"
    )
