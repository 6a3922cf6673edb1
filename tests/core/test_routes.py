"""Every core route through the app with its real lifespan, real Postgres and
HS256 tokens whose tenants the real hook wrote."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from core_service import routes
from tests.support.core import ORIGIN, User
from tests.support.pages import DOCS_ASSETS, built_assets
from tests.support.problems import assert_problem
from tests.support.tokens import claims, hs256

Headers = Callable[[User], dict[str, str]]
Conn = psycopg.Connection[dict[str, Any]]


# -- health and docs ------------------------------------------------------------------


def test_health_answers_without_touching_anything(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_as_served_answers_as_declared(client: TestClient) -> None:
    """/health is served by a plain route in front of FastAPI's (routes.liveness):
    its answer is the declared route's, with the headers every response gets."""
    response = client.get("/health")
    declared = asyncio.run(routes.health())
    assert response.content == declared.model_dump_json().encode()
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["vary"] == "Origin"
    served = client.app.router.routes[0]  # type: ignore[attr-defined]
    assert (served.path, served.endpoint) == ("/health", routes.liveness)
    assert (
        client.get("/health", headers={"Origin": ORIGIN}).headers["access-control-allow-origin"]
        == ORIGIN
    )


def test_openapi_declares_the_core_routes_and_their_problems(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert {
        "/health",
        "/ready",
        "/me",
        "/tenants",
        "/tenants/{tenant_id}/members/{user_id}",
    } <= set(document["paths"])
    responses = document["paths"]["/tenants/{tenant_id}/members/{user_id}"]["patch"]["responses"]
    assert "application/problem+json" in responses["409"]["content"]
    # The caller's dependency is the bearer scheme (tenancy.dependencies.BearerScheme).
    assert document["paths"]["/me"]["get"]["security"] == [{"HTTPBearer": []}]
    assert document["paths"]["/tenants/{tenant_id}/quota"]["put"]["security"] == [
        {"HTTPBearer": []}
    ]
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A Supabase access token",
    }
    assert "security" not in document["paths"]["/health"]["get"]
    built_assets(DOCS_ASSETS)  # /docs' Swagger UI (tests/core/test_docs_page.py)
    assert client.get("/docs").status_code == 200


# -- authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/me",
        "/tenants",
        f"/tenants/{uuid.uuid4()}/members",
        f"/tenants/{uuid.uuid4()}/invitations",
        "/invitations",
    ],
)
def test_routes_need_a_valid_token(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 401, "unauthorized")
    forged = hs256(claims(), secret="another-secret-of-at-least-32-bytes!!")
    response = client.get(path, headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_token_from_another_issuer_is_refused(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    token = hs256(claims(sub=user.id, issuer="https://evil.example/auth/v1"))
    assert_problem(
        client.get("/me", headers={"Authorization": f"Bearer {token}"}), 401, "unauthorized"
    )


# -- me and tenants -------------------------------------------------------------------


def test_me_reports_memberships_from_the_database(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    user, other = make_user(), make_user()
    headers = auth(user)  # a token issued before the memberships below
    owned = make_tenant(user)
    joined = make_tenant(other, {user: "viewer"})
    response = client.get("/me", headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "user_id": user.id,
        "email": user.email,
        "tenants": {owned: "owner", joined: "viewer"},
    }


def test_create_list_read_and_rename_a_tenant(
    client: TestClient, auth: Headers, make_user: Callable[..., User], token_for: Callable[..., str]
) -> None:
    user = make_user()
    headers = auth(user)
    created = client.post("/tenants", json={"name": "  Acme Consulting "}, headers=headers)
    assert created.status_code == 201, created.text
    tenant = created.json()
    assert tenant["name"] == "Acme Consulting"
    assert tenant["role"] == "owner"
    tenant_id = tenant["id"]

    listed = client.get("/tenants", headers=headers).json()["tenants"]
    assert [t["id"] for t in listed] == [tenant_id]
    assert client.get(f"/tenants/{tenant_id}", headers=headers).json()["name"] == "Acme Consulting"

    renamed = client.patch(f"/tenants/{tenant_id}", json={"name": "Acme"}, headers=headers)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Acme"

    # The next token carries the new membership (the hook reads it).
    from jwt import decode

    refreshed = decode(token_for(user), options={"verify_signature": False})
    assert refreshed["app_metadata"]["tenants"] == {tenant_id: "owner"}


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}, {"name": "a", "id": "b"}]
)
def test_a_bad_tenant_body_is_a_validation_problem(
    client: TestClient, auth: Headers, make_user: Callable[..., User], body: dict[str, Any]
) -> None:
    response = client.post("/tenants", json=body, headers=auth(make_user()))
    assert_problem(response, 400, "validation_error")


