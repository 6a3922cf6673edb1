"""Print a committed event with a real token, for `sam local invoke ... -e -`.

    .venv/bin/python -m tests.sam.render_event tests/events/files-list.json \
      | sam local invoke FileApiFunction -e -

The token is signed with SUPABASE_JWT_SECRET from the environment, else with
`make dev`'s public development secret (samconfig.toml gives it to `sam
local`), and names the event's X-Tenant-ID with the role given (member by
default). Set SUPABASE_URL too when the function has one: the token's issuer
must match it. The function judges the token by the memberships in its
Postgres: with SUPABASE_DB_URL set (the one `make dev` prints), the token's
membership is written there first.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import jwt

from dev import DEV_JWT_SECRET, memberships
from tests.sam.events import TENANT_ID, mint_token, render


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("event", type=Path, help="a file of tests/events/")
    parser.add_argument("--role", default="member", choices=["viewer", "member", "admin", "owner"])
    args = parser.parse_args(argv)
    event = json.loads(args.event.read_text())
    tenant = event.get("headers", {}).get("x-tenant-id", TENANT_ID)
    token = mint_token(
        os.environ.get("SUPABASE_JWT_SECRET") or DEV_JWT_SECRET,
        tenant=tenant,
        role=args.role,
        supabase_url=os.environ.get("SUPABASE_URL") or None,
    )
    database_url = os.environ.get("SUPABASE_DB_URL")
    if database_url:
        memberships.register(database_url, jwt.decode(token, options={"verify_signature": False}))
    print(json.dumps(render(event, token), indent=2))


if __name__ == "__main__":
    main()
