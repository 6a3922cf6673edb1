"""The file endpoints (README, "The file API"). Each reads the request, calls one service
method and shapes the response.

Routes are `async def`: a Lambda container serves one invocation at a time,
so the blocking S3 calls below stall nobody, and skipping the threadpool
hop that a sync route costs is measurably cheaper under Mangum.

No `from __future__ import annotations` here: FastAPI resolves these
annotations at run time.
"""

from email.message import Message
from email.utils import format_datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse

from file_lambda import metrics
from file_lambda.dependencies import AUTH_ERRORS, FolderQuery, tenant_service
from file_lambda.files import ranges
from file_lambda.files.exceptions import RangeNotSatisfiable
from file_lambda.files.ranges import requested_range
from file_lambda.files.schemas import (
    DeleteResult,
    FileList,
    FileMetadata,
    FolderDeleted,
    FolderResult,
    PathsRequest,
    PresignedDownload,
    TransferRequest,
    UploadResult,
)
from file_lambda.files.service import FileService, Upload
from file_lambda.schemas import FileInfo, FolderRequest, PathRequest, PresignedUpload
from tenancy.principal import Role
from tenancy.problems import operation_id, problem_responses

# Operation ids are the functions' names: generated clients call `upload_file`, `list_files`.
router = APIRouter(prefix="/files", tags=["files"], generate_unique_id_function=operation_id)


AsViewer = Annotated[FileService, tenant_service(FileService, Role.viewer)]
AsMember = Annotated[FileService, tenant_service(FileService, Role.member)]
AsAdmin = Annotated[FileService, tenant_service(FileService, Role.admin)]

OverwriteQuery = Annotated[bool, Query(description="Replace an existing file")]
VersionQuery = Annotated[str | None, Query(description="A specific version of the file")]
DispositionQuery = Annotated[
    Literal["attachment", "inline"],
    Query(description="inline is honoured only for types that run nothing in a browser"),
]
BINARY = {"type": "string", "format": "binary"}


def _sent_filename(item: UploadFile) -> str | None:
    """The file's name as the client sent it.

    python-multipart keeps only the last segment of a name shaped like a Windows
    path (`C:\\dir\\a.txt` becomes `a.txt`); API.md refuses such a name rather
    than rewriting it, so the service gets the name as sent.
    """
    disposition = item.headers.get("content-disposition", "")
    if item.filename is None or "\\" not in disposition:
        return item.filename
    message = Message()
    message["content-disposition"] = disposition
    sent = message.get_param("filename", header="content-disposition")
    if isinstance(sent, str) and (sent[1:3] == ":\\" or sent[:2] == "\\\\"):
        # Starlette's headers are latin-1; the name's bytes are UTF-8.
        return sent.encode("latin-1", "replace").decode("utf-8", "replace")
    return item.filename


def _etag(etag: str | None) -> dict[str, str]:
    return {"ETag": etag} if etag else {}


def _body_size(request: Request) -> int:
    try:
        return int(request.headers.get("content-length", "0"))
    except ValueError:
        return 0


@router.post(
    "/upload",
    status_code=201,
    response_model=FileInfo,
    responses=problem_responses(*AUTH_ERRORS, 409, 413),
)
async def upload_file(
    request: Request,
    files: AsMember,
    file: Annotated[UploadFile, File(description="The file; its name must be one path segment")],
    folder: FolderQuery = "",
    overwrite: OverwriteQuery = False,
) -> FileInfo:
    """Upload one file (up to the inline limit; larger files use presigned-upload)."""
    files.check_inline_size(max(_body_size(request), file.size or 0))
    body = await file.read()
    info = files.upload(folder, Upload(_sent_filename(file), file.content_type, body), overwrite)
    metrics.uploaded(len(body))
    return info


