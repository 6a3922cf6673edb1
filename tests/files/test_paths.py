"""Tenant-relative paths (API.md "Paths and storage layout"): `file_lambda.paths` as a
unit, then hostile paths through the real handler into the real S3, each of which
must be refused with `400 invalid_path` and must write nothing anywhere.

No hostile path gets a 404: a control character in the URL path would stop the
route pattern from matching (`route_not_found`), or, as a trailing newline, let
it match the path without it; `file_lambda.app.LiteralUrlGuard` answers 400 first.
The only statuses other than 400 are by design: `upload-multiple` reports a bad
name per file (207) and `delete-multiple` per path (200).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from dev.alb import AlbClient, AlbResponse, LambdaContext, build_event, parse_response
from file_lambda.cursors import Cursors
from file_lambda.files.service import FileService, Upload
from file_lambda.paths import (
    MAX_KEY_BYTES,
    InvalidPath,
    TenantRoot,
    join,
    validate_name,
    validate_path,
)
from file_lambda.settings import Settings
from tenancy.principal import Principal, Role, TenantAccess
from tenancy.problems import Problem
from tests.support.files import BUCKET, all_keys

ClientFactory = Callable[..., AlbClient]
TENANT = "0b5c2a0e-8a51-4c5e-9d43-5d0c6f7a9e21"
PREFIX_BYTES = len(f"tenants/{TENANT}/")  # 45: every tenant id is a canonical uuid

# -- file_lambda.paths as a unit -----------------------------------------------------------

GOOD = [
    "a",
    "a.txt",
    "a/b/c.txt",
    ".hidden",
    "..a",
    "a..",
    "...",
    "a b/c d.txt",
    "über/straße.pdf",
    "日本語/ファイル.txt",
    "emoji-😀.png",
    "a%2e%2e",
    "a+b",
    "a?b#c",
    "C:",
    "a\u2028b",  # a line separator is a format character, not a control character
]

BAD = {
    "empty": "",
    "dotdot": "..",
    "dotdot-prefix": "../x",
    "dotdot-middle": "a/../b",
    "dotdot-end": "a/..",
    "dot": ".",
    "dot-prefix": "./a",
    "dot-middle": "a/./b",
    "double-slash": "a//b",
    "absolute": "/etc/passwd",
    "root": "/",
    "trailing-slash": "a/",
    "backslash": "a\\b",
    "backslash-dotdot": "..\\x",
    "windows-path": "C:\\x\\y.txt",
    "unc-path": "\\\\server\\share\\x",
    "nul": "a\x00b",
    "soh": "\x01",
    "unit-separator": "a\x1fb",
    "del": "a\x7fb",
    "newline": "a\nb",
    "trailing-newline": "a\n",
    "carriage-return": "a\rb",
    "tab": "a\tb",
    "nel": "a\x85b",
    "csi": "a\x9bb",
    "lone-high-surrogate": "a\ud800b",
    "lone-low-surrogate": "\udfff.txt",
    # Unicode format characters (Cf): invisible, they disguise a name.
    "right-to-left-override": "invoice\u202egpj.exe",
    "zero-width-space": "a\u200bb.txt",
    "zero-width-joiner": "a\u200db",
    "byte-order-mark": "\ufeffreport.pdf",
    "soft-hyphen": "pay\u00adroll.xlsx",
}


@pytest.mark.parametrize("path", GOOD)
def test_good_paths_are_kept(path: str) -> None:
    assert validate_path(path) == path
    assert TenantRoot(TENANT).key(path) == f"tenants/{TENANT}/{path}"


@pytest.mark.parametrize("path", BAD.values(), ids=BAD.keys())
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidPath) as raised:
        validate_path(path)
    assert (raised.value.status, raised.value.code) == (400, "invalid_path")
    with pytest.raises(InvalidPath):
        TenantRoot(TENANT).key(path)
    if path:  # "" is the root's folder prefix
        with pytest.raises(InvalidPath):
            TenantRoot(TENANT).folder_prefix(path)
    # The detail is safe to render: printable, UTF-8 encodable, bounded.
    detail = raised.value.detail
    assert detail.isprintable()
    detail.encode("utf-8")
    assert len(detail) < 300


def test_root_is_only_allowed_where_asked() -> None:
    assert validate_path("", allow_root=True) == ""
    assert TenantRoot(TENANT).folder_prefix("") == f"tenants/{TENANT}/"
    with pytest.raises(InvalidPath):
        validate_path("")
    with pytest.raises(InvalidPath):
        validate_path("/", allow_root=True)


def test_paths_are_nfc_normalised_never_otherwise_rewritten() -> None:
    decomposed = "cafe\u0301/e\u0301.txt"
    assert validate_path(decomposed) == "café/é.txt"
    assert unicodedata.is_normalized("NFC", validate_path(decomposed))
    assert TenantRoot(TENANT).key(decomposed) == f"tenants/{TENANT}/café/é.txt"
    # NFC is not NFKC: compatibility characters are kept as they are.
    assert validate_path("ﬁle.txt") == "ﬁle.txt"
    assert validate_path("\uff21.txt") == "\uff21.txt"


def test_nfc_cannot_create_a_dot_segment() -> None:
    # Nothing composes into "." or "/": a combining mark after "." stays a name.
    assert validate_path(".\u0301") == ".\u0301"
    with pytest.raises(InvalidPath):
        validate_path("\u0301/../x")


def test_names_are_one_segment() -> None:
    assert validate_name("a.txt") == "a.txt"
    assert validate_name("e\u0301.txt") == "é.txt"
    for bad in (None, "", "a/b", "../a", "/a", "a/", ".", "..", "a\\b", "a\x00b"):
        with pytest.raises(InvalidPath):
            validate_name(bad)


def test_join() -> None:
    assert join("", "a.txt") == "a.txt"
    assert join("x/y", "a.txt") == "x/y/a.txt"


def test_relative_refuses_keys_of_other_tenants() -> None:
    root = TenantRoot(TENANT)
    assert root.relative(f"tenants/{TENANT}/a/b.txt") == "a/b.txt"
    for key in (f"tenants/{uuid.uuid4()}/a.txt", "tenants/a.txt", f"tenants/{TENANT}", "a.txt"):
        with pytest.raises(ValueError, match="outside"):
            root.relative(key)
    # A tenant id that is a prefix of another's is still another tenant.
    with pytest.raises(ValueError, match="outside"):
        TenantRoot(TENANT[:-1]).relative(f"tenants/{TENANT}/a.txt")


def path_of_key_bytes(total: int, unit: str = "a", tail: str = "") -> str:
    """A path whose key under `TENANT` is exactly `total` bytes of UTF-8.

    Segments of `unit`s (at most 200 bytes each), padded with ASCII, then `tail`.
    """
    budget = total - PREFIX_BYTES - len(tail.encode())
    size = len(unit.encode())
    segments: list[str] = []
    while budget > 201:
        count = 200 // size
        segments.append(unit * count)
        budget -= count * size + 1
    count = budget // size
    segments.append(unit * count + "a" * (budget - count * size) + tail)
    path = "/".join(segments)
    assert len(f"tenants/{TENANT}/{path}".encode()) == total
    return path


@pytest.mark.parametrize("unit", ["a", "é", "€", "😀"])
def test_key_length_limit_counts_utf8_bytes(unit: str) -> None:
    root = TenantRoot(TENANT)
    fits = path_of_key_bytes(MAX_KEY_BYTES, unit)
    assert len(root.key(fits).encode()) == 1024
    with pytest.raises(InvalidPath, match="too long"):
        root.key(path_of_key_bytes(MAX_KEY_BYTES + 1, unit))
    # A folder's prefix ends in "/": a folder fits when its key does with the slash.
    assert root.folder_prefix(path_of_key_bytes(MAX_KEY_BYTES - 1, unit)).endswith("/")
    with pytest.raises(InvalidPath, match="too long"):
        root.folder_prefix(fits)


@pytest.mark.parametrize("char", ["é", "€", "😀"])
def test_multibyte_character_straddling_the_limit(char: str) -> None:
    """1024 bytes ending in a multi-byte character fit; one more byte before it does not."""
    root = TenantRoot(TENANT)
    fits = path_of_key_bytes(MAX_KEY_BYTES, tail=char)
    assert fits.endswith(char)
    root.key(fits)
    over = path_of_key_bytes(MAX_KEY_BYTES + 1, tail=char)
    # At most 1024 characters, but more than 1024 bytes.
    assert len(f"tenants/{TENANT}/{over}") <= MAX_KEY_BYTES
    with pytest.raises(InvalidPath):
        root.key(over)


def test_key_length_is_measured_after_nfc() -> None:
    root = TenantRoot(TENANT)
    nfc = path_of_key_bytes(MAX_KEY_BYTES, tail="é")
    decomposed = nfc[:-1] + "e\u0301"  # one byte longer before normalisation
    assert len(f"tenants/{TENANT}/{decomposed}".encode()) == MAX_KEY_BYTES + 1
    assert root.key(decomposed) == f"tenants/{TENANT}/{nfc}"


class RefusingStorage:
    """A storage port that fails the test on any call."""

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"storage.{name}{args} was called with a refused path")

        return refuse


def service() -> FileService:
    settings = Settings(bucket=BUCKET, region="us-east-1", supabase_url=None, jwt_secret="x")
    principal = Principal("user", None, {TENANT: Role.owner})
    access = TenantAccess(principal, TENANT, Role.owner)
    return FileService(RefusingStorage(), settings, access, Cursors(lambda: bytes(32)))  # type: ignore[arg-type]


@pytest.mark.parametrize("path", BAD.values(), ids=BAD.keys())
def test_service_refuses_bad_paths_before_touching_storage(path: str) -> None:
    files = service()
    calls: list[Callable[[], object]] = [
        lambda: files.metadata(path, None),
        lambda: files.download(path, None, None, "attachment"),
        lambda: files.delete(path),
        lambda: files.copy(path, "ok.txt", False),
        lambda: files.copy("ok.txt", path, False),
        lambda: files.move(path, "ok.txt", False),
        lambda: files.move("ok.txt", path, False),
        lambda: files.create_folder(path),
        lambda: files.presign_download(path, None, "attachment"),
        lambda: files.presign_upload(path, None, None, None, False),
        lambda: files.upload(path or "/", Upload("ok.txt", "text/plain", b"x"), False),
        lambda: files.upload("", Upload(path, "text/plain", b"x"), False),
    ]
    if path:  # "" is the root: listing it is fine, deleting it is refused below
        calls += [
            lambda: files.list_folder(path, False, 10, None),
            lambda: files.delete_folder(path),
        ]
    for call in calls:
        with pytest.raises(InvalidPath):
            call()


def test_service_refuses_to_delete_the_root() -> None:
    with pytest.raises(Problem) as raised:
        service().delete_folder("")
    assert (raised.value.status, raised.value.code) == (400, "invalid_path")


def test_service_upload_many_reports_a_lone_surrogate_per_file() -> None:
    result = service().upload_many("", [Upload("a\ud800.txt", "text/plain", b"x")], False)
    assert result.uploaded == []
    [failure] = result.failed
    assert failure.code == "invalid_path"


# -- through the handler --------------------------------------------------------------------


def send_raw(
    handler: Callable[..., dict[str, Any]],
    token: str,
    method: str,
    raw_path: str,
    *,
    query: dict[str, str] | None = None,
    body: bytes = b"",
    content_type: str | None = None,
    multi_value: bool = False,
) -> AlbResponse:
    """An ALB event with the path and query exactly as given (the ALB decodes neither),
    in the target group's single- or multi-value form."""
    headers = {"authorization": f"Bearer {token}"}
    if content_type:
        headers["content-type"] = content_type
    event = build_event(method, "/", headers=headers, body=body, multi_value=multi_value)
    event["path"] = raw_path
    if multi_value:
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()}
    else:
        event["queryStringParameters"] = dict(query or {})
    return parse_response(handler(event, LambdaContext()))


