"""What the ALB integration needs beyond Mangum: the trace id, and a leaner ALB handler."""

from __future__ import annotations

from functools import cached_property
from itertools import islice
from typing import Any

import pybase64
from mangum.handlers import alb as mangum_alb
from mangum.handlers.utils import handle_exclude_headers
from mangum.types import Response, Scope

from tenancy import problems


def trace_id(event: dict[str, Any]) -> str | None:
    """The ALB's `X-Amzn-Trace-Id`, from either header form of the event, if well formed.

    Powertools' ALB correlation path reads only `headers`; production's
    target group sends `multiValueHeaders`.
    """
    if "multiValueHeaders" in event:
        values = (event.get("multiValueHeaders") or {}).get("x-amzn-trace-id") or [None]
        value = values[-1]
    else:
        value = (event.get("headers") or {}).get("x-amzn-trace-id")
    return problems.trace_id(value)


def _case_mutated_headers(multi_value_headers: dict[str, list[str]]) -> dict[str, str]:
    # Same result as Mangum's: a header sent once keeps its (lowercase) name,
    # only a repeated header gets its name in other casings. Mangum builds those
    # casings by recursive permutation for every header of every response, a
    # large share of a route without I/O (bench row warm_no_s3).
    headers: dict[str, str] = {}
    for key, values in multi_value_headers.items():
        if len(values) == 1:
            headers[key] = values[0]
        elif values:
            casings = islice(mangum_alb.all_casings(key), len(values))
            headers.update(zip(casings, values, strict=False))
    return headers


class AlbHandler(mangum_alb.ALB):
    """Mangum's ALB handler (`Mangum(app, custom_handlers=[AlbHandler])`), minus three costs.

    - Mangum rebuilds the ASGI scope (every header re-encoded) on each read of
      `scope` and reads it twice an invocation; here it is built once (the
      handler object lives for one invocation).
    - Header casings: `_case_mutated_headers` above.
    - Base64, both ways, with pybase64 (SIMD): near-megabyte bodies cross the
      ALB base64-encoded, and the standard library's codec dominated them
      (bench rows bytes_upload, bytes_download).

    Every response body goes out base64-encoded, whatever its type: its size
    across the ALB is then exactly 4/3 of the body's, which the handler's
    1 MB response check relies on, and no text escaping applies.
    """

    @cached_property
    def scope(self) -> Scope:
        scope: Scope = super().scope
        return scope

    @property
    def body(self) -> bytes:
        body = self.event.get("body") or b""
        if self.event.get("isBase64Encoded", False):
            return pybase64.b64decode(body)
        return body.encode() if isinstance(body, str) else body

    def __call__(self, response: Response) -> dict[str, Any]:
        multi_value_headers: dict[str, list[str]] = {}
        for key, value in response["headers"]:
            multi_value_headers.setdefault(key.decode().lower(), []).append(value.decode())
        body = response["body"]
        out: dict[str, Any] = {
            "statusCode": response["status"],
            "body": pybase64.b64encode(body).decode() if body else "",
            "isBase64Encoded": bool(body),
        }
        # The answer uses the header form the event came in (the target
        # group's multi-value setting), as the ALB requires.
        if "multiValueHeaders" in self.event:
            out["multiValueHeaders"] = handle_exclude_headers(multi_value_headers, self.config)
        else:
            headers = _case_mutated_headers(multi_value_headers)
            out["headers"] = handle_exclude_headers(headers, self.config)
        return out
