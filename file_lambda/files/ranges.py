"""Byte ranges of an inline download (RFC 9110, sections 13.1.5 and 14).

A download the function answers inline holds at most `max_inline_download_bytes`
(the load balancer's response limit), so its range is cut from bytes already
read; a larger file is redirected to a presigned GET, and S3 honours the same
`Range` there.

What is served:

- one range, `bytes=first-last`, `bytes=first-` or `bytes=-suffix`: `206` with
  `Content-Range`; a `last` past the end means the end, as RFC 9110 says;
- a range that starts past the end, or a suffix of zero (every range of an empty
  file): `416` with `Content-Range: bytes */size`;
- several ranges, another unit or a malformed header: the whole file (`200`),
  as the RFC allows a server to ignore `Range`, and as S3 answers several ranges;
- `If-Range` with an entity tag that is not the file's current strong ETag, or a
  date that is not exactly its `Last-Modified`: the whole file, so that a client
  resuming from a copy that has since changed never splices two versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

_ONE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True, slots=True)
class ByteRange:
    """A satisfiable range: `first` to `last`, both included, of a `size`-byte file."""

    first: int
    last: int
    size: int

    @property
    def content_range(self) -> str:
        return f"bytes {self.first}-{self.last}/{self.size}"

    def of(self, body: bytes) -> bytes:
        return body[self.first : self.last + 1]


class RangeNotSatisfiable(Exception):
    """No byte of the file is in the range asked for (`416`)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"The range does not overlap the file's {size} bytes")
        self.size = size

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


def requested_range(
    header: str | None,
    size: int,
    *,
    if_range: str | None = None,
    etag: str | None = None,
    last_modified: datetime | None = None,
) -> ByteRange | None:
    """The range to serve of a `size`-byte file, or None for all of it.

    Raises RangeNotSatisfiable for one well-formed range the file cannot satisfy.
    """
    if header is None or not _if_range_holds(if_range, etag, last_modified):
        return None
    match = _ONE_RANGE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None  # another unit, several ranges, or not a range at all: ignored
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None  # "bytes=-": malformed
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return ByteRange(max(0, size - suffix), size - 1, size)
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None  # malformed (RFC 9110 14.1.1: an invalid range-spec is ignored)
    if first >= size:
        raise RangeNotSatisfiable(size)
    last = min(int(last_text), size - 1) if last_text else size - 1
    return ByteRange(first, last, size)


def _if_range_holds(if_range: str | None, etag: str | None, last_modified: datetime | None) -> bool:
    """Whether `If-Range` lets the range apply (RFC 9110 13.1.5): absent, or naming the
    current representation exactly (a strong ETag, or the very `Last-Modified`)."""
    if if_range is None:
        return True
    condition = if_range.strip()
    if condition.startswith('"') or condition.startswith("W/"):
        # A weak validator never matches: only a strong comparison may splice bytes.
        return etag is not None and not etag.startswith("W/") and condition == etag
    try:
        when = parsedate_to_datetime(condition)
    except (TypeError, ValueError, IndexError):
        return False
    return last_modified is not None and when == last_modified.replace(microsecond=0)
