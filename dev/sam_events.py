"""The ALB events of `events/`, for `sam local invoke`: render one with a token, or regenerate them.

    .venv/bin/python -m dev.sam_events render events/files-list.json \
      | sam local invoke FileApiFunction -e -
    .venv/bin/python -m dev.sam_events generate    # after `make sam-check`

The events are `sam local generate-event alb request` output with this API's
path, query, headers and body (the ALB passes query values as the client
percent-encoded them, and sends an empty body as "" unencoded). They never
hold a token: the authorization header carries PLACEHOLDER, which `render`
replaces with an HS256 token for the event's tenant.

`render` signs with SUPABASE_JWT_SECRET from the environment, else with `make
dev`'s public development secret (samconfig.toml gives it to `sam local`),
and names the event's X-Tenant-ID with the role given (member by default).
Set SUPABASE_URL too when the function has one: the token's issuer must match
it. The function judges the token by the memberships in its Postgres: with
SUPABASE_DB_URL set (the one `make dev` prints), the token's membership is
written there first.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jwt

from dev import DEV_JWT_SECRET, memberships
from dev.claims import claims, hs256

ROOT = Path(__file__).resolve().parents[1]
EVENTS_DIR = ROOT / "events"
PLACEHOLDER = "REPLACE_WITH_SUPABASE_ACCESS_TOKEN"
# The demo tenant the events act in (their X-Tenant-ID).
TENANT_ID = "7d4c2a3e-5b1f-4e8a-9c6d-2f0e1a3b4c5d"
# Events in the order that makes each one succeed on an empty tenant.
EVENT_FILES = (
    "files-upload.json",
    "files-list.json",
    "files-download.json",
    "files-presigned-upload.json",
)


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS_DIR / name).read_text()))


def mint_token(
    secret: str, *, tenant: str = TENANT_ID, role: str = "member", supabase_url: str | None = None
) -> str:
    """An access token as Supabase would issue it, signed with the legacy HS256 secret."""
    issuer = f"{supabase_url.rstrip('/')}/auth/v1" if supabase_url else None
    return hs256(claims(tenants={tenant: role}, issuer=issuer), secret)


def render(event: dict[str, Any], token: str) -> dict[str, Any]:
    """The event with PLACEHOLDER replaced by `token`, in either header form."""
    rendered = copy.deepcopy(event)
    for key in ("headers", "multiValueHeaders"):
        for name, value in rendered.get(key, {}).items():
            if name.lower() != "authorization":
                continue
            if isinstance(value, list):
                rendered[key][name] = [v.replace(PLACEHOLDER, token) for v in value]
            else:
                rendered[key][name] = value.replace(PLACEHOLDER, token)
    return rendered


def to_multi_value(event: dict[str, Any]) -> dict[str, Any]:
    """The same request as a target group with multi-value headers sends it (production's)."""
    converted = {k: v for k, v in event.items() if k not in ("headers", "queryStringParameters")}
    converted["multiValueHeaders"] = {k: [v] for k, v in event.get("headers", {}).items()}
    converted["multiValueQueryStringParameters"] = {
        k: [v] for k, v in (event.get("queryStringParameters") or {}).items()
    }
    return converted


SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
BOUNDARY = "snsd-sam-event-7MA4YWxkTrZu0gW"
UPLOADED_TEXT = "Hello from the SnSD file API, uploaded through an ALB event.\n"
MULTIPART_BODY = (
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="file"; filename="hello.txt"\r\n'
    "Content-Type: text/plain\r\n"
    "\r\n"
    f"{UPLOADED_TEXT}\r\n"
    f"--{BOUNDARY}--\r\n"
)


@dataclass(frozen=True)
class Spec:
    name: str
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: str = ""
    content_type: str | None = None


SPECS = (
    Spec(
        "files-upload.json",
        "POST",
        "/files/upload",
        {"folder": "documents"},
        MULTIPART_BODY,
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    Spec("files-list.json", "GET", "/files/list", {"folder": "documents"}),
    Spec("files-download.json", "GET", "/files/download/documents/hello.txt"),
    Spec(
        "files-presigned-upload.json",
        "POST",
        "/files/presigned-upload",
        {"file_path": "images/logo.png", "content_type": "image/png", "max_size": "1048576"},
    ),
)


def generate(spec: Spec) -> dict[str, object]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    output = subprocess.run(
        [
            str(SAM),
            *("local", "generate-event", "alb", "request"),
            *("--method", spec.method),
            *("--path", spec.path.lstrip("/")),
            *("--body", spec.body),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    event = json.loads(output)
    headers = event["headers"]
    headers.update(
        {
            "accept": "application/json",
            "host": "api.snsdconsultant.com",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            "authorization": f"Bearer {PLACEHOLDER}",
            "x-tenant-id": TENANT_ID,
        }
    )
    if spec.body:
        headers["content-type"] = spec.content_type or "application/octet-stream"
        headers["content-length"] = str(len(spec.body.encode()))
    else:
        event["isBase64Encoded"] = False
    event["headers"] = dict(sorted(headers.items()))
    event["queryStringParameters"] = {
        quote(k, safe=""): quote(v, safe="") for k, v in spec.query.items()
    }
    return dict(event)


def write_all() -> None:
    EVENTS_DIR.mkdir(parents=True, exist_ok=True)
    for spec in SPECS:
        path = EVENTS_DIR / spec.name
        path.write_text(json.dumps(generate(spec), indent=2) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")


def print_rendered(path: Path, role: str) -> None:
    event = json.loads(path.read_text())
    tenant = event.get("headers", {}).get("x-tenant-id", TENANT_ID)
    token = mint_token(
        os.environ.get("SUPABASE_JWT_SECRET") or DEV_JWT_SECRET,
        tenant=tenant,
        role=role,
        supabase_url=os.environ.get("SUPABASE_URL") or None,
    )
    database_url = os.environ.get("SUPABASE_DB_URL")
    if database_url:
        memberships.register(database_url, jwt.decode(token, options={"verify_signature": False}))
    print(json.dumps(render(event, token), indent=2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m dev.sam_events", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    render_command = commands.add_parser("render", help="print an event with a fresh token")
    render_command.add_argument("event", type=Path, help="a file of events/")
    render_command.add_argument(
        "--role", default="member", choices=["viewer", "member", "admin", "owner"]
    )
    commands.add_parser("generate", help="rewrite events/ from `sam local generate-event`")
    args = parser.parse_args(argv)
    if args.command == "render":
        print_rendered(args.event, args.role)
    else:
        write_all()


if __name__ == "__main__":
    main()
