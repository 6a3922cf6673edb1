"""A local stand-in for Supabase Auth's admin API (GoTrue), for the auth admin port.

No GoTrue server can run on these machines. This one answers the two admin
endpoints the core service uses the way GoTrue's API documents them, API
version 2024-01-01 error bodies included:

- `GET /auth/v1/admin/users?page=&per_page=`: `{"users": [...], "aud": ...}`
  with `X-Total-Count` and `Link`, oldest first;
- `POST /auth/v1/invite` `{"email", "data"}`: the new user; `422` with code
  `email_exists` for an address already registered, `400`
  `validation_failed` for a malformed one.

Both need the service role key as `apikey` and bearer token (`401`/`403`
otherwise). Like GoTrue, it keeps users in the database's `auth.users`, so a
user it invites is one the memberships' foreign key accepts.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
from psycopg.rows import dict_row

SERVICE_ROLE_KEY = "test-service-role-key"
API_VERSION = "2024-01-01"


def _user_json(row: dict[str, Any]) -> dict[str, Any]:
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


class FakeGoTrue:
    def __init__(self, database_url: str, service_role_key: str = SERVICE_ROLE_KEY) -> None:
        self.database_url = database_url
        self.service_role_key = service_role_key
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self.invited: list[str] = []
        self.down = False
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- the admin API ---------------------------------------------------------------

    def list_users(self, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        with psycopg.connect(self.database_url, row_factory=dict_row) as conn:
            total = conn.execute("select count(*) as n from auth.users").fetchone()
            rows = conn.execute(
                "select * from auth.users order by created_at, id limit %s offset %s",
                (per_page, (page - 1) * per_page),
            ).fetchall()
        return [_user_json(row) for row in rows], int(total["n"]) if total else 0

    def invite(self, email: str, data: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            return 400, {
                "code": "validation_failed",
                "message": "Unable to validate email address: invalid format",
            }
        now = datetime.now(UTC)
        with psycopg.connect(self.database_url, row_factory=dict_row) as conn:
            existing = conn.execute(
                "select * from auth.users where lower(email) = lower(%s)", (email,)
            ).fetchone()
            if existing is not None and existing["email_confirmed_at"] is not None:
                return 422, {
                    "code": "email_exists",
                    "message": "A user with this email address has already been registered",
                }
            if existing is not None:  # invited before, not confirmed: GoTrue re-sends
                row = existing
            else:
                row = conn.execute(
                    "insert into auth.users (id, aud, role, email, invited_at,"
                    " confirmation_sent_at, raw_app_meta_data, raw_user_meta_data,"
                    " created_at, updated_at)"
                    " values (%s, 'authenticated', 'authenticated', %s, %s, %s, %s, %s, %s, %s)"
                    " returning *",
                    (
                        uuid.uuid4(),
                        email.lower(),
                        now,
                        now,
                        json.dumps({"provider": "email", "providers": ["email"]}),
                        json.dumps(data or {}),
                        now,
                        now,
                    ),
                ).fetchone()
                assert row is not None
        self.invited.append(email)
        return 200, _user_json(row)

    # -- HTTP ---------------------------------------------------------------------------

    def serve(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _send(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("X-Supabase-Api-Version", API_VERSION)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _authorised(self) -> bool:
                apikey = self.headers.get("apikey")
                bearer = self.headers.get("Authorization", "")
                if not apikey and not bearer:
                    self._send(
                        401,
                        {
                            "code": "no_authorization",
                            "message": "This endpoint requires a valid Bearer token",
                        },
                    )
                    return False
                if apikey != fake.service_role_key or bearer != f"Bearer {fake.service_role_key}":
                    self._send(403, {"code": "not_admin", "message": "User not allowed"})
                    return False
                return True

            def _body(self) -> dict[str, Any] | None:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length)) if length else None

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                fake.requests.append(("GET", url.path, None))
                if fake.down:
                    self._send(503, {"message": "upstream unavailable"})
                    return
                if url.path != "/auth/v1/admin/users":
                    self._send(404, {"code": "not_found", "message": "Not found"})
                    return
                if not self._authorised():
                    return
                query = parse_qs(url.query)
                page = max(1, int(query.get("page", ["1"])[0] or 1))
                per_page = min(1000, max(1, int(query.get("per_page", ["50"])[0] or 50)))
                users, total = fake.list_users(page, per_page)
                links = []
                last = max(1, -(-total // per_page))
                if page < last:
                    links.append(f'</admin/users?page={page + 1}&per_page={per_page}>; rel="next"')
                links.append(f'</admin/users?page={last}&per_page={per_page}>; rel="last"')
                self._send(
                    200,
                    {"users": users, "aud": "authenticated"},
                    {"X-Total-Count": str(total), "Link": ", ".join(links)},
                )

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                body = self._body()
                fake.requests.append(("POST", url.path, body))
                if fake.down:
                    self._send(503, {"message": "upstream unavailable"})
                    return
                if url.path != "/auth/v1/invite":
                    self._send(404, {"code": "not_found", "message": "Not found"})
                    return
                if not self._authorised():
                    return
                if not isinstance(body, dict) or not isinstance(body.get("email"), str):
                    self._send(
                        400,
                        {"code": "validation_failed", "message": "An email address is required"},
                    )
                    return
                status, payload = fake.invite(body["email"], body.get("data"))
                self._send(status, payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
