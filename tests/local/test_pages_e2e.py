"""The pages end to end in Chromium, against `make dev` with the share and request APIs:
a recipient downloads through a share link's page, an outsider sends files through a
request's page (one of 30 MB resumed after a reload), and neither sees anything else.

Everything between the browser and the stack is the pages' own: the tests only create
the links with the member's token, drive the pages as a person would (typing, clicking,
choosing files, reloading), and check what arrived with the member's token.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack

# A slow suite: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow

MiB = 1024 * 1024
PASSWORD = "correct horse battery staple"


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    try:
        yield context
    finally:
        context.close()


class Member:
    """A tenant's member, calling the management API with their token."""

    def __init__(self, stack: Stack) -> None:
        self.api = stack.api
        token, self.tenant = stack.new_tenant()
        self.headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": self.tenant}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method, f"{self.api}{path}", headers=self.headers, timeout=60, **kwargs
        )

    def upload(self, folder: str, name: str, data: bytes) -> None:
        answer = self.call(
            "POST", "/files/upload", params={"folder": folder}, files={"file": (name, data)}
        )
        assert answer.status_code == 201, answer.text


def wait_for(page: Any, check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        page.wait_for_timeout(100)
    pytest.fail(
        f"timed out waiting for {what}: the page says {page.locator('main').inner_text()!r}"
    )


def test_a_recipient_unlocks_a_share_downloads_the_same_bytes_and_a_revoked_link_stops(
    stack: Stack, context: Any
) -> None:
    member = Member(stack)
    report = os.urandom(300_000)
    member.upload("reports", "q4 report.pdf", report)
    # A share link hands out only what is known to be clean (issue 28).
    stack.wait_for_verdict(member.tenant, "reports/q4 report.pdf")
    created = member.call(
        "POST", "/files/shares", json={"path": "reports/q4 report.pdf", "password": PASSWORD}
    )
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["url"].startswith(f"{stack.api}/files/s/")

    page = context.new_page()
    page.goto(link["url"])
    page.locator("#password").wait_for()
    assert "q4 report" not in page.content()  # the name only once unlocked

    # A wrong password is refused, and the form stays.
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    refused = page.locator("form [role=status]")
    wait_for(page, lambda: "not right" in refused.inner_text(), 10, "the refusal")

    # The right one shows the file; its download is the uploaded bytes.
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.locator("#download").wait_for()
    assert page.locator("h1").inner_text() == "q4 report.pdf"
    with page.expect_download() as started:
        page.click("#download")
    saved = Path(started.value.path())
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(report).digest()
    assert started.value.suggested_filename == "q4 report.pdf"

    # The grant is the tab's: a reload needs no password again.
    page.reload()
    page.locator("#download").wait_for()

    # Revoked: the open page's next download says so, and so does the link.
    assert member.call("DELETE", f"/files/shares/{link['id']}").status_code == 204
    page.click("#download")
    status = page.locator("#download-status")
    wait_for(page, lambda: "no longer works" in status.inner_text(), 10, "the refusal")
    page.reload()
    page.locator("h1", has_text="Link no longer available").wait_for()
    assert "revoked" in page.locator("[role=alert]").inner_text().lower()


def test_a_recipient_who_comes_before_the_malware_check_gets_the_file_once_it_is_done(
    stack: Stack, context: Any
) -> None:
    member = Member(stack)
    contract = os.urandom(50_000)
    member.upload("out", "contract.pdf", contract)
    # Linked at once: the link works; its file waits for its verdict (issue 28).
    created = member.call("POST", "/files/shares", json={"path": "out/contract.pdf"})
    assert created.status_code == 201, created.text

    page = context.new_page()
    page.goto(created.json()["url"])
    page.locator("#download").wait_for()
    assert page.locator("#scan").inner_text() == "Being checked for malware"
    # The page asks again as Retry-After says (10 s) and the download starts by itself.
    with page.expect_download(timeout=60_000) as started:
        page.click("#download")
        status = page.locator("#download-status")
        wait_for(page, lambda: "being checked" in status.inner_text(), 10, "the wait")
    saved = Path(started.value.path())
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(contract).digest()
    page.reload()
    page.locator("#download").wait_for()
    assert page.locator("#scan").count() == 0  # clean: nothing more to say


def test_a_folder_link_lists_its_files_a_page_at_a_time_with_a_download_each(
    stack: Stack, context: Any
) -> None:
    member = Member(stack)
    files = {f"scan-{n:02}.txt": os.urandom(100) for n in range(3)}
    for name, data in files.items():
        member.upload("scans", name, data)
    member.upload("scans/older", "scan-00.txt", b"older")
    for path in [*(f"scans/{name}" for name in files), "scans/older/scan-00.txt"]:
        stack.wait_for_verdict(member.tenant, path)
    created = member.call(
        "POST", "/files/shares", json={"path": "scans", "kind": "folder", "lists_contents": True}
    )
    assert created.status_code == 201, created.text

    page = context.new_page()
    page.goto(created.json()["url"])
    page.locator(".listing li.file").first.wait_for()
    names = page.locator(".listing li.file .name").all_inner_texts()
    assert names == sorted(files)
    with page.expect_download() as started:
        page.get_by_role("button", name="Download scan-01.txt").click()
    assert Path(started.value.path()).read_bytes() == files["scan-01.txt"]

    page.get_by_role("button", name="older/").click()
    page.locator(".listing h2", has_text="In older").wait_for()
    assert page.locator(".listing li.file .name").all_inner_texts() == ["scan-00.txt"]


# Files chosen as a person would, through the page's file input.
def choose(page: Any, *files: tuple[str, bytes, str]) -> None:
    page.set_input_files(
        "#files", [{"name": name, "mimeType": kind, "buffer": data} for name, data, kind in files]
    )


KEPT_UPLOAD = """
async () => new Promise((resolve) => {
  const opened = indexedDB.open('uppy-blobs')
  opened.onerror = () => resolve(false)
  opened.onsuccess = () => {
    const db = opened.result
    const names = Array.from(db.objectStoreNames)
    if (!names.includes('files')) { db.close(); resolve(false); return }
    const all = db.transaction(['files'], 'readonly').objectStore('files').getAll()
    all.onsuccess = () => { db.close(); resolve(all.result.length > 0) }
  }
})
"""


def test_an_outsider_sends_three_files_one_resumed_after_a_reload_and_sees_only_their_own(
    stack: Stack, context: Any, browser: Any
) -> None:
    member = Member(stack)
    created = member.call(
        "POST",
        "/files/requests",
        json={
            "folder": "from clients",
            "title": "Documents for your tax return",
            "message": "Your payslips and December's bank statement, please.",
            "max_files": 5,
            "max_file_size": 64 * MiB,
            "ask_name": "required",
            "ask_email": "optional",
        },
    )
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["url"].startswith(f"{stack.api}/files/r/")

    # Somebody else sent a file first: the outsider must never see it.
    other = browser.new_context()
    try:
        earlier = other.new_page()
        earlier.goto(request["url"])
        earlier.fill("#uploader-name", "Somebody Else")
        choose(earlier, ("someone-elses-secret.pdf", b"%PDF other", "application/pdf"))
        earlier.click("#send")
        wait_for(earlier, lambda: "Sent 1 file" in earlier.inner_text("main"), 60, "the upload")
    finally:
        other.close()

    page = context.new_page()
    # The parts of the big file S3 answered, before and after the reload.
    answered: list[int] = []
    page.on(
        "response",
        lambda r: (
            answered.extend(map(int, re.findall(r"[?&]partNumber=(\d+)", r.url)))
            if r.request.method == "PUT" and "statement.pdf" in r.url and r.ok
            else None
        ),
    )
    # Its fourth part never gets an answer, as on a connection that died mid-part.
    held: list[Any] = []
    page.route(
        re.compile(r"statement\.pdf.*[?&]partNumber=4(&|$)"),
        lambda route: route.continue_() if held else held.append(route),
    )
    page.goto(request["url"])
    page.locator("h1", has_text="Documents for your tax return").wait_for()
    assert "someone-elses-secret" not in page.content()
    page.fill("#uploader-name", "Ada Client")
    page.fill("#uploader-email", "ada@example.com")
    big = os.urandom(30 * MiB)
    small = [(f"payslip-{n}.pdf", os.urandom(200_000), "application/pdf") for n in (1, 2)]
    choose(page, ("statement.pdf", big, "application/pdf"), *small)
    page.click("#send")
    # Uppy sends a file's parts one after another: 1 to 3 are in, 4 hangs.
    wait_for(page, lambda: held and answered == [1, 2, 3], 90, "parts 1 to 3")
    wait_for(page, lambda: page.evaluate(KEPT_UPLOAD), 20, "Golden Retriever to keep the upload")
    answered.clear()

    page.reload()
    page.locator("h1", has_text="Documents for your tax return").wait_for()
    wait_for(
        page,
        lambda: page.locator("#upload-status").inner_text().startswith("Sent"),
        180,
        "the uploads to finish after the reload",
    )
    # The big file went on where it stopped: 1 to 3 were not sent again.
    assert answered == [4, 5, 6]
    rows = page.locator("#selected li .name").all_inner_texts()
    assert sorted(rows) == ["payslip-1.pdf", "payslip-2.pdf", "statement.pdf"][: len(rows)]
    assert "someone-elses-secret" not in page.content()

    # The requester sees every submission: the outsider's three with the name they gave.
    listed = member.call("GET", f"/files/requests/{request['request_id']}/submissions")
    assert listed.status_code == 200, listed.text
    mine = {
        s["filename"]: s for s in listed.json()["submissions"] if s["uploader_name"] == "Ada Client"
    }
    assert sorted(mine) == ["payslip-1.pdf", "payslip-2.pdf", "statement.pdf"]
    assert {s["state"] for s in mine.values()} == {"completed"}
    assert {s["uploader_email"] for s in mine.values()} == {"ada@example.com"}
    assert mine["statement.pdf"]["size"] == len(big)
    # A file from outside is handed to no member before its verdict (issue 28).
    statement = mine["statement.pdf"]
    stack.wait_for_verdict(member.tenant, statement["path"], statement["version_id"])
    stored = member.call("GET", f"/files/presigned-url/{statement['path']}")
    assert stored.status_code == 200, stored.text
    downloaded = httpx.get(stored.json()["url"], timeout=120).content
    assert hashlib.sha256(downloaded).digest() == hashlib.sha256(big).digest()
