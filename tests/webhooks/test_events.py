"""Webhook events written by Postgres from the audit trail (migration 20260126000200).

Changes are made the real way (the queue's consumer with S3's notification
records, the file API's handler against SeaweedFS, the core's routes, the
ledger's functions) against Postgres with every migration, and the outbox
(`private.webhook_events`) and the deliveries are read back: one event of
each type per change, with the `data` docs/api.md documents, one delivery
per enabled endpoint that asked for the type, nothing for anyone else.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from core_service.app import create_app
from core_service.settings import Settings
from dev import memberships
from dev.alb import LambdaContext
from dev.auth import hook
from dev.claims import claims
from dev.ports import free_port
from file_lambda.database import Database
from file_lambda.events.consumer import Consumer
from file_lambda.storage.port import DeleteFailure
from tests.files.test_file_requests import open_request, send_file, uploader
from tests.files.test_multipart import (
    anonymous,
    companion_upload,
    complete,
    create,
    open_session,
    send,
)
from tests.support.bucket_events import record, scan_result, sqs_batch, sqs_messages
from tests.support.core import ORIGIN, User
from tests.support.files import BUCKET, ClientFactory, upload
from tests.support.tokens import JWT_SECRET, hs256
from webhooks.events import EVENT_TYPES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

Conn = psycopg.Connection[dict[str, Any]]
API_MD = Path(__file__).parents[2] / "docs" / "api.md"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
SEQ = iter(range(1, 1_000_000))


@dataclass
class Event:
    type: str
    body: dict[str, Any]
    endpoints: set[str] = field(default_factory=set)

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.body["data"]
        return data


@pytest.fixture
def db(db_url: str) -> Iterator[Conn]:
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture(scope="module")
def conn(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    yield database
    database.close()


def a_tenant(db_url: str) -> str:
    tenant = str(uuid.uuid4())
    memberships.register(db_url, claims(tenants={tenant: "owner"}))
    return tenant


def endpoint(db: Conn, tenant: str, *types: str, enabled: bool = True) -> str:
    """An endpoint of `tenant` asking for `types`; beside it, decoys that must never
    get a delivery of these types: a disabled twin, and an enabled endpoint that asked
    for other types only (`events` checks every delivery)."""
    found = _insert_endpoint(db, tenant, list(types), enabled)
    if enabled:
        _insert_endpoint(db, tenant, list(types), False)
        others = sorted(set(EVENT_TYPES) - set(types))
        if others:
            _insert_endpoint(db, tenant, others, True)
    return found


def _insert_endpoint(db: Conn, tenant: str, types: list[str], enabled: bool) -> str:
    row = db.execute(
        "insert into public.webhook_endpoints (tenant_id, url, event_types, enabled, disabled_at)"
        " values (%s, 'https://hooks.example.com/in', %s, %s,"
        " case when %s then null else now() end) returning id::text",
        (tenant, types, enabled, enabled),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def events(db: Conn, tenant: str, type_: str | None = None) -> list[Event]:
    """The tenant's events in the outbox, oldest first, each checked for its shape and
    for its deliveries: one to each enabled endpoint of the tenant that asked for its
    type, and none to anyone else."""
    rows = db.execute(
        "select e.type, e.payload, e.tenant_id::text as tenant,"
        " coalesce(array_agg(d.endpoint_id::text) filter (where d.id is not null), '{}') as ends,"
        " bool_and(d.id is null or (d.tenant_id = e.tenant_id and w.tenant_id = e.tenant_id"
        "   and d.status = 'pending' and d.queued_at is null)) as own,"
        " array(select x.id::text from public.webhook_endpoints x where x.tenant_id = e.tenant_id"
        "   and x.enabled and e.type = any (x.event_types)) as listening"
        " from private.webhook_events e"
        " left join public.webhook_deliveries d on d.event_id = e.id"
        " left join public.webhook_endpoints w on w.id = d.endpoint_id"
        " where e.tenant_id = %s and (%s::text is null or e.type = %s)"
        " group by e.id order by e.occurred_at, e.id",
        (tenant, type_, type_),
    ).fetchall()
    found = []
    for row in rows:
        body = json.loads(bytes(row["payload"]).decode("utf-8"))
        assert set(body) == {"type", "timestamp", "data"}
        assert body["type"] == row["type"] in EVENT_TYPES
        assert TIMESTAMP.fullmatch(body["timestamp"]), body["timestamp"]
        assert body["data"]["tenant_id"] == tenant == row["tenant"]
        assert "actor" in body["data"]
        assert row["own"], "a delivery outside the event's tenant"
        assert sorted(row["ends"]) == sorted(row["listening"]), "deliveries != listeners"
        found.append(Event(row["type"], body, set(row["ends"])))
    return found


def only(db: Conn, tenant: str, type_: str) -> Event:
    [event] = events(db, tenant, type_)
    return event


def seq() -> str:
    return f"{next(SEQ):016X}"


def created(path: str, version: str, size: int) -> dict[str, Any]:
    return record("ObjectCreated:Put", path, version, size=size, sequencer=seq())


def marker(path: str, version: str) -> dict[str, Any]:
    return record("ObjectRemoved:DeleteMarkerCreated", path, version, sequencer=seq())


def removed(path: str, version: str) -> dict[str, Any]:
    return record("ObjectRemoved:Delete", path, version, sequencer=seq())


def consume(conn: Database, tenant: str, *records: dict[str, Any]) -> None:
    """The queue's consumer handles S3's records of `tenant`'s keys."""
    keyed = []
    for item in records:
        item = json.loads(json.dumps(item))
        item["s3"]["object"]["key"] = f"tenants/{tenant}/{item['s3']['object']['key']}"
        keyed.append(item)
    result = Consumer(conn).consume(sqs_batch(keyed))
    assert result.failed == []


