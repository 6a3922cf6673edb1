"""The audit trail in the database and through `GET /tenants/{id}/audit`.

Append-only is tried as every role the application uses; the core's member
changes are made through the API and read back with their actor and request
id; the listing's filters and cursor are checked against the rows written,
and a tenant's rows never show under another tenant, even with the Python
check switched off.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from core_service import audit
from tests.support.core import User
from tests.support.problems import assert_problem

Conn = psycopg.Connection[dict[str, Any]]
TRACE = "Root=1-674b1c2d-0123456789abcdef01234567"
ROLES = ("anon", "authenticated", "service_role", "owner")
CHANGES = {
    "update": "update public.audit_events set action = 'forged' where id = %(id)s",
    "delete": "delete from public.audit_events where id = %(id)s",
    "truncate": "truncate public.audit_events",
}


def insert_event(db: Conn, tenant_id: str, **columns: Any) -> int:
    """One row, as the file API's connection (the owner) writes them."""
    row = {
        "tenant_id": tenant_id,
        "source": "api",
        "action": "upload_file",
        "outcome": "succeeded",
        **columns,
    }
    if "detail" in row:
        row["detail"] = json.dumps(row["detail"])
    names = ", ".join(row)
    values = ", ".join(f"%({name})s" for name in row)
    found = db.execute(
        f"insert into public.audit_events ({names}) values ({values}) returning id",  # noqa: S608
        row,
    ).fetchone()
    assert found is not None
    return int(found["id"])


@contextmanager
def as_role(db: Conn, role: str, user: User | None = None) -> Iterator[Conn]:
    """A transaction as `role` (`owner`: the connection's own role), rolled back after."""
    with db.transaction(force_rollback=True):
        if role != "owner":
            db.execute("select set_config('role', %s, true)", (role,))
        if user is not None:
            claims = {"sub": user.id, "email": user.email, "role": role, "aud": "authenticated"}
            db.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        yield db


def attempt(db: Conn, role: str, statement: str, event_id: int, user: User | None) -> str:
    """'refused' or 'allowed': what the database answers `role` trying `statement`."""
    try:
        with as_role(db, role, user):
            db.execute(statement, {"id": event_id})
            after = db.execute(
                "select action from public.audit_events where id = %s", (event_id,)
            ).fetchone()
            if statement.startswith("update") and after and after["action"] != "forged":
                return "refused"  # RLS hid the row from the update
            if not statement.startswith("update") and after is not None:
                # Row-level security hid the row from the delete, changed nothing.
                return "refused"
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException):
        return "refused"
    except psycopg.DatabaseError as exc:
        if exc.sqlstate == "SN010":
            return "refused"
        raise
    return "allowed"


@pytest.fixture
def admin_and_tenant(make_user: Callable[..., User], make_tenant: Callable[..., str]) -> Any:
    owner = make_user()
    return owner, make_tenant(owner)


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("role", ROLES)
def test_no_role_may_change_or_remove_a_row(
    db: Conn, admin_and_tenant: tuple[User, str], role: str, change: str
) -> None:
    owner, tenant_id = admin_and_tenant
    event_id = insert_event(db, tenant_id, path="docs/a.txt")
    # authenticated acts as the tenant's owner: the most it could be.
    user = owner if role == "authenticated" else None
    assert attempt(db, role, CHANGES[change], event_id, user) == "refused"
    assert db.execute(
        "select action from public.audit_events where id = %s", (event_id,)
    ).fetchone()


def test_the_check_sees_a_breach(db: Conn, admin_and_tenant: tuple[User, str]) -> None:
    """Without its trigger the owner's update goes through, and `attempt` says so."""
    _, tenant_id = admin_and_tenant
    event_id = insert_event(db, tenant_id)
    with db.transaction(force_rollback=True):
        db.execute("drop trigger audit_events_no_update on public.audit_events")
        assert attempt(db, "owner", CHANGES["update"], event_id, None) == "allowed"
    assert attempt(db, "owner", CHANGES["update"], event_id, None) == "refused"


def test_clients_cannot_write_rows(db: Conn, admin_and_tenant: tuple[User, str]) -> None:
    owner, tenant_id = admin_and_tenant
    for role, user in (("anon", None), ("authenticated", owner)):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), as_role(db, role, user):
            insert_event(db, tenant_id)
    # Nor may they change the retention.
    with pytest.raises(psycopg.errors.InsufficientPrivilege), as_role(db, "service_role"):
        db.execute("update private.audit_policy set retention_days = 1")


