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


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"


class StorageError(Problem):
    """The store refused a request for a reason the client cannot fix."""

    status = 502
    code = "storage_error"


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

    def copy(self, source: ObjectInfo, destination: str) -> ObjectInfo: ...

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
