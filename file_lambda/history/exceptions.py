"""The problems of versions and trash."""

from __future__ import annotations

from tenancy.problems import BadRequest, Conflict


class FileNotDeleted(Conflict):
    code = "file_not_deleted"


class NotArchived(Conflict):
    code = "file_not_archived"


class InvalidDeletedSince(BadRequest):
    code = "invalid_deleted_since"
