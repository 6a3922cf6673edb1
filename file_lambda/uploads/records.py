"""Who started which unfinished multipart upload (`public.file_uploads`).

S3 lists a bucket's unfinished uploads by key, but does not say which user
started one: this record does, so that `GET /files/multipart` lists the
caller's own uploads only, and `GET /files/unfinished-uploads` every upload of
the tenant, with who started it, for its owners and admins. A member's
removal marks their records (migration 20260105000200), for the file API to
abort. Every other multipart call is answered from the sealed upload id and
S3 alone; only create, complete, abort and the listings touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from file_lambda.database import Database
from tenancy.problems import ServiceUnavailable


class RecordsUnavailable(ServiceUnavailable):
    code = "database_unavailable"


@dataclass(frozen=True, slots=True)
class UploadRecord:
    storage_upload_id: str
    tenant_id: str
    user_id: str
    path: str
    size: int | None
    content_type: str
    overwrite: bool
    checksum: str | None
    created_at: datetime


class UploadRecords(Protocol):
    def add(self, record: UploadRecord, forget_after_days: int) -> None:
        """Record an upload (and forget the owner's records older than the lifecycle's)."""
        ...

    def remove(self, tenant_id: str, storage_upload_id: str) -> None: ...

    def page(
        self,
        tenant_id: str,
        user_id: str | None,
        newer_than_days: int,
        limit: int,
        after: tuple[datetime, str] | None,
    ) -> list[UploadRecord]:
        """The user's uploads in the tenant (None: everyone's), newest first, after a position."""
        ...

    def of_removed_members(self, tenant_id: str, limit: int) -> list[UploadRecord]:
        """Uploads whose user was removed from the tenant since they started them."""
        ...


_COLUMNS = (
    "storage_upload_id, tenant_id::text, user_id::text, path, size, content_type, "
    "overwrite, checksum, created_at"
)


class PostgresUploadRecords:
    def __init__(self, database: Database) -> None:
        self._db = database

    def _execute(self, query: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        try:
            return self._db.execute(query, params)
        except Exception:
            raise RecordsUnavailable(
                "The record of uploads could not be reached; try again shortly"
            ) from None

    def add(self, record: UploadRecord, forget_after_days: int) -> None:
        self._execute(
            "delete from public.file_uploads where tenant_id = %s and user_id = %s"
            " and created_at < now() - make_interval(days => %s)",
            (record.tenant_id, record.user_id, forget_after_days),
        )
        self._execute(
            "insert into public.file_uploads (storage_upload_id, tenant_id, user_id, path, size,"
            " content_type, overwrite, checksum, created_at)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s) on conflict do nothing",
            (
                record.storage_upload_id,
                record.tenant_id,
                record.user_id,
                record.path,
                record.size,
                record.content_type,
                record.overwrite,
                record.checksum,
                record.created_at,
            ),
        )

    def remove(self, tenant_id: str, storage_upload_id: str) -> None:
        self._execute(
            "delete from public.file_uploads where tenant_id = %s and storage_upload_id = %s",
            (tenant_id, storage_upload_id),
        )

    def page(
        self,
        tenant_id: str,
        user_id: str | None,
        newer_than_days: int,
        limit: int,
        after: tuple[datetime, str] | None,
    ) -> list[UploadRecord]:
        query = (
            f"select {_COLUMNS} from public.file_uploads where tenant_id = %s"  # noqa: S608 (constant columns)
            " and (%s::uuid is null or user_id = %s::uuid)"
            " and created_at >= now() - make_interval(days => %s)"
        )
        params: tuple[object, ...] = (tenant_id, user_id, user_id, newer_than_days)
        if after is not None:
            query += " and (created_at, storage_upload_id) < (%s, %s)"
            params += after
        query += " order by created_at desc, storage_upload_id desc limit %s"
        rows = self._execute(query, (*params, limit))
        return [UploadRecord(*row) for row in rows]  # type: ignore[arg-type]

    def of_removed_members(self, tenant_id: str, limit: int) -> list[UploadRecord]:
        rows = self._execute(
            f"select {_COLUMNS} from public.file_uploads where tenant_id = %s"  # noqa: S608 (constant columns)
            " and member_removed_at is not null order by member_removed_at limit %s",
            (tenant_id, limit),
        )
        return [UploadRecord(*row) for row in rows]  # type: ignore[arg-type]


class NoUploadRecords:
    """Where no database is configured (the OpenAPI export): every use is a 503."""

    def _refuse(self) -> None:
        raise RecordsUnavailable("No record of uploads is configured")

    def add(self, record: UploadRecord, forget_after_days: int) -> None:
        self._refuse()

    def remove(self, tenant_id: str, storage_upload_id: str) -> None:
        self._refuse()

    def page(
        self,
        tenant_id: str,
        user_id: str | None,
        newer_than_days: int,
        limit: int,
        after: tuple[datetime, str] | None,
    ) -> list[UploadRecord]:
        self._refuse()
        return []

    def of_removed_members(self, tenant_id: str, limit: int) -> list[UploadRecord]:
        self._refuse()
        return []
