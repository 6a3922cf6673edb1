"""GET /files/usage through the real handler: files written to SeaweedFS through the API
and straight to S3, the notifications S3 would send for them delivered to the same
handler (duplicated and shuffled), and the answer checked against a recount of the
tenant's version listing."""

from __future__ import annotations

import json
import random
import uuid
from types import ModuleType
from typing import Any

import pytest

from dev.alb import LambdaContext
from file_lambda.database import Database
from file_lambda.events import ledger, reconcile
from file_lambda.storage.port import VersionEntry
from tests.support.bucket_events import from_listing, record, sqs_batch
from tests.support.files import BUCKET, ClientFactory, upload
from tests.support.problems import assert_problem


def listing(lambda_module: ModuleType, tenant: str) -> list[VersionEntry]:
    page = lambda_module.storage.list_versions(f"tenants/{tenant}/", None, 1000)
    assert page.next_key_marker is None
    return list(page.entries)


def deliver(lambda_module: ModuleType, tenant: str, seed: int) -> list[VersionEntry]:
    """What S3 would have sent the queue for everything the tenant holds, at least once."""
    entries = listing(lambda_module, tenant)
    records = from_listing(entries)
    rng = random.Random(seed)
    records += rng.sample(records, k=len(records) // 2)
    rng.shuffle(records)
    answer = lambda_module.handler(sqs_batch(records), LambdaContext())
    assert answer == {"batchItemFailures": []}
    return entries


def totals(size: int, objects: int) -> dict[str, int]:
    return {"size": size, "objects": objects}


def expected(entries: list[VersionEntry], tenant: str) -> dict[str, Any]:
    usage = ledger.recount(entries, f"tenants/{tenant}/")
    return {
        "current": totals(usage.total.current_bytes, usage.total.current_objects),
        "all_versions": totals(usage.total.version_bytes, usage.total.version_objects),
        "folders": [
            {
                "folder": folder,
                "current": totals(t.current_bytes, t.current_objects),
                "all_versions": totals(t.version_bytes, t.version_objects),
            }
            for folder, t in sorted(usage.folders.items())
        ],
    }


def test_usage_counts_every_way_in_and_equals_a_recount(
    client_for: ClientFactory, lambda_module: ModuleType, s3: Any, tenant: str
) -> None:
    member, viewer = client_for("member"), client_for("viewer")
    upload(member, "docs/a.txt", b"a" * 10)
    upload(member, "docs/a.txt", b"a" * 25)  # a second version
    upload(member, "docs/deep/b.bin", b"b" * 7)
    upload(member, "root.txt", b"r" * 3)
    upload(member, "media/gone.png", b"g" * 100)
    assert member.delete("/files/delete/media/gone.png").status == 204
    # As a presigned POST would: straight to the bucket, past the API.
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/media/direct.bin", Body=b"d" * 40)

    entries = deliver(lambda_module, tenant, seed=1)
    response = viewer.get("/files/usage")
    assert response.status == 200, response.body
    body = response.json()
    assert body == expected(entries, tenant)
    assert body["current"] == totals(25 + 7 + 3 + 40, 4)
    assert body["all_versions"] == totals(10 + 25 + 7 + 3 + 100 + 40, 6)
    assert [folder["folder"] for folder in body["folders"]] == ["", "docs", "media"]


def test_a_tenant_sees_only_its_own_usage(
    client_for: ClientFactory, lambda_module: ModuleType, tenant: str
) -> None:
    upload(client_for("member"), "docs/mine.txt", b"m" * 12)
    deliver(lambda_module, tenant, seed=2)
    other = str(uuid.uuid4())
    stranger = client_for(tenants={other: "owner"})
    assert stranger.get("/files/usage").json() == {
        "current": totals(0, 0),
        "all_versions": totals(0, 0),
        "folders": [],
    }
    # Naming the first tenant without being its member is refused, as everywhere.
    refused = client_for(tenants={other: "owner"}, select=tenant).get("/files/usage")
    assert_problem(refused, 403, "tenant_forbidden")


def test_usage_needs_a_member_of_any_role(client_for: ClientFactory) -> None:
    assert client_for("viewer").get("/files/usage").status == 200
    assert_problem(client_for(None).get("/files/usage"), 403, "tenant_forbidden")


def test_usage_without_its_database_is_a_503_not_a_guess(
    client_for: ClientFactory, lambda_module: ModuleType
) -> None:
    viewer = client_for("viewer")
    assert viewer.get("/files/usage").status == 200  # the memberships are kept now
    state = lambda_module.app.state
    # Not monkeypatch: its undo deletes what it replaced on Starlette's State.
    ledger_db, state.ledger = state.ledger, Database(lambda: None)
    try:
        assert_problem(viewer.get("/files/usage"), 503, "database_unavailable")
    finally:
        state.ledger = ledger_db


def test_reconcile_reports_and_fixes_the_drift_and_later_changes_still_apply(
    client_for: ClientFactory,
    lambda_module: ModuleType,
    tenant: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member, viewer = client_for("member"), client_for("viewer")
    upload(member, "docs/kept.txt", b"k" * 5)
    deliver(lambda_module, tenant, seed=3)
    # Changes whose notifications never arrived (a redrive forgotten, say).
    upload(member, "docs/kept.txt", b"k" * 8)
    upload(member, "media/lost.png", b"l" * 30)

    capsys.readouterr()  # the handler's log lines so far
    assert reconcile.main([tenant, "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["corrected"] is False
    assert report["drift"] == {
        "docs": {
            "current_bytes": 3,
            "current_objects": 0,
            "version_bytes": 8,
            "version_objects": 1,
        },
        "media": {
            "current_bytes": 30,
            "current_objects": 1,
            "version_bytes": 30,
            "version_objects": 1,
        },
    }
    assert reconcile.main([tenant]) == 0
    assert json.loads(capsys.readouterr().out)["drift"] == report["drift"]
    assert viewer.get("/files/usage").json() == expected(listing(lambda_module, tenant), tenant)
    assert reconcile.main([tenant]) == 0
    assert json.loads(capsys.readouterr().out)["drift"] == {}

    # A change notified after the listing is applied over it: its version is current.
    upload(member, "docs/kept.txt", b"k" * 2)
    latest = [e for e in listing(lambda_module, tenant) if e.key.endswith("kept.txt")]
    newest = next(entry for entry in latest if entry.is_latest)
    notification = record(
        "ObjectCreated:Put", newest.key, newest.version_id, size=2, sequencer="0055AED6DCD90281E5"
    )
    assert lambda_module.handler(sqs_batch([notification]), LambdaContext()) == {
        "batchItemFailures": []
    }
    assert viewer.get("/files/usage").json() == expected(listing(lambda_module, tenant), tenant)
