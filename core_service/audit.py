"""The audit trail of a tenant: `GET /tenants/{tenant_id}/audit` (admins and owners).

Rows come from three writers (supabase/migrations/*_audit_trail.sql): the
file API's write requests, the bucket's changes as the usage ledger records
them, and the core's own tenant, membership and invitation changes, by
triggers in the same transaction as each change. This module only reads,
in the caller's transaction: the role check here comes first, and the
table's row-level security (admins and owners of the row's tenant) holds
even if it were wrong.

Pages are newest first, keyed on (occurred_at, id), so rows written while a
client pages never make it see a row twice or skip one. The cursor is the
last row's position sealed with AES-GCM (as the file API seals its cursors,
tenancy/sealing.py), with a digest of the listing (tenant and filters)
as associated data, under a key derived from SUPABASE_DB_URL (which only the
platform knows; no secret more to create): a cursor altered by one bit,
made up, or replayed on another listing answers `400 invalid_cursor`.

It also sets each request's id where the core's database transactions put it
into `request.id` (`db.current_request`), for the triggers' rows, and
records the core's refused attempts: a trigger sees only changes that
happened, so a write to a tenant that the core refuses (too low a role, the
last owner, a duplicate, a non-member naming the tenant, a body that breaks
the schema) is written here, once its answer is known, as the service role
(`RefusedAttempts`).

No `from __future__ import annotations`: FastAPI resolves these annotations at
run time.
"""

import hashlib
import hmac
import json
import logging
import re
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core_service.db import current_request
from core_service.routes import TENANT_ERRORS, Caller
from core_service.schemas import AuditEvent, AuditOutcome, AuditPage, AuditSource
from core_service.tenants import tenant_access
from tenancy.audit_actions import audit_action
from tenancy.principal import Role, canonical_uuid
from tenancy.problems import BadRequest, operation_id, problem_responses, request_id
from tenancy.routing import serve_routes
from tenancy.sealing import Sealer, Unsealable

log = logging.getLogger(__name__)

router = APIRouter(generate_unique_id_function=operation_id)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_MAX_ID = 2**63 - 1


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


class RequestIds:
    """Lets the database's transactions put the request's id (the one its problems
    carry) into `request.id`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The scope, not its id: most requests never open a transaction.
        token = current_request.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            current_request.reset(token)


# A route's other ids (user_id, invitation_id) are UUIDs: a refused caller's
# text of any other length is cut to this, and `detail.truncated` says so.
REFUSED_TEXT = 64
# As the file API's refused rows (file_lambda/audit.py), counted together:
# an actor's refused rows in a tenant within an hour, the last one marked.
REFUSALS_PER_WINDOW = 20

# A refused write of a tenant's: a row of its own, in that tenant if it exists,
# unless its actor has had REFUSALS_PER_WINDOW refused rows there within the hour.
_REFUSED = """
with row (actor, action, status, code, request_id, detail, tenant_id) as (
  values (%(actor)s::uuid, %(action)s, %(status)s::smallint, %(code)s, %(request_id)s,
          %(detail)s::jsonb, %(tenant)s::uuid)
), refusals as (
  select count(*) as n from (
    select 1 from public.audit_events e, row
    where e.tenant_id = row.tenant_id and e.actor = row.actor and e.outcome = 'refused'
      and e.occurred_at > now() - interval '1 hour'
    limit %(limit)s) recent
)
insert into public.audit_events
  (tenant_id, actor, source, action, outcome, status, code, request_id, detail)
select t.id, row.actor, 'core', row.action, 'refused', row.status, row.code, row.request_id,
       case when refusals.n = %(limit)s - 1
            then row.detail || jsonb_build_object('refusals_capped', %(limit)s)
            else row.detail end
