"""One check of an RFC 9457 problem, for every kind of response the tests hold."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from dev import DEV_BUCKET
from dev.alb import AlbResponse
from tests.support.files import BUCKET

PROBLEM = "application/problem+json"
# Text that must never reach a client in an error (API.md "Errors"): storage keys, the
# AWS SDK's words, a traceback, the buckets' names.
LEAKS = (
    "tenants/", "botocore", "boto3", "Traceback", "ClientError", "amazonaws", BUCKET, DEV_BUCKET,
)  # fmt: skip


def assert_problem(
    response: Any,
    status: int,
    code: str,
    *,
    secrets: tuple[str, ...] = (),
    echoed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """`response` (the ALB's, or an httpx or TestClient one) is a problem with `status` and
    `code`, in the shape every service answers (tenancy/problems.py), leaking nothing but
    what the client sent itself (`echoed`)."""
    if isinstance(response, AlbResponse):
        got, text, headers = response.status, response.body.decode(), repr(response.multi_headers)
    else:
        got, text, headers = response.status_code, response.text, repr(dict(response.headers))
    assert got == status, (got, text[:500])
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["title"] == HTTPStatus(status).phrase
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["request_id"], str)
    assert body["request_id"]
    shown = text + headers
    for sent in echoed:
        shown = shown.replace(sent, "")
    for leak in (*LEAKS, *secrets):
        assert leak not in shown, f"{leak!r} leaked: {shown[:500]}"
    return body
