"""The endpoints of file requests (docs/api.md, "File requests"): the requester's, with a
bearer token, and the uploader's under `/files/public/requests/{token}`, with the link's
token alone (and, for a request with a password, the grant of its unlock call in
`X-Link-Grant`). Each reads the request, calls one service method and shapes the answer.

No `from __future__ import annotations` here: FastAPI resolves these annotations at run
time.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from file_lambda.dependencies import AUTH_ERRORS, CursorQuery, LimitQuery, tenant_service
from file_lambda.public_links import client_address
from file_lambda.requests.schemas import (
    CreatedFileRequest,
    FileRequest,
    FileRequestList,
    PublicFileRequest,
    RequestCreate,
    Submissions,
)
from file_lambda.requests.service import FileRequests, RequestLink, RequestUploads
from file_lambda.schemas import (
    CompanionComplete,
    CompanionCompleted,
    CompanionCreate,
    CompanionPart,
    CompanionSignedPart,
    CompanionUpload,
    LinkGrant,
    UnlockRequest,
)
from file_lambda.storage.port import CompletedPart
from tenancy.principal import Role
from tenancy.problems import operation_id, problem_responses

router = APIRouter(
    prefix="/files", tags=["file requests"], generate_unique_id_function=operation_id
)

RequestsAsMember = Annotated[FileRequests, tenant_service(FileRequests, Role.member)]
RequestIdPath = Annotated[str, Path(description="request_id as created")]


@router.post(
    "/requests",
    status_code=201,
    response_model=CreatedFileRequest,
    responses=problem_responses(*AUTH_ERRORS),
)
async def create_file_request(
    requests: RequestsAsMember, body: RequestCreate
) -> CreatedFileRequest:
    """Open a file request on a folder: its `url` is answered this once."""
    return requests.create(body)


@router.get(
    "/requests",
    response_model=FileRequestList,
    responses=problem_responses(*AUTH_ERRORS),
)
async def list_file_requests(
    requests: RequestsAsMember, limit: LimitQuery = 100, cursor: CursorQuery = None
) -> FileRequestList:
    """Your file requests (admins and owners: the tenant's), newest first."""
    return requests.page(limit, cursor)


@router.get(
    "/requests/{request_id}",
    response_model=FileRequest,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def get_file_request(requests: RequestsAsMember, request_id: RequestIdPath) -> FileRequest:
    """One file request, with how many files it has received."""
    return requests.get(request_id)


@router.get(
    "/requests/{request_id}/submissions",
    response_model=Submissions,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def list_file_request_submissions(
    requests: RequestsAsMember,
    request_id: RequestIdPath,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Submissions:
    """What uploaders sent, newest first, with the names and e-mails they gave (unverified)."""
    return requests.submissions(request_id, limit, cursor)


@router.post(
    "/requests/{request_id}/close",
    response_model=FileRequest,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def close_file_request(requests: RequestsAsMember, request_id: RequestIdPath) -> FileRequest:
    """Close a file request: its link stops at once; unfinished uploads are aborted."""
    return requests.close(request_id)


# -- the uploader's side: no account, the link's token ---------------------------------------

PUBLIC_ERRORS = (400, 404, 410, 429, 503)
TokenPath = Annotated[str, Path(description="The token of the request's link")]
GrantHeader = Annotated[
    str | None,
    Header(alias="X-Link-Grant", description="The grant of the unlock call (a password's)"),
]
UploadIdPath = Annotated[str, Path(description="uploadId as created (opaque)")]
KeyQuery = Annotated[str | None, Query(description="Ignored: the upload id says everything")]


async def request_link(request: Request, token: TokenPath) -> RequestLink:
    client = client_address(request.headers, request.client.host if request.client else None)
    return RequestLink.open(request.app.state, token, client)


OpenLink = Annotated[RequestLink, Depends(request_link)]


async def request_uploads(
    request: Request, link: OpenLink, x_link_grant: GrantHeader = None
) -> RequestUploads:
    """The uploads of a working request, once its password (if any) was given."""
    link.check_grant(x_link_grant)
    return RequestUploads.of(request.app.state, link)


Uploader = Annotated[RequestUploads, Depends(request_uploads)]


@router.get(
    "/public/requests/{token}",
    response_model=PublicFileRequest,
    tags=["public file requests"],
    responses=problem_responses(*PUBLIC_ERRORS),
)
async def get_public_file_request(link: OpenLink) -> PublicFileRequest:
    """What an uploader is asked for: title, message, limits and the details to give."""
    return link.terms()


@router.post(
    "/public/requests/{token}/unlock",
    response_model=LinkGrant,
    tags=["public file requests"],
    responses=problem_responses(*PUBLIC_ERRORS, 403),
)
async def unlock_public_file_request(link: OpenLink, body: UnlockRequest) -> LinkGrant:
    """A grant for the request's password, to send as X-Link-Grant."""
    return link.unlock(body.password)


UPLOAD_ERRORS = (*PUBLIC_ERRORS, 401)


@router.post(
    "/public/requests/{token}/s3/multipart",
    response_model=CompanionUpload,
    tags=["public file requests"],
    responses=problem_responses(*UPLOAD_ERRORS, 409, 413),
)
async def create_public_request_s3_multipart(
    uploads: Uploader, body: CompanionCreate
) -> CompanionUpload:
    """Companion's create: a multipart upload of one new file into the request's folder."""
    return uploads.create(body.filename, body.type, body.metadata)


@router.get(
    "/public/requests/{token}/s3/multipart/{upload_id}/{part_number}",
    response_model=CompanionSignedPart,
    tags=["public file requests"],
    responses=problem_responses(*UPLOAD_ERRORS, 413),
)
async def sign_public_request_s3_multipart_part(
    uploads: Uploader,
    upload_id: UploadIdPath,
    part_number: Annotated[int, Path(ge=1, le=10_000)],
    key: KeyQuery = None,
) -> CompanionSignedPart:
    """Companion's sign: a PUT URL for one part."""
    return uploads.sign(upload_id, part_number)


@router.get(
    "/public/requests/{token}/s3/multipart/{upload_id}",
    response_model=list[CompanionPart],
    tags=["public file requests"],
    responses=problem_responses(*UPLOAD_ERRORS),
)
async def list_public_request_s3_multipart_parts(
    uploads: Uploader, upload_id: UploadIdPath, key: KeyQuery = None
) -> list[CompanionPart]:
    """Companion's list parts: what a resume need not send again."""
    return uploads.parts(upload_id)


@router.post(
    "/public/requests/{token}/s3/multipart/{upload_id}/complete",
    response_model=CompanionCompleted,
    tags=["public file requests"],
    responses=problem_responses(*UPLOAD_ERRORS, 409, 413),
)
async def complete_public_request_s3_multipart(
    uploads: Uploader,
    http: Request,
    token: TokenPath,
    upload_id: UploadIdPath,
    body: CompanionComplete,
    key: KeyQuery = None,
) -> CompanionCompleted:
    """Companion's complete: the parts become a new file, after checking their sizes."""
    parts = [CompletedPart(part.PartNumber, part.ETag) for part in body.parts]
    location = f"{http.app.state.settings.public_base_url}/files/r/{token}"
    return uploads.complete(upload_id, parts, location)


@router.delete(
    "/public/requests/{token}/s3/multipart/{upload_id}",
    tags=["public file requests"],
    responses=problem_responses(*UPLOAD_ERRORS),
)
async def abort_public_request_s3_multipart(
    uploads: Uploader, upload_id: UploadIdPath, key: KeyQuery = None
) -> dict[str, str]:
    """Companion's abort: storage removes every part; the request's slot comes back."""
    uploads.abort(upload_id)
    return {}
