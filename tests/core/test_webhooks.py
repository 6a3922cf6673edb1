"""A tenant's webhook endpoints through the core's app, against Postgres with every migration.

Who may do what (owners and admins only), the signing secret shown once and kept
sealed, rotation's overlap as the official `standardwebhooks` library verifies it,
the address checks when an endpoint is saved (a stub resolver stands for DNS, as
webhooks/addresses.py allows), the test event, the delivery log and its cursors,
redelivery, and the audit rows of every change. The delivery function's part (the
attempts) is written here in SQL, as it will write it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from core_service.settings import Settings
from core_service.webhooks import service
from core_service.webhooks.service import MAX_ENDPOINTS
from tenancy.settings import ConfigError
from tests.support.core import WEBHOOK_SECRETS_KEY, User
from tests.support.problems import assert_problem
from webhooks.addresses import IPAddress
from webhooks.signing import (
    ROTATION_OVERLAP,
    EndpointSecrets,
    Message,
    new_message,
    sign,
    webhook_id,
)
from webhooks.vault import Vault

Conn = psycopg.Connection[dict[str, Any]]
API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"
PUBLIC_URL = "https://93.184.215.14/hooks/snsd"  # an IP literal: nothing to resolve
VAULT = Vault(WEBHOOK_SECRETS_KEY)


@pytest.fixture
def tenant(
    make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> tuple[str, dict[str, User]]:
    users = {role: make_user() for role in ("owner", "admin", "member", "viewer")}
    members = {users[role]: role for role in ("admin", "member", "viewer")}
    return make_tenant(users["owner"], members), users


def _base(tenant_id: str) -> str:
    return f"/tenants/{tenant_id}/webhooks"


def create(
    client: TestClient, headers: dict[str, str], tenant_id: str, **body: Any
) -> dict[str, Any]:
    answer = client.post(
        _base(tenant_id),
        json={"url": PUBLIC_URL, "event_types": ["file.created"], **body},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


@contextmanager
def webhook_parts(client: TestClient, **changes: Any) -> Iterator[None]:
    """The app's webhook parts changed (a resolver, loopback) for the block."""
    state = client.app.state  # type: ignore[attr-defined]
    kept = state.webhooks
    state.webhooks = replace(kept, **changes)
    try:
        yield
    finally:
        state.webhooks = kept


def resolving_to(*addresses: str) -> Callable[[str, int], list[IPAddress]]:
    return lambda host, port: [ipaddress.ip_address(a) for a in addresses]


def audit_rows(db: Conn, tenant_id: str, prefix: str = "webhook_") -> list[dict[str, Any]]:
    return db.execute(
        "select action, actor, detail, request_id from public.audit_events"
        " where tenant_id = %s and source = 'core' and action like %s order by id",
        (tenant_id, prefix + "%"),
    ).fetchall()


def send_test_event(
    client: TestClient, headers: dict[str, str], tenant_id: str, endpoint: str
) -> str:
    answer = client.post(f"{_base(tenant_id)}/{endpoint}/test", headers=headers)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["event_id"])


# -- who may -----------------------------------------------------------------------------


