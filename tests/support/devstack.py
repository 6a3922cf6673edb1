"""`make dev`: the file API on this machine, routed as the production ALB routes it.

Starts a real S3 (SeaweedFS, data kept in `.local/`), creates the uploads
bucket with versioning and CORS, then serves HTTP on 127.0.0.1:$PORT (8000):
`/files/*` becomes an ALB event (lowercase multi-value headers, raw query
values, base64 body) for `file_lambda.handler.handler` in this process, with
the ALB's 1 MB request and response limits. The core service is not wired in
yet (issue 5); other paths answer 404. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sys
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support import seaweedfs
from tests.support.alb import ALB_BODY_LIMIT, TARGET_GROUP_ARN, LambdaContext
from tests.support.tokens import claims, hs256

ROOT = Path(__file__).resolve().parents[2]
DEV_BUCKET = "snsd-file-uploads-local"
# A documented, deliberately public development secret: never used outside `make dev`.
DEV_JWT_SECRET = "snsd-local-development-secret-not-for-production"
DEV_TENANT = "00000000-0000-4000-8000-000000000001"
DEV_USER = "00000000-0000-4000-8000-0000000000aa"
DEV_ORIGIN = "http://localhost:3000"


def alb_event(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> dict[str, Any]:
    """The event an ALB with multi-value headers enabled sends for this request."""
    url = urlsplit(target)
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name.lower(), []).append(value)
    multi_headers.setdefault(
        "x-amzn-trace-id", [f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"]
    )
    multi_headers.setdefault("x-forwarded-proto", ["http"])
    query: dict[str, list[str]] = {}
    for pair in filter(None, url.query.split("&")):
        name, _, value = pair.partition("=")
        query.setdefault(name, []).append(value)  # the ALB does not decode them
    return {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
        "httpMethod": method,
        "path": url.path,
        "multiValueQueryStringParameters": query,
        "multiValueHeaders": multi_headers,
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def serve(port: int, handler: Any) -> None:
    class LoadBalancer(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > ALB_BODY_LIMIT:
                self._plain(413, "413 Request Entity Too Large (the ALB's 1 MB Lambda limit)")
                self.rfile.read(length)
                return
            body = self.rfile.read(length) if length else b""
            if not urlsplit(self.path).path.startswith("/files/"):
                self._plain(404, "The core service is not part of the local stack yet")
                return
            event = alb_event(self.command, self.path, list(self.headers.items()), body)
            response = handler(event, LambdaContext())
            if len(json.dumps(response)) > ALB_BODY_LIMIT:
                self._plain(502, "502 Bad Gateway (Lambda response over the ALB's 1 MB limit)")
                return
            raw = response.get("body") or ""
            data = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
            self.send_response(response["statusCode"])
            for name, values in response.get("multiValueHeaders", {}).items():
                for value in values:
                    if name.lower() != "content-length":
                        self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _plain(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = do_HEAD = _handle

    # One request at a time, like one Lambda container.
    HTTPServer(("127.0.0.1", port), LoadBalancer).serve_forever()


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops as cleanly as Ctrl-C


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    port = int(os.environ.get("PORT", "8000"))
    state = ROOT / ".local"
    s3 = seaweedfs.start(state / "seaweedfs", cors_origins=DEV_ORIGIN)
    try:
        client = s3.client()
        if DEV_BUCKET not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket=DEV_BUCKET)
        client.put_bucket_versioning(
            Bucket=DEV_BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )
        client.put_bucket_cors(
            Bucket=DEV_BUCKET,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": [DEV_ORIGIN],
                        "AllowedMethods": ["GET", "POST", "PUT", "HEAD"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 3000,
                    }
                ]
            },
        )
        os.environ.update(
            {
                "S3_BUCKET_NAME": DEV_BUCKET,
                "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL_S3": s3.endpoint,
                "AWS_ACCESS_KEY_ID": seaweedfs.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": seaweedfs.SECRET_KEY,
                "SUPABASE_JWT_SECRET": os.environ.get("SUPABASE_JWT_SECRET", DEV_JWT_SECRET),
                "CORS_ALLOWED_ORIGINS": DEV_ORIGIN,
                "POWERTOOLS_SERVICE_NAME": "file-api",
                "POWERTOOLS_METRICS_NAMESPACE": "SnSD-local",
                "POWERTOOLS_LOG_LEVEL": "WARNING",
            }
        )
        os.environ.pop("SUPABASE_URL", None)
        from file_lambda.handler import handler

        token = hs256(
            claims(DEV_USER, {DEV_TENANT: "owner"}, exp=2**31 - 1),
            os.environ["SUPABASE_JWT_SECRET"],
        )
        print(
            f"S3 (SeaweedFS)   {s3.endpoint}  bucket {DEV_BUCKET}, data in {state}\n"
            f"file API         http://127.0.0.1:{port}/files/  (ALB emulation, 1 MB limits)\n"
            f"demo tenant      {DEV_TENANT} (owner: user {DEV_USER})\n\n"
            f"export TOKEN={token}\n"
            f'curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:{port}/files/list\n\n'
            "Ctrl-C stops everything.",
            flush=True,
        )
        serve(port, handler)
    except KeyboardInterrupt:
        return 0
    finally:
        s3.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
