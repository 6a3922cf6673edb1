"""The pages of share links and file requests, as the Lambda handler serves them:
a static shell with the public headers and its own strict CSP, and the built assets
by their hashed names only (file_lambda/pages/)."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest

from dev.alb import AlbClient
from file_lambda.pages import service
from file_lambda.pages.exceptions import PagesNotBuilt
from file_lambda.public_links import PUBLIC_HEADERS
from file_lambda.settings import Settings
from file_lambda.storage.s3 import S3Storage, bucket_origin, make_client
from tests.support.files import BUCKET
from tests.support.pages import ASSETS, built_assets
from tests.support.problems import assert_problem

TOKEN = "k3Vq0o8bX2Xv7lJ1cU5y9rT4sW6eA3nB0mD8fH2gK1Q"


@pytest.fixture(scope="module")
def manifest() -> dict[str, str]:
    return built_assets()


@pytest.fixture
def anonymous(lambda_module: ModuleType) -> AlbClient:
    """A browser with no account: no bearer token, no tenant."""
    return AlbClient(lambda_module.handler, token=None)


def directives(policy: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


@pytest.mark.parametrize(
    ("path", "script"), [("/files/s/", "share.js"), ("/files/r/", "request.js")]
)
def test_a_link_answers_its_page_shell_with_the_public_headers_and_a_strict_policy(
    anonymous: AlbClient, seaweed: Any, manifest: dict[str, str], path: str, script: str
) -> None:
    page = anonymous.get(path + TOKEN)

    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    for name, value in PUBLIC_HEADERS.items():
        assert page.headers[name.lower()] == value
    policy = directives(page.headers["content-security-policy"])
    assert policy == {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        # Uppy PUTs the parts straight to the bucket (SeaweedFS here, by path).
        "connect-src": f"'self' {seaweed.endpoint}",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
    }
    html = page.body.decode()
    # Exactly the page's script and the stylesheet, by hashed name; nothing inline, no token.
    assert re.findall(r'<script[^>]*src="([^"]+)"></script>', html) == [
        f"/files/assets/{manifest[script]}"
    ]
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', html) == [
        f"/files/assets/{manifest['style.css']}"
    ]
    assert html.count("<script") == 1
    assert "<style" not in html
    assert " style=" not in html
    assert " on" not in html.split("<body>")[1]  # no inline handler
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert TOKEN not in html


def test_a_page_opens_whatever_a_mail_client_appends_to_its_link(
    anonymous: AlbClient, manifest: dict[str, str]
) -> None:
    page = anonymous.get(f"/files/s/{TOKEN}", params={"utm_source": "newsletter"})
    assert page.status == 200
    # The API's own routes still refuse what they do not declare.
    assert_problem(anonymous.get("/files/health", params={"x": "1"}), 400, "validation_error")


def test_the_assets_are_served_by_hashed_name_for_good(
    anonymous: AlbClient, manifest: dict[str, str]
) -> None:
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    for name in manifest.values():
        asset = anonymous.get(f"/files/assets/{name}")
        assert asset.status == 200, name
        assert asset.body == (ASSETS / name).read_bytes()
        assert asset.headers["content-type"] == types[Path(name).suffix]
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "name",
    [
        "manifest.json",
        "share.js",
        "nope-ABCDEFGH.js",
        "..%2Fservice.py",
        "..%2F..%2Fapp.py",
        "%2Fetc%2Fpasswd",
        "..",
    ],
)
def test_nothing_but_a_listed_asset_is_served(
    anonymous: AlbClient, manifest: dict[str, str], name: str
) -> None:
    answer = anonymous.get(f"/files/assets/{name}")
    assert answer.status == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] in {"asset_not_found", "route_not_found"}


def test_an_unlisted_asset_is_asset_not_found(
    anonymous: AlbClient, manifest: dict[str, str]
) -> None:
    assert_problem(anonymous.get("/files/assets/manifest.json"), 404, "asset_not_found")


def test_without_a_build_the_pages_are_unavailable_not_broken(tmp_path: Path) -> None:
    settings = Settings(bucket=BUCKET, region="us-east-1", supabase_url=None, jwt_secret="x")
    with pytest.raises(PagesNotBuilt):
        service.Pages.load(settings, tmp_path)
    (tmp_path / "manifest.json").write_text('{"share.js": "../../app.py"}')
    with pytest.raises(PagesNotBuilt):
        service.Pages.load(settings, tmp_path)


def test_the_pages_are_not_in_the_openapi_document(lambda_module: ModuleType) -> None:
    paths = lambda_module.app.openapi()["paths"]
    assert not [path for path in paths if re.match(r"/files/(s|r|assets)/", path)]


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [("us-east-1", None), ("eu-west-3", None), ("us-east-1", "http://127.0.0.1:8333")],
)
def test_the_policy_names_the_origin_of_the_bucket_s_part_urls(
    monkeypatch: pytest.MonkeyPatch, region: str, endpoint: str | None
) -> None:
    """What connect-src allows is where the storage adapter's presigned parts really go."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    storage = S3Storage(make_client(region, endpoint), "snsd-file-uploads-production")
    part = urlsplit(storage.presign_part("tenants/t/a.bin", "upload", 1, 300, None))

    assert bucket_origin("snsd-file-uploads-production", region, endpoint) == (
        f"{part.scheme}://{part.netloc}"
    )
