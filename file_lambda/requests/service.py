"""File requests: a member opens one on a folder; people without an account upload into it.

The requester's side (`FileRequests`) opens, lists, reads and closes requests
and lists their submissions: members see their own, admins and owners every
request of the tenant. The uploader's side (`RequestLink`, `RequestUploads`)
is reached through the link's token alone (`public_links.py`: only its hash
is stored) and can do nothing but read the request's terms and send files:

- **multipart only**, through the shared machinery (`multipart.py`): no
  presigned POST (Uppy's `/s3/params`), whose form could be replayed to write
  again until it expired. The upload id is sealed under a scope naming the
  tenant and the request, around the submission: a member's upload id, or
  another request's, does not open here (nor this one there).
- **its own file, never another's**: the file is stored in the request's
  folder under the name sent, or `name (2).ext` and so on when that name is
  taken (by a file, or by another unfinished upload), and completes with
  `If-None-Match: *`; the uploader is answered the name they sent, never the
  stored path, and the `key` they send back is ignored. A name taken between
  start and completion answers `409 file_exists` and ends the upload (its
  slot comes back): the page sends the file again, under a new name.
- **limits held by S3 and Postgres**: `max_files` are slots taken under the
  request's row lock (records.py), one per upload from its start: an
  unfinished upload holds its slot for `FILE_REQUEST_UPLOAD_LEASE` (24 hours)
  and gives it back when aborted or once its lease has ended (it can no
  longer complete then, and is aborted in S3 when the next upload starts).
  `max_file_size` bounds the part numbers that may be signed (each part but
  the last holds at least 5 MiB) and the parts S3 holds at completion; a
  file over it is refused and its upload aborted. The stored Content-Type is
  the API's, from the name; `allowed_types` checks the name and the declared
  type both. Every byte is claimed against the tenant's quota first (the
  machinery's reservations). Closing or expiry stops everything: no new
  upload, no part, no completion (an upload started before is aborted).
- **audit**: every public write (unlock, create, complete, abort) is a row
  of the trail with no actor (there is no user), `file_request` naming the
  request and the uploader's name as they gave it (unverified), through
  `audit.note_public`.
"""

from __future__ import annotations

import contextlib
import math
import mimetypes
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from file_lambda import audit
from file_lambda.cursors import Cursors
from file_lambda.multipart import MIN_PART_SIZE, Multipart, OpenedUpload, UploadTooLarge
from file_lambda.paths import InvalidPath, join, validate_name, validate_path
from file_lambda.public_links import (
    UNKNOWN_TOKENS,
    Attempts,
    Grant,
    LinkGone,
    LinkNotFound,
    TooManyAttempts,
    hash_password,
    hashed_subject,
    link_expires_at,
    new_token,
    token_hash,
    unlock,
)
from file_lambda.quotas import QuotaExceeded, Quotas
from file_lambda.requests.exceptions import (
    RequestFull,
    RequestNotFound,
    TypeNotAllowed,
    UploaderDetailsRequired,
)
from file_lambda.requests.records import NewRequest, RequestRecords, RequestRow, SubmissionRow
from file_lambda.requests.schemas import (
    CreatedFileRequest,
    FileRequest,
    FileRequestList,
    PublicFileRequest,
    RequestCreate,
    Submission,
    Submissions,
)
from file_lambda.schemas import (
    CompanionCompleted,
    CompanionPart,
    CompanionSignedPart,
    CompanionUpload,
    LinkGrant,
)
from file_lambda.settings import Settings
from file_lambda.storage.port import (
    CompletedPart,
    InvalidContinuation,
    ObjectExists,
    ObjectNotFound,
    ObjectUnreadable,
    Storage,
    UploadNotFound,
)
from file_lambda.tenant_files import InvalidSize, TenantFiles
from tenancy.principal import Principal, Role, TenantAccess, canonical_uuid
from tenancy.problems import Problem

LINK_KIND = "request"
# Names tried as `name (2).ext`, `name (3).ext`, ... before a random one.
NUMBERED_NAMES = 20
NAME_MAX = 200
EMAIL_MAX = 320
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def request_scope(tenant_id: str, request_id: str) -> str:
    """Associated data of a request's sealed upload ids: no other door opens them."""
    return f"{tenant_id} file request {request_id} upload"


