"""`make token [USER=email] [PASSWORD=...]`: print an access token from the running `make dev`.

Asks the stack's Supabase Auth stand-in for a session (signing the user up
when the address is new), so the token carries the user's memberships as
they are now, written by the real access token hook. The stand-in checks
passwords: the demo user's is `dev.DEMO_PASSWORD`, a user `make token` signs
up gets `PASSWORD` (default `LOCAL_PASSWORD`). Only the token goes to
stdout: `export TOKEN=$(make -s token)`.

`--service-role` prints the running stack's service-role key instead (what
`supabase status` shows), signed with the stack's own `SUPABASE_JWT_SECRET`,
for the operator's routes such as `PUT /tenants/{id}/quota`:
`export SERVICE_KEY=$(make -s token SERVICE_ROLE=1)`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from dev import DEMO_EMAIL, DEMO_PASSWORD, STATE_FILE
from dev.stack import ROOT, exports

# The password of the users `make token` signs up (local stacks only).
LOCAL_PASSWORD = "local-password"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def stack_state() -> dict[str, Any]:
    """The running stack's state file (its URLs, process ids and keys), or SystemExit when no
    stack runs: no file, or a file whose processes are gone (a stack that was killed)."""
    state_dir = Path(os.environ.get("SNSD_LOCAL_DIR") or ROOT / ".local")
    path = state_dir / STATE_FILE
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise SystemExit(
            f"make dev is not running (no {path}): start it in another terminal"
        ) from None
    dead = sorted(name for name, pid in state.get("pids", {}).items() if not _alive(int(pid)))
    if dead:
        raise SystemExit(
            f"make dev is not running: {path} names processes that are gone"
            f" ({', '.join(dead)}); start it again"
        )
    return state


def env_main(argv: Sequence[str] | None = None) -> int:
    """`make env` (`python -m dev env`): the running stack's exports, to paste or eval."""
    parser = argparse.ArgumentParser(
        prog="make env",
        description="Print `export API=... AUTH=...` and `export TOKEN=...` (the demo user's)"
        ' for the running make dev, read from its state file: eval "$(make -s env)".',
    )
    parser.parse_args(argv)
    state = stack_state()
    sys.stdout.write(exports(state["urls"], access_token(DEMO_EMAIL, DEMO_PASSWORD, state)))
    return 0


def access_token(email: str, password: str, state: dict[str, Any]) -> str:
    base, headers = state["urls"]["auth"], {"apikey": state["keys"]["anon"]}
    with httpx.Client(base_url=f"{base}/auth/v1", headers=headers, timeout=10) as client:
        body = {"email": email, "password": password}
        answer = client.post("/token", params={"grant_type": "password"}, json=body)
        if answer.status_code == 400 and answer.json().get("error_code") == "invalid_credentials":
            answer = client.post("/signup", json=body)
        if answer.status_code != 200:
            raise SystemExit(f"the local auth refused {email}: {answer.text}")
        return str(answer.json()["access_token"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make token", description=__doc__.split("\n\n")[0])
    parser.add_argument("--email", default=DEMO_EMAIL, help=f"the user (default {DEMO_EMAIL})")
    parser.add_argument(
        "--password",
        default=None,
        help=f"the user's password (default: the demo's for {DEMO_EMAIL}, else {LOCAL_PASSWORD})",
    )
    parser.add_argument(
        "--service-role", action="store_true", help="print the service-role key instead"
    )
    args = parser.parse_args(argv)
    state = stack_state()
    if args.service_role:
        print(state["keys"]["service_role"])
    else:
        demo = args.email.lower() == DEMO_EMAIL
        password = args.password or (DEMO_PASSWORD if demo else LOCAL_PASSWORD)
        print(access_token(args.email, password, state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
