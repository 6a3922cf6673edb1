"""The core endpoints (API.md, "Core service"). Each reads the request, calls
one service method inside the caller's transaction and shapes the response.

No `from __future__ import annotations`: FastAPI resolves these annotations
at run time.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response

from core_service.db import Database
from core_service.invitations import InvitationService
from core_service.mail import InvitationMailer
from core_service.members import MemberService
from core_service.readiness import run_checks
from core_service.schemas import (
    Health,
    Invitation,
    InvitationCreate,
    InvitationList,
    Me,
    Member,
    MemberList,
    MemberUpdate,
    Readiness,
    ReceivedInvitationList,
    Tenant,
    TenantCreate,
    TenantList,
    TenantUpdate,
)
from core_service.settings import Settings
from core_service.tenants import TenantService
from tenancy.dependencies import BearerScheme, verified_claims
from tenancy.principal import Principal, Role
from tenancy.problems import (
    ServiceUnavailable,
    operation_id,
    problem_response,
    problem_responses,
)

# Operation ids are the functions' names: generated clients call `list_tenants`, `get_me`.
router = APIRouter(generate_unique_id_function=operation_id)

AUTH_ERRORS = (401, 422, 503)
TENANT_ERRORS = (*AUTH_ERRORS, 403, 404)
# A body that is not JSON at all is refused before validation, with a 400;
# one over 8 KiB before it is read, with a 413 (bodies.py).
BODY_ERRORS = (400, 413)


@dataclass(frozen=True, slots=True)
class CallerContext:
    """The verified caller, and the transactions that run as them."""

    principal: Principal
    claims: dict[str, Any]
    database: Database

    @asynccontextmanager
    async def tenants(self) -> AsyncIterator[TenantService]:
        async with self.database.as_user(self.claims) as conn:
            yield TenantService(conn, self.principal)

    @asynccontextmanager
    async def members(self) -> AsyncIterator[MemberService]:
        async with self.database.as_user(self.claims) as conn:
            yield MemberService(conn, self.principal)

    @asynccontextmanager
    async def invitations(self) -> AsyncIterator[InvitationService]:
        async with self.database.as_user(self.claims) as conn:
            yield InvitationService(conn, self.principal)


class VerifiedCaller(BearerScheme):
    """The route's caller: the bearer scheme, resolved to the verified caller."""

    async def __call__(self, request: Request) -> CallerContext:
        claims = verified_claims(request)
        principal = Principal.from_claims(claims)
        # Who attempted it, should the core refuse it (audit.RefusedAttempts).
        request.state.audit_caller = principal.user_id
        return CallerContext(principal, claims, request.app.state.database)


Caller = Annotated[CallerContext, Depends(VerifiedCaller())]


# -- health -----------------------------------------------------------------------


@router.get("/health", response_model=Health, tags=["health"])
async def health() -> Health:
    """Liveness for the load balancer; touches no dependency."""
    return Health(status="ok")


ALIVE = Health(status="ok").model_dump_json().encode()


async def liveness(request: Request) -> Response:
    """`health` as served: a plain Starlette route in front of FastAPI's routing.

    The load balancer asks every task every 30 s, and this answer touches
    nothing, so FastAPI's per-request work (matching among all the routes,
    solving dependencies, validating and serialising the model) would be
    all it cost: a one-route typed FastAPI app answers under half of what
    bare Starlette does under the same uvicorn (docs/benchmarks.md). The route
    declared above stays for the OpenAPI document and its clients; a test
    holds the two answers equal. The middlewares still run.
    """
    return Response(ALIVE, media_type="application/json")


@router.get(
    "/ready",
    response_model=Readiness,
    tags=["health"],
    responses=problem_responses(503),
)
async def ready(request: Request) -> Any:
    """Readiness: 200 when Postgres and S3 answer, else 503 naming what failed."""
    settings: Settings = request.app.state.settings
    checks = await run_checks(request.app.state.readiness_checks, settings.ready_timeout)
    failed = [name for name, outcome in checks.items() if outcome != "ok"]
    if failed:
        return problem_response(
            request,
            503,
            "not_ready",
            f"Not ready: {', '.join(failed)} not answering",
            {"Retry-After": str(ServiceUnavailable.retry_after_seconds)},
            checks=checks,
        )
    return Readiness(status="ready", checks=checks)


