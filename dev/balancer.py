"""The load balancer of `make dev`: one HTTP server, routed as the production ALB routes.

`/files/*` (the listener rule's path pattern) goes to the file API as the ALB
invokes a Lambda target with multi-value headers enabled: an event with
lowercase header names, the path and query exactly as the client sent them
(percent-encoded; the ALB decodes neither), the body base64-encoded, and
`X-Forwarded-*` and `X-Amzn-Trace-Id` added. The handler,
`file_lambda.handler.handler`, runs in this process on one worker thread, one
invocation at a time like one Lambda container. The ALB's limits for Lambda
targets hold: a request body over 1 MB gets the ALB's `413`, a Lambda
response over 1 MB (as JSON, base64 body included) the ALB's `502`.

Every other path goes to the core service's ASGI app, unchanged, as the ALB
forwards to the ECS target group (no body limit there).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dev.alb import ALB_BODY_LIMIT, TARGET_GROUP_ARN
from dev.alb import LambdaContext as _LambdaContext

log = logging.getLogger(__name__)

LAMBDA_PATH_PREFIX = b"/files/"  # the listener rule's `/files/*`

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class LambdaContext(_LambdaContext):
    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())


def _own_event_loop() -> None:
    # Mangum drives the app on the thread's current event loop.
    asyncio.set_event_loop(asyncio.new_event_loop())


def alb_event(scope: Scope, body: bytes) -> dict[str, Any]:
    """The event an ALB with multi-value headers sends for this request."""
    headers: dict[str, list[str]] = {}
    for raw_name, raw_value in scope["headers"]:
        headers.setdefault(raw_name.decode("latin-1").lower(), []).append(
            raw_value.decode("latin-1")
        )
    client = scope.get("client") or ("127.0.0.1", 0)
    server = scope.get("server") or ("127.0.0.1", 80)
    forwarded = headers.get("x-forwarded-for", [])
    headers["x-forwarded-for"] = [", ".join([*forwarded, str(client[0])])]
    headers["x-forwarded-port"] = [str(server[1])]
    headers["x-forwarded-proto"] = [scope.get("scheme", "http")]
    headers.setdefault(
        "x-amzn-trace-id", [f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"]
    )
    query: dict[str, list[str]] = {}
    for pair in filter(None, scope["query_string"].decode("latin-1").split("&")):
        name, _, value = pair.partition("=")
        query.setdefault(name, []).append(value)  # as sent: the ALB decodes nothing
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
        "httpMethod": scope["method"],
        "path": raw_path.decode("latin-1"),
        "multiValueQueryStringParameters": query,
        "multiValueHeaders": headers,
        "body": base64.b64encode(body).decode() if body else "",
        "isBase64Encoded": bool(body),
    }


async def _alb_error(send: Send, status: int, reason: str) -> None:
    """The bare HTML page the ALB itself answers with."""
    title = f"{status} {reason}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"server", b"awselb/2.0"),
                (b"content-type", b"text/html"),
                (b"content-length", str(len(page)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": page})


class LoadBalancer:
    """An ASGI app: `/files/*` to the Lambda handler as ALB events, the rest to `core`."""

    def __init__(self, core: ASGIApp, handler: Handler, body_limit: int = ALB_BODY_LIMIT) -> None:
        self.core = core
        self.handler = handler
        self.body_limit = body_limit
        self._container = ThreadPoolExecutor(
            max_workers=1, initializer=_own_event_loop, thread_name_prefix="lambda"
        )

    def close(self) -> None:
        self._container.shutdown(wait=True, cancel_futures=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path") or scope.get("path", "").encode()
        if scope["type"] == "http" and raw_path.startswith(LAMBDA_PATH_PREFIX):
            await self._lambda(scope, receive, send)
        else:
            await self.core(scope, receive, send)

    async def _lambda(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        too_large = False
        while True:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            too_large = too_large or size > self.body_limit
            if not too_large:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        if too_large:
            await _alb_error(send, 413, "Request Entity Too Large")
            return
        event = alb_event(scope, b"".join(chunks))
        loop = asyncio.get_running_loop()
        try:
            response = await loop.run_in_executor(
                self._container, self.handler, event, LambdaContext()
            )
        except Exception:
            # An unhandled error in the function: the ALB answers 502.
            log.exception("the file API's handler failed")
            await _alb_error(send, 502, "Bad Gateway")
            return
        if not isinstance(response, dict) or "statusCode" not in response:
            await _alb_error(send, 502, "Bad Gateway")
            return
        if len(json.dumps(response)) > self.body_limit:
            await _alb_error(send, 502, "Bad Gateway")
            return
        raw = response.get("body") or ""
        body = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
        headers: list[tuple[bytes, bytes]] = []
        multi = response.get("multiValueHeaders")
        pairs = (
            [(name, value) for name, values in multi.items() for value in values]
            if multi is not None
            else list((response.get("headers") or {}).items())
        )
        for name, value in pairs:
            if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                headers.append((name.lower().encode("latin-1"), str(value).encode("latin-1")))
        headers.append((b"content-length", str(len(body)).encode()))
        status = int(response["statusCode"])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