# -- who hears it ----------------------------------------------------------------------------


def test_an_event_goes_to_each_enabled_endpoint_that_asked_for_it_and_nobody_else(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant, other = a_tenant(db_url), a_tenant(db_url)
    both = endpoint(db, tenant, "file.created", "file.deleted")
    created_only = _insert_endpoint(db, tenant, ["file.created"], True)
    disabled = _insert_endpoint(db, tenant, ["file.created"], False)
    elsewhere = endpoint(db, other, "file.created")

    consume(conn, tenant, created("docs/a.txt", "v1", 5))

    event = only(db, tenant, "file.created")
    assert event.endpoints == {both, created_only}
    assert event.data == {
        "tenant_id": tenant,
        "actor": None,
        "path": "docs/a.txt",
        "version_id": "v1",
        "size": 5,
    }
    assert events(db, other) == []
    assert disabled not in event.endpoints
    assert elsewhere not in event.endpoints


def test_a_tenant_without_endpoints_gets_no_event_at_all(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    consume(conn, tenant, created("a.txt", "v1", 5), marker("a.txt", "m1"), removed("a.txt", "v1"))
    assert events(db, tenant) == []


def test_a_duplicate_notification_sends_no_second_event(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, *EVENT_TYPES)
    first = created("a.txt", "v1", 5)
    consume(conn, tenant, first)
    consume(conn, tenant, first)  # the same record again
    assert len(events(db, tenant, "file.created")) == 1


def test_a_rolled_back_change_leaves_no_event(db: Conn, db_url: str) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, *EVENT_TYPES)
    with db.transaction(force_rollback=True):
        db.execute(
            "select private.apply_file_change(%s, 'a.txt', 'v1', 'created', 5, %s, now())",
            (tenant, seq()),
        )
        assert len(events(db, tenant, "file.created")) == 1  # inside, it is there
    assert events(db, tenant) == []


# -- the bucket's events ---------------------------------------------------------------------


def test_files_created_deleted_and_purged_from_the_bucket(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, *EVENT_TYPES)
    consume(
        conn,
        tenant,
        created("docs/a.txt", "v1", 5),
        created("docs/", "f1", 0),  # an empty folder's marker is no file
        marker("docs/a.txt", "m1"),
        removed("docs/a.txt", "m1"),  # out of the trash: a marker removed is no purge
        created("docs/a.txt", "v2", 7),
        removed("docs/a.txt", "v1"),
    )
    assert sorted((e.type, e.data["version_id"]) for e in events(db, tenant)) == [
        ("file.created", "v1"),
        ("file.created", "v2"),
        ("file.deleted", "m1"),
        ("file.purged", "v1"),
    ]
    deleted = only(db, tenant, "file.deleted").data
    assert deleted == {
        "tenant_id": tenant,
        "actor": None,
        "path": "docs/a.txt",
        "version_id": "m1",
        "size": None,
    }
    assert only(db, tenant, "file.purged").data["size"] == 5


def test_a_removal_reported_before_its_creation_is_a_purge_without_size(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, "file.purged", "file.created")
    consume(conn, tenant, removed("a.txt", "v1"))
    consume(conn, tenant, created("a.txt", "v1", 5))
    assert only(db, tenant, "file.purged").data["size"] is None
    assert only(db, tenant, "file.created").data["size"] == 5


def test_an_infected_verdict(db: Conn, conn: Database, db_url: str) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, "scan.infected")
    key = f"tenants/{tenant}/in/eicar.com"
    clean = scan_result(key, "v1", "NO_THREATS_FOUND", time="2026-11-30T12:00:01Z")
    infected = scan_result(key, "v2", "THREATS_FOUND", threats=["EICAR-Test-File"])
    assert Consumer(conn).consume(sqs_messages([clean, infected, infected])).failed == []
    assert only(db, tenant, "scan.infected").data == {
        "tenant_id": tenant,
        "actor": None,
        "path": "in/eicar.com",
        "version_id": "v2",
        "threats": ["EICAR-Test-File"],
    }


