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
from dev.stack import ROOT

# The password of the users `make token` signs up (local stacks only).
LOCAL_PASSWORD = "local-password"


def stack_state() -> dict[str, Any]:
    state_dir = Path(os.environ.get("SNSD_LOCAL_DIR") or ROOT / ".local")
    try:
        state: dict[str, Any] = json.loads((state_dir / STATE_FILE).read_text())
    except FileNotFoundError:
        raise SystemExit("make dev is not running (start it in another terminal)") from None
    return state


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
