"""RFC 9457 problem+json: the one error shape of the whole domain.

Domain code raises a `Problem` subclass; one set of handlers renders it, and
renders everything else (validation errors, unknown routes, crashes) the same
way, so no stack trace or upstream error text ever reaches a client.
"""

from __future__ import annotations

import logging
import re
import uuid
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from tenancy.security_headers import for_documents as security_headers

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(Exception):
    """An error a client may see: status, stable `code`, human `detail`."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(Problem):
    status = 400
    code = "bad_request"


class Unauthorized(Problem):
    status = 401
    code = "unauthorized"

    def __init__(self, detail: str = "A valid bearer token is required") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(Problem):
    status = 403
    code = "forbidden"


class NotFound(Problem):
    status = 404
    code = "not_found"


class Conflict(Problem):
    status = 409
    code = "conflict"


class ServiceUnavailable(Problem):
    status = 503
    code = "service_unavailable"
    retry_after_seconds: ClassVar[int] = 5

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(self.retry_after_seconds)})


# The ALB's X-Amzn-Trace-Id: `Root=1-{8 hex}-{24 hex}`, after a `Self=` entry
# when the client sent one, followed by fields such as `Parent` and `Sampled`.
_AMZN_ID = r"1-[0-9a-f]{8}-[0-9a-f]{24}"
_TRACE_ID = re.compile(
    rf"(?:Self={_AMZN_ID};)?Root={_AMZN_ID}(?:;[A-Za-z]{{1,16}}=[0-9A-Za-z-]{{1,64}}){{0,4}}"
)


def trace_id(value: object) -> str | None:
    """`value` if it has the ALB's trace id format, else None.

    A client may send its own header, which the ALB keeps: only the format
    says it is safe to echo and to log as a correlation id.
    """
    if isinstance(value, str) and len(value) <= 256 and _TRACE_ID.fullmatch(value):
        return value
    return None


def request_id(request: Request) -> str:
    """The id a client can quote to find a request in the logs.

    The load balancer's trace id when there is one, so the client, the ALB
    access log and the function's log lines agree; a fresh one otherwise.
    """
    cached = getattr(request.state, "request_id", None)
    if cached is None:
        cached = trace_id(request.headers.get("x-amzn-trace-id")) or str(uuid.uuid4())
        request.state.request_id = cached
    return str(cached)


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id(request),
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


_HTTP_CODES = {
    400: "invalid_body",  # FastAPI's answer to a body it cannot decode
    404: "route_not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(request, exc.status, exc.code, exc.detail, exc.headers)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Field locations and messages only: pydantic's `input` echo could carry
    # a token or a huge body back to the client.
    errors = [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg", ""))}
        for err in exc.errors()
    ]
    return problem_response(
        request, 400, "validation_error", "The request is not valid", errors=errors
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem_response(request, exc.status_code, code, detail, dict(exc.headers or {}))


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", extra={"request_id": request_id(request)})
    # Starlette renders crashes outside the middleware stack: add its headers here.
    return problem_response(
        request, 500, "internal_error", "An unexpected error occurred", security_headers()
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error of `app` as problem+json, and say so in its OpenAPI."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_crash)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = validation_as_400(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# One schema, referenced by every error response: generators then make one
# class of it, not a copy per endpoint and status.
PROBLEM_COMPONENT: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem; `code` is the stable, documented reason",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "request_id"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "description": "validation_error only: each invalid field and why",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "description": "An RFC 9457 problem",
    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def validation_as_400(document: dict[str, Any]) -> dict[str, Any]:
    """FastAPI declares a 422 on every route with parameters; ours answer 400.

    Also adds the `Problem` schema that every error response refers to.
    """
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            if isinstance(responses, dict) and responses.pop("422", None) is not None:
                responses.setdefault("400", PROBLEM_SCHEMA)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = PROBLEM_COMPONENT
    return document


def problem_responses(
    *statuses: int, extra: dict[int | str, dict[str, Any]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` declaring a route's problem+json errors, plus `extra`."""
    return {status: PROBLEM_SCHEMA for status in statuses} | (extra or {})


def operation_id(route: APIRoute) -> str:
    """A route's OpenAPI operationId: its function's name (`list_files`), which
    generated clients name their calls after; FastAPI's default appends the
    path and method (`list_files_files_list_get`)."""
    return route.name