class EmptiedBucket:
    """S3's side of removing excess versions: every deletion succeeds."""

    def delete_versions(self, versions: Any) -> list[DeleteFailure]:
        return []


def test_a_version_over_the_quota_removed_is_quota_exceeded(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, "quota.exceeded", "file.purged")
    db.execute("insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 10)", (tenant,))
    consume(conn, tenant, created("big.bin", "v1", 50))  # a form replayed: nothing reserved it
    Consumer(conn, bucket=EmptiedBucket()).remove_excess_versions()
    assert only(db, tenant, "quota.exceeded").data == {
        "tenant_id": tenant,
        "actor": None,
        "action": "over_quota_version_removed",
        "path": "big.bin",
        "version_id": "v1",
        "size": 50,
        "limit": "bytes",
        "quota": 10,
        "used": None,
        "reserved": None,
        "requested": None,
    }
    assert only(db, tenant, "file.purged").data["size"] == 50


# -- quota.warning --------------------------------------------------------------------------


def test_quota_warning_once_on_reaching_80_percent_and_again_only_after_falling_below(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, "quota.warning")
    db.execute(
        "insert into public.tenant_quotas (tenant_id, max_bytes, max_objects)"
        " values (%s, 100, 1000)",
        (tenant,),
    )
    consume(conn, tenant, created("a", "a1", 70))
    assert events(db, tenant, "quota.warning") == []
    consume(conn, tenant, created("b/b", "b1", 10))  # 80 of 100: reached
    consume(conn, tenant, created("c", "c1", 5), marker("c", "cm"))  # still above
    [warning] = events(db, tenant, "quota.warning")
    assert warning.data == {
        "tenant_id": tenant,
        "actor": None,
        "limit": "bytes",
        "quota": 100,
        "used": 80,
        "threshold_percent": 80,
    }
    consume(conn, tenant, removed("a", "a1"))  # 15: below
    consume(conn, tenant, created("d", "d1", 60))  # 75
    assert len(events(db, tenant, "quota.warning")) == 1
    consume(conn, tenant, created("e", "e1", 20))  # 95: reached again
    assert [e.data["used"] for e in events(db, tenant, "quota.warning")] == [80, 95]


