"""Routes served on the app's own router (tenancy/routing.py): the same routes,
the same document, and no router whose handlers would be lost."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from tenancy.routing import serve_routes


def _router() -> APIRouter:
    router = APIRouter(prefix="/files", tags=["files"], responses={418: {"description": "Tea"}})

    @router.get("/things/{name}")
    async def get_thing(name: str) -> dict[str, str]:
        return {"name": name}

    return router


def test_served_routes_answer_and_document_as_included_ones() -> None:
    included, served = FastAPI(), FastAPI()
    included.include_router(_router())
    serve_routes(served, _router())
    assert TestClient(served).get("/files/things/a").json() == {"name": "a"}
    assert served.openapi() == included.openapi()
    assert all(type(route).__name__ != "_IncludedRouter" for route in served.router.routes)


def test_a_router_with_its_own_start_up_is_refused() -> None:
    router = _router()
    router.on_startup.append(lambda: None)
    with pytest.raises(ValueError, match="include_router"):
        serve_routes(FastAPI(), router)
