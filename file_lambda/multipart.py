"""S3 multipart uploads over one tenant's files: what every door for large files shares.

A member's uploads (`uploads/`) and a file request's uploaders (`requests/`)
both send their bytes straight to S3, one part per presigned PUT; the API
only starts, signs, lists, completes and aborts, and never takes a key or an
S3 upload id from a client. This module is that machinery; each domain adds
who may call it and where its files go:

- an **upload id** (`OpenedUpload`) is sealed (`cursors.py`: AES-GCM) around
  S3's upload id, the key's path, who started it, the declared size and
  `overwrite`, under a scope that names the tenant (and, for a file request,
  the request): an id sealed under one scope never opens under another.
- **completion** lists the parts S3 holds, checks their sizes against the
  declared size and the domain's maximum, and enforces `overwrite=false`
  atomically in S3 (`If-None-Match: *`).
- **quota** (`quotas.py`): a start reserves the declared size, or, undeclared,
  8 MiB per part number signed, growing as parts are signed, up to the maximum
  and what is left; the reservation is tied to S3's upload id and holds until
  the lifecycle would abort the upload. Completion asks the database whether
  that reservation still covers the parts' actual size, and claims it afresh
  in its place when not; when that does not fit, the upload is aborted, its
  parts removed, and the call answers `413 quota_exceeded`. Abort gives the
  reservation back.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import math
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass

from file_lambda.cursors import Cursors
from file_lambda.quotas import QUEUE_ALLOWANCE_SECONDS, Claim, QuotaExceeded, Want
from file_lambda.schemas import MAX_PARTS, SignedPart
from file_lambda.storage.port import (
    CompletedPart,
    InvalidContinuation,
    InvalidParts,
    ObjectInfo,
    StoredPart,
    UploadNotFound,
)
from file_lambda.tenant_files import TenantFiles
from tenancy.problems import BadRequest, Problem

MiB = 1024**2
MIN_PART_SIZE = 5 * MiB  # S3's smallest part, the last excepted
MAX_PART_SIZE = 5 * 1024**3
DEFAULT_PART_SIZE = 8 * MiB
# What an upload of undeclared size (an upload session's) holds in the quota
# per part number signed: Uppy's parts are 5 MiB up to 48 GiB files.
UNDECLARED_PART_HOLD = DEFAULT_PART_SIZE


class InvalidUploadSize(BadRequest):
    code = "invalid_size"


class InvalidContentType(BadRequest):
    code = "invalid_content_type"


class UploadTooLarge(Problem):
    status = 413
    code = "upload_too_large"


class SizeMismatch(BadRequest):
    code = "size_mismatch"


class ChecksumRequired(BadRequest):
    code = "checksum_required"


class InvalidChecksum(BadRequest):
    code = "invalid_checksum"


def upload_scope(tenant_id: str) -> str:
    """Associated data of a member's sealed upload ids in `tenant_id`."""
    return f"{tenant_id} multipart upload"


# RFC 9110 media type: type "/" subtype *( ";" parameter ), tokens of visible ASCII.
_NAME = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"[ \t!#-\[\]-~]*"'
_MEDIA_TYPE = re.compile(rf"{_NAME}/{_NAME}(?:[ \t]*;[ \t]*{_NAME}=(?:{_NAME}|{_QUOTED}))*")


def content_type_for(value: str | None, path: str) -> str:
    """The type to store: the client's when it is a media type, else guessed from the name."""
    if value is None or value == "":
        return mimetypes.guess_type(path)[0] or "application/octet-stream"
    if len(value) > 255 or not _MEDIA_TYPE.fullmatch(value):
        raise InvalidContentType("content_type must be a media type such as video/mp4")
    return value


def _same_etag(a: str, b: str) -> bool:
    return a.strip('"') == b.strip('"')


def check_sha256(value: str) -> str:
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

    def seal(self, cursors: Cursors, scope: str) -> str:
        return cursors.seal(
            scope,
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
    def open(cls, cursors: Cursors, scope: str, upload_id: str) -> OpenedUpload:
        missing = UploadNotFound("No such upload")
        try:
            held = cursors.open(scope, upload_id)
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


class Multipart(TenantFiles):
    """One tenant's multipart uploads: start, sign, list, complete, abort.

    A subclass decides who may open which upload id and where files go; it
    may narrow `_max_size` and note an upload's end in `_forget`.
    """

    @property
    def _max_size(self) -> int:
        return self._settings.multipart_max_size

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

    # -- start -------------------------------------------------------------------------

    def _start(
        self,
        path: str,
        size: int | None,
        served_type: str,
        metadata: dict[str, str],
        checksum: str | None,
    ) -> tuple[str, Claim]:
        """S3's upload id of a new upload at `path`, its room claimed; nothing left if refused."""
        key = self._root.key(path)
        storage_id = self._storage.create_multipart(
            key, served_type, metadata, checksum_sha256=checksum == "sha256"
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
        return storage_id, claim

    # -- parts ---------------------------------------------------------------------------

    def _signed(
        self, upload: OpenedUpload, parts: list[tuple[int, str | None]], seconds: int
    ) -> list[SignedPart]:
        """A PUT URL for each part number (with its checksum), the upload's hold grown to them."""
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
            headers = {"x-amz-checksum-sha256": check_sha256(checksum)} if checksum else {}
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
        return signed

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

    def _newest(self, upload: OpenedUpload) -> list[StoredPart]:
        """The part storage holds for each number: what a resume need not send again."""
        return [candidates[0] for candidates in self._held(upload).values()]

    # -- complete and abort ----------------------------------------------------------------

    def _finish(
        self,
        upload: OpenedUpload,
        parts: list[CompletedPart] | None,
        replace: bool,
        check: Callable[[int], None] | None = None,
    ) -> ObjectInfo:
        """Assemble the parts into the file, after checking their sizes and claiming their room.

        `check(total)`, when given, may refuse the parts' total before anything
        is claimed. Raises `ObjectExists` when `replace` is false and the path
        is taken (the upload stays, to complete otherwise or abort).
        """
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
        if check is not None:
            check(total)
        claimed = self._claim_actual(upload, total)
        try:
            obj = self._storage.complete_multipart(
                self._root.key(upload.path),
                upload.storage_id,
                [CompletedPart(part.number, part.etag, part.checksum_sha256) for part in chosen],
                replace,
            )
        except BaseException:
            self._release(claimed)
            raise
        self._forget(upload)
        return obj

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
                    check_sha256(part.checksum_sha256)
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
                check_sha256(stored.checksum_sha256)
        return chosen

    def _abort(self, upload: OpenedUpload) -> None:
        self._storage.abort_multipart(self._root.key(upload.path), upload.storage_id)
        self._forget(upload)
        self._release((), upload.storage_id)

    def _forget(self, upload: OpenedUpload) -> None:
        """S3 is done with the upload (completed, aborted, gone): a subclass's records of it."""
