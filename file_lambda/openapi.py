"""`python -m file_lambda.openapi`: the file API's OpenAPI document, as JSON on stdout.

The domain's one document is served by the core service, which never imports
this package: `make openapi` (`python -m core_service.openapi --update`) runs
this command and commits its output as the core's package data
(`core_service/file_api_openapi.json`), and a test fails when that copy is stale.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from file_lambda.app import create_app
from file_lambda.cursors import Cursors
from file_lambda.memberships import Memberships, PostgresMemberships
from file_lambda.settings import Settings
from file_lambda.storage.s3 import S3Storage, make_client
from tenancy.tokens import TokenVerifier


def document() -> dict[str, Any]:
    """The schema of the real app: its routes, models and problem responses."""
    # Placeholder parts: building the schema touches neither S3 nor the tokens.
    settings = Settings(bucket="openapi", region="us-east-1", supabase_url=None, jwt_secret=None)
    storage = S3Storage(make_client(settings.region, "http://127.0.0.1:9"), settings.bucket)
    nowhere = PostgresMemberships(lambda: None)
    app = create_app(
        settings,
        storage,
        TokenVerifier(jwt_secret=None, supabase_url=None),
        Memberships(nowhere, ttl=settings.membership_ttl),
        Cursors(lambda: bytes(32)),
    )
    schema = app.openapi()
    binary_as_format(schema)
    return schema


def binary_as_format(node: Any) -> None:
    """Add `format: binary` beside each `contentMediaType` in `node`.

    FastAPI describes an uploaded file the OpenAPI 3.1 way (`contentMediaType`
    alone); client generators such as openapi-python-client read only the 3.0
    `format: binary`, and without it make the file a string the server refuses.
    """
    if isinstance(node, dict):
        if "contentMediaType" in node and node.get("type") == "string":
            node.setdefault("format", "binary")
        for value in node.values():
            binary_as_format(value)
    elif isinstance(node, list):
        for item in node:
            binary_as_format(item)


def main() -> int:
    json.dump(document(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
