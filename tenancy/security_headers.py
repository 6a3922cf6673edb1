"""Security headers on every response of both services.

A pure ASGI middleware (no per-request objects beyond a list copy): it runs
on every request of the Lambda, whose warm overhead is measured.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ALWAYS = [
    # Browsers only ever reach the API over HTTPS (the ALB redirects :80).
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
# A JSON or problem document is data, never a page: nothing may load or frame it.
_DOCUMENT_POLICY = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


def for_documents() -> dict[str, str]:
    """The headers as a dict, for responses built outside the middleware (crashes)."""
    return {name.decode(): value.decode() for name, value in [*_ALWAYS, _DOCUMENT_POLICY]}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in _ALWAYS if h[0] not in present]
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if b"json" in content_type and _DOCUMENT_POLICY[0] not in present:
                    headers.append(_DOCUMENT_POLICY)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
