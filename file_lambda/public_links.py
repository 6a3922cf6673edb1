"""What every link a tenant hands to someone without an account stands on.

A share link (`shares/`, files out) and a file request (`requests/`, files
in) are both a URL with a secret in it, reached with no bearer token, often
by a browser that a client opened from an e-mail. This module is what they
share, and nothing domain-specific:

- **tokens**: 256 random bits, URL-safe; the database keeps only their
  SHA-256 (a token is random, so a slow hash adds nothing), so a copy of the
  table opens no link.
- **passwords**: scrypt (stdlib `hashlib`), a salt each, compared in
  constant time; stored as one self-describing string.
- **grants**: what a right password earns: a short-lived capability sealed
  (AES-GCM, `tenancy/sealing.py`) to one link, sent back in the
  `X-Link-Grant` header (the pages keep it in the tab's sessionStorage);
  `unlock` is the one way both kinds of link hand one out.
- **attempts**: fixed-window counters in Postgres (every Lambda environment
  sees the same), per link and per client address; over the limit is `429`
  with `Retry-After`.
- **the client's address**: the one the load balancer saw (the last entry of
  `X-Forwarded-For`, which the ALB appends; earlier ones are the client's
  word).
- **headers** every public answer carries: no referrer (the token is in the
  URL), no indexing, no caching; `PublicHeaders` puts them on every answer
  under `PUBLIC_PREFIXES`, problems included.
- **problems** both kinds of link answer: `404 link_not_found`, `410
  link_gone`, `403 wrong_password`, `401 password_required`.
- **when a link ends**: an `expires_at` date-time, 7 days ahead when none is
  given, at most the kind's setting of days ahead (`400 invalid_expires_at`
  otherwise); one function, so the two kinds cannot drift apart.
- **limits** both kinds of link count under: unknown tokens per address,
  password attempts per link and per address (docs/api.md, "Share links").
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from file_lambda.cursors import Cursors
from file_lambda.database import Database
from file_lambda.schemas import LinkGrant
from file_lambda.storage.port import InvalidContinuation
from tenancy.problems import (
    BadRequest,
    Forbidden,
    NotFound,
    Problem,
    ServiceUnavailable,
    Unauthorized,
)

TOKEN_BYTES = 32  # 256 bits: the issue asks for at least 128
# scrypt's cost: 16 MiB and about 50 ms a hash on one Lambda vCPU-second, which
# bounds a guesser at the attempt limits below, not at the hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
PASSWORD_MAX_CHARS = 256
PRUNE_ONE_IN = 200  # attempts counted per clearing of old windows, on average

# Every public answer: the token is in the URL, so no page may pass it on in a
# Referer, be indexed, or be kept by a cache between the client and us.
PUBLIC_HEADERS: Mapping[str, str] = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)]
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest + "==")
        actual = _scrypt(password, base64.urlsafe_b64decode(salt + "=="), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20, dklen=32)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# -- when a link ends ---------------------------------------------------------------

# A link made without an `expires_at` lives this long; every kind's maximum setting
# is at least this (settings.py), so the default always fits.
LINK_DEFAULT_DAYS = 7


class InvalidExpiresAt(BadRequest):
    code = "invalid_expires_at"


def link_expires_at(requested: datetime | None, max_days: int) -> datetime:
    """When a link ends: `requested` (UTC when it names no zone), or `LINK_DEFAULT_DAYS`
    ahead when None; `400 invalid_expires_at` unless after now and at most `max_days`
    ahead."""
    now = datetime.now(UTC)
    if requested is None:
        return now + timedelta(days=LINK_DEFAULT_DAYS)
    moment = requested if requested.tzinfo is not None else requested.replace(tzinfo=UTC)
    if not now < moment <= now + timedelta(days=max_days):
        raise InvalidExpiresAt(f"expires_at must lie between now and {max_days} days from now")
    return moment


# -- what every link answers when it does not open -----------------------------------


class LinkNotFound(NotFound):
    code = "link_not_found"

    def __init__(self) -> None:
        # One detail for every unknown token: nothing in it tells one miss from another.
        super().__init__("No link has this address")


class LinkGone(Problem):
    """A link that exists and no longer works; `detail` says why."""

    status = 410
    code = "link_gone"


class WrongPassword(Forbidden):
    code = "wrong_password"


# -- grants --------------------------------------------------------------------------


class GrantRequired(Unauthorized):
    code = "password_required"

    def __init__(self, detail: str = "This link needs its password: unlock it first") -> None:
        super().__init__(detail)
        # Not a bearer token's challenge: the grant comes from the link's unlock call.
        self.headers = {}


@dataclass(frozen=True, slots=True)
class Grant:
    """What a right password earns: access to one link until `expires` (Unix time)."""

    kind: str  # "share" or "request"
    link_id: str
    expires: int

    def seal(self, cursors: Cursors) -> str:
        return cursors.seal(_grant_scope(self.kind), {"l": self.link_id, "e": self.expires})

    @classmethod
    def issue(cls, kind: str, link_id: str, seconds: int) -> Grant:
        return cls(kind, link_id, int(time.time()) + seconds)

    @classmethod
    def check(cls, cursors: Cursors, kind: str, link_id: str, sealed: str | None) -> None:
        """Refuse (`401 password_required`) unless `sealed` is a live grant to this link."""
        if not sealed:
            raise GrantRequired()
        try:
            held = cursors.open(_grant_scope(kind), sealed)
            grant = cls(kind, str(held["l"]), int(held["e"]))
        except (InvalidContinuation, KeyError, TypeError, ValueError):
            raise GrantRequired("This unlock is not valid for this link: unlock again") from None
        if grant.link_id != link_id or time.time() >= grant.expires:
            raise GrantRequired("This unlock has expired or is for another link: unlock again")


def _grant_scope(kind: str) -> str:
    return f"file-api {kind} link grant"


# -- the client's address --------------------------------------------------------


def client_address(headers: Mapping[str, str], peer: str | None) -> str:
    """The address the load balancer saw: the last `X-Forwarded-For` entry it appended."""
    forwarded = headers.get("x-forwarded-for", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or peer or "unknown"


# -- attempts ----------------------------------------------------------------------


class TooManyAttempts(Problem):
    status = 429
    code = "too_many_attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class AttemptsUnavailable(ServiceUnavailable):
    code = "service_unavailable"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `attempts` in each fixed window of `seconds`."""

    name: str  # the counter's scope, e.g. "share password per link"
    attempts: int
    seconds: int

    def window_start(self, now: int) -> int:
        """The Unix time the window holding `now` began."""
        return now - now % self.seconds


