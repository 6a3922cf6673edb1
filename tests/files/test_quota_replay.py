"""A presigned form posted again, and a write freeing another's reservation (issue 25, items
1 and 2; migration 20260105000100_form_replay.sql, file_lambda/events/consumer.py).

S3 cannot make a POST policy single-use, so the ledger judges each created version as it
is recorded: one its reservation covers is counted; one none covers is kept if it fits in
what is left of the quota, and otherwise removed from the bucket by the queue's consumer,
with an audit row. Through the real handler, SeaweedFS and Postgres; the notifications
are the ones S3 would send for what the bucket holds (tests/support/bucket_events.py).
"""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dev.alb import AlbClient, LambdaContext
from file_lambda.events import ledger
from file_lambda.events.consumer import Consumer
from file_lambda.storage.port import DeleteFailure, VersionEntry
from tests.files.test_quotas import (
    SetQuota,
    deliver,
    open_session,
    post_form,
    presign,
    reservations,
    set_quota,
    sql,
    stored,
)
from tests.support.bucket_events import record, sqs_batch
from tests.support.files import upload

__all__ = ["set_quota", "sql"]  # fixtures, used by name


def settle(lambda_module: ModuleType, tenant: str) -> None:
    """`deliver`, when the bucket holds anything of the tenant (an empty batch is not one)."""
    if lambda_module.storage.list_versions(f"tenants/{tenant}/", None, 1).entries:
        deliver(lambda_module, tenant)


def bucket_rows(sql: Any, tenant: str) -> Counter[str]:
    """The audit trail's bucket rows of the tenant, by action."""
    rows = sql.execute(
        "select action from public.audit_events where tenant_id = %s and source = 'bucket'",
        (tenant,),
    ).fetchall()
    return Counter(action for (action,) in rows)


def test_a_form_posted_ten_times_keeps_one_upload_and_removes_nine_with_audit_rows(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=10_000)
    grant = presign(client, "replayed.bin", max_size=9000)
    assert grant.status == 200, grant.body
    for _ in range(10):  # S3 takes each: a POST policy cannot be single-use
        assert post_form(grant.json(), b"r" * 9000).status_code in (200, 201, 204)
    assert stored(lambda_module, tenant).version_bytes == 90_000

    deliver(lambda_module, tenant)
    # One post was the form's reservation; nine were not and did not fit: gone.
    assert stored(lambda_module, tenant).version_bytes == 9000
    assert stored(lambda_module, tenant).version_objects == 1
    usage = client.get("/files/usage").json()
    assert usage["all_versions"] == {"size": 9000, "objects": 1}
    assert reservations(sql, tenant) == []
    assert bucket_rows(sql, tenant) == {
        "object_created": 10,
        "version_removed": 9,
        "over_quota_version_removed": 9,
    }
    [detail] = {
        str(row)
        for (row,) in sql.execute(
            "select detail ->> 'quota' || ' ' || (detail ->> 'limit') || ' ' || code"
            " from public.audit_events where tenant_id = %s"
            " and action = 'over_quota_version_removed'",
            (tenant,),
        ).fetchall()
    }
    assert detail == "10000 bytes quota_exceeded"
    # S3's own notifications of the removals, when they come, change nothing more.
    deliver(lambda_module, tenant)
    assert bucket_rows(sql, tenant)["version_removed"] == 9
    assert client.get("/files/usage").json()["all_versions"] == {"size": 9000, "objects": 1}


def test_a_replay_that_still_fits_is_kept_and_counted(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=10_000)
    grant = presign(client, "twice.bin", max_size=4000)
    for _ in range(3):
        assert post_form(grant.json(), b"t" * 3000).status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    # One covered by the form's reservation, two more that fit: 9,000 of 10,000.
    assert stored(lambda_module, tenant).version_bytes == 9000
    assert "over_quota_version_removed" not in bucket_rows(sql, tenant)
    # A fourth does not fit (12,000 > 10,000): removed.
    assert post_form(grant.json(), b"t" * 3000).status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    assert stored(lambda_module, tenant).version_bytes == 9000
    assert bucket_rows(sql, tenant)["over_quota_version_removed"] == 1


