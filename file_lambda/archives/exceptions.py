"""The problems of folder archives."""

from __future__ import annotations

from tenancy.problems import NotFound, Problem, ServiceUnavailable


class ArchiveNotFound(NotFound):
    code = "archive_not_found"


class FolderNotFound(NotFound):
    code = "folder_not_found"


class TooManyArchives(Problem):
    status = 429
    code = "too_many_archives"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class ArchivesUnavailable(ServiceUnavailable):
    code = "database_unavailable"
