"""Regenerate tests/events/: `python -m tests.sam.generate_events` (needs `make sam-check` first).

Each event starts as `sam local generate-event alb request` output, then gets
this API's path, query, headers and body. The ALB passes query values as the
client percent-encoded them, and sends an empty body as "" unencoded.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.sam.events import EVENTS_DIR, PLACEHOLDER, ROOT, TENANT_ID

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


def main() -> None:
    EVENTS_DIR.mkdir(parents=True, exist_ok=True)
    for spec in SPECS:
        path = EVENTS_DIR / spec.name
        path.write_text(json.dumps(generate(spec), indent=2) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
