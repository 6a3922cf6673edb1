"""The usage ledger: S3's notifications, duplicated and in any order, add up to a recount.

A model of a versioned bucket plays random histories of puts, deletes,
permanent version deletions and lifecycle expirations on a few keys, and
emits the notification records S3 would. The records are duplicated and
shuffled, recorded in Postgres (the real migration), and the usage must
equal a recount of the model's final version listing.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dev.alb import LambdaContext
from dev.postgres_server import free_port
from file_lambda.database import Database
from file_lambda.events import ledger
from file_lambda.events.consumer import Consumer
from file_lambda.events.notifications import (
    MalformedRecord,
    ObjectChange,
    parse_notification,
    parse_record,
)
from file_lambda.storage.port import VersionEntry
from tests.support.bucket_events import record, sqs_batch

KEYS = ("a.txt", "docs/b.txt", "docs/deep/c.bin", "media/d.png")
NOW = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def conn(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    yield database
    database.close()


@dataclass
class Version:
    id: str
    size: int
    marker: bool


@dataclass
class Bucket:
    """A versioned bucket that tells what it did the way S3's notifications do."""

    root: str
    keys: dict[str, list[Version]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    clock: int = 0

    def _sequencer(self, rng: random.Random) -> str:
        # Fixed-width and increasing, sometimes longer: S3's vary in length.
        self.clock += 1
        return f"{self.clock:016X}" + "".join(rng.choices("0123456789ABCDEF", k=rng.randint(0, 3)))

    def _new(self, key: str, size: int, marker: bool, event: str, rng: random.Random) -> None:
        version = Version(uuid.uuid4().hex, size, marker)
        self.keys.setdefault(key, []).append(version)
        obj: dict[str, Any] = {"sequencer": self._sequencer(rng)}
        if not marker:
            obj["size"] = size
        self.records.append(record(event, self.root + key, version.id, **obj))

    def put(self, key: str, size: int, rng: random.Random) -> None:
        event = rng.choice(["Put", "Post", "Copy", "CompleteMultipartUpload"])
        self._new(key, size, False, f"ObjectCreated:{event}", rng)

    def delete(self, key: str, rng: random.Random, *, lifecycle: bool = False) -> None:
        versions = self.keys.get(key)
        if not versions or versions[-1].marker:
            return  # S3 adds a marker on a marker too, but lifecycle does not; keep it simple
        source = "LifecycleExpiration" if lifecycle else "ObjectRemoved"
        self._new(key, 0, True, f"{source}:DeleteMarkerCreated", rng)

    def remove(self, key: str, index: int, rng: random.Random, *, lifecycle: bool = False) -> None:
        versions = self.keys.get(key)
        if not versions:
            return
        version = versions.pop(index % len(versions))
        if lifecycle and not versions:
            versions.append(version)  # lifecycle removes noncurrent versions only
            return
        source = "LifecycleExpiration" if lifecycle else "ObjectRemoved"
        self.records.append(
            record(f"{source}:Delete", self.root + key, version.id, sequencer=self._sequencer(rng))
        )

    def listing(self) -> list[VersionEntry]:
        entries = []
        for key, versions in self.keys.items():
            for position, version in enumerate(versions):
                entries.append(
                    VersionEntry(
                        key=self.root + key,
                        version_id=version.id,
                        size=version.size,
                        etag="",
                        last_modified=NOW,
                        is_latest=position == len(versions) - 1,
                        is_delete_marker=version.marker,
                    )
                )
        return entries


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["put", "put", "put", "delete", "remove", "expire", "expire_current"]),
        st.sampled_from(KEYS),
        st.integers(min_value=0, max_value=5_000_000),
    ),
    max_size=40,
)


def play(operations: list[tuple[str, str, int]], seed: int) -> tuple[str, Bucket]:
    tenant = str(uuid.uuid4())
    bucket = Bucket(root=f"tenants/{tenant}/")
    rng = random.Random(seed)
    for name, key, number in operations:
        if name == "put":
            bucket.put(key, number, rng)
        elif name == "delete":
            bucket.delete(key, rng)
        elif name == "expire_current":
            bucket.delete(key, rng, lifecycle=True)
        else:
            bucket.remove(key, number, rng, lifecycle=name == "expire")
    return tenant, bucket


