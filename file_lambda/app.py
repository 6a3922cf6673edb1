"""The file API as an ASGI app: its domains' routers (docs/design.md, "The file API by
domain"), built from its parts (tests pass their own)."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote_to_bytes

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from file_lambda import audit
from file_lambda.archives.endpoints import router as archives
from file_lambda.cursors import Cursors
from file_lambda.database import Database
from file_lambda.files.endpoints import router as files
from file_lambda.history.endpoints import router as history
from file_lambda.memberships import Memberships
from file_lambda.pages.endpoints import PAGES_QUERY
from file_lambda.pages.endpoints import router as pages
from file_lambda.public_links import PublicHeaders
from file_lambda.quotas import NoQuotas, PostgresQuotas, QuotaExceeded, Quotas
from file_lambda.requests.endpoints import router as requests
from file_lambda.scans import Verdicts
from file_lambda.schemas import Health
from file_lambda.settings import Settings
from file_lambda.shares.endpoints import router as shares
from file_lambda.storage.port import Storage
from file_lambda.uploads.endpoints import UNDECLARED_QUERY
from file_lambda.uploads.endpoints import router as uploads
from file_lambda.uploads.records import NoUploadRecords, UploadRecords
from file_lambda.usage.endpoints import router as usage
from tenancy.cors import install_browser_policy
from tenancy.job_queue import JobQueue
from tenancy.problems import install_problem_handlers, operation_id, problem_response
from tenancy.query import refuse_unknown_query
from tenancy.routing import serve_routes
from tenancy.tokens import Verifier

# The app's own route, in no domain: a load balancer's health check loads none of them.
liveness = APIRouter(prefix="/files", tags=["files"], generate_unique_id_function=operation_id)


@liveness.get("/health", response_model=Health, tags=["health"])
async def files_health() -> Health:
    """Liveness of the file API; touches no dependency."""
    return Health(status="ok")


class LiteralUrlGuard:
    """Refuses a request whose URL would reach the routes rewritten.

    Two rewrites happen before any route sees a path: Starlette's route patterns
    end in `$`, which also matches before a trailing newline (so
    `/files/delete/a.txt%0A` would delete `a.txt`), and Mangum decodes the ALB's
    raw path and query with replacement characters (`%FF` becomes U+FFFD).
    API.md: a bad path is refused, never rewritten into a good one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _literal(scope):
            response = problem_response(
                Request(scope),
                400,
                "invalid_path",
                "The request URL must be valid UTF-8 and hold no control characters",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _literal(scope: Scope) -> bool:
    if any(unicodedata.category(ch) == "Cc" for ch in scope["path"]):
        return False
    event = scope.get("aws.event")
    if not isinstance(event, dict):
        return True
    raw: list[str] = [event.get("path") or ""]
    for form in ("queryStringParameters", "multiValueQueryStringParameters"):
        for key, values in (event.get(form) or {}).items():
            raw += [key, *(values if isinstance(values, list) else [values])]
    try:
        for text in raw:
            unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def _on_quota_exceeded(request: Request, exc: Exception) -> Response:
    """413 quota_exceeded, with the numbers a client needs to explain it (quotas.py)."""
    assert isinstance(exc, QuotaExceeded)
    return problem_response(request, exc.status, exc.code, exc.detail, **exc.members)


def create_app(
    settings: Settings,
    storage: Storage,
    verifier: Verifier,
    memberships: Memberships,
    cursors: Cursors,
    upload_records: UploadRecords | None = None,
    ledger: Database | None = None,
    quotas: Quotas | None = None,
) -> FastAPI:
    app = FastAPI(
        title="SnSD file API",
        version="1.0.0",
        summary="Multi-tenant file storage at api.snsdconsultant.com/files",
        # The domain's one OpenAPI document is served by the core service.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # No OpenTelemetry SDK runs here (logs and metrics go through Powertools
        # and CloudWatch): without this, FastAPI looks for providers on every
        # request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.storage = storage
    app.state.token_verifier = verifier
    app.state.memberships = memberships
    app.state.cursors = cursors
    # Who started which multipart upload (uploads/records.py): Postgres in the function.
    app.state.upload_records = upload_records or NoUploadRecords()
    # The ledger of the bucket's changes (events/): Postgres in the function.
    app.state.ledger = ledger or Database(lambda: None)
    # Tenant quotas (quotas.py): on the ledger's connection; none without one.
    app.state.quotas = quotas or (PostgresQuotas(ledger) if ledger is not None else NoQuotas())
    # Malware scans' verdicts (scans.py): on the ledger's connection, kept as memberships are.
    app.state.verdicts = Verdicts(
        app.state.ledger,
        enforced=settings.malware_scanning_enforced,
        retry_after=settings.scan_retry_after,
        ttl=settings.membership_ttl,
    )
    # The job queue (tenancy/job_queue.py): a folder archive's first message.
    app.state.job_queue = JobQueue(settings.job_queue_url, settings.region)
    install_problem_handlers(app)
    app.add_exception_handler(QuotaExceeded, _on_quota_exceeded)
    # In the routes' order from before the domains were split: a route's place is what
    # matching it costs (tenancy/routing.py).
    serve_routes(app, liveness, usage, files, history, uploads, shares, requests, archives)
    # The pages last: a person opening a link is not the API's hot path.
    serve_routes(app, pages)
    refuse_unknown_query(app, prefixes={**UNDECLARED_QUERY, **PAGES_QUERY})
    app.add_middleware(LiteralUrlGuard)
    # Around the guard: its refusals of a link's URL are public answers too.
    app.add_middleware(PublicHeaders)
    install_browser_policy(app, settings.cors_allowed_origins, ["GET", "POST", "PATCH", "DELETE"])
    # Every write request: one row of the audit trail, written on the ledger's connection.
    audit.install(app)
    return app
