"""Large and resumable uploads: a member's S3 multipart uploads (the machinery they
share with file requests is `multipart.py`: sealed upload ids, part URLs,
completion with its size and quota checks, abort).

- an **upload id** is sealed under the tenant's scope around S3's upload id,
  the key's path, the user who started it, the declared size and
  `overwrite`. Another tenant's id does not open; another user's opens to a
  user that is not the caller; both answer `404`.
- an **upload session** (what Uppy's `@uppy/aws-s3` calls a Companion
  endpoint, which it calls with plain `fetch` and no Authorization header) is
  a sealed, expiring capability in a URL path, bound to the tenant, the user
  and a folder. Every call under it checks the user's current membership, as
  a bearer call would.

Who started which unfinished upload is recorded in Postgres
(`records.py`), for the listing only.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from file_lambda.cursors import Cursors
from file_lambda.multipart import (
    InvalidUploadSize,
    Multipart,
    OpenedUpload,
    content_type_for,
    part_size_for,
    upload_scope,
)
from file_lambda.paths import join, validate_name, validate_path
from file_lambda.quotas import NoQuotas, Quotas
from file_lambda.schemas import PresignedUpload
from file_lambda.settings import Settings
from file_lambda.storage.port import (
    CompletedPart,
    InvalidContinuation,
    ObjectExists,
    Storage,
    UploadNotFound,
)
from file_lambda.tenant_files import InvalidExpiry, InvalidSize
from file_lambda.uploads.exceptions import SessionExpired, SessionInvalid
from file_lambda.uploads.records import UploadRecord, UploadRecords
from file_lambda.uploads.schemas import (
    CompletedUpload,
    MultipartUpload,
    PartList,
    SignedParts,
    TenantUpload,
    TenantUploads,
    UnfinishedUploads,
    UploadedPart,
    UploadSession,
)
from tenancy.principal import TenantAccess
from tenancy.problems import Problem

# Removed members' uploads aborted by one listing of the tenant's: S3 calls on
# a request path, so a few at a time (the rest go with the next listings).
REMOVED_BATCH = 20
# Associated data of the sealed session capability (its tenant is inside it).
SESSION_SCOPE = "file-api upload session"


@dataclass(frozen=True, slots=True)
class Session:
    """An upload session: a capability to upload into one folder of one tenant as one user."""

    tenant_id: str
    user_id: str
    folder: str
    overwrite: bool
    max_size: int
    expires: int  # Unix time

    def seal(self, cursors: Cursors) -> str:
        position = {
            "t": self.tenant_id,
            "u": self.user_id,
            "f": self.folder,
            "o": self.overwrite,
            "m": self.max_size,
            "e": self.expires,
        }
        return cursors.seal(SESSION_SCOPE, position)

    @classmethod
    def open(cls, cursors: Cursors, token: str, now: float | None = None) -> Session:
        try:
            held = cursors.open(SESSION_SCOPE, token)
            session = cls(held["t"], held["u"], held["f"], held["o"], held["m"], held["e"])
        except (InvalidContinuation, KeyError):
            raise SessionInvalid("This upload session is not valid: ask for a new one") from None
        if not isinstance(session.expires, int) or not isinstance(session.tenant_id, str):
            raise SessionInvalid("This upload session is not valid: ask for a new one")
        if (time.time() if now is None else now) >= session.expires:
            raise SessionExpired("This upload session has expired: ask for a new one")
        return session


class Uploads(Multipart):
    """One tenant's multipart uploads, for one user (and, under a session, one folder)."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        access: TenantAccess,
        cursors: Cursors,
        records: UploadRecords,
        session: Session | None = None,
        quotas: Quotas | None = None,
    ) -> None:
        super().__init__(storage, settings, access, cursors, quotas or NoQuotas())
        self._records = records
        self._session = session

    @classmethod
    def for_request(cls, state: Any, access: TenantAccess) -> Uploads:
        return cls(
            state.storage,
            state.settings,
            access,
            state.cursors,
            state.upload_records,
            quotas=state.quotas,
        )

    @property
    def _user(self) -> str:
        return self._access.principal.user_id

    @property
    def _max_size(self) -> int:
        return self._session.max_size if self._session else self._settings.multipart_max_size

    # -- the sealed upload id ------------------------------------------------------

    @property
    def _scope(self) -> str:
        return upload_scope(self._access.tenant_id)

    def _open(self, upload_id: str, key: str | None = None) -> OpenedUpload:
        """The caller's upload, or 404: whatever it is, the caller may not learn more."""
        upload = OpenedUpload.open(self._cursors, self._scope, upload_id)
        inside = self._session is None or (
            not self._session.folder or upload.path.startswith(self._session.folder + "/")
        )
        if upload.user_id != self._user or not inside or (key is not None and key != upload.path):
            raise UploadNotFound("No such upload")
        return upload

    def _describe(
        self, upload: OpenedUpload, content_type: str, created_at: datetime
    ) -> MultipartUpload:
        part_size = part_size_for(upload.size)
        return MultipartUpload(
            upload_id=upload.seal(self._cursors, self._scope),
            path=upload.path,
            size=upload.size,
            content_type=content_type,
            overwrite=upload.overwrite,
            checksum="sha256" if upload.checksum else None,
            part_size=part_size,
            part_count=max(1, math.ceil((upload.size or 0) / part_size)),
            created_at=created_at,
        )

    # -- create --------------------------------------------------------------------

    def create(
        self,
        path: str,
        size: int | None,
        content_type: str | None,
        overwrite: bool,
        checksum: str | None,
    ) -> MultipartUpload:
        path = validate_path(path)
        key = self._root.key(path)
        if size is not None and not 1 <= size <= self._max_size:
            raise InvalidUploadSize(f"size must lie between 1 and {self._max_size} bytes")
        if not overwrite:
            self._ensure_absent(path)  # early; completion checks again, atomically
        served_type = content_type_for(content_type, path)
        storage_id, claim = self._start(
            path, size, served_type, {"uploaded-by": self._user}, checksum
        )
        upload = OpenedUpload(storage_id, path, self._user, size, overwrite, checksum)
        created_at = datetime.now(UTC)
        record = UploadRecord(
            storage_id,
            self._access.tenant_id,
            self._user,
            path,
            size,
            served_type,
            overwrite,
            checksum,
            created_at,
        )
        try:
            self._records.add(record, self._settings.multipart_abort_days)
        except Problem:
            self._storage.abort_multipart(key, storage_id)  # leave nothing unlisted behind
            self._release(claim.reservation_ids, storage_id)
            raise
        return self._describe(upload, served_type, created_at)

    def create_in_session(self, filename: str, content_type: str | None) -> MultipartUpload:
        assert self._session is not None
        path = join(self._session.folder, validate_name(filename))
        return self.create(path, None, content_type, self._session.overwrite, None)

    def presign_in_session(self, filename: str, content_type: str | None) -> PresignedUpload:
        """A presigned POST of one small file into the session's folder (Uppy's /s3/params)."""
        assert self._session is not None
        path = join(self._session.folder, validate_name(filename))
        ceiling = min(self._session.max_size, self._settings.presign_upload_max_size)
        return self.presign_upload(path, content_type, ceiling, None, self._session.overwrite)

    # -- parts ---------------------------------------------------------------------

    def sign(
        self,
        upload_id: str,
        parts: list[tuple[int, str | None]],
        expires_in: int | None,
        key: str | None = None,
    ) -> SignedParts:
        upload = self._open(upload_id, key)
        seconds = self._expiry(expires_in)
        signed = self._signed(upload, parts, seconds)
        return SignedParts(
            upload_id=upload_id,
            expires_at=datetime.now(UTC) + timedelta(seconds=seconds),
            parts=signed,
        )

    def parts(self, upload_id: str, key: str | None = None) -> PartList:
        upload = self._open(upload_id, key)
        newest = self._newest(upload)
        return PartList(
            upload_id=upload_id,
            path=upload.path,
            size=upload.size,
            uploaded_bytes=sum(part.size for part in newest),
            parts=[
                UploadedPart(
                    part_number=p.number,
                    size=p.size,
                    etag=p.etag,
                    checksum_sha256=p.checksum_sha256,
                )
                for p in newest
            ],
        )

    # -- complete and abort ----------------------------------------------------------

    def complete(
        self,
        upload_id: str,
        parts: list[CompletedPart] | None,
        overwrite: bool | None,
        key: str | None = None,
    ) -> CompletedUpload:
        upload = self._open(upload_id, key)
        replace = upload.overwrite if overwrite is None else overwrite
        try:
            obj = self._finish(upload, parts, replace)
        except ObjectExists:
            raise ObjectExists(
                f"{upload.path} exists now; complete with overwrite=true to replace it, "
                "or abort the upload"
            ) from None
        info = self._info(obj)
        return CompletedUpload(**info.model_dump(), checksum_sha256=obj.checksum_sha256)

    def abort(self, upload_id: str, key: str | None = None) -> None:
        self._abort(self._open(upload_id, key))

    def abort_anyones(self, upload_id: str) -> None:
        """Abort any user's upload in the tenant (its owners' and admins' call)."""
        self._abort(OpenedUpload.open(self._cursors, self._scope, upload_id))

    def _forget(self, upload: OpenedUpload) -> None:
        # S3 is done with it; a record left by a failure here is no longer listed
        # after the lifecycle's days, and a resume of it answers 404.
        with contextlib.suppress(Problem):
            self._records.remove(self._access.tenant_id, upload.storage_id)

    # -- the caller's unfinished uploads -------------------------------------------------

    def unfinished(self, limit: int, cursor: str | None) -> UnfinishedUploads:
        rows, next_cursor = self._page("multipart", self._user, limit, cursor)
        uploads = [self._described(row) for row in rows]
        return UnfinishedUploads(uploads=uploads, next_cursor=next_cursor)

    def everyones_unfinished(self, limit: int, cursor: str | None) -> TenantUploads:
        """Every user's unfinished uploads in the tenant, after aborting removed members'."""
        self._abort_removed_members()
        rows, next_cursor = self._page("tenant multipart", None, limit, cursor)
        uploads = [
            TenantUpload(**self._described(row).model_dump(), user_id=row.user_id) for row in rows
        ]
        return TenantUploads(uploads=uploads, next_cursor=next_cursor)

    def _abort_removed_members(self) -> None:
        """Abort in S3 what a member's removal marked (its reservations ended then).

        Housekeeping: an upload storage will not abort now stays marked for the
        next listing, and the listing still answers.
        """
        for row in self._records.of_removed_members(self._access.tenant_id, REMOVED_BATCH):
            upload = OpenedUpload(
                row.storage_upload_id, row.path, row.user_id, row.size, row.overwrite, row.checksum
            )
            with contextlib.suppress(Problem):
                self._abort(upload)

    def _page(
        self, kind: str, user_id: str | None, limit: int, cursor: str | None
    ) -> tuple[list[UploadRecord], str | None]:
        tenant_id = self._access.tenant_id
        after: tuple[datetime, str] | None = None
        if cursor:
            position = self._cursors.open(tenant_id, cursor)
            try:
                if position["k"] != kind:
                    raise KeyError("k")
                after = (datetime.fromisoformat(position["c"]), str(position["i"]))
            except (KeyError, TypeError, ValueError):
                raise InvalidContinuation("The cursor is not valid for this listing") from None
        rows = self._records.page(
            tenant_id, user_id, self._settings.multipart_abort_days, limit, after
        )
        next_cursor = None
        if len(rows) == limit:
            last = rows[-1]
            next_cursor = self._cursors.seal(
                tenant_id,
                {"k": kind, "c": last.created_at.isoformat(), "i": last.storage_upload_id},
            )
        return rows, next_cursor

    def _described(self, row: UploadRecord) -> MultipartUpload:
        upload = OpenedUpload(
            row.storage_upload_id, row.path, row.user_id, row.size, row.overwrite, row.checksum
        )
        return self._describe(upload, row.content_type, row.created_at)

    # -- sessions --------------------------------------------------------------------

    def open_session(
        self, folder: str, overwrite: bool, max_size: int | None, expires_in: int | None
    ) -> UploadSession:
        folder = validate_path(folder, allow_root=True)
        self._root.folder_prefix(folder)  # refuses a folder too long for any key
        ceiling = self._settings.multipart_max_size
        size = ceiling if max_size is None else max_size
        if not 1 <= size <= ceiling:
            raise InvalidSize(f"max_size must lie between 1 and {ceiling} bytes")
        settings = self._settings
        seconds = settings.upload_session_default_expires if expires_in is None else expires_in
        if not 60 <= seconds <= settings.upload_session_max_expires:
            raise InvalidExpiry(
                f"expires_in must lie between 60 and {settings.upload_session_max_expires} seconds"
            )
        expires = int(time.time()) + seconds
        session = Session(self._access.tenant_id, self._user, folder, overwrite, size, expires)
        return UploadSession(
            companion_endpoint=f"{self._settings.public_base_url}/files/upload-sessions/"
            f"{session.seal(self._cursors)}",
            folder=folder,
            overwrite=overwrite,
            max_size=size,
            expires_at=datetime.fromtimestamp(expires, UTC),
        )
