"""Folder archives for one request's tenant and caller: start one, read one, list them.

The archive itself is written by the job function (`jobs/archives.py`): this
service writes the job's row (`public.jobs`, kind `archive`), sends its first
message (`tenancy/job_queue.py`), and reads the row back, with a presigned GET of the
ZIP once it succeeded. Who sees what is the jobs' rule (their RLS policy,
applied here on the API's own connection): a caller their own archives,
admins and owners the tenant's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from file_lambda.archives.exceptions import (
    ArchiveNotFound,
    ArchivesUnavailable,
    FolderNotFound,
    TooManyArchives,
)
from file_lambda.archives.schemas import (
    Archive,
    ArchiveLinks,
    ArchiveList,
    ArchiveProgress,
    ArchiveRequest,
    SkippedFile,
)
from file_lambda.cursors import Cursors
from file_lambda.database import Database
from file_lambda.disposition import content_disposition
from file_lambda.settings import Settings
from file_lambda.storage.port import InvalidContinuation, Storage
from file_lambda.tenant_files import TenantFiles
from tenancy.job_queue import JobQueue
from tenancy.principal import Role, TenantAccess, canonical_uuid

# Archives a tenant may have queued or running at once (docs/api.md, "Folder archives").
MAX_RUNNING_ARCHIVES = 3
# What a caller told to wait is told to come back after.
RETRY_AFTER_SECONDS = 30

_COLUMNS = (
    "id::text, state::text, params, progress, result, error, created_at, finished_at, expires_at"
)


class Archives(TenantFiles):
    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        access: TenantAccess,
        cursors: Cursors,
        database: Database,
        queue: JobQueue,
    ) -> None:
        super().__init__(storage, settings, access, cursors)
        self._database = database
        self._queue = queue

    @classmethod
    def for_request(cls, state: Any, access: TenantAccess) -> Archives:
        return cls(
            state.storage, state.settings, access, state.cursors, state.ledger, state.job_queue
        )

    @property
    def _sees_all(self) -> bool:
        return self._access.role >= Role.admin

    def start(self, request: ArchiveRequest) -> Archive:
        from jobs.archives import archive_name

        folder = request.folder.strip("/")
        prefix = self._root.folder_prefix(folder)  # 400 invalid_path
        page = self._storage.list_page(prefix, None, 1000)
        if not any(not obj.key.endswith("/") for obj in page.objects):
            raise FolderNotFound(f"{folder or 'The tenant'} holds no file to archive")
        tenant = self._access.tenant_id
        params = {"folder": f"{folder}/" if folder else "", "name": archive_name(folder)}
        rows = self._query(
            "with running as (select count(*) as n from public.jobs"  # noqa: S608
            " where tenant_id = %s and kind = 'archive' and state in ('queued', 'running'))"
            " insert into public.jobs (tenant_id, kind, requested_by, params, sent_at)"
            " select %s, 'archive', %s, %s, now() from running where n < %s"
            f" returning {_COLUMNS}",
            (
                tenant,
                tenant,
                self._access.principal.user_id,
                json.dumps(params),
                MAX_RUNNING_ARCHIVES,
            ),
        )
        if not rows:
            raise TooManyArchives(
                f"This tenant has {MAX_RUNNING_ARCHIVES} archives being made already;"
                " try again when one is done",
                RETRY_AFTER_SECONDS,
            )
        archive = self._shown(rows[0])
        if not self._queue.send(archive.id):
            # The sweep sends a job never sent; it would otherwise wait for its resend delay.
            self._query("update public.jobs set sent_at = null where id = %s", (archive.id,))
        return archive

    def get(self, archive_id: str) -> Archive:
        canonical = canonical_uuid(archive_id)
        rows = (
            self._query(
                f"select {_COLUMNS}, requested_by::text from public.jobs"  # noqa: S608
                " where id = %s and tenant_id = %s and kind = 'archive'",
                (canonical, self._access.tenant_id),
            )
            if canonical is not None
            else []
        )
        mine = bool(rows) and rows[0][-1] == self._access.principal.user_id
        if not rows or not (mine or self._sees_all):
            raise ArchiveNotFound("No such archive of yours in this tenant")
        archive = self._shown(rows[0][:-1])
        if archive.state == "succeeded":
            result = rows[0][4] or {}
            header = content_disposition("attachment", archive.name, "application/zip")
            archive.download_url = self._storage.presign_get(
                str(result["key"]),
                self._settings.presign_default_expires,
                None,
                header,
                "application/zip",
            )
        return archive

    def listing(self, limit: int, cursor: str | None) -> ArchiveList:
        conditions = ["tenant_id = %s", "kind = 'archive'"]
        params: list[Any] = [self._access.tenant_id]
        if not self._sees_all:
            conditions.append("requested_by = %s")
            params.append(self._access.principal.user_id)
        if cursor:
            created_at, archive_id = self._position(cursor)
            conditions.append("(created_at, id) < (%s::timestamptz, %s::uuid)")
            params += [created_at, archive_id]
        rows = self._query(
            f"select {_COLUMNS} from public.jobs where {' and '.join(conditions)}"  # noqa: S608
            " order by created_at desc, id desc limit %s",
            (*params, limit + 1),
        )
        archives = [self._shown(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = archives[-1]
            position = {"archives": [last.created_at.isoformat(), last.id]}
            next_cursor = self._cursors.seal(self._access.tenant_id, position)
        return ArchiveList(archives=archives, next_cursor=next_cursor)

    def _position(self, cursor: str) -> tuple[str, str]:
        try:
            created_at, archive_id = self._cursors.open(self._access.tenant_id, cursor)["archives"]
            datetime.fromisoformat(created_at)
        except (KeyError, TypeError, ValueError):
            raise InvalidContinuation("The cursor is not valid for this listing") from None
        if canonical_uuid(archive_id) is None:
            raise InvalidContinuation("The cursor is not valid for this listing")
        return str(created_at), str(archive_id)

    def _shown(self, row: Sequence[Any]) -> Archive:
        archive_id, state, params, progress, result, error, created, finished, expires = row
        result = result or {}
        return Archive(
            id=archive_id,
            state=state,
            folder=params.get("folder", ""),
            name=params.get("name", "tenant.zip"),
            progress=ArchiveProgress(
                **{k: progress.get(k) for k in ("files", "files_done", "bytes", "bytes_written")}
            ),
            created_at=created,
            finished_at=finished,
            expires_at=expires,
            error=error,
            size=result.get("size"),
            files=result.get("files"),
            skipped=[SkippedFile(**s) for s in result.get("skipped", [])],
            links=ArchiveLinks(self=f"/files/archives/{archive_id}"),
        )

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            return self._database.execute(sql, params)
        except Exception as error:
            raise ArchivesUnavailable("Archives cannot be read right now; try again") from error
