"""A local stand-in for Supabase Auth: it issues access tokens.

Tokens are what Supabase Auth issues: HS256 with `SUPABASE_JWT_SECRET`,
`iss` = `{SUPABASE_URL}/auth/v1`, `aud` `authenticated`, and claims passed
through the project's real access token hook, `public.custom_access_token_hook`,
in the local Postgres, as Supabase Auth runs it (as `supabase_auth_admin`),
so `app_metadata.tenants` is whatever the memberships are at that moment.

Endpoints, as Supabase Auth (GoTrue) shapes them, so that `supabase-js` and
`supabase-py` work against it unchanged:

- `POST /token?grant_type=password` `{email, password}`: a session for a user
  of `auth.users` whose password matches (else `400 invalid_credentials`
  "Invalid login credentials", as Supabase Auth answers). Passwords are kept
  as salted PBKDF2-SHA256 hashes in `encrypted_password` (Supabase Auth keeps
  bcrypt there; no bcrypt is installed here);
- `POST /token?grant_type=refresh_token` `{refresh_token}`: a new session
  token, with the memberships as they are now (refresh tokens are single use);
- `POST /signup` `{email, password, data}`: a confirmed user and a session
  (no password: `400 validation_failed`, as there); an invited user not
  confirmed yet is confirmed, their password left unset, as Supabase Auth
  does with "mailer_autoconfirm" on;
- `GET /user`, `PUT /user` `{data, email, password}` (bearer token): the
  user; `data` is merged into `user_metadata`, a new email is confirmed by
  a mailed link as Supabase Auth does;
- `POST /logout?scope=global|local|others` (bearer token): 204, the sessions
  deleted from `auth.sessions` as Supabase Auth deletes them, so their refresh
  tokens are refused, and so are their access tokens, by `GET /user` at once
  and by the core and the file API (which read `auth.sessions` too);
- `POST /otp` `{email, create_user, data}` and `POST /recover` `{email}`:
  200 `{}`; the mail they would send is printed to the stack's console (a
  link and a six-digit code);
- `GET /verify?token=&type=&redirect_to=`: the printed link; it redirects to
  the app with the session in the fragment, as Supabase Auth does.
  `POST /verify` `{type, email, token}` or `{type, token_hash}`: the session;
- `POST /invite?redirect_to=` `{email, data}` (the admin API: a bearer token
  whose role is `service_role`, else `403 not_admin`): an unconfirmed user,
  created unless there is one, and its invite mailed; a confirmed address
  `422 email_exists`, as Supabase Auth (`internal/api/invite.go`) answers.
  Following the invite link confirms the address;
- `GET /settings`, `GET /health`, `GET /.well-known/jwks.json` (no keys: HS256 only).

Every mail it would send (invite, magic link, recovery, e-mail change) is
printed and, given a mail catcher (`mailcatcher.py`), caught there as
Supabase Auth would send it through its SMTP settings.

Every call needs the project's API key, as Supabase's API gateway asks for
it: an `apikey` header (or query parameter) holding a key signed with the
stack's JWT secret whose `role` is `anon` or `service_role` (the stack's
keys are in its state file and banner). None: `401 {"message": "No API key
found in request", ...}`; another: `401 {"message": "Invalid API key", ...}`,
the gateway's shapes. The mailed link (`GET /verify`), CORS preflights and
the JWKS (`GET /.well-known/jwks.json`, which the services fetch without a
key) need none.

Errors are JSON as Supabase Auth writes them: `{"code", "message"}` to a
client that sends `X-Supabase-Api-Version: 2024-01-01` (supabase-js and
supabase-py do), `{"code": status, "error_code", "msg"}` to one that does not.
Sessions are rows of `auth.sessions`; refresh tokens and mailed links live in
memory: a restart forgets them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import psycopg
from psycopg.rows import dict_row

from dev import DEV_ORIGIN
from dev.loopback import LoopbackHTTP
from dev.mailcatcher import MailCatcher

TOKEN_LIFETIME = 3600
LINK_LIFETIME = 3600
API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION_2024 = "2024-01-01"
PROVIDERS = (
    "anonymous_users", "apple", "azure", "bitbucket", "discord", "facebook", "snapchat",
    "figma", "fly", "github", "gitlab", "google", "keycloak", "kakao", "linkedin",
    "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos", "twitch",
    "twitter", "email", "phone", "zoom",
)  # fmt: skip
# What `GET /settings` answers: email sign-in only, users confirmed at once.
SETTINGS: dict[str, Any] = {
    # Every provider Supabase Auth lists; only email is on.
    "external": dict.fromkeys(PROVIDERS, False) | {"email": True},
    "disable_signup": False,
    "mailer_autoconfirm": True,
    "phone_autoconfirm": False,
    "sms_provider": "",
    "saml_enabled": False,
    "saml_private_key_next_configured": False,
    "passkeys_enabled": False,
}
# The verify types an emailed code may be checked as (`email` is the OTP sign-in's).
VERIFY_TYPES = {
    "email": {"magiclink", "signup"},
    "magiclink": {"magiclink"},
    "signup": {"signup"},
    "recovery": {"recovery"},
    "email_change": {"email_change"},
    "invite": {"invite"},
}
# Supabase Auth's default subjects for its mails.
SUBJECTS = {
    "invite": "You have been invited",
    "magiclink": "Your Magic Link",
    "recovery": "Reset Your Password",
    "email_change": "Confirm Email Change",
}
# The roles Supabase Auth's admin API admits (GOTRUE_JWT_ADMIN_ROLES' default, less
# `supabase_admin`, which no project key carries).
ADMIN_ROLES = frozenset({"service_role"})
DEFAULT_MAIL_FROM = "SnSD <no-reply@snsdconsultant.com>"
LINK_REFUSED = "Email link is invalid or has expired"
CODE_REFUSED = "Token has expired or is invalid"
LOGIN_REFUSED = "Invalid login credentials"
PASSWORD_ITERATIONS = 100_000
# What Supabase's API gateway answers without a valid `apikey` (its body, not Auth's).
NO_API_KEY = {
    "message": "No API key found in request",
    "hint": "No `apikey` request header or url param was found.",
}
BAD_API_KEY = {
    "message": "Invalid API key",
    "hint": "Double check your Supabase `anon` or `service_role` API key.",
}
API_KEY_ROLES = frozenset({"anon", "service_role"})
# Asked for without a key: the signing keys, which the services fetch as public
# (tenancy/tokens.py); the mailed link is served before the check.
KEYLESS = frozenset({"/auth/v1/.well-known/jwks.json"})


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PASSWORD_ITERATIONS)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return f"pbkdf2_sha256${PASSWORD_ITERATIONS}${'$'.join(encoded)}"


def password_matches(password: str, stored: str | None) -> bool:
    try:
        scheme, iterations, salt, digest = (stored or "").split("$")
        if scheme != "pbkdf2_sha256":
            return False
        computed = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), base64.b64decode(salt), int(iterations)
        )
    except ValueError:
        return False  # no password (an OTP user's), or one this stand-in did not write
    return hmac.compare_digest(computed, base64.b64decode(digest))


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Mail:
    """A link (and its code) the stand-in would have mailed."""

    user_id: str
    email: str
    kind: str
    code: str
    expires: float
    new_email: str | None = None
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Session:
    user_id: str
    refresh_tokens: set[str] = field(default_factory=set)


class LocalAuth(LoopbackHTTP):
    """Issues Supabase-shaped access tokens for the users of the local `auth.users`."""

    def __init__(
        self,
        database_url: str,
        jwt_secret: str,
        site_url: str = DEV_ORIGIN,
        mail: MailCatcher | None = None,
        mail_from: str = DEFAULT_MAIL_FROM,
    ) -> None:
        self.database_url = database_url
        self.mail = mail
        self.mail_from = mail_from
        self.jwt_secret = jwt_secret
        # Where a mailed link lands (Supabase Auth's SITE_URL): the web app.
        self.site_url = site_url
        self.url = ""
        self._refresh: dict[str, str] = {}  # refresh token -> session id
        self._sessions: dict[str, Session] = {}
        self._mail: dict[str, Mail] = {}  # token hash -> mail
        self._lock = threading.Lock()

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        return psycopg.connect(self.database_url, row_factory=dict_row, autocommit=True)

    # -- users -------------------------------------------------------------------------

    def _find(self, conn: psycopg.Connection[dict[str, Any]], email: str) -> dict[str, Any] | None:
        return conn.execute(
            "select * from auth.users where lower(email) = lower(%s)", (email,)
        ).fetchone()

    def _user(self, conn: psycopg.Connection[dict[str, Any]], email: str) -> dict[str, Any]:
        row = self._find(conn, email)
        if row is None:
            raise AuthError(400, "invalid_credentials", "Invalid login credentials")
        return row

    def _create(
        self,
        conn: psycopg.Connection[dict[str, Any]],
        email: str,
        data: Any,
        password: str | None = None,
        *,
        confirmed: bool = True,
    ) -> dict[str, Any]:
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            raise AuthError(400, "validation_failed", "Unable to validate email address")
        now = datetime.now(UTC)
        row = conn.execute(
            "insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at,"
            " raw_app_meta_data, raw_user_meta_data, created_at, updated_at)"
            " values (%s, 'authenticated', 'authenticated', lower(%s), %s, %s, %s, %s, %s, %s)"
            " returning *",
            (
                uuid.uuid4(), email, hash_password(password) if password else None,
                now if confirmed else None,
                json.dumps({"provider": "email", "providers": ["email"]}),
                json.dumps(data if isinstance(data, dict) else {}), now, now,
            ),
        ).fetchone()  # fmt: skip
        assert row is not None
        return row

    def _user_json(self, row: dict[str, Any]) -> dict[str, Any]:
        """A row of `auth.users` as Supabase Auth returns a user."""
        user = {
            "id": str(row["id"]),
            "aud": row["aud"] or "authenticated",
            "role": row["role"] or "authenticated",
            "email": row["email"],
            "email_confirmed_at": iso(row["email_confirmed_at"]),
            "invited_at": iso(row["invited_at"]),
            "phone": "",
            "confirmation_sent_at": iso(row["confirmation_sent_at"]),
            "last_sign_in_at": iso(row["last_sign_in_at"]),
            "app_metadata": row["raw_app_meta_data"] or {},
            "user_metadata": row["raw_user_meta_data"] or {},
            "identities": [],
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
            "is_anonymous": False,
        }
        with self._lock:
            change = next(
                (
                    mail
                    for mail in self._mail.values()
                    if mail.kind == "email_change" and mail.user_id == user["id"]
                ),
                None,
            )
        if change:
            user["new_email"] = change.new_email
            user["email_change_sent_at"] = iso(change.sent_at)
        return user

    def sign_in(self, email: str, password: str) -> dict[str, Any]:
        with self._connect() as conn:
            user = self._find(conn, email)
            # An unknown address and a wrong password get the same answer, as there.
            if user is None or not password_matches(password, user["encrypted_password"]):
                raise AuthError(400, "invalid_credentials", LOGIN_REFUSED)
            return self._session(conn, user, "password")

    def sign_up(self, email: str, password: str, data: Any = None) -> dict[str, Any]:
        if not password:
            raise AuthError(400, "validation_failed", "Signup requires a valid password")
        with self._connect() as conn:
            user = self._find(conn, email)
            if user is None:
                return self._session(conn, self._create(conn, email, data, password), "password")
            if user["email_confirmed_at"] is not None:
                raise AuthError(422, "user_already_exists", "User already registered")
            # Invited, not confirmed yet: confirmed at once ("mailer_autoconfirm"), its
            # password left as it was, as Supabase Auth's signup does (internal/api/signup.go:
            # "we can't be sure of their claimed identity").
            confirmed = conn.execute(
                "update auth.users set email_confirmed_at = now() where id = %s returning *",
                (user["id"],),
            ).fetchone()
            return self._session(conn, confirmed or user, "password")

    # -- sessions ------------------------------------------------------------------------

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            session_id = self._refresh.pop(refresh_token, None)
            session = self._sessions.get(session_id or "")
            if session:
                session.refresh_tokens.discard(refresh_token)
        with self._connect() as conn:
            if session_id is None or session is None or not self._alive(conn, session_id):
                raise AuthError(
                    400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"
                )
            row = conn.execute(
                "select * from auth.users where id = %s", (session.user_id,)
            ).fetchone()
            if row is None:
                raise AuthError(400, "user_not_found", "User not found")
            return self._session(conn, row, "token_refresh", session_id)

    def _session(
        self,
        conn: psycopg.Connection[dict[str, Any]],
        user: dict[str, Any],
        method: str,
        session_id: str | None = None,
    ) -> dict[str, Any]:
        """A session for `user`, new or (refreshing) `session_id` continued."""
        if session_id is None:
            user = (
                conn.execute(
                    "update auth.users set last_sign_in_at = now() where id = %s returning *",
                    (user["id"],),
                ).fetchone()
                or user
            )
        now = int(time.time())
        if session_id is None:
            session_id = str(uuid.uuid4())
            conn.execute(
                "insert into auth.sessions (id, user_id, created_at, updated_at, tag)"
                " values (%s, %s, now(), now(), 'snsd-local')",
                (session_id, user["id"]),
            )
        else:
            conn.execute(
                "update auth.sessions set refreshed_at = now(), updated_at = now() where id = %s",
                (session_id,),
            )
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
            "amr": [{"method": method, "timestamp": now}],
            "session_id": session_id,
            "is_anonymous": False,
        }
        claims = hook(conn, base, method)
        refresh_token = secrets.token_urlsafe(24)
        with self._lock:
            session = self._sessions.setdefault(session_id, Session(str(user["id"])))
            session.refresh_tokens.add(refresh_token)
            self._refresh[refresh_token] = session_id
        return {
            "access_token": jwt.encode(claims, self.jwt_secret, algorithm="HS256"),
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME,
            "expires_at": now + TOKEN_LIFETIME,
            "refresh_token": refresh_token,
            "user": self._user_json(user),
        }

    def _caller(
        self, conn: psycopg.Connection[dict[str, Any]], authorization: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The claims of the request's bearer token and its user, as Supabase Auth checks them."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token")
        try:
            claims: dict[str, Any] = jwt.decode(
                token.strip(), self.jwt_secret, algorithms=["HS256"], audience="authenticated"
            )
        except jwt.PyJWTError as exc:
            raise AuthError(
                403, "bad_jwt", f"invalid JWT: unable to parse or verify signature, {exc}"
            ) from None
        row = conn.execute(
            "select * from auth.users where id::text = %s", (str(claims.get("sub")),)
        ).fetchone()
        if row is None:
            raise AuthError(403, "user_not_found", "User from sub claim in JWT does not exist")
        session_id = claims.get("session_id")
        if session_id and not self._alive(conn, str(session_id)):
            raise AuthError(
                403, "session_not_found", "Session from session_id claim in JWT does not exist"
            )
        return claims, row

    @staticmethod
    def _alive(conn: psycopg.Connection[dict[str, Any]], session_id: str) -> bool:
        return (
            conn.execute(
                "select from auth.sessions where id::text = %s"
                " and (not_after is null or not_after > now())",
                (session_id,),
            ).fetchone()
            is not None
        )

    def api_key_refusal(self, key: str | None) -> dict[str, str] | None:
        """What the gateway answers a request with this `apikey` (None: let it through)."""
        if not key:
            return NO_API_KEY
        try:
            claims = jwt.decode(
                key, self.jwt_secret, algorithms=["HS256"], options={"verify_aud": False}
            )
        except jwt.PyJWTError:
            return BAD_API_KEY
        return None if claims.get("role") in API_KEY_ROLES else BAD_API_KEY

    def get_user(self, authorization: str) -> dict[str, Any]:
        with self._connect() as conn:
            return self._user_json(self._caller(conn, authorization)[1])

    def update_user(
        self, authorization: str, body: dict[str, Any], redirect_to: str
    ) -> dict[str, Any]:
        """`data` merged into the user's metadata (a null removes a key); a new email mailed
        a confirmation link; a new password kept for the next sign-in."""
        data, email, password = body.get("data"), body.get("email"), body.get("password")
        with self._connect() as conn:
            _, row = self._caller(conn, authorization)
            if isinstance(password, str) and password:
                row = (
                    conn.execute(
                        "update auth.users set encrypted_password = %s, updated_at = now()"
                        " where id = %s returning *",
                        (hash_password(password), row["id"]),
                    ).fetchone()
                    or row
                )
            if isinstance(data, dict):
                metadata = {**(row["raw_user_meta_data"] or {}), **data}
                row = (
                    conn.execute(
                        "update auth.users set raw_user_meta_data = %s, updated_at = now()"
                        " where id = %s returning *",
                        (
                            json.dumps({k: v for k, v in metadata.items() if v is not None}),
                            row["id"],
                        ),
                    ).fetchone()
                    or row
                )
            if isinstance(email, str) and email.lower() != (row["email"] or "").lower():
                if self._find(conn, email):
                    raise AuthError(
                        422,
                        "email_exists",
                        "A user with this email address has already been registered",
                    )
                self._send(row, "email_change", redirect_to, new_email=email.lower())
            return self._user_json(row)

    def logout(self, authorization: str, scope: str) -> None:
        """End this session (`local`), the user's other sessions (`others`) or all of
        them (`global`, the default): their rows deleted from `auth.sessions`, as
        Supabase Auth deletes them (supabase/auth `models.Logout*`)."""
        with self._connect() as conn:
            claims, row = self._caller(conn, authorization)
            if scope not in {"", "global", "local", "others"}:
                raise AuthError(400, "validation_failed", f'Unsupported logout scope "{scope}"')
            mine, user_id = str(claims.get("session_id")), row["id"]
            if scope == "local":
                ended = conn.execute(
                    "delete from auth.sessions where id::text = %s returning id::text", (mine,)
                )
            elif scope == "others":
                ended = conn.execute(
                    "delete from auth.sessions where user_id = %s and id::text <> %s"
                    " returning id::text",
                    (user_id, mine),
                )
            else:
                ended = conn.execute(
                    "delete from auth.sessions where user_id = %s returning id::text", (user_id,)
                )
            ending = {r["id"] for r in ended.fetchall()}
        with self._lock:
            for session_id in ending:
                for token in self._sessions.pop(session_id, Session(str(user_id))).refresh_tokens:
                    self._refresh.pop(token, None)

    # -- mailed links ----------------------------------------------------------------------

    def _send(
        self, user: dict[str, Any], kind: str, redirect_to: str, new_email: str | None = None
    ) -> None:
        """Print the mail Supabase Auth would send: its link and its code."""
        token_hash = secrets.token_hex(28)
        to = new_email or user["email"]
        mail = Mail(
            user_id=str(user["id"]),
            email=to,
            kind=kind,
            code=f"{secrets.randbelow(10**6):06d}",
            expires=time.time() + LINK_LIFETIME,
            new_email=new_email,
        )
        with self._lock:
            # One pending mail of a kind per user: a new one replaces the old, as there.
            for stale, old in list(self._mail.items()):
                if (old.user_id, old.kind) == (mail.user_id, kind):
                    del self._mail[stale]
            self._mail[token_hash] = mail
        query = urlencode({"token": token_hash, "type": kind, "redirect_to": redirect_to})
        link = f"{self.url}/auth/v1/verify?{query}"
        print(f"[auth] mail to {to} ({kind}): {link}\n[auth]   or the code {mail.code}", flush=True)
        if self.mail is not None:
            self.mail.deliver(
                self.mail_from,
                [to],
                SUBJECTS.get(kind, "Confirm your mail"),
                f"Follow this link:\n{link}\n\nOr enter the code {mail.code}\n",
                f'<p><a href="{link}">Follow this link</a></p><p>Or enter the code {mail.code}</p>',
                source="supabase-auth",
            )

    def invite(self, authorization: str, body: dict[str, Any], redirect_to: str) -> dict[str, Any]:
        """The admin API's invite: a user for the address, unconfirmed until the link is
        followed, and the invite mailed; a confirmed account is refused."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token")
        try:
            claims = jwt.decode(
                token.strip(), self.jwt_secret, algorithms=["HS256"], options={"verify_aud": False}
            )
        except jwt.PyJWTError:
            raise AuthError(
                403, "bad_jwt", "invalid JWT: unable to parse or verify signature"
            ) from None
        if claims.get("role") not in ADMIN_ROLES:
            raise AuthError(403, "not_admin", "User not allowed")
        email = body.get("email")
        if not isinstance(email, str) or not email:
            raise AuthError(400, "validation_failed", "An email address is required")
        with self._connect() as conn:
            user = self._find(conn, email)
            if user is not None and user["email_confirmed_at"] is not None:
                raise AuthError(
                    422,
                    "email_exists",
                    "A user with this email address has already been registered",
                )
            if user is None:
                user = self._create(conn, email, body.get("data"), confirmed=False)
            user = (
                conn.execute(
                    "update auth.users set invited_at = now() where id = %s returning *",
                    (user["id"],),
                ).fetchone()
                or user
            )
        self._send(user, "invite", redirect_to)
        return self._user_json(user)

    def send_otp(self, body: dict[str, Any], redirect_to: str) -> None:
        email = body.get("email")
        if body.get("phone") and not email:
            raise AuthError(400, "phone_provider_disabled", "Unsupported phone provider")
        if not isinstance(email, str) or not email:
            raise AuthError(400, "validation_failed", "One of email or phone must be set")
        with self._connect() as conn:
            user = self._find(conn, email)
            if user is None:
                if body.get("create_user") is False:
                    raise AuthError(422, "otp_disabled", "Signups not allowed for otp")
                user = self._create(conn, email, body.get("data"))
        self._send(user, "magiclink", redirect_to)

    def recover(self, body: dict[str, Any], redirect_to: str) -> None:
        email = body.get("email")
        if not isinstance(email, str) or not email:
            raise AuthError(400, "validation_failed", "Password recovery requires an email")
        with self._connect() as conn:
            user = self._find(conn, email)
        if user is not None:  # an unknown address is answered the same: nothing to learn
            self._send(user, "recovery", redirect_to)

    def _redeem(self, found: Callable[[str, Mail], bool], kind: str) -> dict[str, Any]:
        """The session of the first unexpired mail `found` picks, used up."""
        with self._lock:
            token_hash = next((h for h, m in self._mail.items() if found(h, m)), None)
            mail = self._mail.pop(token_hash) if token_hash else None
        if mail is None or mail.kind not in VERIFY_TYPES.get(kind, set()):
            raise AuthError(403, "otp_expired", CODE_REFUSED)
        if mail.expires < time.time():
            raise AuthError(403, "otp_expired", CODE_REFUSED)
        with self._connect() as conn:
            if mail.new_email:
                if self._find(conn, mail.new_email):
                    raise AuthError(
                        422,
                        "email_exists",
                        "A user with this email address has already been registered",
                    )
                conn.execute(
                    "update auth.users set email = %s, updated_at = now() where id = %s",
                    (mail.new_email, mail.user_id),
                )
            if mail.kind == "invite":  # following the invite proves the address
                conn.execute(
                    "update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now())"
                    " where id = %s",
                    (mail.user_id,),
                )
            row = conn.execute("select * from auth.users where id = %s", (mail.user_id,)).fetchone()
            if row is None:
                raise AuthError(403, "otp_expired", CODE_REFUSED)
            return self._session(conn, row, "otp" if kind == "email" else kind)

    def verify(self, body: dict[str, Any]) -> dict[str, Any]:
        kind = str(body.get("type") or "")
        token_hash, email, code = body.get("token_hash"), body.get("email"), body.get("token")
        if token_hash:
            return self._redeem(lambda h, m: h == token_hash, kind)
        if isinstance(email, str) and code:
            return self._redeem(
                lambda h, m: m.email.lower() == email.lower() and m.code == str(code), kind
            )
        raise AuthError(400, "validation_failed", "Verify requires either a token or a token hash")

    def verify_link(self, query: dict[str, str]) -> str:
        """Where the mailed link sends the browser: the app, with the session (or the
        error) in the fragment, as Supabase Auth's implicit flow does."""
        redirect_to = query.get("redirect_to") or self.site_url
        if not redirect_to.startswith(self.site_url):
            redirect_to = self.site_url  # Supabase Auth's allow list: the site only
        kind = query.get("type", "")
        try:
            session = self._redeem(lambda h, m: h == query.get("token"), kind)
        except AuthError as exc:
            fragment = {"error": "access_denied", "error_code": exc.code}
            fragment["error_description"] = LINK_REFUSED
        else:
            fragment = {
                key: str(session[key])
                for key in ("access_token", "expires_at", "expires_in", "refresh_token")
            }
            fragment |= {"token_type": "bearer", "type": kind}
        return f"{redirect_to}#{urlencode(fragment)}"

    # -- HTTP ---------------------------------------------------------------------------

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)


