"""Fail unless every URL answers 200, retrying while a fresh deployment settles.

    smoke_test.py https://api.snsdconsultant.com/health https://api.snsdconsultant.com/files/health

Redirects are not followed: a health check that answers 301 or 307 is not
healthy, it is somewhere else. Exit status 0 when all URLs answered 200
within the attempts, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from scripts.actions_io import add_summary


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Result:
    url: str
    status: int | None  # None: no HTTP answer at all
    detail: str
    attempts: int

    @property
    def ok(self) -> bool:
        return self.status == 200


def probe(url: str, timeout: float) -> tuple[int | None, str]:
    """One GET: the status and a short description."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"only http(s) URLs can be smoke-tested: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "snsd-smoke-test"})  # noqa: S310
    try:
        response: IO[bytes]
        with _OPENER.open(request, timeout=timeout) as response:
            body = response.read(200).decode("utf-8", "replace")
            return int(getattr(response, "status", 200)), body
    except urllib.error.HTTPError as error:
        return error.code, str(error.reason)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        return None, str(reason)


def check(
    url: str,
    *,
    attempts: int = 10,
    delay: float = 6.0,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """Probe `url` until it answers 200 or the attempts run out."""
    status: int | None = None
    detail = ""
    for attempt in range(1, attempts + 1):
        status, detail = probe(url, timeout)
        if status == 200:
            return Result(url, status, detail, attempt)
        if attempt < attempts:
            sleep(delay)
    return Result(url, status, detail, attempts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--delay", type=float, default=6.0, help="seconds between attempts")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args(argv)
    if args.attempts < 1:
        parser.error("--attempts must be at least 1")

    results = [
        check(url, attempts=args.attempts, delay=args.delay, timeout=args.timeout)
        for url in args.urls
    ]
    for result in results:
        mark = "ok" if result.ok else "FAILED"
        line = f"{mark}: {result.url} -> {result.status} after {result.attempts} attempt(s)"
        print(line if result.ok else f"::error::{line}: {result.detail}")
        add_summary(f"- smoke {mark}: `{result.url}` answered {result.status}")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
