"""The endpoints of share links (docs/api.md, "Share links"): the management routes of a
member or more, and the public routes of whoever holds a link. Each reads the request,
calls one service method and shapes the response.

The public routes take no bearer token (their OpenAPI operations say `security: []`);
every answer under them carries `public_links.PUBLIC_HEADERS` (`PublicHeaders`, app.py).

No `from __future__ import annotations` here: FastAPI resolves these
annotations at run time.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from file_lambda.dependencies import AUTH_ERRORS, CursorQuery, LimitQuery, tenant_service
from file_lambda.public_links import client_address
from file_lambda.schemas import LinkGrant, UnlockRequest
from file_lambda.shares.schemas import (
    CreatedShare,
    DownloadRequest,
    PublicFileList,
    PublicShare,
    Share,
    ShareCreate,
    ShareDownload,
    ShareList,
    ShareUpdate,
)
from file_lambda.shares.service import SharedLink, Shares
from tenancy.principal import Role
from tenancy.problems import operation_id, problem_responses, request_id

router = APIRouter(prefix="/files", tags=["shares"], generate_unique_id_function=operation_id)

SharesAsMember = Annotated[Shares, tenant_service(Shares, Role.member)]
ShareIdPath = Annotated[str, Path(description="The link's id (not its token)")]


@router.post(
    "/shares",
    status_code=201,
    response_model=CreatedShare,
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def create_share(shares: SharesAsMember, request: ShareCreate) -> CreatedShare:
    """Create a link to a file or a folder; its `url` is answered this once."""
    return shares.create(request)


@router.get("/shares", response_model=ShareList, responses=problem_responses(*AUTH_ERRORS))
async def list_shares(
    shares: SharesAsMember, limit: LimitQuery = 100, cursor: CursorQuery = None
) -> ShareList:
    """The tenant's links (a member's: their own), newest first, without their URLs."""
    return shares.listing(limit, cursor)


@router.get(
    "/shares/{share_id}", response_model=Share, responses=problem_responses(*AUTH_ERRORS, 404)
)
async def get_share(shares: SharesAsMember, share_id: ShareIdPath) -> Share:
    """One link, as listed."""
    return shares.get(share_id)


@router.patch(
    "/shares/{share_id}",
    response_model=Share,
    responses=problem_responses(*AUTH_ERRORS, 404, 409),
)
async def update_share(
    shares: SharesAsMember, share_id: ShareIdPath, request: ShareUpdate
) -> Share:
    """Change a link's expiry (an expired link works again until the new one)."""
    return shares.change_expiry(share_id, request.expires_at)


@router.delete(
    "/shares/{share_id}", status_code=204, responses=problem_responses(*AUTH_ERRORS, 404)
)
async def revoke_share(shares: SharesAsMember, share_id: ShareIdPath) -> Response:
    """Revoke a link for good (its creator, or an admin or owner); again: `204`."""
    shares.revoke(share_id)
    return Response(status_code=204)


# -- public: whoever holds the link ----------------------------------------------------------

# No bearer token: the token in the path is the credential.
PUBLIC: dict[str, Any] = {"security": []}
LINK_ERRORS = (404, 410, 429, 503)
TokenPath = Annotated[str, Path(description="The link's token, from its URL")]
GrantHeader = Annotated[
    str | None, Header(description="The grant of the link's unlock call (a password link)")
]


async def shared_link(request: Request, token: TokenPath) -> SharedLink:
    client = client_address(request.headers, request.client.host if request.client else None)
    return SharedLink.open(request.app.state, token, client, request_id(request))


OpenLink = Annotated[SharedLink, Depends(shared_link)]


async def downloaded_link(request: Request, token: TokenPath) -> SharedLink:
    client = client_address(request.headers, request.client.host if request.client else None)
    return SharedLink.known(request.app.state, token, client, request_id(request))


# A download counts in a statement that checks the link again: a link known to work
# needs no lookup first (service.py, `_known`).
DownloadLink = Annotated[SharedLink, Depends(downloaded_link)]


@router.get(
    "/public/shares/{token}",
    response_model=PublicShare,
    openapi_extra=PUBLIC,
    responses=problem_responses(400, 403, *LINK_ERRORS),
)
async def get_public_share(link: OpenLink, x_link_grant: GrantHeader = None) -> PublicShare:
    """What a link shares (its name and size once a password link is unlocked)."""
    return link.metadata(x_link_grant)


@router.post(
    "/public/shares/{token}/unlock",
    response_model=LinkGrant,
    openapi_extra=PUBLIC,
    responses=problem_responses(400, 403, *LINK_ERRORS),
)
async def unlock_public_share(link: OpenLink, request: UnlockRequest) -> LinkGrant:
    """Trade the link's password for a grant (an hour); attempts are limited."""
    return link.unlock(request.password)


@router.get(
    "/public/shares/{token}/files",
    response_model=PublicFileList,
    openapi_extra=PUBLIC,
    responses=problem_responses(400, 401, 403, *LINK_ERRORS),
)
async def list_public_share_files(
    link: OpenLink,
    x_link_grant: GrantHeader = None,
    folder: Annotated[str, Query(description="Relative to the shared folder")] = "",
    limit: Annotated[int, Query(ge=1, le=200, description="Entries a page, 1 to 200")] = 100,
    cursor: CursorQuery = None,
) -> PublicFileList:
    """A folder link's files and folders, one page at a time."""
    link.require_unlocked(x_link_grant)
    return link.list_folder(folder, limit, cursor)


@router.post(
    "/public/shares/{token}/downloads",
    response_model=ShareDownload,
    openapi_extra=PUBLIC,
    responses=problem_responses(400, 401, 403, 409, *LINK_ERRORS),
)
async def create_public_share_download(
    link: DownloadLink, x_link_grant: GrantHeader = None, request: DownloadRequest | None = None
) -> ShareDownload:
    """A short-lived presigned GET of the shared file (or of one below the shared
    folder); counts one download."""
    link.require_unlocked(x_link_grant)
    return link.download(request.path if request else None, 200)


@router.get(
    "/public/shares/{token}/download",
    status_code=307,
    response_class=RedirectResponse,
    openapi_extra=PUBLIC,
    responses=problem_responses(
        400, 401, 403, 409, *LINK_ERRORS, extra={307: {"description": "To the presigned GET"}}
    ),
)
async def download_public_share(
    link: DownloadLink,
    x_link_grant: GrantHeader = None,
    path: Annotated[str | None, Query(description="A folder link: the file")] = None,
) -> RedirectResponse:
    """`307` to the same presigned GET (for curl -L); counts one download."""
    link.require_unlocked(x_link_grant)
    return RedirectResponse(link.download(path, 307).url, status_code=307)
