"""The floor of an authenticated, Postgres-backed route: what `/me` cannot go below.

Bare Starlette, PyJWT's HS256 check and one psycopg transaction with the same
statements as the core's `/me` (the caller's role and claims set and their
session checked, the memberships read under row-level security), on a pool that never checks its
connections. Served by the same uvicorn command line as the others.
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import jwt
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.bare import health

_SECRET = os.environ["SUPABASE_JWT_SECRET"]
_pool: AsyncConnectionPool = AsyncConnectionPool(
    os.environ["SUPABASE_DB_URL"],
    min_size=1,
    max_size=10,
    open=False,
    kwargs={"row_factory": dict_row, "prepare_threshold": None},
)


async def me(request: Request) -> JSONResponse:
    token = request.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, _SECRET, algorithms=["HS256"], audience="authenticated")
    async with _pool.connection() as conn, conn.transaction():
        cursor = await conn.execute(
            "select set_config('role', 'authenticated', true),"
            " set_config('request.jwt.claims', %(claims)s, true),"
            " %(session)s::uuid is null or exists (select from auth.sessions"
            "   where id = %(session)s::uuid and user_id::text = %(user)s"
            "   and (not_after is null or not_after > now())) as signed_in",
            {"claims": json.dumps(claims), "session": claims["session_id"], "user": claims["sub"]},
        )
        if not (await cursor.fetchone() or {}).get("signed_in"):
            return JSONResponse({"code": "unauthorized"}, status_code=401)
        cursor = await conn.execute(
            "select tenant_id, role::text as role from public.tenant_members"
            " where user_id = (select auth.uid()) order by tenant_id"
        )
        rows = await cursor.fetchall()
    tenants = {str(row["tenant_id"]): row["role"] for row in rows}
    body = {"user_id": claims["sub"], "email": claims.get("email"), "tenants": tenants}
    return JSONResponse(body)


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await _pool.open(wait=True)
    yield
    await _pool.close()


app = Starlette(routes=[Route("/health", health), Route("/me", me)], lifespan=lifespan)
