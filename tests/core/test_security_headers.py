"""Every core response carries the security headers, crashes included."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.core import ORIGIN


def _assert_secure(response, *, document: bool) -> None:
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["x-content-type-options"] == "nosniff"
    if document:
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        )


def test_json_and_problem_responses(client: TestClient) -> None:
    _assert_secure(client.get("/health"), document=True)
    _assert_secure(client.get("/me"), document=True)  # 401 problem
    _assert_secure(client.get("/no/such/route"), document=True)


def test_cors_preflight(client: TestClient) -> None:
    response = client.options(
        "/me", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 200
    _assert_secure(response, document=False)


def test_a_crash_is_a_problem_with_the_headers(app_with, settings) -> None:
    client = app_with(settings)
    client.app.add_api_route("/boom", _boom)
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "Traceback" not in response.text
    _assert_secure(response, document=True)


async def _boom() -> None:
    raise RuntimeError("secret internals")