from row
join public.tenants t on t.id = row.tenant_id
cross join refusals
where refusals.n < %(limit)s
"""
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class RefusedAttempts:
    """One audit row for each write to a tenant the core answers with a 4xx.

    Only what a verified caller attempted (the route's own check notes them
    as `request.state.audit_caller`; a 401 has nobody to name) on a route
    under `/tenants/{tenant_id}`; successes are the triggers' rows. The
    row is written after the answer, in a transaction of its own as the
    service role (the caller's was rolled back); if it cannot be written, the
    answer stands and the log says so.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        status: int | None = None
        problem: list[bytes] = []

        async def send_seen(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status and 400 <= status < 500:
                problem.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, send_seen)
        if status is None or not 400 <= status < 500 or status == 401:
            return
        await self._record(scope, status, b"".join(problem))

    async def _record(self, scope: Scope, status: int, body: bytes) -> None:
        state = scope.get("state") or {}
        caller = state.get("audit_caller")
        params = scope.get("path_params") or {}
        route = scope.get("route")
        action = getattr(route, "name", None)
        # Its operation id, or the name it had before ids read like URLs (tenancy/audit_actions.py).
        action = audit_action(action) if isinstance(action, str) else None
        tenant = canonical_uuid(str(params.get("tenant_id", "")))
        if caller is None or tenant is None or not isinstance(action, str):
            return
        try:
            code = json.loads(body).get("code") if body else None
        except (ValueError, AttributeError):
            code = None
        row = {
            "actor": canonical_uuid(caller),
            "action": action,
            "status": status,
            "code": code if isinstance(code, str) and _CODE.fullmatch(code) else None,
            "request_id": request_id(Request(scope)),
            "detail": json.dumps(refused_detail(params), separators=(",", ":")),
            "tenant": tenant,
            "limit": REFUSALS_PER_WINDOW,
        }
        try:
            async with scope["app"].state.database.as_service() as conn:
                await conn.execute(_REFUSED, row)
        except Exception as exc:
            log.warning("refused attempt not audited", extra={"error_type": type(exc).__name__})


def refused_detail(path_params: dict[str, Any]) -> dict[str, Any]:
    """The route's other ids, each at most REFUSED_TEXT characters (cut ones named)."""
    detail: dict[str, Any] = {}
    cut = []
    for name, value in path_params.items():
        if name == "tenant_id":
            continue
        text = str(value).replace("\x00", "").encode("utf-8", "replace").decode()
        if len(text) > REFUSED_TEXT:
            cut.append(name)
        detail[name] = text[:REFUSED_TEXT]
    if cut:
        detail["truncated"] = sorted(cut)
    return detail


def install(app: FastAPI) -> None:
    """The audit route, request ids for the audit triggers, and the refused attempts."""
    serve_routes(app, router)
    app.add_middleware(RefusedAttempts)
    app.add_middleware(RequestIds)


# -- the listing ---------------------------------------------------------------------

_COLUMNS = """
    select id, occurred_at, actor, source, action, path, version_id, size, outcome, status,
           code, request_id, detail
    from public.audit_events
    where tenant_id = %(tenant)s
"""
# A path is the row's `path`, a move's or copy's `source`, or one of a batch's `paths`.
_PATH_PREFIX = """
    and (starts_with(path, %(path_prefix)s)
         or starts_with(detail ->> 'source', %(path_prefix)s)
         or exists (
           select 1
           from jsonb_array_elements_text(
             case when jsonb_typeof(detail -> 'paths') = 'array' then detail -> 'paths'
                  else '[]'::jsonb end) as named(path)
           where starts_with(named.path, %(path_prefix)s)))
"""
_FILTERS = {
    "since": " and occurred_at >= %(since)s",
    "until": " and occurred_at < %(until)s",
    "actor": " and actor = %(actor)s",
    "action": " and action = %(action)s",
    "outcome": " and outcome = %(outcome)s",
    "source": " and source = %(source)s",
    "path_prefix": _PATH_PREFIX,
}


def _aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is UTC, as everywhere in the API."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _digest(tenant_id: uuid.UUID, filters: dict[str, Any]) -> str:
    """What a cursor is valid for: this tenant, these filters."""
    listing = json.dumps([str(tenant_id), filters], sort_keys=True, default=str)
    return hashlib.sha256(listing.encode()).hexdigest()[:22]


@lru_cache(maxsize=2)
def cursor_sealer(database_url: str) -> Sealer:
    """The cursors' sealer, keyed by HMAC-SHA256(SUPABASE_DB_URL, "audit-cursor")."""
    key = hmac.new(database_url.encode(), b"audit-cursor", hashlib.sha256).digest()
    return Sealer(lambda: key)


def seal_cursor(sealer: Sealer, listing: str, occurred_at: datetime, event_id: int) -> str:
    return sealer.seal(listing, {"at": occurred_at.isoformat(), "id": event_id})


def open_cursor(sealer: Sealer, listing: str, cursor: str) -> tuple[datetime, int]:
    """The position after which the page starts; `InvalidCursor` for anything else
    (a cursor made up, altered, or sealed for another listing)."""
    try:
        position = sealer.open(listing, cursor)
        at = datetime.fromisoformat(position["at"])
        event_id = position["id"]
        valid = (
            isinstance(event_id, int)
            and not isinstance(event_id, bool)
            and 0 < event_id <= _MAX_ID
            and at.tzinfo is not None
        )
    except (Unsealable, ValueError, TypeError, KeyError):
        raise InvalidCursor("The cursor is not valid for this listing") from None
    if not valid:
        raise InvalidCursor("The cursor is not valid for this listing")
    return at, event_id


ActionQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z][a-z0-9_]{0,62}$",
        description="Only this action (docs/api.md lists them)",
    ),
]
PathPrefixQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=1024,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="Only rows naming a path that starts with this (a move's source too)",
    ),
]


