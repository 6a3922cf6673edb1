"""`/docs` from the core's own files (core_service/docs.py): no CDN, a policy that
allows the API's origin alone, and a clear 503 where `make pages` has not run.
(tests/local/test_browser.py renders it in Chromium with other hosts cut off.)"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from core_service import docs
from core_service.settings import Settings
from tests.support.pages import DOCS_ASSETS, built_assets

POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'none'",
    "frame-ancestors": "'none'",
}


def policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def referenced(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.fixture(scope="module")
def manifest() -> dict[str, str]:
    return built_assets(DOCS_ASSETS)


def test_docs_loads_only_the_apis_own_files(client: TestClient, manifest: dict[str, str]) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    for host in ("cdn.jsdelivr.net", "unpkg", "//", "http:", "https:"):
        assert host not in html, host
    # No inline script or style: the policy refuses them.
    assert "<style" not in html
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    urls = referenced(html)
    assert all(not urlsplit(url).netloc and url.startswith("/") for url in urls), urls
    assert sorted(urls) == sorted(
        f"/docs/assets/{manifest[name]}"
        for name in ("favicon.png", "swagger-ui.css", "swagger-ui-bundle.js", "docs.js")
    )
    assert 'data-openapi-url="/openapi.json"' in html
    assert manifest["version"].startswith("5.")  # Swagger UI 5 renders OpenAPI 3.1
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_docs_policy_allows_exactly_what_swagger_ui_needs(client: TestClient) -> None:
    response = client.get("/docs")
    assert policy(response.headers["content-security-policy"]) == POLICY
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("docs.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("favicon.png", "image/png"),
    ],
)
def test_each_asset_is_served_for_a_year(
    client: TestClient, manifest: dict[str, str], name: str, content_type: str
) -> None:
    file = manifest[name]
    # Named by its content's hash, so it can be kept unrevalidated.
    assert re.fullmatch(r"[a-z-]+-[0-9a-f]{12}\.(js|css|png)", file)
    response = client.get(f"/docs/assets/{file}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.content == (DOCS_ASSETS / file).read_bytes()


def test_swagger_ui_reaches_no_other_host(manifest: dict[str, str]) -> None:
    starter = (DOCS_ASSETS / manifest["docs.js"]).read_text()
    assert "validatorUrl: null" in starter
    assert "SwaggerUIBundle(" in starter


@pytest.mark.parametrize(
    "name", ["manifest.json", "../docs.py", "swagger-ui-bundle.js", "unknown-0123456789ab.js"]
)
def test_only_the_manifests_files_are_served(
    client: TestClient, manifest: dict[str, str], name: str
) -> None:
    response = client.get(f"/docs/assets/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_redoc_is_off(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404


def test_without_built_files_docs_says_to_run_make_pages(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make dev` without Node: a 503 page, never Swagger UI from a CDN."""
    from core_service.app import create_app

    monkeypatch.setattr(docs, "ASSETS", tmp_path)
    response = TestClient(create_app(settings)).get("/docs")
    assert response.status_code == 503
    assert "make pages" in response.text
    assert "cdn" not in response.text
    assert "<script" not in response.text
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
