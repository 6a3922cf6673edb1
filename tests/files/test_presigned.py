"""Presigned GETs and POSTs, proven against a real S3 server that checks them.

SeaweedFS verifies signatures and POST policies, so a URL or policy that
would let a client do more than the API meant is caught here (moto would not).
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dev.alb import AlbClient
from tests.support.files import BUCKET, ClientFactory
from tests.support.problems import assert_problem

Keys = Callable[[], list[str]]
MB = 1024 * 1024


def put(s3: Any, tenant: str, path: str, body: bytes, **kwargs: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", Body=body, **kwargs)


def head(s3: Any, tenant: str, path: str) -> dict[str, Any]:
    response: dict[str, Any] = s3.head_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}")
    return response


def read(s3: Any, tenant: str, path: str) -> bytes:
    data: bytes = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}")["Body"].read()
    return data


def expiry(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["X-Amz-Expires"][0])


def close_to(moment: str, expected: datetime) -> bool:
    return abs(datetime.fromisoformat(moment) - expected) < timedelta(seconds=30)


# -- download redirect (307) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("disposition", "header"),
    [
        (None, "attachment; filename=\"video.mp4\"; filename*=UTF-8''video.mp4"),
        ("inline", "inline; filename=\"video.mp4\"; filename*=UTF-8''video.mp4"),
    ],
)
def test_large_download_redirects_to_a_presigned_get(
    client_for: ClientFactory,
    header_form: bool,
    s3: Any,
    tenant: str,
    disposition: str | None,
    header: str,
) -> None:
    data = os.urandom(3 * MB)
    put(s3, tenant, "media/video.mp4", data, ContentType="video/mp4")
    client = client_for("viewer", multi_value=header_form)
    params = {"disposition": disposition} if disposition else {}

    response = client.get("/files/download/media/video.mp4", params=params)

    assert response.status == 307
    assert response.headers["cache-control"] == "no-store"
    location = response.headers["location"]
    assert expiry(location) == 300
    followed = httpx.get(location)
    assert followed.status_code == 200
    assert followed.content == data
    assert followed.headers["content-type"] == "video/mp4"
    assert followed.headers["content-disposition"] == header


def test_large_download_of_an_older_version_redirects_to_that_version(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    first, second = os.urandom(3 * MB), os.urandom(3 * MB)
    put(s3, tenant, "v.bin", first)
    version = head(s3, tenant, "v.bin")["VersionId"]
    put(s3, tenant, "v.bin", second)

    old = client.get("/files/download/v.bin", params={"version_id": version})
    current = client.get("/files/download/v.bin")

    assert (old.status, current.status) == (307, 307)
    assert httpx.get(old.headers["location"]).content == first
    assert httpx.get(current.headers["location"]).content == second


def test_a_tampered_redirect_is_refused_by_storage(client: AlbClient, s3: Any, tenant: str) -> None:
    put(s3, tenant, "big.bin", os.urandom(3 * MB))
    put(s3, tenant, "other.bin", b"not yours to read")
    location = client.get("/files/download/big.bin").headers["location"]

    tampered = location.replace("/big.bin?", "/other.bin?")

    assert tampered != location
    assert httpx.get(tampered).status_code == 403


# -- presigned-url ----------------------------------------------------------------------


def test_presigned_url_fetches_the_exact_bytes(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    data = bytes(range(256)) * 3
    put(s3, tenant, "docs/a.bin", data)

    response = client_for("viewer").get("/files/presigned-url/docs/a.bin")

    assert response.status == 200
    body = response.json()
    assert set(body) == {"url", "method", "path", "expires_at"}
    assert (body["method"], body["path"]) == ("GET", "docs/a.bin")
    assert expiry(body["url"]) == 300
    assert close_to(body["expires_at"], datetime.now(UTC) + timedelta(seconds=300))
    fetched = httpx.get(body["url"])
    assert fetched.status_code == 200
    assert fetched.content == data


def test_presigned_url_honours_expires_in(client: AlbClient, s3: Any, tenant: str) -> None:
    put(s3, tenant, "a.txt", b"a")

    body = client.get("/files/presigned-url/a.txt", params={"expires_in": 60}).json()

    assert expiry(body["url"]) == 60
    assert close_to(body["expires_at"], datetime.now(UTC) + timedelta(seconds=60))


@pytest.mark.parametrize("expires_in", [0, 59, 901, -5])
def test_presigned_url_refuses_expires_in_out_of_range(
    client: AlbClient, s3: Any, tenant: str, expires_in: int
) -> None:
    put(s3, tenant, "a.txt", b"a")

    response = client.get("/files/presigned-url/a.txt", params={"expires_in": expires_in})

    assert "900" in assert_problem(response, 400, "invalid_expires_in")["detail"]


def test_presigned_url_of_a_missing_file_is_404(client: AlbClient) -> None:
    assert_problem(client.get("/files/presigned-url/ghost.txt"), 404, "file_not_found")


def test_presigned_url_refuses_a_bad_path(client: AlbClient) -> None:
    assert_problem(client.get("/files/presigned-url/a/../b.txt"), 400, "invalid_path")


# -- presigned-upload -------------------------------------------------------------------


def presign(client: AlbClient, path: str, **params: Any) -> Any:
    return client.post("/files/presigned-upload", params={"file_path": path, **params})


def post_form(
    grant: dict[str, Any], data: bytes, content_type: str = "image/png", **fields: str
) -> httpx.Response:
    form = {**grant["fields"], **fields}
    # httpx sends the form fields first and `file` last, as S3 requires.
    return httpx.post(grant["url"], data=form, files={"file": ("upload", data, content_type)})


def test_presigned_upload_lands_with_the_pinned_content_type(
    client_for: ClientFactory, user: str, s3: Any, tenant: str
) -> None:
    client = client_for("member", sub=user)
    data = os.urandom(1500) + bytes(range(256))

    response = presign(client, "photos/cat.png", content_type="image/png", max_size=4096)

    assert response.status == 200, response.body
    grant = response.json()
    assert set(grant) == {"url", "fields", "path", "expires_at", "max_size"}
    assert (grant["path"], grant["max_size"]) == ("photos/cat.png", 4096)
    assert grant["fields"]["key"] == f"tenants/{tenant}/photos/cat.png"
    assert grant["fields"]["Content-Type"] == "image/png"
    assert close_to(grant["expires_at"], datetime.now(UTC) + timedelta(seconds=300))
    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    assert ["content-length-range", 0, 4096] in policy["conditions"]

    posted = post_form(grant, data)

    assert posted.status_code in (200, 201, 204), posted.text
    stored = head(s3, tenant, "photos/cat.png")
    assert stored["ContentType"] == "image/png"
    assert stored["Metadata"] == {"uploaded-by": user}
    assert read(s3, tenant, "photos/cat.png") == data
    assert client.get("/files/metadata/photos/cat.png").json()["size"] == len(data)


def test_presigned_upload_refuses_a_body_over_max_size(
    client: AlbClient, tenant_keys: Keys
) -> None:
    grant = presign(client, "big.png", content_type="image/png", max_size=1024).json()

    assert post_form(grant, b"\x00" * 1024).status_code in (200, 201, 204)
    grant = presign(client, "bigger.png", content_type="image/png", max_size=1024).json()
    refused = post_form(grant, b"\x00" * 1025)

    assert 400 <= refused.status_code < 500
    assert tenant_keys() == ["big.png"]


def test_presigned_upload_refuses_another_key(
    client_for: ClientFactory, s3: Any, tenant: str, tenant_keys: Keys
) -> None:
    victim = str(uuid.uuid4())
    grant = presign(client_for("member"), "mine.png", content_type="image/png").json()

    for key in (f"tenants/{victim}/stolen.png", f"tenants/{tenant}/elsewhere.png"):
        refused = post_form(grant, b"payload", key=key)
        assert refused.status_code == 403, refused.text

    assert tenant_keys() == []
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{victim}/")["KeyCount"] == 0


def test_presigned_upload_refuses_another_content_type(
    client: AlbClient, tenant_keys: Keys
) -> None:
    grant = presign(client, "page.png", content_type="image/png").json()

    refused = post_form(grant, b"<script>", "text/html", **{"Content-Type": "text/html"})

    assert refused.status_code == 403, refused.text
    assert tenant_keys() == []


def test_presigned_upload_refuses_a_tampered_policy(client: AlbClient, tenant_keys: Keys) -> None:
    grant = presign(client, "p.png", content_type="image/png", max_size=10).json()
    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    policy["conditions"] = [
        ["content-length-range", 0, 10 * MB] if isinstance(c, list) else c
        for c in policy["conditions"]
    ]
    forged = base64.b64encode(json.dumps(policy).encode()).decode()

    refused = post_form(grant, b"\x00" * 100, policy=forged)

    assert refused.status_code == 403, refused.text
    assert tenant_keys() == []


def test_presigned_upload_onto_an_existing_file(client: AlbClient, s3: Any, tenant: str) -> None:
    put(s3, tenant, "taken.png", b"old")

    body = assert_problem(presign(client, "taken.png"), 409, "file_exists")
    assert "taken.png" in body["detail"]

    grant = presign(client, "taken.png", overwrite=True).json()
    assert post_form(grant, b"new").status_code in (200, 201, 204)
    assert read(s3, tenant, "taken.png") == b"new"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"file_path": "../x.png"}, "invalid_path"),
        ({"file_path": "dir/"}, "invalid_path"),
        ({"file_path": "x.png", "expires_in": 59}, "invalid_expires_in"),
        ({"file_path": "x.png", "expires_in": 901}, "invalid_expires_in"),
        ({"file_path": "x.png", "max_size": 0}, "invalid_max_size"),
        ({"file_path": "x.png", "max_size": 5 * 1024**3 + 1}, "invalid_max_size"),
    ],
)
def test_presigned_upload_refuses_bad_parameters(
    client: AlbClient, params: dict[str, Any], code: str
) -> None:
    assert_problem(client.post("/files/presigned-upload", params=params), 400, code)


def test_presigned_upload_caps_max_size_by_configuration(
    client: AlbClient, lambda_module: ModuleType
) -> None:
    grant = presign(client, "any.bin").json()

    ceiling = lambda_module.settings.presign_upload_max_size
    assert grant["max_size"] == ceiling
    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    assert ["content-length-range", 0, ceiling] in policy["conditions"]
    assert "Content-Type" not in grant["fields"]


# -- what a presigned POST policy allows, exactly -----------------------------------------
# SeaweedFS accepts form fields a policy does not list, so a missing condition
# would pass the server tests above: these read every policy the API issues.


def policy_conditions(grant: dict[str, Any]) -> list[Any]:
    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    conditions: list[Any] = policy["conditions"]
    return conditions


def signing_conditions(grant: dict[str, Any]) -> list[Any]:
    fields = grant["fields"]
    return [
        {"x-amz-algorithm": fields["x-amz-algorithm"]},
        {"x-amz-credential": fields["x-amz-credential"]},
        {"x-amz-date": fields["x-amz-date"]},
    ]


@pytest.mark.parametrize("content_type", [None, "image/png"])
def test_every_presigned_post_policy_pins_exactly_what_the_api_meant(
    client_for: ClientFactory, user: str, tenant: str, content_type: str | None
) -> None:
    params = {"max_size": 4096, **({"content_type": content_type} if content_type else {})}
    grant = presign(client_for("member", sub=user), "photos/cat.png", **params).json()

    expected = [
        {"bucket": BUCKET},
        {"key": f"tenants/{tenant}/photos/cat.png"},
        ["content-length-range", 0, 4096],
        *([{"Content-Type": content_type}] if content_type else []),
        {"x-amz-meta-uploaded-by": user},
        *signing_conditions(grant),
    ]
    conditions = policy_conditions(grant)
    assert sorted(map(json.dumps, conditions)) == sorted(map(json.dumps, expected))
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)


@pytest.mark.parametrize("path", ["${filename}", "up/${filename}", "a${filename}.png"])
def test_a_presigned_upload_never_lets_the_uploader_choose_the_key(
    client: AlbClient, tenant_keys: Keys, path: str
) -> None:
    # botocore turns a key ending in ${filename} into a starts-with condition, and
    # S3 substitutes the uploaded file's name into the key: a tenant-wide write.
    body = assert_problem(presign(client, path), 400, "invalid_path")

    assert "${filename}" in body["detail"]
    assert tenant_keys() == []


def test_the_storage_adapter_refuses_a_key_s3_would_rewrite(lambda_module: ModuleType) -> None:
    with pytest.raises(ValueError, match="filename"):
        lambda_module.app.state.storage.presign_post("tenants/t/${filename}", 60, 10, None, {})


# -- presigned GETs carry the download's headers ------------------------------------------


@pytest.mark.parametrize(
    ("path", "stored_type", "disposition", "served_type", "header"),
    [
        (
            "page.html",
            "text/html",
            "inline",
            "application/octet-stream",
            "attachment; filename=\"page.html\"; filename*=UTF-8''page.html",
        ),
        (
            "logo.svg",
            "image/svg+xml",
            None,
            "application/octet-stream",
            "attachment; filename=\"logo.svg\"; filename*=UTF-8''logo.svg",
        ),
        (
            "cat.png",
            "image/png",
            "inline",
            "image/png",
            "inline; filename=\"cat.png\"; filename*=UTF-8''cat.png",
        ),
    ],
)
def test_presigned_url_serves_untrusted_types_as_attachments(
    client: AlbClient,
    s3: Any,
    tenant: str,
    path: str,
    stored_type: str,
    disposition: str | None,
    served_type: str,
    header: str,
) -> None:
    put(s3, tenant, path, b"<script>alert(document.domain)</script>", ContentType=stored_type)
    params = {"disposition": disposition} if disposition else {}

    url = client.get(f"/files/presigned-url/{path}", params=params).json()["url"]
    fetched = httpx.get(url)

    assert fetched.status_code == 200
    assert fetched.headers["content-disposition"] == header
    assert fetched.headers["content-type"] == served_type


def test_a_large_html_download_redirects_to_an_attachment(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    put(s3, tenant, "big.html", b"<p>" * MB, ContentType="text/html")

    location = client.get("/files/download/big.html", params={"disposition": "inline"}).headers[
        "location"
    ]
    fetched = httpx.get(location)

    assert fetched.headers["content-type"] == "application/octet-stream"
    assert fetched.headers["content-disposition"].startswith("attachment;")