class Attempts:
    """Counters of attempts, shared by every environment (`public.link_attempts`)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def count(self, limit: Limit, subject: str, detail: str) -> None:
        """Count one attempt at `subject`; refuse it (`429`) past the limit."""
        now = int(time.time())
        window = limit.window_start(now)
        try:
            rows = self._database.execute(
                "insert into public.link_attempts as a (scope, subject, window_start, attempts) "
                "values (%s, %s, to_timestamp(%s), 1) "
                "on conflict (scope, subject, window_start) "
                "do update set attempts = a.attempts + 1 returning a.attempts",
                (limit.name, subject, window),
            )
        except Exception as error:
            raise AttemptsUnavailable("Links cannot be checked right now; try again") from error
        if secrets.randbelow(PRUNE_ONE_IN) == 0:
            # Now and then, whoever counts clears windows long past (no scheduler needed).
            with contextlib.suppress(Exception):
                self._database.execute(
                    "delete from public.link_attempts where window_start < now() - interval '1 day'"
                )
        if int(rows[0][0]) > limit.attempts:
            raise TooManyAttempts(detail, window + limit.seconds - now)


class NoAttempts:
    """Without a database (unit tests of other parts): nothing is counted."""

    def count(self, limit: Limit, subject: str, detail: str) -> None:
        return None


def hashed_subject(*parts: str) -> str:
    """A counter's subject: a hash, so the table holds no token and no address in clear."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# Unknown tokens, per client address, whatever kind of link they were tried as: past
# the limit, every link answers that address `429` until the window ends, found or not
# (a guesser must not tell a hit from a miss by the answer). docs/api.md, "Share links".
UNKNOWN_TOKENS = Limit("unknown link tokens per address", 30, 600)
# Password attempts, right or wrong, counted before the password is checked (so past
# the limit no scrypt is computed): per link (subject: kind and link id), and per
# client address over all links. A guesser gets 10 tries a link each 15 minutes.
PASSWORDS_PER_LINK = Limit("link passwords per link", 10, 900)
PASSWORDS_PER_ADDRESS = Limit("link passwords per address", 30, 900)
# What a right password earns (`Grant`): an hour of the link.
GRANT_SECONDS = 3600


def unlock(
    cursors: Cursors,
    attempts: Attempts | NoAttempts,
    kind: str,
    link_id: str,
    password_hash: str | None,
    password: str,
    client: str,
) -> LinkGrant:
    """A grant to the link for its password (any, for a link without one), or `403
    wrong_password`.

    Attempts are counted before the password is checked, per link and per client
    address, so past either limit (`429`) no scrypt is even computed.
    """
    if password_hash is not None:
        wait = "Too many password attempts; wait before trying again"
        attempts.count(PASSWORDS_PER_LINK, hashed_subject(kind, link_id), wait)
        attempts.count(PASSWORDS_PER_ADDRESS, hashed_subject(client), wait)
        if not verify_password(password, password_hash):
            raise WrongPassword("This is not the link's password")
    grant = Grant.issue(kind, link_id, GRANT_SECONDS)
    return LinkGrant(
        grant=grant.seal(cursors), expires_at=datetime.fromtimestamp(grant.expires, UTC)
    )


# -- the headers of every public answer --------------------------------------------

PUBLIC_PREFIXES = ("/files/public/", "/files/s/", "/files/r/")


class PublicHeaders:
    """ASGI middleware: `PUBLIC_HEADERS` on every answer under `PUBLIC_PREFIXES`.

    In place of whatever a route or an error handler set for those names, and
    on problems too (a `404 link_not_found`'s URL holds a token as much as a
    page's does).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._names = {name.lower().encode() for name in PUBLIC_HEADERS}
        self._headers = [(k.lower().encode(), v.encode()) for k, v in PUBLIC_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_public(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                kept = [(k, v) for k, v in headers if k.lower() not in self._names]
                message = {**message, "headers": kept + self._headers}
            await send(message)

        await self.app(scope, receive, send_public)
