"""Query parameters a route does not declare are refused: `400 validation_error`.

A misspelled filter (`?acton=...`) would otherwise be ignored, and the
answer would look like the filtered one while holding every row. Each
route's allowed names are read from the route itself (its own and its
dependencies' query parameters, as FastAPI declares them in OpenAPI), so a
parameter added to a route is allowed with it, and nothing is kept by hand.

The check runs as the route's last dependency: after the caller's own
(`401` and `403` come first, and the audit trail knows who asked), before
the route. Plain Starlette routes (the core's `/health`, the documents)
declare no parameter and refuse any. A request without a query string costs
one comparison.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tenancy.problems import problem_response

# An unknown name is echoed in `errors`: at most this much of it, and of them.
_SHOWN_NAME = 64
_SHOWN_NAMES = 10


def refuse_unknown_query(
    app: FastAPI, *, prefixes: Mapping[str, Iterable[str]] | None = None
) -> None:
    """Every route of `app` refuses query parameters it does not declare.

    `prefixes` names, by route name, families of parameters a route takes
    without declaring them one by one (Uppy's `metadata[...]`).
    """
    for route in app.router.routes:
        if isinstance(route, APIRoute):
            declared = frozenset(_query_names(route.dependant))
            check = _checker(declared, tuple((prefixes or {}).get(route.name, ())))
            route.dependant.dependencies.append(get_dependant(path=route.path_format, call=check))
        elif isinstance(route, Route):
            route.app = _NoQuery(route.app)


def _query_names(dependant: Dependant) -> Iterable[str]:
    for field in dependant.query_params:
        yield field.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def _unknown(
    names: Iterable[str], declared: frozenset[str], prefixes: tuple[str, ...]
) -> list[str]:
    unknown = dict.fromkeys(
        name for name in names if name not in declared and not name.startswith(prefixes)
    )
    return list(unknown)


def _errors(unknown: list[str]) -> list[dict[str, object]]:
    return [
        {"loc": ["query", name[:_SHOWN_NAME]], "msg": "Unknown query parameter"}
        for name in unknown[:_SHOWN_NAMES]
    ]


def _checker(
    declared: frozenset[str], prefixes: tuple[str, ...]
) -> Callable[[Request], Awaitable[None]]:
    async def refuse_unknown(request: Request) -> None:
        if not request.scope["query_string"]:
            return
        unknown = _unknown(request.query_params.keys(), declared, prefixes)
        if unknown:
            raise RequestValidationError(_errors(unknown))

    return refuse_unknown


class _NoQuery:
    """A plain route's app, refusing any query parameter."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("query_string"):
            request = Request(scope)
            unknown = _unknown(request.query_params.keys(), frozenset(), ())
            if unknown:
                response = problem_response(
                    request,
                    400,
                    "validation_error",
                    "The request is not valid",
                    errors=_errors(unknown),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
