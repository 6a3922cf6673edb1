"""What the ALB integration needs beyond Mangum."""

from __future__ import annotations

from functools import cached_property
from itertools import islice
from typing import Any

from mangum.handlers import alb as mangum_alb


def trace_id(event: dict[str, Any]) -> str | None:
    """The ALB's `X-Amzn-Trace-Id`, from either header form of the event.

    Powertools' ALB correlation path reads only `headers`; production's
    target group sends `multiValueHeaders`.
    """
    if "multiValueHeaders" in event:
        values = (event.get("multiValueHeaders") or {}).get("x-amzn-trace-id") or [None]
        value = values[-1]
    else:
        value = (event.get("headers") or {}).get("x-amzn-trace-id")
    return value if isinstance(value, str) else None


def _case_mutated_headers(multi_value_headers: dict[str, list[str]]) -> dict[str, str]:
    # Same result as Mangum's: a header sent once keeps its (lowercase) name,
    # only a repeated header gets its name in other casings. Mangum builds those
    # casings by recursive permutation for every header of every response, which
    # cost about 80 us a warm invocation here, 40% of a route without I/O.
    headers: dict[str, str] = {}
    for key, values in multi_value_headers.items():
        if len(values) == 1:
            headers[key] = values[0]
        elif values:
            casings = islice(mangum_alb.all_casings(key), len(values))
            headers.update(zip(casings, values, strict=False))
    return headers


def speed_up_mangum() -> None:
    """Swap Mangum's header casing for the equivalent above, and build each
    event's ASGI scope once (once per container).

    Mangum's `ALB.scope` is a property that rebuilds the scope (every header
    re-encoded) on each read, and Mangum reads it twice an invocation: once
    to run the app, once to learn the event's header form. Caching it on the
    handler object, which lives for one invocation, saves about 3 us.
    """
    mangum_alb.case_mutated_headers = _case_mutated_headers
    scope = mangum_alb.ALB.__dict__["scope"]
    if isinstance(scope, property) and scope.fget is not None:
        cached = cached_property(scope.fget)
        cached.__set_name__(mangum_alb.ALB, "scope")
        mangum_alb.ALB.scope = cached  # type: ignore[assignment,method-assign]
