"""The security headers on every response of both services (tenancy.cors adds them)."""

from __future__ import annotations

ALWAYS = (
    # Browsers only ever reach the API over HTTPS (the ALB redirects :80).
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
# A JSON or problem document is data, never a page: nothing may load or frame it.
DOCUMENT_POLICY = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


def for_documents() -> dict[str, str]:
    """The headers as a dict, for responses built outside the middleware (crashes)."""
    return {name.decode(): value.decode() for name, value in [*ALWAYS, DOCUMENT_POLICY]}
