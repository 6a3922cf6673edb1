"""Request bodies the core reads: only a verified caller's, and at most `MAX_BODY_BYTES`.

FastAPI reads and parses a route's body before it solves the route's
dependencies, the bearer token's check among them: anyone could make the
single uvicorn process read and parse megabytes (an anonymous `POST
/tenants` of 6 MB of invalid JSON answered `400`, not `401`, and a 10 MB
JSON array held `/health` for seconds; docs/api.md, Limits). So a request
that carries a body is checked here, in front of the app, before a byte of
it is read: its token first (`401`, as the route would answer), then its
size, declared (`Content-Length`) or counted while it is read (chunked):
`413 payload_too_large`. The core's bodies are a name, an e-mail address, a
role or two numbers, far below the limit, which is also all that the WAF
inspects of a body (terraform/modules/waf blocks longer ones on the core's
paths). The verifier keeps the tokens it verified, so the route's own check
of the same token costs a lookup.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenancy.dependencies import bearer_token, verified_claims
from tenancy.problems import Problem, problem_response
from tenancy.tokens import claims_service_role, verify_service_role

# AWS WAF's body inspection limit for a load balancer (8 KiB).
MAX_BODY_BYTES = 8192


class PayloadTooLarge(Problem):
    status = 413
    code = "payload_too_large"

    def __init__(self) -> None:
        super().__init__(f"A request body of the core service holds at most {MAX_BODY_BYTES} bytes")


class GuardedBodies:
    """Reads a request's body only for a verified caller, and only up to the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            _authenticate(request)
            body = await _read(scope, receive)
        except Problem as refused:
            response = problem_response(
                request, refused.status, refused.code, refused.detail, refused.headers
            )
            await response(scope, receive, send)
            return
        if body is None:
            return  # the client went away

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.strip() not in (b"", b"0"):
            return True
        if name == b"transfer-encoding":
            return True
    return False


def _authenticate(request: Request) -> None:
    """The route's own check, earlier: the service role's key or a user's token."""
    token = bearer_token(request)
    if claims_service_role(token):
        verify_service_role(token, request.app.state.settings.jwt_secret)
    else:
        verified_claims(request)


async def _read(scope: Scope, receive: Receive) -> bytes | None:
    """The whole body, or PayloadTooLarge as soon as it is known to be too long."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
