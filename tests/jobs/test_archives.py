"""The archive kind (jobs/archives.py) through the runner, on the session's Postgres and
SeaweedFS: a folder's readable files archived across steps from its pinned listing,
infected and pending versions left out and listed, a trailer appended, the output
expired, and the failures it names."""

from __future__ import annotations

import io
import json
import random
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from file_lambda.database import Database
from jobs.archives import ArchiveKind, Item, Written, advance_archive, archive_name, readable_items
from jobs.runner import Finished, Job, Runner, Step
from tenancy.settings import ConfigError
from tests.support.files import BUCKET

pytestmark = pytest.mark.seaweedfs

MiB = 1024 * 1024
SMALL = {"part_size": 5 * MiB, "copy_part_size": 6 * MiB, "single_step_limit": 8 * MiB}


@pytest.fixture
def jdb(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    yield database
    database.close()


def _tenant(db: Database, *, read_pending: bool = False) -> str:
    owner = str(uuid.uuid4())
    db.execute(
        "insert into auth.users (id, aud, role, email, created_at, updated_at)"
        " values (%s, 'authenticated', 'authenticated', %s, now(), now())",
        (owner, f"owner-{owner[:8]}@example.com"),
    )
    rows = db.execute(
        "insert into public.tenants (name, members_read_pending, created_by)"
        " values ('Archives', %s, %s) returning id::text",
        (read_pending, owner),
    )
    return str(rows[0][0])


def _put(s3: Any, tenant: str, path: str, data: bytes) -> str:
    put = s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", Body=data)
    return str(put.get("VersionId") or "null")


def _verdict(db: Database, tenant: str, path: str, version: str, status: str) -> None:
    result = {"clean": "NO_THREATS_FOUND", "infected": "THREATS_FOUND"}.get(status, "FAILED")
    db.execute(
        "insert into public.file_scans (tenant_id, path, version_id, status, result, scanned_at)"
        " values (%s, %s, %s, %s, %s, now())",
        (tenant, path, version, status, result),
    )


def _job(db: Database, tenant: str, folder: str) -> str:
    rows = db.execute(
        "insert into public.jobs (tenant_id, kind, params) values (%s, 'archive', %s)"
        " returning id::text",
        (tenant, json.dumps({"folder": folder})),
    )
    return str(rows[0][0])


def _row(db: Database, job_id: str) -> tuple[Any, ...]:
    return db.execute(
        "select state::text, result, error, steps, progress from public.jobs where id = %s",
        (job_id,),
    )[0]


def _run(runner: Runner, job_id: str, limit: int = 100) -> str:
    for _ in range(limit):
        outcome = runner.advance(job_id, 30)
        if outcome != "continued":
            return outcome
    raise AssertionError("the job did not end")


def test_a_folder_is_archived_across_steps_leaving_out_what_a_member_may_not_read(
    jdb: Database, s3: Any
) -> None:
    tenant = _tenant(jdb)
    rng = random.Random(7)
    files = {
        "reports/q1.csv": b"a,b\n" * 1000,
        "reports/scan.pdf": rng.randbytes(7 * MiB),
        "reports/raw/big.bin": rng.randbytes(13 * MiB),
    }
    for path, data in files.items():
        _verdict(jdb, tenant, path, _put(s3, tenant, path, data), "clean")
    _put(s3, tenant, "reports/new.txt", b"not scanned yet")
    _verdict(
        jdb, tenant, "reports/eicar.com", _put(s3, tenant, "reports/eicar.com", b"X5O"), "infected"
    )
    _verdict(
        jdb, tenant, "reports/odd.bin", _put(s3, tenant, "reports/odd.bin", b"?"), "unscannable"
    )
    _put(s3, tenant, "elsewhere.txt", b"not in the folder")
    # Every part boundary ends the step: the job continues across many.
    kind = ArchiveKind(s3, BUCKET, 24, tuning={**SMALL, "stop_margin": 1000.0})
    runner = Runner(jdb, {"archive": kind}, lambda _: None)
    job_id = _job(jdb, tenant, "reports/")
    assert _run(runner, job_id) == "succeeded"
    _state, result, _error, steps, progress = _row(jdb, job_id)
    assert steps > 3
    assert result["name"] == "reports.zip"
    assert result["files"] == 4
    assert result["key"] == f"jobs/{tenant}/{job_id}/reports.zip"
    assert sorted(result["skipped"], key=lambda s: s["path"]) == [
        {"path": "eicar.com", "reason": "infected"},
        {"path": "new.txt", "reason": "pending"},
    ]
    assert progress["files_done"] == progress["files"] == 4
    assert progress["bytes_written"] == result["size"]
    data = s3.get_object(Bucket=BUCKET, Key=result["key"])["Body"].read()
    assert result["size"] == len(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["odd.bin", "q1.csv", "raw/big.bin", "scan.pdf"]
    for path, content in files.items():
        assert archive.read(path.removeprefix("reports/")) == content
    # The pinned items and the central directory go with the job's end.
    assert jdb.execute("select 1 from private.job_items where job_id = %s", (job_id,)) == []
    kind.expire(Job(job_id, tenant, "archive", None, {}, {}, 1, datetime.now(UTC)), result)
    listed = s3.list_object_versions(Bucket=BUCKET, Prefix=result["key"])
    assert listed.get("Versions", []) == []
    assert listed.get("DeleteMarkers", []) == []


def test_pending_files_are_archived_where_the_tenant_lets_members_read_them(
    jdb: Database, s3: Any
) -> None:
    tenant = _tenant(jdb, read_pending=True)
    _put(s3, tenant, "a/new.txt", b"fresh")
    items, skipped = readable_items(jdb, s3, BUCKET, tenant, "a/")
    assert [i.name for i in items] == ["new.txt"]
    assert skipped == []
    # With scanning off, nothing is left out, infected or not.
    other = _tenant(jdb)
    _verdict(jdb, other, "x.txt", _put(s3, other, "x.txt", b"X5O"), "infected")
    items, skipped = readable_items(jdb, s3, BUCKET, other, "", scanning_enforced=False)
    assert [i.name for i in items] == ["x.txt"]
    assert skipped == []


def test_an_empty_or_vanished_folder_fails_the_job(jdb: Database, s3: Any) -> None:
    tenant = _tenant(jdb)
    runner = Runner(jdb, {"archive": ArchiveKind(s3, BUCKET)}, lambda _: None)
    job_id = _job(jdb, tenant, "nothing/")
    assert runner.advance(job_id, 30) == "failed"
    assert _row(jdb, job_id)[2] == "archive_folder_empty"


def test_a_trailer_is_appended_with_what_was_written(jdb: Database, s3: Any) -> None:
    tenant = _tenant(jdb)
    _put(s3, tenant, "f/one.txt", b"one")
    _put(s3, tenant, "f/two.jpg", b"\xff\xd8two")
    job_id = _job(jdb, tenant, "f/")
    job = Job(job_id, tenant, "export", None, {}, {}, 1, datetime.now(UTC))
    step = Step(jdb, job, 1e12, None)

    def trailer(written: Iterable[Written]) -> Iterator[tuple[str, Iterable[bytes]]]:
        lines = [json.dumps([w.name, w.size, w.crc32, w.sha256]).encode() for w in written]
        yield "manifest.jsonl", (line + b"\n" for line in lines)

    items = [Item(n, f"tenants/{tenant}/f/{n}", None, 3) for n in ("one.txt", "two.jpg")]
    done = advance_archive(
        step, s3, BUCKET, f"jobs/{tenant}/{job_id}/x.zip", lambda: items, trailer=trailer
    )
    assert done is not None
    assert done.files == 2
    data = s3.get_object(Bucket=BUCKET, Key=done.key)["Body"].read()
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["one.txt", "two.jpg", "manifest.jsonl"]
    manifest = [json.loads(line) for line in archive.read("manifest.jsonl").splitlines()]
    assert [m[0] for m in manifest] == ["one.txt", "two.jpg"]
    assert manifest[0][2] == zipfile.ZipFile(io.BytesIO(data)).getinfo("one.txt").CRC
    assert len(manifest[0][3]) == 64
    # A step after the end answers the same, without writing again.
    again = advance_archive(step, s3, BUCKET, done.key, lambda: [])
    assert again == done


def test_archive_names() -> None:
    assert archive_name("reports/2026/") == "2026.zip"
    assert archive_name("") == "tenant.zip"
    assert isinstance(Finished({}), Finished)


def test_settings() -> None:
    kind = ArchiveKind.from_env(None, BUCKET, {"ARCHIVE_EXPIRY_HOURS": "2"})
    assert (kind.expiry_hours, kind.scanning_enforced) == (2.0, True)
    assert not ArchiveKind.from_env(None, BUCKET, {"MALWARE_SCANNING": "off"}).scanning_enforced
    with pytest.raises(ConfigError, match="MALWARE_SCANNING"):
        ArchiveKind.from_env(None, BUCKET, {"MALWARE_SCANNING": "maybe"})
    with pytest.raises(ConfigError, match="ARCHIVE_EXPIRY_HOURS"):
        ArchiveKind.from_env(None, BUCKET, {"ARCHIVE_EXPIRY_HOURS": "-1"})


class ListedVersions:
    """A bucket's version listing, as boto3's paginator pages it."""

    def __init__(self, versions: list[dict[str, Any]]) -> None:
        self.versions = versions

    def get_paginator(self, name: str) -> ListedVersions:
        assert name == "list_object_versions"
        return self

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return [{"Versions": self.versions}]


def test_versions_in_an_archive_storage_class_are_left_out() -> None:
    root = "tenants/t/f/"
    listed = ListedVersions(
        [
            {
                "Key": root + "cold.mov",
                "VersionId": "1",
                "Size": 9,
                "IsLatest": True,
                "StorageClass": "DEEP_ARCHIVE",
            },
            {
                "Key": root + "warm.txt",
                "VersionId": "2",
                "Size": 3,
                "IsLatest": True,
                "StorageClass": "GLACIER_IR",
            },
            {"Key": root + "old.txt", "VersionId": "3", "Size": 3, "IsLatest": False},
            {"Key": root + "sub/", "VersionId": "4", "Size": 0, "IsLatest": True},
        ]
    )
    items, skipped = readable_items(None, listed, BUCKET, "t", "f/", scanning_enforced=False)
    assert items == [Item("warm.txt", root + "warm.txt", "2", 3)]
    assert skipped == [{"path": "cold.mov", "reason": "archived"}]


def test_a_step_that_dies_after_completing_the_zip_is_finished_by_the_next(
    jdb: Database, s3: Any
) -> None:
    tenant = _tenant(jdb)
    _put(s3, tenant, "d/one.txt", b"one")
    job_id = _job(jdb, tenant, "d/")
    job = Job(job_id, tenant, "archive", None, {}, {}, 1, datetime.now(UTC))
    key = f"jobs/{tenant}/{job_id}/d.zip"
    items = [Item("one.txt", f"tenants/{tenant}/d/one.txt", None, 3)]

    class Died(Exception):
        pass

    class DiesSavingTheEnd(Step):
        def save(self, checkpoint: Any, progress: Any = None) -> None:
            if "done" in checkpoint:
                raise Died  # after CompleteMultipartUpload, before the save
            super().save(checkpoint, progress)

    with pytest.raises(Died):
        advance_archive(DiesSavingTheEnd(jdb, job, 1e12, None), s3, BUCKET, key, lambda: items)
    whole = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    checkpoint = jdb.execute(
        "select checkpoint from private.job_checkpoints where job_id = %s", (job_id,)
    )[0][0]
    # The next step resumes from the last save, before the end: the ZIP is there already.
    done = advance_archive(Step(jdb, job, 1e12, checkpoint), s3, BUCKET, key, lambda: [])
    assert done is not None
    assert (done.size, done.files) == (len(whole), 1)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == whole
    assert zipfile.ZipFile(io.BytesIO(whole)).read("one.txt") == b"one"
