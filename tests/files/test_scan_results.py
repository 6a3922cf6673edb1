"""Malware scans' verdicts: GuardDuty's events, through the queue, into `public.file_scans`.

A verdict may arrive before its version's own change, twice, or after a later
scan's: every order of the same results must end in the same verdict (the
property test below, as the usage ledger's), and the verdict is the latest
scan's, the worst of those at the same time.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dev import memberships
from dev.claims import claims
from file_lambda.database import Database
from file_lambda.events import scan_results
from file_lambda.events.consumer import Consumer
from file_lambda.events.notifications import MalformedRecord
from file_lambda.events.scan_results import ScanResult, parse_scan_result
from file_lambda.scans import Verdicts
from tests.support.bucket_events import record, scan_result, sqs_messages

EICAR = "EICAR-Test-File (not a virus)"
STATUS = {
    "NO_THREATS_FOUND": "clean",
    "THREATS_FOUND": "infected",
    "UNSUPPORTED": "unscannable",
    "ACCESS_DENIED": "failed",
    "FAILED": "failed",
}
SEVERITY = {"clean": 0, "unscannable": 1, "failed": 2, "infected": 3}
BASE = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def conn(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    yield database
    database.close()


def a_tenant(db_url: str) -> str:
    tenant = str(uuid.uuid4())
    memberships.register(db_url, claims(tenants={tenant: "owner"}))
    return tenant


def verdicts(conn: Database, tenant: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    rows = conn.execute(
        "select path, version_id, status, result, threats, scanned_at, etag"
        " from public.file_scans where tenant_id = %s",
        (tenant,),
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def audit_actions(conn: Database, tenant: str) -> list[tuple[str, str, str]]:
    return [
        (action, path, version)
        for action, path, version in conn.execute(
            "select action, path, version_id from public.audit_events"
            " where tenant_id = %s and action like 'scan\\_%%' order by id",
            (tenant,),
        )
    ]


# -- reading GuardDuty's events --------------------------------------------------------


def test_an_event_is_read_as_guardduty_writes_it() -> None:
    tenant = str(uuid.uuid4())
    event = scan_result(f"tenants/{tenant}/docs/a b+c.pdf", "v1", "THREATS_FOUND", threats=[EICAR])
    assert scan_results.is_scan_result(event)
    assert parse_scan_result(event) == ScanResult(
        tenant,
        "docs/a b+c.pdf",
        "v1",
        "0123456789abcdef0123456789abcdef",
        "THREATS_FOUND",
        (EICAR,),
        datetime(2026, 11, 30, 12, 0, 5, tzinfo=UTC),
    )


def test_a_scan_without_a_result_is_unscannable_when_skipped_and_failed_otherwise() -> None:
    tenant = str(uuid.uuid4())
    skipped = scan_result(f"tenants/{tenant}/a", "v1", "", scan_status="SKIPPED")
    failed = scan_result(f"tenants/{tenant}/a", "v1", "", scan_status="FAILED")
    unknown = scan_result(f"tenants/{tenant}/a", "v1", "SOMETHING_NEW")
    assert parse_scan_result(skipped).result == "UNSUPPORTED"  # type: ignore[union-attr]
    assert parse_scan_result(failed).result == "FAILED"  # type: ignore[union-attr]
    # A result this code does not know is not a clean one.
    assert parse_scan_result(unknown).result == "FAILED"  # type: ignore[union-attr]


def test_an_unversioned_object_is_s3s_null_version() -> None:
    tenant = str(uuid.uuid4())
    event = scan_result(f"tenants/{tenant}/a.txt", None, "NO_THREATS_FOUND")
    assert parse_scan_result(event).version_id == "null"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "key", ["other/prefix/a.txt", "tenants/not-a-uuid/a.txt", f"tenants/{uuid.uuid4()}/"]
)
def test_what_is_not_a_tenants_object_is_skipped(key: str) -> None:
    assert parse_scan_result(scan_result(key, "v1", "THREATS_FOUND")) is None


def test_an_event_without_what_it_needs_is_refused() -> None:
    event = scan_result(f"tenants/{uuid.uuid4()}/a", "v1", "NO_THREATS_FOUND")
    del event["detail"]["s3ObjectDetails"]
    with pytest.raises(MalformedRecord):
        parse_scan_result(event)
    untimed = scan_result(f"tenants/{uuid.uuid4()}/a", "v1", "NO_THREATS_FOUND", time="soon")
    with pytest.raises(MalformedRecord):
        parse_scan_result(untimed)


# -- recording ---------------------------------------------------------------------------


def test_the_consumer_records_verdicts_beside_the_buckets_changes(
    conn: Database, db_url: str
) -> None:
    tenant = a_tenant(db_url)
    key = f"tenants/{tenant}/in/eicar.com"
    batch = sqs_messages(
        [
            # The verdict before the version's own change, and twice.
            scan_result(key, "v1", "THREATS_FOUND", threats=[EICAR]),
            {"Records": [record("ObjectCreated:Put", key, "v1", size=68, sequencer="0A")]},
            scan_result(key, "v1", "THREATS_FOUND", threats=[EICAR]),
        ]
    )
    result = Consumer(conn).consume(batch)
    assert (result.recorded, result.duplicates, result.failed) == (2, 1, [])
    [(status, threats)] = conn.execute(
        "select status, threats from public.file_scans where tenant_id = %s", (tenant,)
    )
    assert (status, threats) == ("infected", [EICAR])
    # One row says it was found, whatever the duplicates; the creation's row stays.
    assert audit_actions(conn, tenant) == [("scan_infected", "in/eicar.com", "v1")]
    [(detail,)] = conn.execute(
        "select detail from public.audit_events where tenant_id = %s and action = 'scan_infected'",
        (tenant,),
    )
    assert detail == {"result": "THREATS_FOUND", "threats": [EICAR]}


def test_a_clean_verdict_adds_no_audit_row(conn: Database, db_url: str) -> None:
    tenant = a_tenant(db_url)
    Consumer(conn).consume(
        sqs_messages([scan_result(f"tenants/{tenant}/a.txt", "v1", "NO_THREATS_FOUND")])
    )
    assert verdicts(conn, tenant)[("a.txt", "v1")][0] == "clean"
    assert audit_actions(conn, tenant) == []


def test_an_unreadable_scan_event_fails_alone(conn: Database, db_url: str) -> None:
    tenant = a_tenant(db_url)
    broken = scan_result(f"tenants/{tenant}/b.txt", "v1", "NO_THREATS_FOUND")
    del broken["time"]
    batch = sqs_messages(
        [
            scan_result(f"tenants/{tenant}/a.txt", "v1", "NO_THREATS_FOUND"),
            broken,
            scan_result(f"tenants/{tenant}/c.txt", "v1", "UNSUPPORTED"),
        ]
    )
    result = Consumer(conn).consume(batch)
    assert result.failed == ["m-1"]
    assert {path for path, _ in verdicts(conn, tenant)} == {"a.txt", "c.txt"}


def test_the_latest_scan_wins_not_the_last_delivered(conn: Database, db_url: str) -> None:
    tenant = a_tenant(db_url)
    key = f"tenants/{tenant}/a.txt"
    later = scan_result(key, "v1", "NO_THREATS_FOUND", time="2026-12-07T12:00:10Z")
    earlier = scan_result(key, "v1", "FAILED", time="2026-12-07T12:00:00Z")
    Consumer(conn).consume(sqs_messages([later, earlier]))
    assert verdicts(conn, tenant)[("a.txt", "v1")][0] == "clean"


# Results for two versions of two keys, at few distinct times so that ties happen.
RESULTS = st.lists(
    st.tuples(
        st.sampled_from([("a.txt", "v1"), ("a.txt", "v2"), ("docs/b.pdf", "v1")]),
        st.sampled_from(sorted(STATUS)),
        st.integers(min_value=0, max_value=3),
        st.sampled_from([(), (EICAR,), ("Trojan.Generic", EICAR)]),
        st.sampled_from(["e1", "e2"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(results=RESULTS, seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_any_order_and_any_duplicates_end_in_the_same_verdicts(
    conn: Database, db_url: str, results: list[Any], seed: int
) -> None:
    scans = [
        ScanResult("", path, version, etag, result, threats, BASE + timedelta(seconds=second))
        for (path, version), result, second, threats, etag in results
    ]
    delivered = scans + random.Random(seed).choices(scans, k=len(scans))
    random.Random(seed + 1).shuffle(delivered)
    in_order, shuffled = a_tenant(db_url), a_tenant(db_url)
    for scan in sorted(scans, key=lambda s: (s.time, s.result, s.threats, s.etag or "")):
        scan_results.record(conn, _for(scan, in_order))
    for scan in delivered:
        scan_results.record(conn, _for(scan, shuffled))
    assert verdicts(conn, shuffled) == verdicts(conn, in_order)
    # And the verdict is the latest scan's, the worst of those at the same time.
    for version, row in verdicts(conn, shuffled).items():
        mine = [s for s in scans if (s.path, s.version_id) == version]
        latest = max(s.time for s in mine)
        worst = max((STATUS[s.result] for s in mine if s.time == latest), key=SEVERITY.__getitem__)
        assert row[0] == worst


def _for(scan: ScanResult, tenant: str) -> ScanResult:
    return ScanResult(
        tenant, scan.path, scan.version_id, scan.etag, scan.result, scan.threats, scan.time
    )


def test_listings_read_verdicts_by_etag_and_versions_by_id(conn: Database, db_url: str) -> None:
    tenant = a_tenant(db_url)
    root = f"tenants/{tenant}/"
    Consumer(conn).consume(
        sqs_messages(
            [
                scan_result(root + "a.txt", "v1", "NO_THREATS_FOUND", etag="e1"),
                # A later version with the same bytes (the same ETag), found infected:
                # a listing shows the worst of them.
                scan_result(root + "a.txt", "v2", "THREATS_FOUND", etag="e1"),
                scan_result(root + "b.txt", "v1", "UNSUPPORTED", etag="e2"),
            ]
        )
    )
    reader = Verdicts(conn, enforced=True, retry_after=10, ttl=30)
    assert reader.of_listing(tenant, [("a.txt", "e1"), ("b.txt", "e2"), ("c.txt", "e3")]) == {
        ("a.txt", "e1"): "infected",
        ("b.txt", "e2"): "unscannable",
        ("c.txt", "e3"): "pending",
    }
    assert reader.of_versions(tenant, [("a.txt", "v1"), ("a.txt", "v2"), ("a.txt", "v3")]) == {
        ("a.txt", "v1"): "clean",
        ("a.txt", "v2"): "infected",
        ("a.txt", "v3"): "pending",
    }
    # Another tenant's verdicts are not this one's.
    assert reader.of_versions(a_tenant(db_url), [("a.txt", "v1")]) == {("a.txt", "v1"): "pending"}
