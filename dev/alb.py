"""Drive the Lambda handler the way an Application Load Balancer invokes it.

Events follow `sam local generate-event alb request`: lowercase headers,
query values percent-encoded as the client sent them (the ALB does not
decode them), bodies base64-encoded, and either the single-value or the
multi-value header form, as the target group is configured.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

TARGET_GROUP_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/snsd-files/49e9d65c45c6791a"
)
ALB_BODY_LIMIT = 1_000_000


class LambdaContext:
    function_name = "snsd-production-files"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:snsd-production-files"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/snsd-production-files"
    log_stream_name = "2026/11/25/[$LATEST]abcdef"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@dataclass
class AlbResponse:
    status: int
    headers: dict[str, str]
    multi_headers: dict[str, list[str]]
    body: bytes
    raw: dict[str, Any] = field(repr=False)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def size(self) -> int:
        """Size of the Lambda's response as the ALB receives it."""
        return len(json.dumps(self.raw))


def build_event(
    method: str,
    path: str,
    *,
    params: dict[str, str | list[str]] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    multi_value: bool = False,
) -> dict[str, Any]:
    all_headers = {
        "host": "api.snsdconsultant.com",
        "user-agent": "snsd-tests",
        "x-amzn-trace-id": "Root=1-5c536348-3d683b8b04734faae651f476",
        "x-forwarded-for": "203.0.113.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if body:
        all_headers["content-length"] = str(len(body))
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    query: dict[str, list[str]] = {}
    for key, value in (params or {}).items():
        values = value if isinstance(value, list) else [value]
        query[quote(key, safe="")] = [quote(v, safe="") for v in values]
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
        "httpMethod": method,
        "path": quote(path, safe="/"),
        "body": base64.b64encode(body).decode() if body else "",
        "isBase64Encoded": bool(body),
    }
    if multi_value:
        event["multiValueHeaders"] = {k: [v] for k, v in all_headers.items()}
        event["multiValueQueryStringParameters"] = query
    else:
        event["headers"] = all_headers
        event["queryStringParameters"] = {k: v[-1] for k, v in query.items()}
    return event


def parse_response(raw: dict[str, Any]) -> AlbResponse:
    if "multiValueHeaders" in raw:
        multi = {k.lower(): list(v) for k, v in raw["multiValueHeaders"].items()}
    else:
        multi = {}
        for key, value in raw.get("headers", {}).items():
            multi.setdefault(key.lower(), []).append(value)
    headers = {k: v[-1] for k, v in multi.items()}
    body = raw.get("body") or ""
    data = base64.b64decode(body) if raw.get("isBase64Encoded") else body.encode()
    return AlbResponse(raw["statusCode"], headers, multi, data, raw)


class AlbClient:
    """A tiny HTTP-like client whose transport is the Lambda handler."""

    def __init__(
        self,
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        *,
        token: str | None = None,
        tenant: str | None = None,
        multi_value: bool = False,
    ) -> None:
        self.handler = handler
        self.token = token
        self.tenant = tenant
        self.multi_value = multi_value

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
        files: Any = None,
        body: bytes | None = None,
    ) -> AlbResponse:
        sent: dict[str, str] = {}
        if self.token:
            sent["authorization"] = f"Bearer {self.token}"
        if self.tenant:
            sent["x-tenant-id"] = self.tenant
        content = body or b""
        if json_body is not None:
            content = json.dumps(json_body).encode()
            sent["content-type"] = "application/json"
        elif files is not None:
            built = httpx.Request("POST", "http://x", files=files)
            content = built.read()
            sent["content-type"] = built.headers["content-type"]
        sent.update(headers or {})
        query = {
            k: (v if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in (params or {}).items()
        }
        event = build_event(
            method, path, params=query, headers=sent, body=content, multi_value=self.multi_value
        )
        raw = self.handler(event, LambdaContext())
        response = parse_response(raw)
        # The ALB refuses a Lambda response over 1 MB: no response may exceed it.
        assert response.size <= ALB_BODY_LIMIT, f"response of {response.size} bytes"
        return response

    def get(self, path: str, **kwargs: Any) -> AlbResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> AlbResponse:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> AlbResponse:
        return self.request("DELETE", path, **kwargs)
