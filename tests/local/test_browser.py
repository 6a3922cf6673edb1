"""A real browser (headless Chromium, driven by Playwright) against `make dev`.

The assertions are on the browser's own `fetch` results: a POST that CORS
refuses still stores the object in S3, so only the page can tell whether a web
app would have seen it succeed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.browser import PageServer
from tests.support.pages import DOCS_ASSETS, built_assets
from tests.support.stack import Stack

# A slow suite: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


@pytest.fixture
def page_at(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_page(origin: str) -> Any:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{origin}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


# Every call returns what the page's code would see: the response, or the error fetch threw.
FETCH = """
async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    return {ok: response.ok, status: response.status, type: response.type,
            etag: response.headers.get("etag"), text: await response.text()};
  } catch (error) {
    return {error: String(error)};
  }
}
"""

POST_FORM = """
async ([url, fields, name, content, type]) => {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append("file", new Blob([content], {type}), name);
  try {
    const response = await fetch(url, {method: "POST", body: form});
    return {ok: response.ok, status: response.status, etag: response.headers.get("etag")};
  } catch (error) {
    return {error: String(error)};
  }
}
"""


def bearer(token: str) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def test_a_web_app_uploads_straight_to_s3_and_downloads_through_the_api(
    stack: Stack, page_server: PageServer, page_at: Any
) -> None:
    token, _ = stack.new_tenant()
    page = page_at(page_server.allowed_origin)
    api = stack.api

    # The API answers the page's preflight (Authorization is not a simple header).
    asked = page.evaluate(
        FETCH,
        [
            f"{api}/files/presigned-upload?file_path=web/hello.txt&content_type=text/plain",
            {"method": "POST", **bearer(token)},
        ],
    )
    assert asked.get("ok") is True, asked
    post = json.loads(asked["text"])

    stored = page.evaluate(
        POST_FORM, [post["url"], post["fields"], "hello.txt", "hello, browser", "text/plain"]
    )
    assert stored == {"ok": True, "status": 204, "etag": stored["etag"]}, stored
    assert stored["etag"]  # readable only because the bucket's rule exposes ETag

    downloaded = page.evaluate(FETCH, [f"{api}/files/download/web/hello.txt", bearer(token)])
    assert downloaded["ok"] is True, downloaded
    assert downloaded["text"] == "hello, browser"
    assert downloaded["etag"] == stored["etag"]


def test_a_disallowed_origin_fails_in_the_browser_though_s3_stores_the_post(
    stack: Stack, page_server: PageServer, page_at: Any
) -> None:
    token, _ = stack.new_tenant()
    auth = {"Authorization": f"Bearer {token}"}
    page = page_at(page_server.other_origin)  # same server, another origin: not allowed

    asked = page.evaluate(
        FETCH,
        [
            f"{stack.api}/files/presigned-upload?file_path=web/a.txt",
            {"method": "POST", **bearer(token)},
        ],
    )
    assert asked == {"error": "TypeError: Failed to fetch"}

    # Even with a presigned POST in hand (from elsewhere), the page cannot see its upload...
    post = httpx.post(
        f"{stack.api}/files/presigned-upload", params={"file_path": "web/a.txt"}, headers=auth
    ).json()
    posted = page.evaluate(POST_FORM, [post["url"], post["fields"], "a.txt", "x", "text/plain"])
    assert posted == {"error": "TypeError: Failed to fetch"}
    # ...although S3 stored it: CORS only hides the answer from the page, as in AWS.
    assert httpx.get(f"{stack.api}/files/metadata/web/a.txt", headers=auth).status_code == 200

    url = httpx.get(f"{stack.api}/files/presigned-url/web/a.txt", headers=auth).json()["url"]
    assert page.evaluate(FETCH, [url, {}]) == {"error": "TypeError: Failed to fetch"}
    allowed = page_at(page_server.allowed_origin).evaluate(FETCH, [url, {}])
    assert allowed["ok"] is True
    assert allowed["text"] == "x"


def test_large_downloads_in_a_browser_use_presigned_url_not_the_redirect(
    stack: Stack, page_server: PageServer, page_at: Any
) -> None:
    token, _ = stack.new_tenant()
    auth = {"Authorization": f"Bearer {token}"}
    big = os.urandom(1_500_000)
    post = httpx.post(
        f"{stack.api}/files/presigned-upload", params={"file_path": "web/big.bin"}, headers=auth
    ).json()
    stored = httpx.post(post["url"], data=post["fields"], files={"file": ("big.bin", big)})
    assert stored.status_code == 204
    page = page_at(page_server.allowed_origin)

    # fetch() follows the API's 307 to S3 as a cross-origin redirect: the browser then
    # sends `Origin: null`, which the bucket's rule (like the Terraform bucket's) does
    # not allow. Browsers must ask for a presigned URL and fetch that instead.
    redirected = page.evaluate(FETCH, [f"{stack.api}/files/download/web/big.bin", bearer(token)])
    assert redirected == {"error": "TypeError: Failed to fetch"}

    asked = page.evaluate(FETCH, [f"{stack.api}/files/presigned-url/web/big.bin", bearer(token)])
    assert asked["ok"] is True, asked
    length = page.evaluate(
        """async (url) => (await (await fetch(url)).arrayBuffer()).byteLength""",
        json.loads(asked["text"])["url"],
    )
    assert length == len(big)


def test_docs_render_with_every_other_host_cut_off(stack: Stack, browser: Any) -> None:
    """/docs is Swagger UI from the API itself (core_service/docs.py): it renders the
    operations with the network to anything but 127.0.0.1 refused, under its own CSP,
    and logs no error."""
    built_assets(DOCS_ASSETS)
    api = httpx.URL(stack.api)
    assert api.host == "127.0.0.1"
    context = browser.new_context()
    try:
        elsewhere: list[str] = []

        def only_the_api(route: Any) -> None:
            if httpx.URL(route.request.url).host == "127.0.0.1":
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        context.route("**/*", only_the_api)
        page = context.new_page()
        problems: list[str] = []
        page.on(
            "console", lambda message: message.type == "error" and problems.append(message.text)
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.goto(f"{stack.api}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        # Both halves of the domain's document: the core's routes and the file API's.
        assert "/me" in paths, paths
        assert "/files/upload" in paths, paths
        assert page.locator(".opblock").count() >= 20
        assert page.title() == "SnSD API - Swagger UI"
        assert elsewhere == []
        assert problems == []
    finally:
        context.close()