def test_a_replay_that_exactly_fills_the_quota_is_kept(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=10_000)
    grant = presign(client, "half.bin", max_size=5000)
    for _ in range(2):
        assert post_form(grant.json(), b"h" * 5000).status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    assert stored(lambda_module, tenant).version_bytes == 10_000


def test_a_replay_never_takes_the_room_another_form_holds(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=10_000)
    replayed = presign(client, "a.bin", max_size=3000).json()
    held = presign(client, "b.bin", max_size=7000).json()
    for _ in range(2):
        assert post_form(replayed, b"a" * 3000).status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    # 3,000 used and 7,000 held: the second post does not fit, though 6,000 < 10,000.
    assert stored(lambda_module, tenant).version_bytes == 3000
    assert post_form(held, b"b" * 7000).status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    assert stored(lambda_module, tenant).version_bytes == 10_000
    assert bucket_rows(sql, tenant)["over_quota_version_removed"] == 1


def test_a_write_notified_after_its_reservation_lapsed_is_judged_as_uncovered(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=10_000)
    grant = presign(client, "late.bin", max_size=8000).json()
    assert post_form(grant, b"l" * 8000).status_code in (200, 201, 204)
    sql.execute(
        "update public.file_reservations set expires_at = now() - interval '1 second'"
        " where tenant_id = %s",
        (tenant,),
    )
    # Room its lapse gave back, claimed by another write meanwhile.
    sql.execute(
        "insert into public.file_reservations (tenant_id, path, bytes, objects, expires_at)"
        " values (%s, 'other.bin', 5000, 1, now() + interval '1 hour')",
        (tenant,),
    )
    deliver(lambda_module, tenant)
    assert stored(lambda_module, tenant).version_bytes == 0
    assert bucket_rows(sql, tenant)["over_quota_version_removed"] == 1


def test_a_lapsed_reservation_takes_no_room_from_an_uncovered_version(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=10_000)
    grant = presign(client, "half.bin", max_size=5000).json()
    sql.execute(
        "insert into public.file_reservations (tenant_id, path, bytes, objects, expires_at)"
        " values (%s, 'lapsed.bin', 5000, 1, now() - interval '1 second')",
        (tenant,),
    )
    for _ in range(2):
        assert post_form(grant, b"h" * 5000).status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    assert stored(lambda_module, tenant).version_bytes == 10_000


def test_reconciling_a_tenant_over_its_quota_removes_nothing_and_frees_nothing(
    lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota, client: AlbClient
) -> None:
    """A recount is what was counted before, not a write: nothing to judge."""
    set_quota(max_bytes=10)
    sql.execute(
        "insert into public.file_reservations (tenant_id, path, bytes, objects, expires_at)"
        " values (%s, 'big.bin', 100, 1, now() + interval '1 hour')",
        (tenant,),
    )
    entry = VersionEntry(
        f"tenants/{tenant}/big.bin", "v-1", 50, '"e"', datetime.now(UTC), True, False
    )
    ledger.reconcile(lambda_module.memberships, tenant, [entry])
    assert reservations(sql, tenant) == [("big.bin", 100, 1)]
    assert sql.execute(
        "select count(*) from public.file_excess_versions where tenant_id = %s", (tenant,)
    ).fetchone() == (0,)


def test_two_uncovered_versions_recorded_at_once_are_judged_one_after_the_other(
    db_url: str, sql: Any, tenant: str, set_quota: SetQuota, client: AlbClient
) -> None:
    """The second waits for the first's transaction, then sees its bytes as used."""
    set_quota(max_bytes=10)
    apply = "select private.apply_file_change(%s, %s, %s, 'created', 8, %s)"
    with psycopg.connect(db_url) as first:
        first.execute(apply, (tenant, "a.bin", "v-a", "0062A1B2C3D4E5F601"))
        with ThreadPoolExecutor(1) as pool:
            second = pool.submit(sql.execute, apply, (tenant, "b.bin", "v-b", "0062A1B2C3D4E5F602"))
            with contextlib.suppress(TimeoutError):
                second.result(timeout=0.5)
            first.commit()
            second.result()
    noted = sql.execute(
        "select path from public.file_excess_versions where tenant_id = %s", (tenant,)
    ).fetchall()
    assert noted == [("b.bin",)]


