"""The storage port: what the file service needs from an object store.

Keys here are full bucket keys; tenancy is the service's business. Adapters
translate their own errors into the domain errors below at the boundary, so
nothing above this layer ever sees a provider's exception or error text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tenancy.problems import Conflict, NotFound, Problem, ServiceUnavailable

# Storage classes whose objects must be restored before they can be read or copied.
ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str
    etag: str
    last_modified: datetime
    version_id: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    storage_class: str | None = None
    # S3's `x-amz-restore` of an archived object: a restore asked for, or done.
    restore: str | None = None
    # The object's SHA-256 as S3 reports it (a multipart object's: of its parts'
    # checksums, "-N" appended); only where it was uploaded with one.
    checksum_sha256: str | None = None

    @property
    def archived(self) -> bool:
        """Archived and not (yet) restored: it cannot be read or copied now."""
        restored = self.restore is not None and 'ongoing-request="false"' in self.restore
        return self.storage_class in ARCHIVE_CLASSES and not restored


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """One version of a key, or one of its delete markers, as a version listing shows it."""

    key: str
    version_id: str
    size: int
    etag: str
    last_modified: datetime
    is_latest: bool
    is_delete_marker: bool
    storage_class: str | None = None


@dataclass(frozen=True, slots=True)
class VersionPage:
    """Entries in key order, each key's newest first; the markers resume after them."""

    entries: list[VersionEntry]
    next_key_marker: str | None
    next_version_marker: str | None
    prefixes: list[str] = field(default_factory=list)  # rolled up by a delimiter


class ObjectBody(Protocol):
    """An open object: its info, and a body to read once or close unread."""

    @property
    def info(self) -> ObjectInfo: ...

    def read(self) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ListPage:
    objects: list[ObjectInfo]
    prefixes: list[str]
    next_token: str | None


@dataclass(frozen=True, slots=True)
class PresignedPost:
    url: str
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class StoredPart:
    """A part of an unfinished multipart upload, as the store holds it."""

    number: int
    size: int
    etag: str
    last_modified: datetime | None = None
    checksum_sha256: str | None = None  # where the store reports it (AWS does)


@dataclass(frozen=True, slots=True)
class CompletedPart:
    """A part named in a completion: its number, ETag and, when signed with one, checksum."""

    number: int
    etag: str
    checksum_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class DeleteFailure:
    key: str
    message: str


class ObjectNotFound(NotFound):
    code = "file_not_found"


class ObjectExists(Conflict):
    code = "file_exists"


class VersionIsDeleteMarker(Problem):
    status = 400
    code = "version_is_delete_marker"


class ObjectArchived(Conflict):
    """The object (or version) sits in an archive storage class: restore it first."""

    code = "file_archived"


class NotModified(Exception):
    """The client's copy (If-None-Match) is current."""

    def __init__(self, etag: str | None) -> None:
        super().__init__(etag)
        self.etag = etag


class InvalidContinuation(Problem):
    status = 400
    code = "invalid_cursor"


class UploadNotFound(NotFound):
    """No such unfinished upload: never started, completed, aborted, or not the caller's."""

    code = "upload_not_found"


class InvalidParts(Problem):
    """The store refused a completion's parts (unknown part, ETag, order or size)."""

    status = 400
    code = "invalid_parts"


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"


class StorageError(Problem):
    """The store refused a request for a reason the client cannot fix."""

    status = 502
    code = "storage_error"


class ObjectUnreadable(StorageError):
    """The store refuses to read an object it holds (a HEAD or GET answered 403).

    In AWS the bucket's policy refuses reading a version GuardDuty tagged
    infected, to the API's own role too: the domains answer that as the verdict
    says (`TenantFiles._unreadable`), anything else as the storage error it is.
    """


class Storage(Protocol):
    def head(self, key: str, version_id: str | None = None) -> ObjectInfo: ...

    def open(
        self, key: str, version_id: str | None = None, if_none_match: str | None = None
    ) -> ObjectBody: ...

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str,
        metadata: dict[str, str],
        overwrite: bool,
    ) -> ObjectInfo: ...

    def delete(self, key: str) -> None: ...

    def delete_many(self, keys: Sequence[str]) -> list[DeleteFailure]: ...

    def list_page(
        self,
        prefix: str,
        delimiter: str | None,
        limit: int,
        token: str | None = None,
        start_after: str | None = None,
    ) -> ListPage: ...

    def exists_under(self, prefix: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def copy(
        self, source: ObjectInfo, destination: str, metadata: dict[str, str]
    ) -> ObjectInfo: ...

    def presign_get(
        self,
        key: str,
        expires_in: int,
        version_id: str | None,
        disposition: str,
        content_type: str | None,
    ) -> str:
        """A GET URL whose answer carries `disposition` and, when given, `content_type`."""
        ...

    def presign_post(
        self,
        key: str,
        expires_in: int,
        max_size: int,
        content_type: str | None,
        metadata: dict[str, str],
    ) -> PresignedPost: ...

    def list_versions(
        self,
        prefix: str,
        delimiter: str | None,
        limit: int,
        key_marker: str | None = None,
        version_marker: str | None = None,
    ) -> VersionPage: ...

    def delete_versions(self, versions: Sequence[tuple[str, str]]) -> list[DeleteFailure]:
        """Delete exactly these (key, version id) pairs, delete markers included, for good."""
        ...

    def restore_archived(self, key: str, version_id: str | None, days: int) -> bool:
        """Ask for a temporary copy of an archived object; False if one was already asked."""
        ...

    # -- multipart uploads (file_lambda/uploads/) ------------------------------

    def create_multipart(
        self, key: str, content_type: str, metadata: dict[str, str], checksum_sha256: bool
    ) -> str:
        """Start a multipart upload of `key`; its upload id (S3's)."""
        ...

    def presign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        expires_in: int,
        checksum_sha256: str | None,
    ) -> str:
        """A PUT URL for exactly this part number of this upload (and, when given, this
        SHA-256: the store refuses a body with another)."""
        ...

    def list_parts(self, key: str, upload_id: str) -> list[StoredPart]:
        """Every part the store lists for the upload, by number; `UploadNotFound` if none.

        S3 lists the last upload of each part number; some stores (SeaweedFS)
        list every upload of a number sent again."""
        ...

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[CompletedPart], overwrite: bool
    ) -> ObjectInfo:
        """Assemble the parts into the object (`ObjectExists` when not `overwrite` and it
        exists, atomically); the object's info, with its checksum when it has one."""
        ...

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Remove the upload and every part it holds (done already: no error)."""
        ...
