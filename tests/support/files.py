"""Helpers for the file API's tests: problem assertions, raw bodies, S3 call counts."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import httpx

from dev.alb import AlbResponse

# Text that must never reach a client in an error (API.md "Errors").
LEAKS = ("tenants/", "botocore", "boto3", "Traceback", "ClientError", "amazonaws")


def assert_problem(
    response: AlbResponse, status: int, code: str, *, secrets: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`response` is an RFC 9457 problem with `status` and `code`, leaking nothing."""
    assert response.status == status, (response.status, response.body[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["title"] == HTTPStatus(status).phrase
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["request_id"], str)
    assert body["request_id"]
    shown = response.body.decode() + repr(response.multi_headers)
    for leak in (*LEAKS, *secrets):
        assert leak not in shown, f"{leak!r} leaked: {shown[:500]}"
    return body


def multipart(
    parts: list[tuple[str, str, bytes, str]], boundary: str = "snsd-test-boundary"
) -> tuple[bytes, str]:
    """A multipart/form-data body of `(field, filename, content, content_type)` parts."""
    content_type = f"multipart/form-data; boundary={boundary}"
    request = httpx.Request(
        "POST",
        "http://unused",
        files=[(field, (name, data, ctype)) for field, name, data, ctype in parts],
        headers={"content-type": content_type},
    )
    return request.read(), content_type


@contextmanager
def count_s3_calls(client: Any, operation: str) -> Iterator[list[dict[str, Any]]]:
    """Record the parameters of every `operation` call `client` makes (botocore events).

    `before-parameter-build` fires once per API call, before retries, with the
    caller's own keyword arguments (`before-call` sees the serialised request).
    """
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(dict(params))

    event = f"before-parameter-build.s3.{operation}"
    client.meta.events.register(event, record, unique_id=f"snsd-count-{id(calls)}")
    try:
        yield calls
    finally:
        client.meta.events.unregister(event, unique_id=f"snsd-count-{id(calls)}")


def put_many(s3: Any, bucket: str, keys: list[str], body: bytes = b"x") -> None:
    """Write `keys` straight to the store, in parallel (setup for bulk tests)."""
    with ThreadPoolExecutor(max_workers=8) as pool:  # botocore pools 10 connections
        list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=body), keys))