def test_two_changes_that_only_together_reach_80_percent_warn_once(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, "quota.warning")
    db.execute(
        "insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 100)", (tenant,)
    )
    consume(conn, tenant, created("base", "b1", 60))
    # Writes the API reserved room for, as it does: covered, they take no lock of
    # the quota's backstop, so only the warning's own orders them.
    for path in ("one/a", "two/b"):
        db.execute(
            "insert into public.file_reservations (tenant_id, path, bytes, objects, expires_at)"
            " values (%s, %s, 15, 1, now() + interval '1 hour')",
            (tenant, path),
        )
    change = "select private.apply_file_change(%s, %s, 'v1', 'created', 15, %s, now())"
    with psycopg.connect(db_url) as first, psycopg.connect(db_url) as second:
        first.execute(change, (tenant, "one/a", seq()))  # 75, not committed
        done = threading.Event()

        def record_second() -> None:
            second.execute(change, (tenant, "two/b", seq()))  # 90 with the first
            second.commit()
            done.set()

        worker = threading.Thread(target=record_second)
        worker.start()
        # The second check waits for the first transaction, so as to read its totals.
        assert not done.wait(0.5)
        first.commit()
        worker.join(10)
        assert done.is_set()
    [warning] = events(db, tenant, "quota.warning")
    assert warning.data["used"] == 90