def changes(records: list[dict[str, Any]]) -> list[ObjectChange]:
    return list(parse_notification({"Records": records}))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS, seed=st.integers(0, 2**32 - 1))
def test_usage_equals_a_recount_whatever_the_order_and_duplicates(
    conn: Database, operations: list[tuple[str, str, int]], seed: int
) -> None:
    tenant, bucket = play(operations, seed)
    rng = random.Random(seed)
    delivered = bucket.records + rng.sample(bucket.records, k=len(bucket.records) // 3)
    rng.shuffle(delivered)
    for change in changes(delivered):
        ledger.record(conn, change)
    expected = ledger.recount(bucket.listing(), bucket.root).without_empty_folders()
    assert ledger.usage(conn, tenant) == expected


def test_a_duplicate_changes_nothing(conn: Database) -> None:
    tenant, bucket = play([("put", "docs/b.txt", 10), ("delete", "docs/b.txt", 0)], seed=1)
    first = [ledger.record(conn, change) for change in changes(bucket.records)]
    again = [ledger.record(conn, change) for change in changes(bucket.records)]
    assert first == [True, True]
    assert again == [False, False]
    assert ledger.usage(conn, tenant).folders["docs"] == ledger.Totals(0, 0, 10, 1)


def test_a_removal_seen_first_is_not_undone_by_its_late_creation(
    conn: Database,
) -> None:
    tenant, bucket = play([("put", "a.txt", 7), ("put", "a.txt", 9), ("remove", "a.txt", 1)], 2)
    create_old, create_new, remove_new = changes(bucket.records)
    for change in (remove_new, create_old, create_new):
        ledger.record(conn, change)
    # The newer version is gone for good: the older one is current again.
    assert ledger.usage(conn, tenant).total == ledger.Totals(7, 1, 7, 1)


def test_the_newest_sequencer_wins_not_the_last_delivered(conn: Database) -> None:
    tenant, bucket = play([("put", "a.txt", 5), ("put", "a.txt", 50)], seed=3)
    old, new = changes(bucket.records)
    ledger.record(conn, new)
    ledger.record(conn, old)
    assert ledger.usage(conn, tenant).total == ledger.Totals(50, 1, 55, 2)


def test_sequencers_of_different_lengths_compare_as_s3_says(conn: Database) -> None:
    # AWS: right-pad the shorter with zeros, then compare; "0A" is "0A00" > "09FF".
    tenant = str(uuid.uuid4())
    root = f"tenants/{tenant}/"
    newer = record("ObjectCreated:Put", root + "a.txt", "v2", size=2, sequencer="0A")
    older = record("ObjectCreated:Put", root + "a.txt", "v1", size=1, sequencer="09FF")
    for change in changes([newer, older]):
        ledger.record(conn, change)
    assert ledger.usage(conn, tenant).total == ledger.Totals(2, 1, 3, 2)


def test_records_are_read_as_s3_writes_them() -> None:
    tenant = str(uuid.uuid4())
    created = record(
        "ObjectCreated:Put",
        f"tenants/{tenant}/My Docs/r\u00e9sum\u00e9 +1.pdf",
        "v1",
        size=12,
        sequencer="0055AED6DCD90281E5",
    )
    [change] = changes([created])
    assert change == ObjectChange(
        tenant,
        "My Docs/r\u00e9sum\u00e9 +1.pdf",
        "v1",
        "created",
        12,
        "0055AED6DCD90281E5",
        "2026-11-30T12:00:00.000Z",
        "ObjectCreated:Put",
    )


@pytest.mark.parametrize(
    "event",
    [
        record("ObjectCreated:Put", "elsewhere/x.txt", "v", size=1, sequencer="01"),
        record("ObjectCreated:Put", "tenants/not-a-uuid/x.txt", "v", size=1, sequencer="01"),
        record(
            "ObjectCreated:Put",
            f"tenants/{str(uuid.uuid4()).upper()}/x",
            "v",
            size=1,
            sequencer="1",
        ),
        record("ObjectCreated:Put", f"tenants/{uuid.uuid4()}/", "v", size=1, sequencer="01"),
        record("ObjectRestore:Completed", f"tenants/{uuid.uuid4()}/x", "v", size=1),
        record("LifecycleTransition", f"tenants/{uuid.uuid4()}/x", "v", size=1),
        {"Service": "Amazon S3", "Event": "s3:TestEvent"},
    ],
    ids=[
        "other-prefix",
        "bad-tenant",
        "non-canonical-tenant",
        "tenant-root",
        "restore",
        "transition",
        "test-event",
    ],
)
def test_what_is_not_a_tenants_change_is_skipped(event: dict[str, Any]) -> None:
    assert parse_record(event) is None


def test_a_change_without_what_it_needs_is_refused() -> None:
    event = record("ObjectCreated:Put", f"tenants/{uuid.uuid4()}/x", "v1", sequencer="01")
    with pytest.raises(MalformedRecord):
        parse_record(event)


def test_the_database_refuses_a_creation_without_a_sequencer(
    conn: Database,
) -> None:
    change = ObjectChange(str(uuid.uuid4()), "x", "v", "created", 1, None, "", "ObjectCreated:Put")
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        ledger.record(conn, change)


# -- the queue's consumer -------------------------------------------------------


def test_the_consumer_records_a_batch_and_counts_duplicates(conn: Database) -> None:
    tenant, bucket = play([("put", "docs/b.txt", 3), ("put", "a.txt", 4)], seed=4)
    event = sqs_batch([*bucket.records, bucket.records[0]])
    event["Records"].append({"messageId": "test", "body": json.dumps({"Event": "s3:TestEvent"})})
    result = Consumer(conn).consume(event)
    assert (result.recorded, result.duplicates, result.failed) == (2, 1, [])
    assert result.response() == {"batchItemFailures": []}
    assert ledger.usage(conn, tenant).total == ledger.Totals(7, 2, 7, 2)


def test_while_postgres_is_down_every_message_stays_queued_and_none_is_lost(
    conn: Database,
) -> None:
    tenant, bucket = play([("put", "docs/b.txt", 3), ("delete", "docs/b.txt", 0)], seed=5)
    event = sqs_batch(bucket.records * 3)
    attempts = 0

    def unreachable() -> str:
        nonlocal attempts
        attempts += 1
        return f"postgresql://postgres@127.0.0.1:{free_port()}/postgres?connect_timeout=1"

    down = Consumer(Database(unreachable))
    result = down.consume(event)
    assert result.failed == [message["messageId"] for message in event["Records"]]
    assert attempts == 2, "one connection and one retry for the whole batch"
    # The queue delivers them again once Postgres is back.
    result = Consumer(conn).consume(event)
    assert (result.recorded, result.failed) == (2, [])
    assert ledger.usage(conn, tenant).folders["docs"] == ledger.Totals(0, 0, 3, 1)


def test_an_unreadable_message_fails_alone(conn: Database) -> None:
    tenant, bucket = play([("put", "a.txt", 1), ("put", "a.txt", 2)], seed=6)
    broken = record("ObjectCreated:Put", bucket.root + "x", "v", size=1, sequencer="not hex")
    event = sqs_batch([bucket.records[0], broken, bucket.records[1]])
    event["Records"].append({"messageId": "garbage", "body": "{not json"})
    result = Consumer(conn).consume(event)
    assert result.failed == ["m-1", "garbage"]
    assert ledger.usage(conn, tenant).total == ledger.Totals(2, 1, 3, 2)


def test_the_lambda_handler_answers_the_event_source_mapping(
    lambda_module: ModuleType, conn: Database
) -> None:
    # The file API's function consumes the queue too.
    tenant, bucket = play([("put", "media/d.png", 11)], seed=7)
    assert lambda_module.handler(sqs_batch(bucket.records), LambdaContext()) == {
        "batchItemFailures": []
    }
    assert ledger.usage(conn, tenant).folders == {"media": ledger.Totals(11, 1, 11, 1)}