@router.post(
    "/upload-multiple",
    status_code=201,
    response_model=UploadResult,
    responses=problem_responses(
        *AUTH_ERRORS, 413, extra={207: {"model": UploadResult, "description": "Some failed"}}
    ),
)
async def upload_multiple_files(
    request: Request,
    response: Response,
    files: AsMember,
    uploads: Annotated[list[UploadFile], File(alias="files", description="One field per file")],
    folder: FolderQuery = "",
    overwrite: OverwriteQuery = False,
) -> UploadResult:
    """Upload several files; each succeeds or fails on its own."""
    files.check_inline_size(max(_body_size(request), sum(item.size or 0 for item in uploads)))
    batch = [Upload(_sent_filename(item), item.content_type, await item.read()) for item in uploads]
    result = files.upload_many(folder, batch, overwrite)
    for info in result.uploaded:
        metrics.uploaded(info.size)
    if result.failed:
        response.status_code = 207
    return result


@router.get(
    "/download/{path:path}",
    responses=problem_responses(
        *AUTH_ERRORS,
        404,
        409,
        416,
        extra={
            200: {
                # As binary, so generators return the bytes (the real type is in Content-Type).
                "content": {"application/octet-stream": {"schema": BINARY}},
                "description": "The bytes",
            },
            206: {
                "content": {"application/octet-stream": {"schema": BINARY}},
                "description": "The bytes `Range` asked for, as `Content-Range` says",
            },
            304: {"description": "The client's copy is current"},
            307: {"description": "Too large to return inline: go to a short-lived presigned GET"},
        },
    ),
    response_class=Response,
)
async def download_file(
    files: AsViewer,
    path: str,
    version_id: VersionQuery = None,
    disposition: DispositionQuery = "attachment",
    if_none_match: Annotated[str | None, Header()] = None,
    range_: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header()] = None,
) -> Response:
    """Download a file: inline when it fits through the load balancer, else a redirect.

    `Range` (one range of bytes) and `If-Range` are honoured inline (`206`, `416`) and by
    the presigned GET a redirect leads to."""
    result = files.download(path, version_id, if_none_match, disposition)
    if result.not_modified:
        # RFC 9110 15.4.5: a 304 repeats the validator and caching headers.
        revalidate = {"Cache-Control": "private, no-cache"}
        return Response(status_code=304, headers=revalidate | _etag(result.etag))
    assert result.info is not None
    info = result.info
    headers = {
        "ETag": info.etag,
        "Last-Modified": format_datetime(info.last_modified, usegmt=True),
        "Cache-Control": "private, no-cache",
        # Tenant files are untrusted content served from the API's origin:
        # never sniffed into something else, never run as a page.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if result.redirect_url is not None:
        metrics.redirected(info.size)
        return RedirectResponse(
            result.redirect_url, status_code=307, headers={"Cache-Control": "no-store"}
        )
    assert result.body is not None
    assert result.disposition is not None
    headers["Content-Disposition"] = result.disposition
    # As a header, not `media_type`: Starlette would append "charset=utf-8" to text/*
    # types, claiming an encoding the stored bytes may not have.
    headers["Content-Type"] = info.content_type
    headers["Accept-Ranges"] = "bytes"
    try:
        wanted = requested_range(
            range_,
            len(result.body),
            if_range=if_range,
            etag=info.etag,
            last_modified=info.last_modified,
        )
    except ranges.RangeNotSatisfiable as unsatisfiable:
        raise RangeNotSatisfiable(str(unsatisfiable), unsatisfiable.content_range) from None
    if wanted is None:
        metrics.downloaded(len(result.body))
        return Response(result.body, headers=headers)
    part = wanted.of(result.body)
    metrics.downloaded(len(part))
    headers["Content-Range"] = wanted.content_range
    return Response(part, status_code=206, headers=headers)


@router.delete(
    "/delete/{path:path}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def delete_file(files: AsMember, path: str) -> Response:
    """Delete a file."""
    files.delete(path)
    return Response(status_code=204)


@router.post(
    "/delete-exact",
    status_code=204,
    response_class=Response,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def delete_exact(files: AsAdmin, request: PathRequest) -> Response:
    """Delete the file stored at exactly this path, even one the path rules refuse."""
    files.delete_exact(request.path)
    return Response(status_code=204)


@router.post(
    "/delete-multiple", response_model=DeleteResult, responses=problem_responses(*AUTH_ERRORS)
)
async def delete_multiple_files(files: AsMember, request: PathsRequest) -> DeleteResult:
    """Delete up to 1000 files in one request (missing files count as deleted)."""
    return files.delete_many(request.paths)


@router.get("/list", response_model=FileList, responses=problem_responses(*AUTH_ERRORS))
async def list_files(
    files: AsViewer,
    folder: FolderQuery = "",
    recursive: Annotated[bool, Query(description="Include files of every subfolder")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> FileList:
    """List a folder, one page at a time."""
    return files.list_folder(folder, recursive, limit, cursor)


@router.get(
    "/metadata/{path:path}",
    response_model=FileMetadata,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def get_metadata(files: AsViewer, path: str, version_id: VersionQuery = None) -> FileMetadata:
    """A file's details and user metadata."""
    return files.metadata(path, version_id)


@router.post(
    "/folder/create",
    status_code=201,
    response_model=FolderResult,
    responses=problem_responses(
        *AUTH_ERRORS, extra={200: {"model": FolderResult, "description": "It already existed"}}
    ),
)
async def create_folder(files: AsMember, request: FolderRequest) -> Any:
    """Create an empty folder."""
    path, created = files.create_folder(request.path)
    body = FolderResult(path=path)
    return body if created else JSONResponse(body.model_dump(), status_code=200)


@router.delete(
    "/folder/delete",
    response_model=FolderDeleted,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def delete_folder(
    files: AsAdmin, path: Annotated[str, Query(description="The folder; not the root")]
) -> FolderDeleted:
    """Delete a folder and everything below it."""
    folder, count, deleted_at = files.delete_folder(path)
    return FolderDeleted(path=folder, deleted_count=count, deleted_at=deleted_at)


@router.post(
    "/copy",
    status_code=201,
    response_model=FileInfo,
    responses=problem_responses(*AUTH_ERRORS, 404, 409, 413),
)
async def copy_file(files: AsMember, request: TransferRequest) -> FileInfo:
    """Copy a file to another path."""
    return files.copy(request.source, request.destination, request.overwrite)


@router.post(
    "/move", response_model=FileInfo, responses=problem_responses(*AUTH_ERRORS, 404, 409, 413)
)
async def move_file(files: AsMember, request: TransferRequest) -> FileInfo:
    """Move a file; the source is removed only after the copy is confirmed."""
    return files.move(request.source, request.destination, request.overwrite)


@router.get(
    "/presigned-url/{path:path}",
    response_model=PresignedDownload,
    responses=problem_responses(*AUTH_ERRORS, 404, 409),
)
async def get_presigned_url(
    files: AsViewer,
    path: str,
    expires_in: Annotated[
        int | None, Query(description="Seconds, 60 to the configured maximum")
    ] = None,
    disposition: DispositionQuery = "attachment",
) -> PresignedDownload:
    """A presigned GET URL for a file, answered with the same headers as a download."""
    return files.presign_download(path, expires_in, disposition)


@router.post(
    "/presigned-upload",
    response_model=PresignedUpload,
    responses=problem_responses(*AUTH_ERRORS, 409, 413),
)
async def create_presigned_upload(
    files: AsMember,
    file_path: Annotated[str, Query(description="Where the file will live")],
    content_type: Annotated[str | None, Query(description="Pin the upload's Content-Type")] = None,
    max_size: Annotated[int | None, Query(description="Largest accepted size in bytes")] = None,
    expires_in: Annotated[
        int | None, Query(description="Seconds, 60 to the configured maximum")
    ] = None,
    overwrite: OverwriteQuery = False,
) -> PresignedUpload:
    """A presigned POST for a browser to upload straight to storage."""
    return files.presign_upload(file_path, content_type, max_size, expires_in, overwrite)
