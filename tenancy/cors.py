"""What browsers are told by both services: CORS for the configured origins, security headers.

One pure ASGI middleware on the outside of both apps. A request that names
no `Origin` is not a browser's cross-origin call (browsers send one on
every request from the app's pages to this domain), so it skips Starlette's
CORS middleware and only gets the `Vary: Origin` that middleware would have
added, which keeps a cache from handing its answer to a browser's request.
Every other request goes through Starlette's CORS unchanged. The measured
cost: `docs/benchmarks.md` (Core `/health`).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenancy.security_headers import ALWAYS, DOCUMENT_POLICY

# What a browser app sends and reads: the token, the tenant, conditional
# downloads, a public link's grant (a frontend's own link pages); the file
# name of a download, redirects and back-off.
ALLOW_HEADERS = ("Authorization", "Content-Type", "X-Tenant-ID", "If-None-Match", "X-Link-Grant")
EXPOSE_HEADERS = ("ETag", "Content-Disposition", "Location", "Retry-After")


def install_browser_policy(app: FastAPI, origins: Sequence[str], methods: Sequence[str]) -> None:
    """Add last, after every other middleware: the headers go on CORS answers too.

    Without origins no preflight is answered, so no browser page may call the API.
    """
    app.add_middleware(BrowserPolicy, origins=tuple(origins), methods=tuple(methods))


class BrowserPolicy:
    """The security headers on every response; CORS for requests that name an Origin."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...], methods: tuple[str, ...]) -> None:
        self.app = app
        self.cors: ASGIApp | None = None
        if origins:
            self.cors = CORSMiddleware(
                app,
                allow_origins=list(origins),
                allow_methods=[*methods, "OPTIONS"],
                allow_headers=list(ALLOW_HEADERS),
                expose_headers=list(EXPOSE_HEADERS),
                max_age=600,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inner, vary = self.app, False
        if self.cors is not None:
            if any(name == b"origin" for name, _ in scope["headers"]):
                inner = self.cors
            else:
                vary = True

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_policy(message.get("headers", ()), vary)}
            await send(message)

        await inner(scope, receive, send_with_policy)


Headers = list[tuple[bytes, bytes]]


def with_policy(headers: Sequence[tuple[bytes, bytes]], vary_origin: bool) -> Headers:
    """The response's headers with the security headers it lacks (and Origin in Vary)."""
    present: set[bytes] = set()
    content_type = b""
    kept: Headers = []
    varies: list[bytes] = []
    for name, value in headers:
        lower = name.lower()
        present.add(lower)
        if lower == b"content-type":
            content_type = value
        if vary_origin and lower == b"vary":
            varies.append(value)
        else:
            kept.append((name, value))
    kept += [header for header in ALWAYS if header[0] not in present]
    if b"json" in content_type and DOCUMENT_POLICY[0] not in present:
        kept.append(DOCUMENT_POLICY)
    if vary_origin:  # as Starlette's CORS middleware: one Vary, Origin last
        kept.append((b"vary", b", ".join([*varies, b"Origin"])))
    return kept
