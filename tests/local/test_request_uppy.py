"""Uppy in Chromium uploads into a file request with a password through `make dev`'s stack,
from a page on another origin, and resumes after a reload: the request's Companion routes
are what the real `@uppy/aws-s3` calls (tests/local/test_uppy.py does the same for a
member's upload session).

@uppy/aws-s3 6.x calls its Companion endpoint with the page's `fetch` and takes no
headers for it, so the page adds the grant to those calls itself, as the request page
does (file_lambda/pages).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.local.test_uppy import KEPT, SIZE, bundle, wait_for
from tests.support.browser import PageServer
from tests.support.stack import Stack

__all__ = ["bundle"]  # a fixture, used by name

pytestmark = pytest.mark.slow

APP = """
window.startRequest = async ({api, link, password}) => {
  const companion = `${api}${link}`
  const unlocked = await fetch(`${companion}/unlock`, {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({password}),
  })
  const {grant} = await unlocked.json()
  const pageFetch = window.fetch.bind(window)
  window.fetch = (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url
    if (!url.startsWith(`${companion}/s3/`)) return pageFetch(input, init)
    const headers = new Headers(init.headers || {})
    headers.set('X-Link-Grant', grant)
    return pageFetch(input, {...init, headers})
  }
  const uppy = new Uppy({id: 'snsd-file-request'})
  uppy.use(GoldenRetriever, {indexedDB: {maxFileSize: 64 * 2 ** 20, maxTotalSize: 256 * 2 ** 20}})
  uppy.use(AwsS3, {companionEndpoint: companion, shouldUseMultipart: true,
                   allowedMetaFields: ['name']})
  window.seen = []
  uppy.on('s3-multipart:part-uploaded', (file, part) => window.seen.push(['part', part.PartNumber]))
  uppy.on('upload-success', (file, answer) => window.seen.push(['success', answer.body.key]))
  uppy.on('upload-error', (file, error) => window.seen.push(['error', String(error)]))
  uppy.on('restored', () => uppy.emit('restore-confirmed'))
  window.uppy = uppy
}
"""

# A file, and the uploader's name in place of Uppy's own `name` (the file's) in what is sent.
ADD_FILE = """
async ([size]) => {
  const bytes = new Uint8Array(size)
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65536, size)))
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  const id = uppy.addFile({name: 'interview.wav', type: 'audio/wav', data: new Blob([bytes])})
  uppy.setFileMeta(id, {name: 'Ann Example'})
  uppy.upload()
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}
"""


@pytest.fixture
def context(bundle: Path, browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    try:
        context.add_init_script(path=str(bundle))
        context.add_init_script(script=APP)
        yield context
    finally:
        context.close()


def test_uppy_uploads_into_a_file_request_and_resumes_after_a_reload(
    stack: Stack, page_server: PageServer, context: Any
) -> None:
    token, tenant = stack.new_tenant()
    auth = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant}
    body = {
        "title": "Interviews",
        "folder": "inbox",
        "password": "open sesame",
        "ask_name": "required",
    }
    opened = httpx.post(f"{stack.api}/files/requests", json=body, headers=auth)
    assert opened.status_code == 201, opened.text
    request_id = opened.json()["request_id"]
    link = "/files/public/requests/" + opened.json()["url"].rsplit("/", 1)[1]

    # The grant is a header a browser asks leave for (Playwright answers the preflights of
    # routed pages itself, so the load balancer's answer is checked here).
    preflight = {
        "Origin": page_server.allowed_origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-link-grant",
    }
    allowed = httpx.options(f"{stack.api}{link}/s3/multipart", headers=preflight)
    assert allowed.status_code == 200, allowed.text

    page = context.new_page()
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    held: list[Any] = []  # part 3's first PUT never answers, as on a connection that died

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"[?&]partNumber=3(&|$)"), hold_the_first)
    page.goto(f"{page_server.allowed_origin}/")
    start = {"api": stack.api, "link": link, "password": "open sesame"}
    page.evaluate("(start) => startRequest(start)", start)
    expected = page.evaluate(ADD_FILE, [SIZE])
    wait_for(page, lambda: held, 60, "part 3 to be on its way")

    def kept() -> bool:
        stores = page.evaluate(KEPT) or {}
        return "uploadId" in stores.get("metadata", "") and str(SIZE) in stores.get("files", "")

    wait_for(page, kept, 10, "Golden Retriever to keep the file and its upload")
    before_reload = len(requests)
    page.reload()
    page.evaluate("(start) => startRequest(start)", start)
    seen = wait_for(
        page, lambda: [e for e in page.evaluate("window.seen") if e[0] != "part"], 120, "the upload"
    )
    # The uploader is answered the name they sent, and resumed without starting again.
    assert seen == [["success", "interview.wav"]], page.evaluate("window.seen")
    after = requests[before_reload:]
    assert not [u for m, u in after if m == "POST" and u.endswith("/s3/multipart")]

    listed = httpx.get(f"{stack.api}/files/requests/{request_id}/submissions", headers=auth)
    [submission] = listed.json()["submissions"]
    assert (submission["path"], submission["size"], submission["state"]) == (
        "inbox/interview.wav",
        SIZE,
        "completed",
    )
    assert submission["uploader_name"] == "Ann Example"
    # A file from outside is handed to no member before its verdict (issue 28).
    stack.wait_for_verdict(tenant, submission["path"], submission["version_id"])
    url = httpx.get(f"{stack.api}/files/presigned-url/inbox/interview.wav", headers=auth).json()[
        "url"
    ]
    assert hashlib.sha256(httpx.get(url, timeout=60).content).hexdigest() == expected