def test_another_tenant_is_not_found_and_cannot_be_renamed(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    db: Conn,
) -> None:
    stranger, owner = make_user(), make_user()
    tenant = make_tenant(owner, name="Theirs")
    headers = auth(stranger)
    assert_problem(client.get(f"/tenants/{tenant}", headers=headers), 404, "tenant_not_found")
    assert_problem(client.get(f"/tenants/{uuid.uuid4()}", headers=headers), 404, "tenant_not_found")
    response = client.patch(f"/tenants/{tenant}", json={"name": "Mine"}, headers=headers)
    assert_problem(response, 404, "tenant_not_found")
    assert tenant not in response.text
    assert db.execute("select name from public.tenants where id = %s", (tenant,)).fetchone() == {
        "name": "Theirs"
    }


def test_only_owners_rename(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, admin = make_user(), make_user()
    tenant = make_tenant(owner, {admin: "admin"})
    response = client.patch(f"/tenants/{tenant}", json={"name": "Nope"}, headers=auth(admin))
    assert_problem(response, 403, "insufficient_role")


def test_a_malformed_tenant_id_is_a_validation_problem(
    client: TestClient, auth: Headers, make_user: Callable[..., User]
) -> None:
    assert_problem(
        client.get("/tenants/not-a-uuid", headers=auth(make_user())), 400, "validation_error"
    )


def test_unknown_routes_and_methods_are_problems(
    client: TestClient, auth: Headers, make_user: Callable[..., User]
) -> None:
    assert_problem(client.get("/nowhere"), 404, "route_not_found")
    assert_problem(client.put("/tenants", headers=auth(make_user())), 405, "method_not_allowed")


# -- members ---------------------------------------------------------------------------


def test_any_member_lists_members_with_their_emails(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, viewer = make_user(), make_user()
    tenant = make_tenant(owner, {viewer: "viewer"})
    response = client.get(f"/tenants/{tenant}/members", headers=auth(viewer))
    assert response.status_code == 200
    members = {m["user_id"]: (m["email"], m["role"]) for m in response.json()["members"]}
    assert members == {owner.id: (owner.email, "owner"), viewer.id: (viewer.email, "viewer")}


def test_changing_roles_by_role(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, admin, member = make_user(), make_user(), make_user()
    tenant = make_tenant(owner, {admin: "admin", member: "member"})
    url = f"/tenants/{tenant}/members"

    ok = client.patch(f"{url}/{member.id}", json={"role": "viewer"}, headers=auth(admin))
    assert ok.status_code == 200
    assert ok.json()["role"] == "viewer"
    assert_problem(
        client.patch(f"{url}/{member.id}", json={"role": "admin"}, headers=auth(admin)),
        403,
        "insufficient_role",
    )
    assert_problem(
        client.patch(f"{url}/{owner.id}", json={"role": "member"}, headers=auth(admin)),
        403,
        "insufficient_role",
    )
    assert_problem(
        client.patch(f"{url}/{admin.id}", json={"role": "owner"}, headers=auth(member)),
        403,
        "insufficient_role",
    )
    assert_problem(
        client.patch(f"{url}/{uuid.uuid4()}", json={"role": "member"}, headers=auth(owner)),
        404,
        "member_not_found",
    )
    assert_problem(
        client.patch(f"{url}/{member.id}", json={"role": "boss"}, headers=auth(owner)),
        400,
        "validation_error",
    )

    promoted = client.patch(f"{url}/{admin.id}", json={"role": "owner"}, headers=auth(owner))
    assert promoted.json()["role"] == "owner"


def test_the_last_owner_stays(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, successor = make_user(), make_user()
    tenant = make_tenant(owner)
    url = f"/tenants/{tenant}/members"
    headers = auth(owner)
    assert_problem(
        client.patch(f"{url}/{owner.id}", json={"role": "admin"}, headers=headers),
        409,
        "last_owner",
    )
    assert_problem(client.delete(f"{url}/{owner.id}", headers=headers), 409, "last_owner")

    invitation = client.post(
        f"/tenants/{tenant}/invitations",
        json={"email": successor.email, "role": "owner"},
        headers=headers,
    ).json()
    accepted = client.post(f"/invitations/{invitation['id']}/accept", headers=auth(successor))
    assert accepted.status_code == 200, accepted.text
    assert client.delete(f"{url}/{owner.id}", headers=headers).status_code == 204
    assert_problem(
        client.delete(f"{url}/{successor.id}", headers=auth(successor)), 409, "last_owner"
    )


def test_removing_members_and_leaving(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, admin, other_admin, member, viewer = (make_user() for _ in range(5))
    tenant = make_tenant(
        owner, {admin: "admin", other_admin: "admin", member: "member", viewer: "viewer"}
    )
    url = f"/tenants/{tenant}/members"
    assert_problem(
        client.delete(f"{url}/{other_admin.id}", headers=auth(admin)), 403, "insufficient_role"
    )
    assert_problem(
        client.delete(f"{url}/{member.id}", headers=auth(viewer)), 403, "insufficient_role"
    )
    assert client.delete(f"{url}/{member.id}", headers=auth(admin)).status_code == 204
    assert client.delete(f"{url}/{viewer.id}", headers=auth(viewer)).status_code == 204  # leaves
    assert client.delete(f"{url}/{other_admin.id}", headers=auth(owner)).status_code == 204
    remaining = {m["user_id"] for m in client.get(url, headers=auth(owner)).json()["members"]}
    assert remaining == {owner.id, admin.id}
    # A former member sees nothing any more.
    assert_problem(client.get(url, headers=auth(viewer)), 404, "tenant_not_found")


def test_members_of_another_tenant_are_out_of_reach(
    client: TestClient,
    auth: Headers,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    a, b, b_member = make_user(), make_user(), make_user()
    make_tenant(a)
    tenant_b = make_tenant(b, {b_member: "member"})
    headers = auth(a)
    url = f"/tenants/{tenant_b}/members"
    assert_problem(client.get(url, headers=headers), 404, "tenant_not_found")
    assert_problem(
        client.post(f"/tenants/{tenant_b}/invitations", json={"email": a.email}, headers=headers),
        404,
        "tenant_not_found",
    )
    assert_problem(client.delete(f"{url}/{b_member.id}", headers=headers), 404, "tenant_not_found")
    assert_problem(
        client.patch(f"{url}/{b_member.id}", json={"role": "viewer"}, headers=headers),
        404,
        "tenant_not_found",
    )


# -- CORS --------------------------------------------------------------------------------


def test_preflights_are_answered_for_configured_origins_only(client: TestClient) -> None:
    request = {
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    allowed = client.options("/tenants", headers={"Origin": ORIGIN, **request})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "PATCH" in allowed.headers["access-control-allow-methods"]
    refused = client.options("/tenants", headers={"Origin": "https://evil.example", **request})
    assert "access-control-allow-origin" not in refused.headers
