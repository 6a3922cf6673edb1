"""Both services' browser policy: preflights for the configured origins only, headers on all."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient

from tenancy.cors import ALLOW_HEADERS, EXPOSE_HEADERS, install_browser_policy

ORIGIN = "https://app.snsdconsultant.com"
PREFLIGHT = {
    "Access-Control-Request-Method": "DELETE",
    "Access-Control-Request-Headers": "x-tenant-id",
}


def client(origins: tuple[str, ...]) -> TestClient:
    app = FastAPI()
    app.add_api_route("/things", lambda: {"ok": True}, methods=["GET", "DELETE"])
    install_browser_policy(app, origins, ["GET", "DELETE"])
    return TestClient(app)


def test_a_configured_origin_gets_its_preflight_and_the_security_headers() -> None:
    response = client((ORIGIN,)).options("/things", headers={"Origin": ORIGIN, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-methods"] == "GET, DELETE, OPTIONS"
    assert "X-Tenant-ID" in response.headers["access-control-allow-headers"]
    assert response.headers["x-content-type-options"] == "nosniff"
    # A frontend's own pages of public links send their grant (docs/api.md, "File requests").
    grant = {**PREFLIGHT, "Access-Control-Request-Headers": "x-link-grant"}
    linked = client((ORIGIN,)).options("/things", headers={"Origin": ORIGIN, **grant})
    assert linked.status_code == 200, linked.text
    simple = client((ORIGIN,)).get("/things", headers={"Origin": ORIGIN})
    assert "ETag" in simple.headers["access-control-expose-headers"]


def test_other_origins_and_no_origins_get_no_cors_answer() -> None:
    other = client((ORIGIN,)).options(
        "/things", headers={"Origin": "https://evil.example", **PREFLIGHT}
    )
    assert "access-control-allow-origin" not in other.headers
    none = client(()).options("/things", headers={"Origin": ORIGIN, **PREFLIGHT})
    assert "access-control-allow-origin" not in none.headers
    assert none.headers["strict-transport-security"].startswith("max-age=")


def _served(app_headers: dict[str, str], origins: tuple[str, ...], request: dict[str, str]) -> Any:
    app = FastAPI()

    @app.get("/things")
    def things() -> Response:
        return Response(b"{}", media_type="application/json", headers=app_headers)

    install_browser_policy(app, origins, ["GET"])
    return TestClient(app).get("/things", headers=request).headers


@pytest.mark.parametrize("app_vary", [None, "Accept-Encoding"])
@pytest.mark.parametrize("origin", [None, ORIGIN, "https://evil.example"])
def test_requests_without_an_origin_skip_cors_yet_are_told_what_it_would_say(
    app_vary: str | None, origin: str | None
) -> None:
    """The fast path (no Origin header) answers with the headers Starlette's CORS
    middleware gives: one Vary ending in Origin, nothing else of CORS's."""
    own = {"Vary": app_vary} if app_vary else {}
    request = {"Origin": origin} if origin else {}
    ours = _served(own, (ORIGIN,), request)
    starlette_app = FastAPI()

    @starlette_app.get("/things")
    def things() -> Response:
        return Response(b"{}", media_type="application/json", headers=own)

    starlette_app.add_middleware(
        CORSMiddleware,
        allow_origins=[ORIGIN],
        allow_methods=["GET", "OPTIONS"],
        allow_headers=list(ALLOW_HEADERS),
        expose_headers=list(EXPOSE_HEADERS),
        max_age=600,
    )
    theirs = TestClient(starlette_app).get("/things", headers=request).headers
    for name in ("vary", "access-control-allow-origin", "access-control-expose-headers"):
        assert ours.get_list(name) == theirs.get_list(name), name
    assert ours["content-security-policy"].startswith("default-src 'none'")
    assert ours["strict-transport-security"].startswith("max-age=")


def test_without_origins_nothing_of_cors_is_said() -> None:
    headers = _served({"Vary": "Accept-Encoding"}, (), {})
    assert headers.get_list("vary") == ["Accept-Encoding"]
    assert headers["referrer-policy"] == "no-referrer"


def test_a_response_keeps_its_own_security_headers() -> None:
    headers = _served({"Content-Security-Policy": "sandbox"}, (ORIGIN,), {})
    assert headers.get_list("content-security-policy") == ["sandbox"]
