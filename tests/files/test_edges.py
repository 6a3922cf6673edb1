"""The file API's edges (issue 25): URLs it hands out, malformed input answered as
documented, and query parameters no route declares, through the Lambda handler
against SeaweedFS and Postgres."""

from __future__ import annotations

import httpx
import pytest

from dev.alb import AlbClient
from file_lambda.settings import ConfigError, Settings
from tests.support.files import ClientFactory

FORGED_HOST = {
    "host": "evil.example",
    "x-forwarded-proto": "http",
    "x-forwarded-host": "evil.example",
}


def test_urls_the_api_hands_out_come_from_configuration_not_the_host_header(
    client_for: ClientFactory,
) -> None:
    base = "https://api.snsdconsultant.com"  # PUBLIC_BASE_URL's default: the tests set none
    client = client_for("member")
    opened = client.post("/files/upload-sessions", json_body={}, headers=FORGED_HOST)
    assert opened.status == 201, opened.body
    endpoint: str = opened.json()["companion_endpoint"]
    assert endpoint.startswith(f"{base}/files/upload-sessions/"), endpoint

    uppy = AlbClient(client.handler)  # no token: the session is the capability
    session = endpoint.removeprefix(base)
    created = uppy.post(
        f"{session}/s3/multipart",
        json_body={"filename": "a.bin", "type": "x/y"},
        headers=FORGED_HOST,
    )
    key, upload_id = created.json()["key"], created.json()["uploadId"]
    signed = uppy.get(f"{session}/s3/multipart/{upload_id}/1", params={"key": key})
    etag = httpx.put(signed.json()["url"], content=b"abc", timeout=60).headers["etag"]
    done = uppy.post(
        f"{session}/s3/multipart/{upload_id}/complete",
        params={"key": key},
        json_body={"parts": [{"PartNumber": 1, "ETag": etag}]},
        headers=FORGED_HOST,
    )
    assert done.status == 200, done.body
    assert done.json()["location"] == f"{base}/files/download/a.bin"


def test_the_public_base_url_is_a_setting() -> None:
    minimal = {"S3_BUCKET_NAME": "b", "SUPABASE_JWT_SECRET": "x" * 40, "SUPABASE_DB_URL": "x"}
    assert Settings.from_env(minimal).public_base_url == "https://api.snsdconsultant.com"
    local = Settings.from_env({**minimal, "PUBLIC_BASE_URL": "http://127.0.0.1:8000/"})
    assert local.public_base_url == "http://127.0.0.1:8000"
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        Settings.from_env({**minimal, "PUBLIC_BASE_URL": "evil.example"})
