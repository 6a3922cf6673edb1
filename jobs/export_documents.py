"""The documents of a tenant's export (docs/api.md, "Tenant export"), beside its files.

`documents(...)` yields each as (name, chunks), the archive's trailer
(`jobs/archives.py`): `manifest.json`, `tenant.json`, `members.json`,
`invitations.json`, `usage.json`, `audit.jsonl` and `README.txt`. Every
document is made as its chunks are read: the manifest a batch of files at a
time, the audit trail a page of rows at a time, so a large tenant's
documents are never all in memory.

All the SQL an export reads is here, run on the job function's own
connection (`Step.db`, autocommitted statements, no row-level security):
each statement names the tenant itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Protocol

from jobs.runner import Database

# Files a manifest statement describes at once; audit rows a page.
MANIFEST_BATCH = 500
# Versions described (a HEAD each) at once: botocore's default connection pool
# holds 10. One at a time, 2,000 files' HEADs took 11.7 s of a 30.6 s export on
# SeaweedFS, and a trailer is written within one step.
DESCRIBED_AT_ONCE = 10
AUDIT_PAGE = 1000
# The manifest's and the documents' format, for an importer to check.
FORMAT = "snsd-export/1"


class WrittenFile(Protocol):
    """An archived file as the archive wrote it (`jobs.archives.Written`)."""

    @property
    def name(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def version_id(self) -> str | None: ...
    @property
    def size(self) -> int: ...
    @property
    def crc32(self) -> int: ...
    @property
    def sha256(self) -> str | None: ...


# What S3 says of a version beyond the archive's record: (last_modified, content_type).
Described = Callable[[str, str | None], tuple[datetime | None, str | None]]

FILES_PREFIX = "files/"

_TENANT = """
select id::text, name, created_at, created_by::text, members_read_pending
from public.tenants where id = %s
"""
_MEMBERS = """
select m.user_id::text, u.email::text, m.role::text, m.created_at
from public.tenant_members m left join auth.users u on u.id = m.user_id
where m.tenant_id = %s order by m.created_at, m.user_id
"""
# No secret is kept with an invitation (its link is Supabase Auth's), but
# only what an importer needs is read all the same.
_INVITATIONS = """
select id::text, email, role::text, status::text, invited_by::text, created_at, expires_at,
       closed_at
from public.tenant_invitations where tenant_id = %s order by created_at, id
"""
# What the ledger counts (every version the bucket keeps, the trash included),
# what uploads in progress reserve, and the quota: as GET /tenants/{id}/quota.
_USAGE = """
with t (id) as (values (%s::uuid))
select coalesce((select sum(current_bytes) from public.file_usage, t where tenant_id = t.id), 0),
       coalesce((select sum(current_objects) from public.file_usage, t where tenant_id = t.id), 0),
       coalesce((select sum(version_bytes) from public.file_usage, t where tenant_id = t.id), 0),
       coalesce((select sum(version_objects) from public.file_usage, t where tenant_id = t.id), 0),
       coalesce((select sum(bytes) from public.file_reservations, t
                 where tenant_id = t.id and expires_at > now()), 0),
       coalesce((select sum(objects) from public.file_reservations, t
                 where tenant_id = t.id and expires_at > now()), 0),
       (select max_bytes from public.tenant_quotas, t where tenant_id = t.id),
       (select max_objects from public.tenant_quotas, t where tenant_id = t.id)
"""
# Per file: the versions the ledger keeps, and who wrote it: the user of the
# audit trail's last successful write naming the path (the version's own row
# first, where the trail has one), else the user who last started an upload
# to it (a presigned or multipart upload's bytes reach the bucket unnamed).
_FILES = """
with t (id) as (values (%s::uuid))
select p.path,
       (select count(*) from public.file_versions v
        where v.tenant_id = t.id and v.path = p.path and not v.delete_marker
          and not v.removed) as versions,
       coalesce(
         (select e.actor::text from public.audit_events e
          where e.tenant_id = t.id and e.path = p.path and e.actor is not null
            and e.outcome = 'succeeded'
          order by e.version_id is not distinct from p.version_id desc, e.occurred_at desc,
                   e.id desc
          limit 1),
         (select u.user_id::text from public.file_uploads u
          where u.tenant_id = t.id and u.path = p.path
          order by u.created_at desc limit 1)) as written_by