def test_owners_and_admins_manage_endpoints_members_and_viewers_may_not_outsiders_see_nothing(
    client: TestClient,
    tenant: tuple[str, dict[str, User]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    mine = create(client, auth(users["owner"]), tenant_id)
    by_admin = create(client, auth(users["admin"]), tenant_id)
    base = _base(tenant_id)
    endpoint = f"{base}/{mine['id']}"
    delivery = f"{endpoint}/deliveries/{uuid.uuid4()}"
    routes = [
        ("GET", base, None),
        ("POST", base, {"url": PUBLIC_URL, "event_types": ["file.created"]}),
        ("GET", endpoint, None),
        ("PATCH", endpoint, {"description": "x"}),
        ("DELETE", endpoint, None),
        ("POST", f"{endpoint}/rotate-secret", None),
        ("POST", f"{endpoint}/test", None),
        ("GET", f"{endpoint}/deliveries", None),
        ("GET", delivery, None),
        ("POST", f"{delivery}/redeliver", None),
    ]
    outsider = make_user()
    make_tenant(outsider)
    for role in ("member", "viewer"):
        for method, path, body in routes:
            answer = client.request(method, path, json=body, headers=auth(users[role]))
            assert_problem(answer, 403, "insufficient_role")
    for method, path, body in routes:
        answer = client.request(method, path, json=body, headers=auth(outsider))
        assert_problem(answer, 404, "tenant_not_found")

    listed = client.get(base, headers=auth(users["admin"])).json()["endpoints"]
    assert [e["id"] for e in listed] == [mine["id"], by_admin["id"]]
    assert client.get(endpoint, headers=auth(users["admin"])).json()["id"] == mine["id"]

    # Another tenant's endpoint, named under a tenant of the caller's: not found.
    theirs = make_tenant(outsider)
    foreign = create(client, auth(outsider), theirs)
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"enabled": False}),
        ("DELETE", "", None),
        ("POST", "/rotate-secret", None),
        ("POST", "/test", None),
        ("GET", "/deliveries", None),
    ):
        path = f"{base}/{foreign['id']}{suffix}"
        answer = client.request(method, path, json=body, headers=auth(users["owner"]))
        assert_problem(answer, 404, "webhook_endpoint_not_found")


# -- the secret --------------------------------------------------------------------------


