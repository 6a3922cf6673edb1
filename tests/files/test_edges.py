"""The file API's edges (issue 25): URLs it hands out, malformed input answered as
documented, and query parameters no route declares, through the Lambda handler
against SeaweedFS and Postgres."""

from __future__ import annotations

from types import ModuleType

import httpx
import pytest
from fastapi.routing import APIRoute

from dev.alb import AlbClient
from file_lambda.settings import ConfigError, Settings
from tests.support.files import ClientFactory, upload
from tests.support.problems import assert_problem

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


# -- malformed input answers the documented code (docs/api.md, Errors) ----------------------


def test_out_of_range_sizes_and_malformed_checksums_answer_their_documented_codes(
    client_for: ClientFactory,
) -> None:
    client = client_for("member")
    for size in (0, -1):
        body = {"path": "a.bin", "size": size}
        assert_problem(client.post("/files/multipart", json_body=body), 400, "invalid_size")
    for max_size in (0, -5):
        body = {"max_size": max_size}
        answer = client.post("/files/upload-sessions", json_body=body)
        assert_problem(answer, 400, "invalid_max_size")
    created = client.post(
        "/files/multipart", json_body={"path": "c.bin", "size": 10, "checksum": "sha256"}
    )
    upload_id = created.json()["upload_id"]
    for checksum in ("abc", "!" * 44, "A" * 45, "A" * 10_000):
        parts = {"parts": [{"part_number": 1, "checksum_sha256": checksum}]}
        signed = client.post(f"/files/multipart/{upload_id}/sign", json_body=parts)
        assert_problem(signed, 400, "invalid_checksum")

    plain = client.post("/files/multipart", json_body={"path": "p.bin", "size": 3}).json()
    signed = client.post(
        f"/files/multipart/{plain['upload_id']}/sign", json_body={"parts": [{"part_number": 1}]}
    )
    etag = httpx.put(signed.json()["parts"][0]["url"], content=b"abc", timeout=60).headers["etag"]
    for checksum in ("abc", "A" * 10_000):
        parts = {"parts": [{"part_number": 1, "etag": etag, "checksum_sha256": checksum}]}
        completed = client.post(f"/files/multipart/{plain['upload_id']}/complete", json_body=parts)
        assert_problem(completed, 400, "invalid_checksum")


def test_delete_exact_refuses_a_backslash_as_a_bad_path(client_for: ClientFactory) -> None:
    client = client_for("admin")
    for path in ("a\\b.txt", "..\\x", "dir\\"):
        answer = client.post("/files/delete-exact", json_body={"path": path})
        assert_problem(answer, 400, "invalid_path", echoed=(path,))


def test_a_restores_404_does_not_echo_the_version_id(client_for: ClientFactory) -> None:
    client = client_for("member")
    assert client.post("/files/upload", files={"file": ("r.txt", b"r")}).status == 201
    version_id = "v" * 100_000
    body = {"path": "r.txt", "version_id": version_id}
    answer = client.post("/files/versions/restore", json_body=body)
    problem = assert_problem(answer, 404, "file_not_found")
    assert len(answer.body) < 1000
    assert "vvvv" not in problem["detail"]


# -- query parameters no route declares (tenancy/query.py) -------------------------------


def filled(path: str, session: str, links: dict[str, str]) -> str:
    """A route's path with its parameters filled in well enough to reach the route."""
    values = {"{path:path}": "a.txt", "{upload_id}": "u", "{part_number}": "1"}
    values["{session}"] = session
    for prefix, token in links.items():  # a link's token is checked first, as a bearer token is
        if path.startswith(prefix):
            values["{token}"] = token
    for name, value in values.items():
        path = path.replace(name, value)
    return path


def test_every_file_route_refuses_a_query_parameter_it_does_not_declare(
    client_for: ClientFactory, lambda_module: ModuleType
) -> None:
    client = client_for("owner")
    session = client.post("/files/upload-sessions", json_body={}).json()["companion_endpoint"]
    session = session.rsplit("/", 1)[1]
    upload(client, "shared.txt", b"s")
    link = client.post("/files/shares", json_body={"path": "shared.txt"}).json()["url"]
    request = client.post("/files/requests", json_body={"title": "t"}).json()["url"]
    links = {
        "/files/public/requests/": request.rsplit("/", 1)[1],
        "/files/public/shares/": link.rsplit("/", 1)[1],
    }
    # The pages are no API: they take any query a mail client or tracker appends
    # (tests/files/test_pages.py).
    routes = [
        r
        for r in lambda_module.app.router.routes
        if isinstance(r, APIRoute) and r.include_in_schema
    ]
    assert len(routes) > 30
    for route in routes:
        (method,) = route.methods
        path = filled(route.path, session, links)
        answer = client.request(method, path, params={"folder": "", "limt": "5"})
        declared = {p.alias for p in route.dependant.query_params}
        expected = [{"loc": ["query", "limt"], "msg": "Unknown query parameter"}]
        if "folder" not in declared:
            expected.insert(0, {"loc": ["query", "folder"], "msg": "Unknown query parameter"})
        body = assert_problem(answer, 400, "validation_error")
        assert body["errors"] == expected, (route.name, body)


def test_declared_parameters_and_uppys_metadata_still_pass(client_for: ClientFactory) -> None:
    client = client_for("owner")
    assert client.get("/files/list", params={"limit": "5", "recursive": "true"}).status == 200
    endpoint = client.post("/files/upload-sessions", json_body={}).json()["companion_endpoint"]
    session = endpoint.removeprefix("https://api.snsdconsultant.com")
    uppy = AlbClient(client.handler)
    query = {"filename": "n.txt", "type": "text/plain", "metadata[name]": "n.txt"}
    assert uppy.get(f"{session}/s3/params", params=query).status == 200
    refused = uppy.get(f"{session}/s3/params", params={**query, "meta[name]": "x"})
    body = assert_problem(refused, 400, "validation_error")
    assert body["errors"] == [{"loc": ["query", "meta[name]"], "msg": "Unknown query parameter"}]
    anonymous = AlbClient(client.handler)
    assert_problem(anonymous.get("/files/list", params={"limt": "5"}), 401, "unauthorized")
    long_name = "x" * 5000
    echoed = assert_problem(
        client.get("/files/list", params={long_name: "1"}), 400, "validation_error"
    )
    assert echoed["errors"] == [{"loc": ["query", "x" * 64], "msg": "Unknown query parameter"}]
