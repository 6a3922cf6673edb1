"""Byte ranges through `make dev`'s load balancer, as a player or a resuming download sends
them (issue 30): the first bytes, the middle, a suffix, an unsatisfiable range, `If-Range`
with a stale ETag; and a large file's redirect followed by the client with its `Range`."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.slow


def test_ranges_of_a_download_through_the_load_balancer(stack: Stack) -> None:
    token, tenant = stack.new_tenant("Ranges")
    headers = {"Authorization": f"Bearer {token}", "X-Tenant-Id": tenant}
    with httpx.Client(base_url=stack.api, headers=headers, timeout=30) as api:
        body = os.urandom(200_000)
        uploaded = api.post("/files/upload", files={"file": ("clip.mp4", body, "video/mp4")})
        assert uploaded.status_code == 201, uploaded.text
        etag = uploaded.json()["etag"]

        for wanted, expected in [
            ("bytes=0-1023", body[:1024]),
            ("bytes=100000-100999", body[100_000:101_000]),
            ("bytes=-4096", body[-4096:]),
            ("bytes=150000-", body[150_000:]),
        ]:
            part = api.get("/files/download/clip.mp4", headers={"Range": wanted})
            assert part.status_code == 206, (wanted, part.text)
            assert part.content == expected, wanted
            assert part.headers["content-range"].endswith("/200000")

        beyond = api.get("/files/download/clip.mp4", headers={"Range": "bytes=200000-"})
        assert beyond.status_code == 416
        assert beyond.headers["content-type"] == "application/problem+json"
        assert beyond.json()["code"] == "range_not_satisfiable"
        assert beyond.headers["content-range"] == "bytes */200000"

        replaced = os.urandom(200_000)
        again = api.post(
            "/files/upload",
            params={"overwrite": "true"},
            files={"file": ("clip.mp4", replaced, "video/mp4")},
        )
        assert again.status_code == 201, again.text
        resumed = api.get(
            "/files/download/clip.mp4", headers={"Range": "bytes=100000-", "If-Range": etag}
        )
        assert (resumed.status_code, resumed.content) == (200, replaced)

        # Too large to answer inline: the client follows the redirect with its Range.
        large = os.urandom(3 * 1024 * 1024)
        started = api.post("/files/presigned-upload", params={"file_path": "large.bin"})
        assert started.status_code == 200, started.text
        form = started.json()
        posted = httpx.post(form["url"], data=form["fields"], files={"file": ("large.bin", large)})
        assert posted.status_code in (200, 201, 204), posted.text
        followed = api.get(
            "/files/download/large.bin",
            headers={"Range": "bytes=2000000-2000099"},
            follow_redirects=True,
        )
        assert followed.status_code == 206
        assert followed.content == large[2_000_000:2_000_100]
