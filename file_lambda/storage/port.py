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


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str
    etag: str
    last_modified: datetime
    version_id: str | None
    metadata: dict[str, str] = field(default_factory=dict)


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