def test_pruning_removes_only_what_is_past_the_retention(
    db: Conn, admin_and_tenant: tuple[User, str]
) -> None:
    _, tenant_id = admin_and_tenant
    policy = db.execute("select retention_days from private.audit_policy").fetchone()
    assert policy is not None
    retention = int(policy["retention_days"])
    now = datetime.now(UTC)
    old = insert_event(db, tenant_id, occurred_at=now - timedelta(days=retention, hours=1))
    kept = insert_event(db, tenant_id, occurred_at=now - timedelta(days=retention - 1))
    recent = insert_event(db, tenant_id)

    # Past the retention, a row may go; within it, not even the owner deletes it.
    assert attempt(db, "owner", CHANGES["delete"], kept, None) == "refused"
    assert attempt(db, "owner", CHANGES["delete"], old, None) == "allowed"

    with as_role(db, "service_role"):
        pruned = db.execute("select private.prune_audit_events() as n").fetchone()
        assert pruned is not None
        assert pruned["n"] >= 1
        ids = {
            row["id"]
            for row in db.execute(
                "select id from public.audit_events where tenant_id = %s", (tenant_id,)
            )
        }
        assert ids & {old, kept, recent} == {kept, recent}

    # The retention is a setting: at 30 days, the 399-day-old row goes too.
    with db.transaction(force_rollback=True):
        db.execute("update private.audit_policy set retention_days = 30")
        db.execute("select private.prune_audit_events()")
        ids = {
            row["id"]
            for row in db.execute(
                "select id from public.audit_events where tenant_id = %s", (tenant_id,)
            )
        }
        assert ids & {old, kept, recent} == {recent}


def test_a_tenant_deleted_takes_its_trail(db: Conn, admin_and_tenant: tuple[User, str]) -> None:
    _, tenant_id = admin_and_tenant
    insert_event(db, tenant_id)
    db.execute("delete from public.tenants where id = %s", (tenant_id,))
    count = db.execute(
        "select count(*) as n from public.audit_events where tenant_id = %s", (tenant_id,)
    ).fetchone()
    assert count == {"n": 0}


# -- member changes, through the core's API ----------------------------------------------


