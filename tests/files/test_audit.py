"""The file API's rows of the audit trail, and the bucket's, through the real handler.

Writes go through the ALB handler to SeaweedFS and Postgres; the rows are
read back from `public.audit_events`. The bucket's rows come from the
notifications S3 would send, delivered to the same handler, duplicated.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from dev.alb import AlbClient, LambdaContext
from file_lambda.audit import Attempt, describe, parsed_as_json, row_params
from file_lambda.database import Database
from file_lambda.events import reconcile
from file_lambda.events.consumer import Consumer
from tenancy.principal import Principal, Role
from tests.support.bucket_events import record, sqs_batch
from tests.support.files import ClientFactory, upload
from tests.support.problems import assert_problem

Conn = psycopg.Connection[dict[str, Any]]
TRACE = "Root=1-674b1c2d-abcdefabcdefabcdefabcdef"


@pytest.fixture
def db(db_url: str) -> Iterator[Conn]:
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def rows(db: Conn, tenant: str) -> Callable[..., list[dict[str, Any]]]:
    """The test tenant's rows of one source, oldest first."""

    def read(source: str = "api") -> list[dict[str, Any]]:
        return db.execute(
            "select actor::text as actor, action, path, version_id, size, outcome, status, code,"
            " request_id, detail from public.audit_events"
            " where tenant_id = %s and source = %s order by id",
            (tenant, source),
        ).fetchall()

    return read


