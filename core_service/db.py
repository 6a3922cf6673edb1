"""Postgres access: a psycopg pool, and one transaction per request as the caller.

Every request's SQL runs in one transaction that first does what PostgREST
does: `set_config('role', 'authenticated', true)` and the token's claims in
`request.jwt.claims`. Row-level security then judges every statement by the
caller's own identity, so a wrong check in Python cannot leak or change
another tenant's rows. The request's id goes into `request.id`, where the
audit trail's triggers read it (supabase/migrations/*_audit_trail.sql).
"""

from __future__ import annotations

import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.requests import Request
from starlette.types import Scope

from core_service.errors import (
    DatabaseUnavailable,
    LastOwner,
    MemberExists,
    WebhookEndpointLimit,
)
from tenancy.principal import RoleForbidden, SessionEnded, canonical_uuid, session_of
from tenancy.problems import Problem, request_id

log = logging.getLogger(__name__)

Connection = psycopg.AsyncConnection[DictRow]

# The request being served (its ASGI scope), set for each request by
# core_service.audit's middleware: its id (tenancy.problems.request_id) is
# worked out only when a transaction needs it, never for /health.
current_request: ContextVar[Scope | None] = ContextVar("current_request", default=None)


def current_request_id() -> str:
    """The served request's id, the one its problems carry; '' outside a request."""
    scope = current_request.get()
    return request_id(Request(scope)) if scope is not None else ""


# Under load a connection comes back to the pool within milliseconds and is
# known good; one that has sat idle for this long may have been dropped (a
# NAT gateway forgets idle flows after 350 s, a pooler or a restart at any
# time), so it is checked with a round trip before use.
IDLE_BEFORE_CHECK_SECONDS = 1.0


class IdleCheck:
    """The pool's check, skipped for connections that were in use a moment ago.

    Checking every connection on every request cost a round trip each (make
    bench: /me 1,213 req/s with it, 1,345 without). A connection that breaks
    in that moment is still caught: its request answers 503
    database_unavailable ("try again") and the pool replaces it, as it would
    any connection dropped mid-request.
    """

    def __init__(self, idle_seconds: float) -> None:
        self._idle_seconds = idle_seconds
        self._returned_at: weakref.WeakKeyDictionary[Connection, float] = (
            weakref.WeakKeyDictionary()
        )

    async def returned(self, conn: Connection) -> None:
        self._returned_at[conn] = time.monotonic()

    async def check(self, conn: Connection) -> None:
        returned_at = self._returned_at.get(conn)
        if returned_at is None or time.monotonic() - returned_at >= self._idle_seconds:
            await AsyncConnectionPool.check_connection(conn)


def create_pool(
    database_url: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    timeout: float = 5.0,
    idle_before_check: float = IDLE_BEFORE_CHECK_SECONDS,
) -> AsyncConnectionPool[Connection]:
    """A pool that is not open yet: the app's lifespan opens it without waiting,
    so the service starts (and `/health` answers) while Postgres is away."""
    idle_check = IdleCheck(idle_before_check)
    return AsyncConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout,
        open=False,
        connection_class=psycopg.AsyncConnection[DictRow],
        kwargs={
            "row_factory": dict_row,
            "connect_timeout": max(2, int(timeout)),
            # Supabase's transaction pooler (port 6543) cannot keep prepared
            # statements across transactions; never prepare.
            "prepare_threshold": None,
            "application_name": "snsd-core",
        },
        check=idle_check.check,
        reset=idle_check.returned,
        name="core",
    )


