"""The verified caller and the tenant a request acts in, for FastAPI routes.

The token and the tenant header are declared once (`BearerCredentials`,
`TenantHeader`) in one flat dependency per app; the checks are plain
functions it calls: each level of nested dependencies costs FastAPI tens of
microseconds a request (it scans every level's path, query, header and
cookie parameters). An app that uses them sets `app.state.token_verifier`
once at start-up. (No postponed annotations: FastAPI resolves them at run
time.)
"""

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tenancy.problems import Unauthorized
from tenancy.tokens import Verifier

# auto_error=False: a missing token is our 401 problem, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="A Supabase access token")


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
TenantHeader = Annotated[
    str | None,
    Header(description="The tenant to act in; optional when the caller has exactly one"),
]


def verified_claims(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> dict[str, Any]:
    """The bearer token's verified claims, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    verifier: Verifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)