Route = Callable[["Request"], tuple[int, Any]]


@dataclass
class Request:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    authorization: str

    @property
    def redirect_to(self) -> str:
        return self.query.get("redirect_to", "")


def routes(auth: LocalAuth) -> dict[tuple[str, str], Route]:
    def token(request: Request) -> tuple[int, Any]:
        grant = request.query.get("grant_type", "")
        if grant == "password":
            body = request.body
            return 200, auth.sign_in(str(body.get("email") or ""), str(body.get("password") or ""))
        if grant == "refresh_token":
            return 200, auth.refresh(str(request.body.get("refresh_token") or ""))
        raise AuthError(400, "validation_failed", "unsupported_grant_type")

    def signup(request: Request) -> tuple[int, Any]:
        body = request.body
        email, password = str(body.get("email") or ""), str(body.get("password") or "")
        return 200, auth.sign_up(email, password, body.get("data"))

    def update_user(request: Request) -> tuple[int, Any]:
        return 200, auth.update_user(request.authorization, request.body, request.redirect_to)

    def logout(request: Request) -> tuple[int, Any]:
        auth.logout(request.authorization, request.query.get("scope", ""))
        return 204, None

    def otp(request: Request) -> tuple[int, Any]:
        auth.send_otp(request.body, request.redirect_to)
        return 200, {}

    def recover(request: Request) -> tuple[int, Any]:
        auth.recover(request.body, request.redirect_to)
        return 200, {}

    def invite(request: Request) -> tuple[int, Any]:
        return 200, auth.invite(request.authorization, request.body, request.redirect_to)

    return {
        ("GET", "/auth/v1/.well-known/jwks.json"): lambda _: (200, {"keys": []}),
        ("GET", "/auth/v1/health"): lambda _: (200, {"name": "GoTrue (SnSD local stand-in)"}),
        ("GET", "/auth/v1/settings"): lambda _: (200, SETTINGS),
        ("GET", "/auth/v1/user"): lambda r: (200, auth.get_user(r.authorization)),
        ("PUT", "/auth/v1/user"): update_user,
        ("POST", "/auth/v1/token"): token,
        ("POST", "/auth/v1/signup"): signup,
        ("POST", "/auth/v1/logout"): logout,
        ("POST", "/auth/v1/otp"): otp,
        ("POST", "/auth/v1/recover"): recover,
        ("POST", "/auth/v1/invite"): invite,
        ("POST", "/auth/v1/verify"): lambda r: (200, auth.verify(r.body)),
    }


