"""The caller's current tenant memberships, read from Supabase Postgres.

A token's `app_metadata.tenants` is a copy made when the token was issued: a
member removed or demoted since would keep their rights until it expires (an
hour). So the file API decides with the database's memberships, which each
container keeps for at most `ttl` seconds per user: a change reaches every
call within that, for one indexed query per user and container per `ttl`
rather than one per request.

A tenant the kept copy does not know (just created, or just joined) is
looked up again, at most once per `miss_refresh` seconds per user: a new
membership works at once, yet a caller naming random tenants cannot turn
every request into a query. When the database cannot be read and the copy is
older than `ttl`, the request fails closed with `503 database_unavailable`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from file_lambda.database import Database
from tenancy.principal import Principal, Role, canonical_uuid
from tenancy.problems import ServiceUnavailable

log = logging.getLogger(__name__)

# Users whose memberships a container keeps; past it the copies start over.
MAX_USERS = 4096
MISS_REFRESH_SECONDS = 5.0


class MembershipsUnavailable(ServiceUnavailable):
    code = "database_unavailable"


class MembershipSource(Protocol):
    def fetch(self, user_id: str) -> dict[str, Role]:
        """The user's memberships now: tenant id -> role."""
        ...


class PostgresMemberships(Database):
    """`MembershipSource` over the container's one connection (`database.py`)."""

    QUERY = "select tenant_id::text, role::text from public.tenant_members where user_id = %s"

    def fetch(self, user_id: str) -> dict[str, Role]:
        if canonical_uuid(user_id) is None:
            return {}  # Supabase user ids are UUIDs: such a user is nobody's member
        rows = self.execute(self.QUERY, (user_id,))
        return {tenant: Role[role] for tenant, role in rows if role in Role.__members__}


class Memberships:
    """The memberships to judge a request by, kept per user for at most `ttl` seconds."""

    def __init__(
        self,
        source: MembershipSource,
        *,
        ttl: float,
        miss_refresh: float = MISS_REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._ttl = ttl
        self._miss_refresh = miss_refresh
        self._clock = clock
        self._kept: dict[str, tuple[dict[str, Role], float]] = {}

    def current(self, principal: Principal, requested: str | None) -> Principal:
        """`principal` with its token's memberships replaced by the current ones."""
        wanted = canonical_uuid(requested) if requested is not None else None
        now = self._clock()
        kept = self._kept.get(principal.user_id)
        if kept is not None:
            tenants, read_at = kept
            age = now - read_at
            unknown = wanted not in tenants if wanted else not tenants
            if age < self._ttl and not (unknown and age >= self._miss_refresh):
                return Principal(principal.user_id, principal.email, tenants)
        try:
            tenants = self._source.fetch(principal.user_id)
        except Exception as exc:
            log.warning("memberships could not be read", extra={"error_type": type(exc).__name__})
            if kept is not None and now - kept[1] < self._ttl:
                return Principal(principal.user_id, principal.email, kept[0])
            raise MembershipsUnavailable(
                "Your tenant memberships could not be checked; try again shortly"
            ) from None
        if len(self._kept) >= MAX_USERS:
            self._kept.clear()
        self._kept[principal.user_id] = (tenants, now)
        return Principal(principal.user_id, principal.email, tenants)