def test_an_excess_version_is_recorded_as_removed_once(
    sql: Any, tenant: str, set_quota: SetQuota, client: AlbClient
) -> None:
    set_quota(max_bytes=0)
    sql.execute(
        "select private.apply_file_change(%s, 'x.bin', 'v-1', 'created', 5, '0062A1B2C3D4E5F601')",
        (tenant,),
    )
    removed = "select private.excess_version_removed(%s, 'x.bin', 'v-1')"
    assert sql.execute(removed, (tenant,)).fetchone() == (True,)
    assert sql.execute(removed, (tenant,)).fetchone() == (False,)
    assert bucket_rows(sql, tenant) == {
        "object_created": 1,
        "version_removed": 1,
        "over_quota_version_removed": 1,
    }


def test_a_creation_whose_removal_arrived_first_is_never_noted(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=10)
    key = f"tenants/{tenant}/gone.bin"
    removed = record("ObjectRemoved:Delete", key, "v-1")
    created = record("ObjectCreated:Post", key, "v-1", size=11, sequencer="0062A1B2C3D4E5F601")
    handle = lambda_module.handler
    assert handle(sqs_batch([removed]), LambdaContext()) == {"batchItemFailures": []}
    assert handle(sqs_batch([created]), LambdaContext()) == {"batchItemFailures": []}
    assert sql.execute(
        "select count(*) from public.file_excess_versions where tenant_id = %s", (tenant,)
    ).fetchone() == (0,)
    assert "over_quota_version_removed" not in bucket_rows(sql, tenant)
    assert client.get("/files/usage").json()["all_versions"] == {"size": 0, "objects": 0}


def test_an_upload_sessions_form_posted_again_is_removed_too(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=700)
    session = open_session(client, folder="inbox")
    params = AlbClient(client.handler).get(f"{session}/s3/params", params={"filename": "a.pdf"})
    assert params.status == 200, params.body
    for _ in range(3):
        assert post_form(params.json(), b"p" * 700).status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    assert stored(lambda_module, tenant).version_bytes == 700
    assert bucket_rows(sql, tenant)["over_quota_version_removed"] == 2


def test_an_object_quota_removes_an_uncovered_version_too(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_objects=1)
    grant = presign(client, "one.bin", max_size=10)
    for _ in range(2):
        assert post_form(grant.json(), b"o").status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    assert stored(lambda_module, tenant).version_objects == 1
    [(limit,)] = sql.execute(
        "select detail ->> 'limit' from public.audit_events where tenant_id = %s"
        " and action = 'over_quota_version_removed'",
        (tenant,),
    ).fetchall()
    assert limit == "objects"


def test_without_a_quota_nothing_is_removed(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str
) -> None:
    grant = presign(client, "free.bin", max_size=100)
    for _ in range(3):
        assert post_form(grant.json(), b"f" * 100).status_code in (200, 201, 204)
    deliver(lambda_module, tenant)
    assert stored(lambda_module, tenant).version_bytes == 300
    assert sql.execute(
        "select count(*) from public.file_excess_versions where tenant_id = %s", (tenant,)
    ).fetchone() == (0,)


class Bucket:
    """A bucket that refuses to remove anything until told to."""

    def __init__(self) -> None:
        self.refuse = True
        self.asked: list[tuple[str, str]] = []

    def delete_versions(self, versions: Any) -> list[DeleteFailure]:
        self.asked.extend(versions)
        return [DeleteFailure(key, "no") for key, _ in versions] if self.refuse else []


def test_a_version_the_bucket_would_not_remove_stays_counted_and_is_tried_again(
    lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota, client: AlbClient
) -> None:
    set_quota(max_bytes=10)
    key = f"tenants/{tenant}/ghost.bin"
    created = record("ObjectCreated:Post", key, "v-1", size=11, sequencer="0062A1B2C3D4E5F601")
    bucket = Bucket()
    consumer = Consumer(lambda_module.memberships, bucket=bucket)
    assert consumer.consume(sqs_batch([created])).failed == []
    assert (key, "v-1") in bucket.asked
    assert "over_quota_version_removed" not in bucket_rows(sql, tenant)
    assert client.get("/files/usage").json()["all_versions"] == {"size": 11, "objects": 1}
    # After the next batch, whichever it is.
    bucket.refuse = False
    assert consumer.consume(sqs_batch([])).failed == []
    assert bucket_rows(sql, tenant)["over_quota_version_removed"] == 1
    assert client.get("/files/usage").json()["all_versions"] == {"size": 0, "objects": 0}


