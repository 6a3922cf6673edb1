"""The file API as an ASGI app, built from its parts (tests pass their own)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from file_lambda.routes import router
from file_lambda.settings import Settings
from file_lambda.storage.port import Storage
from tenancy.problems import install_problem_handlers
from tenancy.tokens import TokenVerifier


def create_app(settings: Settings, storage: Storage, verifier: TokenVerifier) -> FastAPI:
    app = FastAPI(
        title="SnSD file API",
        version="1.0.0",
        summary="Multi-tenant file storage at api.snsdconsultant.com/files",
        # The domain's one OpenAPI document is served by the core service.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.storage = storage
    app.state.token_verifier = verifier
    install_problem_handlers(app)
    app.include_router(router)
    if settings.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allowed_origins),
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Tenant-ID", "If-None-Match"],
            expose_headers=["ETag", "Content-Disposition", "Location", "Retry-After"],
            max_age=600,
        )
    return app
