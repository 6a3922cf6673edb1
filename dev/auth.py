"""A local stand-in for Supabase Auth: it issues access tokens.

Tokens are what Supabase Auth issues: HS256 with `SUPABASE_JWT_SECRET`,
`iss` = `{SUPABASE_URL}/auth/v1`, `aud` `authenticated`, and claims passed
through the project's real access token hook, `public.custom_access_token_hook`,
in the local Postgres, as Supabase Auth runs it (as `supabase_auth_admin`),
so `app_metadata.tenants` is whatever the memberships are at that moment.

Endpoints, as GoTrue shapes them (so `supabase-js` can sign in against it):

- `POST /auth/v1/token?grant_type=password` `{email, password}`: a session
  for a user of `auth.users`. Passwords are not checked: this is a
  development issuer whose signing secret is public anyway;
- `POST /auth/v1/token?grant_type=refresh_token` `{refresh_token}`: a new
  session, with the memberships as they are now;
- `POST /auth/v1/signup` `{email, password}`: a confirmed user and a session;
- `GET /auth/v1/.well-known/jwks.json`: no keys (HS256 only).

The core service needs nothing else of Supabase Auth: no admin API.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import psycopg
from psycopg.rows import dict_row

TOKEN_LIFETIME = 3600


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _user_json(row: dict[str, Any]) -> dict[str, Any]:
    """A row of `auth.users` as GoTrue returns a user."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": str(row["id"]),
        "aud": row["aud"] or "authenticated",
        "role": row["role"] or "authenticated",
        "email": row["email"],
        "email_confirmed_at": iso(row["email_confirmed_at"]),
        "invited_at": iso(row["invited_at"]),
        "phone": "",
        "confirmation_sent_at": iso(row["confirmation_sent_at"]),
        "app_metadata": row["raw_app_meta_data"] or {},
        "user_metadata": row["raw_user_meta_data"] or {},
        "identities": [],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "is_anonymous": False,
    }


class LocalAuth:
    """Issues Supabase-shaped access tokens for the users of the local `auth.users`."""

    def __init__(self, database_url: str, jwt_secret: str) -> None:
        self.database_url = database_url
        self.jwt_secret = jwt_secret
        self.url = ""
        self._refresh: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- users and sessions ------------------------------------------------------------

    def _user(self, conn: psycopg.Connection[dict[str, Any]], email: str) -> dict[str, Any]:
        row = conn.execute(
            "select * from auth.users where lower(email) = lower(%s)", (email,)
        ).fetchone()
        if row is None:
            raise AuthError(400, "invalid_credentials", "Invalid login credentials")
        return row

    def sign_in(self, email: str) -> dict[str, Any]:
        with psycopg.connect(self.database_url, row_factory=dict_row, autocommit=True) as conn:
            user = self._user(conn, email)
            conn.execute(
                "update auth.users set last_sign_in_at = now() where id = %s", (user["id"],)
            )
            return self._session(conn, user)

    def sign_up(self, email: str) -> dict[str, Any]:
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            raise AuthError(400, "validation_failed", "Unable to validate email address")
        with psycopg.connect(self.database_url, row_factory=dict_row, autocommit=True) as conn:
            if conn.execute(
                "select 1 from auth.users where lower(email) = lower(%s)", (email,)
            ).fetchone():
                raise AuthError(422, "user_already_exists", "User already registered")
            now = datetime.now(UTC)
            row = conn.execute(
                "insert into auth.users (id, aud, role, email, email_confirmed_at,"
                " raw_app_meta_data, raw_user_meta_data, created_at, updated_at)"
                " values (%s, 'authenticated', 'authenticated', lower(%s), %s, %s, '{}', %s, %s)"
                " returning *",
                (
                    uuid.uuid4(), email, now,
                    json.dumps({"provider": "email", "providers": ["email"]}), now, now,
                ),
            ).fetchone()  # fmt: skip
            assert row is not None
            return self._session(conn, row)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            user_id = self._refresh.pop(refresh_token, None)
        if user_id is None:
            raise AuthError(400, "refresh_token_not_found", "Invalid Refresh Token")
        with psycopg.connect(self.database_url, row_factory=dict_row, autocommit=True) as conn:
            row = conn.execute("select * from auth.users where id = %s", (user_id,)).fetchone()
            if row is None:
                raise AuthError(400, "user_not_found", "User not found")
            return self._session(conn, row)

    def _session(
        self, conn: psycopg.Connection[dict[str, Any]], user: dict[str, Any]
    ) -> dict[str, Any]:
        now = int(time.time())
        session_id = str(uuid.uuid4())
        base = {
            "iss": f"{self.url}/auth/v1",
            "sub": str(user["id"]),
            "aud": "authenticated",
            "exp": now + TOKEN_LIFETIME,
            "iat": now,
            "email": user["email"] or "",
            "phone": "",
            "app_metadata": user["raw_app_meta_data"] or {"provider": "email"},
            "user_metadata": user["raw_user_meta_data"] or {},
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": now}],
            "session_id": session_id,
            "is_anonymous": False,
        }
        claims = hook(conn, base)
        refresh_token = secrets.token_urlsafe(24)
        with self._lock:
            self._refresh[refresh_token] = str(user["id"])
        return {
            "access_token": jwt.encode(claims, self.jwt_secret, algorithm="HS256"),
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME,
            "expires_at": now + TOKEN_LIFETIME,
            "refresh_token": refresh_token,
            "user": _user_json(user),
        }

    # -- HTTP ---------------------------------------------------------------------------

    def serve(self, port: int = 0) -> str:
        auth = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                # supabase-js runs in browsers: any origin may ask for a token here.
                self.send_header("Access-Control-Allow-Origin", "*")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length)) if length else {}
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    raise AuthError(400, "bad_json", "Could not parse request body as JSON")
                return body

            def do_OPTIONS(self) -> None:
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                self.send_header(
                    "Access-Control-Allow-Headers",
                    "authorization, apikey, content-type, x-client-info, x-supabase-api-version",
                )
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/auth/v1/.well-known/jwks.json":
                    self._send(200, {"keys": []})
                elif url.path == "/auth/v1/health":
                    self._send(200, {"name": "GoTrue (SnSD local stand-in)"})
                else:
                    self._send(404, {"code": "not_found", "message": "Not found"})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                grant = parse_qs(url.query).get("grant_type", [""])[0]
                try:
                    body = self._body()
                    if url.path == "/auth/v1/token" and grant == "password":
                        self._send(200, auth.sign_in(str(body.get("email") or "")))
                    elif url.path == "/auth/v1/token" and grant == "refresh_token":
                        self._send(200, auth.refresh(str(body.get("refresh_token") or "")))
                    elif url.path == "/auth/v1/signup":
                        self._send(200, auth.sign_up(str(body.get("email") or "")))
                    else:
                        self._send(404, {"code": "not_found", "message": "Not found"})
                except AuthError as exc:
                    self._send(exc.status, {"code": exc.code, "message": exc.message})

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def hook(conn: psycopg.Connection[dict[str, Any]], claims: dict[str, Any]) -> dict[str, Any]:
    """`claims` passed through `public.custom_access_token_hook` as Supabase Auth calls it."""
    event = {"user_id": claims["sub"], "claims": claims, "authentication_method": "password"}
    with conn.transaction():
        conn.execute("set local role supabase_auth_admin")
        row = conn.execute(
            "select public.custom_access_token_hook(%s::jsonb) as result", (json.dumps(event),)
        ).fetchone()
    if row is None:
        raise RuntimeError("the access token hook returned nothing")
    result: dict[str, Any] = row["result"]["claims"]
    return result