def multipart(filename: bytes, field: bytes = b"file") -> tuple[bytes, str]:
    """A multipart body whose filename is `filename`, byte for byte (httpx would escape it)."""
    body = (
        b"--snsd-boundary\r\n"
        b'Content-Disposition: form-data; name="' + field + b'"; filename="' + filename + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
        b"hostile\r\n"
        b"--snsd-boundary--\r\n"
    )
    return body, "multipart/form-data; boundary=snsd-boundary"


def invalid_path(response: AlbResponse) -> str | None:
    """None if `response` is `400 invalid_path` as a clean problem, else what it is."""
    try:
        body = response.json()
    except ValueError:
        return f"{response.status} {response.body[:120]!r}"
    if (
        response.status == 400
        and response.headers["content-type"].startswith("application/problem+json")
        and body.get("code") == "invalid_path"
        and "tenants/" not in response.body.decode()
        and BUCKET not in response.body.decode()
    ):
        return None
    return f"{response.status} {body}"


# The hostile paths sent through HTTP (lone surrogates cannot be: see the unit tests).
HOSTILE = {key: value for key, value in BAD.items() if "surrogate" not in key and value}

# A multipart header cannot carry CR or LF: those names are tested as paths only.
HEADER_UNSAFE = ("\n", "\r")

