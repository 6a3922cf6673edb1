"""Tenant exports (kind 'export'): the whole tenant in one ZIP, for its owners.

The core inserts the job (`POST /tenants/{id}/exports`, core_service/exports/);
the job function advances it here. The ZIP is a folder archive of the
tenant's root (`jobs/archives.py`: the current readable versions, pinned on
the first step, each entry under `files/`, the job continuing across steps as
large archives do), followed by the documents of `jobs/export_documents.py`
as its trailer. It is written to
`jobs/{tenant_id}/{job_id}/snsd-export-{tenant_id}-{date}.zip`, outside the
tenant's prefix (never listed, counted or scanned), and deleted, every
version of it, when it expires (`EXPORT_EXPIRY_HOURS`, 168 by default).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from jobs.archives import (
    Item,
    Written,
    advance_archive,
    delete_every_version,
    readable_items,
    scanning_enforced,
)
from jobs.export_documents import FILES_PREFIX, documents, tenant_exists
from jobs.runner import Database, Finished, Job, JobFailed, Step
from tenancy.settings import Environment

DEFAULT_EXPIRY_HOURS = 168.0


def output_key(job: Job) -> str:
    """The ZIP's key: the same on every step (the date is the job's, not the step's)."""
    date = job.created_at.astimezone(UTC).date().isoformat()
    return f"jobs/{job.tenant_id}/{job.id}/snsd-export-{job.tenant_id}-{date}.zip"


class ExportKind:
    def __init__(
        self,
        s3: Any,
        bucket: str,
        expiry_hours: float = DEFAULT_EXPIRY_HOURS,
        *,
        scanning_enforced: bool = True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        tuning: Mapping[str, Any] | None = None,
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.expiry = timedelta(hours=expiry_hours)
        self.scanning_enforced = scanning_enforced
        self.now = now
        # The ZIP writer's sizes and margins (`jobs/zipstream.py`), for tests.
        self.tuning = tuning or {}

    @classmethod
    def from_env(cls, s3: Any, bucket: str, env: Mapping[str, str] | None = None) -> ExportKind:
        """Its settings: `EXPORT_EXPIRY_HOURS` (default 168), and `MALWARE_SCANNING` as the
        file API reads it (`enforced`, the default, or `off`)."""
        read = Environment(env)
        hours = read.number("EXPORT_EXPIRY_HOURS", DEFAULT_EXPIRY_HOURS)
        return cls(s3, bucket, hours, scanning_enforced=scanning_enforced(read))

    def advance(self, step: Step) -> Finished | None:
        job = step.job
        if not tenant_exists(step.db, job.tenant_id):
            raise JobFailed("tenant_not_found")
        left_out: list[dict[str, str]] = []

        def items() -> list[Item]:
            found, skipped = readable_items(
                step.db,
                self.s3,
                self.bucket,
                job.tenant_id,
                "",
                scanning_enforced=self.scanning_enforced,
            )
            left_out.extend(skipped)
            return [dataclasses.replace(item, name=FILES_PREFIX + item.name) for item in found]

        def trailer(written: Iterable[Written]) -> Iterable[tuple[str, Iterable[bytes]]]:
            return documents(
                step.db,
                job.tenant_id,
                written,
                self._described,
                exported_at=job.created_at,
                exported_by=job.requested_by,
            )

        key = output_key(job)
        done = advance_archive(
            step,
            self.s3,
            self.bucket,
            key,
            items,
            skipped=lambda: left_out,
            trailer=trailer,
            **self.tuning,
        )
        if done is None:
            return None
        result = {
            "key": done.key,
            "file_name": key.rsplit("/", 1)[1],
            "size": done.size,
            "files": done.files,
            "skipped": done.skipped,
        }
        return Finished(result, expires_at=self.now() + self.expiry)

    def _described(self, key: str, version_id: str | None) -> tuple[datetime | None, str | None]:
        """A version's last modification and content type, as S3 keeps them."""
        extra = {"VersionId": version_id} if version_id else {}
        head = self.s3.head_object(Bucket=self.bucket, Key=key, **extra)
        return head.get("LastModified"), head.get("ContentType")

    def expire(self, job: Job, result: Mapping[str, Any]) -> None:
        """Delete every version of the ZIP (the bucket is versioned: a plain delete would
        only hide it)."""
        key = result.get("key")
        if not isinstance(key, str) or not key.startswith(f"jobs/{job.tenant_id}/{job.id}/"):
            return
        delete_every_version(self.s3, self.bucket, key)

    def sweep(self, db: Database) -> None:
        """Nothing scheduled: an export runs when asked."""
