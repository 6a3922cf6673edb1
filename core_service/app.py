"""The core service as an ASGI app, built from its settings (tests pass their own parts)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.routing import Route

from core_service import audit, docs, openapi
from core_service.bodies import GuardedBodies
from core_service.db import Database, create_pool
from core_service.deletions import router as deletions_router
from core_service.exports import endpoints as exports
from core_service.mail import InvitationMailer, SesMailer, SupabaseInviter, ses_client
from core_service.quotas import router as quotas_router
from core_service.readiness import database_check, s3_client, storage_check
from core_service.routes import liveness, router
from core_service.settings import Settings
from core_service.webhook_relay import RelayAfterChanges
from core_service.webhooks import endpoints as webhooks
from tenancy.cors import install_browser_policy
from tenancy.problems import install_problem_handlers
from tenancy.query import refuse_unknown_query
from tenancy.routing import serve_routes
from tenancy.tokens import TokenVerifier

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    storage_client: Any = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    """The app; its lifespan opens the Postgres pool."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = create_pool(
            settings.database_url,
            min_size=settings.db_pool_min_size,
            max_size=settings.db_pool_max_size,
            timeout=settings.db_pool_timeout,
        )
        # Without waiting: the service starts, and /health answers, while
        # Postgres is unreachable; /ready says so meanwhile.
        await pool.open(wait=False)
        database = Database(pool)
        s3 = storage_client or s3_client(
            settings.region, settings.s3_endpoint_url, settings.ready_timeout
        )
        app.state.database = database
        app.state.invitation_mailer = invitation_mailer(settings, database)
        app.state.readiness_checks = {
            "database": database_check(database, settings.ready_timeout),
            "storage": storage_check(s3, settings.bucket),
        }
        # Everything built so far (modules, the app, the pool) lives as long as
        # the process: keep it out of the collector's full passes, each of
        # which walks all of it with the event loop stopped (bench row core_me_p99).
        gc.freeze()
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(
        title="SnSD API",
        version="1.0.0",
        summary="Tenants, memberships and files at api.snsdconsultant.com",
        lifespan=lifespan,
        # /docs from the core's own files (core_service/docs.py), never a CDN; no /redoc.
        docs_url=None,
        redoc_url=None,
        # No OpenTelemetry SDK runs here (logs go to CloudWatch from stdout):
        # without this, FastAPI looks for providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.invitation_mailer = None
    app.state.token_verifier = verifier or TokenVerifier(
        jwt_secret=settings.jwt_secret, supabase_url=settings.supabase_url
    )
    install_problem_handlers(app)
    # Deletions first: its `/tenants/deleted` before `/tenants/{tenant_id}`.
    serve_routes(app, deletions_router, router, quotas_router)
    webhooks.install(app, settings)
    exports.install(app, settings)
    # Inside the audit's and the browser policy's middleware: their headers and ids apply.
    app.add_middleware(GuardedBodies)
    audit.install(app)
    # One document for the domain: the file API's routes (served by the Lambda) included.
    openapi.install(app)
    docs.install(app)
    install_browser_policy(app, settings.cors_allowed_origins, ["GET", "POST", "PATCH", "DELETE"])
    # /health in front of FastAPI's routing (routes.liveness says why).
    served = Route("/health", liveness, methods=["GET"], include_in_schema=False)
    app.router.routes.insert(0, served)
    refuse_unknown_query(app)
    # Webhooks: a change's events leave right after its response (webhook_relay.py).
    if settings.webhook_queue_url is not None:
        app.add_middleware(
            RelayAfterChanges, queue_url=settings.webhook_queue_url, region=settings.region
        )
    return app


def invitation_mailer(settings: Settings, database: Database) -> InvitationMailer | None:
    """Invitation e-mails through Supabase Auth and SES; none without a sender."""
    if not settings.mail_from or not settings.invite_url_base:
        log.warning("MAIL_FROM is not set: invitations are not mailed")
        return None
    return InvitationMailer(
        database,
        SesMailer(
            ses_client(settings.region, settings.ses_endpoint_url),
            settings.mail_from,
            settings.ses_configuration_set,
        ),
        SupabaseInviter(settings.supabase_url, settings.service_role_key),
        settings.invite_url_base,
    )
