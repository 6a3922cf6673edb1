"""Tenant selection, roles and isolation (API.md "Tenant and role", "Paths and
storage layout"), through the real Lambda handler against the real S3.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dev.alb import AlbClient, AlbResponse
from tests.support.files import BUCKET
from tests.support.problems import assert_problem

ClientFactory = Callable[..., AlbClient]
ROLES = ("viewer", "member", "admin", "owner")

# Responses that hand out a presigned S3 URL necessarily name the bucket and the
# caller's own key prefix: that is where the client must go. Only those.
PRESIGNED = ("presigned-url", "presigned-upload")


class RecordingClient(AlbClient):
    """An ALB client that keeps every response, for the leak checks."""

    def __init__(self, *args: Any, log: list[tuple[str, AlbResponse]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log = log

    def request(self, method: str, path: str, **kwargs: Any) -> AlbResponse:
        response = super().request(method, path, **kwargs)
        # What the client sent itself, which a response may echo back.
        sent = repr((path, kwargs.get("params"), kwargs.get("json_body"), kwargs.get("headers")))
        self.log.append((sent, response))
        return response


def shown(response: AlbResponse) -> str:
    """Everything a client can read of a response."""
    return response.body.decode("utf-8", "replace") + repr(response.multi_headers)


def assert_no_leak(log: list[tuple[str, AlbResponse]], *foreign_tenants: str) -> None:
    """No response shows a foreign tenant's id, `tenants/` or the bucket, unless its
    request sent that text itself (an echoed path is not a leak)."""
    assert log, "no request was made"
    for sent, response in log:
        text = shown(response)
        for tenant_id in foreign_tenants:
            if tenant_id.lower() not in sent.lower():
                assert tenant_id.lower() not in text.lower(), (sent, text[:500])
        if not any(name in sent for name in PRESIGNED) and response.status != 307:
            if "tenants/" not in sent:
                assert "tenants/" not in text, (sent, text[:500])
            assert BUCKET not in text, (sent, text[:500])


@pytest.fixture
def log() -> list[tuple[str, AlbResponse]]:
    return []


@pytest.fixture
def recording(
    client_for: ClientFactory, log: list[tuple[str, AlbResponse]]
) -> Iterator[ClientFactory]:
    """`client_for`, recording; afterwards no response may show `tenants/` or the bucket."""

    def factory(*args: Any, **kwargs: Any) -> AlbClient:
        plain = client_for(*args, **kwargs)
        return RecordingClient(
            plain.handler,
            token=plain.token,
            tenant=plain.tenant,
            multi_value=plain.multi_value,
            log=log,
        )

    yield factory
    assert_no_leak(log)


def put(s3: Any, tenant_id: str, path: str, body: bytes = b"data") -> None:
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant_id}/{path}", Body=body)


# -- tenant selection ------------------------------------------------------------------


def test_header_picks_among_several_tenants(recording: ClientFactory, tenant: str, s3: Any) -> None:
    other = str(uuid.uuid4())
    put(s3, tenant, "in-a.txt")
    put(s3, other, "in-b.txt")
    memberships = {tenant: "viewer", other: "viewer"}
    for picked, expected in ((tenant, "in-a.txt"), (other, "in-b.txt")):
        response = recording(tenants=memberships, select=picked).get("/files/list")
        assert response.status == 200, response.body
        assert [f["path"] for f in response.json()["files"]] == [expected]


@pytest.mark.parametrize("multi_value", [False, True], ids=["headers", "multiValueHeaders"])
def test_header_naming_a_foreign_tenant_is_403(
    recording: ClientFactory, tenant: str, s3: Any, multi_value: bool
) -> None:
    foreign = str(uuid.uuid4())
    put(s3, foreign, "secret.txt")
    client = recording("owner", select=foreign, multi_value=multi_value)
    for response in (
        client.get("/files/list"),
        client.get("/files/download/secret.txt"),
        client.post("/files/upload", files={"file": ("x.txt", b"x", "text/plain")}),
    ):
        assert_problem(response, 403, "tenant_forbidden")
        assert foreign not in shown(response)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{foreign}/")["KeyCount"] == 1
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")["KeyCount"] == 0


@pytest.mark.parametrize(
    "header",
    [
        "not-a-uuid",
        "../tenants",
        "*",
        "0",
        "12345678-1234-1234-1234-12345678901",  # one digit short
        "12345678-1234-1234-1234-1234567890123",  # one digit long
        "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    ],
)
def test_malformed_tenant_header_is_400(recording: ClientFactory, tenant: str, header: str) -> None:
    """Malformed is not forbidden: no tenant could have that id (issue 25)."""
    response = recording("owner", select=header).get("/files/list")
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == [
        {"loc": ["header", "x-tenant-id"], "msg": "X-Tenant-ID must be a UUID"}
    ]
    assert tenant not in shown(response)
    assert header not in body["detail"]


def test_blank_tenant_header_is_400(recording: ClientFactory) -> None:
    client = recording("owner")
    assert_problem(client.get("/files/list", headers={"x-tenant-id": " "}), 400, "validation_error")


def test_malformed_tenant_header_of_an_anonymous_caller_is_401(recording: ClientFactory) -> None:
    anonymous = recording("owner", select="not-a-uuid")
    anonymous.token = None
    assert_problem(anonymous.get("/files/list"), 401, "unauthorized")


def test_uppercase_tenant_header_is_accepted(
    recording: ClientFactory, tenant: str, s3: Any
) -> None:
    put(s3, tenant, "a.txt")
    other = str(uuid.uuid4())
    response = recording(tenants={tenant: "viewer", other: "viewer"}, select=tenant.upper()).get(
        "/files/list"
    )
    assert response.status == 200, response.body
    assert [f["path"] for f in response.json()["files"]] == ["a.txt"]


def test_uppercase_tenant_in_the_token_maps_to_the_canonical_prefix(
    recording: ClientFactory, tenant: str, tenant_keys: Callable[[], list[str]]
) -> None:
    client = recording(tenants={tenant.upper(): "member"})
    response = client.post("/files/upload", files={"file": ("u.txt", b"u", "text/plain")})
    assert response.status == 201, response.body
    assert tenant_keys() == ["u.txt"]  # under tenants/<lowercase id>/


def test_several_tenants_and_no_header_is_400(recording: ClientFactory, tenant: str) -> None:
    client = recording(tenants={tenant: "owner", str(uuid.uuid4()): "owner"})
    assert_problem(client.get("/files/list"), 400, "tenant_required")


def test_exactly_one_tenant_needs_no_header(recording: ClientFactory, tenant: str, s3: Any) -> None:
    put(s3, tenant, "one.txt")
    response = recording("viewer").get("/files/list")
    assert [f["path"] for f in response.json()["files"]] == ["one.txt"]


@pytest.mark.parametrize(
    "app_metadata",
    [
        {"tenants": {}},
        {},
        {"tenants": None},
        {"tenants": ["TENANT"]},
        {"tenants": "TENANT"},
        {"tenants": {"TENANT": "superuser"}},
        {"tenants": {"TENANT": "Owner"}},
        {"tenants": {"TENANT": None}},
        {"tenants": {"TENANT": 40}},
        {"tenants": {"TENANT": ["owner"]}},  # not even hashable: still grants nothing
        {"tenants": {"not-a-uuid": "owner"}},
        "owner",
    ],
    ids=repr,
)
def test_no_usable_tenant_is_403(recording: ClientFactory, tenant: str, app_metadata: Any) -> None:
    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {fill(k): fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return tenant if value == "TENANT" else value

    client = recording(tenants={}, app_metadata=fill(app_metadata))
    assert_problem(client.get("/files/list"), 403, "tenant_forbidden")
    assert_problem(
        client.get("/files/list", headers={"x-tenant-id": tenant}), 403, "tenant_forbidden"
    )


def test_tenants_outside_app_metadata_grant_nothing(recording: ClientFactory, tenant: str) -> None:
    """`user_metadata` is writable by the user: it must never grant a tenant."""
    client = recording(tenants={}, user_metadata={"tenants": {tenant: "owner"}})
    assert_problem(client.get("/files/list"), 403, "tenant_forbidden")
    assert_problem(
        client.get("/files/list", headers={"x-tenant-id": tenant}), 403, "tenant_forbidden"
    )


def test_role_is_per_tenant(recording: ClientFactory, tenant: str, s3: Any) -> None:
    other = str(uuid.uuid4())
    memberships = {tenant: "viewer", other: "owner"}
    upload = {"file": ("x.txt", b"x", "text/plain")}
    denied = recording(tenants=memberships, select=tenant).post("/files/upload", files=upload)
    assert_problem(denied, 403, "insufficient_role")
    allowed = recording(tenants=memberships, select=other).post("/files/upload", files=upload)
    assert allowed.status == 201
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")["KeyCount"] == 0


# -- the role matrix ----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    minimum: str
    call: Callable[[AlbClient], AlbResponse]
    status: int
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


ENDPOINTS = [
    Endpoint("list", "viewer", lambda c: c.get("/files/list"), 200),
    Endpoint("metadata", "viewer", lambda c: c.get("/files/metadata/doc.txt"), 200),
    Endpoint("download", "viewer", lambda c: c.get("/files/download/doc.txt"), 200),
    Endpoint("presigned-url", "viewer", lambda c: c.get("/files/presigned-url/doc.txt"), 200),
    Endpoint(
        "upload",
        "member",
        lambda c: c.post("/files/upload", files={"file": ("new.txt", b"new", "text/plain")}),
        201,
        added=("new.txt",),
    ),
    Endpoint(
        "upload-multiple",
        "member",
        lambda c: c.post(
            "/files/upload-multiple",
            files=[("files", ("m1.txt", b"1", "text/plain")), ("files", ("m2.txt", b"2"))],
        ),
        201,
        added=("m1.txt", "m2.txt"),
    ),
    Endpoint(
        "presigned-upload",
        "member",
        lambda c: c.post("/files/presigned-upload", params={"file_path": "new.bin"}),
        200,
    ),
    Endpoint(
        "copy",
        "member",
        lambda c: c.post("/files/copy", json_body={"source": "doc.txt", "destination": "c.txt"}),
        201,
        added=("c.txt",),
    ),
    Endpoint(
        "move",
        "member",
        lambda c: c.post("/files/move", json_body={"source": "doc.txt", "destination": "m.txt"}),
        200,
        added=("m.txt",),
        removed=("doc.txt",),
    ),
    Endpoint(
        "delete", "member", lambda c: c.delete("/files/delete/doc.txt"), 204, removed=("doc.txt",)
    ),
    Endpoint(
        "delete-multiple",
        "member",
        lambda c: c.post("/files/delete-multiple", json_body={"paths": ["doc.txt"]}),
        200,
        removed=("doc.txt",),
    ),
    Endpoint(
        "folder-create",
        "member",
        lambda c: c.post("/files/folder/create", json_body={"path": "newdir"}),
        201,
        added=("newdir/",),
    ),
    Endpoint(
        "folder-delete",
        "admin",
        lambda c: c.delete("/files/folder/delete", params={"path": "dir"}),
        200,
        removed=("dir/inner.txt",),
    ),
]


def test_matrix_covers_all_13_endpoints() -> None:
    assert len({endpoint.name for endpoint in ENDPOINTS}) == 13


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_role_matrix(
    recording: ClientFactory,
    tenant: str,
    s3: Any,
    tenant_keys: Callable[[], list[str]],
    endpoint: Endpoint,
    role: str,
) -> None:
    put(s3, tenant, "doc.txt", b"document")
    put(s3, tenant, "dir/inner.txt", b"inner")
    before = set(tenant_keys())
    response = endpoint.call(recording(role))
    if ROLES.index(role) >= ROLES.index(endpoint.minimum):
        assert response.status == endpoint.status, (response.status, response.body[:300])
        expected = (before - set(endpoint.removed)) | set(endpoint.added)
    else:
        body = assert_problem(response, 403, "insufficient_role")
        assert endpoint.minimum in body["detail"]
        expected = before
    assert set(tenant_keys()) == expected


# -- isolation --------------------------------------------------------------------------


def test_another_tenant_sees_nothing(
    client_for: ClientFactory,
    recording: ClientFactory,
    log: list[tuple[str, AlbResponse]],
    tenant: str,
    tenant_keys: Callable[[], list[str]],
) -> None:
    owner_a = client_for("owner")
    for name, folder in (("doc.txt", ""), ("inner.txt", "dir")):
        response = owner_a.post(
            "/files/upload", params={"folder": folder}, files={"file": (name, b"A's data")}
        )
        assert response.status == 201, response.body
    keys_of_a = sorted(tenant_keys())
    assert keys_of_a == ["dir/inner.txt", "doc.txt"]

    tenant_b = str(uuid.uuid4())
    b = recording(tenants={tenant_b: "owner"})
    for params in (
        {},
        {"recursive": True},
        {"folder": "dir"},
        {"folder": "dir", "recursive": True},
    ):
        listing = b.get("/files/list", params=params)
        assert listing.status == 200
        assert listing.json()["files"] == []
        assert listing.json()["folders"] == []

    not_found = [
        b.get("/files/metadata/doc.txt"),
        b.get("/files/metadata/dir/inner.txt"),
        b.get("/files/download/doc.txt"),
        b.get("/files/presigned-url/doc.txt"),
        b.delete("/files/delete/doc.txt"),
        b.delete("/files/folder/delete", params={"path": "dir"}),
        b.post("/files/copy", json_body={"source": "doc.txt", "destination": "x.txt"}),
        b.post("/files/move", json_body={"source": "doc.txt", "destination": "x.txt"}),
        # A's full key, as a path, is only a path inside B's root.
        b.get(f"/files/metadata/tenants/{tenant}/doc.txt"),
        b.get(f"/files/download/tenants/{tenant}/doc.txt"),
        b.post(
            "/files/copy",
            json_body={"source": f"tenants/{tenant}/doc.txt", "destination": "x.txt"},
        ),
    ]
    for response in not_found:
        assert_problem(response, 404, "file_not_found", echoed=(f"tenants/{tenant}/doc.txt",))

    # Escaping B's root with `..` is refused outright.
    assert_problem(b.get(f"/files/download/../{tenant}/doc.txt"), 400, "invalid_path")
    assert_problem(b.get("/files/list", params={"folder": f"../{tenant}"}), 400, "invalid_path")
    assert_problem(
        b.post("/files/copy", json_body={"source": f"../{tenant}/doc.txt", "destination": "x"}),
        400,
        "invalid_path",
    )

    # Missing files count as deleted: B "deletes" doc.txt in its own root only.
    deleted = b.post("/files/delete-multiple", json_body={"paths": ["doc.txt", "dir/inner.txt"]})
    assert deleted.status == 200
    # B may prepare an upload to the same path: its own, never A's.
    presigned = b.post("/files/presigned-upload", params={"file_path": "doc.txt"})
    assert presigned.status == 200
    assert presigned.json()["fields"]["key"] == f"tenants/{tenant_b}/doc.txt"

    # Naming A explicitly is refused.
    for header in (tenant, tenant.upper()):
        response = b.get("/files/list", headers={"x-tenant-id": header})
        assert_problem(response, 403, "tenant_forbidden")

    assert sorted(tenant_keys()) == keys_of_a
    assert_no_leak(log, tenant)


def test_a_user_of_both_tenants_switches_by_header(
    recording: ClientFactory, tenant: str, s3: Any
) -> None:
    other = str(uuid.uuid4())
    memberships = {tenant: "member", other: "member"}
    in_a = recording(tenants=memberships, select=tenant)
    in_b = recording(tenants=memberships, select=other)
    assert in_a.post("/files/upload", files={"file": ("a.txt", b"in A")}).status == 201
    assert in_b.post("/files/upload", files={"file": ("b.txt", b"in B")}).status == 201
    assert in_a.post("/files/upload", files={"file": ("same.txt", b"A")}).status == 201
    assert in_b.post("/files/upload", files={"file": ("same.txt", b"B")}).status == 201

    assert [f["path"] for f in in_a.get("/files/list").json()["files"]] == ["a.txt", "same.txt"]
    assert [f["path"] for f in in_b.get("/files/list").json()["files"]] == ["b.txt", "same.txt"]
    assert in_a.get("/files/download/same.txt").body == b"A"
    assert in_b.get("/files/download/same.txt").body == b"B"
    assert_problem(in_a.get("/files/download/b.txt"), 404, "file_not_found")
    assert_problem(in_b.get("/files/metadata/a.txt"), 404, "file_not_found")

    def keys(tenant_id: str) -> list[str]:
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant_id}/")
        return sorted(item["Key"] for item in listed.get("Contents", []))

    assert keys(tenant) == [f"tenants/{tenant}/a.txt", f"tenants/{tenant}/same.txt"]
    assert keys(other) == [f"tenants/{other}/b.txt", f"tenants/{other}/same.txt"]
    # Responses in A's context never name B, and the reverse.
    for client, foreign in ((in_a, other), (in_b, tenant)):
        response = client.get("/files/list", params={"recursive": True})
        assert foreign not in shown(response)


def test_presigned_responses_name_only_the_callers_own_prefix(
    recording: ClientFactory, tenant: str, s3: Any
) -> None:
    other = str(uuid.uuid4())
    put(s3, tenant, "doc.txt")
    client = recording(tenants={tenant: "member", other: "member"}, select=tenant)
    url = client.get("/files/presigned-url/doc.txt")
    upload = client.post("/files/presigned-upload", params={"file_path": "up.txt"})
    assert url.status == upload.status == 200
    assert f"tenants/{tenant}/doc.txt" in url.json()["url"]
    assert url.json()["path"] == "doc.txt"
    assert upload.json()["path"] == "up.txt"
    for response in (url, upload):
        assert other not in shown(response)


def test_errors_never_show_keys_or_the_bucket(recording: ClientFactory, tenant: str) -> None:
    client = recording("owner")
    assert_problem(client.get("/files/download/missing.txt"), 404, "file_not_found")
    assert_problem(client.get("/files/metadata/missing.txt"), 404, "file_not_found")
    assert_problem(client.delete("/files/delete/missing.txt"), 404, "file_not_found")
    assert_problem(
        client.delete("/files/folder/delete", params={"path": "nope"}), 404, "file_not_found"
    )
    assert_problem(
        client.post("/files/copy", json_body={"source": "missing", "destination": "x"}),
        404,
        "file_not_found",
    )
    assert_problem(client.get("/files/list", params={"cursor": "bogus"}), 400, "invalid_cursor")
    assert_problem(client.get("/files/nope"), 404, "route_not_found")
    for _path, response in client.log:  # type: ignore[attr-defined]
        assert tenant not in shown(response)
