"""Routes on the app's own router, in both services.

FastAPI (0.165) keeps each `include_router` as a branch that every request
matches through twice (once to find it, once to handle it), setting and
restoring a context for each candidate route: for the last of 20 routes
that is 55-70 us a request more than the same routes on the app's own
router (docs/benchmarks.md, Warm metadata). A router's routes are complete
when declared (prefix, tags, responses, dependencies and operation ids
included), so they are placed on the app's router as they are: the OpenAPI
documents do not change (core_service/file_api_openapi.json is checked
against the app; the core's document by tests/core/test_routes.py). What
`include_router` would add besides, a router's own start-up and shutdown
handlers, none of these routers has; `serve_routes` refuses one that does.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def serve_routes(app: FastAPI, *routers: APIRouter) -> None:
    for router in routers:
        if router.on_startup or router.on_shutdown:
            raise ValueError("a router with start-up or shutdown handlers needs include_router")
        app.router.routes.extend(router.routes)
