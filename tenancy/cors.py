"""What browsers are told by both services: CORS for the configured origins, security headers."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from tenancy.security_headers import SecurityHeaders

# What a browser app sends and reads: the token, the tenant, conditional
# downloads; the file name of a download, redirects and back-off.
ALLOW_HEADERS = ("Authorization", "Content-Type", "X-Tenant-ID", "If-None-Match")
EXPOSE_HEADERS = ("ETag", "Content-Disposition", "Location", "Retry-After")


def install_browser_policy(app: FastAPI, origins: Sequence[str], methods: Sequence[str]) -> None:
    """Add last, after every other middleware: the headers go on CORS answers too.

    Without origins no preflight is answered, so no browser page may call the API.
    """
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=[*methods, "OPTIONS"],
            allow_headers=list(ALLOW_HEADERS),
            expose_headers=list(EXPOSE_HEADERS),
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)  # outermost