ROUTE_PATHS = {
    "download": ("GET", "/files/download/{}"),
    "metadata": ("GET", "/files/metadata/{}"),
    "delete": ("DELETE", "/files/delete/{}"),
    "presigned-url": ("GET", "/files/presigned-url/{}"),
}


def send_hostile(client: AlbClient, endpoint: str, path: str) -> tuple[AlbResponse, bool]:
    """Send `path` to `endpoint`; the flag says whether a 400 invalid_path is expected
    as the status (False: the endpoint answers 200/207 and reports the path inside)."""
    if endpoint in ROUTE_PATHS:
        method, template = ROUTE_PATHS[endpoint]
        return client.request(method, template.format(path)), True
    if endpoint == "upload-folder":
        files = {"file": ("ok.txt", b"x", "text/plain")}
        return client.post("/files/upload", params={"folder": path}, files=files), True
    if endpoint == "upload-multiple-folder":
        files = [("files", ("ok.txt", b"x", "text/plain"))]
        return client.post("/files/upload-multiple", params={"folder": path}, files=files), True
    if endpoint in ("upload-name", "upload-multiple-name"):
        multiple = endpoint == "upload-multiple-name"
        body, content_type = multipart(path.encode(), b"files" if multiple else b"file")
        target = "/files/upload-multiple" if multiple else "/files/upload"
        response = client.post(target, body=body, headers={"content-type": content_type})
        return response, not multiple
    if endpoint in ("copy-source", "move-source"):
        transfer = {"source": path, "destination": "dest.txt"}
        return client.post(f"/files/{endpoint.split('-')[0]}", json_body=transfer), True
    if endpoint in ("copy-destination", "move-destination"):
        transfer = {"source": "doc.txt", "destination": path}
        return client.post(f"/files/{endpoint.split('-')[0]}", json_body=transfer), True
    if endpoint == "folder-create":
        return client.post("/files/folder/create", json_body={"path": path}), True
    if endpoint == "folder-delete":
        return client.delete("/files/folder/delete", params={"path": path}), True
    if endpoint == "presigned-upload":
        return client.post("/files/presigned-upload", params={"file_path": path}), True
    if endpoint == "list":
        return client.get("/files/list", params={"folder": path}), True
    if endpoint == "delete-multiple":
        return client.post("/files/delete-multiple", json_body={"paths": [path]}), False
    raise AssertionError(endpoint)


