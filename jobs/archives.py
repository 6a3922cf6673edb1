"""Folder archives: a ZIP of a folder's current files, built by the job function.

`advance_archive` is the reusable part (the tenant export builds its ZIP with
it, a manifest as its trailer); `ArchiveKind` is the job kind 'archive' that
the file API's `POST /files/archives` starts. The writer itself, and why it
copies large files server-side and resumes between parts, is
`jobs/zipstream.py`.

The items are listed once, on the job's first step, and pinned (each with the
version current then) in `private.job_items`, which later holds the central
directory: later steps never list again, and a file changed meanwhile is
archived as it was when the job started.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jobs.runner import Database, Finished, Job, JobFailed, Step
from jobs.zipstream import Entry, Source, SourceGone, ZipUpload
from tenancy.settings import ConfigError, Environment

# An archive's limits (docs/api.md, "Folder archives"); the file API checks them
# before it starts a job, the job again on what it lists.
MAX_ARCHIVE_FILES = 100_000
MAX_ARCHIVE_BYTES = 50 * 1024**3
# Items left out that a result lists by name (the count is always whole).
MAX_SKIPPED_LISTED = 1_000
# Rows read or written at a time.
BATCH = 1_000


@dataclass(frozen=True)
class Item:
    name: str  # path inside the ZIP
    key: str  # bucket key
    version_id: str | None  # the version to read (pinned at listing time)
    size: int


@dataclass(frozen=True)
class Written:
    """One item as written, for a trailer (the export's manifest)."""

    name: str
    key: str
    version_id: str | None
    size: int
    crc32: int
    sha256: str | None


@dataclass(frozen=True)
class ArchiveDone:
    key: str
    size: int
    files: int
    skipped: list[dict[str, str]]  # {"path", "reason"}


Trailer = Callable[[Iterable[Written]], Iterable[tuple[str, Iterable[bytes]]]]


def advance_archive(
    step: Step,
    s3: Any,
    bucket: str,
    output_key: str,
    items: Callable[[], Iterable[Item]],
    skipped: Callable[[], list[dict[str, str]]] = list,
    trailer: Trailer | None = None,
    **tuning: Any,
) -> ArchiveDone | None:
    """Write the archive a step further; ArchiveDone once it is complete in `output_key`.

    `items()` and `skipped()` are called on the first step only. `trailer`, when
    given, is called after the last item with what was written, and each (name,
    chunks) it yields is appended as a deflated entry (generated again from the
    start if a step ends during the trailer: it must give the same bytes).
    `tuning` passes `ZipUpload`'s sizes (tests, the bench).
    """
    directory = JobItems(step.db, step.job.id)
    checkpoint = dict(step.checkpoint or {})
    if "done" in checkpoint:
        return _done(output_key, checkpoint)
    if "upload_id" not in checkpoint:
        listed = list(items())
        directory.pin(listed)
        left_out = list(skipped())
        checkpoint = ZipUpload.start(s3, bucket, output_key)
        checkpoint["skipped"] = left_out[:MAX_SKIPPED_LISTED]
        checkpoint["skipped_count"] = len(left_out)
        checkpoint["files"] = len(listed)
        checkpoint["bytes"] = sum(item.size for item in listed)
        step.save(checkpoint, _progress(checkpoint, 0))
    header = {k: checkpoint[k] for k in ("skipped", "skipped_count", "files", "bytes")}

    def save(where: Mapping[str, Any]) -> None:
        saved = {**header, **where}
        step.save(saved, _progress(saved, int(where["item"])))

    writer = ZipUpload(
        s3, bucket, output_key, directory, step.job.created_at, save, step.time_left, **tuning
    )
    wrapped = (lambda: trailer(directory.written())) if trailer is not None else None
    try:
        resume = writer.advance(checkpoint, wrapped)
        size = writer.size
    except SourceGone as gone:
        directory.clear()
        raise JobFailed("archive_source_changed") from gone
    except Exception as error:
        # A step that completed the upload and died before saving it left a whole ZIP
        # behind and an upload that no longer takes parts: finish from the ZIP.
        completed = _completed_size(s3, bucket, output_key) if _no_such_upload(error) else None
        if completed is None:
            raise
        size, resume = completed, None
    if resume is not None:
        return None
    left_out = directory.left_out()
    done = {
        **header,
        "done": size,
        "archived": checkpoint["files"] - len(left_out),
        "skipped": (header["skipped"] + left_out)[:MAX_SKIPPED_LISTED],
    }
    step.save(done, _progress(done, checkpoint["files"]))
    # The rows served their purpose: a step after this one answers from the checkpoint.
    directory.clear()
    return _done(output_key, done)


def _no_such_upload(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", "")) == "NoSuchUpload"


def _completed_size(s3: Any, bucket: str, key: str) -> int | None:
    """The size of the finished ZIP at `key` (only this job writes it), or None."""
    try:
        return int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
    except Exception:
        return None


def _done(key: str, checkpoint: Mapping[str, Any]) -> ArchiveDone:
    return ArchiveDone(
        key, int(checkpoint["done"]), int(checkpoint["archived"]), list(checkpoint["skipped"])
    )


def _progress(checkpoint: Mapping[str, Any], item: int) -> dict[str, Any]:
    """What the requester polls: files and bytes listed, files done, and the ZIP's bytes
    uploaded so far (what moves while one large file is copied)."""
    written = checkpoint.get("done")
    if written is None:
        written = sum(size for _, size in checkpoint.get("parts", []))
    return {
        "files": checkpoint["files"],
        "bytes": checkpoint["bytes"],
        "files_done": min(item, checkpoint["files"]),
        "bytes_written": written,
    }


class JobItems:
    """A job's pinned items and central directory (`private.job_items`): a `Directory`."""

    def __init__(self, db: Database, job_id: str) -> None:
        self.db, self.job_id = db, job_id

    def pin(self, items: Sequence[Item]) -> None:
        # A first step that died after pinning pins again: the same rows, or a newer listing.
        self.db.execute("delete from private.job_items where job_id = %s", (self.job_id,))
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            self.db.execute(
                "insert into private.job_items (job_id, seq, name, key, version_id, size)"
                " select %s, seq, name, key, version_id, size from unnest("
                "%s::int[], %s::text[], %s::text[], %s::text[], %s::bigint[])"
                " as i (seq, name, key, version_id, size)",
                (
                    self.job_id,
                    list(range(start, start + len(batch))),
                    [i.name for i in batch],
                    [i.key for i in batch],
                    [i.version_id for i in batch],
                    [i.size for i in batch],
                ),
            )

    def clear(self) -> None:
        self.db.execute("delete from private.job_items where job_id = %s", (self.job_id,))

    def count(self) -> int:
        rows = self.db.execute(
            "select count(*) from private.job_items where job_id = %s and key is not null",
            (self.job_id,),
        )
        return int(rows[0][0])

    def pinned(self, start: int) -> Iterator[Source]:
        after = start - 1
        while True:
            rows = self.db.execute(
                "select seq, name, key, version_id, size from private.job_items"
                " where job_id = %s and seq > %s and key is not null order by seq limit %s",
                (self.job_id, after, BATCH),
            )
            for row in rows:
                yield Source(*row)
            if len(rows) < BATCH:
                return
            after = rows[-1][0]

    def record(self, entry: Entry) -> None:
        self.db.execute(
            "insert into private.job_items (job_id, seq, name, key, version_id, size,"
            ' compressed, crc32, sha256, "offset", method, skipped)'
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " on conflict (job_id, seq) do update set size = excluded.size,"
            " compressed = excluded.compressed, crc32 = excluded.crc32,"
            ' sha256 = excluded.sha256, "offset" = excluded."offset",'
            " method = excluded.method, skipped = excluded.skipped",
            (
                self.job_id,
                entry.seq,
                entry.name,
                entry.key,
                entry.version_id,
                entry.size,
                entry.compressed,
                entry.crc32,
                entry.sha256,
                entry.offset,
                entry.method,
                None if entry.offset is not None else "deleted",
            ),
        )

    def entries(self) -> Iterator[Entry]:
        after = -1
        while True:
            rows = self.db.execute(
                "select seq, name, key, version_id, size, compressed, crc32, sha256,"
                ' "offset", method from private.job_items'
                ' where job_id = %s and seq > %s and "offset" is not null'
                " order by seq limit %s",
                (self.job_id, after, BATCH),
            )
            for row in rows:
                yield Entry(*row)
            if len(rows) < BATCH:
                return
            after = rows[-1][0]

    def written(self) -> Iterator[Written]:
        for entry in self.entries():
            if entry.key is not None:
                yield Written(
                    entry.name, entry.key, entry.version_id, entry.size, entry.crc32, entry.sha256
                )

    def left_out(self) -> list[dict[str, str]]:
        rows = self.db.execute(
            "select name, skipped from private.job_items"
            " where job_id = %s and skipped is not null order by seq limit %s",
            (self.job_id, MAX_SKIPPED_LISTED),
        )
        return [{"path": name, "reason": reason} for name, reason in rows]


# -- what a member may read -----------------------------------------------------------

# Storage classes whose bytes cannot be read before a restore (as the file API's
# `file_archived`): such a version is left out ("archived"), never waited for.
ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})