class Database:
    def __init__(self, pool: AsyncConnectionPool[Connection]) -> None:
        self.pool = pool

    @asynccontextmanager
    async def as_user(self, claims: Mapping[str, Any]) -> AsyncIterator[Connection]:
        """One transaction acting as the token's caller (role `authenticated`).

        Its first statement also asks whether the token's session is still in
        `auth.sessions` (Supabase Auth deletes it on sign-out): a signed-out
        token is refused with `401` on its next request, for no extra round
        trip. Postgres checks a statement's privileges before running it, so the
        service's own role reads `auth.sessions`, never `authenticated`.
        """
        session = session_of(dict(claims))
        if session is not None and canonical_uuid(session) is None:
            raise SessionEnded()  # Supabase Auth's session ids are UUIDs
        async with self._connection() as conn, conn.transaction():
            cursor = await conn.execute(
                "select set_config('role', 'authenticated', true),"
                " set_config('request.jwt.claims', %(claims)s, true),"
                " set_config('request.id', %(request)s, true),"
                " %(session)s::uuid is null or exists (select from auth.sessions"
                "   where id = %(session)s::uuid and user_id::text = %(user)s"
                "   and (not_after is null or not_after > now())) as signed_in",
                {
                    "claims": json.dumps(dict(claims), separators=(",", ":")),
                    "request": current_request_id(),
                    "session": session,
                    "user": str(claims.get("sub")),
                },
            )
            row = await cursor.fetchone()
            if row is None or not row["signed_in"]:
                raise SessionEnded()
            yield conn

    @asynccontextmanager
    async def as_service(self) -> AsyncIterator[Connection]:
        """One transaction as `service_role`: the core's own writes that no caller may make
        (a refused attempt's audit row, after the caller's transaction was rolled back)."""
        async with self._connection() as conn, conn.transaction():
            await conn.execute("select set_config('role', 'service_role', true)")
            yield conn

    async def ping(self, wait_seconds: float) -> None:
        """Raise unless a connection is had within `wait_seconds` and answers a query."""
        try:
            async with self.pool.connection(timeout=wait_seconds) as conn:
                await conn.execute("select 1")
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise DatabaseUnavailable("The database does not answer") from exc

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        try:
            async with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            log.warning("no database connection: %s", exc)
            raise DatabaseUnavailable("The database does not answer; try again") from exc
        except psycopg.OperationalError as exc:
            # A dropped connection mid-request; the pool replaces it.
            log.warning("database connection failed: %s", exc)
            raise DatabaseUnavailable("The database does not answer; try again") from exc


# SQLSTATEs of the project's own refusals (supabase/migrations): the last
# owner stays (`private.keep_an_owner()`); an invitee who is already a member
# (`private.accept_invitation()`); a tenant's webhook endpoints are all taken
# (`private.limit_webhook_endpoints()`).
LAST_OWNER_SQLSTATE = "SN001"
ALREADY_MEMBER_SQLSTATE = "SN002"
WEBHOOK_ENDPOINT_LIMIT_SQLSTATE = "SN020"


@contextmanager
def refusals(duplicate: Problem | None = None) -> Iterator[None]:
    """Turn the database's refusals into the API's problems.

    `duplicate` is what a unique constraint's refusal means to the caller;
    without it, that refusal is an error like any other.
    """
    try:
        yield
    except psycopg.errors.UniqueViolation:
        if duplicate is None:
            raise
        raise duplicate from None
    except psycopg.errors.InsufficientPrivilege as exc:
        # Row-level security or a column grant said no: the Python check above
        # should have caught it first, so say so in the log.
        log.warning("refused by the database: %s", exc.diag.message_primary)
        raise RoleForbidden("Your role in this tenant does not allow this") from None
    except psycopg.DatabaseError as exc:
        if exc.sqlstate == LAST_OWNER_SQLSTATE:
            raise LastOwner(
                "A tenant must keep at least one owner: make another member an owner first"
            ) from None
        if exc.sqlstate == ALREADY_MEMBER_SQLSTATE:
            raise MemberExists("You are already a member of this tenant") from None
        if exc.sqlstate == WEBHOOK_ENDPOINT_LIMIT_SQLSTATE:
            raise WebhookEndpointLimit(
                "This tenant has as many webhook endpoints as it may (20): delete one first"
            ) from None
        raise


def refused_unless_changed(rowcount: int) -> None:
    """A row the caller can see but RLS's USING hides from their UPDATE or DELETE
    changes silently: report it as the refusal it is."""
    if rowcount == 0:
        log.warning("row-level security left a permitted change without effect")
        raise RoleForbidden("Your role in this tenant does not allow this")