ENDPOINTS = [
    *ROUTE_PATHS,
    "upload-folder",
    "upload-name",
    "upload-multiple-folder",
    "upload-multiple-name",
    "copy-source",
    "copy-destination",
    "move-source",
    "move-destination",
    "folder-create",
    "folder-delete",
    "presigned-upload",
    "list",
    "delete-multiple",
]


@pytest.fixture
def bucket_guard(s3: Any, tenant: str) -> Iterator[set[str]]:
    """The bucket's keys before the test; afterwards, every new key is in the tenant's root."""
    before = set(all_keys(s3))
    yield before
    added = set(all_keys(s3)) - before
    outside = sorted(key for key in added if not key.startswith(f"tenants/{tenant}/"))
    assert outside == [], f"keys written outside the tenant's root: {outside}"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_hostile_paths_are_refused(
    client: AlbClient,
    s3: Any,
    tenant: str,
    tenant_keys: Callable[[], list[str]],
    bucket_guard: set[str],
    endpoint: str,
) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/doc.txt", Body=b"doc")
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/a/b", Body=b"ab")
    before = sorted(tenant_keys())
    wrong: dict[str, str] = {}
    for name, path in HOSTILE.items():
        if endpoint.endswith("-name") and any(ch in path for ch in HEADER_UNSAFE):
            continue
        response, refused = send_hostile(client, endpoint, path)
        if refused:
            problem = invalid_path(response)
        elif endpoint == "delete-multiple":
            body = response.json()
            ok = response.status == 200 and body["deleted"] == []
            ok = ok and [e["code"] for e in body["errors"]] == ["invalid_path"]
            problem = None if ok else f"{response.status} {body}"
        else:  # upload-multiple: the file fails on its own
            body = response.json()
            ok = response.status == 207 and body["uploaded"] == []
            ok = ok and [f["code"] for f in body["failed"]] == ["invalid_path"]
            problem = None if ok else f"{response.status} {body}"
        if problem is not None:
            wrong[name] = problem
    assert wrong == {}
    assert sorted(tenant_keys()) == before  # nothing written, moved or deleted


