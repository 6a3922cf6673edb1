"""The purge of a deleted tenant (jobs/purges.py) on SeaweedFS and the session's Postgres:
every version, delete marker and unfinished upload under its prefixes in the bucket and
the replica, every row it owns, the signed record; resumed after a crash, run twice."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from dev import seaweedfs
from file_lambda.database import Database
from jobs.purges import PurgeKind, public_key_bytes, record_key, signing_key
from jobs.runner import Runner
from scripts.verify_deletion_record import main as verify_main
from tests.support.files import BUCKET

REPLICA = "test-snsd-replica"
SEED = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(scope="module")
def replica(seaweed: seaweedfs.SeaweedS3) -> str:
    client = seaweed.client()
    if REPLICA not in [b["Name"] for b in client.list_buckets().get("Buckets", [])]:
        seaweedfs.create_bucket(seaweed, REPLICA)
    return REPLICA


@pytest.fixture
def jdb(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    database.execute(
        "update public.jobs set state = 'failed', finished_at = now()"
        " where state in ('queued', 'running')"
    )
    yield database
    database.close()


def _tenant(db: Database, s3: Any, replica: str, objects: int = 5) -> str:
    """A deleted tenant past its grace period, with a member, files in versions, a delete
    marker, an unfinished multipart upload, a share, its copies in the replica."""
    owner, tenant = str(uuid.uuid4()), str(uuid.uuid4())
    db.execute(
        "insert into auth.users (id, aud, role, email, created_at, updated_at)"
        " values (%s, 'authenticated', 'authenticated', %s, now(), now())",
        (owner, f"{owner[:8]}@example.com"),
    )
    db.execute(
        "insert into public.tenants (id, name, created_by) values (%s, 'Doomed', %s)",
        (tenant, owner),
    )
    for bucket in (BUCKET, replica):
        for i in range(objects):
            s3.put_object(Bucket=bucket, Key=f"tenants/{tenant}/f{i:05}.txt", Body=b"one")
        s3.put_object(Bucket=bucket, Key=f"tenants/{tenant}/f00000.txt", Body=b"two")
        s3.delete_object(Bucket=bucket, Key=f"tenants/{tenant}/f00001.txt")
        s3.put_object(Bucket=bucket, Key=f"jobs/{tenant}/j1/archive.zip", Body=b"zip")
    s3.create_multipart_upload(Bucket=BUCKET, Key=f"tenants/{tenant}/big.bin")
    # Another tenant's file, which the purge must leave.
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{uuid.uuid4()}/keep.txt", Body=b"keep")
    db.execute(
        "update public.tenants set deleted_at = now() - interval '31 days', deleted_by = %s,"
        " purge_after = now() - interval '1 day' where id = %s",
        (owner, tenant),
    )
    return tenant


def _left(s3: Any, bucket: str, tenant: str) -> int:
    found = 0
    for prefix in (f"tenants/{tenant}/", f"jobs/{tenant}/"):
        page = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
        found += len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))
        found += len(s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", []))
    return found


def _rows_naming(db: Database, tenant: str) -> dict[str, int]:
    counts = {}
    for schema, table, _ in db.execute("select * from private.tenant_tables()"):
        (count,) = db.execute(
            f"select count(*) from {schema}.{table} where tenant_id = %s",  # noqa: S608
            (tenant,),
        )[0]
        if count:
            counts[f"{schema}.{table}"] = count
    return counts


def _purge_job(db: Database, tenant: str) -> str:
    """The purge the sweep started for `tenant` (the sweep serves every tenant: other
    tests' jobs may be sent too)."""
    started = db.execute(
        "select id::text from public.jobs where tenant_id = %s and kind = 'purge'", (tenant,)
    )
    assert started, "the sweep started no purge"
    return str(started[0][0])


def _run(db: Database, kind: PurgeKind, tenant: str, *, seconds: float = 30.0) -> tuple[str, int]:
    sent: list[str] = []
    runner = Runner(db, {"purge": kind}, sent.append)
    runner.sweep()
    job = _purge_job(db, tenant)
    assert job in sent
    outcome, steps = "continued", 0
    while outcome == "continued":
        outcome = runner.advance(job, seconds)
        steps += 1
    return outcome, steps


def test_the_purge_empties_both_buckets_and_every_table_and_signs_a_record(
    jdb: Database, s3: Any, replica: str, tmp_path: Any
) -> None:
    tenant = _tenant(jdb, s3, replica, objects=25)
    assert _rows_naming(jdb, tenant)  # the tenant's own row and member at least
    kind = PurgeKind(s3, BUCKET, s3, replica, lambda: SEED, batch=10)

    outcome, steps = _run(jdb, kind, tenant)

    assert outcome == "succeeded"
    assert _left(s3, BUCKET, tenant) == 0
    assert _left(s3, replica, tenant) == 0
    assert _rows_naming(jdb, tenant) == {"public.jobs": 1}  # the purge's own job (SECURITY.md)
    assert not jdb.execute("select 1 from public.tenants where id = %s", (tenant,))
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=record_key(tenant))["Body"].read())
    counts = document["record"]["counts"]
    # 25 keys, one with two versions, one with a delete marker; the job's archive.
    assert counts["bucket"] == {
        "objects": 26,
        "versions": 27,
        "delete_markers": 1,
        "errors": 0,
        "uploads_aborted": 1,
    }
    assert counts["replica"]["versions"] == 27
    assert counts["replica"]["uploads_aborted"] == 0
    assert counts["rows"]["public.tenants"] == 1
    assert counts["rows"]["public.tenant_members"] == 1
    # Batches of 10: 55 entries in each bucket take 6 batches there, and more steps
    # than one only if time ran out; here one step of 30 s did it.
    assert steps >= 1

    path = tmp_path / "record.json"
    path.write_text(json.dumps(document))
    public = base64.b64encode(public_key_bytes(signing_key(SEED))).decode()
    assert verify_main([str(path), "--public-key", public]) == 0
    document["record"]["counts"]["bucket"]["versions"] = 0
    path.write_text(json.dumps(document))
    assert verify_main([str(path), "--public-key", public]) == 1

    # Nothing is left to purge, and rows arriving late for the tenant are dropped.
    Runner(jdb, {"purge": kind}, lambda _: None).sweep()
    purges = "select 1 from public.jobs where tenant_id = %s and kind = 'purge'"
    assert len(jdb.execute(purges, (tenant,))) == 1
    jdb.execute(
        "insert into public.file_usage (tenant_id) values (%s) on conflict do nothing",
        (tenant,),
    )
    assert _rows_naming(jdb, tenant) == {"public.jobs": 1}


