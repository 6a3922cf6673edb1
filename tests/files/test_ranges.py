"""Byte ranges (issue 30): `Range` and `If-Range` on inline downloads (`206`, `416`),
and the presigned GET a large download is redirected to honouring the same `Range`
(SeaweedFS, a real S3 server, answers it)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dev.alb import AlbClient
from file_lambda.files.ranges import ByteRange, RangeNotSatisfiable, requested_range
from tests.support.files import BUCKET, ClientFactory
from tests.support.problems import assert_problem

BODY = bytes(range(256)) * 4  # 1,024 bytes, each position recognisable
MB = 1024 * 1024


def put(s3: Any, tenant: str, path: str, body: bytes) -> dict[str, Any]:
    answer: dict[str, Any] = s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", Body=body)
    return answer


# -- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", (0, 99)),  # the first hundred
        ("bytes=100-199", (100, 199)),  # the middle
        ("bytes=1000-", (1000, 1023)),  # from an offset to the end: a resumed download
        ("bytes=-24", (1000, 1023)),  # the last 24
        ("bytes=-5000", (0, 1023)),  # a suffix longer than the file: all of it
        ("bytes=1000-9999", (1000, 1023)),  # a last byte past the end: the end
        ("bytes=1023-1023", (1023, 1023)),  # the very last byte
        ("bytes = 0-0", (0, 0)),  # spaces are tolerated
    ],
)
def test_one_satisfiable_range_is_served(header: str, expected: tuple[int, int]) -> None:
    assert requested_range(header, 1024) == ByteRange(*expected, 1024)


@pytest.mark.parametrize(
    "header",
    [
        "bytes=0-1,5-9",  # several ranges: the whole file, as S3 answers them
        "items=0-9",  # another unit
        "bytes=9-0",  # last before first: invalid, ignored
        "bytes=-",
        "bytes=abc",
        "0-99",
    ],
)
def test_what_is_not_one_range_is_ignored(header: str) -> None:
    assert requested_range(header, 1024) is None


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=1024-", 1024), ("bytes=-0", 1024), ("bytes=0-", 0), ("bytes=-1", 0)],
)
def test_a_range_past_the_end_or_of_an_empty_file_is_not_satisfiable(
    header: str, size: int
) -> None:
    with pytest.raises(RangeNotSatisfiable) as refused:
        requested_range(header, size)
    assert refused.value.content_range == f"bytes */{size}"


def test_if_range_applies_the_range_only_to_the_same_representation() -> None:
    modified = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)
    same = {"etag": '"abc"', "last_modified": modified}
    assert requested_range("bytes=0-9", 1024, if_range='"abc"', **same) is not None
    assert requested_range("bytes=0-9", 1024, if_range='"stale"', **same) is None
    # A weak validator never allows splicing bytes (RFC 9110 13.1.5).
    assert requested_range("bytes=0-9", 1024, if_range='W/"abc"', **same) is None
    when = format_datetime(modified, usegmt=True)
    assert requested_range("bytes=0-9", 1024, if_range=when, **same) is not None
    later = format_datetime(modified + timedelta(seconds=1), usegmt=True)
    assert requested_range("bytes=0-9", 1024, if_range=later, **same) is None
    assert requested_range("bytes=0-9", 1024, if_range="not a date", **same) is None


@given(
    size=st.integers(0, 3000),
    first=st.one_of(st.none(), st.integers(0, 4000)),
    last=st.one_of(st.none(), st.integers(0, 4000)),
)
def test_a_served_range_is_the_slice_python_would_cut(
    size: int, first: int | None, last: int | None
) -> None:
    """Against a reference written from RFC 9110 14.1.2 directly."""
    if first is None and last is None:
        return
    header = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    body = os.urandom(size)
    if first is None:
        assert last is not None
        expected: bytes | None = body[-last:] if last > 0 and size else None
        unsatisfiable = last == 0 or size == 0
    elif last is not None and last < first:
        expected, unsatisfiable = body, False  # ignored: the whole file
    else:
        unsatisfiable = first >= size
        expected = None if unsatisfiable else body[first : (size if last is None else last + 1)]
    try:
        served = requested_range(header, size)
    except RangeNotSatisfiable:
        assert unsatisfiable
        return
    assert not unsatisfiable
    assert (body if served is None else served.of(body)) == expected


# -- through the API ------------------------------------------------------------------------


def test_an_inline_download_answers_206_with_the_bytes_asked_for(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    put(s3, tenant, "ranges/a.bin", BODY)
    client = client_for("viewer")

    whole = client.get("/files/download/ranges/a.bin")
    assert whole.status == 200
    assert whole.headers["accept-ranges"] == "bytes"
    for header, first, last in [
        ("bytes=0-99", 0, 99),
        ("bytes=500-599", 500, 599),
        ("bytes=-24", 1000, 1023),
        ("bytes=1000-", 1000, 1023),
    ]:
        part = client.get("/files/download/ranges/a.bin", headers={"range": header})
        assert part.status == 206, header
        assert part.body == BODY[first : last + 1]
        assert part.headers["content-range"] == f"bytes {first}-{last}/1024"
        assert int(part.headers["content-length"]) == last - first + 1
        assert part.headers["etag"] == whole.headers["etag"]


def test_an_unsatisfiable_range_is_416_with_the_size(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    put(s3, tenant, "ranges/b.bin", BODY)
    answer = client_for("viewer").get(
        "/files/download/ranges/b.bin", headers={"range": "bytes=5000-"}
    )
    assert_problem(answer, 416, "range_not_satisfiable")
    assert answer.headers["content-range"] == "bytes */1024"


def test_if_range_with_a_stale_etag_answers_the_whole_new_file(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    """A client resuming a download of a file that has changed since gets all of the new
    one, never the old file's first half spliced to the new one's second."""
    stale = put(s3, tenant, "ranges/c.bin", BODY)["ETag"]
    newer = bytes(reversed(BODY))
    put(s3, tenant, "ranges/c.bin", newer)
    client = client_for("viewer")

    resumed = client.get(
        "/files/download/ranges/c.bin", headers={"range": "bytes=512-", "if-range": stale}
    )
    assert resumed.status == 200
    assert resumed.body == newer
    assert "content-range" not in resumed.headers

    current = client.get("/files/download/ranges/c.bin").headers["etag"]
    same = client.get(
        "/files/download/ranges/c.bin", headers={"range": "bytes=512-", "if-range": current}
    )
    assert (same.status, same.body) == (206, newer[512:])


def test_if_none_match_wins_over_range(client_for: ClientFactory, s3: Any, tenant: str) -> None:
    etag = put(s3, tenant, "ranges/d.bin", BODY)["ETag"]
    answer = client_for("viewer").get(
        "/files/download/ranges/d.bin", headers={"range": "bytes=0-9", "if-none-match": etag}
    )
    assert answer.status == 304


def test_a_large_download_redirects_and_the_presigned_get_honours_the_range(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    data = os.urandom(3 * MB)
    put(s3, tenant, "ranges/large.bin", data)
    redirect = client.get("/files/download/ranges/large.bin", headers={"range": "bytes=-1000"})
    assert redirect.status == 307
    # As curl -L and httpx send it again to the location.
    followed = httpx.get(redirect.headers["location"], headers={"range": "bytes=1048576-1049599"})
    assert followed.status_code == 206
    assert followed.content == data[1048576:1049600]
    assert followed.headers["content-range"] == f"bytes 1048576-1049599/{len(data)}"
    suffix = httpx.get(redirect.headers["location"], headers={"range": "bytes=-1000"})
    assert (suffix.status_code, suffix.content) == (206, data[-1000:])
