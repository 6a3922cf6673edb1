"""The problems of share links."""

from __future__ import annotations

from tenancy.problems import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ServiceUnavailable,
)


class InvalidExpiresAt(BadRequest):
    code = "invalid_expires_at"


class ShareNotFound(NotFound):
    code = "share_not_found"


class ShareRevoked(Conflict):
    code = "share_revoked"


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


class ListingNotAllowed(Forbidden):
    code = "listing_not_allowed"


class SharesUnavailable(ServiceUnavailable):
    code = "database_unavailable"
