"""Helpers for the file API's tests: the test bucket, clients, raw bodies, S3 call counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx

from dev.alb import AlbClient

# The file API tests' bucket (tests/conftest.py's SeaweedFS).
BUCKET = "test-snsd-uploads"

ClientFactory = Callable[..., AlbClient]


def all_keys(s3: Any) -> list[str]:
    """Every key in the test bucket, all tenants'."""
    paginator = s3.get_paginator("list_objects_v2")
    return [
        item["Key"]
        for page in paginator.paginate(Bucket=BUCKET)
        for item in page.get("Contents", [])
    ]


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


def upload(client: AlbClient, path: str, data: bytes) -> dict[str, Any]:
    """Write `data` at `path` through the API (over what is there); its FileInfo."""
    folder, _, name = path.rpartition("/")
    response = client.post(
        "/files/upload",
        params={"folder": folder, "overwrite": True},
        files={"file": (name, data, "text/plain")},
    )
    assert response.status == 201, response.body
    body: dict[str, Any] = response.json()
    return body
