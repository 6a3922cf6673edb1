"""`make token [USER=email]`: print an access token from the running `make dev`.

Asks the stack's Supabase Auth stand-in for a session (signing the user up
when the address is new), so the token carries the user's memberships as
they are now, written by the real access token hook. Only the token goes to
stdout: `export TOKEN=$(make -s token)`.

`--service-role` prints the local project's service-role key instead (what
`supabase status` shows), for the operator's routes such as
`PUT /tenants/{id}/quota`: `export SERVICE_KEY=$(make -s token SERVICE_ROLE=1)`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from dev import DEMO_EMAIL, DEV_JWT_SECRET, STATE_FILE
from dev.claims import service_role_key
from dev.stack import ROOT


def auth_url() -> str:
    state_dir = Path(os.environ.get("SNSD_LOCAL_DIR") or ROOT / ".local")
    try:
        state = json.loads((state_dir / STATE_FILE).read_text())
    except FileNotFoundError:
        raise SystemExit("make dev is not running (start it in another terminal)") from None
    return str(state["urls"]["auth"])


def access_token(email: str, base: str) -> str:
    with httpx.Client(base_url=f"{base}/auth/v1", timeout=10) as client:
        # The local issuer checks no password (its signing secret is public anyway).
        body = {"email": email, "password": "local"}
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
        "--service-role", action="store_true", help="print the service-role key instead"
    )
    args = parser.parse_args(argv)
    if args.service_role:
        # Signed with make dev's (public) secret: valid against the running stack only.
        print(service_role_key(DEV_JWT_SECRET))
    else:
        print(access_token(args.email, auth_url()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
