"""Large and resumable uploads: S3 multipart through presigned part URLs.

The bytes go from the client straight to S3, one part per presigned PUT (up to
10,000 parts, each but the last at least 5 MiB), in parallel, each retried
alone; an interrupted upload resumes by asking which parts S3 holds. The API
only starts, signs, lists, completes and aborts, so nothing large crosses the
load balancer, and it never takes a key or an S3 upload id from a client:

- an **upload id** is sealed (`cursors.py`: AES-GCM, the tenant as associated
  data) around S3's upload id, the key's path, the user who started it, the
  declared size and `overwrite`. Another tenant's id does not open; another
  user's opens to a user that is not the caller; both answer `404`.
- an **upload session** (what Uppy's `@uppy/aws-s3` calls a Companion
  endpoint, which it calls with plain `fetch` and no Authorization header) is
  a sealed, expiring capability in a URL path, bound to the tenant, the user
  and a folder. Every call under it checks the user's current membership, as
  a bearer call would.
- **completion** happens here: the parts S3 holds are listed, their sizes
  checked against the declared size and the configured maximum, and
  `overwrite=false` is enforced atomically by S3 (`If-None-Match: *`).
- **quota** (`quotas.py`): create reserves the declared size, or, undeclared
  (an upload session's), 8 MiB per part number signed, growing as parts are
  signed, up to the maximum and what is left; the reservation is tied to S3's
  upload id and holds until the lifecycle would abort the upload. Completion
  asks the database whether that reservation still covers the parts' actual
  size, and claims it afresh in its place when not; when that does not fit,
  the upload is aborted, its parts removed, and the call answers `413
  quota_exceeded`. Abort gives the reservation back.

Who started which unfinished upload is recorded in Postgres
(`records.py`), for the listing only.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import math
import mimetypes
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from file_lambda.cursors import Cursors
from file_lambda.paths import join, validate_name, validate_path
from file_lambda.quotas import QUEUE_ALLOWANCE_SECONDS, NoQuotas, QuotaExceeded, Quotas, Want
from file_lambda.schemas import PresignedUpload
from file_lambda.settings import Settings
from file_lambda.storage.port import (
    CompletedPart,
    InvalidContinuation,
    InvalidParts,
    ObjectExists,
    Storage,
    StoredPart,
    UploadNotFound,
)
from file_lambda.tenant_files import InvalidExpiry, InvalidSize, TenantFiles
from file_lambda.uploads.exceptions import (
    ChecksumRequired,
    InvalidChecksum,
    InvalidContentType,
    InvalidUploadSize,
    SessionExpired,
    SessionInvalid,
    SizeMismatch,
    UploadTooLarge,
)
from file_lambda.uploads.records import UploadRecord, UploadRecords
from file_lambda.uploads.schemas import (
    MAX_PARTS,
    CompletedUpload,
    MultipartUpload,
    PartList,
    SignedPart,
    SignedParts,
    TenantUpload,
    TenantUploads,
    UnfinishedUploads,
    UploadedPart,
    UploadSession,
)
from tenancy.principal import TenantAccess
from tenancy.problems import Problem

MiB = 1024**2
MIN_PART_SIZE = 5 * MiB  # S3's smallest part, the last excepted
MAX_PART_SIZE = 5 * 1024**3
DEFAULT_PART_SIZE = 8 * MiB
# What an upload of undeclared size (an upload session's) holds in the quota
# per part number signed: Uppy's parts are 5 MiB up to 48 GiB files.
UNDECLARED_PART_HOLD = DEFAULT_PART_SIZE
# Removed members' uploads aborted by one listing of the tenant's: S3 calls on
# a request path, so a few at a time (the rest go with the next listings).
REMOVED_BATCH = 20
# Associated data of the sealed session capability (its tenant is inside it).
SESSION_SCOPE = "file-api upload session"


def _upload_scope(tenant_id: str) -> str:
    return f"{tenant_id} multipart upload"


# RFC 9110 media type: type "/" subtype *( ";" parameter ), tokens of visible ASCII.
_NAME = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"[ \t!#-\[\]-~]*"'
_MEDIA_TYPE = re.compile(rf"{_NAME}/{_NAME}(?:[ \t]*;[ \t]*{_NAME}=(?:{_NAME}|{_QUOTED}))*")


def _content_type(value: str | None, path: str) -> str:
    """The type to store: the client's when it is a media type, else guessed from the name."""
    if value is None or value == "":
        return mimetypes.guess_type(path)[0] or "application/octet-stream"
    if len(value) > 255 or not _MEDIA_TYPE.fullmatch(value):
        raise InvalidContentType("content_type must be a media type such as video/mp4")
    return value


def _same_etag(a: str, b: str) -> bool:
    return a.strip('"') == b.strip('"')


def _check_sha256(value: str) -> str:
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 32:
        raise InvalidChecksum("checksum_sha256 must be a SHA-256 digest in base64 (44 characters)")
    return value


def _age(part: StoredPart) -> float:
    """Sorts newest first; a store that gives no time keeps its own order."""
    return -part.last_modified.timestamp() if part.last_modified else 0.0


