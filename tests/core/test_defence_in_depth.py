"""RLS holds even when a check in Python is wrong: with the service's own role
checks switched off, the database still refuses and the API still says 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from core_service import members
from tenancy.principal import TenantAccess
from tests.support.core import User
from tests.support.problems import assert_problem

Headers = Callable[[User], dict[str, str]]


@pytest.fixture
def no_python_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TenantAccess, "require", lambda self, minimum: None)
    monkeypatch.setattr(members, "may_manage", lambda caller, target: True)


@pytest.mark.usefixtures("no_python_checks")
def test_the_database_refuses_what_python_let_through(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    owner, admin, viewer, newcomer = (make_user() for _ in range(4))
    tenant = make_tenant(owner, {admin: "admin", viewer: "viewer"})
    url = f"/tenants/{tenant}/members"

    assert_problem(
        client.patch(f"/tenants/{tenant}", json={"name": "x"}, headers=auth(admin)),
        403,
        "insufficient_role",
    )
    invitations = f"/tenants/{tenant}/invitations"
    for caller, role in [(viewer, "viewer"), (admin, "admin"), (admin, "owner")]:
        assert_problem(
            client.post(
                invitations, json={"email": newcomer.email, "role": role}, headers=auth(caller)
            ),
            403,
            "insufficient_role",
        )
    owners_invitation = db.execute(
        "insert into public.tenant_invitations (tenant_id, email, role, invited_by)"
        " values (%s, 'future-owner@example.com', 'owner', %s) returning id::text",
        (tenant, owner.id),
    ).fetchone()
    assert owners_invitation is not None
    assert_problem(
        client.delete(f"{invitations}/{owners_invitation['id']}", headers=auth(admin)),
        403,
        "insufficient_role",
    )
    # What RLS hides from a viewer is simply absent.
    listed = client.get(invitations, headers=auth(viewer))
    assert listed.status_code == 200
    assert listed.json() == {"invitations": []}
    assert_problem(
        client.patch(f"{url}/{owner.id}", json={"role": "viewer"}, headers=auth(admin)),
        403,
        "insufficient_role",
    )
    assert_problem(
        client.patch(f"{url}/{viewer.id}", json={"role": "owner"}, headers=auth(admin)),
        403,
        "insufficient_role",
    )
    assert_problem(
        client.delete(f"{url}/{owner.id}", headers=auth(viewer)), 403, "insufficient_role"
    )

    rows = db.execute(
        "select user_id::text, role::text from public.tenant_members where tenant_id = %s",
        (tenant,),
    ).fetchall()
    assert {r["user_id"]: r["role"] for r in rows} == {
        owner.id: "owner",
        admin.id: "admin",
        viewer.id: "viewer",
    }
    assert db.execute("select name from public.tenants where id = %s", (tenant,)).fetchone() == {
        "name": "Acme"
    }
    invited = db.execute(
        "select email, status::text from public.tenant_invitations where tenant_id = %s",
        (tenant,),
    ).fetchall()
    assert invited == [{"email": "future-owner@example.com", "status": "pending"}]
