"""The pages of share links and file requests, and their assets (docs/api.md, "Pages").

Not in the OpenAPI document: they are HTML for people, and the public JSON API
they call is the contract (`/files/public/...`), which the document describes.

No `from __future__ import annotations` here: FastAPI resolves these
annotations at run time.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from file_lambda.pages.service import IMMUTABLE, pages_for
from tenancy.problems import operation_id

router = APIRouter(
    prefix="/files",
    tags=["pages"],
    include_in_schema=False,
    generate_unique_id_function=operation_id,
)

# Query parameters the pages take without declaring them (tenancy/query.py): whatever
# a mail client or a link tracker appends to a link must not turn the page into a 400.
PAGES_QUERY = {"share_page": ("",), "request_page": ("",)}


def _page(request: Request, kind: str) -> HTMLResponse:
    pages = pages_for(request.app.state.settings)
    return HTMLResponse(pages.shell(kind), headers=pages.headers)


@router.get("/s/{token}")
async def share_page(request: Request, token: str) -> HTMLResponse:
    """A share link's page; its script reads the token from the path."""
    return _page(request, "share")


@router.get("/r/{token}")
async def request_page(request: Request, token: str) -> HTMLResponse:
    """A file request's page; its script reads the token from the path."""
    return _page(request, "request")


@router.get("/assets/{name}")
async def page_asset(request: Request, name: str) -> Response:
    """A built script or stylesheet, by its hashed name: kept by browsers for good."""
    asset = pages_for(request.app.state.settings).asset(name)
    return Response(
        asset.path.read_bytes(),
        media_type=asset.media_type,
        headers={"Cache-Control": IMMUTABLE},
    )
