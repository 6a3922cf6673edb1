"""Row-level security, straight in SQL: what a caller's own transaction can do,
set up the way the core service (and PostgREST) sets it up."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from tests.support.core import User

Conn = psycopg.Connection[dict[str, Any]]
NEW_TENANT = "00000000-0000-4000-8000-000000000001"


@contextmanager
def acting_as(db: Conn, user: User) -> Iterator[Conn]:
    """A transaction as `user` (role authenticated, their claims), rolled back after."""
    tx = db.transaction(force_rollback=True)
    with tx:
        db.execute(
            "select set_config('role', 'authenticated', true),"
            " set_config('request.jwt.claims', %s, true)",
            (
                json.dumps(
                    {
                        "sub": user.id,
                        "email": user.email,
                        "role": "authenticated",
                        "aud": "authenticated",
                    }
                ),
            ),
        )
        yield db


@pytest.fixture
def two_tenants(
    make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> tuple[User, str, User, str]:
    a, b = make_user(), make_user()
    return a, make_tenant(a, name="A corp"), b, make_tenant(b, name="B corp")


def test_a_user_sees_only_their_tenants_and_co_members(
    db: Conn, two_tenants: tuple[User, str, User, str]
) -> None:
    a, tenant_a, _b, tenant_b = two_tenants
    with acting_as(db, a):
        assert [r["id"] for r in db.execute("select id::text from public.tenants").fetchall()] == [
            tenant_a
        ]
        rows = db.execute(
            "select tenant_id::text, user_id::text from public.tenant_members"
        ).fetchall()
        assert rows == [{"tenant_id": tenant_a, "user_id": a.id}]
        assert (
            db.execute("select * from public.tenants where id = %s", (tenant_b,)).fetchall() == []
        )
        assert db.execute("select * from private.member_emails(%s)", (tenant_b,)).fetchall() == []


def test_a_user_cannot_change_another_tenants_rows(
    db: Conn, two_tenants: tuple[User, str, User, str]
) -> None:
    a, _tenant_a, b, tenant_b = two_tenants
    with acting_as(db, a):
        assert (
            db.execute(
                "update public.tenants set name = 'pwned' where id = %s", (tenant_b,)
            ).rowcount
            == 0
        )
        assert (
            db.execute(
                "delete from public.tenant_members where tenant_id = %s", (tenant_b,)
            ).rowcount
            == 0
        )
        assert db.execute("delete from public.tenants where id = %s", (tenant_b,)).rowcount == 0
    with acting_as(db, a), pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute(
            "insert into public.tenant_members (tenant_id, user_id, role) values (%s, %s, 'owner')",
            (tenant_b, a.id),
        )
    row = db.execute("select name from public.tenants where id = %s", (tenant_b,)).fetchone()
    assert row == {"name": "B corp"}
    assert db.execute(
        "select count(*) as n from public.tenant_members where tenant_id = %s", (tenant_b,)
    ).fetchone() == {"n": 1}
    assert b.id


def test_a_member_cannot_promote_themselves(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, member = make_user(), make_user()
    tenant = make_tenant(owner, {member: "member"})
    with acting_as(db, member):
        changed = db.execute(
            "update public.tenant_members set role = 'owner' where tenant_id = %s and user_id = %s",
            (tenant, member.id),
        )
        assert changed.rowcount == 0


def test_an_admin_manages_members_but_not_admins_or_owners(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, admin, other_admin, member, newcomer = (make_user() for _ in range(5))
    tenant = make_tenant(owner, {admin: "admin", other_admin: "admin", member: "member"})
    with acting_as(db, admin):
        db.execute(
            "insert into public.tenant_members (tenant_id, user_id, role)"
            " values (%s, %s, 'viewer')",
            (tenant, newcomer.id),
        )
        assert (
            db.execute(
                "update public.tenant_members set role = 'viewer'"
                " where tenant_id = %s and user_id = %s",
                (tenant, member.id),
            ).rowcount
            == 1
        )
        for target in (other_admin, owner):
            assert (
                db.execute(
                    "delete from public.tenant_members where tenant_id = %s and user_id = %s",
                    (tenant, target.id),
                ).rowcount
                == 0
            )
    with acting_as(db, admin), pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute(
            "update public.tenant_members set role = 'admin' where tenant_id = %s and user_id = %s",
            (tenant, member.id),
        )


def test_columns_the_database_owns_cannot_be_set(
    db: Conn, two_tenants: tuple[User, str, User, str]
) -> None:
    a, tenant_a, _b, _tenant_b = two_tenants
    with acting_as(db, a), pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute(
            "update public.tenants set created_by = gen_random_uuid() where id = %s", (tenant_a,)
        )
    with acting_as(db, a), pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute(
            "update public.tenant_members set user_id = gen_random_uuid() where tenant_id = %s",
            (tenant_a,),
        )


def test_creating_a_tenant_for_someone_else_is_refused(
    db: Conn, two_tenants: tuple[User, str, User, str]
) -> None:
    a, _tenant_a, b, _tenant_b = two_tenants
    with acting_as(db, a), pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute(
            "insert into public.tenants (id, name, created_by) values (gen_random_uuid(), 'x', %s)",
            (b.id,),
        )


def test_anon_sees_nothing(db: Conn, two_tenants: tuple[User, str, User, str]) -> None:
    with db.transaction(force_rollback=True):
        db.execute("set local role anon")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("select * from public.tenants")


# -- a tenant always keeps an owner ---------------------------------------------------


def test_the_last_owner_can_be_neither_demoted_nor_removed(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    for statement in (
        "update public.tenant_members set role = 'admin' where tenant_id = %s and user_id = %s",
        "delete from public.tenant_members where tenant_id = %s and user_id = %s",
    ):
        # Even the superuser (no RLS) is held by the trigger.
        with pytest.raises(psycopg.DatabaseError) as caught:
            db.execute(statement, (tenant, owner.id))
        assert caught.value.sqlstate == "SN001"


def test_an_owner_can_step_down_once_there_is_another(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, successor = make_user(), make_user()
    tenant = make_tenant(owner, {successor: "owner"})
    demote = "update public.tenant_members set role = 'admin' where tenant_id = %s and user_id = %s"
    leave = "delete from public.tenant_members where tenant_id = %s and user_id = %s"
    with acting_as(db, owner):
        assert db.execute(demote, (tenant, owner.id)).rowcount == 1
    db.execute(demote, (tenant, owner.id))
    with acting_as(db, successor), pytest.raises(psycopg.DatabaseError) as caught:
        db.execute(leave, (tenant, successor.id))
    assert caught.value.sqlstate == "SN001"


def test_deleting_a_tenant_takes_its_memberships(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    with acting_as(db, owner):
        assert db.execute("delete from public.tenants where id = %s", (tenant,)).rowcount == 1
    db.execute("delete from public.tenants where id = %s", (tenant,))
    assert db.execute(
        "select count(*) as n from public.tenant_members where tenant_id = %s", (tenant,)
    ).fetchone() == {"n": 0}


def test_creating_a_tenant_makes_the_creator_its_owner(
    db: Conn, make_user: Callable[..., User]
) -> None:
    user = make_user()
    with acting_as(db, user):
        db.execute("insert into public.tenants (id, name) values (%s, 'Mine')", (NEW_TENANT,))
        row = db.execute(
            "select role::text from public.tenant_members where tenant_id = %s", (NEW_TENANT,)
        ).fetchone()
        assert row == {"role": "owner"}


def test_the_sole_owner_cannot_be_deleted_from_auth(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, co_owner = make_user(), make_user()
    sole = make_tenant(owner)
    with pytest.raises(psycopg.DatabaseError) as caught:
        db.execute("delete from auth.users where id = %s", (owner.id,))
    assert caught.value.sqlstate == "SN001"
    db.execute(
        "insert into public.tenant_members (tenant_id, user_id, role) values (%s, %s, 'owner')",
        (sole, co_owner.id),
    )
    db.execute("delete from auth.users where id = %s", (owner.id,))
    rows = db.execute(
        "select user_id::text from public.tenant_members where tenant_id = %s", (sole,)
    ).fetchall()
    assert rows == [{"user_id": co_owner.id}]


# -- invitations -----------------------------------------------------------------------


def invitation_to(db: Conn, tenant: str, email: str, inviter: User, role: str = "member") -> str:
    row = db.execute(
        "insert into public.tenant_invitations (tenant_id, email, role, invited_by)"
        " values (%s, %s, %s, %s) returning id::text",
        (tenant, email, role, inviter.id),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def visible_invitations(db: Conn) -> set[str]:
    return {r["id"] for r in db.execute("select id::text from public.tenant_invitations")}


def test_invitations_are_seen_by_the_tenants_managers_and_the_invitee_only(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, admin, member, viewer, invitee, stranger = (make_user() for _ in range(6))
    tenant = make_tenant(owner, {admin: "admin", member: "member", viewer: "viewer"})
    invitation = invitation_to(db, tenant, invitee.email, owner)
    for user in (owner, admin, invitee):
        with acting_as(db, user):
            assert visible_invitations(db) == {invitation}, user
    for user in (member, viewer, stranger):
        with acting_as(db, user):
            assert visible_invitations(db) == set()
            assert db.execute(
                "select private.inviting_tenant_name(%s) as name", (tenant,)
            ).fetchone() == {"name": None}
    with acting_as(db, invitee):
        assert db.execute(
            "select private.inviting_tenant_name(%s) as name", (tenant,)
        ).fetchone() == {"name": "Acme"}
        # ...but nothing more of the tenant before accepting.
        assert db.execute("select * from public.tenants where id = %s", (tenant,)).fetchall() == []


def test_only_the_invitee_can_accept_or_decline(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, admin, invitee, stranger = (make_user() for _ in range(4))
    tenant = make_tenant(owner, {admin: "admin"})
    invitation = invitation_to(db, tenant, invitee.email, owner, "admin")
    for user in (stranger, owner, admin):
        with acting_as(db, user):
            assert db.execute(
                "select private.accept_invitation(%s) as t", (invitation,)
            ).fetchone() == {"t": None}
            assert db.execute(
                "select private.decline_invitation(%s) as d", (invitation,)
            ).fetchone() == {"d": False}
    with acting_as(db, invitee):
        accepted = db.execute("select private.accept_invitation(%s) as t", (invitation,)).fetchone()
        assert accepted is not None
        assert str(accepted["t"]) == tenant
        assert db.execute("select private.tenant_role(%s)::text as role", (tenant,)).fetchone() == {
            "role": "admin"
        }


def test_nobody_accepts_by_writing_the_tables(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    invitation = invitation_to(db, tenant, invitee.email, owner)
    with acting_as(db, invitee):
        changed = db.execute(
            "update public.tenant_invitations set status = 'accepted' where id = %s",
            (invitation,),
        )
        assert changed.rowcount == 0  # invitees have no update policy
    with acting_as(db, invitee), pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute(
            "insert into public.tenant_members (tenant_id, user_id, role)"
            " values (%s, %s, 'member')",
            (tenant, invitee.id),
        )
    with acting_as(db, owner), pytest.raises(psycopg.errors.InsufficientPrivilege):
        # A manager revokes, and does nothing else.
        db.execute(
            "update public.tenant_invitations set status = 'accepted' where id = %s",
            (invitation,),
        )
    for statement in (
        "update public.tenant_invitations set expires_at = now() + interval '1 year' where id = %s",
        "update public.tenant_invitations set email = 'me@example.com' where id = %s",
    ):
        with acting_as(db, owner), pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute(statement, (invitation,))
    row = db.execute(
        "select status::text from public.tenant_invitations where id = %s", (invitation,)
    ).fetchone()
    assert row == {"status": "pending"}


def test_invitations_follow_the_membership_role_rules(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, admin, member = make_user(), make_user(), make_user()
    tenant = make_tenant(owner, {admin: "admin", member: "member"})
    insert = "insert into public.tenant_invitations (tenant_id, email, role) values (%s, %s, %s)"
    with acting_as(db, admin):
        db.execute(insert, (tenant, "viewer-to-be@example.com", "viewer"))
    for user, role in [(admin, "admin"), (admin, "owner"), (member, "viewer")]:
        with acting_as(db, user), pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute(insert, (tenant, "someone@example.com", role))
    with acting_as(db, owner):
        db.execute(insert, (tenant, "owner-to-be@example.com", "owner"))
        # The inviter is the caller, never someone they name.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute(
                "insert into public.tenant_invitations (tenant_id, email, role, invited_by)"
                " values (%s, 'x@example.com', 'member', %s)",
                (tenant, admin.id),
            )
    owners_invitation = invitation_to(db, tenant, "future-owner@example.com", owner, "owner")
    with acting_as(db, admin):
        revoked = db.execute(
            "update public.tenant_invitations set status = 'revoked' where id = %s",
            (owners_invitation,),
        )
        assert revoked.rowcount == 0


def test_a_closed_invitation_stays_closed(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    invitation = invitation_to(db, tenant, invitee.email, owner)
    db.execute(
        "update public.tenant_invitations set status = 'revoked' where id = %s", (invitation,)
    )
    with pytest.raises(psycopg.errors.RaiseException):
        # Even the superuser cannot reopen it.
        db.execute(
            "update public.tenant_invitations set status = 'pending' where id = %s", (invitation,)
        )
    row = db.execute(
        "select closed_at is not null as closed from public.tenant_invitations where id = %s",
        (invitation,),
    ).fetchone()
    assert row == {"closed": True}


def test_expired_invitations_cannot_be_accepted(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    invitation = invitation_to(db, tenant, invitee.email, owner)
    db.execute(
        "update public.tenant_invitations set expires_at = now() - interval '1 second'"
        " where id = %s",
        (invitation,),
    )
    with acting_as(db, invitee):
        assert db.execute(
            "select private.accept_invitation(%s) as t", (invitation,)
        ).fetchone() == {"t": None}
        assert db.execute("select private.tenant_role(%s)::text as role", (tenant,)).fetchone() == {
            "role": None
        }


def test_the_token_hook_and_anon_cannot_read_invitations(
    db: Conn, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner = make_user()
    invitation_to(db, make_tenant(owner), "someone@example.com", owner)
    for role in ("supabase_auth_admin", "anon"):
        with db.transaction(force_rollback=True):
            db.execute(f"set local role {role}")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute("select * from public.tenant_invitations")
