"""An export's documents (jobs/export_documents.py) on the session's Postgres with every
migration: what each says of a tenant, that nothing of another tenant or any secret gets in,
and that the audit trail streams oldest first across pages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from file_lambda.database import Database
from jobs import export_documents
from jobs.export_documents import audit_chunks, documents


@dataclass(frozen=True)
class Written:
    name: str
    key: str
    version_id: str | None
    size: int
    crc32: int
    sha256: str | None


@pytest.fixture
def jdb(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    yield database
    database.close()


def _user(db: Database) -> tuple[str, str]:
    user_id = str(uuid.uuid4())
    email = f"user-{user_id[:8]}@example.com"
    db.execute(
        "insert into auth.users (id, aud, role, email, created_at, updated_at)"
        " values (%s, 'authenticated', 'authenticated', %s, now(), now())",
        (user_id, email),
    )
    return user_id, email


def _tenant(db: Database, owner: str, name: str = "Acme") -> str:
    rows = db.execute(
        "insert into public.tenants (name, created_by) values (%s, %s) returning id::text",
        (name, owner),
    )
    return str(rows[0][0])


def _version(db: Database, tenant: str, path: str, version: str, size: int, n: int) -> None:
    db.execute(
        "select private.apply_file_change(%s, %s, %s, 'created', %s, %s)",
        (tenant, path, version, size, f"{n:016X}"),
    )


def _read(chunks: Any) -> bytes:
    return b"".join(chunks)


def test_the_documents_say_what_the_tenant_holds(jdb: Database) -> None:
    owner, owner_email = _user(jdb)
    member, member_email = _user(jdb)
    tenant = _tenant(jdb, owner)
    other = _tenant(jdb, owner, "Other")
    jdb.execute(
        "insert into public.tenant_members (tenant_id, user_id, role) values (%s, %s, 'member')",
        (tenant, member),
    )
    jdb.execute(
        "insert into public.tenant_invitations (tenant_id, email, role, invited_by)"
        " values (%s, 'invitee@example.com', 'viewer', %s)",
        (tenant, owner),
    )
    jdb.execute(
        "insert into public.tenant_invitations (tenant_id, email, role, invited_by)"
        " values (%s, 'elsewhere@example.com', 'viewer', %s)",
        (other, owner),
    )
    # a.txt: two versions, the second uploaded by the member (the trail names them);
    # b/c.bin: one version, reached the bucket through a presigned upload (file_uploads).
    _version(jdb, tenant, "a.txt", "v1", 5, 1)
    _version(jdb, tenant, "a.txt", "v2", 7, 2)
    _version(jdb, tenant, "b/c.bin", "v3", 11, 3)
    _version(jdb, other, "a.txt", "x1", 99, 4)
    jdb.execute(
        "insert into public.audit_events (tenant_id, actor, source, action, path, version_id,"
        " outcome, status) values (%s, %s, 'api', 'upload_file', 'a.txt', 'v2', 'succeeded', 201)",
        (tenant, member),
    )
    jdb.execute(
        "insert into public.file_uploads (storage_upload_id, tenant_id, user_id, path,"
        " content_type, overwrite) values (%s, %s, %s, 'b/c.bin', 'application/octet-stream',"
        " false)",
        (f"up-{uuid.uuid4()}", tenant, owner),
    )
    jdb.execute(
        "insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 1000)", (tenant,)
    )
    written = [
        Written("files/a.txt", f"tenants/{tenant}/a.txt", "v2", 7, 0x1234ABCD, "ab" * 32),
        Written("files/b/c.bin", f"tenants/{tenant}/b/c.bin", "v3", 11, 7, None),
    ]
    modified = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    described: dict[str, tuple[datetime | None, str | None]] = {
        "v2": (modified, "text/plain"),
        "v3": (modified, "application/octet-stream"),
    }
    made = {
        name: _read(chunks)
        for name, chunks in documents(
            jdb,
            tenant,
            iter(written),
            lambda key, version: described[str(version)],
            exported_at=datetime.now(UTC),
            exported_by=owner,
        )
    }
    assert list(made) == [
        "manifest.json",
        "tenant.json",
        "members.json",
        "invitations.json",
        "usage.json",
        "audit.jsonl",
        "README.txt",
    ]
    manifest = json.loads(made["manifest.json"])
    assert manifest["tenant_id"] == tenant
    assert manifest["format"] == "snsd-export/1"
    assert manifest["files"] == [
        {
            "path": "a.txt",
            "size": 7,
            "sha256": "ab" * 32,
            "crc32": "1234abcd",
            "version_id": "v2",
            "last_modified": modified.isoformat(),
            "content_type": "text/plain",
            "written_by": member,
            "versions": 2,
        },
        {
            "path": "b/c.bin",
            "size": 11,
            "sha256": None,
            "crc32": "00000007",
            "version_id": "v3",
            "last_modified": modified.isoformat(),
            "content_type": "application/octet-stream",
            "written_by": owner,
            "versions": 1,
        },
    ]
    about = json.loads(made["tenant.json"])
    assert (about["id"], about["name"], about["created_by"]) == (tenant, "Acme", owner)
    assert about["settings"] == {"members_read_pending": False}
    members = json.loads(made["members.json"])
    assert {(m["user_id"], m["email"], m["role"]) for m in members} == {
        (owner, owner_email, "owner"),
        (member, member_email, "member"),
    }
    invitations = json.loads(made["invitations.json"])
    assert [(i["email"], i["role"], i["status"]) for i in invitations] == [
        ("invitee@example.com", "viewer", "pending")
    ]
    assert set(invitations[0]) == {
        "id", "email", "role", "status", "invited_by", "created_at", "expires_at", "closed_at"
    }  # fmt: skip
    assert json.loads(made["usage.json"]) == {
        "current": {"size": 18, "objects": 2},
        "used": {"size": 23, "objects": 3},
        "reserved": {"size": 0, "objects": 0},
        "quota": {"max_bytes": 1000, "max_objects": None},
    }
    lines = [json.loads(line) for line in made["audit.jsonl"].splitlines()]
    assert {line["action"] for line in lines} >= {"tenant_created", "upload_file"}
    assert all(line["path"] != "a.txt" or line["version_id"] != "x1" for line in lines)
    assert made["README.txt"].startswith(b"SnSD tenant export")
    assert tenant.encode() in made["README.txt"]
    for text in made.values():
        assert other.encode() not in text


def test_the_audit_trail_streams_oldest_first_a_page_at_a_time(jdb: Database) -> None:
    owner, _ = _user(jdb)
    tenant = _tenant(jdb, owner)
    # 2,500 rows in three stretches of time, some sharing a time: the page's key is
    # (occurred_at, id), so none is seen twice or skipped; a row after `until` (the
    # export's request) is left out.
    jdb.execute(
        "insert into public.audit_events (tenant_id, occurred_at, source, action, outcome)"
        " select %s, now() - make_interval(secs => 100 - n / 1000), 'bucket', 'object_created',"
        " 'succeeded' from generate_series(1, 2500) n",
        (tenant,),
    )
    until = jdb.execute("select now()")[0][0]
    jdb.execute(
        "insert into public.audit_events (tenant_id, occurred_at, source, action, outcome)"
        " values (%s, now() + interval '1 minute', 'bucket', 'object_created', 'succeeded')",
        (tenant,),
    )
    chunks = list(audit_chunks(jdb, tenant, until, page=1000))
    assert len(chunks) == 3  # pages of 1000, 1000 and 502 (the tenant's own creation rows)
    rows = [json.loads(line) for chunk in chunks for line in chunk.splitlines()]
    assert len(rows) == 2502
    assert len({row["id"] for row in rows}) == 2502
    keys = [(row["occurred_at"], row["id"]) for row in rows]
    assert keys == sorted(keys)


def test_an_empty_tenant_has_its_documents_all_the_same(jdb: Database) -> None:
    owner, _ = _user(jdb)
    tenant = _tenant(jdb, owner)
    made = {
        name: _read(chunks)
        for name, chunks in documents(
            jdb, tenant, iter([]), lambda key, version: (None, None),
            exported_at=datetime.now(UTC), exported_by=None,
        )
    }  # fmt: skip
    assert json.loads(made["manifest.json"])["files"] == []
    assert json.loads(made["usage.json"])["current"] == {"size": 0, "objects": 0}
    assert len(json.loads(made["members.json"])) == 1


def test_the_manifest_is_made_a_batch_of_files_at_a_time(
    jdb: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, _ = _user(jdb)
    tenant = _tenant(jdb, owner)
    monkeypatch.setattr(export_documents, "MANIFEST_BATCH", 3)
    statements: list[str] = []
    execute = jdb.execute

    def counting(query: str, params: Any = ()) -> list[tuple[Any, ...]]:
        statements.append(query)
        return execute(query, params)

    monkeypatch.setattr(jdb, "execute", counting)
    written = [Written(f"files/f{n}", f"k{n}", None, n, n, None) for n in range(7)]
    text = b"".join(
        export_documents.manifest_chunks(jdb, tenant, iter(written), lambda k, v: (None, None))
    )
    assert [f["path"] for f in json.loads(text)["files"]] == [f"f{n}" for n in range(7)]
    assert len(statements) == 3  # 3 + 3 + 1 files
