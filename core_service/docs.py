"""`/docs`: Swagger UI served by the core itself, no CDN.

FastAPI's own `/docs` loads Swagger UI from cdn.jsdelivr.net and starts it with an
inline script: blank without the internet, and refused by a strict CSP. Here the
files come from npm's swagger-ui-dist, pinned in web/package-lock.json, which
`make pages` copies into `core_service/docs_assets/` (package data, git-ignored)
under names with their content's hash, with a manifest; the image builds them in
its Node stage (Dockerfile). Swagger UI is started by one of those files
(web/src/docs.js), so the page's policy allows scripts from the API alone.

Where they were not built (`make dev` on a machine without Node), `/docs` answers
503 with a page saying to run `make pages`: it never falls back to a CDN.
`/redoc` stays off.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

ASSETS = Path(__file__).with_name("docs_assets")
PREFIX = "/docs/assets/"
# Everything the page needs, from the API's own origin: Swagger UI's script and the
# starter, its stylesheet (whose icons are data: URLs), the document and "Try it out".
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The missing-assets page: text only.
BARE_POLICY = "default-src 'none'; frame-ancestors 'none'"
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
# The names carry their content's hash: a year, never revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Swagger UI</title>
<link rel="icon" type="image/png" href="{favicon}">
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{bundle}"></script>
<script src="{starter}"></script>
</body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}: docs not built</title></head>
<body>
<h1>The API documentation's files were not built</h1>
<p>Swagger UI is served by the API itself, from files built with Node 20 and npm:
run <code>make pages</code> (or <code>make dev</code> with Node installed), then reload.
The document itself is at <a href="{openapi}">{openapi}</a>.</p>
</body>
</html>
"""


def built_manifest() -> dict[str, str] | None:
    """{name: file} of the built assets, None when `make pages` has not run."""
    try:
        manifest: dict[str, str] = json.loads((ASSETS / "manifest.json").read_text())
    except FileNotFoundError:
        return None
    return manifest


def install(app: FastAPI) -> None:
    """Serve `/docs` and its assets; the app must be built with `docs_url=None`."""
    served: dict[str, str] = {}

    def manifest() -> dict[str, str] | None:
        # Read until found: `make pages` may run while `make dev` is up.
        if not served:
            served.update(built_manifest() or {})
        return served or None

    async def page(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        openapi = escape(root + (app.openapi_url or "/openapi.json"))
        title = escape(app.title)
        files = manifest()
        if files is None:
            return HTMLResponse(
                MISSING.format(title=title, openapi=openapi),
                status_code=503,
                headers={"content-security-policy": BARE_POLICY, "cache-control": "no-store"},
            )
        urls = {name: escape(root + PREFIX + file) for name, file in files.items()}
        # (files["version"] is swagger-ui-dist's, for people and tests: no asset.)
        html = PAGE.format(
            title=title,
            openapi=openapi,
            favicon=urls["favicon.png"],
            css=urls["swagger-ui.css"],
            bundle=urls["swagger-ui-bundle.js"],
            starter=urls["docs.js"],
        )
        # The page names this deployment's files: revalidated, so a new image's are used.
        return HTMLResponse(
            html, headers={"content-security-policy": POLICY, "cache-control": "no-cache"}
        )

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        files = manifest() or {}
        # Only the files the manifest names: nothing else in the folder, no paths.
        if name not in files.values() or Path(name).suffix not in TYPES:
            raise HTTPException(404)
        return FileResponse(
            ASSETS / name,
            media_type=TYPES[Path(name).suffix],
            headers={"cache-control": IMMUTABLE},
        )

    app.router.routes.extend(
        [
            Route("/docs", page, methods=["GET"], include_in_schema=False),
            Route(PREFIX + "{name}", asset, methods=["GET"], include_in_schema=False),
        ]
    )
