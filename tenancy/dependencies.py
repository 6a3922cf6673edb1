"""FastAPI dependencies: the verified caller and the tenant a request acts in.

An app that uses them sets `app.state.token_verifier` once at start-up.
(No postponed annotations: FastAPI resolves them at run time.)
"""

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tenancy.principal import Principal, Role, TenantAccess, select_tenant
from tenancy.problems import Unauthorized
from tenancy.tokens import Verifier

# auto_error=False: a missing token is our 401 problem, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="A Supabase access token")


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
TenantHeader = Annotated[
    str | None,
    Header(description="The tenant to act in; optional when the caller has exactly one"),
]


def _verify(request: Request, credentials: HTTPAuthorizationCredentials | None) -> dict[str, Any]:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    verifier: Verifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


async def verified_claims(request: Request, credentials: BearerCredentials) -> dict[str, Any]:
    """The bearer token's verified claims (verified once per request: FastAPI caches it)."""
    return _verify(request, credentials)


VerifiedClaims = Annotated[dict[str, Any], Depends(verified_claims)]


async def current_principal(claims: VerifiedClaims) -> Principal:
    return Principal.from_claims(claims)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def tenant_access(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    x_tenant_id: str | None,
    minimum: Role,
) -> TenantAccess:
    """The request's tenant, refusing callers below `minimum`.

    A plain function, called by one flat dependency that declares the token
    and the header (file_lambda.routes.files_as): each level of nested
    dependencies costs FastAPI tens of microseconds a request (it scans every
    level's path, query, header and cookie parameters), and the file API runs
    this on every warm invocation.
    """
    principal = Principal.from_claims(_verify(request, credentials))
    access = select_tenant(principal, x_tenant_id)
    access.require(minimum)
    return access