def _state(row: RequestRow) -> str:
    if row.closed_at is not None:
        return "closed"
    return "expired" if row.expires_at <= datetime.now(UTC) else "open"


def _files_left(row: RequestRow) -> int:
    return max(0, row.max_files - row.slots_taken)


def _described(row: RequestRow) -> FileRequest:
    return FileRequest(
        request_id=row.id,
        folder=row.folder,
        title=row.title,
        message=row.message,
        expires_at=row.expires_at,
        max_file_size=row.max_file_size,
        max_files=row.max_files,
        allowed_types=row.allowed_types,
        password_required=row.password_hash is not None,
        ask_name=row.ask_name,
        ask_email=row.ask_email,
        created_by=row.created_by,
        created_at=row.created_at,
        closed_at=row.closed_at,
        files_received=row.files_received,
        files_left=_files_left(row),
        state=_state(row),
    )


def _submission(row: SubmissionRow) -> Submission:
    return Submission(
        submission_id=row.id,
        path=row.path,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        version_id=row.version_id,
        uploader_name=row.uploader_name,
        uploader_email=row.uploader_email,
        state=row.state,
        created_at=row.created_at,
        completed_at=row.completed_at,
    )


# -- the requester's side ----------------------------------------------------------------


class FileRequests(TenantFiles):
    """One tenant's file requests, for one member (admins and owners: everyone's)."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        access: TenantAccess,
        cursors: Cursors,
        quotas: Quotas,
        records: RequestRecords,
    ) -> None:
        super().__init__(storage, settings, access, cursors, quotas)
        self._records = records

    @classmethod
    def for_request(cls, state: Any, access: TenantAccess) -> FileRequests:
        return cls(
            state.storage,
            state.settings,
            access,
            state.cursors,
            state.quotas,
            RequestRecords(state.ledger),
        )

    @property
    def _sees_all(self) -> bool:
        return self._access.role >= Role.admin

    def create(self, body: RequestCreate) -> CreatedFileRequest:
        settings = self._settings
        folder = validate_path(body.folder, allow_root=True)
        self._root.folder_prefix(folder)  # refuses a folder too long for any key
        expires_at = link_expires_at(body.expires_at, settings.file_request_max_days)
        ceiling = settings.file_request_max_file_size
        size = ceiling if body.max_file_size is None else body.max_file_size
        if not 1 <= size <= ceiling:
            raise InvalidSize(f"max_file_size must lie between 1 and {ceiling} bytes")
        token = new_token()
        row = self._records.add(
            NewRequest(
                tenant_id=self._access.tenant_id,
                created_by=self._access.principal.user_id,
                token_hash=token_hash(token),
                folder=folder,
                title=body.title.strip(),
                message=body.message,
                expires_at=expires_at,
                max_file_size=size,
                max_files=body.max_files,
                allowed_types=sorted({entry.lower() for entry in body.allowed_types}),
                password_hash=hash_password(body.password) if body.password else None,
                ask_name=body.ask_name,
                ask_email=body.ask_email,
            )
        )
        url = f"{settings.public_base_url}/files/r/{token}"
        return CreatedFileRequest(**_described(row).model_dump(), url=url)

    def _visible(self, request_id: str) -> RequestRow:
        """The request, if the caller may see it; else 404, as if it did not exist."""
        canonical = canonical_uuid(request_id)
        row = self._records.get(self._access.tenant_id, canonical) if canonical else None
        if row is None or not (self._sees_all or row.created_by == self._access.principal.user_id):
            raise RequestNotFound("No such file request in this tenant")
        return row

    def get(self, request_id: str) -> FileRequest:
        return _described(self._visible(request_id))

    def page(self, limit: int, cursor: str | None) -> FileRequestList:
        mine = None if self._sees_all else self._access.principal.user_id
        kind = "file requests" if mine is None else "my file requests"
        after = self._after(kind, cursor)
        rows = self._records.page(self._access.tenant_id, mine, limit, after)
        last = rows[-1] if len(rows) == limit else None
        return FileRequestList(
            requests=[_described(row) for row in rows],
            next_cursor=self._next(kind, last.created_at, last.id) if last else None,
        )

    def submissions(self, request_id: str, limit: int, cursor: str | None) -> Submissions:
        row = self._visible(request_id)
        kind = f"file request {row.id} submissions"
        rows = self._records.submissions(row.id, limit, self._after(kind, cursor))
        last = rows[-1] if len(rows) == limit else None
        return Submissions(
            submissions=[_submission(s) for s in rows],
            next_cursor=self._next(kind, last.created_at, last.id) if last else None,
        )

    def close(self, request_id: str) -> FileRequest:
        """Close the request: its link stops at once, and its unfinished uploads are aborted."""
        row = self._visible(request_id)
        for path, upload in self._records.close(row.tenant_id, row.id):
            with contextlib.suppress(Problem):
                self._storage.abort_multipart(self._root.key(path), upload)
            self._release((), upload)
        closed = self._records.get(row.tenant_id, row.id)
        assert closed is not None
        return _described(closed)

    def _after(self, kind: str, cursor: str | None) -> tuple[datetime, str] | None:
        if not cursor:
            return None
        position = self._cursors.open(self._access.tenant_id, cursor)
        try:
            if position["k"] != kind:
                raise KeyError("k")
            return datetime.fromisoformat(position["c"]), str(position["i"])
        except (KeyError, TypeError, ValueError):
            raise InvalidContinuation("The cursor is not valid for this listing") from None

    def _next(self, kind: str, created_at: datetime, row_id: str) -> str:
        position = {"k": kind, "c": created_at.isoformat(), "i": row_id}
        return self._cursors.seal(self._access.tenant_id, position)


# -- the uploader's side -------------------------------------------------------------------


class RequestLink:
    """A request reached by its token: what an uploader may read and unlock."""

    def __init__(self, row: RequestRow, cursors: Cursors, attempts: Attempts, client: str):
        self.row = row
        self._cursors = cursors
        self._attempts = attempts
        self._client = client

    @classmethod
    def open(cls, state: Any, token: str, client: str) -> RequestLink:
        """The working request of `token`, or 404 (counted per address) or 410 saying why."""
        records = RequestRecords(state.ledger)
        attempts = Attempts(state.ledger)
        address = hashed_subject(client)
        now = int(time.time())
        window = now - now % UNKNOWN_TOKENS.seconds
        # Too many unknown tokens from an address, and every link answers it 429 until
        # the window ends, found or not: a guesser cannot tell a hit by the answer.
        row, misses = records.by_token(
            token_hash(token[:256]), (UNKNOWN_TOKENS.name, address, window)
        )
        wait = "Too many unknown links from your address; wait before trying again"
        if misses >= UNKNOWN_TOKENS.attempts:
            raise TooManyAttempts(wait, window + UNKNOWN_TOKENS.seconds - now)
        if row is None:
            attempts.count(UNKNOWN_TOKENS, address, wait)
            raise LinkNotFound()
        audit.note_public(row.tenant_id, path=row.folder or None, file_request=row.id)
        if row.closed_at is not None:
            raise LinkGone("This file request was closed by the person who opened it")
        if row.expires_at <= datetime.now(UTC):
            raise LinkGone(f"This file request expired at {row.expires_at.isoformat()}")
        if not row.creator_is_member:
            raise LinkGone("The person who opened this file request can no longer receive files")
        return cls(row, state.cursors, attempts, client)

    def terms(self) -> PublicFileRequest:
        row = self.row
        return PublicFileRequest(
            title=row.title,
            message=row.message,
            expires_at=row.expires_at,
            password_required=row.password_hash is not None,
            max_file_size=row.max_file_size,
            max_files=row.max_files,
            files_left=_files_left(row),
            allowed_types=row.allowed_types,
            ask_name=row.ask_name,
            ask_email=row.ask_email,
        )

    def unlock(self, password: str) -> LinkGrant:
        """A grant for a right password (any, for a request without one)."""
        row = self.row
        return unlock(
            self._cursors,
            self._attempts,
            LINK_KIND,
            row.id,
            row.password_hash,
            password,
            self._client,
        )

    def check_grant(self, sealed: str | None) -> None:
        if self.row.password_hash is not None:
            Grant.check(self._cursors, LINK_KIND, self.row.id, sealed)


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return f".{extension.lower()}" if dot and stem else ""


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _allows(entries: list[str], media_type: str) -> bool:
    for entry in entries:
        if entry.startswith("."):
            if mimetypes.types_map.get(entry) == media_type:
                return True
        elif entry == media_type or (entry.endswith("/*") and media_type.startswith(entry[:-1])):
            return True
    return False


def _numbered(name: str, number: int | str) -> str:
    """`report (2).pdf` for `report.pdf`; `notes (2)` for `notes`."""
    extension = _extension(name)
    stem = name[: len(name) - len(extension)] if extension else name
    return f"{stem} ({number}){name[len(stem) :]}"


class RequestUploads(Multipart):
    """Uploads into one request's folder, by someone with its link and nothing else."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        cursors: Cursors,
        quotas: Quotas,
        link: RequestLink,
        records: RequestRecords,
    ) -> None:
        row = link.row
        # A service acts for someone: here the request's creator (its files carry the
        # request's id in their metadata, not a user's).
        access = TenantAccess(Principal(row.created_by, None, {}), row.tenant_id, Role.member)
        super().__init__(storage, settings, access, cursors, quotas)
        self._request = row
        self._records = records

    @classmethod
    def of(cls, state: Any, link: RequestLink) -> RequestUploads:
        return cls(
            state.storage,
            state.settings,
            state.cursors,
            state.quotas,
            link,
            RequestRecords(state.ledger),
        )

    @property
    def _max_size(self) -> int:
        return self._request.max_file_size

    @property
    def _scope(self) -> str:
        return request_scope(self._request.tenant_id, self._request.id)

    @property
    def _max_part_number(self) -> int:
        """Beyond it, a part could only belong to a file larger than max_file_size."""
        return max(1, math.ceil(self._max_size / MIN_PART_SIZE))

    # -- create ----------------------------------------------------------------------------

    def create(
        self, filename: str, declared_type: str | None, metadata: dict[str, object]
    ) -> CompanionUpload:
        request = self._request
        name = validate_name(filename)
        served_type = self._checked_type(name, declared_type)
        uploader_name = self._detail(metadata, "name", request.ask_name, NAME_MAX)
        uploader_email = self._detail(metadata, "email", request.ask_email, EMAIL_MAX)
        if uploader_email is not None and not _EMAIL.fullmatch(uploader_email):
            raise UploaderDetailsRequired("metadata.email must be an e-mail address")
        audit.note_public(request.tenant_id, uploader_name=uploader_name, uploader_verified=False)
        submission_id, path = self._slot(name, served_type, uploader_name, uploader_email)
        audit.note_public(request.tenant_id, path=path, submission=submission_id)
        try:
            storage_id, _ = self._start(
                path,
                None,
                served_type,
                {"file-request": request.id, "submission": submission_id},
                None,
            )
        except BaseException:
            self._records.ended(submission_id)  # its slot comes back
            raise
        self._records.uploading(submission_id, storage_id)
        upload = OpenedUpload(storage_id, path, submission_id, None, False, None)
        return CompanionUpload(key=name, uploadId=upload.seal(self._cursors, self._scope))

    def _checked_type(self, name: str, declared: str | None) -> str:
        """The type to store (the API's, from the name), once the request allows it."""
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        entries = self._request.allowed_types
        if entries:
            by_name = _extension(name) in entries or _allows(entries, guessed)
            by_declared = not declared or _allows(entries, _media_type(declared))
            if not (by_name and by_declared):
                raise TypeNotAllowed("This file request accepts only " + ", ".join(entries))
        return guessed

    @staticmethod
    def _detail(metadata: dict[str, object], field: str, ask: str, longest: int) -> str | None:
        if ask == "off":
            return None
        value = metadata.get(field)
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > longest:
            raise UploaderDetailsRequired(f"metadata.{field} holds at most {longest} characters")
        if not text and ask == "required":
            raise UploaderDetailsRequired(
                f"This file request asks for your {field}: metadata.{field}"
            )
        return text or None

    def _slot(
        self, name: str, served_type: str, uploader_name: str | None, uploader_email: str | None
    ) -> tuple[str, str]:
        """A slot of max_files for a new file of this name (renamed when taken), and its path."""
        request = self._request
        candidates = [name] + [_numbered(name, n) for n in range(2, NUMBERED_NAMES + 1)]
        candidates.append(_numbered(name, secrets.token_hex(4)))
        for candidate in candidates:
            try:
                path = join(request.folder, validate_name(candidate))
                self._root.key(path)
            except InvalidPath:
                continue  # a longer name would not fit: try the next
            if self._exists(path):
                continue
            slot = self._records.take_slot(
                request.id,
                path,
                name,
                served_type,
                uploader_name,
                uploader_email,
                self._settings.file_request_upload_lease,
            )
            self._abort_lapsed(slot.lapsed)
            if slot.submission_id is not None:
                return slot.submission_id, path
            if not slot.path_taken:
                raise RequestFull("This file request has received all the files it accepts")
        raise InvalidPath("No free name for this file in the request's folder: rename it")

    def _exists(self, path: str) -> bool:
        try:
            self._storage.head(self._root.key(path))
        except ObjectNotFound:
            return False
        except ObjectUnreadable:
            pass  # it is there: storage refuses to read it (malware)
        return True

    def _abort_lapsed(self, lapsed: list[tuple[str, str]]) -> None:
        """Uploads whose lease ended (their slots came back): their parts go too."""
        for path, storage_id in lapsed:
            with contextlib.suppress(Problem):
                self._storage.abort_multipart(self._root.key(path), storage_id)
            self._release((), storage_id)

    # -- the sealed upload id ----------------------------------------------------------------

    def _open(self, upload_id: str) -> tuple[OpenedUpload, SubmissionRow]:
        """This request's upload and its submission, or 404."""
        upload = OpenedUpload.open(self._cursors, self._scope, upload_id)
        submission = self._records.submission(self._request.id, upload.user_id)
        if submission is None or submission.storage_upload_id != upload.storage_id:
            raise UploadNotFound("No such upload")
        audit.note_public(
            self._request.tenant_id,
            path=submission.path,
            submission=submission.id,
            uploader_name=submission.uploader_name,
            uploader_verified=False,
        )
        return upload, submission

    # -- parts -------------------------------------------------------------------------------

    def _unfinished(self, upload_id: str) -> OpenedUpload:
        """This request's upload while it may still complete (its lease holding), or 404:
        no part is signed for an upload that has ended, nor for one whose time is over."""
        upload, submission = self._open(upload_id)
        if submission.state != "uploading" or submission.lease_ends_at <= datetime.now(UTC):
            raise UploadNotFound("No such upload (completed, aborted, or its time is over)")
        return upload

    def sign(self, upload_id: str, part_number: int) -> CompanionSignedPart:
        upload = self._unfinished(upload_id)
        if part_number > self._max_part_number:
            raise UploadTooLarge(
                f"Part {part_number} could only belong to a file over this request's "
                f"max_file_size ({self._max_size} bytes)"
            )
        seconds = self._settings.presign_default_expires
        [signed] = self._signed(upload, [(part_number, None)], seconds)
        return CompanionSignedPart(url=signed.url, expires=seconds)

    def parts(self, upload_id: str) -> list[CompanionPart]:
        upload = self._unfinished(upload_id)
        return [
            CompanionPart(PartNumber=p.number, Size=p.size, ETag=p.etag)
            for p in self._newest(upload)
        ]

    # -- complete and abort --------------------------------------------------------------------

    def complete(
        self, upload_id: str, parts: list[CompletedPart], location: str
    ) -> CompanionCompleted:
        upload, submission = self._open(upload_id)
        if not self._records.start_completing(submission.id):
            raise UploadNotFound("No such upload (completed, aborted, or its time is over)")
        try:
            obj = self._finish(upload, parts, replace=False)
        except (QuotaExceeded, UploadNotFound):
            self._records.ended(submission.id)  # S3 holds it no more
            raise
        except ObjectExists:
            self._end(upload, submission)
            raise ObjectExists(
                "A file of that name arrived meanwhile; send the file again (it gets a new name)"
            ) from None
        except UploadTooLarge:
            self._end(upload, submission)
            raise
        except BaseException:
            self._records.back_to_uploading(submission.id)
            raise
        self._records.completed(submission.id, obj.size, obj.version_id)
        return CompanionCompleted(location=location, key=submission.filename)

    def abort(self, upload_id: str) -> None:
        upload, submission = self._open(upload_id)
        if not self._records.ended(submission.id):  # once: its slot comes back once
            raise UploadNotFound("No such upload (completed, aborted, or its time is over)")
        self._abort(upload)

    def _end(self, upload: OpenedUpload, submission: SubmissionRow) -> None:
        """Abort the upload in S3; its slot and its room come back."""
        self._abort(upload)
        self._records.ended(submission.id)
