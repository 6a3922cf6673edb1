"""The endpoints of multipart uploads and upload sessions (docs/api.md, "Large and
resumable uploads"). Each reads the request, calls one `Uploads` method and shapes the
response.

No `from __future__ import annotations` here: FastAPI resolves these
annotations at run time, including the closure in `session_service`.
"""

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from file_lambda import metrics
from file_lambda.dependencies import AUTH_ERRORS, CursorQuery, LimitQuery, tenant_service
from file_lambda.memberships import Memberships
from file_lambda.schemas import (
    CompanionComplete,
    CompanionCompleted,
    CompanionCreate,
    CompanionPart,
    CompanionSignedPart,
    CompanionUpload,
)
from file_lambda.storage.port import CompletedPart
from file_lambda.uploads.schemas import (
    CompanionParams,
    CompletedUpload,
    CompleteRequest,
    MultipartCreate,
    MultipartUpload,
    PartList,
    SessionCreate,
    SignedParts,
    SignRequest,
    TenantUploads,
    UnfinishedUploads,
    UploadSession,
)
from file_lambda.uploads.service import Session, Uploads
from tenancy.principal import Principal, Role, select_tenant
from tenancy.problems import operation_id, problem_responses

router = APIRouter(prefix="/files", tags=["files"], generate_unique_id_function=operation_id)

UploadsAsMember = Annotated[Uploads, tenant_service(Uploads, Role.member)]
UploadsAsAdmin = Annotated[Uploads, tenant_service(Uploads, Role.admin)]
UploadIdPath = Annotated[str, Path(description="upload_id as created (opaque)")]


@router.post(
    "/multipart",
    status_code=201,
    response_model=MultipartUpload,
    tags=["multipart"],
    responses=problem_responses(*AUTH_ERRORS, 409, 413),
)
async def create_multipart(uploads: UploadsAsMember, request: MultipartCreate) -> MultipartUpload:
    """Start a multipart upload; its parts go straight to storage through signed URLs."""
    return uploads.create(
        request.path, request.size, request.content_type, request.overwrite, request.checksum
    )


@router.get(
    "/multipart",
    response_model=UnfinishedUploads,
    tags=["multipart"],
    responses=problem_responses(*AUTH_ERRORS),
)
async def list_multipart(
    uploads: UploadsAsMember, limit: LimitQuery = 100, cursor: CursorQuery = None
) -> UnfinishedUploads:
    """The caller's unfinished uploads in this tenant, to resume or abort them."""
    return uploads.unfinished(limit, cursor)