def audit_page(client: Any, headers: dict[str, str], tenant_id: str, **params: Any) -> Any:
    response = client.get(f"/tenants/{tenant_id}/audit", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_member_changes_are_recorded_with_actor_and_request_id(
    client: Any,
    make_user: Callable[..., User],
    token_for: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    owner, invitee, declining = make_user(), make_user(), make_user()
    owner_headers = {**auth(owner), "X-Amzn-Trace-Id": TRACE}
    created = client.post("/tenants", json={"name": "Audited"}, headers=owner_headers)
    tenant_id = created.json()["id"]

    invited = client.post(
        f"/tenants/{tenant_id}/invitations",
        json={"email": invitee.email, "role": "viewer"},
        headers=owner_headers,
    ).json()
    assert (
        client.post(f"/invitations/{invited['id']}/accept", headers=auth(invitee)).status_code
        == 200
    )
    member_url = f"/tenants/{tenant_id}/members/{invitee.id}"
    assert (
        client.patch(member_url, json={"role": "member"}, headers=owner_headers).status_code == 200
    )
    assert client.delete(member_url, headers=owner_headers).status_code == 204
    declined = client.post(
        f"/tenants/{tenant_id}/invitations", json={"email": declining.email}, headers=owner_headers
    ).json()
    assert (
        client.post(f"/invitations/{declined['id']}/decline", headers=auth(declining)).status_code
        == 204
    )
    revoked = client.post(
        f"/tenants/{tenant_id}/invitations",
        json={"email": "gone@example.com"},
        headers=owner_headers,
    ).json()
    assert (
        client.delete(
            f"/tenants/{tenant_id}/invitations/{revoked['id']}", headers=owner_headers
        ).status_code
        == 204
    )

    items = audit_page(client, auth(owner), tenant_id)["items"]
    seen = [(item["action"], item["actor"], item["detail"]) for item in reversed(items)]
    assert [(action, actor) for action, actor, _ in seen] == [
        ("tenant_created", owner.id),
        ("member_added", owner.id),
        ("invitation_created", owner.id),
        ("member_added", invitee.id),
        ("invitation_accepted", invitee.id),
        ("member_role_changed", owner.id),
        ("member_removed", owner.id),
        ("invitation_created", owner.id),
        ("invitation_declined", declining.id),
        ("invitation_created", owner.id),
        ("invitation_revoked", owner.id),
    ]
    assert seen[5][2] == {"user_id": invitee.id, "from": "viewer", "to": "member"}
    assert seen[6][2] == {"user_id": invitee.id, "role": "member"}
    assert seen[4][2]["email"] == invitee.email
    for item in items:
        assert item["source"] == "core"
        assert item["outcome"] == "succeeded"
        # The owner's requests carried the ALB's trace id; the others a fresh one.
        if item["actor"] == owner.id:
            assert item["request_id"] == TRACE
        else:
            assert uuid.UUID(item["request_id"])


def test_only_admins_and_owners_read_the_trail(
    client: Any,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    owner, admin, member, viewer, stranger = (make_user() for _ in range(5))
    tenant_id = make_tenant(owner, {admin: "admin", member: "member", viewer: "viewer"})
    url = f"/tenants/{tenant_id}/audit"
    assert client.get(url, headers=auth(owner)).status_code == 200
    assert client.get(url, headers=auth(admin)).status_code == 200
    for user in (member, viewer):
        assert_problem(client.get(url, headers=auth(user)), 403, "insufficient_role")
    assert_problem(client.get(url, headers=auth(stranger)), 404, "tenant_not_found")
    assert_problem(client.get(url), 401, "unauthorized")


# -- filters and the cursor ------------------------------------------------------------------


@pytest.fixture
def trail(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> tuple[User, str, list[dict[str, Any]]]:
    """A tenant with 60 rows of every kind, at known times (a few sharing one)."""
    owner = make_user()
    tenant_id = make_tenant(owner)
    actors = [str(uuid.uuid4()) for _ in range(3)]
    base = datetime(2026, 11, 1, tzinfo=UTC)
    rows = []
    for n in range(60):
        row = {
            # Every third row shares its time with the one before: ties break by id.
            "occurred_at": base + timedelta(minutes=n - (n % 3 == 2)),
            "actor": actors[n % 3],
            "action": ("upload_file", "move_file", "delete_file", "create_folder")[n % 4],
            "outcome": ("succeeded", "refused", "succeeded", "failed")[n % 4],
            "path": f"{('docs', 'media', 'docs/deep')[n % 3]}/f{n}.txt",
            "detail": {"source": f"inbox/f{n}.txt"} if n % 5 == 0 else {},
        }
        row["id"] = insert_event(db, tenant_id, **row)
        rows.append(row)
    # The core's own rows (the tenant's creation) are in the trail too.
    core_rows = db.execute(
        "select id, occurred_at, actor::text as actor, action, outcome, path, detail"
        " from public.audit_events where tenant_id = %s and source = 'core'",
        (tenant_id,),
    ).fetchall()
    rows += [dict(row) for row in core_rows]
    return owner, tenant_id, rows


def newest_first(rows: list[dict[str, Any]]) -> list[int]:
    return [
        row["id"] for row in sorted(rows, key=lambda r: (r["occurred_at"], r["id"]), reverse=True)
    ]


def every_page(
    client: Any, headers: dict[str, str], tenant_id: str, cursor: str | None = None, **params: Any
) -> list[int]:
    """The ids of every page from `cursor` on, following next_cursor to the end."""
    ids: list[int] = []
    for _ in range(100):
        page = audit_page(
            client, headers, tenant_id, **params, **({"cursor": cursor} if cursor else {})
        )
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("the pages never end")


def matches_prefix(row: dict[str, Any], prefix: str) -> bool:
    named = [row.get("path"), (row.get("detail") or {}).get("source")]
    return any(isinstance(p, str) and p.startswith(prefix) for p in named)


FILTER_CASES: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]] = {
    "none": ({}, lambda row: True),
    "action": ({"action": "move_file"}, lambda row: row["action"] == "move_file"),
    "outcome": ({"outcome": "refused"}, lambda row: row["outcome"] == "refused"),
    "since_until": (
        {"since": "2026-11-01T00:10:00Z", "until": "2026-11-01T00:40:00+00:00"},
        lambda row: (
            datetime(2026, 11, 1, 0, 10, tzinfo=UTC)
            <= row["occurred_at"]
            < datetime(2026, 11, 1, 0, 40, tzinfo=UTC)
        ),
    ),
    "path_prefix": ({"path_prefix": "docs/"}, lambda row: matches_prefix(row, "docs/")),
    "path_prefix_source": ({"path_prefix": "inbox/"}, lambda row: matches_prefix(row, "inbox/")),
    "combined": (
        {"path_prefix": "docs", "outcome": "succeeded", "action": "upload_file"},
        lambda row: (
            matches_prefix(row, "docs")
            and row["outcome"] == "succeeded"
            and row["action"] == "upload_file"
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(FILTER_CASES))
@pytest.mark.parametrize("limit", [1, 7, 200])
def test_filters_and_pages_miss_nothing_and_repeat_nothing(
    client: Any,
    auth: Callable[[User], dict[str, str]],
    trail: tuple[User, str, list[dict[str, Any]]],
    case: str,
    limit: int,
) -> None:
    owner, tenant_id, rows = trail
    params, keep = FILTER_CASES[case]
    got = every_page(client, auth(owner), tenant_id, limit=limit, **params)
    expected = newest_first([row for row in rows if keep(row)])
    assert expected, "the case selects nothing: it would prove nothing"
    assert got == expected


def test_the_actor_filter(
    client: Any,
    auth: Callable[[User], dict[str, str]],
    trail: tuple[User, str, list[dict[str, Any]]],
) -> None:
    owner, tenant_id, rows = trail
    actor = rows[0]["actor"]
    got = every_page(client, auth(owner), tenant_id, actor=actor, limit=9)
    assert got == newest_first([row for row in rows if row["actor"] == actor])


def test_rows_written_while_paging_neither_repeat_nor_skip(
    client: Any,
    db: Conn,
    auth: Callable[[User], dict[str, str]],
    trail: tuple[User, str, list[dict[str, Any]]],
) -> None:
    owner, tenant_id, rows = trail
    first = audit_page(client, auth(owner), tenant_id, limit=10)
    insert_event(db, tenant_id, action="delete_file")  # newer than everything paged
    rest = every_page(client, auth(owner), tenant_id, limit=10, cursor=first["next_cursor"])
    assert [item["id"] for item in first["items"]] + rest == newest_first(rows)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "e30",  # {}
        "eyJhdCI6IjIwMjYtMTEtMDFUMDA6MDA6MDArMDA6MDAiLCJpZCI6InRlbiIsInEiOiJ4In0",  # id "ten"
        "%%%",
        "eyJhdCI6WzFdfQ",  # at: [1]
    ],
)
def test_a_tampered_cursor_is_a_400(
    client: Any,
    auth: Callable[[User], dict[str, str]],
    trail: tuple[User, str, list[dict[str, Any]]],
    cursor: str,
) -> None:
    owner, tenant_id, _ = trail
    response = client.get(
        f"/tenants/{tenant_id}/audit", headers=auth(owner), params={"cursor": cursor}
    )
    assert_problem(response, 400, "invalid_cursor")


def test_a_cursor_belongs_to_its_listing(
    client: Any,
    auth: Callable[[User], dict[str, str]],
    trail: tuple[User, str, list[dict[str, Any]]],
) -> None:
    owner, tenant_id, _ = trail
    cursor = audit_page(client, auth(owner), tenant_id, limit=5)["next_cursor"]
    assert cursor is not None
    other_filter = client.get(
        f"/tenants/{tenant_id}/audit",
        headers=auth(owner),
        params={"cursor": cursor, "action": "move_file"},
    )
    assert_problem(other_filter, 400, "invalid_cursor")
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    response = client.get(
        f"/tenants/{tenant_id}/audit", headers=auth(owner), params={"cursor": flipped}
    )
    assert_problem(response, 400, "invalid_cursor")


@pytest.mark.parametrize("source", ["api", "bucket", "core"])
def test_the_source_filter(
    client: Any,
    db: Conn,
    auth: Callable[[User], dict[str, str]],
    trail: tuple[User, str, list[dict[str, Any]]],
    source: str,
) -> None:
    owner, tenant_id, _ = trail
    insert_event(db, tenant_id, source="bucket", action="object_created", path="b.txt")
    expected = db.execute(
        "select id from public.audit_events where tenant_id = %s and source = %s"
        " order by occurred_at desc, id desc",
        (tenant_id, source),
    ).fetchall()
    assert expected
    got = every_page(client, auth(owner), tenant_id, source=source, limit=7)
    assert got == [row["id"] for row in expected]


def test_a_made_up_cursor_is_a_400(
    client: Any,
    auth: Callable[[User], dict[str, str]],
    trail: tuple[User, str, list[dict[str, Any]]],
) -> None:
    """Base64 JSON naming a position and the listing: a client cannot make one."""
    owner, tenant_id, _ = trail
    listing = audit._digest(uuid.UUID(tenant_id), {})
    future = {"at": "2100-01-01T00:00:00+00:00", "id": 2**62, "q": listing}
    made_up = base64.urlsafe_b64encode(json.dumps(future).encode()).decode().rstrip("=")
    response = client.get(
        f"/tenants/{tenant_id}/audit", headers=auth(owner), params={"cursor": made_up}
    )
    assert_problem(response, 400, "invalid_cursor")
    # A real cursor opens only for its own listing: the same position under a
    # listing of another source is refused too.
    cursor = audit_page(client, auth(owner), tenant_id, limit=5)["next_cursor"]
    other = client.get(
        f"/tenants/{tenant_id}/audit",
        headers=auth(owner),
        params={"cursor": cursor, "source": "core"},
    )
    assert_problem(other, 400, "invalid_cursor")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"since": "yesterday"},
        {"actor": "someone"},
        {"outcome": "maybe"},
        {"source": "s3"},
        {"action": "Drop Table"},
        {"path_prefix": "a\x00b"},
    ],
)
def test_bad_filters_are_a_400(
    client: Any,
    auth: Callable[[User], dict[str, str]],
    admin_and_tenant: tuple[User, str],
    params: dict[str, Any],
) -> None:
    owner, tenant_id = admin_and_tenant
    response = client.get(f"/tenants/{tenant_id}/audit", headers=auth(owner), params=params)
    assert_problem(response, 400, "validation_error")


