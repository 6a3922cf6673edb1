"""A tenant's deletion by name, its grace period and undo (core_service/deletions.py,
migration 20260202000300), on the session's Postgres."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.support.core import User
from tests.support.problems import assert_problem

Auth = Callable[[User], dict[str, str]]


def test_an_owner_deletes_by_name_and_restores_within_the_grace_period(
    client: TestClient,
    db: psycopg.Connection[dict[str, Any]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Auth,
) -> None:
    owner, member, invitee = make_user(), make_user(), make_user()
    tenant = make_tenant(owner, {member: "member"}, name="Acme Deletion")
    db.execute(
        "insert into public.tenant_invitations (tenant_id, email, role, invited_by)"
        " values (%s, %s, 'member', %s)",
        (tenant, invitee.email, owner.id),
    )
    (invitation,) = client.get("/invitations", headers=auth(invitee)).json()["invitations"]

    wrong = client.delete(f"/tenants/{tenant}", params={"confirm": "acme deletion"},
                          headers=auth(owner))  # fmt: skip
    assert_problem(wrong, 400, "confirmation_mismatch")
    by_member = client.delete(f"/tenants/{tenant}", params={"confirm": "Acme Deletion"},
                              headers=auth(member))  # fmt: skip
    assert_problem(by_member, 403, "insufficient_role")

    deleted = client.delete(f"/tenants/{tenant}", params={"confirm": "Acme Deletion"},
                            headers=auth(owner))  # fmt: skip
    assert deleted.status_code == 202, deleted.text
    body = deleted.json()
    assert body["id"] == tenant
    assert body["deleted_by"] == owner.id
    row = db.execute(
        "select purge_after - deleted_at as grace from public.tenants where id = %s", (tenant,)
    ).fetchone()
    assert row is not None
    assert row["grace"].days == 30

    # At once, for every member, the owner included: the tenant is gone from every read.
    for user in (owner, member):
        assert_problem(client.get(f"/tenants/{tenant}", headers=auth(user)), 404,
                       "tenant_not_found")  # fmt: skip
        listed = client.get("/tenants", headers=auth(user)).json()["tenants"]
        assert tenant not in [t["id"] for t in listed]
    assert_problem(client.delete(f"/tenants/{tenant}", params={"confirm": "Acme Deletion"},
                                 headers=auth(owner)), 404, "tenant_not_found")  # fmt: skip
    # A token issued now names no role there (the custom access token hook).
    hooked = db.execute(
        "select public.custom_access_token_hook(jsonb_build_object('user_id', %s::text,"
        " 'claims', '{}'::jsonb)) -> 'claims' -> 'app_metadata' -> 'tenants' as t",
        (member.id,),
    ).fetchone()
    assert hooked is not None
    assert tenant not in hooked["t"]

    # Its invitations can be neither seen nor accepted.
    assert client.get("/invitations", headers=auth(invitee)).json() == {"invitations": []}
    accepted = client.post(f"/invitations/{invitation['id']}/accept", headers=auth(invitee))
    assert_problem(accepted, 404, "invitation_not_found")

    # Only its owners see it among the deleted.
    mine = client.get("/tenants/deleted", headers=auth(owner)).json()["tenants"]
    assert [t["id"] for t in mine] == [tenant]
    assert client.get("/tenants/deleted", headers=auth(member)).json() == {"tenants": []}
    assert_problem(client.post(f"/tenants/{tenant}/restore", headers=auth(member)), 404,
                   "tenant_not_found")  # fmt: skip

    restored = client.post(f"/tenants/{tenant}/restore", headers=auth(owner))
    assert restored.status_code == 204, restored.text
    members = client.get(f"/tenants/{tenant}/members", headers=auth(member)).json()
    assert {m["user_id"]: m["role"] for m in members["members"]} == {
        owner.id: "owner",
        member.id: "member",
    }
    assert client.get(f"/tenants/{tenant}/invitations", headers=auth(owner)).status_code == 200
    again = client.get("/invitations", headers=auth(invitee)).json()["invitations"]
    assert [i["id"] for i in again] == [invitation["id"]]
    assert_problem(client.post(f"/tenants/{tenant}/restore", headers=auth(owner)), 409,
                   "tenant_not_deleted")  # fmt: skip
    actions = [
        r["action"]
        for r in db.execute(
            "select action from public.audit_events where tenant_id = %s and source = 'core'"
            " order by id",
            (tenant,),
        ).fetchall()
    ]
    # (Refused attempts are rows too: core_service/audit.py.)
    assert [a for a in actions if a.startswith("tenant_")][-2:] == [
        "tenant_deleted",
        "tenant_restored",
    ]


def test_after_the_grace_period_the_tenant_cannot_be_restored(
    client: TestClient,
    db: psycopg.Connection[dict[str, Any]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Auth,
) -> None:
    owner = make_user()
    tenant = make_tenant(owner, name="Late")
    answer = client.delete(f"/tenants/{tenant}", params={"confirm": "Late"}, headers=auth(owner))
    assert answer.status_code == 202
    db.execute(
        "update public.tenants set purge_after = now() - interval '1 second' where id = %s",
        (tenant,),
    )
    assert_problem(client.post(f"/tenants/{tenant}/restore", headers=auth(owner)), 410,
                   "grace_period_ended")  # fmt: skip