class Crash(Exception):
    pass


class CrashingS3:
    """The bucket's client, crashing right after the `after`th DeleteObjects went through."""

    def __init__(self, s3: Any, after: int) -> None:
        self._s3, self._after = s3, after

    def delete_objects(self, **kwargs: Any) -> Any:
        answer = self._s3.delete_objects(**kwargs)
        self._after -= 1
        if self._after == 0:
            raise Crash()
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


def test_a_purge_killed_mid_batch_resumes_to_the_same_end(
    jdb: Database, s3: Any, replica: str
) -> None:
    tenant = _tenant(jdb, s3, replica, objects=25)
    kind = PurgeKind(CrashingS3(s3, after=2), BUCKET, s3, replica, lambda: SEED, batch=10)
    sent: list[str] = []
    runner = Runner(jdb, {"purge": kind}, sent.append)
    runner.sweep()
    job = _purge_job(jdb, tenant)
    with pytest.raises(Crash):
        runner.advance(job, 30.0)
    jdb.execute("update public.jobs set lease_until = null where id = %s", (job,))
    outcome = "continued"
    while outcome == "continued":
        outcome = runner.advance(job, 30.0)
    assert outcome == "succeeded"
    assert _left(s3, BUCKET, tenant) == 0
    assert _left(s3, replica, tenant) == 0
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=record_key(tenant))["Body"].read())
    # The batch deleted before the crash is counted once, as an uninterrupted purge counts.
    assert document["record"]["counts"]["bucket"]["versions"] == 27
    assert document["record"]["counts"]["bucket"]["objects"] == 26


