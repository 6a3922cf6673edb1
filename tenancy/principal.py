"""Who is calling, in which tenant, with which role.

Supabase's custom access token hook writes the caller's memberships into the
token as `app_metadata.tenants = {tenant_id: role}`, so the tenant and the
role are known without a database round trip.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from tenancy.problems import BadRequest, Forbidden, Unauthorized

NIL_UUID = "00000000-0000-0000-0000-000000000000"


class Role(IntEnum):
    """Tenant roles; each includes every role below it."""

    viewer = 10
    member = 20
    admin = 30
    owner = 40


class TenantRequired(BadRequest):
    code = "tenant_required"


class TenantForbidden(Forbidden):
    code = "tenant_forbidden"


class RoleForbidden(Forbidden):
    code = "insufficient_role"


class SessionEnded(Unauthorized):
    """The token's Supabase Auth session is gone: signed out (or time-boxed and over)."""

    def __init__(self) -> None:
        super().__init__("This token's session has ended (signed out): sign in again")


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified token's caller."""

    user_id: str
    email: str | None
    tenants: dict[str, Role]
    # The Supabase Auth session the token belongs to (`session_id`); None for a
    # token that names none, which Supabase Auth itself checks against no session.
    session_id: str | None = None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        app_metadata = claims.get("app_metadata")
        raw = app_metadata.get("tenants") if isinstance(app_metadata, dict) else None
        tenants: dict[str, Role] = {}
        if isinstance(raw, dict):
            for tenant_id, role in raw.items():
                canonical = canonical_uuid(tenant_id)
                # A malformed entry grants nothing rather than failing the token.
                if canonical is not None and isinstance(role, str) and role in Role.__members__:
                    tenants[canonical] = Role[role]
        email = claims.get("email")
        return cls(
            user_id=str(claims["sub"]),
            email=email if isinstance(email, str) else None,
            tenants=tenants,
            session_id=session_of(claims),
        )


@dataclass(frozen=True, slots=True)
class TenantAccess:
    """A principal acting inside one tenant."""

    principal: Principal
    tenant_id: str
    role: Role

    def require(self, minimum: Role) -> None:
        if self.role < minimum:
            raise RoleForbidden(f"This action needs the {minimum.name} role in this tenant")


def select_tenant(principal: Principal, requested: str | None) -> TenantAccess:
    """Pick the tenant of a request as API.md prescribes."""
    if requested is not None:
        tenant_id = canonical_uuid(requested)
        if tenant_id is None or tenant_id not in principal.tenants:
            raise TenantForbidden("You are not a member of the tenant named by X-Tenant-ID")
        return TenantAccess(principal, tenant_id, principal.tenants[tenant_id])
    if not principal.tenants:
        raise TenantForbidden("You are not a member of any tenant")
    if len(principal.tenants) > 1:
        raise TenantRequired("You belong to several tenants: name one with X-Tenant-ID")
    [(tenant_id, role)] = principal.tenants.items()
    return TenantAccess(principal, tenant_id, role)


def session_of(claims: dict[str, Any]) -> str | None:
    """The token's `session_id` as Supabase Auth reads it: absent, empty or the nil UUID is none."""
    session_id = claims.get("session_id")
    return None if session_id in (None, "", NIL_UUID) else str(session_id)


def canonical_uuid(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
