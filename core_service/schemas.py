"""Request and response bodies of the core routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

RoleName = Literal["owner", "admin", "member", "viewer"]
InvitationStatus = Literal["pending", "accepted", "declined", "revoked", "expired"]
MailStatus = Literal["pending", "sent", "failed"]
# No control characters (Postgres text cannot even hold NUL): a 400, never a 500.
TenantName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=320,
        pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$",
    ),
]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    checks: dict[str, str]


class Me(BaseModel):
    user_id: str
    email: str | None
    tenants: dict[str, RoleName] = Field(
        description="The caller's memberships now (the token's copy updates on refresh)"
    )


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: TenantName


class TenantUpdate(BaseModel):
    """What an owner changes of a tenant: its name, its settings, or both."""

    model_config = ConfigDict(extra="forbid")
    name: TenantName | None = None
    members_read_pending: bool | None = Field(
        default=None,
        description="Whether members may read files whose malware scan has no verdict yet "
        "(the member who wrote one always may; a share link never)",
    )

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if self.name is None and self.members_read_pending is None:
            raise ValueError("name or members_read_pending is required")
        return self


class Tenant(BaseModel):
    id: uuid.UUID
    name: str
    role: RoleName = Field(description="The caller's role in this tenant")
    members_read_pending: bool = Field(
        description="Whether members may read files whose malware scan has no verdict yet"
    )
    created_at: datetime
    updated_at: datetime


class TenantList(BaseModel):
    tenants: list[Tenant]


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: RoleName


class Member(BaseModel):
    user_id: uuid.UUID
    email: str | None
    role: RoleName
    created_at: datetime
    updated_at: datetime


class MemberList(BaseModel):
    members: list[Member]


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    role: RoleName = "member"


class Invitation(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str = Field(description="The invited address, lower-cased")
    role: RoleName = Field(description="The role the invitee gets on accepting")
    status: InvitationStatus
    invited_by: uuid.UUID
    created_at: datetime
    expires_at: datetime
    mail_status: MailStatus = Field(
        description="The invitee's e-mail: pending (being sent), sent (handed to Supabase "
        "Auth or Amazon SES), failed (a manager may resend it)"
    )
    mailed_at: datetime | None = Field(description="When the last mail was sent; null: never")


class InvitationList(BaseModel):
    invitations: list[Invitation]


class ReceivedInvitation(Invitation):
    tenant_name: str = Field(description="The tenant the caller is invited to join")


class ReceivedInvitationList(BaseModel):
    invitations: list[ReceivedInvitation]


# -- the audit trail (core_service/audit.py) ------------------------------------------

AuditSource = Literal["api", "bucket", "core"]
AuditOutcome = Literal["succeeded", "refused", "failed"]


class AuditEvent(BaseModel):
    id: int = Field(description="Increasing in the order rows were written")
    occurred_at: datetime
    actor: uuid.UUID | None = Field(
        description="The user who acted; null when unknown (the bucket's own changes)"
    )
    source: AuditSource = Field(
        description="api: a file API request; bucket: a change S3 reported; core: the core"
    )
    action: str = Field(description="What happened (docs/api.md, Audit trail)")
    path: str | None = Field(description="The file or folder, relative to the tenant's root")
    version_id: str | None
    size: int | None = Field(description="Bytes of the version, where known")
    outcome: AuditOutcome
    status: int | None = Field(description="The HTTP status answered (api rows)")
    code: str | None = Field(description="The problem's code of a refusal or failure")
    request_id: str | None = Field(description="The request's id, as its answer carried it")
    detail: dict[str, Any] = Field(description="A few facts more: a move's source, roles, ...")


class AuditPage(BaseModel):
    items: list[AuditEvent] = Field(description="Newest first")
    next_cursor: str | None = Field(description="`cursor` of the next page; null at the end")


# -- quotas (core_service/quotas.py) ---------------------------------------------------

QuotaLimit = Annotated[int | None, Field(default=None, ge=0, le=2**63 - 1)]


class QuotaUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_bytes: QuotaLimit = Field(
        default=None, description="Bytes the tenant may store, every version; null: no limit"
    )
    max_objects: QuotaLimit = Field(
        default=None, description="Objects (versions) the tenant may store; null: no limit"
    )


class QuotaUsage(BaseModel):
    size: int = Field(description="Bytes")
    objects: int


class TenantQuota(BaseModel):
    tenant_id: uuid.UUID
    max_bytes: int | None = Field(description="null: no limit")
    max_objects: int | None = Field(description="null: no limit")
    used: QuotaUsage = Field(
        description="What the bucket stores: every version, deleted files in the trash "
        "included until purged or expired"
    )
    reserved: QuotaUsage = Field(
        description="Claimed by uploads in progress (presigned forms, multipart uploads) "
        "and by writes the usage does not show yet"
    )
    updated_at: datetime | None = Field(description="When the quota was last set; null: never")
