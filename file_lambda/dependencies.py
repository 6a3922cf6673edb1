"""What every domain's endpoints take from a request: the tenant's service, for callers
of at least a role, and the query parameters more than one domain declares.

No `from __future__ import annotations` here: FastAPI resolves these
annotations at run time.
"""

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from file_lambda.memberships import Memberships
from file_lambda.tenant_files import TenantFiles
from tenancy.dependencies import BearerScheme, TenantHeader, verified_claims
from tenancy.principal import Principal, Role, canonical_uuid, select_tenant


class TenantService[S: TenantFiles](BearerScheme):
    """A dependency: `service` of the request's tenant, for callers of at least `minimum`.

    The tenant and the role come from the caller's current memberships
    (`memberships.py`), not from the token's copy of them.
    """

    def __init__(self, service: type[S], minimum: Role) -> None:
        super().__init__()
        self.service = service
        self.minimum = minimum

    async def __call__(self, request: Request, x_tenant_id: TenantHeader = None) -> S:
        state = request.app.state
        principal = Principal.from_claims(verified_claims(request))
        if x_tenant_id is not None and canonical_uuid(x_tenant_id) is None:
            # Malformed, not forbidden: no tenant could have that id.
            raise RequestValidationError(
                [{"loc": ("header", "x-tenant-id"), "msg": "X-Tenant-ID must be a UUID"}]
            )
        memberships: Memberships = state.memberships
        access = select_tenant(memberships.current(principal, x_tenant_id), x_tenant_id)
        access.require(self.minimum)
        return self.service.for_request(state, access)


def tenant_service[S: TenantFiles](service: type[S], minimum: Role) -> Any:
    return Depends(TenantService(service, minimum))


AUTH_ERRORS = (400, 401, 403, 503)

FolderQuery = Annotated[
    str, Query(description="Folder relative to the tenant's root; empty is the root")
]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="Entries a page, 1 to 1000")]
CursorQuery = Annotated[str | None, Query(description="next_cursor of the previous page")]