@router.post(
    "/multipart/{upload_id}/sign",
    response_model=SignedParts,
    tags=["multipart"],
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def sign_multipart_parts(
    uploads: UploadsAsMember, upload_id: UploadIdPath, request: SignRequest
) -> SignedParts:
    """Short-lived PUT URLs, each for exactly one part number of this upload."""
    parts = [(part.part_number, part.checksum_sha256) for part in request.parts]
    return uploads.sign(upload_id, parts, request.expires_in)


@router.get(
    "/multipart/{upload_id}/parts",
    response_model=PartList,
    tags=["multipart"],
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def list_multipart_parts(uploads: UploadsAsMember, upload_id: UploadIdPath) -> PartList:
    """The parts storage holds for this upload: what a resume need not send again."""
    return uploads.parts(upload_id)


@router.post(
    "/multipart/{upload_id}/complete",
    status_code=201,
    response_model=CompletedUpload,
    tags=["multipart"],
    responses=problem_responses(*AUTH_ERRORS, 404, 409, 413),
)
async def complete_multipart(
    uploads: UploadsAsMember, upload_id: UploadIdPath, request: CompleteRequest
) -> CompletedUpload:
    """Assemble the parts into the file, after checking their sizes."""
    parts = (
        None
        if request.parts is None
        else [CompletedPart(p.part_number, p.etag, p.checksum_sha256) for p in request.parts]
    )
    result = uploads.complete(upload_id, parts, request.overwrite)
    metrics.uploaded(result.size)
    return result


@router.delete(
    "/multipart/{upload_id}",
    status_code=204,
    response_class=Response,
    tags=["multipart"],
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def abort_multipart(uploads: UploadsAsMember, upload_id: UploadIdPath) -> Response:
    """Abort an upload: storage removes every part it holds."""
    uploads.abort(upload_id)
    return Response(status_code=204)


@router.get(
    "/unfinished-uploads",
    response_model=TenantUploads,
    tags=["multipart"],
    responses=problem_responses(*AUTH_ERRORS),
)
async def list_unfinished_uploads(
    uploads: UploadsAsAdmin, limit: LimitQuery = 100, cursor: CursorQuery = None
) -> TenantUploads:
    """Every user's unfinished uploads in this tenant, with who started each."""
    return uploads.everyones_unfinished(limit, cursor)


@router.delete(
    "/unfinished-uploads/{upload_id}",
    status_code=204,
    response_class=Response,
    tags=["multipart"],
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def abort_unfinished_upload(uploads: UploadsAsAdmin, upload_id: UploadIdPath) -> Response:
    """Abort any user's upload in this tenant: storage removes every part it holds."""
    uploads.abort_anyones(upload_id)
    return Response(status_code=204)


@router.post(
    "/upload-sessions",
    status_code=201,
    response_model=UploadSession,
    tags=["upload sessions"],
    responses=problem_responses(*AUTH_ERRORS),
)
async def create_upload_session(uploads: UploadsAsMember, request: SessionCreate) -> UploadSession:
    """An expiring endpoint for Uppy's @uppy/aws-s3 (companionEndpoint): you, one folder."""
    return uploads.open_session(
        request.folder, request.overwrite, request.max_size, request.expires_in
    )


def session_service(minimum: Role) -> Any:
    """A dependency: the uploads of the session's user, tenant and folder.

    The session in the path stands in for the bearer token (Uppy sends none);
    the user's current membership is checked as on every other route.
    """

    async def dependency(
        request: Request,
        session: Annotated[
            str, Path(description="The capability in companion_endpoint (opaque, expiring)")
        ],
    ) -> Uploads:
        state = request.app.state
        opened = Session.open(state.cursors, session)
        memberships: Memberships = state.memberships
        caller = memberships.current(Principal(opened.user_id, None, {}), opened.tenant_id)
        access = select_tenant(caller, opened.tenant_id)
        access.require(minimum)
        return Uploads(
            state.storage,
            state.settings,
            access,
            state.cursors,
            state.upload_records,
            opened,
            state.quotas,
        )

    return Depends(dependency)


InSession = Annotated[Uploads, session_service(Role.member)]
# Query parameters a route takes beyond those it declares (tenancy/query.py):
# @uppy/aws-s3 sends a file's metadata to /s3/params as `metadata[<name>]`.
UNDECLARED_QUERY = {"get_upload_session_s3_params": ("metadata[",)}
SESSION_ERRORS = (400, 401, 403, 404, 503)
KeyQuery = Annotated[
    str | None, Query(description="The key the create call answered; never trusted")
]


@router.get(
    "/upload-sessions/{session}/s3/params",
    response_model=CompanionParams,
    tags=["upload sessions"],
    responses=problem_responses(*SESSION_ERRORS, 409, 413),
)
async def get_upload_session_s3_params(
    uploads: InSession,
    filename: Annotated[str, Query(description="The file's name in the session's folder")],
    type: Annotated[str | None, Query(description="The file's content type")] = None,
) -> CompanionParams:
    """Companion's /s3/params: a presigned POST of one small file."""
    post = uploads.presign_in_session(filename, type)
    return CompanionParams(url=post.url, fields=post.fields)


@router.post(
    "/upload-sessions/{session}/s3/multipart",
    response_model=CompanionUpload,
    tags=["upload sessions"],
    responses=problem_responses(*SESSION_ERRORS, 409, 413),
)
async def create_upload_session_s3_multipart(
    uploads: InSession, request: CompanionCreate
) -> CompanionUpload:
    """Companion's create: a multipart upload of one file into the session's folder."""
    upload = uploads.create_in_session(request.filename, request.type)
    return CompanionUpload(key=upload.path, uploadId=upload.upload_id)


@router.get(
    "/upload-sessions/{session}/s3/multipart/{upload_id}/{part_number}",
    response_model=CompanionSignedPart,
    tags=["upload sessions"],
    responses=problem_responses(*SESSION_ERRORS, 413),
)
async def sign_upload_session_s3_multipart_part(
    uploads: InSession,
    upload_id: UploadIdPath,
    part_number: Annotated[int, Path(ge=1, le=10_000)],
    key: KeyQuery = None,
) -> CompanionSignedPart:
    """Companion's sign: a PUT URL for one part."""
    signed = uploads.sign(upload_id, [(part_number, None)], None, key)
    seconds = max(0, round((signed.expires_at - datetime.now(UTC)).total_seconds()))
    return CompanionSignedPart(url=signed.parts[0].url, expires=seconds)


@router.get(
    "/upload-sessions/{session}/s3/multipart/{upload_id}",
    response_model=list[CompanionPart],
    tags=["upload sessions"],
    responses=problem_responses(*SESSION_ERRORS),
)
async def list_upload_session_s3_multipart_parts(
    uploads: InSession, upload_id: UploadIdPath, key: KeyQuery = None
) -> list[CompanionPart]:
    """Companion's list parts: what a resume need not send again."""
    listed = uploads.parts(upload_id, key)
    return [CompanionPart(PartNumber=p.part_number, Size=p.size, ETag=p.etag) for p in listed.parts]


@router.post(
    "/upload-sessions/{session}/s3/multipart/{upload_id}/complete",
    response_model=CompanionCompleted,
    tags=["upload sessions"],
    responses=problem_responses(*SESSION_ERRORS, 409, 413),
)
async def complete_upload_session_s3_multipart(
    uploads: InSession,
    http: Request,
    upload_id: UploadIdPath,
    request: CompanionComplete,
    key: KeyQuery = None,
) -> CompanionCompleted:
    """Companion's complete: assemble the parts, after checking their sizes."""
    parts = [CompletedPart(part.PartNumber, part.ETag) for part in request.parts]
    result = uploads.complete(upload_id, parts, None, key)
    metrics.uploaded(result.size)
    base = http.app.state.settings.public_base_url
    location = f"{base}/files/download/{quote(result.path)}"
    return CompanionCompleted(location=location, key=result.path)


@router.delete(
    "/upload-sessions/{session}/s3/multipart/{upload_id}",
    tags=["upload sessions"],
    responses=problem_responses(*SESSION_ERRORS),
)
async def abort_upload_session_s3_multipart(
    uploads: InSession, upload_id: UploadIdPath, key: KeyQuery = None
) -> dict[str, str]:
    """Companion's abort: storage removes every part of the upload."""
    uploads.abort(upload_id, key)
    return {}
