"""Query parameters no route declares are refused on every route of the core
(tenancy/query.py; issue 25, item 9), against the app and its Postgres.

No `from __future__ import annotations`: FastAPI resolves the small app's annotations.
"""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from tenancy.problems import install_problem_handlers
from tenancy.query import refuse_unknown_query
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


def test_parameters_of_a_routes_dependencies_are_its_own_and_the_echo_is_bounded() -> None:
    def page(cursor: Annotated[str | None, Query()] = None) -> str | None:
        return cursor

    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/items")
    async def items(cursor: Annotated[str | None, Depends(page)], limit: int = 10) -> list[str]:
        return [str(cursor), str(limit)]

    refuse_unknown_query(app)
    client = TestClient(app)
    assert client.get("/items", params={"cursor": "c", "limit": "2"}).json() == ["c", "2"]
    many = {f"p{n:02}": "x" for n in range(12)}
    body = assert_problem(client.get("/items", params=many), 400, "validation_error")
    assert [e["loc"] for e in body["errors"]] == [["query", f"p{n:02}"] for n in range(10)]
