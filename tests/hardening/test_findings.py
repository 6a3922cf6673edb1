"""What the contract fuzzing found, pinned as plain regression tests (each was a 5xx or
an undeclared status before its fix)."""

from __future__ import annotations

import httpx

from tests.support.domain import Domain
from tests.support.problems import PROBLEM, assert_problem


def test_a_nul_in_a_tenant_name_or_an_email_is_refused_not_a_500(domain: Domain) -> None:
    owner, tenant = domain.owner_of_new_tenant("Findings")
    with domain.client(owner.token) as api:
        assert_problem(api.post("/tenants", json={"name": "a\u0000b"}), 400, "validation_error")
        assert_problem(
            api.patch(f"/tenants/{tenant}", json={"name": "\u0000"}), 400, "validation_error"
        )
        assert_problem(
            api.post(f"/tenants/{tenant}/invitations", json={"email": "a\u0000@example.com"}),
            400,
            "validation_error",
        )
        assert api.get(f"/tenants/{tenant}").json()["name"] == "Findings"


def test_a_body_that_is_not_json_is_a_declared_400(domain: Domain) -> None:
    owner, tenant = domain.owner_of_new_tenant("Findings")
    spec = httpx.get(f"{domain.api}/openapi.json").json()["paths"]
    json_type = {"content-type": "application/json"}
    with domain.client(owner.token) as api:
        for method, path, template in [
            ("POST", "/tenants", "/tenants"),
            ("PATCH", f"/tenants/{tenant}", "/tenants/{tenant_id}"),
            ("POST", f"/tenants/{tenant}/invitations", "/tenants/{tenant_id}/invitations"),
            (
                "PATCH",
                f"/tenants/{tenant}/members/{owner.user_id}",
                "/tenants/{tenant_id}/members/{user_id}",
            ),
        ]:
            assert_problem(
                api.request(method, path, content=b"\xc4\xb8T\xff", headers=json_type),
                400,
                "invalid_body",
            )
            assert PROBLEM in spec[template][method.lower()]["responses"]["400"]["content"]


def test_a_version_id_the_store_cannot_parse_names_no_version(domain: Domain) -> None:
    owner, tenant = domain.owner_of_new_tenant("Findings")
    with domain.client(owner.token, tenant) as api:
        assert api.post("/files/upload", files={"file": ("seed.txt", b"seed")}).status_code == 201
        for path in ("/files/download/seed.txt", "/files/metadata/seed.txt"):
            assert_problem(api.get(path, params={"version_id": "a\u0000b"}), 404, "file_not_found")
            assert_problem(
                api.get(path, params={"version_id": "no-such-version"}), 404, "file_not_found"
            )
