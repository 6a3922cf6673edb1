"""The problems of the pages."""

from __future__ import annotations

from tenancy.problems import NotFound, ServiceUnavailable


class AssetNotFound(NotFound):
    code = "asset_not_found"


class PagesNotBuilt(ServiceUnavailable):
    """The package was built without `make pages`: an operator's mistake, never a client's."""

    code = "pages_unavailable"
