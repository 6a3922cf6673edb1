"""The endpoints of folder archives (docs/api.md, "Folder archives"). Each reads the
request, calls one service method and shapes the response.

No `from __future__ import annotations` here: FastAPI resolves these
annotations at run time.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from file_lambda.archives.schemas import Archive, ArchiveList, ArchiveRequest
from file_lambda.archives.service import Archives
from file_lambda.dependencies import AUTH_ERRORS, CursorQuery, LimitQuery, tenant_service
from tenancy.principal import Role
from tenancy.problems import operation_id, problem_responses

router = APIRouter(prefix="/files", tags=["archives"], generate_unique_id_function=operation_id)

# Whoever may read the tenant's files may archive them.
ArchivesAsViewer = Annotated[Archives, tenant_service(Archives, Role.viewer)]
ArchiveIdPath = Annotated[str, Path(description="The archive's id")]


@router.post(
    "/archives",
    status_code=202,
    response_model=Archive,
    responses=problem_responses(*AUTH_ERRORS, 404, 429),
)
async def create_archive(
    archives: ArchivesAsViewer, request: ArchiveRequest, response: Response
) -> Archive:
    """Ask for a ZIP of a folder; poll `Location` until it has succeeded, then download it."""
    archive = archives.start(request)
    response.headers["Location"] = archive.links.self
    return archive


@router.get("/archives", response_model=ArchiveList, responses=problem_responses(*AUTH_ERRORS))
async def list_archives(
    archives: ArchivesAsViewer, limit: LimitQuery = 100, cursor: CursorQuery = None
) -> ArchiveList:
    """The caller's archives (admins and owners: the tenant's), newest first."""
    return archives.listing(limit, cursor)


@router.get(
    "/archives/{archive_id}",
    response_model=Archive,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def get_archive(archives: ArchivesAsViewer, archive_id: ArchiveIdPath) -> Archive:
    """An archive's state; once succeeded, a presigned `download_url` of the ZIP."""
    return archives.get(archive_id)