def test_a_step_short_of_time_saves_and_continues(jdb: Database, s3: Any, replica: str) -> None:
    tenant = _tenant(jdb, s3, replica, objects=30)
    kind = PurgeKind(s3, BUCKET, None, None, lambda: SEED, batch=10)
    # A step's time below the reserve: one batch (or task) a step.
    outcome, steps = _run(jdb, kind, tenant, seconds=1.0)
    assert outcome == "succeeded"
    assert steps > 5
    assert _left(s3, BUCKET, tenant) == 0
    record = jdb.execute(
        "select record from private.tenant_deletions where tenant_id = %s", (tenant,)
    )[0][0]
    assert "skipped" in record["counts"]["replica"]


def test_a_tenant_not_due_is_not_purged(jdb: Database, s3: Any, replica: str) -> None:
    tenant = _tenant(jdb, s3, replica, objects=1)
    jdb.execute(
        "update public.tenants set purge_after = now() + interval '1 day' where id = %s",
        (tenant,),
    )
    sent: list[str] = []
    kind = PurgeKind(s3, BUCKET, s3, replica, lambda: SEED)
    Runner(jdb, {"purge": kind}, sent.append).sweep()
    assert tenant not in [
        r[0] for r in jdb.execute("select tenant_id::text from public.jobs where kind = 'purge'")
    ]
    assert _left(s3, BUCKET, tenant) > 0


def test_every_table_naming_a_tenant_is_purged(jdb: Database) -> None:
    """A table added later with a tenant_id column is purged by the catalog's list; this
    says which: a new one must be a conscious choice (cascade, or a delete of its own)."""
    tables = {f"{s}.{t}": c for s, t, c in jdb.execute("select * from private.tenant_tables()")}
    assert {name for name, cascades in tables.items() if not cascades} == {
        "public.file_scans",
        "public.file_usage",
        "public.file_versions",
        "public.jobs",
    }
    assert len(tables) == 20, sorted(tables)


class CrashBeforeRecord(PurgeKind):
    """Killed once after the rows went, before the record was written."""

    crashed = False

    def _record(self, db: Any, job: Any, state: Any) -> None:
        if not self.crashed:
            self.crashed = True
            raise Crash()
        super()._record(db, job, state)


def test_a_purge_killed_after_the_rows_keeps_their_counts_and_a_second_changes_nothing(
    jdb: Database, s3: Any, replica: str
) -> None:
    tenant = _tenant(jdb, s3, replica, objects=3)
    kind = CrashBeforeRecord(s3, BUCKET, s3, replica, lambda: SEED)
    sent: list[str] = []
    runner = Runner(jdb, {"purge": kind}, sent.append)
    runner.sweep()
    (job,) = sent
    with pytest.raises(Crash):
        runner.advance(job, 30.0)
    assert not jdb.execute("select 1 from public.tenants where id = %s", (tenant,))
    jdb.execute("update public.jobs set lease_until = null where id = %s", (job,))
    assert runner.advance(job, 30.0) == "succeeded"
    stored = jdb.execute(
        "select record, signature from private.tenant_deletions where tenant_id = %s", (tenant,)
    )[0]
    assert stored[0]["counts"]["rows"]["public.tenant_members"] == 1
    written = s3.get_object(Bucket=BUCKET, Key=record_key(tenant))["Body"].read()

    # A purge job of the purged tenant again: the same record, nothing else.
    (again,) = jdb.execute(
        "insert into public.jobs (tenant_id, kind) values (%s, 'purge') returning id::text",
        (tenant,),
    )[0]
    assert runner.advance(again, 30.0) == "succeeded"
    assert (
        jdb.execute(
            "select record, signature from private.tenant_deletions where tenant_id = %s", (tenant,)
        )[0]
        == stored
    )
    assert s3.get_object(Bucket=BUCKET, Key=record_key(tenant))["Body"].read() == written
