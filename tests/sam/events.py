"""The committed ALB events of tests/events/ and how a real token gets into them.

The events are `sam local generate-event alb request` output, edited
(tests/sam/generate_events.py). They never hold a token: the authorization
header carries PLACEHOLDER, which `render` replaces with an HS256 token for
the event's tenant (`python -m tests.sam.render_event`).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.support.tokens import claims, hs256

ROOT = Path(__file__).resolve().parents[2]
EVENTS_DIR = ROOT / "tests" / "events"
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
