"""The endpoints of versions and trash (docs/api.md, "Versions and trash"). Each reads the
request, calls one `History` method and shapes the response.

No `from __future__ import annotations` here: FastAPI resolves these
annotations at run time.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from file_lambda.dependencies import (
    AUTH_ERRORS,
    CursorQuery,
    FolderQuery,
    LimitQuery,
    tenant_service,
)
from file_lambda.history.schemas import (
    FolderRestored,
    FolderRestoreRequest,
    Purged,
    ThawRequest,
    ThawResult,
    TrashList,
    VersionList,
    VersionRequest,
)
from file_lambda.history.service import History
from file_lambda.schemas import FileInfo, FolderRequest, PathRequest
from tenancy.principal import Role
from tenancy.problems import operation_id, problem_responses

router = APIRouter(prefix="/files", tags=["files"], generate_unique_id_function=operation_id)

HistoryAsViewer = Annotated[History, tenant_service(History, Role.viewer)]
HistoryAsMember = Annotated[History, tenant_service(History, Role.member)]
HistoryAsAdmin = Annotated[History, tenant_service(History, Role.admin)]


@router.get(
    "/versions/{path:path}",
    response_model=VersionList,
    tags=["versions"],
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def list_versions(
    history: HistoryAsViewer, path: str, limit: LimitQuery = 100, cursor: CursorQuery = None
) -> VersionList:
    """A file's versions and delete markers, newest first, one page at a time."""
    return history.list_versions(path, limit, cursor)


@router.post(
    "/versions/restore",
    status_code=201,
    response_model=FileInfo,
    tags=["versions"],
    responses=problem_responses(*AUTH_ERRORS, 404, 409, 413),
)
async def restore_version(history: HistoryAsMember, request: VersionRequest) -> FileInfo:
    """Make an older version current again, as a new version."""
    return history.restore_version(request.path, request.version_id)


@router.post(
    "/thaw",
    status_code=202,
    response_model=ThawResult,
    tags=["versions"],
    responses=problem_responses(
        *AUTH_ERRORS,
        404,
        409,
        extra={200: {"model": ThawResult, "description": "A readable copy exists already"}},
    ),
)
async def thaw_file(history: HistoryAsMember, request: ThawRequest) -> Any:
    """Ask storage for a readable copy of an archived file or version."""
    result = history.thaw(request.path, request.version_id, request.days)
    if result.status == "available":
        return JSONResponse(result.model_dump(mode="json"), status_code=200)
    return result


@router.get(
    "/trash",
    response_model=TrashList,
    tags=["trash"],
    responses=problem_responses(*AUTH_ERRORS),
)
async def list_trash(
    history: HistoryAsViewer,
    folder: FolderQuery = "",
    recursive: Annotated[bool, Query(description="Include every subfolder")] = False,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> TrashList:
    """Deleted files under a folder that can still be restored."""
    return history.list_trash(folder, recursive, limit, cursor)


@router.post(
    "/trash/restore",
    response_model=FileInfo,
    tags=["trash"],
    responses=problem_responses(*AUTH_ERRORS, 404, 409, 413),
)
async def restore_trash_file(history: HistoryAsMember, request: PathRequest) -> FileInfo:
    """Take a file out of the trash."""
    return history.restore_deleted(request.path)


@router.post(
    "/trash/restore-folder",
    response_model=FolderRestored,
    tags=["trash"],
    responses=problem_responses(*AUTH_ERRORS, 413),
)
async def restore_trash_folder(
    history: HistoryAsMember, request: FolderRestoreRequest
) -> FolderRestored:
    """Take everything deleted under a folder (since a time) out of the trash."""
    return history.restore_folder(request.folder, request.deleted_since)


@router.post(
    "/trash/purge",
    response_model=Purged,
    tags=["trash"],
    responses=problem_responses(*AUTH_ERRORS, 404, 409),
)
async def purge_trash_file(history: HistoryAsAdmin, request: PathRequest) -> Purged:
    """Remove a trashed file for good: every version and delete marker."""
    return history.purge(request.path)


@router.post(
    "/trash/purge-folder",
    response_model=Purged,
    tags=["trash"],
    responses=problem_responses(*AUTH_ERRORS),
)
async def purge_trash_folder(history: HistoryAsAdmin, request: FolderRequest) -> Purged:
    """Remove everything in the trash under a folder for good."""
    return history.purge_folder(request.path)