class CountingLedger:
    """The container's connection, counting the statements it runs."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.statements: list[str] = []

    def execute(self, query: str, params: Any = ()) -> list[tuple[Any, ...]]:
        self.statements.append(query)
        return self.inner.execute(query, params)


@pytest.fixture
def counted(lambda_module: ModuleType) -> Iterator[CountingLedger]:
    state = lambda_module.app.state
    # Not monkeypatch: its undo deletes what it replaced on Starlette's State.
    original = state.ledger
    state.ledger = CountingLedger(original)
    try:
        yield state.ledger
    finally:
        state.ledger = original


def test_writes_are_recorded_with_actor_paths_outcome_and_request_id(
    client_for: ClientFactory, user: str, rows: Callable[..., list[dict[str, Any]]]
) -> None:
    member = client_for("member", sub=user)
    traced = {"x-amzn-trace-id": TRACE}
    info = upload(member, "docs/a.txt", b"hello")
    copy = {"source": "docs/a.txt", "destination": "docs/b.txt"}
    assert member.post("/files/copy", json_body=copy, headers=traced).status == 201
    move = {"source": "docs/b.txt", "destination": "media/c.txt"}
    assert member.post("/files/move", json_body=move).status == 200
    assert member.post("/files/folder/create", json_body={"path": "empty"}).status == 201
    assert member.delete("/files/delete/docs/a.txt").status == 204
    batch = {"paths": ["media/c.txt", "missing.txt"]}
    assert member.post("/files/delete-multiple", json_body=batch).status == 200

    recorded = rows()
    assert [(r["action"], r["path"], r["outcome"], r["status"]) for r in recorded] == [
        ("upload_file", "docs/a.txt", "succeeded", 201),
        ("copy_file", "docs/b.txt", "succeeded", 201),
        ("move_file", "media/c.txt", "succeeded", 200),
        ("create_folder", "empty", "succeeded", 201),
        ("delete_file", "docs/a.txt", "succeeded", 204),
        ("delete_files", None, "succeeded", 200),
    ]
    assert {r["actor"] for r in recorded} == {user}
    assert recorded[0]["version_id"] == info["version_id"]
    assert recorded[0]["size"] == 5
    assert recorded[1]["detail"] == {"source": "docs/a.txt"}
    assert recorded[1]["request_id"] == TRACE
    assert recorded[2]["detail"] == {"source": "docs/b.txt"}
    assert recorded[5]["detail"] == {"paths": batch["paths"], "paths_count": 2}
    assert all(r["code"] is None for r in recorded)


def test_reads_are_not_recorded_and_cost_no_database_round_trip(
    client_for: ClientFactory,
    rows: Callable[..., list[dict[str, Any]]],
    counted: CountingLedger,
) -> None:
    member = client_for("member")
    upload(member, "docs/a.txt", b"hello")
    assert [r["action"] for r in rows()] == ["upload_file"]
    written = len(counted.statements)
    for path in (
        "/files/list",
        "/files/download/docs/a.txt",
        "/files/metadata/docs/a.txt",
        "/files/versions/docs/a.txt",
        "/files/trash",
        "/files/presigned-url/docs/a.txt",
    ):
        assert member.get(path).status == 200, path
    assert len(counted.statements) == written
    assert [r["action"] for r in rows()] == ["upload_file"]


def test_refused_attempts_are_recorded(
    client_for: ClientFactory,
    tenant: str,
    user: str,
    db: Conn,
    rows: Callable[..., list[dict[str, Any]]],
) -> None:
    viewer = client_for("viewer", sub=user)
    refused = viewer.post(
        "/files/upload", params={"folder": "docs"}, files={"file": ("a.txt", b"x", "text/plain")}
    )
    assert_problem(refused, 403, "insufficient_role")

    # A member of another tenant naming this one.
    stranger_id = str(uuid.uuid4())
    stranger = client_for(tenants={str(uuid.uuid4()): "owner"}, select=tenant, sub=stranger_id)
    assert_problem(stranger.delete("/files/delete/docs/a.txt"), 403, "tenant_forbidden")
    # ... and one that does not exist: nowhere to record it.
    nowhere = client_for(tenants={}, select=str(uuid.uuid4()), sub=stranger_id)
    assert_problem(nowhere.delete("/files/delete/docs/a.txt"), 403, "tenant_forbidden")
    # No verified caller: no tenant to attribute it to.
    anonymous = AlbClient(viewer.handler, tenant=tenant)
    assert_problem(anonymous.delete("/files/delete/docs/a.txt"), 401, "unauthorized")
    # A body that breaks the schema (another user: the container keeps the viewer's role).
    member_id = str(uuid.uuid4())
    member = client_for("member", sub=member_id)
    invalid = member.post("/files/copy", json_body={"source": "docs/a.txt"})
    assert_problem(invalid, 400, "validation_error")

    assert [
        (r["actor"], r["action"], r["path"], r["outcome"], r["status"], r["code"]) for r in rows()
    ] == [
        (user, "upload_file", "docs", "refused", 403, "insufficient_role"),
        (stranger_id, "delete_file", "docs/a.txt", "refused", 403, "tenant_forbidden"),
        (member_id, "copy_file", None, "refused", 400, "validation_error"),
    ]
    assert rows()[1]["detail"] == {}
    by_stranger = db.execute(
        "select count(*) as n from public.audit_events where actor = %s", (stranger_id,)
    ).fetchone()
    assert by_stranger == {"n": 1}


def test_a_failed_insert_leaves_the_answer_alone(
    client_for: ClientFactory, lambda_module: ModuleType, rows: Callable[..., list[dict[str, Any]]]
) -> None:
    member = client_for("member")
    upload(member, "docs/a.txt", b"kept")  # memberships now kept by the container
    state = lambda_module.app.state
    original, state.ledger = state.ledger, Database(lambda: None)
    try:
        info = upload(member, "docs/b.txt", b"written")
    finally:
        state.ledger = original
    assert info["path"] == "docs/b.txt"
    assert [r["path"] for r in rows()] == ["docs/a.txt"]
    assert member.get("/files/download/docs/b.txt").body == b"written"


def test_the_quota_refusal_is_recorded_with_its_numbers() -> None:
    """The row of a 413 quota_exceeded (quotas.py's problem): refused, code and numbers kept."""
    tenant = str(uuid.uuid4())
    caller = Principal(str(uuid.uuid4()), None, {tenant: Role.member})
    attempt = Attempt(
        started=datetime.now(UTC),
        caller=caller,
        requested=tenant,
        status=413,
        answer_is_json=True,
        answer=[
            b'{"status": 413, "code": "quota_exceeded", "limit": "bytes", "quota": 100,'
            b' "used": 90, "reserved": 5, "requested": 20, "request_id": "r"}'
        ],
    )

    class Route:
        name = "upload_file"

    scope = {
        "type": "http",
        "route": Route(),
        "path_params": {},
        "query_string": b"folder=docs",
        "headers": [],
        "state": {"request_id": "req-1"},
    }
    params = row_params(scope, attempt)
    assert params is not None
    (tenant_id, _, actor, action, path, _, _, outcome, status, code, request_id, detail) = params
    assert (actor, action, path, outcome, status, code) == (
        caller.user_id,
        "upload_file",
        "docs",
        "refused",
        413,
        "quota_exceeded",
    )
    assert (request_id, tenant_id) == ("req-1", tenant)
    assert json.loads(detail) == {
        "limit": "bytes",
        "quota": 100,
        "used": 90,
        "reserved": 5,
        "requested": 20,
    }


def test_paths_come_from_the_answer_first_then_the_request() -> None:
    assert describe({"path": "raw/ä.txt"}, {}, {}, {"path": "raw/ä.txt"}).path == "raw/ä.txt"
    assert describe({"path": "from/param"}, {}, {}, {}).path == "from/param"
    assert describe({}, {"file_path": "q.txt"}, {}, {}).path == "q.txt"
    # An upload session's file: Companion calls its path `key`.
    assert describe({}, {}, {"filename": "f.txt"}, {"key": "up/f.txt"}).path == "up/f.txt"
    assert describe({}, {}, {"destination": "d", "source": "s"}, {}).detail == {"source": "s"}
    many = describe({}, {}, {"paths": [f"f{n}" for n in range(1000)]}, {})
    assert len(many.detail["paths"]) == 25
    assert many.detail["paths_count"] == 1000
    nul = describe({"path": "a\x00b"}, {}, {}, {})
    assert nul.path == "ab"


@pytest.mark.parametrize(
    "media_type",
    [
        "application/merge-patch+json",
        "application/x-anything+json",
        "application/json; charset=utf-8",
        "Application/JSON",
    ],
)
def test_every_json_media_type_the_route_reads_keeps_its_paths(
    client_for: ClientFactory, rows: Callable[..., list[dict[str, Any]]], media_type: str
) -> None:
    member = client_for("member")
    typed = {"content-type": media_type}
    upload(member, "docs/a.txt", b"a")
    move = {"source": "docs/a.txt", "destination": "docs/b.txt"}
    assert member.post("/files/move", json_body=move, headers=typed).status == 200
    batch = {"paths": ["docs/b.txt", "missing.txt"]}
    assert member.post("/files/delete-multiple", json_body=batch, headers=typed).status == 200
    # A body FastAPI does not read as JSON is refused, and names nothing.
    plain = {"content-type": "text/plain"}
    refused = member.post("/files/move", json_body=move, headers=plain)
    assert_problem(refused, 400, "validation_error")

    [_, moved, deleted, unread] = rows()
    assert (moved["path"], moved["detail"]) == ("docs/b.txt", {"source": "docs/a.txt"})
    assert deleted["detail"] == {"paths": batch["paths"], "paths_count": 2}
    assert (unread["action"], unread["path"], unread["outcome"]) == ("move_file", None, "refused")


@pytest.mark.parametrize(
    ("paths", "count"),
    [
        (["\U0001f600" * 1000] * 5, 5),
        (["a" * 1000] * 17, 17),
        # Six bytes each in JSON: the row still fits.
        (["\x01" * 1000] * 5, 5),
    ],
)
def test_a_batch_of_long_paths_keeps_its_row_with_what_was_cut_named(
    client_for: ClientFactory,
    rows: Callable[..., list[dict[str, Any]]],
    paths: list[str],
    count: int,
) -> None:
    member = client_for("member")
    upload(member, "real.txt", b"r")
    named = [f"{path[:-1]}{n}" for n, path in enumerate(paths)] + ["real.txt"]
    answer = member.post("/files/delete-multiple", json_body={"paths": named})
    assert answer.status == 200
    assert answer.json()["deleted"] == ["real.txt"]
    assert member.get("/files/metadata/real.txt").status == 404

    [_, row] = rows()
    assert (row["action"], row["outcome"]) == ("delete_files", "succeeded")
    assert row["detail"]["paths_count"] == count + 1
    assert row["detail"]["truncated"] == ["paths"]
    kept = row["detail"]["paths"]
    assert 0 < len(kept) < count + 1
    assert kept == named[: len(kept)]
    assert len(json.dumps(kept, ensure_ascii=False).encode()) <= 8192 + 2 * len(kept)


@pytest.mark.parametrize(
    ("content_type", "read"),
    [
        ("application/json", True),
        ("APPLICATION/JSON; charset=utf-8", True),
        ("application/merge-patch+json", True),
        ("application/vnd.api+json; v=1", True),
        ("application/notjson", False),
        ("application/jsonx", False),
        ("text/json", False),
        ("image/x+json", False),
        ("multipart/form-data; boundary=x", False),
        ("", False),
    ],
)
def test_bodies_are_read_as_json_exactly_when_fastapi_reads_them(
    content_type: str, read: bool
) -> None:
    assert parsed_as_json(content_type) is read


def test_a_batch_keeps_a_prefix_of_its_paths_within_8_kib_as_postgres_measures_it() -> None:
    # jsonb's text puts ", " between items: 8 paths of 1,021 characters are 8,200 bytes.
    kept = describe({}, {}, {"paths": ["p" * 1021] * 8}, {}).detail["paths"]
    assert len(json.dumps(kept, ensure_ascii=False, separators=(", ", ": ")).encode()) <= 8192
    assert len(kept) == 7
    # The first that does not fit ends the batch: what is kept is a prefix.
    mixed = describe({}, {}, {"paths": ["a" * 1000] * 8 + ["b" * 200, "c"]}, {})
    assert mixed.detail["paths"] == ["a" * 1000] * 8
    assert mixed.detail["truncated"] == ["paths"]


def test_texts_at_the_bound_are_kept_whole() -> None:
    whole = describe({}, {}, {"path": "p" * 1024, "paths": ["q" * 1024]}, {})
    assert whole.path == "p" * 1024
    assert "truncated" not in whole.detail
    refused = describe({}, {}, {"path": "p" * 256}, {}, refused=True)
    assert (refused.path, refused.detail) == ("p" * 256, {})


def test_a_refused_batch_keeps_5_paths(
    client_for: ClientFactory, rows: Callable[..., list[dict[str, Any]]]
) -> None:
    viewer = client_for("viewer")
    batch = {"paths": [f"f{n}.txt" for n in range(30)]}
    assert_problem(viewer.post("/files/delete-multiple", json_body=batch), 403, "insufficient_role")
    [row] = rows()
    assert row["detail"] == {
        "paths": batch["paths"][:5],
        "paths_count": 30,
        "truncated": ["paths"],
    }


def test_every_text_is_cut_to_the_table_s_bounds_and_named() -> None:
    long = "p" * 3000
    described = describe({}, {}, {"source": long, "destination": long, "version_id": long}, {})
    assert (len(described.path or ""), len(described.version_id or "")) == (1024, 1024)
    assert described.detail["source"] == "p" * 1024
    assert described.detail["truncated"] == ["path", "source", "version_id"]
    # A lone surrogate (JSON's "\\ud800") cannot be stored as UTF-8: replaced.
    assert describe({}, {}, {"path": "a\ud800b"}, {}).path == "a?b"


def test_a_stranger_writes_little_and_not_for_long(
    client_for: ClientFactory, tenant: str, db: Conn, rows: Callable[..., list[dict[str, Any]]]
) -> None:
    """A non-member naming the tenant: short texts, and at most 20 rows an hour."""
    upload(client_for("member"), "docs/a.txt", b"a")
    stranger_id = str(uuid.uuid4())
    stranger = client_for(tenants={str(uuid.uuid4()): "owner"}, select=tenant, sub=stranger_id)
    payload = "<img src=x onerror=alert(1)>" * 100
    attempt = {"source": payload, "destination": payload}
    for _ in range(25):
        assert_problem(stranger.post("/files/copy", json_body=attempt), 403, "tenant_forbidden")
    # Another member's refusals are counted apart.
    viewer = client_for("viewer")
    assert_problem(
        viewer.post("/files/copy", json_body={"source": "docs/a.txt", "destination": "b"}),
        403,
        "insufficient_role",
    )

    recorded = [row for row in rows() if row["actor"] == stranger_id]
    assert len(recorded) == 20
    assert all(len(row["path"]) == 256 for row in recorded)
    assert all(len(row["detail"]["source"]) == 256 for row in recorded)
    assert recorded[0]["detail"]["truncated"] == ["path", "source"]
    assert [row["detail"].get("refusals_capped") for row in recorded] == [None] * 19 + [20]
    assert rows()[-1]["code"] == "insufficient_role"
    # An hour later, the stranger's refusals are recorded again.
    db.execute("set session_replication_role = replica")  # past the append-only trigger
    db.execute(
        "update public.audit_events set occurred_at = occurred_at - interval '61 minutes'"
        " where actor = %s",
        (stranger_id,),
    )
    db.execute("set session_replication_role = origin")
    assert_problem(stranger.post("/files/copy", json_body=attempt), 403, "tenant_forbidden")
    assert len([row for row in rows() if row["actor"] == stranger_id]) == 21


def test_the_cap_never_drops_a_write_that_happened(
    client_for: ClientFactory, user: str, rows: Callable[..., list[dict[str, Any]]]
) -> None:
    member = client_for("member", sub=user)
    missing = {"source": "missing.txt", "destination": "b.txt"}
    for _ in range(21):
        assert_problem(member.post("/files/copy", json_body=missing), 404, "file_not_found")
    upload(member, "docs/a.txt", b"a")
    recorded = rows()
    assert [row["outcome"] for row in recorded] == ["refused"] * 20 + ["succeeded"]
    assert (recorded[-1]["path"], recorded[-1]["detail"]) == ("docs/a.txt", {})


# -- the bucket's changes ------------------------------------------------------------------


def test_each_bucket_change_is_one_row_whatever_the_duplicates(
    lambda_module: ModuleType, tenant: str, client_for: ClientFactory, rows: Any
) -> None:
    client_for("owner")  # the tenant exists
    root = f"tenants/{tenant}/"
    changes = [
        record("ObjectCreated:Put", root + "docs/a.txt", "v1", size=10, sequencer="0A"),
        record("ObjectCreated:Post", root + "docs/b.txt", "v1", size=3, sequencer="0B"),
        record("ObjectRemoved:DeleteMarkerCreated", root + "docs/a.txt", "dm", sequencer="0C"),
        record("ObjectRemoved:Delete", root + "docs/a.txt", "dm"),
        # A removal that arrives before the creation it removes.
        record("LifecycleExpiration:Delete", root + "old.txt", "v0"),
        record("ObjectCreated:Put", root + "old.txt", "v0", size=7, sequencer="01"),
    ]
    batch = sqs_batch(changes + changes[::-1] + changes[:2])
    assert lambda_module.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    recorded = [
        (r["action"], r["path"], r["version_id"], r["size"], r["actor"], r["outcome"])
        for r in rows("bucket")
    ]
    assert recorded == [
        ("object_created", "docs/a.txt", "v1", 10, None, "succeeded"),
        ("object_created", "docs/b.txt", "v1", 3, None, "succeeded"),
        ("delete_marker_created", "docs/a.txt", "dm", None, None, "succeeded"),
        ("version_removed", "docs/a.txt", "dm", None, None, "succeeded"),
        ("version_removed", "old.txt", "v0", None, None, "succeeded"),
        ("object_created", "old.txt", "v0", 7, None, "succeeded"),
    ]
    # Delivered again, in any order: nothing new.
    assert lambda_module.handler(sqs_batch(changes), LambdaContext()) == {"batchItemFailures": []}
    assert len(rows("bucket")) == len(recorded)


def test_bucket_rows_carry_the_time_s3_gives_the_change(
    lambda_module: ModuleType, tenant: str, client_for: ClientFactory, db: Conn
) -> None:
    """Not when the consumer got to it: a backlog or a redrive may come days later."""
    client_for("owner")
    root = f"tenants/{tenant}/"
    dated = record("ObjectCreated:Put", root + "dated.txt", "v1", size=1, sequencer="0A")
    dated["eventTime"] = "2026-11-02T03:04:05.678Z"
    # Not a time: the change still counts, dated when it is recorded.
    undated = record("ObjectCreated:Put", root + "undated.txt", "v1", size=1, sequencer="0B")
    undated["eventTime"] = "yesterday"
    batch = sqs_batch([dated, undated])
    assert lambda_module.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    found = db.execute(
        "select path, occurred_at from public.audit_events"
        " where tenant_id = %s and source = 'bucket'",
        (tenant,),
    ).fetchall()
    times = {row["path"]: row["occurred_at"] for row in found}
    assert times["dated.txt"] == datetime(2026, 11, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert abs(times["undated.txt"] - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_reconcile_is_a_recount_not_a_change(
    lambda_module: ModuleType, tenant: str, client_for: ClientFactory, rows: Any
) -> None:
    upload(client_for("member"), "docs/a.txt", b"a")
    before = rows("bucket")
    assert reconcile.main([tenant]) == 0
    assert rows("bucket") == before


def test_changes_of_unknown_tenants_are_recorded_in_the_ledger_only(
    lambda_module: ModuleType, db: Conn
) -> None:
    ghost = str(uuid.uuid4())
    change = record("ObjectCreated:Put", f"tenants/{ghost}/x.txt", "v1", size=1, sequencer="01")
    assert lambda_module.handler(sqs_batch([change]), LambdaContext()) == {"batchItemFailures": []}
    found = db.execute(
        "select count(*) as n from public.audit_events where tenant_id = %s", (ghost,)
    ).fetchone()
    assert found == {"n": 0}


def test_a_quota_refusal_is_recorded_through_the_handler(
    client_for: ClientFactory, tenant: str, user: str, db: Conn, rows: Any
) -> None:
    member = client_for("member", sub=user)
    db.execute("insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 10)", (tenant,))
    refused = member.post(
        "/files/upload",
        params={"folder": "docs"},
        files={"file": ("big.txt", b"x" * 20, "text/plain")},
    )
    assert_problem(refused, 413, "quota_exceeded")
    [row] = rows()
    assert (row["actor"], row["action"], row["outcome"], row["status"], row["code"]) == (
        user,
        "upload_file",
        "refused",
        413,
        "quota_exceeded",
    )
    assert row["detail"]["limit"] == "bytes"
    assert row["detail"]["quota"] == 10
    assert row["detail"]["requested"] >= 20


def test_the_consumer_prunes_at_most_once_an_hour(
    db_url: str, db: Conn, tenant: str, client_for: ClientFactory
) -> None:
    client_for("owner")  # the tenant exists
    [old] = db.execute(
        "insert into public.audit_events (tenant_id, occurred_at, source, action, outcome)"
        " values (%s, now() - interval '401 days', 'api', 'upload_file', 'succeeded')"
        " returning id",
        (tenant,),
    ).fetchall()
    now = [0.0]
    ledger = CountingLedger(Database(lambda: db_url))
    consumer = Consumer(ledger, clock=lambda: now[0])
    empty = sqs_batch([])

    consumer.consume(empty)
    gone = db.execute("select 1 from public.audit_events where id = %s", (old["id"],)).fetchone()
    assert gone is None
    prunes = [q for q in ledger.statements if "prune_audit_events" in q]
    now[0] += 3599
    consumer.consume(empty)
    assert [q for q in ledger.statements if "prune_audit_events" in q] == prunes
    now[0] += 2
    consumer.consume(empty)
    assert len([q for q in ledger.statements if "prune_audit_events" in q]) == 2
