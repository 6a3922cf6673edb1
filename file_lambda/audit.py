"""The file API's rows of the audit trail: one for every write request, refused ones too.

The bucket's notifications say what changed (the ledger's trigger writes
those rows, with no actor); only the API knows who asked, under which
request id, and what it refused. So every POST, PUT, PATCH and DELETE under
/files that names a tenant becomes one row of `public.audit_events`
(supabase/migrations/*_audit_trail.sql): the caller, the route (its
operation id is the action), the path(s) from the route's parameters, JSON
body and JSON answer, the outcome (succeeded 2xx/3xx, refused 4xx, failed
5xx), the status, the problem's `code`, the request id. GETs (downloads,
listings) are never recorded and cost nothing more.

Who asked and in which tenant is what the route's own dependency decided:
the memberships it consults are wrapped (`AuditedMemberships`) to note the
caller and the tenant it named in the request's context, so nothing is
verified or looked up twice. A request refused before that (401: no
verified caller; 400 tenant_required: no tenant named) has no tenant to be
recorded in and is not. A caller naming a tenant they are not a member of
(403 tenant_forbidden) is recorded in that tenant, if it exists: its
admins should see who knocked.

A public link's write (a file request's uploader, who has no account) has
no caller: its route names the tenant and the link with `note_public`, and
the row has no actor, the link's id and what its caller claimed (an
uploader's name, unverified) in `detail`, cut as paths are.

What a caller controls is bounded before it is stored: texts are cut to
1,024 characters (256 in a refused row), a batch keeps its first 25 paths
(5 when refused) and at most 8 KiB of them, and whatever was cut is named
in `detail.truncated`; the row always fits the table's 16 KiB `detail`
check, so a write that happened always has its row. Refused rows are also
counted per actor: an actor's 20th refused row in a tenant within an hour
carries `detail.refusals_capped`, and their further refusals there are not
recorded while 20 are less than an hour old (the count is shared with the core's
refused rows), so nobody can fill a tenant's trail with attempts.

The row is one INSERT on the container's connection (`app.state.ledger`),
after the answer has been sent to Mangum and before the invocation ends.
If it fails, the answer stands and the failure is logged: the write has
happened by then, and failing it afterwards would only hide that. The
bucket's own row of the change is still written from its notification, so
a lost API row loses the actor, not the change.
"""

from __future__ import annotations

import email.message
import json
import logging
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenancy.audit_actions import audit_action
from tenancy.principal import Principal, TenantForbidden, canonical_uuid, select_tenant
from tenancy.problems import Problem, request_id

log = logging.getLogger(__name__)

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# JSON bodies are read for their paths up to these sizes (the ALB passes 1 MB).
MAX_REQUEST_JSON = 1_048_576
MAX_ANSWER_JSON = 262_144
# A batch's paths kept in `detail` (its size is in `paths_count`): the rows
# stay small; the bucket's rows name every file a batch changed.
MAX_PATHS = 25
MAX_TEXT = 1024  # the table's bound of `path` and `version_id`
# Half the table's 16 KiB `detail` check: the other facts fit beside the paths.
MAX_PATHS_BYTES = 8192
# A refused request changed nothing, and its caller may not even be a member:
# keep enough to see what was tried, not whatever text they chose to send.
REFUSED_PATHS = 5
REFUSED_TEXT = 256
# Refused rows of one actor in one tenant within REFUSALS_WINDOW.
REFUSALS_PER_WINDOW = 20
REFUSALS_WINDOW = "1 hour"
_CODE = re.compile(r"[a-z][a-z0-9_]{0,62}")
# Numbers of an answer worth keeping: counts of a batch, and a quota refusal's.
_COUNTS = (
    "deleted_count",
    "restored_count",
    "purged_files",
    "purged_versions",
    "quota",
    "used",
    "reserved",
    "requested",
)

