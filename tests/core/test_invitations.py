"""Invitations through the app: a membership needs the invitee's consent.

Real Postgres, the app under its real lifespan, HS256 tokens whose tenants the
real hook wrote. Expiry is controlled by setting `expires_at` in SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from jwt import decode

from core_service.invitations import INVITATION_LIFETIME
from dev.auth import hook
from tests.support.core import User
from tests.support.problems import assert_problem
from tests.support.tokens import claims, hs256

Headers = Callable[[User], dict[str, str]]
Conn = psycopg.Connection[dict[str, Any]]
INVITATION_KEYS = {
    "id",
    "tenant_id",
    "email",
    "role",
    "status",
    "invited_by",
    "created_at",
    "expires_at",
    "mail_status",
    "mailed_at",
}


def new_address() -> str:
    return f"new-{uuid.uuid4().hex[:10]}@example.com"


def invite(
    client: TestClient, headers: dict[str, str], tenant: str, email: str, role: str = "member"
) -> dict[str, Any]:
    response = client.post(
        f"/tenants/{tenant}/invitations", json={"email": email, "role": role}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def tenants_in_token(db: Conn, user: User) -> dict[str, str]:
    """What the access token hook would write for `user` now."""
    result = hook(db, claims(sub=user.id, email=user.email))
    tenants: dict[str, str] = result["app_metadata"]["tenants"]
    return tenants


def pending_ids(client: TestClient, headers: dict[str, str], tenant: str) -> set[str]:
    response = client.get(f"/tenants/{tenant}/invitations", headers=headers)
    assert response.status_code == 200, response.text
    return {i["id"] for i in response.json()["invitations"]}


def received_ids(client: TestClient, headers: dict[str, str]) -> set[str]:
    response = client.get("/invitations", headers=headers)
    assert response.status_code == 200, response.text
    return {i["id"] for i in response.json()["invitations"]}


def status_of(db: Conn, invitation_id: str) -> str:
    row = db.execute(
        "select status::text from public.tenant_invitations where id = %s", (invitation_id,)
    ).fetchone()
    assert row is not None
    return str(row["status"])


# -- the whole path ---------------------------------------------------------------------


def test_an_invitation_grants_nothing_until_the_invitee_accepts(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner, name="Acme Consulting")
    invitation = invite(client, auth(owner), tenant, invitee.email.upper(), "viewer")
    assert set(invitation) == INVITATION_KEYS
    assert invitation["tenant_id"] == tenant
    assert invitation["email"] == invitee.email  # stored lower-cased
    assert (invitation["role"], invitation["status"]) == ("viewer", "pending")
    assert invitation["invited_by"] == owner.id
    assert pending_ids(client, auth(owner), tenant) == {invitation["id"]}

    # Pending: no access, no tenant in the token, none in /me.
    invitee_headers = auth(invitee)
    assert_problem(
        client.get(f"/tenants/{tenant}", headers=invitee_headers), 404, "tenant_not_found"
    )
    assert tenants_in_token(db, invitee) == {}
    assert client.get("/me", headers=invitee_headers).json()["tenants"] == {}

    received = client.get("/invitations", headers=invitee_headers).json()["invitations"]
    assert received == [{**invitation, "tenant_name": "Acme Consulting"}]

    accepted = client.post(f"/invitations/{invitation['id']}/accept", headers=invitee_headers)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["id"], accepted.json()["name"], accepted.json()["role"]) == (
        tenant,
        "Acme Consulting",
        "viewer",
    )
    assert client.get(f"/tenants/{tenant}", headers=invitee_headers).status_code == 200
    assert tenants_in_token(db, invitee) == {tenant: "viewer"}
    assert status_of(db, invitation["id"]) == "accepted"

    # Closed: gone from both lists, and it cannot be used twice.
    assert received_ids(client, invitee_headers) == set()
    assert pending_ids(client, auth(owner), tenant) == set()
    again = client.post(f"/invitations/{invitation['id']}/accept", headers=invitee_headers)
    assert_problem(again, 404, "invitation_not_found")


def test_invitations_last_seven_days(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    invitation = invite(client, auth(owner), tenant, new_address())
    lifetime = datetime.fromisoformat(invitation["expires_at"]) - datetime.fromisoformat(
        invitation["created_at"]
    )
    assert lifetime == INVITATION_LIFETIME


def test_the_answer_is_the_same_with_or_without_an_account(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, registered = make_user(), make_user()
    tenant = make_tenant(owner)
    unknown = new_address()
    answers = [
        client.post(f"/tenants/{tenant}/invitations", json={"email": email}, headers=auth(owner))
        for email in (registered.email, unknown)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert [set(a.json()) for a in answers] == [INVITATION_KEYS, INVITATION_KEYS]
    assert set(answers[0].headers) == set(answers[1].headers)
    assert [(a.json()["status"], a.json()["role"]) for a in answers] == [("pending", "member")] * 2
    # Nobody was looked up or created in Supabase Auth.
    assert db.execute("select 1 from auth.users where email = %s", (unknown,)).fetchone() is None


def test_the_invitee_declines(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    invitation = invite(client, auth(owner), tenant, invitee.email)
    url = f"/invitations/{invitation['id']}"
    declined = client.post(f"{url}/decline", headers=auth(invitee))
    assert declined.status_code == 204
    assert declined.content == b""
    assert status_of(db, invitation["id"]) == "declined"
    assert received_ids(client, auth(invitee)) == set()
    assert pending_ids(client, auth(owner), tenant) == set()
    assert_problem(client.post(f"{url}/accept", headers=auth(invitee)), 404, "invitation_not_found")
    assert_problem(
        client.post(f"{url}/decline", headers=auth(invitee)), 404, "invitation_not_found"
    )
    assert tenants_in_token(db, invitee) == {}


def test_the_email_claim_matches_case_insensitively(
    client: TestClient,
    db: Conn,
    issuer: str,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Headers,
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    invitation = invite(client, auth(owner), tenant, invitee.email)
    shouting = hs256(hook(db, claims(sub=invitee.id, issuer=issuer, email=invitee.email.upper())))
    headers = {"Authorization": f"Bearer {shouting}"}
    assert received_ids(client, headers) == {invitation["id"]}
    assert (
        client.post(f"/invitations/{invitation['id']}/accept", headers=headers).status_code == 200
    )


# -- nobody else can use it ------------------------------------------------------------


def test_nobody_but_the_invitee_can_see_accept_or_decline_it(
    client: TestClient,
    auth: Headers,
    db: Conn,
    issuer: str,
    token_for: Callable[..., str],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, invitee, stranger = make_user(), make_user(), make_user()
    tenant = make_tenant(owner)
    invitation = invite(client, auth(owner), tenant, invitee.email, "admin")
    url = f"/invitations/{invitation['id']}"
    no_email = {"Authorization": f"Bearer {token_for(stranger, email=None)}"}
    # The manager who sent it is not its invitee either.
    for headers in (auth(stranger), auth(owner), no_email):
        assert received_ids(client, headers) == set()
        assert_problem(client.post(f"{url}/accept", headers=headers), 404, "invitation_not_found")
        assert_problem(client.post(f"{url}/decline", headers=headers), 404, "invitation_not_found")
    # An unknown id answers exactly as someone else's does.
    unknown = client.post(f"/invitations/{uuid.uuid4()}/accept", headers=auth(stranger))
    assert_problem(unknown, 404, "invitation_not_found")
    assert status_of(db, invitation["id"]) == "pending"
    assert tenants_in_token(db, stranger) == {}
    assert client.post(f"{url}/accept", headers=auth(invitee)).status_code == 200


def test_an_expired_invitation_cannot_be_used_and_a_new_one_replaces_it(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    invitation = invite(client, auth(owner), tenant, invitee.email)
    db.execute(
        "update public.tenant_invitations set expires_at = now() - interval '1 second'"
        " where id = %s",
        (invitation["id"],),
    )
    url = f"/invitations/{invitation['id']}"
    assert received_ids(client, auth(invitee)) == set()
    assert pending_ids(client, auth(owner), tenant) == set()
    assert_problem(client.post(f"{url}/accept", headers=auth(invitee)), 404, "invitation_not_found")
    assert_problem(
        client.post(f"{url}/decline", headers=auth(invitee)), 404, "invitation_not_found"
    )
    revoke = client.delete(f"/tenants/{tenant}/invitations/{invitation['id']}", headers=auth(owner))
    assert_problem(revoke, 404, "invitation_not_found")
    assert tenants_in_token(db, invitee) == {}

    renewed = invite(client, auth(owner), tenant, invitee.email)
    assert status_of(db, invitation["id"]) == "expired"
    assert received_ids(client, auth(invitee)) == {renewed["id"]}


def test_a_revoked_invitation_cannot_be_accepted(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    invitation = invite(client, auth(owner), tenant, invitee.email)
    revoke_url = f"/tenants/{tenant}/invitations/{invitation['id']}"
    revoked = client.delete(revoke_url, headers=auth(owner))
    assert revoked.status_code == 204
    assert status_of(db, invitation["id"]) == "revoked"
    assert received_ids(client, auth(invitee)) == set()
    accept = client.post(f"/invitations/{invitation['id']}/accept", headers=auth(invitee))
    assert_problem(accept, 404, "invitation_not_found")
    assert_problem(client.delete(revoke_url, headers=auth(owner)), 404, "invitation_not_found")
    assert tenants_in_token(db, invitee) == {}


# -- conflicts ----------------------------------------------------------------------------


def test_inviting_a_member_or_an_address_already_invited_is_a_conflict(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, member, invitee = make_user(), make_user(), make_user()
    tenant = make_tenant(owner, {member: "member"})
    url = f"/tenants/{tenant}/invitations"
    for address in (member.email.upper(), owner.email):
        answer = client.post(url, json={"email": address}, headers=auth(owner))
        assert_problem(answer, 409, "member_exists")
    first = invite(client, auth(owner), tenant, invitee.email, "viewer")
    again = client.post(
        url, json={"email": invitee.email.upper(), "role": "admin"}, headers=auth(owner)
    )
    assert_problem(again, 409, "invitation_exists")
    # Revoking it frees the address for a new invitation (another role, say).
    assert client.delete(f"{url}/{first['id']}", headers=auth(owner)).status_code == 204
    assert invite(client, auth(owner), tenant, invitee.email, "admin")["role"] == "admin"


def test_accepting_while_already_a_member_is_a_conflict_and_keeps_the_invitation(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, member = make_user(), make_user()
    tenant = make_tenant(owner, {member: "viewer"})
    # The API refuses to invite a member; the row below is one that predates the membership.
    row = db.execute(
        "insert into public.tenant_invitations (tenant_id, email, role, invited_by)"
        " values (%s, %s, 'admin', %s) returning id::text",
        (tenant, member.email, owner.id),
    ).fetchone()
    assert row is not None
    accept = client.post(f"/invitations/{row['id']}/accept", headers=auth(member))
    assert_problem(accept, 409, "member_exists")
    assert status_of(db, row["id"]) == "pending"
    assert tenants_in_token(db, member) == {tenant: "viewer"}
    assert client.post(f"/invitations/{row['id']}/decline", headers=auth(member)).status_code == 204


def test_any_address_is_lower_cased_by_postgres_never_a_500(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    for address in (
        f"ÉMILE.İ-{uuid.uuid4().hex[:6]}@BÜRO.Example",
        f"ǅ-{uuid.uuid4().hex[:6]}@x.io",
    ):
        invitation = invite(client, auth(owner), tenant, address)
        row = db.execute("select lower(%s) as email", (address,)).fetchone()
        assert row is not None
        assert invitation["email"] == row["email"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-address"},
        {"email": "a\u0000@example.com"},
        {"email": "a@example.com", "role": "boss"},
        {"email": "a@example.com", "user_id": str(uuid.uuid4())},
    ],
)
def test_a_bad_invitation_body_is_a_validation_problem(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    body: dict[str, Any],
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    answer = client.post(f"/tenants/{tenant}/invitations", json=body, headers=auth(owner))
    assert_problem(answer, 400, "validation_error")


def test_malformed_invitation_ids_and_missing_tokens(
    client: TestClient, auth: Headers, make_user: Callable[..., User]
) -> None:
    headers = auth(make_user())
    answer = client.post("/invitations/not-a-uuid/accept", headers=headers)
    assert_problem(answer, 400, "validation_error")
    for method, path in [
        ("GET", "/invitations"),
        ("POST", f"/invitations/{uuid.uuid4()}/accept"),
        ("POST", f"/invitations/{uuid.uuid4()}/decline"),
    ]:
        assert_problem(client.request(method, path), 401, "unauthorized")


# -- who may do what ----------------------------------------------------------------------

CALLERS = ("owner", "admin", "member", "viewer", "stranger")


def caller_in(
    role: str, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> tuple[User, User, str]:
    """(the tenant's first owner, the caller with `role` in it or none, the tenant)."""
    owner, caller = make_user(), make_user()
    tenant = make_tenant(owner, {caller: role} if role != "stranger" else {})
    return owner, caller, tenant


@pytest.mark.parametrize("caller_role", CALLERS)
@pytest.mark.parametrize("target_role", ["owner", "admin", "member", "viewer"])
def test_who_may_invite_whom(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    caller_role: str,
    target_role: str,
) -> None:
    _owner, caller, tenant = caller_in(caller_role, make_user, make_tenant)
    answer = client.post(
        f"/tenants/{tenant}/invitations",
        json={"email": new_address(), "role": target_role},
        headers=auth(caller),
    )
    if caller_role == "stranger":
        assert_problem(answer, 404, "tenant_not_found")
        assert tenant not in answer.text
    elif caller_role == "owner" or (caller_role == "admin" and target_role in ("member", "viewer")):
        assert answer.status_code == 201, answer.text
    else:
        assert_problem(answer, 403, "insufficient_role")


@pytest.mark.parametrize("caller_role", CALLERS)
def test_who_may_list_and_revoke(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    caller_role: str,
) -> None:
    owner, caller, tenant = caller_in(caller_role, make_user, make_tenant)
    by_role = {role: invite(client, auth(owner), tenant, new_address(), role)["id"] for role in
               ("owner", "admin", "member", "viewer")}  # fmt: skip
    url = f"/tenants/{tenant}/invitations"

    listed = client.get(url, headers=auth(caller))
    if caller_role in ("owner", "admin"):
        assert listed.status_code == 200
        assert {i["id"] for i in listed.json()["invitations"]} == set(by_role.values())
    elif caller_role == "stranger":
        assert_problem(listed, 404, "tenant_not_found")
    else:
        assert_problem(listed, 403, "insufficient_role")

    for role, invitation in by_role.items():
        answer = client.delete(f"{url}/{invitation}", headers=auth(caller))
        if caller_role == "stranger":
            assert_problem(answer, 404, "tenant_not_found")
        elif caller_role == "owner" or (caller_role == "admin" and role in ("member", "viewer")):
            assert answer.status_code == 204, answer.text
        else:
            assert_problem(answer, 403, "insufficient_role")
        expected = "revoked" if answer.status_code == 204 else "pending"
        assert status_of(db, invitation) == expected


@pytest.mark.parametrize("caller_role", CALLERS)
def test_only_the_invitee_accepts_whatever_their_role_elsewhere(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    caller_role: str,
) -> None:
    owner, caller, tenant = caller_in(caller_role, make_user, make_tenant)
    invitee = make_user()
    invitation = invite(client, auth(owner), tenant, invitee.email)["id"]
    for action in ("accept", "decline"):
        answer = client.post(f"/invitations/{invitation}/{action}", headers=auth(caller))
        assert_problem(answer, 404, "invitation_not_found")
    assert received_ids(client, auth(caller)) == set()
    assert status_of(db, invitation) == "pending"


def test_a_revoke_in_another_tenant_is_not_found(
    client: TestClient,
    auth: Headers,
    db: Conn,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    a, b = make_user(), make_user()
    tenant_a, tenant_b = make_tenant(a), make_tenant(b)
    theirs = invite(client, auth(b), tenant_b, new_address())["id"]
    # A's own tenant in the path, B's invitation id: not A's to see.
    answer = client.delete(f"/tenants/{tenant_a}/invitations/{theirs}", headers=auth(a))
    assert_problem(answer, 404, "invitation_not_found")
    assert status_of(db, theirs) == "pending"


def test_members_are_no_longer_added_directly(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, other = make_user(), make_user()
    tenant = make_tenant(owner)
    answer = client.post(
        f"/tenants/{tenant}/members", json={"email": other.email}, headers=auth(owner)
    )
    assert_problem(answer, 405, "method_not_allowed")


def test_openapi_declares_the_invitation_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    problem = "application/problem+json"
    create = paths["/tenants/{tenant_id}/invitations"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/InvitationCreate"
    )
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Invitation"
    )
    assert {"400", "403", "404", "409"} <= set(create["responses"])
    assert problem in create["responses"]["409"]["content"]
    assert "get" in paths["/tenants/{tenant_id}/invitations"]
    assert "delete" in paths["/tenants/{tenant_id}/invitations/{invitation_id}"]
    assert "get" in paths["/invitations"]
    accept = paths["/invitations/{invitation_id}/accept"]["post"]
    assert {"200", "401", "404", "409"} <= set(accept["responses"])
    assert problem in accept["responses"]["404"]["content"]
    assert "404" in paths["/invitations/{invitation_id}/decline"]["post"]["responses"]
    assert "post" not in paths["/tenants/{tenant_id}/members"]


def test_an_accepted_membership_reaches_the_next_token(
    client: TestClient,
    auth: Headers,
    token_for: Callable[..., str],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    before = token_for(invitee)
    invitation = invite(client, auth(owner), tenant, invitee.email, "member")
    assert decode(before, options={"verify_signature": False})["app_metadata"]["tenants"] == {}
    accept = client.post(
        f"/invitations/{invitation['id']}/accept", headers={"Authorization": f"Bearer {before}"}
    )
    assert accept.status_code == 200
    after = decode(token_for(invitee), options={"verify_signature": False})
    assert after["app_metadata"]["tenants"] == {tenant: "member"}