def test_quota_warning_when_a_quota_is_lowered_under_what_is_stored(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    endpoint(db, tenant, "quota.warning")
    consume(conn, tenant, *(created(f"f{n}", f"v{n}", 1) for n in range(4)))
    db.execute(
        "insert into public.tenant_quotas (tenant_id, max_objects) values (%s, 10)", (tenant,)
    )
    assert events(db, tenant, "quota.warning") == []
    db.execute("update public.tenant_quotas set max_objects = 5 where tenant_id = %s", (tenant,))
    assert only(db, tenant, "quota.warning").data["limit"] == "objects"


def test_no_quota_warning_is_tracked_while_nobody_listens(
    db: Conn, conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    db.execute("insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 10)", (tenant,))
    consume(conn, tenant, created("a", "a1", 9))
    assert db.execute(
        "select count(*) as n from private.webhook_quota_warnings where tenant_id = %s",
        (tenant,),
    ).fetchone() == {"n": 0}


# -- the file API's events -------------------------------------------------------------------


def notify(lambda_module: Any, s3: Any, tenant: str) -> None:
    """What S3 would notify of the tenant's versions, through the function's queue entry
    (what was notified before is a duplicate and changes nothing)."""
    listed = s3.list_object_versions(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")
    by_key: dict[str, list[tuple[bool, dict[str, Any]]]] = {}
    # Newest first per key, as S3 lists them: the oldest gets the lowest sequencer.
    entries = [(False, v) for v in listed.get("Versions", [])]
    entries += [(True, m) for m in listed.get("DeleteMarkers", [])]
    for is_marker, entry in entries:
        by_key.setdefault(entry["Key"], []).append((is_marker, entry))
    records = []
    for key, versions in by_key.items():
        versions.sort(key=lambda item: (item[1]["LastModified"], item[1]["IsLatest"]))
        for order, (is_marker, entry) in enumerate(versions, start=1):
            if is_marker:
                records.append(
                    record(
                        "ObjectRemoved:DeleteMarkerCreated",
                        key,
                        entry["VersionId"],
                        sequencer=f"{order:016X}",
                    )
                )
            else:
                records.append(
                    record(
                        "ObjectCreated:Put",
                        key,
                        entry["VersionId"],
                        size=entry["Size"],
                        sequencer=f"{order:016X}",
                    )
                )
    assert lambda_module.handler(sqs_batch(records), LambdaContext()) == {"batchItemFailures": []}


def test_a_folder_delete_is_a_file_deleted_per_file_and_one_folder_deleted(
    db: Conn, client_for: ClientFactory, user: str, tenant: str, lambda_module: Any, s3: Any
) -> None:
    admin = client_for("admin", sub=user)
    upload(admin, "docs/a.txt", b"a")
    upload(admin, "docs/deep/b.txt", b"bb")
    notify(lambda_module, s3, tenant)
    endpoint(db, tenant, *EVENT_TYPES)
    assert admin.delete("/files/folder/delete", params={"path": "docs"}).status == 200
    notify(lambda_module, s3, tenant)
    deleted = admin.post("/files/trash/restore-folder", json_body={"folder": "docs"})
    assert deleted.status == 200, deleted.body

    assert sorted(e.data["path"] for e in events(db, tenant, "file.deleted")) == [
        "docs/a.txt",
        "docs/deep/b.txt",
    ]
    assert only(db, tenant, "folder.deleted").data == {
        "tenant_id": tenant,
        "actor": user,
        "path": "docs",
        "deleted_count": 2,
    }
    assert only(db, tenant, "folder.restored").data == {
        "tenant_id": tenant,
        "actor": user,
        "path": "docs",
        "restored_count": 2,
    }
    assert events(db, tenant, "file.restored") == []  # one folder.restored says it
    assert events(db, tenant, "file.created") == []  # created before anyone listened


def test_a_file_restored_from_the_trash(
    db: Conn, client_for: ClientFactory, user: str, tenant: str, lambda_module: Any, s3: Any
) -> None:
    member = client_for("member", sub=user)
    info = upload(member, "a.txt", b"hello")
    assert member.delete("/files/delete/a.txt").status == 204
    notify(lambda_module, s3, tenant)
    endpoint(db, tenant, *EVENT_TYPES)
    assert member.post("/files/trash/restore", json_body={"path": "a.txt"}).status == 200
    notify(lambda_module, s3, tenant)  # S3 reports the marker's removal: no purge
    assert [e.type for e in events(db, tenant)] == ["file.restored"]
    assert only(db, tenant, "file.restored").data == {
        "tenant_id": tenant,
        "actor": user,
        "path": "a.txt",
        "version_id": info["version_id"],
        "size": 5,
    }


def test_a_move_is_a_file_created_and_a_file_deleted_and_a_restored_version_a_file_created(
    db: Conn, client_for: ClientFactory, user: str, tenant: str, lambda_module: Any, s3: Any
) -> None:
    member = client_for("member", sub=user)
    first = upload(member, "a.txt", b"one")
    upload(member, "a.txt", b"two!")
    notify(lambda_module, s3, tenant)
    endpoint(db, tenant, *EVENT_TYPES)

    body = {"path": "a.txt", "version_id": first["version_id"]}
    restored = member.post("/files/versions/restore", json_body=body)
    assert restored.status == 201, restored.body
    moved = member.post("/files/move", json_body={"source": "a.txt", "destination": "b.txt"})
    assert moved.status == 200, moved.body
    notify(lambda_module, s3, tenant)

    assert sorted((e.type, e.data["path"], e.data["size"]) for e in events(db, tenant)) == [
        ("file.created", "a.txt", 3),  # the version restored: a new version
        ("file.created", "b.txt", 3),  # the move's copy
        ("file.deleted", "a.txt", None),  # the move's source, in the trash
    ]


def test_a_multipart_upload_completed(
    db: Conn, client_for: ClientFactory, user: str, tenant: str
) -> None:
    member = client_for("member", sub=user)
    endpoint(db, tenant, "upload.completed")
    started = create(member, "big/part.bin", 11)
    assert started.status == 201, started.body
    upload_id = started.json()["upload_id"]
    done = complete(member, upload_id, send(member, upload_id, {1: b"hello world"}))
    assert done.status == 201, done.body
    assert only(db, tenant, "upload.completed").data == {
        "tenant_id": tenant,
        "actor": user,
        "path": "big/part.bin",
        "version_id": done.json()["version_id"],
        "size": 11,
    }


def test_an_upload_sessions_upload_completed(
    db: Conn, client_for: ClientFactory, user: str, tenant: str
) -> None:
    member = client_for("member", sub=user)
    session = open_session(member, folder="inbox")
    endpoint(db, tenant, "upload.completed")
    done = companion_upload(anonymous(member), session, "notes.txt", b"some notes")
    assert done.status == 200, done.body
    assert only(db, tenant, "upload.completed").data == {
        "tenant_id": tenant,
        "actor": user,
        "path": "inbox/notes.txt",
        "version_id": None,  # Companion's answer carries neither
        "size": None,
    }


def test_an_upload_refused_for_the_quota(
    db: Conn, client_for: ClientFactory, user: str, tenant: str
) -> None:
    member = client_for("member", sub=user)
    endpoint(db, tenant, "quota.exceeded", "file.created")
    db.execute("insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 4)", (tenant,))
    refused = member.post(
        "/files/upload",
        params={"folder": "docs"},
        files={"file": ("a.txt", b"hello", "text/plain")},
    )
    assert refused.status == 413, refused.body
    assert only(db, tenant, "quota.exceeded").data == {
        "tenant_id": tenant,
        "actor": user,
        "action": "upload_file",
        "path": "docs",  # what the refused request named: the upload's folder
        "version_id": None,
        "size": None,
        "limit": "bytes",
        "quota": 4,
        "used": 0,
        "reserved": 0,
        "requested": 5,
    }
    assert events(db, tenant, "file.created") == []


def test_a_file_request_submission(
    db: Conn, client_for: ClientFactory, user: str, tenant: str
) -> None:
    member = client_for("member", sub=user)
    request_id, link = open_request(member, folder="inbox", ask_name="optional")
    endpoint(db, tenant, *EVENT_TYPES)
    sent = send_file(uploader(member), link, "scan.pdf", b"%PDF-1.4", metadata={"name": "Ann"})
    assert sent.status == 200, sent.body
    [submission] = db.execute(
        "select id::text from public.file_request_submissions where request_id = %s",
        (request_id,),
    ).fetchall()
    assert [e.type for e in events(db, tenant)] == ["request.submitted"]  # no upload.completed
    assert only(db, tenant, "request.submitted").data == {
        "tenant_id": tenant,
        "actor": None,
        "path": "inbox/scan.pdf",
        "file_request_id": request_id,
        "submission_id": submission["id"],
        "uploader_name": "Ann",
    }


# -- the core's events -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def core_settings(db_url: str) -> Settings:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing is asked of Supabase here
    return Settings(
        database_url=db_url,
        supabase_url=closed,
        jwt_secret=JWT_SECRET,
        bucket=BUCKET,
        s3_endpoint_url=closed,
        cors_allowed_origins=(ORIGIN,),
        environment="local",
        db_pool_timeout=2.0,
        ready_timeout=1.0,
    )


@pytest.fixture(scope="module")
def core(core_settings: Settings) -> Iterator[TestClient]:
    """The core service under its real lifespan, on the same Postgres."""
    with TestClient(create_app(core_settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def auth_of(db: Conn, core_settings: Settings) -> Callable[[User], dict[str, str]]:
    """The bearer header of `user`, its tenants written by the real access token hook."""
    issuer = f"{core_settings.supabase_url}/auth/v1"

    def headers(user: User) -> dict[str, str]:
        body = claims(sub=user.id, issuer=issuer, email=user.email)
        body["app_metadata"] = {"provider": "email", "providers": ["email"]}
        return {"Authorization": f"Bearer {hs256(hook(db, body))}"}

    return headers


def a_user(db: Conn) -> User:
    user = User(str(uuid.uuid4()), f"user-{uuid.uuid4().hex[:8]}@example.com")
    db.execute(
        "insert into auth.users (id, aud, role, email, email_confirmed_at,"
        " raw_app_meta_data, raw_user_meta_data, created_at, updated_at)"
        " values (%s, 'authenticated', 'authenticated', %s, now(), %s, '{}', now(), now())",
        (user.id, user.email, json.dumps({"provider": "email", "providers": ["email"]})),
    )
    return user


def test_member_invited_joined_role_changed_and_removed(
    db: Conn, core: TestClient, auth_of: Callable[[User], dict[str, str]]
) -> None:
    owner, invitee = a_user(db), a_user(db)
    tenant = core.post("/tenants", json={"name": "Hooked"}, headers=auth_of(owner)).json()["id"]
    listener = endpoint(db, tenant, *EVENT_TYPES)
    invited = core.post(
        f"/tenants/{tenant}/invitations",
        json={"email": invitee.email, "role": "viewer"},
        headers=auth_of(owner),
    ).json()
    accepted = core.post(f"/invitations/{invited['id']}/accept", headers=auth_of(invitee))
    assert accepted.status_code == 200, accepted.text
    member = f"/tenants/{tenant}/members/{invitee.id}"
    assert core.patch(member, json={"role": "member"}, headers=auth_of(owner)).status_code == 200
    assert core.delete(member, headers=auth_of(owner)).status_code == 204

    assert [e.type for e in events(db, tenant)] == [
        "member.invited",
        "member.joined",
        "member.role_changed",
        "member.removed",
    ]
    assert only(db, tenant, "member.invited").data == {
        "tenant_id": tenant,
        "actor": owner.id,
        "invitation_id": invited["id"],
        "email": invitee.email,
        "role": "viewer",
    }
    assert only(db, tenant, "member.joined").data == {
        "tenant_id": tenant,
        "actor": invitee.id,
        "user_id": invitee.id,
        "role": "viewer",
    }
    assert only(db, tenant, "member.role_changed").data == {
        "tenant_id": tenant,
        "actor": owner.id,
        "user_id": invitee.id,
        "role": "member",
        "previous_role": "viewer",
    }
    assert only(db, tenant, "member.removed").data == {
        "tenant_id": tenant,
        "actor": owner.id,
        "user_id": invitee.id,
        "role": "member",
    }
    assert all(e.endpoints == {listener} for e in events(db, tenant))


def test_a_refused_core_change_sends_nothing(
    db: Conn, core: TestClient, auth_of: Callable[[User], dict[str, str]]
) -> None:
    owner, stranger = a_user(db), a_user(db)
    tenant = core.post("/tenants", json={"name": "Hooked"}, headers=auth_of(owner)).json()["id"]
    endpoint(db, tenant, *EVENT_TYPES)
    refused = core.delete(f"/tenants/{tenant}/members/{owner.id}", headers=auth_of(owner))
    assert refused.status_code == 409, refused.text  # the last owner stays
    invite = core.post(
        f"/tenants/{tenant}/invitations", json={"email": "x@example.com"}, headers=auth_of(stranger)
    )
    assert invite.status_code in (403, 404), invite.text
    assert events(db, tenant) == []


# -- the catalogue and its documentation -------------------------------------------------------


def documented_types() -> list[str]:
    """The types docs/api.md's "Webhook events" section describes, one heading each
    (at whatever level the section sits)."""
    text = API_MD.read_text(encoding="utf-8")
    start = re.search(r"^(#+) Webhook events$", text, flags=re.MULTILINE)
    assert start is not None, "docs/api.md has no Webhook events section"
    level = len(start.group(1))
    rest = text[start.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.MULTILINE)
    section = rest[: end.start()] if end else rest
    return re.findall(rf"^#{{{level + 1}}} `([a-z_.]+)`$", section, flags=re.MULTILINE)


def test_every_type_in_the_catalogue_is_documented_and_nothing_else() -> None:
    documented = documented_types()
    assert len(documented) == len(set(documented)), "a type documented twice"
    assert sorted(documented) == sorted(EVENT_TYPES)
