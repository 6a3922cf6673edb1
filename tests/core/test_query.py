"""Query parameters no route declares are refused on every route of the core
(tenancy/query.py; issue 25, item 9), against the app and its Postgres."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from tests.support.core import User
from tests.support.problems import assert_problem

UNKNOWN = [{"loc": ["query", "acton"], "msg": "Unknown query parameter"}]


def test_every_core_route_refuses_a_query_parameter_it_does_not_declare(
    client: TestClient,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    headers = auth(owner)
    routes = [r for r in client.app.router.routes if isinstance(r, Route)]  # type: ignore[attr-defined]
    assert sum(isinstance(r, APIRoute) for r in routes) >= 18
    for route in routes:
        path = route.path.replace("{tenant_id}", tenant)
        for name in ("{user_id}", "{invitation_id}"):
            path = path.replace(name, str(uuid.uuid4()))
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            answer = client.request(method, path, params={"acton": "x"}, headers=headers)
            body = assert_problem(answer, 400, "validation_error")
            assert body["errors"] == UNKNOWN, (method, route.path, body)


def test_a_misspelled_audit_filter_is_refused_and_a_declared_one_filters(
    client: TestClient,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    listing = f"/tenants/{tenant}/audit"
    refused = client.get(listing, params={"acton": "member_added"}, headers=auth(owner))
    assert_problem(refused, 400, "validation_error")
    filtered = client.get(listing, params={"action": "no_such_action"}, headers=auth(owner))
    assert filtered.status_code == 200, filtered.text
    assert filtered.json()["items"] == []
    assert_problem(client.get(listing, params={"acton": "x"}), 401, "unauthorized")