# -- one tenant's rows, never another's --------------------------------------------------------


def test_a_tenant_sees_only_its_own_rows(
    client: Any,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    both = make_user()
    tenant_a, tenant_b = make_tenant(both, name="A"), make_tenant(both, name="B")
    only_a = insert_event(db, tenant_a, path="a.txt")
    only_b = insert_event(db, tenant_b, path="b.txt")
    ids_a = {item["id"] for item in audit_page(client, auth(both), tenant_a)["items"]}
    ids_b = {item["id"] for item in audit_page(client, auth(both), tenant_b)["items"]}
    assert only_a in ids_a
    assert only_a not in ids_b
    assert only_b in ids_b
    assert only_b not in ids_a
    tenants_of = {
        row["id"]: str(row["tenant_id"])
        for row in db.execute(
            "select id, tenant_id from public.audit_events where id = any(%s)",
            (list(ids_a | ids_b),),
        )
    }
    assert {tenants_of[i] for i in ids_a} == {tenant_a}
    assert {tenants_of[i] for i in ids_b} == {tenant_b}


def test_row_level_security_holds_if_the_python_check_were_wrong(
    client: Any,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner, viewer, stranger = make_user(), make_user(), make_user()
    tenant_id = make_tenant(owner, {viewer: "viewer"})
    insert_event(db, tenant_id, path="secret.txt")
    assert audit_page(client, auth(owner), tenant_id)["items"]

    async def anyone_is_an_owner(conn: Any, principal: Any, tenant: Any) -> Any:
        from tenancy.principal import Role, TenantAccess

        return TenantAccess(principal, str(tenant), Role.owner)

    monkeypatch.setattr(audit, "tenant_access", anyone_is_an_owner)
    for user in (viewer, stranger):
        assert audit_page(client, auth(user), tenant_id)["items"] == []


def test_refused_attempts_in_the_core_are_recorded(
    client: Any,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    """A trigger sees only changes that happened: the core's refusals are rows of their own."""
    owner, member, stranger = make_user(), make_user(), make_user()
    tenant_id = make_tenant(owner, {member: "member"})
    url = f"/tenants/{tenant_id}"
    member_headers = {**auth(member), "X-Amzn-Trace-Id": TRACE}
    invite = client.post(
        f"{url}/invitations", json={"email": "x@example.com"}, headers=member_headers
    )
    assert_problem(invite, 403, "insufficient_role")
    leave = client.delete(f"{url}/members/{owner.id}", headers=auth(owner))
    assert_problem(leave, 409, "last_owner")
    assert_problem(
        client.patch(url, json={"name": "Mine"}, headers=auth(stranger)), 404, "tenant_not_found"
    )
    assert_problem(
        client.put(f"{url}/quota", json={"max_bytes": 1}, headers=auth(owner)),
        403,
        "insufficient_role",
    )
    # An operation renamed to read like its URL keeps its action (tenancy/audit_actions.py):
    # redeliver_webhook_delivery is recorded as redeliver_webhook, as before the rename.
    endpoint_id, delivery_id = str(uuid.uuid4()), str(uuid.uuid4())
    redeliver = f"{url}/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"
    assert_problem(client.post(redeliver, headers=auth(member)), 403, "insufficient_role")
    # Nobody to name, or no tenant to write into: no row, and the same answers.
    assert_problem(client.patch(url, json={"name": "Anyone"}), 401, "unauthorized")
    elsewhere = f"/tenants/{uuid.uuid4()}"
    assert_problem(
        client.patch(elsewhere, json={"name": "X"}, headers=auth(stranger)), 404, "tenant_not_found"
    )
    # Reads are never rows.
    client.get(f"{url}/members", headers=auth(stranger))

    refused = audit_page(client, auth(owner), tenant_id, outcome="refused")["items"]
    seen = [
        (item["action"], item["actor"], item["status"], item["code"], item["detail"])
        for item in reversed(refused)
    ]
    assert seen == [
        ("create_invitation", member.id, 403, "insufficient_role", {}),
        ("remove_member", owner.id, 409, "last_owner", {"user_id": owner.id}),
        ("rename_tenant", stranger.id, 404, "tenant_not_found", {}),
        ("set_tenant_quota", owner.id, 403, "insufficient_role", {}),
        (
            "redeliver_webhook",
            member.id,
            403,
            "insufficient_role",
            {"endpoint_id": endpoint_id, "delivery_id": delivery_id},
        ),
    ]
    assert refused[-1]["request_id"] == TRACE
    assert all(item["source"] == "core" for item in refused)


def test_a_stranger_writes_little_and_not_for_long_in_the_core(
    client: Any,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    """Ids cut to 64 characters, and at most 20 refused rows an actor an hour."""
    owner, stranger = make_user(), make_user()
    tenant_id = make_tenant(owner)
    long_id = "<img src=x onerror=alert(1)>" * 110
    for _ in range(25):
        response = client.delete(
            f"/tenants/{tenant_id}/invitations/{long_id}", headers=auth(stranger)
        )
        assert 400 <= response.status_code < 500
    assert_problem(
        client.put(f"/tenants/{tenant_id}/quota", json={"max_bytes": 1}, headers=auth(owner)),
        403,
        "insufficient_role",
    )

    rows = db.execute(
        "select actor::text as actor, detail from public.audit_events"
        " where tenant_id = %s and outcome = 'refused' order by id",
        (tenant_id,),
    ).fetchall()
    by_stranger = [row["detail"] for row in rows if row["actor"] == stranger.id]
    assert len(by_stranger) == 20
    assert all(detail["invitation_id"] == long_id[:64] for detail in by_stranger)
    assert all(detail["truncated"] == ["invitation_id"] for detail in by_stranger)
    assert [detail.get("refusals_capped") for detail in by_stranger] == [None] * 19 + [20]
    assert rows[-1]["actor"] == owner.id  # counted apart


def test_only_refusals_count_toward_the_cap_and_ids_at_the_bound_are_kept_whole(
    client: Any,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    owner = make_user()
    tenant_id = make_tenant(owner)
    for n in range(21):  # 21 changes of the owner's: not refusals
        renamed = client.patch(f"/tenants/{tenant_id}", json={"name": f"T{n}"}, headers=auth(owner))
        assert renamed.status_code == 200, renamed.text
    at_bound = "i" * 64
    refused = client.delete(f"/tenants/{tenant_id}/invitations/{at_bound}", headers=auth(owner))
    assert 400 <= refused.status_code < 500
    [row] = db.execute(
        "select detail from public.audit_events"
        " where tenant_id = %s and outcome = 'refused' and actor = %s",
        (tenant_id, owner.id),
    ).fetchall()
    assert row["detail"] == {"invitation_id": at_bound}
