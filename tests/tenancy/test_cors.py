"""Both services' browser policy: preflights for the configured origins only, headers on all."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tenancy.cors import install_browser_policy

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