RAW_PATHS = {
    "encoded-dotdot": "%2e%2e/x",
    "encoded-dotdot-upper": "%2E%2E/x",
    "encoded-slash-dotdot": "..%2fx",
    "all-encoded": "%2e%2e%2fx",
    "encoded-middle": "a/%2e%2e/b",
    "encoded-dot": "%2e/a",
    "encoded-double-slash": "a%2f%2fb",
    "encoded-absolute": "%2fetc%2fpasswd",
    "encoded-backslash": "a%5cb",
    "encoded-nul": "a%00b",
    "encoded-newline": "a%0Ab",
    "encoded-trailing-newline": "doc.txt%0A",
    "encoded-trailing-crlf": "doc.txt%0D%0A",
    "invalid-utf8": "%ff.txt",
    "overlong-utf8-dots": "%c0%ae%c0%ae/x",
    "encoded-surrogate": "%ed%a0%80.txt",
    "truncated-utf8": "doc%c3.txt",
}


@pytest.mark.parametrize("route", ROUTE_PATHS)
def test_percent_encoded_route_paths_are_refused(
    lambda_module: ModuleType,
    make_token: Callable[..., str],
    s3: Any,
    tenant: str,
    tenant_keys: Callable[[], list[str]],
    bucket_guard: set[str],
    route: str,
) -> None:
    """The ALB passes the raw path and Mangum decodes it: the decoded path is judged,
    and a path that cannot be decoded exactly is refused, not repaired."""
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/doc.txt", Body=b"doc")
    token = make_token({tenant: "owner"})
    method, template = ROUTE_PATHS[route]
    wrong = {}
    for name, raw in RAW_PATHS.items():
        response = send_raw(lambda_module.handler, token, method, template.format(raw))
        problem = invalid_path(response)
        if problem is not None:
            wrong[name] = problem
    assert wrong == {}
    assert tenant_keys() == ["doc.txt"]


@pytest.mark.parametrize(
    ("method", "route", "parameter"),
    [
        ("GET", "/files/list", "folder"),
        ("POST", "/files/presigned-upload", "file_path"),
        ("DELETE", "/files/folder/delete", "path"),
        ("POST", "/files/upload", "folder"),
    ],
)
def test_percent_encoded_query_paths_are_refused(
    lambda_module: ModuleType,
    make_token: Callable[..., str],
    tenant: str,
    tenant_keys: Callable[[], list[str]],
    bucket_guard: set[str],
    header_form: bool,
    method: str,
    route: str,
    parameter: str,
) -> None:
    token = make_token({tenant: "owner"})
    body, content_type = multipart(b"ok.txt")
    wrong = {}
    for name, raw in RAW_PATHS.items():
        if raw.startswith("doc.txt"):
            continue  # a trailing newline in a query value reaches validation as is
        response = send_raw(
            lambda_module.handler,
            token,
            method,
            route,
            query={parameter: raw},
            body=body if route == "/files/upload" else b"",
            content_type=content_type if route == "/files/upload" else None,
            multi_value=header_form,
        )
        problem = invalid_path(response)
        if problem is not None:
            wrong[name] = problem
    assert wrong == {}
    assert tenant_keys() == []


