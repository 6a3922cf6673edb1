"""The problems of share links."""

from __future__ import annotations

from tenancy.problems import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
)


class ShareNotFound(NotFound):
    code = "share_not_found"


class ShareRevoked(Conflict):
    code = "share_revoked"


class ListingNotAllowed(Forbidden):
    code = "listing_not_allowed"


class SharesUnavailable(ServiceUnavailable):
    code = "database_unavailable"