def part_size_for(size: int | None) -> int:
    """A part size (whole MiB, at least 8 MiB) that fits `size` in 10,000 parts."""
    if size is None:
        return DEFAULT_PART_SIZE
    needed = math.ceil(size / MAX_PARTS)
    return max(DEFAULT_PART_SIZE, math.ceil(needed / MiB) * MiB)


@dataclass(frozen=True, slots=True)
class OpenedUpload:
    """What a sealed upload id holds."""

    storage_id: str
    path: str
    user_id: str
    size: int | None
    overwrite: bool
    checksum: str | None

    def seal(self, cursors: Cursors, tenant_id: str) -> str:
        return cursors.seal(
            _upload_scope(tenant_id),
            {
                "s": self.storage_id,
                "p": self.path,
                "u": self.user_id,
                "n": self.size,
                "o": self.overwrite,
                "c": self.checksum,
            },
        )

    @classmethod
    def open(cls, cursors: Cursors, tenant_id: str, upload_id: str) -> OpenedUpload:
        missing = UploadNotFound("No such upload")
        try:
            held = cursors.open(_upload_scope(tenant_id), upload_id)
            opened = cls(
                held["s"],
                held["p"],
                held["u"],
                held["n"],
                held["o"],
                held["c"],
            )
        except (InvalidContinuation, KeyError):
            raise missing from None
        if not (isinstance(opened.storage_id, str) and isinstance(opened.path, str)):
            raise missing
        return opened


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