def _handler(auth: LocalAuth) -> type[BaseHTTPRequestHandler]:
    table = routes(auth)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            # supabase-js runs in browsers: any origin may ask for a token here.
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Expose-Headers", API_VERSION_HEADER)
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

        def _error(self, exc: AuthError) -> None:
            """Supabase Auth's error body for the API version the client asked for."""
            headers = {"x-sb-error-code": exc.code}
            if self.headers.get(API_VERSION_HEADER, "") >= API_VERSION_2024:
                headers[API_VERSION_HEADER] = API_VERSION_2024
                body: dict[str, Any] = {"code": exc.code, "message": exc.message}
            else:
                body = {"code": exc.status, "error_code": exc.code, "msg": exc.message}
            self._send(exc.status, body, headers)

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            try:
                if (method, url.path) == ("GET", "/auth/v1/verify"):
                    # The mailed link: opened by a browser, without a key, as there.
                    self._send(303, None, {"Location": auth.verify_link(query)})
                    return
                refusal = auth.api_key_refusal(self.headers.get("apikey") or query.get("apikey"))
                if refusal is not None and url.path not in KEYLESS:
                    self._send(401, refusal)
                    return
                route = table.get((method, url.path))
                if route is None:
                    raise AuthError(404, "not_found", "Not found")
                body = self._body() if method in {"POST", "PUT"} else {}
                request = Request(url.path, query, body, self.headers.get("Authorization", ""))
                self._send(*route(request))
            except AuthError as exc:
                self._error(exc)

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS")
            self.send_header(
                "Access-Control-Allow-Headers",
                "authorization, apikey, content-type, x-client-info, x-supabase-api-version",
            )
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def hook(
    conn: psycopg.Connection[dict[str, Any]], claims: dict[str, Any], method: str = "password"
) -> dict[str, Any]:
    """`claims` passed through `public.custom_access_token_hook` as Supabase Auth calls it."""
    event = {"user_id": claims["sub"], "claims": claims, "authentication_method": method}
    with conn.transaction():
        conn.execute("set local role supabase_auth_admin")
        row = conn.execute(
            "select public.custom_access_token_hook(%s::jsonb) as result", (json.dumps(event),)
        ).fetchone()
    if row is None:
        raise RuntimeError("the access token hook returned nothing")
    result: dict[str, Any] = row["result"]["claims"]
    return result