def test_trailing_newline_does_not_reach_another_file(
    client: AlbClient, tenant_keys: Callable[[], list[str]]
) -> None:
    """Starlette's route pattern ends in `$`, which matches before a final newline:
    `delete/doc.txt\\n` must not delete `doc.txt`."""
    assert client.post("/files/upload", files={"file": ("doc.txt", b"keep me")}).status == 201
    for response in (
        client.delete("/files/delete/doc.txt\n"),
        client.get("/files/download/doc.txt\n"),
        client.get("/files/metadata/doc.txt\n"),
        client.get("/files/presigned-url/doc.txt\n"),
    ):
        assert invalid_path(response) is None
    assert tenant_keys() == ["doc.txt"]


@pytest.mark.parametrize(
    "filename",
    [
        b"C:\\dir\\evil.txt",
        b"C:\\\\dir\\\\evil.txt",
        b"\\\\\\\\server\\\\share\\\\evil.txt",
        b"\\\\server\\share\\evil.txt",
        b"d:\\evil.txt",
    ],
)
@pytest.mark.parametrize("field", [b"file", b"files"])
def test_windows_path_filenames_are_refused_not_cut(
    client: AlbClient, tenant_keys: Callable[[], list[str]], filename: bytes, field: bytes
) -> None:
    """python-multipart keeps the last segment of such names; the API must refuse them."""
    body, content_type = multipart(filename, field)
    target = "/files/upload" if field == b"file" else "/files/upload-multiple"
    response = client.post(target, body=body, headers={"content-type": content_type})
    if field == b"file":
        assert invalid_path(response) is None
    else:
        assert response.status == 207, response.body
        assert [f["code"] for f in response.json()["failed"]] == ["invalid_path"]
    assert tenant_keys() == []


@pytest.mark.parametrize("filename", [b'a\\"b.txt', b"a%22b.txt", "ünï.txt".encode(), b"a;b=c.txt"])
def test_unusual_but_valid_filenames_are_kept(
    client: AlbClient, tenant_keys: Callable[[], list[str]], filename: bytes
) -> None:
    body, content_type = multipart(filename)
    response = client.post("/files/upload", body=body, headers={"content-type": content_type})
    assert response.status == 201, response.body
    name = filename.decode().replace('\\"', '"')
    assert response.json()["path"] == name
    assert tenant_keys() == [name]


def test_lone_surrogate_in_json_is_refused(
    client: AlbClient, tenant_keys: Callable[[], list[str]], bucket_guard: set[str]
) -> None:
    """JSON can carry what a URL cannot: an escaped lone surrogate."""
    assert client.post("/files/upload", files={"file": ("doc.txt", b"doc")}).status == 201
    for route, document in (
        ("/files/folder/create", '{"path": "a\\ud800b"}'),
        ("/files/copy", '{"source": "doc.txt", "destination": "\\udc00.txt"}'),
        ("/files/move", '{"source": "\\ud83d", "destination": "x.txt"}'),
    ):
        response = client.post(
            route, body=document.encode(), headers={"content-type": "application/json"}
        )
        assert invalid_path(response) is None, (route, response.status, response.body)
    response = client.post(
        "/files/delete-multiple",
        body=b'{"paths": ["a\\ud800b", "doc.txt"]}',
        headers={"content-type": "application/json"},
    )
    assert response.status == 200, response.body
    assert response.json()["deleted"] == ["doc.txt"]
    [error] = response.json()["errors"]
    assert error["code"] == "invalid_path"
    assert error["path"] == "a\\ud800b"  # echoed as the escape the client sent
    assert tenant_keys() == []


# -- length and normalisation through the handler ------------------------------------------


