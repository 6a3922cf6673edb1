"""Lambda SnapStart: init runs once, when a version is published; every cold
start of that version resumes a snapshot of the initialised environment.

What the snapshot may keep, and what each restored environment must make anew:

- **Kept**: imported modules, the app with its routes and schemas, settings
  from the environment, the frozen heap (`gc.freeze()`).
- **Made before the snapshot** (`before_snapshot`): work that would otherwise
  land on the first request: the Postgres driver's import, and one request
  through the whole stack (`/files/health`) so that FastAPI, Starlette and
  Mangum have built what they build on first use.
- **Not kept** (`after_restore`): network connections (the S3 client's pool,
  the memberships' Postgres connection), which would be shared by every
  environment restored from one snapshot and are stale anyway; the S3 client
  itself, whose credentials were resolved at init; and the `random` module's
  state, which every restored environment would otherwise replay (secrets,
  cursor nonces and UUIDs use `os.urandom`, which the kernel keeps unique).
- **Never in the snapshot**: the Supabase settings from Secrets Manager. They
  load on the first request after restore, not at init: a snapshot lives as
  long as its version, and a rotated secret must not wait for a redeploy.

The managed Python runtime provides `snapshot_restore_py` and runs the hooks;
outside it (tests, `make dev`) they are registered where the module exists
and are harmless otherwise.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Hook = Callable[[], None]


def register(before_snapshot: Hook, after_restore: Hook) -> bool:
    """Register the hooks with the runtime; False where no runtime offers them."""
    try:
        import snapshot_restore_py
    except ImportError:
        return False
    snapshot_restore_py.register_before_snapshot(before_snapshot)
    snapshot_restore_py.register_after_restore(after_restore)
    return True


class WarmUpContext:
    """The context attributes Powertools reads, for the warm-up invocation."""

    function_name = "snapstart-warm-up"
    function_version = "$LATEST"
    memory_limit_in_mb = 0
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:snapstart-warm-up"
    aws_request_id = "snapstart-warm-up"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def warm_up(handler: Callable[[dict[str, Any], Any], dict[str, Any]]) -> None:
    """One unauthenticated request through the whole stack, touching no dependency."""
    event = {
        "requestContext": {"elb": {"targetGroupArn": "snapstart-warm-up"}},
        "httpMethod": "GET",
        "path": "/files/health",
        "multiValueHeaders": {"host": ["snapstart.invalid"]},
        "multiValueQueryStringParameters": {},
        "body": "",
        "isBase64Encoded": False,
    }
    response = handler(event, WarmUpContext())
    if response.get("statusCode") != 200:
        raise RuntimeError(f"the warm-up request answered {response.get('statusCode')}")


def reseed() -> None:
    random.seed()