# The scan verdicts of a folder's current versions, and the tenant's choice on pending ones.
_VERDICTS = """
select v.path, v.version_id, s.status
from unnest(%s::text[], %s::text[]) as v (path, version_id)
left join public.file_scans s
  on s.tenant_id = %s and s.path = v.path and s.version_id = v.version_id
"""


def readable_items(
    db: Database,
    s3: Any,
    bucket: str,
    tenant_id: str,
    folder: str,
    *,
    scanning_enforced: bool = True,
) -> tuple[list[Item], list[dict[str, str]]]:
    """The current versions under `folder` ("" for the whole tenant), named relative to
    it, and those left out with a reason.

    The rule is the file API's for a member (`file_lambda/scans.py`), read here through
    SQL on `public.file_scans` since `jobs` imports no `file_lambda`: an infected
    version is left out ("infected"); a version without a verdict ("pending") is left
    out unless the tenant lets its members read pending files (an archive is read by
    its requester later, so the writer's own exception is not applied); unscannable
    and failed versions are readable by members, so they are archived. With scanning
    off (`MALWARE_SCANNING=off`) none of these is left out. A version in an archive
    storage class (Glacier, Deep Archive) is left out too ("archived"): its bytes
    cannot be read until it is restored.
    """
    root = f"tenants/{tenant_id}/"
    prefix = root + folder
    found: list[tuple[str, str | None, int]] = []
    archived: list[dict[str, str]] = []
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            if not version.get("IsLatest") or version["Key"].endswith("/"):
                continue
            if version.get("StorageClass") in ARCHIVE_CLASSES:
                archived.append({"path": version["Key"][len(prefix) :], "reason": "archived"})
                continue
            found.append((version["Key"], version.get("VersionId"), int(version["Size"])))
    found.sort()
    verdicts: dict[tuple[str, str | None], str | None] = {}
    read_pending = False
    if scanning_enforced and found:
        for start in range(0, len(found), BATCH):
            batch = found[start : start + BATCH]
            rows = db.execute(
                _VERDICTS,
                (
                    [key[len(root) :] for key, _, _ in batch],
                    [version or "null" for _, version, _ in batch],
                    tenant_id,
                ),
            )
            for path, version_id, status in rows:
                verdicts[(path, version_id)] = status
        rows = db.execute(
            "select members_read_pending from public.tenants where id = %s", (tenant_id,)
        )
        read_pending = bool(rows and rows[0][0])
    items: list[Item] = []
    skipped: list[dict[str, str]] = sorted(archived, key=lambda entry: entry["path"])
    for key, version_id, size in found:
        path = key[len(root) :]
        name = key[len(prefix) :]
        if scanning_enforced:
            status = verdicts.get((path, version_id or "null")) or "pending"
            if status == "infected" or (status == "pending" and not read_pending):
                skipped.append({"path": name, "reason": status})
                continue
        items.append(Item(name, key, version_id, size))
    return items, skipped


