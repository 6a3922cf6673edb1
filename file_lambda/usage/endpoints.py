"""The endpoint of a tenant's usage (docs/api.md, "Usage").

No `from __future__ import annotations` here: FastAPI resolves these
annotations at run time.
"""

from typing import Annotated

from fastapi import APIRouter

from file_lambda.dependencies import AUTH_ERRORS, tenant_service
from file_lambda.usage.schemas import TenantUsage
from file_lambda.usage.service import UsageReport
from tenancy.principal import Role
from tenancy.problems import operation_id, problem_responses

router = APIRouter(prefix="/files", tags=["files"], generate_unique_id_function=operation_id)

UsageAsViewer = Annotated[UsageReport, tenant_service(UsageReport, Role.viewer)]


@router.get("/usage", response_model=TenantUsage, responses=problem_responses(*AUTH_ERRORS))
async def get_usage(usage: UsageAsViewer) -> TenantUsage:
    """Bytes and objects the tenant stores, in all and by top-level folder.

    Counted from the bucket's own change notifications, so presigned uploads
    and lifecycle expirations are in it; a change shows within seconds.
    """
    return usage.report()
