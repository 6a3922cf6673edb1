"""The export job (jobs/exports.py) through the runner, on SeaweedFS and the session's
Postgres: the ZIP holds the tenant's current files under files/ and the documents after
them, the manifest agrees with the bytes, an infected file is left out and listed, and
expiry deletes every version of the ZIP."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from file_lambda.database import Database
from jobs.exports import ExportKind
from jobs.runner import Job, Runner
from tenancy.settings import ConfigError
from tests.support.files import BUCKET


@pytest.fixture
def jdb(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    yield database
    database.close()


def _tenant(db: Database) -> tuple[str, str]:
    owner = str(uuid.uuid4())
    db.execute(
        "insert into auth.users (id, aud, role, email, created_at, updated_at)"
        " values (%s, 'authenticated', 'authenticated', %s, now(), now())",
        (owner, f"owner-{owner[:8]}@example.com"),
    )
    rows = db.execute(
        "insert into public.tenants (name, created_by) values ('Export Co', %s) returning id::text",
        (owner,),
    )
    return str(rows[0][0]), owner


def _job(db: Database, tenant: str, owner: str) -> str:
    rows = db.execute(
        "insert into public.jobs (tenant_id, kind, requested_by) values (%s, 'export', %s)"
        " returning id::text",
        (tenant, owner),
    )
    return str(rows[0][0])


def _run(db: Database, kind: ExportKind, job_id: str) -> tuple[str, dict[str, Any], int]:
    runner = Runner(db, {"export": kind}, lambda _: None)
    outcome, steps = "continued", 0
    while outcome == "continued":
        outcome = runner.advance(job_id, 30)
        steps += 1
    state, result, error = db.execute(
        "select state::text, result, error from public.jobs where id = %s", (job_id,)
    )[0]
    assert outcome == state, error
    return state, result or {}, steps


def test_an_export_holds_the_files_and_the_documents(s3: Any, jdb: Database) -> None:
    tenant, owner = _tenant(jdb)
    files = {
        "readme.md": b"# hello\n" * 100,
        "reports/2026/q1.csv": b"a,b\n1,2\n",
        "reports/empty.txt": b"",
        "photos/raw.bin": bytes(range(256)) * 50,
    }
    root = f"tenants/{tenant}/"
    s3.put_object(Bucket=BUCKET, Key=root + "readme.md", Body=b"first version")
    for path, data in files.items():
        s3.put_object(Bucket=BUCKET, Key=root + path, Body=data, ContentType="text/plain")
    s3.put_object(Bucket=BUCKET, Key=root + "bad.exe", Body=b"X5O!P%@AP")
    versions = {
        path: s3.head_object(Bucket=BUCKET, Key=root + path)["VersionId"]
        for path in [*files, "bad.exe"]
    }

    # Verdicts: all clean but bad.exe (make dev's scanner writes them so).
    def verdict(path: str) -> tuple[str, str]:
        return ("infected", "THREATS_FOUND") if path == "bad.exe" else ("clean", "NO_THREATS_FOUND")

    for path, version in versions.items():
        jdb.execute(
            "insert into public.file_scans (tenant_id, path, version_id, status, result,"
            " scanned_at) values (%s, %s, %s, %s, %s, now())",
            (tenant, path, version, *verdict(path)),
        )
    job_id = _job(jdb, tenant, owner)
    kind = ExportKind(s3, BUCKET)
    state, result, _ = _run(jdb, kind, job_id)
    assert state == "succeeded"
    assert result["files"] == len(files)
    assert result["skipped"] == [{"path": "bad.exe", "reason": "infected"}]
    assert result["key"].startswith(f"jobs/{tenant}/{job_id}/snsd-export-{tenant}-")
    assert result["file_name"] == result["key"].rsplit("/", 1)[1]
    body = s3.get_object(Bucket=BUCKET, Key=result["key"])["Body"].read()
    assert len(body) == result["size"]
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    names = archive.namelist()
    assert sorted(n for n in names if n.startswith("files/")) == sorted(f"files/{p}" for p in files)
    assert names[len(files) :] == [
        "manifest.json",
        "tenant.json",
        "members.json",
        "invitations.json",
        "usage.json",
        "audit.jsonl",
        "README.txt",
    ]
    for path, data in files.items():
        assert archive.read(f"files/{path}") == data
    manifest = json.loads(archive.read("manifest.json"))
    by_path = {entry["path"]: entry for entry in manifest["files"]}
    assert set(by_path) == set(files)
    for path, data in files.items():
        entry = by_path[path]
        assert entry["size"] == len(data)
        assert entry["crc32"] == f"{zlib.crc32(data):08x}"
        assert entry["sha256"] in {None, hashlib.sha256(data).hexdigest()}
        assert entry["version_id"] == versions[path]
        assert entry["content_type"] == "text/plain"
        assert entry["last_modified"]
    assert json.loads(archive.read("tenant.json"))["name"] == "Export Co"
    (member,) = json.loads(archive.read("members.json"))
    assert (member["user_id"], member["role"]) == (owner, "owner")
    for line in archive.read("audit.jsonl").splitlines():
        assert json.loads(line)["id"] > 0

    # Expiry deletes every version of the ZIP, and nothing else.
    row = jdb.execute(
        "select id::text, tenant_id::text, kind::text, requested_by::text, params, progress,"
        " steps, created_at from public.jobs where id = %s",
        (job_id,),
    )[0]
    kind.expire(Job(*row), result)
    left = s3.list_object_versions(Bucket=BUCKET, Prefix=f"jobs/{tenant}/{job_id}/")
    assert left.get("Versions", []) == []
    assert left.get("DeleteMarkers", []) == []
    assert s3.head_object(Bucket=BUCKET, Key=root + "readme.md")["ContentLength"] == 800


def test_an_export_continues_across_steps(s3: Any, jdb: Database) -> None:
    """Each step stops after one item (a margin longer than the step): the ZIP, written
    over as many steps, holds every file and a manifest of them all."""
    tenant, owner = _tenant(jdb)
    jdb.execute("update public.tenants set members_read_pending = true where id = %s", (tenant,))
    files = {f"d{n % 3}/f{n}.txt": f"file {n}\n".encode() * (n + 1) for n in range(6)}
    for path, data in files.items():
        s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", Body=data)
    kind = ExportKind(s3, BUCKET, tuning={"stop_margin": 1000.0})
    state, result, steps = _run(jdb, kind, _job(jdb, tenant, owner))
    assert state == "succeeded"
    assert steps > len(files)
    archive = zipfile.ZipFile(
        io.BytesIO(s3.get_object(Bucket=BUCKET, Key=result["key"])["Body"].read())
    )
    assert archive.testzip() is None
    manifest = json.loads(archive.read("manifest.json"))
    assert {entry["path"]: entry["size"] for entry in manifest["files"]} == {
        path: len(data) for path, data in files.items()
    }
    for path, data in files.items():
        assert archive.read(f"files/{path}") == data


def test_an_empty_tenant_exports_its_documents(s3: Any, jdb: Database) -> None:
    tenant, owner = _tenant(jdb)
    state, result, _ = _run(jdb, ExportKind(s3, BUCKET), _job(jdb, tenant, owner))
    assert (state, result["files"], result["skipped"]) == ("succeeded", 0, [])
    body = s3.get_object(Bucket=BUCKET, Key=result["key"])["Body"].read()
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert json.loads(archive.read("manifest.json"))["files"] == []
    assert "README.txt" in archive.namelist()


def test_an_export_of_a_tenant_gone_fails(s3: Any, jdb: Database) -> None:
    job_id = _job(jdb, str(uuid.uuid4()), str(uuid.uuid4()))
    state, _, _ = _run(jdb, ExportKind(s3, BUCKET), job_id)
    error = jdb.execute("select error from public.jobs where id = %s", (job_id,))[0][0]
    assert (state, error) == ("failed", "tenant_not_found")


def test_its_settings(s3: Any) -> None:
    kind = ExportKind.from_env(s3, BUCKET, {})
    assert (kind.expiry.total_seconds(), kind.scanning_enforced) == (168 * 3600, True)
    kind = ExportKind.from_env(s3, BUCKET, {"EXPORT_EXPIRY_HOURS": "2", "MALWARE_SCANNING": "off"})
    assert (kind.expiry.total_seconds(), kind.scanning_enforced) == (7200, False)
    with pytest.raises(ConfigError):
        ExportKind.from_env(s3, BUCKET, {"MALWARE_SCANNING": "sometimes"})