from t, unnest(%s::text[], %s::text[]) with ordinality as p(path, version_id, n)
order by p.n
"""
# Oldest first, a page at a time after the last row seen, up to the export's
# request (its own row included: it is written with the job, at the same now()):
# a trailer written again by a later step gives the same rows.
_AUDIT = """
select id, occurred_at, actor::text, source, action, path, version_id, size, outcome, status,
       code, request_id, detail
from public.audit_events
where tenant_id = %s and (occurred_at, id) > (%s, %s) and occurred_at <= %s
order by occurred_at, id
limit %s
"""
_AUDIT_COLUMNS = (
    "id",
    "occurred_at",
    "actor",
    "source",
    "action",
    "path",
    "version_id",
    "size",
    "outcome",
    "status",
    "code",
    "request_id",
    "detail",
)

README = """\
SnSD tenant export ({format})

Tenant {tenant_id}, exported {exported_at} by user {exported_by}.

files/<path>      each current file of the tenant, at its path, as it was
                  when the export started (its latest version; the trash and
                  older versions are not included). Files left out (not yet
                  scanned, or infected) are listed in the export's `skipped`.
manifest.json     every file above: path, size, sha256 (when S3 kept one),
                  crc32 (of the bytes in this archive), version_id,
                  last_modified, content_type, written_by (a user id; see
                  members.json), versions (how many the tenant keeps).
tenant.json       the tenant: id, name, settings, created_at, created_by.
members.json      its members: user_id, email, role, since.
invitations.json  its invitations, all states (no links or secrets).
usage.json        what it stores and its quota, as GET /tenants/{{id}}/quota.
audit.jsonl       its audit trail, oldest first, one JSON object a line, as
                  GET /tenants/{{id}}/audit shows each row.

scripts/import_export.py recreates a tenant from this archive.
"""


def _json(value: Any) -> bytes:
    return json.dumps(value, default=_text, separators=(",", ":"), ensure_ascii=False).encode()


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def file_path(name: str) -> str:
    """The tenant's path of an archive entry `files/<path>`."""
    return name.removeprefix(FILES_PREFIX)


def tenant_exists(db: Database, tenant_id: str) -> bool:
    return bool(db.execute("select 1 from public.tenants where id = %s", (tenant_id,)))


def tenant_document(db: Database, tenant_id: str) -> dict[str, Any]:
    rows = db.execute(_TENANT, (tenant_id,))
    if not rows:
        raise LookupError("no such tenant")
    tenant, name, created_at, created_by, members_read_pending = rows[0]
    return {
        "format": FORMAT,
        "id": tenant,
        "name": name,
        "created_at": created_at,
        "created_by": created_by,
        "settings": {"members_read_pending": members_read_pending},
    }


def members_document(db: Database, tenant_id: str) -> list[dict[str, Any]]:
    return [
        {"user_id": user, "email": email, "role": role, "since": since}
        for user, email, role, since in db.execute(_MEMBERS, (tenant_id,))
    ]


def invitations_document(db: Database, tenant_id: str) -> list[dict[str, Any]]:
    names = ("id", "email", "role", "status", "invited_by", "created_at", "expires_at")
    return [
        dict(zip((*names, "closed_at"), row, strict=True))
        for row in db.execute(_INVITATIONS, (tenant_id,))
    ]


def usage_document(db: Database, tenant_id: str) -> dict[str, Any]:
    current, current_n, used, used_n, reserved, reserved_n, max_bytes, max_objects = db.execute(
        _USAGE, (tenant_id,)
    )[0]
    return {
        "current": {"size": int(current), "objects": int(current_n)},
        "used": {"size": int(used), "objects": int(used_n)},
        "reserved": {"size": int(reserved), "objects": int(reserved_n)},
        "quota": {"max_bytes": max_bytes, "max_objects": max_objects},
    }