# -- the kind -------------------------------------------------------------------------


def archive_name(folder: str) -> str:
    """The archive's file name: the folder's last segment, or "tenant" for the root."""
    last = folder.rstrip("/").rsplit("/", 1)[-1]
    return f"{last or 'tenant'}.zip"


def output_key(job: Job) -> str:
    return f"jobs/{job.tenant_id}/{job.id}/{archive_name(str(job.params.get('folder', '')))}"


def scanning_enforced(read: Environment) -> bool:
    """`MALWARE_SCANNING` as the file API reads it: `enforced` (the default) or `off`."""
    scanning = read.text("MALWARE_SCANNING", "enforced")
    if scanning not in ("enforced", "off"):
        raise ConfigError(f"setting MALWARE_SCANNING must be enforced or off, is {scanning!r}")
    return scanning == "enforced"


def delete_every_version(s3: Any, bucket: str, key: str) -> None:
    """Every version and delete marker of `key` (the bucket is versioned: a plain delete
    would only hide a job's output)."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        gone = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            if v["Key"] == key
        ]
        if gone:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": gone, "Quiet": True})


@dataclass
class ArchiveKind:
    """The job kind 'archive': params {"folder": "path/"}; its output expires after
    `expiry_hours` (setting `ARCHIVE_EXPIRY_HOURS`)."""

    s3: Any
    bucket: str
    expiry_hours: float = 24.0
    scanning_enforced: bool = True
    tuning: Mapping[str, Any] | None = None

    @classmethod
    def from_env(cls, s3: Any, bucket: str, env: Mapping[str, str] | None = None) -> ArchiveKind:
        """Its settings: `ARCHIVE_EXPIRY_HOURS` (default 24), and `MALWARE_SCANNING` as the
        file API reads it (`enforced`, the default, or `off`)."""
        read = Environment(env)
        hours = read.number("ARCHIVE_EXPIRY_HOURS", 24.0)
        return cls(s3, bucket, hours, scanning_enforced(read))

    def advance(self, step: Step) -> Finished | None:
        job = step.job
        folder = str(job.params.get("folder", ""))
        key = output_key(job)
        listing: dict[str, Any] = {}

        def items() -> list[Item]:
            found, left_out = readable_items(
                step.db,
                self.s3,
                self.bucket,
                job.tenant_id,
                folder,
                scanning_enforced=self.scanning_enforced,
            )
            if not found and not left_out:
                raise JobFailed("archive_folder_empty")
            if len(found) > MAX_ARCHIVE_FILES:
                raise JobFailed("archive_too_many_files")
            if sum(item.size for item in found) > MAX_ARCHIVE_BYTES:
                raise JobFailed("archive_too_large")
            listing["skipped"] = left_out
            return found

        done = advance_archive(
            step,
            self.s3,
            self.bucket,
            key,
            items,
            lambda: listing.get("skipped", []),
            **(self.tuning or {}),
        )
        if done is None:
            return None
        result = {
            "key": done.key,
            "size": done.size,
            "files": done.files,
            "skipped": done.skipped,
            "name": archive_name(folder),
        }
        return Finished(result, datetime.now(UTC) + timedelta(hours=self.expiry_hours))

    def expire(self, job: Job, result: Mapping[str, Any]) -> None:
        """Every version of the output (the bucket is versioned): none is left to read."""
        delete_every_version(self.s3, self.bucket, str(result.get("key") or output_key(job)))

    def sweep(self, db: Database) -> None:
        """Nothing scheduled: expiry is the runner's."""
