"""Uppy in Chromium uploads a multipart file through `make dev`'s stack, from a page on
another origin, with no upload code of the page's own, and resumes after a reload.

The page is what a web app is: the real `@uppy/core`, `@uppy/aws-s3` and
`@uppy/golden-retriever` from npm (tests/local/uppy_bundle.py), configured with
the `companionEndpoint` the API answers for an upload session, and Golden
Retriever to survive a reload. Nothing else: every request to the API and to S3
is Uppy's own.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.local.uppy_bundle import bundle_or_skip
from tests.support.browser import PageServer
from tests.support.stack import Stack

# A slow suite: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow

MiB = 1024 * 1024
SIZE = 5 * 5 * MiB + MiB  # six parts of Uppy's 5 MiB chunks

# The web app: ask the API for an upload session with the user's token, hand its
# endpoint to Uppy, let Golden Retriever bring back an interrupted upload.
APP = """
window.startApp = async ({api, token, folder}) => {
  const asked = await fetch(`${api}/files/upload-sessions`, {
    method: 'POST',
    headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/json'},
    body: JSON.stringify({folder}),
  })
  const session = await asked.json()
  const uppy = new Uppy({id: 'snsd-web-app'})
  uppy.use(GoldenRetriever, {indexedDB: {maxFileSize: 64 * 2 ** 20, maxTotalSize: 256 * 2 ** 20}})
  uppy.use(AwsS3, {companionEndpoint: session.companion_endpoint, shouldUseMultipart: true})
  window.seen = []
  uppy.on('s3-multipart:part-uploaded', (file, part) => window.seen.push(['part', part.PartNumber]))
  uppy.on('upload-success', (file, answer) => window.seen.push(['success', answer.body.key]))
  uppy.on('upload-error', (file, error) => window.seen.push(['error', String(error)]))
  // What Uppy's Dashboard does when the user clicks "resume".
  uppy.on('restored', () => uppy.emit('restore-confirmed'))
  window.uppy = uppy
  return session.companion_endpoint
}
"""

ADD_FILE = """
async ([size]) => {
  const bytes = new Uint8Array(size)
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65536, size)))
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  uppy.addFile({name: 'field-recording.wav', type: 'audio/wav', data: new Blob([bytes])})
  uppy.upload()
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}
"""

# What Golden Retriever has kept in IndexedDB: blob sizes and the files' s3Multipart state.
KEPT = """
async () => new Promise((resolve) => {
  const opened = indexedDB.open('uppy-blobs')
  opened.onerror = () => resolve(null)
  opened.onsuccess = () => {
    const db = opened.result
    const names = Array.from(db.objectStoreNames)
    if (!names.length) { db.close(); resolve({}); return }
    const found = {}
    let left = names.length
    const tx = db.transaction(names, 'readonly')
    for (const name of names) {
      const all = tx.objectStore(name).getAll()
      all.onsuccess = () => {
        found[name] = JSON.stringify(all.result, (k, v) => v instanceof Blob ? {blob: v.size} : v)
        if (--left === 0) { db.close(); resolve(found) }
      }
    }
  }
})
"""


@pytest.fixture(scope="module")
def bundle() -> Path:
    return bundle_or_skip()


@pytest.fixture
def context(bundle: Path, browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    try:
        # On every load of the page, reloads included: Uppy, then the app.
        context.add_init_script(path=str(bundle))
        context.add_init_script(script=APP)
        yield context
    finally:
        context.close()


def wait_for(page: Any, check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        page.wait_for_timeout(100)  # lets Playwright deliver the page's events meanwhile
    pytest.fail(f"timed out waiting for {what}: the page saw {page.evaluate('window.seen')}")


def test_uppy_uploads_in_parts_and_resumes_after_a_reload(
    stack: Stack, page_server: PageServer, context: Any
) -> None:
    token, _ = stack.new_tenant()
    auth = {"Authorization": f"Bearer {token}"}
    page = context.new_page()
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    # Part 3's first PUT never gets an answer, as on a connection that died mid-part
    # (held until the reload cancels it); later ones go through.
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"[?&]partNumber=3(&|$)"), hold_the_first)
    page.goto(f"{page_server.allowed_origin}/")
    start = {"api": stack.api, "token": token, "folder": "recordings"}
    first_endpoint = page.evaluate("(start) => startApp(start)", start)

    expected = page.evaluate(ADD_FILE, [SIZE])

    wait_for(page, lambda: held, 60, "part 3 to be on its way")
    assert page.evaluate("window.seen") == [["part", 1], ["part", 2]]

    def kept() -> bool:
        stores = page.evaluate(KEPT) or {}
        metadata = stores.get("metadata", "")
        blob = f'{{"blob":{SIZE}}}' in stores.get("files", "")
        return blob and "s3Multipart" in metadata and "uploadId" in metadata

    wait_for(page, kept, 10, "Golden Retriever to keep the file and its upload")
    before_reload = len(requests)

    page.reload()
    second_endpoint = page.evaluate("(start) => startApp(start)", start)

    seen = wait_for(
        page, lambda: [e for e in page.evaluate("window.seen") if e[0] != "part"], 120, "the upload"
    )
    assert seen == [["success", "recordings/field-recording.wav"]], page.evaluate("window.seen")
    assert second_endpoint != first_endpoint  # a new session resumed the old upload

    # Uppy asked which parts storage held, then sent only the others.
    after = requests[before_reload:]
    assert not [u for m, u in after if m == "POST" and u.endswith("/s3/multipart")]  # no new
    listed = [u for m, u in after if m == "GET" and re.search(r"/s3/multipart/[^/]+\?key=", u)]
    assert listed, after
    puts = [int(parse_qs(urlsplit(u).query)["partNumber"][0]) for m, u in requests if m == "PUT"]
    assert puts[:3] == [1, 2, 3]  # before the reload, 3 never answered
    assert sorted(puts[3:]) == [3, 4, 5, 6]  # after it: 1 and 2 are not sent again

    # The file is whole.
    url = httpx.get(
        f"{stack.api}/files/presigned-url/recordings/field-recording.wav", headers=auth
    ).json()["url"]
    assert hashlib.sha256(httpx.get(url, timeout=60).content).hexdigest() == expected
    metadata = httpx.get(
        f"{stack.api}/files/metadata/recordings/field-recording.wav", headers=auth
    ).json()
    assert metadata["size"] == SIZE
    unfinished = httpx.get(f"{stack.api}/files/multipart", headers=auth).json()
    assert unfinished["uploads"] == [], json.dumps(unfinished)
