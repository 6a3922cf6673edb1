"""The Supabase Auth admin API behind a small port.

The rest of the service needs two things from Supabase Auth: find a user by
e-mail, and invite one who does not exist yet. `AuthAdmin` is that port;
`SupabaseAuthAdmin` implements it with the `supabase` Python client (GoTrue's
`GET /admin/users` and `POST /invite`). Tests run it against a local HTTP
server that answers as GoTrue's admin API documents: no GoTrue runs here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx
from supabase import AsyncClient, AsyncClientOptions
from supabase_auth.errors import AuthApiError, AuthError, AuthRetryableError

from tenancy.problems import BadRequest
from tenancy.tokens import AuthUnavailable

log = logging.getLogger(__name__)


class InviteRefused(BadRequest):
    code = "invite_refused"


@dataclass(frozen=True, slots=True)
class AuthUser:
    id: str
    email: str | None


class AuthAdmin(Protocol):
    async def find_user_by_email(self, email: str) -> AuthUser | None: ...

    async def invite_user(self, email: str) -> AuthUser: ...

    async def aclose(self) -> None: ...


class SupabaseAuthAdmin:
    """`AuthAdmin` over the `supabase` client, authenticated with the service role key."""

    # GoTrue's admin list has no exact e-mail filter in the client: page
    # through it. One page is enough for most tenants' user bases.
    PAGE_SIZE = 1000
    MAX_PAGES = 50

    def __init__(self, supabase_url: str, service_role_key: str, *, timeout: float = 5.0) -> None:
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._client = AsyncClient(
            supabase_url,
            service_role_key,
            AsyncClientOptions(
                auto_refresh_token=False, persist_session=False, httpx_client=self._http
            ),
        )

    async def find_user_by_email(self, email: str) -> AuthUser | None:
        wanted = email.strip().lower()
        admin = self._client.auth.admin
        for page in range(1, self.MAX_PAGES + 1):
            try:
                users = await admin.list_users(page=page, per_page=self.PAGE_SIZE)
            except AuthError as exc:
                raise _unavailable(exc) from exc
            for user in users:
                if user.email and user.email.lower() == wanted:
                    return AuthUser(user.id, user.email)
            if len(users) < self.PAGE_SIZE:
                return None
        log.warning("user lookup stopped after %d pages", self.MAX_PAGES)
        return None

    async def invite_user(self, email: str) -> AuthUser:
        try:
            response = await self._client.auth.admin.invite_user_by_email(email)
        except AuthApiError as exc:
            if exc.code == "email_exists":
                # Registered since the lookup: use that user.
                found = await self.find_user_by_email(email)
                if found is not None:
                    return found
            if 400 <= exc.status < 500 and exc.status not in (401, 403):
                log.info("invitation refused (%s): %s", exc.code, exc)
                raise InviteRefused("Supabase Auth refused to invite this address") from exc
            raise _unavailable(exc) from exc
        except AuthError as exc:
            raise _unavailable(exc) from exc
        return AuthUser(response.user.id, response.user.email)

    async def aclose(self) -> None:
        await self._http.aclose()


def _unavailable(exc: AuthError) -> AuthUnavailable:
    # GoTrue's message stays in the log; the client gets no upstream text.
    status = exc.status if isinstance(exc, AuthApiError | AuthRetryableError) else None
    log.warning("Supabase Auth admin call failed (status %s): %s", status, exc)
    return AuthUnavailable("Supabase Auth did not complete the request; try again")