# -- me -----------------------------------------------------------------------------


@router.get("/me", response_model=Me, tags=["me"], responses=problem_responses(*AUTH_ERRORS))
async def get_me(caller: Caller) -> Me:
    """The caller and their memberships."""
    async with caller.tenants() as tenants:
        memberships = await tenants.memberships()
    return Me.model_validate(
        {
            "user_id": caller.principal.user_id,
            "email": caller.principal.email,
            "tenants": memberships,
        }
    )


# -- tenants ------------------------------------------------------------------------


@router.post(
    "/tenants",
    status_code=201,
    response_model=Tenant,
    tags=["tenants"],
    responses=problem_responses(*AUTH_ERRORS, *BODY_ERRORS),
)
async def create_tenant(caller: Caller, body: TenantCreate) -> Tenant:
    """Create a tenant; the caller becomes its owner (in tokens from the next refresh)."""
    async with caller.tenants() as tenants:
        return await tenants.create(body.name)


@router.get(
    "/tenants",
    response_model=TenantList,
    tags=["tenants"],
    responses=problem_responses(*AUTH_ERRORS),
)
async def list_tenants(caller: Caller) -> TenantList:
    """The tenants the caller belongs to, with their role in each."""
    async with caller.tenants() as tenants:
        return TenantList(tenants=await tenants.mine())


@router.get(
    "/tenants/{tenant_id}",
    response_model=Tenant,
    tags=["tenants"],
    responses=problem_responses(*TENANT_ERRORS),
)
async def get_tenant(caller: Caller, tenant_id: uuid.UUID) -> Tenant:
    """One of the caller's tenants."""
    async with caller.tenants() as tenants:
        return await tenants.get(tenant_id)


@router.patch(
    "/tenants/{tenant_id}",
    response_model=Tenant,
    tags=["tenants"],
    responses=problem_responses(*TENANT_ERRORS, *BODY_ERRORS),
)
async def rename_tenant(caller: Caller, tenant_id: uuid.UUID, body: TenantUpdate) -> Tenant:
    """Rename a tenant, or change its settings (owners only)."""
    async with caller.tenants() as tenants:
        return await tenants.change(tenant_id, body.name, body.members_read_pending)


# -- members ------------------------------------------------------------------------


@router.get(
    "/tenants/{tenant_id}/members",
    response_model=MemberList,
    tags=["members"],
    responses=problem_responses(*TENANT_ERRORS),
)
async def list_members(caller: Caller, tenant_id: uuid.UUID) -> MemberList:
    """The tenant's members (any member may see them)."""
    async with caller.members() as members:
        return MemberList(members=await members.list(tenant_id))


@router.patch(
    "/tenants/{tenant_id}/members/{user_id}",
    response_model=Member,
    tags=["members"],
    responses=problem_responses(*TENANT_ERRORS, *BODY_ERRORS, 409),
)
async def change_member_role(
    caller: Caller, tenant_id: uuid.UUID, user_id: uuid.UUID, body: MemberUpdate
) -> Member:
    """Change a member's role; the last owner cannot be demoted."""
    async with caller.members() as members:
        return await members.change_role(tenant_id, user_id, Role[body.role])