def tenant_path_of_key_bytes(tenant: str, total: int, unit: str = "a", tail: str = "") -> str:
    path = path_of_key_bytes(total, unit, tail)
    assert len(f"tenants/{tenant}/{path}".encode()) == total
    return path


@pytest.mark.parametrize(("unit", "tail"), [("a", ""), ("€", ""), ("a", "😀"), ("é", "é")])
def test_key_length_boundary_through_the_handler(
    client: AlbClient,
    s3: Any,
    tenant: str,
    tenant_keys: Callable[[], list[str]],
    bucket_guard: set[str],
    unit: str,
    tail: str,
) -> None:
    fits = tenant_path_of_key_bytes(tenant, 1024, unit, tail)
    over = tenant_path_of_key_bytes(tenant, 1025, unit, tail)
    folder, name = fits.rsplit("/", 1)
    response = client.post(
        "/files/upload", params={"folder": folder}, files={"file": (name, b"long")}
    )
    assert response.status == 201, response.body
    assert response.json()["path"] == fits
    assert tenant_keys() == [fits]
    assert client.get(f"/files/metadata/{fits}").status == 200
    assert client.get(f"/files/download/{fits}").body == b"long"
    assert client.post("/files/presigned-upload", params={"file_path": fits}).status == 409

    folder, name = over.rsplit("/", 1)
    refused = [
        client.post("/files/upload", params={"folder": folder}, files={"file": (name, b"x")}),
        client.get(f"/files/metadata/{over}"),
        client.get(f"/files/download/{over}"),
        client.delete(f"/files/delete/{over}"),
        client.get(f"/files/presigned-url/{over}"),
        client.post("/files/presigned-upload", params={"file_path": over}),
        client.post("/files/copy", json_body={"source": fits, "destination": over}),
        client.post("/files/move", json_body={"source": fits, "destination": over}),
        client.post("/files/folder/create", json_body={"path": fits}),  # marker: 1025 bytes
        client.get("/files/list", params={"folder": fits}),
    ]
    for response in refused:
        assert invalid_path(response) is None, (response.status, response.body[:200])
    assert tenant_keys() == [fits]


def test_nfc_names_are_stored_normalised_and_found_either_way(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Callable[[], list[str]]
) -> None:
    decomposed, composed = "cafe\u0301/e\u0301.txt", "café/é.txt"
    folder, name = decomposed.split("/")
    response = client.post(
        "/files/upload", params={"folder": folder}, files={"file": (name, b"accent")}
    )
    assert response.status == 201, response.body
    assert response.json()["path"] == composed
    assert tenant_keys() == [composed]
    raw = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")
    assert [item["Key"] for item in raw["Contents"]] == [f"tenants/{tenant}/{composed}"]

    for path in (decomposed, composed):
        download = client.get(f"/files/download/{path}")
        assert download.status == 200
        assert download.body == b"accent"
        assert client.get(f"/files/metadata/{path}").json()["path"] == composed
        assert (
            client.get("/files/list", params={"folder": path.split("/")[0]}).json()["files"][0][
                "path"
            ]
            == composed
        )
    # Uploading the other form is the same file.
    again = client.post(
        "/files/upload", params={"folder": "café"}, files={"file": ("é.txt", b"again")}
    )
    assert again.status == 409
    assert client.delete(f"/files/delete/{decomposed}").status == 204
    assert tenant_keys() == []


def test_nfc_names_through_presigned_and_copy(
    client: AlbClient, tenant: str, tenant_keys: Callable[[], list[str]]
) -> None:
    presigned = client.post("/files/presigned-upload", params={"file_path": "e\u0301.bin"})
    assert presigned.status == 200
    assert presigned.json()["path"] == "é.bin"
    assert presigned.json()["fields"]["key"] == f"tenants/{tenant}/é.bin"
    assert client.post("/files/upload", files={"file": ("src.txt", b"s")}).status == 201
    copy = client.post("/files/copy", json_body={"source": "src.txt", "destination": "n\u0303"})
    assert copy.status == 201
    assert copy.json()["path"] == "ñ"
    assert sorted(tenant_keys()) == ["src.txt", "ñ"]
