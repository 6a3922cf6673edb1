"""The verified caller and the tenant a request acts in, for FastAPI routes.

Each app's caller is one dependency that is itself the bearer security
scheme (`BearerScheme`): FastAPI documents it exactly as it documents
`fastapi.security.HTTPBearer` (scheme `HTTPBearer`), and solves it in one
step, with only the parameters its `__call__` declares (the file API's:
`TenantHeader`). Each level of nested dependencies costs FastAPI tens of
microseconds a request (it scans every level's path, query, header and
cookie parameters; docs/benchmarks.md): the scheme as a dependency of its
own was one level more. The checks are plain functions. An app that uses
them sets `app.state.token_verifier` once at start-up. (No postponed
annotations: FastAPI resolves them at run time.)
"""

from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param

from tenancy.problems import Unauthorized
from tenancy.tokens import Verifier

TenantHeader = Annotated[
    str | None,
    Header(description="The tenant to act in; optional when the caller has exactly one"),
]


class BearerScheme(SecurityBase):
    """A dependency that is the bearer scheme: subclass it and define `__call__`.

    A missing token is our 401 problem (as `HTTPBearer(auto_error=False)`
    followed by our check), never FastAPI's 403.
    """

    def __init__(self) -> None:
        self.model = HTTPBearerModel(description="A Supabase access token")
        self.scheme_name = "HTTPBearer"


def bearer_token(request: Request) -> str:
    """The token of `Authorization: Bearer <token>` (the scheme in any case), or 401."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    if not token or scheme.lower() != "bearer":
        raise Unauthorized()
    return token


def verified_claims(request: Request) -> dict[str, Any]:
    """The bearer token's verified claims, or 401."""
    verifier: Verifier = request.app.state.token_verifier
    return verifier.verify(bearer_token(request))