_ROW = """
with row (tenant_id, occurred_at, actor, action, path, version_id, size, outcome, status,
          code, request_id, detail) as (
  values (%s::uuid, %s::timestamptz, %s::uuid, %s, %s, %s, %s::bigint, %s, %s::smallint, %s,
          %s, %s::jsonb)
)"""
_INSERT = f"""{_ROW}
insert into public.audit_events
  (tenant_id, occurred_at, actor, source, action, path, version_id, size, outcome, status,
   code, request_id, detail)
select t.id, row.occurred_at, row.actor, 'api', row.action, row.path, row.version_id, row.size,
       row.outcome, row.status, row.code, row.request_id, row.detail
from row
join public.tenants t on t.id = row.tenant_id
"""  # noqa: S608
# A refused row while its actor has fewer than REFUSALS_PER_WINDOW refused rows
# in the tenant, the last of them marked (formatted with this module's constants).
_INSERT_REFUSED = f"""{_ROW}, refusals as (
  select count(*) as n from (
    select 1 from public.audit_events e, row
    where e.tenant_id = row.tenant_id and e.actor = row.actor
      and e.outcome = 'refused' and e.occurred_at > now() - interval '{REFUSALS_WINDOW}'
    limit {REFUSALS_PER_WINDOW}) recent
)
insert into public.audit_events
  (tenant_id, occurred_at, actor, source, action, path, version_id, size, outcome, status,
   code, request_id, detail)
select t.id, row.occurred_at, row.actor, 'api', row.action, row.path, row.version_id, row.size,
       row.outcome, row.status, row.code, row.request_id,
       case when refusals.n = {REFUSALS_PER_WINDOW - 1}
            then row.detail || '{{"refusals_capped": {REFUSALS_PER_WINDOW}}}'::jsonb
            else row.detail end
from row
join public.tenants t on t.id = row.tenant_id
cross join refusals
where refusals.n < {REFUSALS_PER_WINDOW}
"""  # noqa: S608


@dataclass(slots=True)
class Attempt:
    """What one write request showed of itself, filled in as it runs."""

    started: datetime
    caller: Principal | None = None
    requested: str | None = None
    status: int | None = None
    answer_is_json: bool = False
    answer: list[bytes] = field(default_factory=list)
    answer_size: int = 0
    body: list[bytes] | None = None
    body_size: int = 0
    # A public link's write (no account): the tenant and facts its route noted.
    public: PublicWrite | None = None


@dataclass(slots=True)
class PublicWrite:
    tenant_id: str
    detail: dict[str, Any]
    path: str | None = None


_attempt: ContextVar[Attempt | None] = ContextVar("audit_attempt", default=None)


