"""The problems of a tenant's usage."""

from __future__ import annotations

from tenancy.problems import ServiceUnavailable


class UsageUnavailable(ServiceUnavailable):
    code = "database_unavailable"
