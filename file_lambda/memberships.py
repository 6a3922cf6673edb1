"""The caller's current tenant memberships and session, read from Supabase Postgres.

A token's `app_metadata.tenants` is a copy made when the token was issued: a
member removed or demoted since would keep their rights until it expires (an
hour). So the file API decides with the database's memberships, which each
container keeps for at most `ttl` seconds per user and session: a change
reaches every call within that, for one indexed query per user, session and
container per `ttl` rather than one per request.

The same query asks whether the token's session (its `session_id` claim) is
still in `auth.sessions`: signing out deletes it there (Supabase Auth's
`POST /logout`), so a signed-out session's access token is refused within
the same window, though it has not expired. A token naming no session is
judged by its memberships alone, as Supabase Auth judges it.

A tenant the kept copy does not know (just created, or just joined) is
looked up again at once, within a small budget per user and session
(`MISS_BURST` reads at once, then one per `miss_refresh` seconds): a new
membership works on the very next request, yet a caller naming random
tenants cannot turn every request into a query. When the database cannot be
read and the copy is older than `ttl`, the request fails closed with
`503 database_unavailable`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from file_lambda.database import Database
from tenancy.principal import Principal, Role, SessionEnded, canonical_uuid
from tenancy.problems import ServiceUnavailable

log = logging.getLogger(__name__)

# Users (and sessions) whose memberships a container keeps; past it the copies start over.
MAX_USERS = 4096
# Reads a tenant missing from the copy may cause at once, then one per MISS_REFRESH_SECONDS.
MISS_BURST = 2
MISS_REFRESH_SECONDS = 1.0


class MembershipsUnavailable(ServiceUnavailable):
    code = "database_unavailable"


@dataclass(frozen=True, slots=True)
class Standing:
    """What the database says of a caller now."""

    tenants: dict[str, Role]
    # Whether the token's session still exists (True for a token naming no session).
    signed_in: bool = True


class MembershipSource(Protocol):
    def fetch(self, user_id: str, session_id: str | None = None) -> Standing:
        """The user's memberships (tenant id -> role) and whether `session_id` lives."""
        ...


class PostgresMemberships(Database):
    """`MembershipSource` over the container's one connection (`database.py`).

    One round trip for both questions: the session's row (Supabase Auth deletes
    it on sign-out; `not_after` ends a time-boxed one) and the memberships, but
    those of deleted tenants (migration 20260202000300).
    """

    QUERY = (
        "select m.tenant_id::text, m.role::text, s.signed_in"
        " from (select %s::uuid is null or exists ("
        "   select from auth.sessions where id = %s::uuid and user_id = %s::uuid"
        "   and (not_after is null or not_after > now())) as signed_in) s"
        " left join (public.tenant_members m join public.tenants t"
        "   on t.id = m.tenant_id and t.deleted_at is null) on m.user_id = %s::uuid"
    )

    @staticmethod
    def params(user_id: str, session_id: str | None) -> tuple[str | None, ...]:
        return (session_id, session_id, user_id, user_id)

    def fetch(self, user_id: str, session_id: str | None = None) -> Standing:
        if canonical_uuid(user_id) is None:
            return Standing({})  # Supabase user ids are UUIDs: such a user is nobody's member
        if session_id is not None and canonical_uuid(session_id) is None:
            return Standing({}, signed_in=False)  # Supabase Auth's session ids are UUIDs too
        rows = self.execute(self.QUERY, self.params(user_id, session_id))
        tenants = {t: Role[role] for t, role, _ in rows if t and role in Role.__members__}
        return Standing(tenants, signed_in=bool(rows[0][2]))


@dataclass(slots=True)
class _Kept:
    standing: Standing
    read_at: float
    # When the next read for a missing tenant is due (a GCRA token bucket: a read may
    # come up to MISS_BURST - 1 intervals early).
    miss_due: float


class Memberships:
    """The memberships to judge a request by, kept per user and session for at most `ttl`."""

    def __init__(
        self,
        source: MembershipSource,
        *,
        ttl: float,
        miss_refresh: float = MISS_REFRESH_SECONDS,
        miss_burst: int = MISS_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._ttl = ttl
        self._miss_refresh = miss_refresh
        self._miss_early = miss_refresh * (miss_burst - 1)
        self._clock = clock
        self._kept: dict[tuple[str, str | None], _Kept] = {}

    def current(self, principal: Principal, requested: str | None) -> Principal:
        """`principal` with its token's memberships replaced by the current ones.

        Raises `SessionEnded` (401) when the token's session was signed out.
        """
        wanted = canonical_uuid(requested) if requested is not None else None
        key = (principal.user_id, principal.session_id)
        now = self._clock()
        kept = self._kept.get(key)
        if kept is not None and now - kept.read_at < self._ttl:
            tenants = kept.standing.tenants
            unknown = wanted not in tenants if wanted else not tenants
            if not (unknown and kept.standing.signed_in and self._may_miss(kept, now)):
                return self._judged(principal, kept.standing)
        try:
            standing = self._source.fetch(principal.user_id, principal.session_id)
        except Exception as exc:
            log.warning("memberships could not be read", extra={"error_type": type(exc).__name__})
            if kept is not None and now - kept.read_at < self._ttl:
                return self._judged(principal, kept.standing)
            raise MembershipsUnavailable(
                "Your tenant memberships could not be checked; try again shortly"
            ) from None
        if len(self._kept) >= MAX_USERS:
            self._kept.clear()
        self._kept[key] = _Kept(standing, now, kept.miss_due if kept else now)
        return self._judged(principal, standing)

    def _may_miss(self, kept: _Kept, now: float) -> bool:
        """Whether a tenant missing from the copy may be read now (and spend the budget)."""
        if now < kept.miss_due - self._miss_early:
            return False
        kept.miss_due = max(kept.miss_due, now) + self._miss_refresh
        return True

    @staticmethod
    def _judged(principal: Principal, standing: Standing) -> Principal:
        if not standing.signed_in:
            raise SessionEnded()
        return Principal(principal.user_id, principal.email, standing.tenants, principal.session_id)
