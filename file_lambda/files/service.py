"""The file operations of one tenant, over the storage port.

Routes call exactly one method here; this layer maps tenant-relative paths to
keys (`paths.TenantRoot`), enforces the contract's rules and shapes results.
It raises domain problems only; it knows nothing of HTTP requests.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from file_lambda.cursors import Cursors
from file_lambda.disposition import content_disposition
from file_lambda.files.exceptions import MoveIncomplete, PayloadTooLarge, SamePath
from file_lambda.files.schemas import (
    DeleteResult,
    FileList,
    FileMetadata,
    ListedFile,
    PathError,
    PresignedDownload,
    UploadFailure,
    UploadResult,
)
from file_lambda.paths import (
    MAX_KEY_BYTES,
    InvalidPath,
    check_segments,
    join,
    validate_name,
    validate_path,
)
from file_lambda.quotas import Want
from file_lambda.scans import FileInfected
from file_lambda.schemas import FileInfo
from file_lambda.storage.port import (
    InvalidContinuation,
    NotModified,
    ObjectArchived,
    ObjectExists,
    ObjectInfo,
    ObjectNotFound,
    ObjectUnreadable,
)
from file_lambda.tenant_files import TenantFiles
from tenancy.problems import Problem


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str | None
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class Download:
    """What a download answers: bytes inline, a redirect, or "not modified"."""

    info: ObjectInfo | None = None
    body: bytes | None = None
    redirect_url: str | None = None
    not_modified: bool = False
    etag: str | None = None  # of a "not modified" answer
    disposition: str | None = None  # the Content-Disposition header to send


# What a listed file's scan state adds to the page's JSON at most.
_SCAN = {"scan": "unscannable"}


def _encoded_size(document: object) -> int:
    return len(json.dumps(document, ensure_ascii=False, default=str).encode())


@dataclass(frozen=True, slots=True)
class _Cursor:
    """Where a listing resumes: S3's continuation token, or a key to start after.

    Bound to its folder and mode, so a cursor cannot be replayed on another
    listing; sealed by `Cursors`, so it cannot be read, forged or replayed in
    another tenant.
    """

    folder: str
    recursive: bool
    token: str | None = None
    after: str | None = None  # relative to the listed folder's prefix

    def seal(self, cursors: Cursors, tenant_id: str) -> str:
        position = {"f": self.folder, "r": self.recursive, "t": self.token, "a": self.after}
        return cursors.seal(tenant_id, position)

    @classmethod
    def open(
        cls, cursors: Cursors, tenant_id: str, cursor: str, folder: str, recursive: bool
    ) -> _Cursor:
        position = cursors.open(tenant_id, cursor)
        try:
            opened = cls(position["f"], position["r"], position["t"], position["a"])
        except KeyError:
            raise InvalidContinuation("The cursor is not valid for this listing") from None
        if opened.folder != folder or opened.recursive != recursive:
            raise InvalidContinuation("The cursor belongs to another listing")
        if not all(isinstance(v, str | None) for v in (opened.token, opened.after)):
            raise InvalidContinuation("The cursor is not valid for this listing")
        return opened


class FileService(TenantFiles):
    """One tenant's files: uploads through the API, reads, deletes, folders, copies,
    presigned URLs."""

    # -- uploads ---------------------------------------------------------------

    def check_inline_size(self, body_size: int) -> None:
        limit = self._settings.max_inline_upload_bytes
        if body_size > limit:
            raise PayloadTooLarge(
                f"The request body is {body_size} bytes; uploads through the API take at most "
                f"{limit}. Use POST /files/presigned-upload to upload larger files."
            )

    def upload(self, folder: str, upload: Upload, overwrite: bool) -> FileInfo:
        folder = validate_path(folder, allow_root=True)
        path = join(folder, validate_name(upload.filename))
        claim = self._claim([Want(path, len(upload.body))])
        return self._put(path, upload, overwrite, claim.reservation_ids)

    def _put(
        self, path: str, upload: Upload, overwrite: bool, reservation_ids: Sequence[int]
    ) -> FileInfo:
        name = path.rsplit("/", 1)[-1]
        content_type = (
            upload.content_type
            if upload.content_type and upload.content_type != "application/octet-stream"
            else mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        try:
            obj = self._storage.put(
                self._root.key(path),
                upload.body,
                content_type,
                {"uploaded-by": self._access.principal.user_id},
                overwrite,
            )
        except ObjectExists:
            self._release(reservation_ids)
            raise ObjectExists(
                f"{path} already exists; pass overwrite=true to replace it"
            ) from None
        except BaseException:
            self._release(reservation_ids)
            raise
        return self._info(obj)

    def upload_many(self, folder: str, uploads: Iterable[Upload], overwrite: bool) -> UploadResult:
        """Each file succeeds or fails on its own, but the quota is claimed for all at once:
        a batch that does not fit as a whole is refused as a whole (413), none written."""
        folder = validate_path(folder, allow_root=True)  # a bad folder fails the whole request
        result = UploadResult(uploaded=[], failed=[])
        named: list[tuple[str, Upload]] = []
        for upload in uploads:
            try:
                named.append((join(folder, validate_name(upload.filename)), upload))
            except InvalidPath as problem:
                result.failed.append(_failure(upload, problem))
        if not named:
            return result
        claim = self._claim([Want(path, len(upload.body)) for path, upload in named])
        # One reservation per file, in order (none when the tenant has no quota).
        held = claim.reservation_ids if len(claim.reservation_ids) == len(named) else ()
        for index, (path, upload) in enumerate(named):
            try:
                mine = held[index : index + 1]
                result.uploaded.append(self._put(path, upload, overwrite, mine))
            except ObjectExists as problem:
                result.failed.append(_failure(upload, problem))
            except BaseException:
                self._release(held[index + 1 :])  # the files never tried
                raise
        return result

    # -- reads -----------------------------------------------------------------

    def download(
        self,
        path: str,
        version_id: str | None,
        if_none_match: str | None,
        disposition: str,
    ) -> Download:
        key = self._root.key(path)
        try:
            opened = self._storage.open(key, version_id, if_none_match)
        except ObjectNotFound:
            raise ObjectNotFound(f"{path} does not exist") from None
        except ObjectUnreadable as refused:
            raise self._unreadable(path, version_id, refused) from None
        except NotModified as current:
            return Download(not_modified=True, etag=current.etag)
        try:
            self._require_readable(opened.info)
        except BaseException:
            opened.close()
            raise
        if opened.info.size > self._settings.max_inline_download_bytes:
            opened.close()
            url = self._presigned_get(
                opened.info, self._settings.redirect_expires, version_id, disposition
            )
            return Download(info=opened.info, redirect_url=url)
        header = content_disposition(disposition, path.rsplit("/", 1)[-1], opened.info.content_type)
        return Download(info=opened.info, body=opened.read(), disposition=header)

    def metadata(self, path: str, version_id: str | None) -> FileMetadata:
        obj = self._head(path, version_id)
        return FileMetadata(
            **self._info(obj).model_dump(),
            metadata=obj.metadata,
            checksum_sha256=obj.checksum_sha256,
            scan=self._scan_state(obj),
        )

    def list_folder(self, folder: str, recursive: bool, limit: int, cursor: str | None) -> FileList:
        folder = validate_path(folder, allow_root=True)
        prefix = self._root.folder_prefix(folder)
        tenant_id = self._access.tenant_id
        position = (
            _Cursor.open(self._cursors, tenant_id, cursor, folder, recursive)
            if cursor
            else _Cursor(folder, recursive)
        )
        page = self._storage.list_page(
            prefix,
            None if recursive else "/",
            limit,
            position.token,
            prefix + position.after if position.after is not None else None,
        )

        # Files and folders in key order, as S3 returns them.
        entries: list[tuple[str, ObjectInfo | str]] = []
        for obj in page.objects:
            if obj.key == prefix:
                continue  # the folder's own marker
            if obj.key.endswith("/"):
                entries.append((obj.key, self._root.relative(obj.key).rstrip("/")))
            else:
                entries.append((obj.key, obj))
        entries += [(p, self._root.relative(p).rstrip("/")) for p in page.prefixes]
        entries.sort(key=lambda entry: entry[0].encode())

        # One S3 page is one API page, unless its JSON would not fit through the
        # load balancer (long keys): then stop early and resume after the last entry.
        budget = self._settings.max_inline_download_bytes - 4096
        resume = _Cursor(folder, recursive, token=page.next_token) if page.next_token else None
        folders: list[str] = []
        listed: list[ObjectInfo] = []
        used = 0
        for index, (_key, entry) in enumerate(entries):
            shown = entry if isinstance(entry, str) else {**self._info(entry).model_dump(), **_SCAN}
            used += _encoded_size(shown) + 2
            if used > budget:
                last_key = entries[index - 1][0]
                # After a rolled-up folder, skip everything inside it: U+10FFFF
                # sorts after any character a real key holds.
                after = last_key + "\U0010ffff" if last_key.endswith("/") else last_key
                resume = _Cursor(folder, recursive, after=after[len(prefix) :])
                break
            if isinstance(entry, str):
                folders.append(entry)
            else:
                listed.append(entry)
        states = self._listed_states(listed)
        return FileList(
            folder=folder,
            folders=folders,
            files=[
                ListedFile(**self._info(obj).model_dump(), scan=states.get(obj.key))
                for obj in listed
            ],
            next_cursor=resume.seal(self._cursors, tenant_id) if resume else None,
        )

    # -- deletes ---------------------------------------------------------------

    def delete(self, path: str) -> None:
        # Storage refuses reading malware, not deleting it.
        with suppress(FileInfected):
            self._head(path)
        self._storage.delete(self._root.key(path))

    def delete_exact(self, path: str) -> None:
        """Delete the object stored at exactly `path`, even one the path rules refuse.

        Objects can reach the bucket without the API (an operator, an old
        client): this is how a tenant removes one whose name the API would
        never have accepted (control or format characters, a name not in NFC,
        `${filename}`). Not normalised and not checked character by character;
        only its segments must be sound, so that no store can resolve the key
        out of the tenant's prefix.
        """
        check_segments(path)
        key = self._root.prefix + path
        try:
            size = len(key.encode("utf-8"))
        except UnicodeEncodeError:
            raise InvalidPath("The path is not valid UTF-8") from None
        if size > MAX_KEY_BYTES:
            raise InvalidPath(f"The path is too long: a key may hold {MAX_KEY_BYTES} bytes")
        try:
            self._storage.head(key)
        except ObjectNotFound:
            raise ObjectNotFound("No file is stored at exactly that path") from None
        except ObjectUnreadable:
            pass  # it is there: storage refuses to read it (malware), not to delete it
        self._storage.delete(key)

    def delete_many(self, paths: list[str]) -> DeleteResult:
        errors: list[PathError] = []
        keys: dict[str, str] = {}
        for path in paths:
            try:
                keys[self._root.key(path)] = validate_path(path)
            except InvalidPath as problem:
                # Echoed as sent, except lone surrogates (JSON can carry them, UTF-8
                # cannot), which would fail the whole response.
                shown = path.encode("utf-8", "backslashreplace").decode("utf-8")
                errors.append(PathError(path=shown, code=problem.code, detail=problem.detail))
        failures = {failure.key for failure in self._storage.delete_many(list(keys))}
        for key in failures:
            errors.append(
                PathError(
                    path=keys[key], code="delete_failed", detail="The file could not be deleted"
                )
            )
        deleted = [path for key, path in keys.items() if key not in failures]
        return DeleteResult(deleted=deleted, errors=errors)

    # -- folders ---------------------------------------------------------------

    def create_folder(self, path: str) -> tuple[str, bool]:
        """The folder's path and whether it was created (False: it already existed)."""
        folder = validate_path(path)
        prefix = self._root.folder_prefix(folder)
        if self._storage.exists_under(prefix):
            return folder, False
        # The marker is an object (the ledger counts it at `folder/`): it claims one.
        claim = self._claim([Want(f"{folder}/", 0)])
        try:
            self._storage.put(prefix, b"", "application/x-directory", {}, overwrite=False)
        except ObjectExists:
            self._release(claim.reservation_ids)
            return folder, False
        except BaseException:
            self._release(claim.reservation_ids)
            raise
        return folder, True

    def delete_folder(self, path: str) -> tuple[str, int, datetime]:
        """The folder's path, how many objects were deleted under it, and since when:
        what `History.restore_folder` takes to undo exactly this delete."""
        folder = validate_path(path, allow_root=True)
        if not folder:
            raise InvalidPath("The tenant's root folder cannot be deleted")
        # An undo compares delete times to the second: the second the delete began
        # holds every marker it leaves.
        began = datetime.now(UTC).replace(microsecond=0)
        deleted = self._storage.delete_prefix(self._root.folder_prefix(folder))
        if deleted == 0:
            raise ObjectNotFound(f"{folder} does not exist")
        return folder, deleted, began

    # -- copy and move -----------------------------------------------------------

    def copy(self, source: str, destination: str, overwrite: bool) -> FileInfo:
        source, destination = validate_path(source), validate_path(destination)
        if source == destination:
            raise SamePath("The source and the destination are the same path")
        original = self._head(source)
        if not overwrite:
            self._ensure_absent(destination)
        return self._info(self._copy(original, destination))

    def move(self, source: str, destination: str, overwrite: bool) -> FileInfo:
        source, destination = validate_path(source), validate_path(destination)
        if source == destination:
            raise SamePath("The source and the destination are the same path")
        original = self._head(source)
        if not overwrite:
            self._ensure_absent(destination)
        # A move adds a version: the source's stays stored (in the trash) after its delete.
        copied = self._copy(original, destination)
        # Delete the source only once the copy is confirmed to hold the same bytes.
        # ETags are content hashes only for single-part objects: a copy made in
        # parts (or of a multipart source) carries a different ETag for the same bytes.
        single_part = "-" not in original.etag and "-" not in copied.etag
        if copied.size != original.size or (single_part and copied.etag != original.etag):
            raise MoveIncomplete(f"{destination} could not be confirmed; {source} is kept")
        try:
            self._storage.delete(original.key)
        except Problem:
            raise MoveIncomplete(
                f"{source} was copied to {destination} but could not be removed; both exist"
            ) from None
        return self._info(copied)

    # -- presigned URLs --------------------------------------------------------

    def presign_download(
        self, path: str, expires_in: int | None, disposition: str
    ) -> PresignedDownload:
        seconds = self._expiry(expires_in)
        obj = self._head(path)
        if obj.archived:
            raise ObjectArchived(f"{path} is archived: ask POST /files/thaw for a readable copy")
        self._require_readable(obj)
        url = self._presigned_get(obj, seconds, None, disposition)
        expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
        return PresignedDownload(url=url, path=validate_path(path), expires_at=expires_at)


def _failure(upload: Upload, problem: Problem) -> UploadFailure:
    return UploadFailure(name=upload.filename or "", code=problem.code, detail=problem.detail)