class Uploads(TenantFiles):
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

    @property
    def _window(self) -> int:
        """How long an upload's reservation holds: until the lifecycle would abort it."""
        return self._settings.multipart_abort_days * 86400 + QUEUE_ALLOWANCE_SECONDS

    def _undeclared_hold(self, part_number: int) -> int:
        """What an upload of undeclared size holds once `part_number` is signed.

        S3 cannot bound a part when its URL is signed, so this is no limit (the
        completion checks what the parts hold); it keeps the room a member's
        signing has not yet asked for free for everyone else.
        """
        return min(self._max_size, part_number * UNDECLARED_PART_HOLD)

    # -- the sealed upload id ------------------------------------------------------

    def _open(self, upload_id: str, key: str | None = None) -> OpenedUpload:
        """The caller's upload, or 404: whatever it is, the caller may not learn more."""
        upload = OpenedUpload.open(self._cursors, self._access.tenant_id, upload_id)
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
            upload_id=upload.seal(self._cursors, self._access.tenant_id),
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
        served_type = _content_type(content_type, path)
        storage_id = self._storage.create_multipart(
            key, served_type, {"uploaded-by": self._user}, checksum_sha256=checksum == "sha256"
        )
        try:
            claim = self._claim(
                [Want(path, self._undeclared_hold(1) if size is None else size)],
                self._window,
                up_to=size is None,
                upload=storage_id,
            )
        except Problem:
            self._storage.abort_multipart(key, storage_id)  # refused: leave nothing behind
            raise
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
        numbers = [number for number, _ in parts]
        if len(set(numbers)) != len(numbers):
            raise InvalidParts("Each part number may be asked once a request")
        storage_key = self._root.key(upload.path)
        signed: list[SignedPart] = []
        for number, checksum in parts:
            if upload.checksum and checksum is None:
                raise ChecksumRequired(
                    f"This upload verifies SHA-256: part {number} needs its checksum_sha256"
                )
            if checksum is not None and not upload.checksum:
                raise InvalidChecksum(
                    "This upload was created without checksum: sha256, so its parts carry none"
                )
            headers = {"x-amz-checksum-sha256": _check_sha256(checksum)} if checksum else {}
            url = self._storage.presign_part(
                storage_key, upload.storage_id, number, seconds, checksum
            )
            signed.append(SignedPart(part_number=number, url=url, headers=headers))
        if upload.size is None:  # its hold grows with the parts it may send
            self._quotas.hold(
                self._access.tenant_id,
                upload.storage_id,
                upload.path,
                self._undeclared_hold(max(numbers)),
                self._window,
                up_to=True,
            )
        return SignedParts(
            upload_id=upload_id,
            expires_at=datetime.now(UTC) + timedelta(seconds=seconds),
            parts=signed,
        )

    def _held(self, upload: OpenedUpload) -> dict[int, list[StoredPart]]:
        """What storage holds, by part number, newest first.

        A part number sent again replaces the previous part in S3; SeaweedFS
        keeps listing both, so a number may come with several candidates.
        """
        try:
            listed = self._storage.list_parts(self._root.key(upload.path), upload.storage_id)
        except UploadNotFound:
            self._forget(upload)
            raise UploadNotFound("No such upload (completed, aborted or expired)") from None
        held: dict[int, list[StoredPart]] = {}
        for part in listed:
            held.setdefault(part.number, []).append(part)
        for candidates in held.values():
            candidates.sort(key=_age)
        return dict(sorted(held.items()))

    def parts(self, upload_id: str, key: str | None = None) -> PartList:
        upload = self._open(upload_id, key)
        newest = [candidates[0] for candidates in self._held(upload).values()]
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
        chosen = self._chosen(upload, self._held(upload), parts)
        sizes = [part.size for part in chosen]
        for part, size in zip(chosen[:-1], sizes, strict=False):
            if size < MIN_PART_SIZE:
                raise InvalidParts(
                    f"Part {part.number} holds {size} bytes: every part but the last needs "
                    f"at least {MIN_PART_SIZE} (5 MiB)"
                )
        total = sum(sizes)
        if upload.size is not None and total != upload.size:
            raise SizeMismatch(
                f"The parts hold {total} bytes; the upload was declared with {upload.size}"
            )
        if total > self._max_size:
            raise UploadTooLarge(f"The parts hold {total} bytes; at most {self._max_size} may")
        claimed = self._claim_actual(upload, total)
        replace = upload.overwrite if overwrite is None else overwrite
        try:
            obj = self._storage.complete_multipart(
                self._root.key(upload.path),
                upload.storage_id,
                [CompletedPart(part.number, part.etag, part.checksum_sha256) for part in chosen],
                replace,
            )
        except ObjectExists:
            self._release(claimed)
            raise ObjectExists(
                f"{upload.path} exists now; complete with overwrite=true to replace it, "
                "or abort the upload"
            ) from None
        except BaseException:
            self._release(claimed)
            raise
        self._forget(upload)
        info = self._info(obj)
        return CompletedUpload(**info.model_dump(), checksum_sha256=obj.checksum_sha256)

    def _claim_actual(self, upload: OpenedUpload, total: int) -> tuple[int, ...]:
        """Room for the `total` bytes the parts hold, unless the upload's reservation covers them.

        Whether it does is the database's word, never the upload id's: the
        reservation may have lapsed or been released (its member removed, an
        admin's abort). Otherwise claimed in its place (its room is not counted
        twice). An upload that does not fit is aborted, so its parts stop
        costing the tenant. Returns the new reservations (to give back if the
        completion fails).
        """
        try:
            claim = self._quotas.hold(
                self._access.tenant_id,
                upload.storage_id,
                upload.path,
                total,
                QUEUE_ALLOWANCE_SECONDS,
                up_to=False,
            )
        except QuotaExceeded as refused:
            with contextlib.suppress(Problem):
                self._storage.abort_multipart(self._root.key(upload.path), upload.storage_id)
            self._forget(upload)
            self._release((), upload.storage_id)
            refused.detail += " The upload was aborted and its parts removed."
            raise
        return claim.reservation_ids

    def _chosen(
        self,
        upload: OpenedUpload,
        held: dict[int, list[StoredPart]],
        parts: list[CompletedPart] | None,
    ) -> list[StoredPart]:
        """The stored parts a completion assembles, in order, each with its checksum."""
        chosen: list[StoredPart] = []
        if parts is None:
            for number, candidates in held.items():
                newest = candidates[0]
                tied = [c for c in candidates if _age(c) == _age(newest)]
                if any(not _same_etag(c.etag, newest.etag) for c in tied):
                    raise InvalidParts(
                        f"Part {number} was sent more than once: list the parts to complete, "
                        "each with the ETag its last upload answered"
                    )
                chosen.append(newest)
        else:
            numbers = [part.number for part in parts]
            if len(set(numbers)) != len(numbers):
                raise InvalidParts("A part number is listed twice")
            for part in sorted(parts, key=lambda part: part.number):
                stored = next(
                    (c for c in held.get(part.number, []) if _same_etag(c.etag, part.etag)), None
                )
                if stored is None:
                    raise InvalidParts(
                        f"Part {part.number} with that ETag is not held by storage: list "
                        "the parts to see what it holds"
                    )
                if part.checksum_sha256 is not None:
                    _check_sha256(part.checksum_sha256)
                checksum = part.checksum_sha256 or stored.checksum_sha256
                if stored.checksum_sha256 not in (None, checksum):
                    raise InvalidParts(
                        f"Part {part.number}'s checksum_sha256 is not the one storage holds: "
                        "list the parts to see it"
                    )
                chosen.append(dataclasses.replace(stored, checksum_sha256=checksum))
        if not chosen:
            raise InvalidParts("The upload holds no part yet")
        if upload.checksum:
            for stored in chosen:
                if stored.checksum_sha256 is None:
                    raise ChecksumRequired(
                        f"This upload verifies SHA-256: list part {stored.number} "
                        "with its checksum_sha256"
                    )
                _check_sha256(stored.checksum_sha256)
        return chosen

    def abort(self, upload_id: str, key: str | None = None) -> None:
        self._abort(self._open(upload_id, key))

    def abort_anyones(self, upload_id: str) -> None:
        """Abort any user's upload in the tenant (its owners' and admins' call)."""
        self._abort(OpenedUpload.open(self._cursors, self._access.tenant_id, upload_id))

    def _abort(self, upload: OpenedUpload) -> None:
        self._storage.abort_multipart(self._root.key(upload.path), upload.storage_id)
        self._forget(upload)
        self._release((), upload.storage_id)

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