@router.get(
    "/tenants/{tenant_id}/audit",
    response_model=AuditPage,
    tags=["audit"],
    responses=problem_responses(*TENANT_ERRORS, 400),
)
async def list_audit_events(
    request: Request,
    caller: Caller,
    tenant_id: uuid.UUID,
    since: Annotated[datetime | None, Query(description="From this time on (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time (ISO 8601)")] = None,
    actor: Annotated[uuid.UUID | None, Query(description="Only this user's actions")] = None,
    path_prefix: PathPrefixQuery = None,
    action: ActionQuery = None,
    outcome: Annotated[AuditOutcome | None, Query(description="Only this outcome")] = None,
    source: Annotated[
        AuditSource | None, Query(description="Only rows of this source: api, bucket or core")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows a page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="next_cursor of the previous page")
    ] = None,
) -> AuditPage:
    """The tenant's audit trail, newest first (admins and owners)."""
    filters: dict[str, Any] = {
        "since": _aware(since),
        "until": _aware(until),
        "actor": actor,
        "path_prefix": path_prefix,
        "action": action,
        "outcome": outcome,
        "source": source,
    }
    filters = {name: value for name, value in filters.items() if value is not None}
    listing = _digest(tenant_id, filters)
    query = _COLUMNS + "".join(_FILTERS[name] for name in filters)
    params: dict[str, Any] = {**filters, "tenant": tenant_id, "limit": limit + 1}
    sealer = cursor_sealer(request.app.state.settings.database_url)
    if cursor is not None:
        params["at"], params["id"] = open_cursor(sealer, listing, cursor)
        query += " and (occurred_at, id) < (%(at)s, %(id)s)"
    query += " order by occurred_at desc, id desc limit %(limit)s"

    async with caller.database.as_user(caller.claims) as conn:
        access = await tenant_access(conn, caller.principal, tenant_id)
        access.require(Role.admin)
        rows = await (await conn.execute(query, params)).fetchall()

    items = [AuditEvent.model_validate(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = seal_cursor(sealer, listing, last.occurred_at, last.id)
    return AuditPage(items=items, next_cursor=next_cursor)
