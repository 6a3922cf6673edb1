"""Upload, download, metadata and delete through the real handler and a real S3.

Every request goes through `file_lambda.handler.handler` as an ALB event; what
the API claims to have written is checked in the bucket itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from types import ModuleType
from typing import Any

import pytest

from dev.alb import AlbClient
from dev.seaweedfs import free_port
from file_lambda.storage.s3 import S3Storage, make_client
from tests.support.files import BUCKET, ClientFactory, multipart
from tests.support.problems import assert_problem

FILE_INFO_FIELDS = {"path", "name", "size", "content_type", "etag", "last_modified", "version_id"}

Keys = Callable[[], list[str]]


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'  # noqa: S324 - S3's ETag of a single PUT


def upload(
    client: AlbClient,
    name: str,
    data: bytes,
    content_type: str = "application/pdf",
    **params: Any,
) -> Any:
    return client.post("/files/upload", params=params, files={"file": (name, data, content_type)})


def head(s3: Any, tenant: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response: dict[str, Any] = s3.head_object(
        Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", **kwargs
    )
    return response


def read(s3: Any, tenant: str, path: str, **kwargs: Any) -> bytes:
    data: bytes = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", **kwargs)[
        "Body"
    ].read()
    return data


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def lambda_settings(lambda_module: ModuleType) -> Any:
    return lambda_module.settings


# -- upload ------------------------------------------------------------------------


def test_upload_returns_file_info_and_writes_the_object(
    client_for: ClientFactory, user: str, header_form: bool, s3: Any, tenant: str
) -> None:
    client = client_for("member", multi_value=header_form, sub=user)
    data = b"%PDF-1.7 quarterly report\n" * 40

    response = upload(client, "report.pdf", data, folder="documents/2024")

    assert response.status == 201, response.body
    info = response.json()
    assert set(info) == FILE_INFO_FIELDS
    assert info["path"] == "documents/2024/report.pdf"
    assert info["name"] == "report.pdf"
    assert info["size"] == len(data)
    assert info["content_type"] == "application/pdf"
    assert info["etag"] == md5_etag(data)
    modified = parse_time(info["last_modified"])
    assert modified.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - modified) < timedelta(minutes=2)
    stored = head(s3, tenant, "documents/2024/report.pdf")
    assert info["version_id"] == stored["VersionId"]
    assert stored["ContentType"] == "application/pdf"
    assert stored["Metadata"] == {"uploaded-by": user}
    assert read(s3, tenant, "documents/2024/report.pdf") == data


def test_an_upload_answers_with_the_version_it_wrote_though_another_lands_at_once(
    client: AlbClient, s3: Any, tenant: str, lambda_module: ModuleType
) -> None:
    """Another writer's version put right after ours (before the handler reads
    the object back) does not become our answer."""
    events = lambda_module.storage._s3.meta.events

    def overtaken(**_: Any) -> None:
        s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/race.pdf", Body=b"someone else's")

    events.register_first("after-call.s3.PutObject", overtaken, unique_id="snsd-overtaken")
    try:
        ours = upload(client, "race.pdf", b"ours", overwrite=True)
    finally:
        events.unregister("after-call.s3.PutObject", unique_id="snsd-overtaken")
    assert ours.status == 201, ours.body
    info = ours.json()
    latest = head(s3, tenant, "race.pdf")
    assert info["version_id"] != latest["VersionId"]
    assert (info["size"], info["etag"]) == (4, md5_etag(b"ours"))
    assert read(s3, tenant, "race.pdf", VersionId=info["version_id"]) == b"ours"


def test_upload_guesses_a_missing_content_type_from_the_name(client: AlbClient) -> None:
    response = upload(client, "notes.txt", b"hello", "application/octet-stream")

    assert response.status == 201
    assert response.json()["content_type"] == "text/plain"


def test_upload_refuses_an_existing_file_unless_overwrite(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    first = upload(client, "a.pdf", b"first")
    assert first.status == 201

    refused = upload(client, "a.pdf", b"second")
    body = assert_problem(refused, 409, "file_exists")
    assert "a.pdf" in body["detail"]
    assert read(s3, tenant, "a.pdf") == b"first"

    replaced = upload(client, "a.pdf", b"second", overwrite=True)
    assert replaced.status == 201
    assert replaced.json()["version_id"] != first.json()["version_id"]
    assert read(s3, tenant, "a.pdf") == b"second"


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("..", ""),
        ("a/b.txt", ""),
        ("back\\slash.txt", ""),
        ("ok.txt", "../escape"),
        ("ok.txt", "/absolute"),
        ("ok.txt", "double//slash"),
        ("ok.txt", "trailing/"),
    ],
)
def test_upload_refuses_a_bad_name_or_folder(
    client: AlbClient, tenant_keys: Keys, name: str, folder: str
) -> None:
    response = upload(client, name, b"data", folder=folder)

    assert_problem(response, 400, "invalid_path")
    assert tenant_keys() == []


@pytest.mark.parametrize("name", [b"nul\x00.txt", b"tab\t.txt", b"del\x7f.txt"])
def test_upload_refuses_a_control_character_in_the_name(
    client: AlbClient, tenant_keys: Keys, name: bytes
) -> None:
    # httpx percent-escapes control characters in filenames: write the part by hand.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\ndata\r\n--b--\r\n"
    )

    response = client.post(
        "/files/upload", body=body, headers={"content-type": "multipart/form-data; boundary=b"}
    )

    assert_problem(response, 400, "invalid_path")
    assert tenant_keys() == []


def test_upload_refuses_a_key_over_1024_bytes(client: AlbClient, tenant: str) -> None:
    prefix = len(f"tenants/{tenant}/".encode())
    folder = "/".join(["f" * 199] * 4)  # SeaweedFS takes segments of at most ~250 bytes
    fits = "n" * (1024 - prefix - len(folder) - 1)

    assert upload(client, fits, b"x", folder=folder).status == 201
    assert_problem(upload(client, fits + "n", b"x", folder=folder), 400, "invalid_path")


def test_upload_over_the_inline_limit_is_413_naming_presigned_upload(
    client: AlbClient, tenant_keys: Keys, lambda_settings: Any
) -> None:
    limit = lambda_settings.max_inline_upload_bytes
    assert limit < 1_000_000  # under the ALB's limit, so clients meet this 413
    overhead = len(multipart([("file", "big.bin", b"", "application/octet-stream")])[0])
    exact, ctype = multipart(
        [("file", "fit.bin", b"\x01" * (limit - overhead), "application/octet-stream")]
    )
    over, _ = multipart(
        [("file", "big.bin", b"\x02" * (limit - overhead + 1), "application/octet-stream")]
    )
    assert (len(exact), len(over)) == (limit, limit + 1)

    refused = client.post("/files/upload", body=over, headers={"content-type": ctype})
    body = assert_problem(refused, 413, "payload_too_large")
    assert "presigned-upload" in body["detail"]
    assert tenant_keys() == []

    accepted = client.post("/files/upload", body=exact, headers={"content-type": ctype})
    assert accepted.status == 201
    assert accepted.json()["size"] == limit - overhead
    assert tenant_keys() == ["fit.bin"]


def test_upload_size_check_does_not_trust_content_length(
    client: AlbClient, tenant_keys: Keys
) -> None:
    body, ctype = multipart([("file", "big.bin", b"\x02" * 1_000_001, "image/png")])

    response = client.post(
        "/files/upload", body=body, headers={"content-type": ctype, "content-length": "10"}
    )

    assert_problem(response, 413, "payload_too_large")
    assert tenant_keys() == []


# -- upload-multiple ----------------------------------------------------------------


def test_upload_multiple_all_succeed(
    client_for: ClientFactory, header_form: bool, s3: Any, tenant: str
) -> None:
    client = client_for("member", multi_value=header_form)
    response = client.post(
        "/files/upload-multiple",
        params={"folder": "batch"},
        files=[
            ("files", ("one.txt", b"one", "text/plain")),
            ("files", ("two.csv", b"a,b\n1,2\n", "text/csv")),
        ],
    )

    assert response.status == 201, response.body
    result = response.json()
    assert result["failed"] == []
    assert [info["path"] for info in result["uploaded"]] == ["batch/one.txt", "batch/two.csv"]
    assert all(set(info) == FILE_INFO_FIELDS for info in result["uploaded"])
    assert [info["size"] for info in result["uploaded"]] == [3, 8]
    assert read(s3, tenant, "batch/one.txt") == b"one"
    assert head(s3, tenant, "batch/two.csv")["ContentType"] == "text/csv"


def test_upload_multiple_reports_each_failure_with_207(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Keys
) -> None:
    assert upload(client, "taken.txt", b"original", "text/plain").status == 201

    response = client.post(
        "/files/upload-multiple",
        files=[
            ("files", ("fresh.txt", b"fresh", "text/plain")),
            ("files", ("..", b"evil", "text/plain")),
            ("files", ("taken.txt", b"replacement", "text/plain")),
            ("files", ("fresh.txt", b"duplicate in the batch", "text/plain")),
        ],
    )

    assert response.status == 207, response.body
    result = response.json()
    assert [info["path"] for info in result["uploaded"]] == ["fresh.txt"]
    failures = {(f["name"], f["code"]) for f in result["failed"]}
    assert failures == {
        ("..", "invalid_path"),
        ("taken.txt", "file_exists"),
        ("fresh.txt", "file_exists"),
    }
    assert all(f["detail"] and "tenants/" not in f["detail"] for f in result["failed"])
    assert sorted(tenant_keys()) == ["fresh.txt", "taken.txt"]
    assert read(s3, tenant, "taken.txt") == b"original"
    assert read(s3, tenant, "fresh.txt") == b"fresh"


def test_upload_multiple_over_the_inline_limit_is_413(client: AlbClient, tenant_keys: Keys) -> None:
    body, ctype = multipart(
        [
            ("files", "a.bin", b"\x00" * 500_000, "application/octet-stream"),
            ("files", "b.bin", b"\x00" * 500_000, "application/octet-stream"),
        ]
    )

    response = client.post("/files/upload-multiple", body=body, headers={"content-type": ctype})

    assert "presigned-upload" in assert_problem(response, 413, "payload_too_large")["detail"]
    assert tenant_keys() == []


def test_upload_multiple_with_a_bad_folder_fails_whole(
    client: AlbClient, tenant_keys: Keys
) -> None:
    response = client.post(
        "/files/upload-multiple",
        params={"folder": "a/../b"},
        files=[("files", ("one.txt", b"one", "text/plain"))],
    )

    assert_problem(response, 400, "invalid_path")
    assert tenant_keys() == []


# -- download -------------------------------------------------------------------------


def test_download_inline_with_headers(
    client_for: ClientFactory, header_form: bool, lambda_module: ModuleType
) -> None:
    client = client_for("viewer", multi_value=header_form)
    writer = client_for("member")
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    info = upload(writer, "logo.png", data, "image/png", folder="img").json()

    response = client.get("/files/download/img/logo.png")

    assert response.status == 200
    assert response.body == data
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["etag"] == info["etag"]
    assert parsedate_to_datetime(response.headers["last-modified"]) == parse_time(
        info["last_modified"]
    ).replace(microsecond=0)
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"logo.png\"; filename*=UTF-8''logo.png"
    )


def test_an_uploaded_html_page_is_never_run_from_the_api_origin(client: AlbClient) -> None:
    upload(client, "page.html", b"<script>alert(document.domain)</script>", "text/html")

    response = client.get("/files/download/page.html", params={"disposition": "inline"})

    assert response.headers["content-type"] == "text/html"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    # Asked inline, but HTML is not safe to render: an attachment all the same.
    assert response.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("photo.png", "image/png", "inline"),
        ("paper.pdf", "application/pdf", "inline"),
        ("notes.txt", "text/plain", "inline"),
        ("drawing.svg", "image/svg+xml", "attachment"),
        ("feed.xml", "application/xml", "attachment"),
        ("app.js", "text/javascript", "attachment"),
    ],
)
def test_inline_only_for_types_safe_to_render(
    client: AlbClient, name: str, content_type: str, expected: str
) -> None:
    upload(client, name, b"content", content_type)

    response = client.get(f"/files/download/{name}", params={"disposition": "inline"})

    assert response.headers["content-disposition"].split(";")[0] == expected


def test_download_keeps_the_stored_content_type_exactly(client: AlbClient) -> None:
    # The bytes are Latin-1: the API must not claim a charset the file does not have.
    upload(client, "legacy.txt", "caf\xe9".encode("latin-1"), "text/plain")

    response = client.get("/files/download/legacy.txt")

    assert response.status == 200
    assert response.headers["content-type"] == "text/plain"


def test_download_inline_disposition_with_a_non_ascii_name(client: AlbClient) -> None:
    name = "résumé 2024 \u2013 ü.pdf"
    assert upload(client, name, b"%PDF", folder="cv").json()["name"] == name

    response = client.get(f"/files/download/cv/{name}", params={"disposition": "inline"})

    assert response.status == 200
    assert response.body == b"%PDF"
    assert response.headers["content-disposition"] == (
        'inline; filename="r_sum_ 2024 _ _.pdf"; '
        "filename*=UTF-8''r%C3%A9sum%C3%A9%202024%20%E2%80%93%20%C3%BC.pdf"
    )


def test_download_refuses_an_unknown_disposition(client: AlbClient) -> None:
    upload(client, "a.pdf", b"x")

    response = client.get("/files/download/a.pdf", params={"disposition": "evil"})

    assert_problem(response, 400, "validation_error")


def test_a_quote_in_a_name_cannot_break_out_of_content_disposition(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    """The ASCII fallback replaces '"' (and '\\'): a name cannot close the quoted
    filename early and add parameters of its own."""
    s3.put_object(Bucket=BUCKET, Key=f'tenants/{tenant}/say "hi".txt', Body=b"hi")

    response = client.get('/files/download/say "hi".txt')

    assert response.status == 200, response.body
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt"
    )


def test_validation_errors_name_the_field_never_its_value(client: AlbClient) -> None:
    """What a client sent in a bad field is not echoed: it could be a token or a huge body."""
    sent = "eyJhbGciOiJIUzI1NiJ9.not-a-number"

    response = client.get("/files/list", params={"limit": sent})

    body = assert_problem(response, 400, "validation_error")
    assert [error["loc"] for error in body["errors"]] == [["query", "limit"]]
    assert all(set(error) == {"loc", "msg"} for error in body["errors"])
    assert sent not in response.body.decode()


def test_binary_bytes_round_trip_exactly(client: AlbClient, s3: Any, tenant: str) -> None:
    data = bytes(range(256)) * 64 + bytes(reversed(range(256)))

    assert upload(client, "all-bytes.bin", data, "application/octet-stream").status == 201

    assert read(s3, tenant, "all-bytes.bin") == data
    assert client.get("/files/download/all-bytes.bin").body == data


def test_download_just_under_the_limit_is_inline_and_just_over_redirects(
    client: AlbClient, s3: Any, tenant: str, lambda_settings: Any
) -> None:
    limit = lambda_settings.max_inline_download_bytes
    assert 700_000 < limit < 750_000
    fits = bytes(range(256)) * (limit // 256) + b"\xff" * (limit % 256)
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/fits.bin", Body=fits)
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/over.bin", Body=fits + b"!")

    inline = client.get("/files/download/fits.bin")
    assert inline.status == 200
    assert inline.body == fits
    assert inline.headers["content-length"] == str(limit)
    assert inline.headers["etag"] == md5_etag(fits)
    assert (
        parsedate_to_datetime(inline.headers["last-modified"])
        == (head(s3, tenant, "fits.bin")["LastModified"])
    )
    assert inline.headers["content-disposition"].startswith('attachment; filename="fits.bin"')

    redirected = client.get("/files/download/over.bin")
    assert redirected.status == 307
    assert redirected.headers["location"].startswith(lambda_settings.endpoint_url)
    assert len(redirected.body) < 1000


def test_download_304_on_matching_if_none_match(client_for: ClientFactory) -> None:
    client = client_for("viewer")
    etag = upload(client_for("member"), "cached.pdf", b"cached").json()["etag"]

    same = client.get("/files/download/cached.pdf", headers={"if-none-match": etag})
    assert same.status == 304
    assert same.body == b""
    assert same.headers["etag"] == etag  # RFC 9110: a 304 repeats the validator

    other = client.get("/files/download/cached.pdf", headers={"if-none-match": '"stale"'})
    assert other.status == 200
    assert other.body == b"cached"


def test_download_of_a_missing_file_is_404(client: AlbClient) -> None:
    body = assert_problem(client.get("/files/download/nope/missing.pdf"), 404, "file_not_found")

    assert body["detail"] == "nope/missing.pdf does not exist"


@pytest.mark.parametrize("path", ["a/../b.txt", "a//b.txt", "nul\x00.txt", "back\\slash"])
def test_download_of_a_bad_path_is_400(client: AlbClient, path: str) -> None:
    assert_problem(client.get(f"/files/download/{path}"), 400, "invalid_path")


def test_download_and_metadata_of_an_older_version(client: AlbClient) -> None:
    first = upload(client, "v.txt", b"version one", "text/plain").json()
    second = upload(client, "v.txt", b"version two!", "text/plain", overwrite=True).json()
    assert first["version_id"]
    assert first["version_id"] != second["version_id"]

    old = client.get("/files/download/v.txt", params={"version_id": first["version_id"]})
    assert old.status == 200
    assert old.body == b"version one"
    assert old.headers["etag"] == first["etag"]
    assert client.get("/files/download/v.txt").body == b"version two!"

    meta = client.get("/files/metadata/v.txt", params={"version_id": first["version_id"]})
    assert meta.status == 200
    assert (meta.json()["size"], meta.json()["version_id"]) == (11, first["version_id"])
    current = client.get("/files/metadata/v.txt").json()
    assert (current["size"], current["version_id"]) == (12, second["version_id"])


def test_download_of_an_unknown_version_is_404(client: AlbClient) -> None:
    upload(client, "v.txt", b"v", "text/plain")

    response = client.get("/files/download/v.txt", params={"version_id": "no-such-version"})

    assert_problem(response, 404, "file_not_found")


# -- metadata ---------------------------------------------------------------------------


def test_metadata_returns_file_info_and_user_metadata(client_for: ClientFactory, user: str) -> None:
    info = upload(client_for("member", sub=user), "m.pdf", b"meta", folder="docs").json()

    response = client_for("viewer").get("/files/metadata/docs/m.pdf")

    assert response.status == 200
    body = response.json()
    assert set(body) == FILE_INFO_FIELDS | {"metadata", "checksum_sha256", "scan"}
    assert {k: body[k] for k in FILE_INFO_FIELDS} == info
    assert body["metadata"] == {"uploaded-by": user}
    assert body["checksum_sha256"] is None  # only multipart uploads with checksum: sha256


def test_metadata_of_a_missing_file_is_404(client: AlbClient) -> None:
    assert assert_problem(client.get("/files/metadata/ghost.pdf"), 404, "file_not_found")[
        "detail"
    ] == ("ghost.pdf does not exist")


# -- delete ---------------------------------------------------------------------------


def test_delete_then_404(client: AlbClient, tenant_keys: Keys) -> None:
    upload(client, "gone.pdf", b"bye", folder="d")
    upload(client, "stays.pdf", b"hi", folder="d")

    response = client.delete("/files/delete/d/gone.pdf")

    assert response.status == 204
    assert response.body == b""
    assert tenant_keys() == ["d/stays.pdf"]
    assert_problem(client.delete("/files/delete/d/gone.pdf"), 404, "file_not_found")
    assert_problem(client.get("/files/download/d/gone.pdf"), 404, "file_not_found")


def test_delete_of_a_bad_path_is_400(client: AlbClient) -> None:
    assert_problem(client.delete("/files/delete/a/./b"), 400, "invalid_path")


# -- storage down -----------------------------------------------------------------------


@pytest.fixture
def storage_down(lambda_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = S3Storage(make_client("us-east-1", f"http://127.0.0.1:{free_port()}"), BUCKET)
    # app.state keeps its attributes in a dict (pytest's setattr would delete on undo).
    monkeypatch.setitem(lambda_module.app.state._state, "storage", dead)


@pytest.mark.usefixtures("storage_down")
@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/files/list", {}),
        ("get", "/files/download/a.pdf", {}),
        ("post", "/files/upload", {"files": {"file": ("a.pdf", b"x", "application/pdf")}}),
        ("post", "/files/copy", {"json_body": {"source": "a", "destination": "b"}}),
    ],
)
def test_storage_down_is_503_with_retry_after(
    client: AlbClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = getattr(client, method)(path, **kwargs)

    body = assert_problem(response, 503, "storage_unavailable")
    assert int(response.headers["retry-after"]) > 0
    for text in ("127.0.0.1", "endpoint", "Could not connect"):
        assert text not in body["detail"]


def test_security_headers_on_every_kind_of_response(client: AlbClient, lambda_module) -> None:
    upload(client, "h.txt", b"x", "text/plain")
    responses = {
        "json": client.get("/files/list"),
        "problem": client.get("/files/metadata/missing.txt"),
        "unauthorized": AlbClient(lambda_module.handler).get("/files/list"),
        "bytes": client.get("/files/download/h.txt"),
        "preflight": client.request(
            "OPTIONS",
            "/files/list",
            headers={
                "origin": "https://app.snsdconsultant.com",
                "access-control-request-method": "GET",
            },
        ),
    }
    for kind, response in responses.items():
        assert response.headers["strict-transport-security"].startswith("max-age="), kind
        assert response.headers["x-content-type-options"] == "nosniff", kind
    for kind in ("json", "problem", "unauthorized"):
        policy = responses[kind].headers["content-security-policy"]
        assert policy == "default-src 'none'; frame-ancestors 'none'", kind
    # A download keeps its own, stricter policy.
    assert "sandbox" in responses["bytes"].headers["content-security-policy"]


def test_a_crash_is_a_clean_problem(client: AlbClient, lambda_module, monkeypatch) -> None:
    class Broken:
        def __getattr__(self, name: str):
            raise RuntimeError("internal detail tenants/secret")

    monkeypatch.setitem(lambda_module.app.state._state, "storage", Broken())

    response = client.get("/files/metadata/a.txt")

    assert response.status == 500
    assert response.json()["code"] == "internal_error"
    assert b"internal detail" not in response.body
    assert b"Traceback" not in response.body
    assert response.headers["x-content-type-options"] == "nosniff"