@router.delete(
    "/tenants/{tenant_id}/members/{user_id}",
    status_code=204,
    response_class=Response,
    tags=["members"],
    responses=problem_responses(*TENANT_ERRORS, 409),
)
async def remove_member(caller: Caller, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    """Remove a member, or leave (any member may remove themselves); the last owner stays."""
    async with caller.members() as members:
        await members.remove(tenant_id, user_id)
    return Response(status_code=204)


# -- invitations --------------------------------------------------------------------


@router.post(
    "/tenants/{tenant_id}/invitations",
    status_code=201,
    response_model=Invitation,
    tags=["invitations"],
    responses=problem_responses(*TENANT_ERRORS, *BODY_ERRORS, 409),
)
async def create_invitation(
    caller: Caller,
    tenant_id: uuid.UUID,
    body: InvitationCreate,
    request: Request,
    background: BackgroundTasks,
) -> Invitation:
    """Invite an e-mail address with a role; it grants nothing until the invitee accepts."""
    async with caller.invitations() as invitations:
        invitation = await invitations.create(tenant_id, body.email, Role[body.role])
    _mail_after_answer(request, background, invitation)
    return invitation


@router.get(
    "/tenants/{tenant_id}/invitations",
    response_model=InvitationList,
    tags=["invitations"],
    responses=problem_responses(*TENANT_ERRORS),
)
async def list_invitations(caller: Caller, tenant_id: uuid.UUID) -> InvitationList:
    """The tenant's pending invitations (admins and owners)."""
    async with caller.invitations() as invitations:
        return InvitationList(invitations=await invitations.pending(tenant_id))


@router.delete(
    "/tenants/{tenant_id}/invitations/{invitation_id}",
    status_code=204,
    response_class=Response,
    tags=["invitations"],
    responses=problem_responses(*TENANT_ERRORS),
)
async def revoke_invitation(
    caller: Caller, tenant_id: uuid.UUID, invitation_id: uuid.UUID
) -> Response:
    """Revoke a pending invitation (by the roles that may grant its role)."""
    async with caller.invitations() as invitations:
        await invitations.revoke(tenant_id, invitation_id)
    return Response(status_code=204)


@router.post(
    "/tenants/{tenant_id}/invitations/{invitation_id}/resend",
    status_code=202,
    response_model=Invitation,
    tags=["invitations"],
    responses=problem_responses(*TENANT_ERRORS, 429),
)
async def resend_invitation(
    caller: Caller,
    tenant_id: uuid.UUID,
    invitation_id: uuid.UUID,
    request: Request,
    background: BackgroundTasks,
) -> Invitation:
    """Mail a pending invitation again (by the roles that may grant its role; once a minute)."""
    settings: Settings = request.app.state.settings
    async with caller.invitations() as invitations:
        invitation = await invitations.request_mail(
            tenant_id, invitation_id, settings.invitation_resend_seconds
        )
    _mail_after_answer(request, background, invitation)
    return invitation


def _mail_after_answer(
    request: Request, background: BackgroundTasks, invitation: Invitation
) -> None:
    """The invitee's mail, sent once the invitation is committed and the caller answered
    (core_service/mail.py); a service without a sender (MAIL_FROM) sends none."""
    mailer: InvitationMailer | None = request.app.state.invitation_mailer
    if mailer is not None:
        background.add_task(mailer.deliver, invitation.id)


@router.get(
    "/invitations",
    response_model=ReceivedInvitationList,
    tags=["invitations"],
    responses=problem_responses(*AUTH_ERRORS),
)
async def list_received_invitations(caller: Caller) -> ReceivedInvitationList:
    """The caller's own open invitations, matched by their token's verified e-mail."""
    async with caller.invitations() as invitations:
        return ReceivedInvitationList(invitations=await invitations.received())


@router.post(
    "/invitations/{invitation_id}/accept",
    response_model=Tenant,
    tags=["invitations"],
    responses=problem_responses(*AUTH_ERRORS, 404, 409),
)
async def accept_invitation(caller: Caller, invitation_id: uuid.UUID) -> Tenant:
    """Accept one of the caller's open invitations: join its tenant with its role."""
    async with caller.invitations() as invitations:
        return await invitations.accept(invitation_id)


@router.post(
    "/invitations/{invitation_id}/decline",
    status_code=204,
    response_class=Response,
    tags=["invitations"],
    responses=problem_responses(*AUTH_ERRORS, 404),
)
async def decline_invitation(caller: Caller, invitation_id: uuid.UUID) -> Response:
    """Decline one of the caller's open invitations."""
    async with caller.invitations() as invitations:
        await invitations.decline(invitation_id)
    return Response(status_code=204)
