"""The share and request pages in Chromium, against `make dev`: their policy, what they
load, and how a person reaches them (keyboard, a phone's width, a link that is not one).

These run on the pages alone. Where a page must render a link's metadata (the focus
order, the phone's width), the public API's answer is given by the test in the
contract's shape (docs/api.md); tests/local/test_pages_e2e.py drives the real API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from file_lambda.public_links import PUBLIC_HEADERS
from tests.support.stack import Stack

# A slow suite: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow

TOKEN = "Zm9yLXRoZS1wYWdlcy10ZXN0cy1vbmx5LW5vdC1hLWxpbms"
PHONE = {"width": 360, "height": 740}

# A password link names its file only once unlocked.
LOCKED_SHARE = {
    "name": None,
    "kind": "file",
    "size": None,
    "expires_at": "2026-12-14T12:00:00Z",
    "password_required": True,
    "lists_contents": False,
    "downloads_left": 3,
    "label": "For the audit",
}
SHARE = {
    **LOCKED_SHARE,
    "name": "Quarterly-report-with-a-rather-long-name-that-must-wrap-on-a-phone-2026-Q4.pdf",
    "size": 1_234_567,
    "password_required": False,
}
REQUEST = {
    "title": "Documents for your 2026 tax return",
    "message": "Please send your payslips and the bank statements for December.",
    "expires_at": "2026-12-31T23:00:00Z",
    "password_required": False,
    "max_file_size": 50 * 1024 * 1024,
    "max_files": 10,
    "files_left": 10,
    "allowed_types": ["application/pdf", "image/*"],
    "ask_name": "required",
    "ask_email": "optional",
}


# What sticks out on the right, to say which element a failure is about.
WIDER_THAN_THE_SCREEN = """
Array.from(document.querySelectorAll('body *'))
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth)
  .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`)
"""


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    try:
        yield context
    finally:
        context.close()


class Watched:
    """A page with everything it asked for and every policy violation it logged."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[str] = []
        self.violations: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "console",
            lambda message: (
                self.violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: self.violations.append(f"pageerror: {error}"))


def watch(context: Any) -> Watched:
    return Watched(context.new_page())


def answer(page: Any, stack: Stack, kind: str, body: dict[str, Any]) -> None:
    """The public API's metadata of the link, as the contract shapes it."""
    page.route(
        f"{stack.api}/files/public/{kind}/{TOKEN}",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(body)
        ),
    )


@pytest.mark.parametrize("path", ["s", "r"])
def test_a_page_carries_the_public_headers_and_its_own_strict_policy(
    stack: Stack, path: str
) -> None:
    page = httpx.get(f"{stack.api}/files/{path}/{TOKEN}")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    for name, value in PUBLIC_HEADERS.items():
        assert page.headers[name] == value
    policy = page.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; script-src 'self'; style-src 'self'; ")
    assert f"connect-src 'self' {stack.urls['s3']};" in policy
    assert policy.endswith("form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
    # The stack's own security headers still hold, and no document policy doubles this one.
    assert page.headers["x-content-type-options"] == "nosniff"
    assert len(page.headers.get_list("content-security-policy")) == 1

    assets = [a for a in page.text.split('"') if a.startswith("/files/assets/")]
    assert len(assets) == 2
    for asset in assets:
        served = httpx.get(f"{stack.api}{asset}")
        assert served.status_code == 200
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    missing = httpx.get(f"{stack.api}/files/assets/manifest.json")
    assert missing.status_code == 404
    assert missing.json()["code"] == "asset_not_found"


@pytest.mark.parametrize(("path", "kind"), [("s", "shares"), ("r", "requests")])
def test_a_page_for_no_link_says_so_and_loads_nothing_from_elsewhere(
    stack: Stack, context: Any, path: str, kind: str
) -> None:
    watched = watch(context)
    watched.page.goto(f"{stack.api}/files/{path}/{TOKEN}")

    heading = watched.page.locator("h1")
    heading.wait_for()
    assert heading.text_content() == "Link not found"
    assert "does not exist" in watched.page.locator("[role=alert]").text_content()
    api = urlsplit(stack.api).netloc
    assert {urlsplit(url).netloc for url in watched.requests} == {api}, watched.requests
    assert f"{stack.api}/files/public/{kind}/{TOKEN}" in watched.requests
    assert watched.violations == []


def test_the_share_page_works_by_keyboard_alone_with_focus_in_sight(
    stack: Stack, context: Any
) -> None:
    watched = watch(context)
    answer(watched.page, stack, "shares", LOCKED_SHARE)
    watched.page.goto(f"{stack.api}/files/s/{TOKEN}")
    watched.page.locator("#password").wait_for()

    order = []
    for _ in range(2):
        watched.page.keyboard.press("Tab")
        order.append(
            watched.page.evaluate("document.activeElement.id || document.activeElement.textContent")
        )
    assert order == ["password", "Unlock"]
    assert watched.page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert watched.page.locator("label[for=password]").text_content() == "Password"
    assert watched.violations == []


def test_the_request_page_works_by_keyboard_alone_with_focus_in_sight(
    stack: Stack, context: Any
) -> None:
    watched = watch(context)
    answer(watched.page, stack, "requests", REQUEST)
    watched.page.goto(f"{stack.api}/files/r/{TOKEN}")
    watched.page.locator("#send").wait_for()

    order = []
    for _ in range(4):
        watched.page.keyboard.press("Tab")
        active = watched.page.evaluate("document.activeElement.id")
        outline = watched.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        order.append((active, outline))
    assert order == [
        ("uploader-name", "solid"),
        ("uploader-email", "solid"),
        ("files", "solid"),
        ("send", "solid"),
    ]
    # Every field has its label; the limits are on the page.
    for field in ("uploader-name", "uploader-email", "files"):
        assert watched.page.locator(f"label[for={field}]").count() == 1
    limits = watched.page.locator("#limits").text_content()
    assert "Largest file: 50 MB" in limits
    assert "10 more files can be sent" in limits
    assert "Accepted types: application/pdf, image/*" in limits
    # Sending without the required name says so and goes back to it.
    watched.page.keyboard.press("Enter")
    assert "Your name" in watched.page.locator("#upload-status").text_content()
    assert watched.page.evaluate("document.activeElement.id") == "uploader-name"
    assert watched.violations == []


@pytest.mark.parametrize(
    ("path", "kind", "body", "ready"),
    [("s", "shares", SHARE, "#download"), ("r", "requests", REQUEST, "#send")],
)
def test_a_page_fits_a_phone_without_scrolling_sideways(
    stack: Stack, browser: Any, path: str, kind: str, body: dict[str, Any], ready: str
) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        watched = watch(context)
        answer(watched.page, stack, kind, body)
        watched.page.goto(f"{stack.api}/files/{path}/{TOKEN}")
        watched.page.locator(ready).wait_for()
        widths = watched.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        wider = watched.page.evaluate(WIDER_THAN_THE_SCREEN)
        assert widths == [PHONE["width"], PHONE["width"]], wider
        assert watched.violations == []
    finally:
        context.close()


KEPT_BY_GOLDEN_RETRIEVER = """
async () => new Promise((resolve) => {
  const opened = indexedDB.open('uppy-blobs')
  opened.onerror = () => resolve(false)
  opened.onsuccess = () => {
    const db = opened.result
    if (!Array.from(db.objectStoreNames).includes('files')) { db.close(); resolve(false); return }
    const all = db.transaction(['files'], 'readonly').objectStore('files').getAll()
    all.onsuccess = () => { db.close(); resolve(all.result.length > 0) }
  }
})
"""


def test_files_only_chosen_before_a_reload_come_back_and_wait_for_send(
    stack: Stack, context: Any
) -> None:
    """Golden Retriever brings chosen files back; they are not sent until the uploader
    says so (its own confirmation would send them, the required name still empty)."""
    watched = watch(context)
    answer(watched.page, stack, "requests", REQUEST)
    watched.page.goto(f"{stack.api}/files/r/{TOKEN}")
    watched.page.locator("#send").wait_for()
    watched.page.set_input_files(
        "#files", [{"name": "payslip.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1"}]
    )
    deadline = time.monotonic() + 10
    while not watched.page.evaluate(KEPT_BY_GOLDEN_RETRIEVER):
        assert time.monotonic() < deadline, "Golden Retriever kept nothing"
        watched.page.wait_for_timeout(100)

    watched.page.reload()
    watched.page.locator("#selected li .name", has_text="payslip.pdf").wait_for()
    watched.page.wait_for_timeout(1000)
    assert not [url for url in watched.requests if "/s3/" in url], watched.requests
    assert watched.page.locator("#selected li .state").all_inner_texts() == ["Ready"]
    assert "press Send files" in watched.page.locator("#upload-status").inner_text()
    assert watched.violations == []


def problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Any:
    """A route handler answering the public API's problem+json."""
    body = {"type": "about:blank", "status": status, "code": code, "detail": detail}
    return lambda route: route.fulfill(
        status=status,
        headers={"Content-Type": "application/problem+json", **(headers or {})},
        body=json.dumps(body),
    )


def test_a_link_that_no_longer_works_says_why(stack: Stack, context: Any) -> None:
    watched = watch(context)
    watched.page.route(
        f"{stack.api}/files/public/shares/{TOKEN}",
        problem(410, "link_gone", "This link has expired"),
    )
    watched.page.goto(f"{stack.api}/files/s/{TOKEN}")
    watched.page.locator("h1", has_text="Link no longer available").wait_for()
    alert = watched.page.locator("[role=alert]").inner_text()
    assert alert == "This link no longer works: This link has expired"


def test_too_many_password_attempts_say_how_long_to_wait(stack: Stack, context: Any) -> None:
    watched = watch(context)
    answer(watched.page, stack, "shares", LOCKED_SHARE)
    watched.page.route(
        f"{stack.api}/files/public/shares/{TOKEN}/unlock",
        problem(429, "too_many_attempts", "Too many", {"Retry-After": "120"}),
    )
    watched.page.goto(f"{stack.api}/files/s/{TOKEN}")
    watched.page.fill("#password", "a guess")
    watched.page.keyboard.press("Enter")
    status = watched.page.locator("form [role=status]")
    status.filter(has_text="Too many attempts").wait_for()
    assert status.inner_text() == "Too many attempts. Try again in 2 minutes."
    # The form stays, its field focused for the next try.
    assert watched.page.evaluate("document.activeElement.id") == "password"