# -- item 2: a reservation is released only by the write it was made for ---------------------


def test_a_write_at_a_path_does_not_free_a_multipart_uploads_reservation_there(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=100_000)
    created = client.post("/files/multipart", json_body={"path": "p.bin", "size": 50_000})
    assert created.status == 201, created.body
    upload(client, "p.bin", b"x" * 100)
    assert reservations(sql, tenant) == [("p.bin", 50_000, 1), ("p.bin", 100, 1)]
    deliver(lambda_module, tenant)
    # The upload's own reservation went; the multipart upload still holds its room.
    assert reservations(sql, tenant) == [("p.bin", 50_000, 1)]


def test_a_version_takes_the_smallest_reservation_that_covers_it(
    client: AlbClient, lambda_module: ModuleType, sql: Any, tenant: str, set_quota: SetQuota
) -> None:
    set_quota(max_bytes=100_000)
    assert presign(client, "q.bin", max_size=5000, overwrite=True).status == 200
    assert presign(client, "q.bin", max_size=300, overwrite=True).status == 200
    assert presign(client, "q.bin", max_size=300, overwrite=True).status == 200
    handle = lambda_module.handler
    key = f"tenants/{tenant}/q.bin"
    small = record("ObjectCreated:Post", key, "v-1", size=200, sequencer="0062A1B2C3D4E5F601")
    large = record("ObjectCreated:Post", key, "v-2", size=4000, sequencer="0062A1B2C3D4E5F602")
    assert handle(sqs_batch([small]), LambdaContext()) == {"batchItemFailures": []}
    assert reservations(sql, tenant) == [("q.bin", 5000, 1), ("q.bin", 300, 1)]
    assert handle(sqs_batch([large]), LambdaContext()) == {"batchItemFailures": []}
    assert reservations(sql, tenant) == [("q.bin", 300, 1)]


# -- the property: whatever is replayed, what is kept stays within the quota ----------------

QUOTA = 5000
PATHS = ("a.bin", "b.bin", "c/d.bin")

# A step: ask for a form (path, max_size), or post one asked for earlier (which one, how
# many bytes of its max_size), or deliver what the bucket holds to the consumer.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("form"), st.sampled_from(PATHS), st.integers(1, 3000)),
        st.tuples(st.just("post"), st.integers(0, 20), st.floats(0, 1)),
        st.tuples(st.just("deliver"), st.just(0), st.just(0)),
    ),
    min_size=1,
    max_size=14,
)


@pytest.mark.slow
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_replayed_forms_never_leave_more_than_the_quota_stored(
    client_for: Any, lambda_module: ModuleType, sql: Any, steps: list[tuple[str, Any, Any]]
) -> None:
    """Forms asked for and posted in any order, any number of times: once the bucket's
    changes are consumed, every version kept fits in the quota, and every version removed
    has its audit row."""
    tenant = str(uuid.uuid4())
    client = client_for(tenants={tenant: "owner"}, select=tenant)
    sql.execute(
        "insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, %s)",
        (tenant, QUOTA),
    )
    forms: list[dict[str, Any]] = []
    posted = 0
    for kind, first, second in steps:
        if kind == "form":
            grant = presign(client, first, max_size=second, overwrite=True)
            if grant.status == 200:
                forms.append(grant.json())
            else:
                assert grant.json()["code"] == "quota_exceeded"
        elif kind == "post" and forms:
            form = forms[first % len(forms)]
            size = round(form["max_size"] * second)
            assert post_form(form, b"p" * size).status_code in (200, 201, 204)
            posted += 1
        elif kind == "deliver":
            settle(lambda_module, tenant)
            assert stored(lambda_module, tenant).version_bytes <= QUOTA
    settle(lambda_module, tenant)
    kept = stored(lambda_module, tenant)
    assert kept.version_bytes <= QUOTA
    rows = bucket_rows(sql, tenant)
    assert rows["object_created"] == posted
    assert rows["over_quota_version_removed"] == posted - kept.version_objects
    assert client.get("/files/usage").json()["all_versions"] == {
        "size": kept.version_bytes,
        "objects": kept.version_objects,
    }
