"""Memberships in the database that agree with the tokens a test mints.

The file API judges every request by the caller's memberships in Postgres
(`file_lambda/memberships.py`), not by the token's copy. Tests that mint a
token with `app_metadata.tenants` write the same memberships here first, so
the token tells the truth, and tests about stale tokens change only one side.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from tenancy.principal import Role, canonical_uuid

# Creates every test tenant (the creator becomes an owner by trigger), so that
# the test's own user can hold any role, or none, without touching the
# one-owner rule.
TENANT_CREATOR = "00000000-0000-4000-8000-00000000c0de"

_USER = """
insert into auth.users (id, aud, role, email, created_at, updated_at)
values (%s, 'authenticated', 'authenticated', %s, now(), now())
on conflict (id) do nothing
"""
_TENANT = """
insert into public.tenants (id, name, created_by) values (%s, 'test tenant', %s)
on conflict (id) do nothing
"""
_MEMBER = """
insert into public.tenant_members (tenant_id, user_id, role) values (%s, %s, %s)
on conflict (tenant_id, user_id) do update set role = excluded.role
"""


def register(database_url: str, claims: dict[str, Any]) -> None:
    """Make the database hold exactly the memberships `claims` carries for its user."""
    user = canonical_uuid(claims.get("sub"))
    if user is None:
        return  # not a Supabase user id: such a caller is nobody's member
    app_metadata = claims.get("app_metadata")
    raw = app_metadata.get("tenants") if isinstance(app_metadata, dict) else None
    tenants = {
        tenant: role
        for key, role in (raw.items() if isinstance(raw, dict) else [])
        if (tenant := canonical_uuid(key)) is not None
        and isinstance(role, str)
        and role in Role.__members__
    }
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        conn.execute(_USER, (TENANT_CREATOR, "tenant-creator@example.com"))
        conn.execute(_USER, (user, claims.get("email") or f"{user}@example.com"))
        conn.execute(
            "delete from public.tenant_members where user_id = %s and not (tenant_id = any(%s))",
            (user, [uuid.UUID(tenant) for tenant in tenants]),
        )
        for tenant, role in tenants.items():
            conn.execute(_TENANT, (tenant, TENANT_CREATOR))
            conn.execute(_MEMBER, (tenant, user, role))