def manifest_entries(
    db: Database, tenant_id: str, written: Iterable[WrittenFile], described: Described
) -> Iterator[dict[str, Any]]:
    """One entry per archived file, in the archive's order, a batch of files a statement."""
    batch: list[WrittenFile] = []
    for one in written:
        batch.append(one)
        if len(batch) == MANIFEST_BATCH:
            yield from _entries(db, tenant_id, batch, described)
            batch = []
    if batch:
        yield from _entries(db, tenant_id, batch, described)


def _entries(
    db: Database, tenant_id: str, batch: Sequence[WrittenFile], described: Described
) -> Iterator[dict[str, Any]]:
    paths = [file_path(one.name) for one in batch]
    rows = db.execute(_FILES, (tenant_id, paths, [one.version_id for one in batch]))
    with ThreadPoolExecutor(DESCRIBED_AT_ONCE) as pool:
        descriptions = list(pool.map(lambda one: described(one.key, one.version_id), batch))
    for one, path, (_, versions, written_by), (last_modified, content_type) in zip(
        batch, paths, rows, descriptions, strict=True
    ):
        yield {
            "path": path,
            "size": one.size,
            "sha256": one.sha256,
            "crc32": f"{one.crc32:08x}",
            "version_id": one.version_id,
            "last_modified": last_modified,
            "content_type": content_type,
            "written_by": written_by,
            # At least the archived one, should the ledger not have caught up yet.
            "versions": max(int(versions), 1),
        }


def manifest_chunks(
    db: Database, tenant_id: str, written: Iterable[WrittenFile], described: Described
) -> Iterator[bytes]:
    """`manifest.json`: {"format", "tenant_id", "files": [...]}, a file a line."""
    yield b'{"format":' + _json(FORMAT) + b',"tenant_id":' + _json(tenant_id) + b',"files":['
    separator = b"\n"
    for entry in manifest_entries(db, tenant_id, written, described):
        yield separator + _json(entry)
        separator = b",\n"
    yield b"\n]}\n"


def audit_chunks(
    db: Database, tenant_id: str, until: datetime, page: int = AUDIT_PAGE
) -> Iterator[bytes]:
    """`audit.jsonl`, oldest first up to `until`: a chunk per page of rows, each page read
    after the last row of the one before."""
    at: datetime | str = "-infinity"
    last_id = 0
    while True:
        rows = db.execute(_AUDIT, (tenant_id, at, last_id, until, page))
        if not rows:
            return
        yield b"".join(_json(dict(zip(_AUDIT_COLUMNS, row, strict=True))) + b"\n" for row in rows)
        at, last_id = rows[-1][1], rows[-1][0]
        if len(rows) < page:
            return


def documents(
    db: Database,
    tenant_id: str,
    written: Iterable[WrittenFile],
    described: Described,
    *,
    exported_at: datetime,
    exported_by: str | None,
) -> Iterator[tuple[str, Iterable[bytes]]]:
    """The export's documents after its files, each made as it is read; the audit trail
    up to `exported_at` (the job's creation), the rest as they are when read."""
    yield "manifest.json", manifest_chunks(db, tenant_id, written, described)
    yield "tenant.json", iter([_json(tenant_document(db, tenant_id)) + b"\n"])
    yield "members.json", iter([_json(members_document(db, tenant_id)) + b"\n"])
    yield "invitations.json", iter([_json(invitations_document(db, tenant_id)) + b"\n"])
    yield "usage.json", iter([_json(usage_document(db, tenant_id)) + b"\n"])
    yield "audit.jsonl", audit_chunks(db, tenant_id, exported_at)
    text = README.format(
        format=FORMAT,
        tenant_id=tenant_id,
        exported_at=exported_at.isoformat(),
        exported_by=exported_by or "(unknown)",
    )
    yield "README.txt", iter([text.encode()])