class AuditedMemberships:
    """`memberships.Memberships`, noting the request's caller and named tenant."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def current(self, principal: Principal, requested: str | None) -> Principal:
        caller: Principal = self.inner.current(principal, requested)
        attempt = _attempt.get()
        if attempt is not None:
            attempt.caller, attempt.requested = caller, requested
        return caller

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def note_public(tenant_id: str, path: str | None = None, **detail: Any) -> None:
    """Record this public write (a link reached with no account) in `tenant_id`'s trail.

    Its row has no actor (there is no user); `detail` says which link and what
    its caller claimed (an uploader's name, unverified). Called again, the
    facts add up and a later `path` wins. Outside a write request, nothing.
    """
    attempt = _attempt.get()
    if attempt is None:
        return
    if attempt.public is None:
        attempt.public = PublicWrite(tenant_id, {})
    attempt.public.detail.update(detail)
    if path is not None:
        attempt.public.path = path


class AuditTrail:
    """ASGI middleware: one audit row per write request that named a tenant."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        attempt = Attempt(started=datetime.now(UTC))
        if parsed_as_json(_header(scope, b"content-type")):
            attempt.body = []

        async def receive_teed() -> Message:
            message = await receive()
            if attempt.body is not None and message["type"] == "http.request":
                chunk = message.get("body", b"")
                attempt.body_size += len(chunk)
                if attempt.body_size <= MAX_REQUEST_JSON:
                    attempt.body.append(chunk)
            return message

        async def send_seen(message: Message) -> None:
            if message["type"] == "http.response.start":
                attempt.status = int(message["status"])
                content_type = _header_of(message.get("headers", ()), b"content-type")
                attempt.answer_is_json = "json" in content_type
            elif message["type"] == "http.response.body" and attempt.answer_is_json:
                chunk = message.get("body", b"")
                attempt.answer_size += len(chunk)
                if attempt.answer_size <= MAX_ANSWER_JSON:
                    attempt.answer.append(chunk)
            await send(message)

        token = _attempt.set(attempt)
        try:
            await self.app(scope, receive_teed, send_seen)
        except Exception:
            # The crash handler answers 500 outside this middleware.
            if attempt.status is None:
                attempt.status = 500
                attempt.answer = [b'{"code": "internal_error"}']
                attempt.answer_is_json = True
            raise
        finally:
            _attempt.reset(token)
            record(scope, attempt)


def parsed_as_json(content_type: str) -> bool:
    """Whether FastAPI reads a body of this type as JSON (application/json, application/*+json)."""
    if not content_type:
        return False  # FastAPI's strict content type: no type, no JSON
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def install(app: FastAPI) -> None:
    """Record `app`'s write requests (call once its memberships are in `app.state`)."""
    app.state.memberships = AuditedMemberships(app.state.memberships)
    app.add_middleware(AuditTrail)


def record(scope: Scope, attempt: Attempt) -> None:
    """Write the attempt's row; a failure is logged, never raised."""
    try:
        params = row_params(scope, attempt)
        if params is not None:
            refused = params[7] == "refused"  # row_params: the outcome
            scope["app"].state.ledger.execute(_INSERT_REFUSED if refused else _INSERT, params)
    except Exception as exc:
        log.warning(
            "audit event not recorded",
            extra={"error_type": type(exc).__name__, "request_id": request_id(Request(scope))},
        )


def row_params(scope: Scope, attempt: Attempt) -> tuple[Any, ...] | None:
    """The INSERT's parameters, or None when the request named no tenant."""
    if attempt.status is None:
        return None
    if attempt.caller is not None:
        tenant_id = tenant_of(attempt.caller, attempt.requested)
    elif attempt.public is not None:
        tenant_id = attempt.public.tenant_id
    else:
        return None
    if tenant_id is None:
        return None
    route = scope.get("route")
    action = getattr(route, "name", None)
    # Its operation id, or the name it had before ids read like URLs (tenancy/audit_actions.py).
    action = audit_action(action) if isinstance(action, str) else None
    if not isinstance(action, str) or not _CODE.fullmatch(action):
        return None
    answer = _json(attempt.answer) if attempt.answer_is_json else None
    body = _json(attempt.body) if attempt.body is not None else None
    status = attempt.status
    outcome = outcome_of(status)
    described = describe(
        scope.get("path_params") or {},
        dict(parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"))),
        body if isinstance(body, dict) else {},
        answer if isinstance(answer, dict) else {},
        refused=outcome == "refused",
    )
    code = answer.get("code") if isinstance(answer, dict) and status >= 400 else None
    path = described.path
    if attempt.public is not None:
        bound = _Bound(REFUSED_TEXT if outcome == "refused" else MAX_TEXT)
        path = bound.first("path", attempt.public.path) or path
        described.detail.update(_bounded(attempt.public.detail, bound))
        if bound.cut:
            cut = bound.cut | set(described.detail.get("truncated", ()))
            described.detail["truncated"] = sorted(cut)
    actor = canonical_uuid(attempt.caller.user_id) if attempt.caller is not None else None
    return (
        tenant_id,
        attempt.started,
        actor,
        action,
        path,
        described.version_id,
        described.size,
        outcome,
        status,
        code if isinstance(code, str) and _CODE.fullmatch(code) else None,
        request_id(Request(scope)),
        json.dumps(described.detail, separators=(",", ":")),
    )


def tenant_of(caller: Principal, requested: str | None) -> str | None:
    """The tenant the request acted in, or the one it was refused (tenant_forbidden)."""
    try:
        return select_tenant(caller, requested).tenant_id
    except TenantForbidden:
        return canonical_uuid(requested) if requested is not None else None
    except Problem:  # tenant_required: several tenants, none named
        return None


def outcome_of(status: int) -> str:
    if status >= 500:
        return "failed"
    return "refused" if status >= 400 else "succeeded"


@dataclass(frozen=True, slots=True)
class Described:
    path: str | None
    version_id: str | None
    size: int | None
    detail: dict[str, Any]


def describe(
    path_params: Mapping[str, Any],
    query: Mapping[str, str],
    body: Mapping[str, Any],
    answer: Mapping[str, Any],
    *,
    refused: bool = False,
) -> Described:
    """What a write named: its path, from the most to the least certain source.

    The answer's path is what the API stored (normalised); then the request's
    destination or path; then a folder the request acted in. Texts and the
    batch's paths are bounded (tighter when `refused`); `detail.truncated`
    names each field that was cut.
    """
    bound = _Bound(REFUSED_TEXT if refused else MAX_TEXT)
    path = bound.first(
        "path",
        answer.get("path"),
        answer.get("key"),  # an upload session's file (Companion's name for it)
        body.get("destination"),
        body.get("path"),
        query.get("file_path"),
        query.get("path"),
        path_params.get("path"),
        answer.get("folder"),
        body.get("folder"),
        query.get("folder"),
    )
    version_id = bound.first("version_id", answer.get("version_id"), body.get("version_id"))
    detail: dict[str, Any] = {}
    source = bound.first("source", body.get("source"))
    if source is not None:
        detail["source"] = source
    # A share link's change or revocation names the link, not a path (shares/).
    share_id = bound.first("share_id", path_params.get("share_id"))
    if share_id is not None:
        detail["share_id"] = share_id
    paths = _texts(body.get("paths")) or _texts(
        item.get("path") for item in _dicts(answer.get("uploaded"))
    )
    if paths:
        detail["paths"] = bound.paths(paths, REFUSED_PATHS if refused else MAX_PATHS)
        detail["paths_count"] = len(paths)
    for name in _COUNTS:
        value = answer.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            detail[name] = value
    limit = answer.get("limit")  # which quota a refusal hit: bytes or objects
    if isinstance(limit, str) and _CODE.fullmatch(limit):
        detail["limit"] = limit
    failed = answer.get("failed") or answer.get("errors")
    if isinstance(failed, list) and failed:
        detail["failed_count"] = len(failed)
    if bound.cut:
        detail["truncated"] = sorted(bound.cut)
    size = answer.get("size")
    return Described(
        path,
        version_id,
        size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        detail,
    )


class _Bound:
    """Cuts texts to `chars` characters and a batch's paths to a count and
    MAX_PATHS_BYTES, remembering which fields it cut."""

    def __init__(self, chars: int) -> None:
        self.chars = chars
        self.cut: set[str] = set()

    def first(self, name: str, *candidates: Any) -> str | None:
        for candidate in candidates:
            if isinstance(candidate, str) and candidate:
                return self.text(name, candidate)
        return None

    def text(self, name: str, text: str) -> str:
        cleaned = _clean(text)
        if len(cleaned) > self.chars:
            self.cut.add(name)
            return cleaned[: self.chars]
        return cleaned

    def paths(self, paths: list[str], count: int) -> list[str]:
        kept: list[str] = []
        size = 0
        for path in paths[:count]:
            path = self.text("paths", path)
            # As the table measures it: jsonb's text, UTF-8, escapes and separators.
            size += len(json.dumps(path, ensure_ascii=False).encode()) + 2
            if size > MAX_PATHS_BYTES:
                break
            kept.append(path)
        if len(kept) < len(paths):
            self.cut.add("paths")
        return kept


def _bounded(detail: Mapping[str, Any], bound: _Bound) -> dict[str, Any]:
    """A public write's facts, their texts (what an uploader typed) cut as paths are."""
    return {
        name: bound.text(name, value) if isinstance(value, str) else value
        for name, value in detail.items()
    }


def _texts(values: Any) -> list[str]:
    if not isinstance(values, Iterable) or isinstance(values, str | bytes | dict):
        return []
    return [value for value in values if isinstance(value, str) and value]


def _dicts(values: Any) -> list[dict[str, Any]]:
    return (
        [value for value in values if isinstance(value, dict)] if isinstance(values, list) else []
    )


def _clean(text: str) -> str:
    """Text Postgres can hold: no NUL, no lone surrogate (JSON's `\\ud800` is one)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode()


def _json(chunks: list[bytes]) -> Any:
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return None


def _header(scope: Scope, name: bytes) -> str:
    return _header_of(scope.get("headers", ()), name)


def _header_of(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").lower()
    return ""