def test_the_secret_is_shown_once_kept_sealed_and_never_shown_again(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    tenant_id, users = tenant
    headers = auth(users["owner"])
    caplog.set_level(logging.DEBUG)
    answer = client.post(
        _base(tenant_id),
        json={"url": PUBLIC_URL, "event_types": ["file.created", "member.joined"]},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    created = answer.json()
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["enabled"] is True
    assert created["created_by"] == users["owner"].id

    endpoint = f"{_base(tenant_id)}/{created['id']}"
    for shown in (
        client.get(_base(tenant_id), headers=headers),
        client.get(endpoint, headers=headers),
    ):
        assert shown.status_code == 200
        assert "secret" not in shown.text
        assert "whsec_" not in shown.text

    kept = db.execute(
        "select current_secret::text as sealed from private.webhook_endpoint_secrets"
        " where endpoint_id = %s",
        (created["id"],),
    ).fetchone()
    assert kept is not None
    assert "whsec_" not in kept["sealed"]
    assert secret.removeprefix("whsec_") not in kept["sealed"]
    assert VAULT.open(uuid.UUID(created["id"]), kept["sealed"]) == secret
    everything = db.execute(
        "select count(*) as n from private.webhook_endpoint_secrets"
        " where current_secret like '%%whsec_%%' or previous_secret like '%%whsec_%%'"
    ).fetchone()
    assert everything == {"n": 0}

    rows = audit_rows(db, tenant_id)
    assert [r["action"] for r in rows] == ["webhook_endpoint_created"]
    assert str(rows[0]["actor"]) == users["owner"].id
    assert rows[0]["detail"] == {
        "endpoint_id": created["id"],
        "url": "https://93.184.215.14",  # the origin only: paths and queries carry credentials
        "event_types": ["file.created", "member.joined"],
    }
    rotated = client.post(f"{endpoint}/rotate-secret", headers=headers).json()["secret"]
    trail = json.dumps([r["detail"] for r in audit_rows(db, tenant_id)])
    for text in (trail, caplog.text):
        assert "whsec_" not in text
        for shown in (secret, rotated):
            assert shown.removeprefix("whsec_") not in text


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    created = create(client, auth(users["admin"]), tenant_id)
    endpoint_id = uuid.UUID(created["id"])
    before = datetime.now(UTC)
    answer = client.post(
        f"{_base(tenant_id)}/{endpoint_id}/rotate-secret", headers=auth(users["admin"])
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    rotated = answer.json()
    until = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert before + ROTATION_OVERLAP <= until <= datetime.now(UTC) + ROTATION_OVERLAP
    assert rotated["secret"] != created["secret"]

    row = db.execute(
        "select * from private.webhook_endpoint_secrets where endpoint_id = %s", (endpoint_id,)
    ).fetchone()
    assert row is not None
    kept = EndpointSecrets(
        VAULT.open(endpoint_id, row["current_secret"]),
        VAULT.open(endpoint_id, row["previous_secret"]),
        row["previous_expires_at"],
    )
    assert kept == EndpointSecrets(rotated["secret"], created["secret"], until)

    message = new_message(
        event_id=uuid.uuid4(), event_type="webhook.test", occurred_at=before, data={"a": 1}
    )
    during = sign(message, kept.signing_at(datetime.now(UTC)), attempted_at=datetime.now(UTC))
    assert len(during.headers["webhook-signature"].split()) == 2
    for secret in (created["secret"], rotated["secret"]):  # the receiver's either secret
        Webhook(secret).verify(during.body, dict(during.headers))
    assert kept.signing_at(until) == (rotated["secret"],)

    rows = audit_rows(db, tenant_id, "webhook_endpoint_secret")
    assert [r["action"] for r in rows] == ["webhook_endpoint_secret_rotated"]
    assert rows[0]["detail"]["endpoint_id"] == str(endpoint_id)

    # A second rotation inside the overlap ends the first one's: two secrets at most.
    again = client.post(
        f"{_base(tenant_id)}/{endpoint_id}/rotate-secret", headers=auth(users["admin"])
    ).json()
    row = db.execute(
        "select * from private.webhook_endpoint_secrets where endpoint_id = %s", (endpoint_id,)
    ).fetchone()
    assert row is not None
    assert VAULT.open(endpoint_id, row["current_secret"]) == again["secret"]
    assert VAULT.open(endpoint_id, row["previous_secret"]) == rotated["secret"]


def test_without_the_vault_key_secrets_are_not_made_but_endpoints_are_listed(
    client: TestClient,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["owner"])
    created = create(client, headers, tenant_id)
    with webhook_parts(client, vault=None):
        body = {"url": PUBLIC_URL, "event_types": ["file.created"]}
        assert_problem(
            client.post(_base(tenant_id), json=body, headers=headers),
            503,
            "webhook_secrets_unavailable",
        )
        rotate = f"{_base(tenant_id)}/{created['id']}/rotate-secret"
        assert_problem(client.post(rotate, headers=headers), 503, "webhook_secrets_unavailable")
        listed = client.get(_base(tenant_id), headers=headers)
        assert listed.status_code == 200
        assert [e["id"] for e in listed.json()["endpoints"]] == [created["id"]]


# -- the URL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "resolved"),
    [
        ("https://127.0.0.1/hook", ()),
        ("https://10.0.0.1/hook", ()),
        ("https://172.16.4.2/hook", ()),
        ("https://192.168.1.1/hook", ()),
        ("https://169.254.169.254/latest/meta-data/", ()),
        ("https://[fd00:ec2::254]/", ()),
        ("https://[::ffff:10.0.0.1]/", ()),
        ("https://hooks.internal.example/x", ("10.1.2.3",)),
        ("https://twice.example/x", ("93.184.215.14", "192.168.7.7")),
        ("https://nowhere.example/x", None),
        ("http://93.184.215.14/hook", ()),
        ("https://user:pass@93.184.215.14/hook", ()),
    ],
)
def test_urls_into_our_own_network_are_refused_without_saying_where_they_point(
    client: TestClient,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
    url: str,
    resolved: tuple[str, ...] | None,
) -> None:
    tenant_id, users = tenant
    headers = auth(users["owner"])

    def resolver(host: str, port: int) -> list[IPAddress]:
        if resolved is None:
            raise OSError("no such name")
        return [ipaddress.ip_address(a) for a in resolved]

    body = {"url": url, "event_types": ["file.created"]}
    with webhook_parts(client, resolver=resolver):
        refused = assert_problem(
            client.post(_base(tenant_id), json=body, headers=headers), 400, "webhook_url_refused"
        )
        existing = create(client, headers, tenant_id)
        changed = client.patch(
            f"{_base(tenant_id)}/{existing['id']}", json={"url": url}, headers=headers
        )
        assert_problem(changed, 400, "webhook_url_refused")
    for address in resolved or ():
        if not ipaddress.ip_address(address).is_global:
            assert address not in refused["detail"]
    assert not re.search(r"\d+\.\d+\.\d+\.\d+/\d+|::/", refused["detail"]), refused["detail"]
    listed = client.get(_base(tenant_id), headers=headers).json()["endpoints"]
    assert [e["url"] for e in listed] == [PUBLIC_URL]


def test_a_name_that_resolves_too_slowly_is_refused(
    client: TestClient,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant_id, users = tenant
    monkeypatch.setattr(service, "RESOLVE_TIMEOUT_SECONDS", 0.1)

    def slow(host: str, port: int) -> list[IPAddress]:
        time.sleep(0.5)
        return [ipaddress.ip_address("93.184.215.14")]

    body = {"url": "https://slow.example/hooks", "event_types": ["file.created"]}
    with webhook_parts(client, resolver=slow):
        answer = client.post(_base(tenant_id), json=body, headers=auth(users["owner"]))
    problem = assert_problem(answer, 400, "webhook_url_refused")
    assert "did not resolve in time" in problem["detail"]


def test_a_name_resolving_to_public_addresses_is_saved(
    client: TestClient,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    with webhook_parts(client, resolver=resolving_to("93.184.215.14", "2606:2800:21f::1")):
        created = create(client, auth(users["owner"]), tenant_id, url="https://hooks.example/in")
    assert created["url"] == "https://hooks.example/in"


def test_loopback_is_allowed_only_with_the_local_setting(
    client: TestClient,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["owner"])
    body = {"url": "http://127.0.0.1:8125/hooks", "event_types": ["file.created"]}
    assert_problem(
        client.post(_base(tenant_id), json=body, headers=headers), 400, "webhook_url_refused"
    )
    with webhook_parts(client, allow_loopback=True):
        assert client.post(_base(tenant_id), json=body, headers=headers).status_code == 201
        private = {**body, "url": "http://10.0.0.1/hooks"}
        assert_problem(
            client.post(_base(tenant_id), json=private, headers=headers),
            400,
            "webhook_url_refused",
        )


@pytest.mark.parametrize(
    "event_types",
    [[], ["file.created", "file.created"], ["file.exploded"], ["FILE.CREATED"], None],
)
def test_event_types_are_from_the_catalogue_each_once(
    client: TestClient,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
    event_types: list[str] | None,
) -> None:
    tenant_id, users = tenant
    body = {"url": PUBLIC_URL, "event_types": event_types}
    answer = client.post(_base(tenant_id), json=body, headers=auth(users["owner"]))
    problem = assert_problem(answer, 400, "validation_error")
    assert problem["errors"][0]["loc"][:2] == ["body", "event_types"]


def test_a_tenant_has_at_most_twenty_endpoints(
    client: TestClient,
    tenant: tuple[str, dict[str, User]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["owner"])
    for _ in range(MAX_ENDPOINTS):
        create(client, headers, tenant_id)
    body = {"url": PUBLIC_URL, "event_types": ["file.created"]}
    assert_problem(
        client.post(_base(tenant_id), json=body, headers=headers), 409, "webhook_endpoint_limit"
    )
    other = make_user()
    create(client, auth(other), make_tenant(other))  # each tenant its own twenty
    first = client.get(_base(tenant_id), headers=headers).json()["endpoints"][0]["id"]
    assert client.delete(f"{_base(tenant_id)}/{first}", headers=headers).status_code == 204
    create(client, headers, tenant_id)


def test_two_creations_at_once_cannot_both_take_the_last_place(
    db_url: str, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    """Straight in SQL, as any door to the table would: the second insert waits for the
    first's lock, then counts its row."""
    owner = make_user()
    tenant_id = make_tenant(owner)
    insert = (
        "insert into public.webhook_endpoints (tenant_id, url, event_types)"
        " values (%s, 'https://93.184.215.14/', '{file.created}')"
    )
    with psycopg.connect(db_url, autocommit=True) as setup:
        for _ in range(MAX_ENDPOINTS - 1):
            setup.execute(insert, (tenant_id,))
    outcome: list[str] = []
    with psycopg.connect(db_url) as first, psycopg.connect(db_url) as second:
        first.execute(insert, (tenant_id,))  # the 20th, not committed yet

        def insert_another() -> None:
            try:
                second.execute(insert, (tenant_id,))
                second.commit()
                outcome.append("inserted")
            except psycopg.Error as exc:
                second.rollback()
                outcome.append(str(exc.sqlstate))

        racing = threading.Thread(target=insert_another)
        racing.start()
        racing.join(timeout=1)
        assert racing.is_alive(), "the second insert did not wait for the first"
        first.commit()
        racing.join(timeout=10)
    assert outcome == ["SN020"]
    with psycopg.connect(db_url) as check:
        count = check.execute(
            "select count(*) from public.webhook_endpoints where tenant_id = %s", (tenant_id,)
        ).fetchone()
    assert count == (MAX_ENDPOINTS,)


# -- changes -----------------------------------------------------------------------------


def test_disabling_says_who_and_enabling_clears_the_reason_and_the_failures(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["admin"])
    created = create(client, headers, tenant_id, description="CRM")
    endpoint = f"{_base(tenant_id)}/{created['id']}"
    disabled = client.patch(endpoint, json={"enabled": False}, headers=headers).json()
    assert disabled["enabled"] is False
    assert disabled["disabled_reason"] == f"disabled by {users['admin'].email}"
    assert disabled["disabled_at"] is not None
    assert_problem(
        client.post(f"{endpoint}/test", headers=headers), 409, "webhook_endpoint_disabled"
    )

    db.execute(  # as the delivery function records failures
        "update public.webhook_endpoints set failing_since = now() - interval '1 day'"
        " where id = %s",
        (created["id"],),
    )
    changed = client.patch(
        endpoint,
        json={
            "enabled": True,
            "url": "https://93.184.215.14/other?token=abc",
            "event_types": ["member.joined"],
            "description": None,
        },
        headers=headers,
    ).json()
    assert changed["enabled"] is True
    assert changed["disabled_reason"] is None
    assert changed["disabled_at"] is None
    assert changed["failing_since"] is None
    assert changed["description"] is None
    assert changed["event_types"] == ["member.joined"]

    rows = audit_rows(db, tenant_id, "webhook_endpoint_updated")
    assert [r["detail"] for r in rows] == [
        {
            "endpoint_id": created["id"],
            "enabled": {"from": True, "to": False},
            "disabled_reason": f"disabled by {users['admin'].email}",
        },
        {
            "endpoint_id": created["id"],
            "enabled": {"from": False, "to": True},
            "disabled_reason": None,
            "url": {"from": "https://93.184.215.14", "to": "https://93.184.215.14"},
            "event_types": {"from": ["file.created"], "to": ["member.joined"]},
            "description": {"from": "CRM", "to": None},
        },
    ]
    assert all(str(r["actor"]) == users["admin"].id for r in rows)
    assert_problem(client.patch(endpoint, json={}, headers=headers), 400, "validation_error")
    assert_problem(
        client.patch(endpoint, json={"url": None}, headers=headers), 400, "validation_error"
    )


def test_deleting_an_endpoint_takes_its_secrets_and_deliveries_with_it(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["owner"])
    created = create(client, headers, tenant_id)
    send_test_event(client, headers, tenant_id, created["id"])
    endpoint = f"{_base(tenant_id)}/{created['id']}"
    assert client.delete(endpoint, headers=headers).status_code == 204
    assert_problem(client.get(endpoint, headers=headers), 404, "webhook_endpoint_not_found")
    assert_problem(client.delete(endpoint, headers=headers), 404, "webhook_endpoint_not_found")
    for table in ("public.webhook_deliveries", "private.webhook_endpoint_secrets"):
        left = db.execute(
            f"select count(*) as n from {table} where endpoint_id = %s",  # noqa: S608
            (created["id"],),
        ).fetchone()
        assert left == {"n": 0}
    rows = audit_rows(db, tenant_id, "webhook_endpoint_deleted")
    assert [r["detail"] for r in rows] == [
        {"endpoint_id": created["id"], "url": "https://93.184.215.14"}
    ]


# -- the test event and the delivery log -------------------------------------------------


def test_the_test_event_is_one_delivery_to_that_endpoint_only(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["owner"])
    target = create(client, headers, tenant_id, event_types=["file.created"])
    create(client, headers, tenant_id, event_types=["webhook.test"])
    answer = client.post(f"{_base(tenant_id)}/{target['id']}/test", headers=headers)
    assert answer.status_code == 202, answer.text
    event_id = answer.json()["event_id"]
    assert answer.json()["webhook_id"] == "msg_" + uuid.UUID(event_id).hex

    deliveries = db.execute(
        "select endpoint_id, status from public.webhook_deliveries where event_id = %s",
        (event_id,),
    ).fetchall()
    assert deliveries == [{"endpoint_id": uuid.UUID(target["id"]), "status": "pending"}]
    event = db.execute(
        "select type, payload from private.webhook_events where id = %s", (event_id,)
    ).fetchone()
    assert event is not None
    assert event["type"] == "webhook.test"
    payload = json.loads(bytes(event["payload"]))
    assert payload["data"] == {
        "endpoint_id": target["id"],
        "tenant_id": tenant_id,
        "actor": users["owner"].id,
    }


def _attempt(db: Conn, delivery_id: str, status_code: int | None, failure: str | None) -> None:
    """An attempt as the delivery function records it."""
    db.execute(
        "insert into public.webhook_attempts"
        " (tenant_id, delivery_id, endpoint_id, status_code, duration_ms, failure, error)"
        " select tenant_id, id, endpoint_id, %s, 120, %s, %s"
        " from public.webhook_deliveries where id = %s",
        (status_code, failure, failure and "the receiver answered 500", delivery_id),
    )
    db.execute(
        "update public.webhook_deliveries set attempts = attempts + 1, queued_at = now(),"
        " last_attempt_at = now(), status = %s where id = %s",
        ("succeeded" if failure is None else "failed", delivery_id),
    )


def test_the_delivery_log_pages_newest_first_with_sealed_cursors(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["admin"])
    endpoint = create(client, headers, tenant_id)
    other = create(client, headers, tenant_id)
    events = [send_test_event(client, headers, tenant_id, endpoint["id"]) for _ in range(5)]
    send_test_event(client, headers, tenant_id, other["id"])
    log = f"{_base(tenant_id)}/{endpoint['id']}/deliveries"

    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(3):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(log, params=params, headers=headers)
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
    assert cursor is None
    assert [d["event_id"] for d in seen] == events[::-1]
    assert {d["event_type"] for d in seen} == {"webhook.test"}
    assert all(d["webhook_id"] == "msg_" + uuid.UUID(d["event_id"]).hex for d in seen)
    assert all(d["status"] == "pending" and d["last_attempt"] is None for d in seen)

    first = client.get(log, params={"limit": 2}, headers=headers).json()["next_cursor"]
    tampered = first[:-2] + ("A" if first[-2] != "A" else "B") + first[-1]
    for bad in (tampered, "made-up", first[:10]):
        answer = client.get(log, params={"cursor": bad}, headers=headers)
        assert_problem(answer, 400, "invalid_cursor")
    elsewhere = f"{_base(tenant_id)}/{other['id']}/deliveries"
    answer = client.get(elsewhere, params={"cursor": first}, headers=headers)
    assert_problem(answer, 400, "invalid_cursor")


def test_a_delivery_shows_its_payload_and_every_attempt(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["owner"])
    endpoint = create(client, headers, tenant_id)
    event_id = send_test_event(client, headers, tenant_id, endpoint["id"])
    found = db.execute(
        "select id from public.webhook_deliveries where event_id = %s", (event_id,)
    ).fetchone()
    assert found is not None
    delivery_id = str(found["id"])
    _attempt(db, delivery_id, 500, "status")
    _attempt(db, delivery_id, None, "timeout")

    listed = client.get(f"{_base(tenant_id)}/{endpoint['id']}/deliveries", headers=headers)
    [summary] = listed.json()["items"]
    assert summary["attempts"] == 2
    assert summary["status"] == "failed"
    assert summary["last_attempt"]["failure"] == "timeout"
    assert summary["last_attempt"]["status_code"] is None

    path = f"{_base(tenant_id)}/{endpoint['id']}/deliveries/{delivery_id}"
    detail = client.get(path, headers=headers).json()
    assert [a["failure"] for a in detail["attempt_log"]] == ["status", "timeout"]
    assert detail["attempt_log"][0]["status_code"] == 500
    assert detail["attempt_log"][0]["duration_ms"] == 120
    assert detail["payload"]["type"] == "webhook.test"
    assert detail["payload"]["data"]["endpoint_id"] == endpoint["id"]
    assert detail["webhook_id"] == "msg_" + uuid.UUID(event_id).hex

    missing = f"{_base(tenant_id)}/{endpoint['id']}/deliveries/{uuid.uuid4()}"
    assert_problem(client.get(missing, headers=headers), 404, "webhook_delivery_not_found")


def test_redelivery_starts_a_failed_delivery_again_and_keeps_its_log(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    tenant_id, users = tenant
    headers = auth(users["admin"])
    endpoint = create(client, headers, tenant_id)
    other = create(client, headers, tenant_id)
    event_id = send_test_event(client, headers, tenant_id, endpoint["id"])
    found = db.execute(
        "select id from public.webhook_deliveries where event_id = %s", (event_id,)
    ).fetchone()
    assert found is not None
    delivery_id = str(found["id"])
    for _ in range(8):
        _attempt(db, delivery_id, 503, "status")

    path = f"{_base(tenant_id)}/{endpoint['id']}/deliveries/{delivery_id}"
    answer = client.post(f"{path}/redeliver", headers=headers)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"delivery_id": delivery_id, "status": "pending"}
    row = db.execute(
        "select status, attempts, queued_at, next_attempt_at <= now() as due"
        " from public.webhook_deliveries where id = %s",
        (delivery_id,),
    ).fetchone()
    assert row == {"status": "pending", "attempts": 0, "queued_at": None, "due": True}
    assert len(client.get(path, headers=headers).json()["attempt_log"]) == 8

    # The relay's claim and unclaim of another delivery (a send the queue refused) and the
    # delivery function's attempts are no redelivery.
    fresh = send_test_event(client, headers, tenant_id, endpoint["id"])
    for change in ("queued_at = now()", "queued_at = null", "attempts = 1, status = 'failed'"):
        db.execute(
            f"update public.webhook_deliveries set {change} where event_id = %s",  # noqa: S608
            (fresh,),
        )
    rows = audit_rows(db, tenant_id, "webhook_redelivered")
    assert [r["detail"] for r in rows] == [
        {
            "endpoint_id": endpoint["id"],
            "delivery_id": delivery_id,
            "event_id": event_id,
            "from": {"status": "failed", "attempts": 8},
        }
    ]
    assert str(rows[0]["actor"]) == users["admin"].id

    # Under another endpoint of the tenant, the delivery is not found.
    elsewhere = f"{_base(tenant_id)}/{other['id']}/deliveries/{delivery_id}/redeliver"
    assert_problem(client.post(elsewhere, headers=headers), 404, "webhook_delivery_not_found")
    # A disabled endpoint's deliveries stay put.
    endpoint_path = f"{_base(tenant_id)}/{endpoint['id']}"
    client.patch(endpoint_path, json={"enabled": False}, headers=headers)
    assert_problem(
        client.post(f"{path}/redeliver", headers=headers), 409, "webhook_endpoint_disabled"
    )


# -- settings ----------------------------------------------------------------------------

GOOD_ENV = {
    "SUPABASE_DB_URL": "postgresql://postgres:pw@db.abcdefghijklmnop.supabase.co:5432/postgres",
    "SUPABASE_URL": "https://abcdefghijklmnop.supabase.co",
    "S3_BUCKET_NAME": "snsd-file-uploads-production",
}


def test_the_vault_key_and_loopback_are_settings_checked_at_start() -> None:
    key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    settings = Settings.from_env({**GOOD_ENV, "WEBHOOK_SECRETS_KEY": key})
    assert settings.webhook_secrets_key == WEBHOOK_SECRETS_KEY
    assert settings.webhooks_allow_loopback is False
    with pytest.raises(ConfigError, match="WEBHOOK_SECRETS_KEY holds 3 bytes") as short:
        Settings.from_env({**GOOD_ENV, "WEBHOOK_SECRETS_KEY": "AAEC"})
    assert "AAEC" not in str(short.value)
    with pytest.raises(ConfigError, match="WEBHOOKS_ALLOW_LOOPBACK is for APP_ENV=local only"):
        Settings.from_env({**GOOD_ENV, "WEBHOOKS_ALLOW_LOOPBACK": "true"})
    local = Settings.from_env({**GOOD_ENV, "APP_ENV": "local", "WEBHOOKS_ALLOW_LOOPBACK": "true"})
    assert local.webhooks_allow_loopback is True
    with pytest.raises(ConfigError, match="must be true or false"):
        Settings.from_env({**GOOD_ENV, "WEBHOOKS_ALLOW_LOOPBACK": "yes"})


# -- docs/api.md's receiver ---------------------------------------------------------------


def test_the_documented_receiver_verifies_a_real_delivery_and_refuses_a_forged_one(
    client: TestClient,
    db: Conn,
    tenant: tuple[str, dict[str, User]],
    auth: Callable[[User], dict[str, str]],
) -> None:
    """The Python block of "Receiving webhooks", run as written against the test event's
    own bytes, signed as the delivery function signs them."""
    section = API_MD.read_text().split("\n### Receiving webhooks", 1)[1].split("\n### ", 1)[0]
    [snippet] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)

    tenant_id, users = tenant
    headers = auth(users["owner"])
    endpoint = create(client, headers, tenant_id)
    event_id = send_test_event(client, headers, tenant_id, endpoint["id"])
    row = db.execute(
        "select payload from private.webhook_events where id = %s", (event_id,)
    ).fetchone()
    assert row is not None
    message = Message(webhook_id(uuid.UUID(event_id)), bytes(row["payload"]))
    delivery = sign(message, [endpoint["secret"]], attempted_at=datetime.now(UTC))

    namespace: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SNSD_WEBHOOK_SECRET", endpoint["secret"])
        exec(compile(snippet, "docs/api.md", "exec"), namespace)  # noqa: S102 (our own docs)
        receive, seen = namespace["receive"], namespace["SEEN"]
        assert receive(dict(delivery.headers), delivery.body) == 204
        assert receive(dict(delivery.headers), delivery.body) == 204  # again: deduplicated
        assert list(seen) == [message.webhook_id]
        forged = dict(delivery.headers) | {"webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl"}
        assert receive(forged, delivery.body) == 400
        late = sign(
            message, [endpoint["secret"]], attempted_at=datetime.now(UTC) - timedelta(hours=1)
        )
        assert receive(dict(late.headers), late.body) == 400
