"""Copy and move through the real handler, and the adapter's multipart copy."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from dev.alb import AlbClient
from file_lambda.storage.port import ObjectInfo, StorageUnavailable
from file_lambda.storage.s3 import S3Storage
from tests.support.files import BUCKET, ClientFactory, count_s3_calls
from tests.support.problems import assert_problem

Keys = Callable[[], list[str]]
MB = 1024 * 1024


def put(s3: Any, tenant: str, path: str, body: bytes, **kwargs: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", Body=body, **kwargs)


def read(s3: Any, tenant: str, path: str) -> bytes:
    data: bytes = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}")["Body"].read()
    return data


def head(s3: Any, tenant: str, path: str) -> dict[str, Any]:
    response: dict[str, Any] = s3.head_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}")
    return response


def transfer(client: AlbClient, op: str, source: str, destination: str, **extra: Any) -> Any:
    body = {"source": source, "destination": destination, **extra}
    return client.post(f"/files/{op}", json_body=body)


@pytest.fixture
def source(client_for: ClientFactory, user: str, s3: Any, tenant: str) -> bytes:
    data = b"%PDF-1.7 contract\n" + bytes(range(256))
    client = client_for("member", sub=user)
    files = {"file": ("contract.pdf", data, "application/pdf")}
    assert client.post("/files/upload", params={"folder": "in"}, files=files).status == 201
    return data


# -- copy ---------------------------------------------------------------------------


def test_copy_keeps_bytes_and_content_type_and_names_the_copier(
    client_for: ClientFactory, s3: Any, tenant: str, source: bytes
) -> None:
    copier = str(uuid.uuid4())  # not the source's writer
    response = transfer(client_for("member", sub=copier), "copy", "in/contract.pdf", "out/copy.pdf")

    assert response.status == 201, response.body
    info = response.json()
    assert info["path"] == "out/copy.pdf"
    assert info["name"] == "copy.pdf"
    assert info["size"] == len(source)
    assert info["content_type"] == "application/pdf"
    assert info["version_id"] == head(s3, tenant, "out/copy.pdf")["VersionId"]
    copied = head(s3, tenant, "out/copy.pdf")
    assert copied["ContentType"] == "application/pdf"
    assert copied["Metadata"] == {"uploaded-by": copier}
    assert read(s3, tenant, "out/copy.pdf") == source
    assert read(s3, tenant, "in/contract.pdf") == source


def test_copy_onto_an_existing_file(client: AlbClient, s3: Any, tenant: str, source: bytes) -> None:
    put(s3, tenant, "out/taken.pdf", b"already here", ContentType="text/plain")

    refused = transfer(client, "copy", "in/contract.pdf", "out/taken.pdf")
    assert "out/taken.pdf" in assert_problem(refused, 409, "file_exists")["detail"]
    assert read(s3, tenant, "out/taken.pdf") == b"already here"

    replaced = transfer(client, "copy", "in/contract.pdf", "out/taken.pdf", overwrite=True)
    assert replaced.status == 201
    assert read(s3, tenant, "out/taken.pdf") == source
    assert head(s3, tenant, "out/taken.pdf")["ContentType"] == "application/pdf"


@pytest.mark.parametrize("op", ["copy", "move"])
def test_transfer_of_a_missing_source_is_404(client: AlbClient, tenant_keys: Keys, op: str) -> None:
    response = transfer(client, op, "ghost.pdf", "out/ghost.pdf")

    assert assert_problem(response, 404, "file_not_found")["detail"] == "ghost.pdf does not exist"
    assert tenant_keys() == []


@pytest.mark.usefixtures("source")
@pytest.mark.parametrize("op", ["copy", "move"])
def test_transfer_onto_itself_is_400(client: AlbClient, tenant_keys: Keys, op: str) -> None:
    for overwrite in (False, True):
        response = transfer(client, op, "in/contract.pdf", "in/contract.pdf", overwrite=overwrite)
        assert_problem(response, 400, "same_path")
    assert tenant_keys() == ["in/contract.pdf"]


@pytest.mark.usefixtures("source")
@pytest.mark.parametrize("op", ["copy", "move"])
@pytest.mark.parametrize(
    ("src", "dst"), [("in/contract.pdf", "../x.pdf"), ("in/../in/contract.pdf", "x.pdf")]
)
def test_transfer_with_a_bad_path_is_400(
    client: AlbClient, tenant_keys: Keys, op: str, src: str, dst: str
) -> None:
    assert_problem(transfer(client, op, src, dst), 400, "invalid_path")
    assert tenant_keys() == ["in/contract.pdf"]


# -- move ---------------------------------------------------------------------------


def test_move_removes_the_source(
    client_for: ClientFactory, s3: Any, tenant: str, tenant_keys: Keys, source: bytes
) -> None:
    mover = str(uuid.uuid4())  # not the source's writer
    client = client_for("member", sub=mover)
    response = transfer(client, "move", "in/contract.pdf", "archive/2024/contract.pdf")

    assert response.status == 200, response.body
    info = response.json()
    assert (info["path"], info["size"], info["content_type"]) == (
        "archive/2024/contract.pdf",
        len(source),
        "application/pdf",
    )
    assert tenant_keys() == ["archive/2024/contract.pdf"]
    assert read(s3, tenant, "archive/2024/contract.pdf") == source
    moved = head(s3, tenant, "archive/2024/contract.pdf")
    assert moved["Metadata"] == {"uploaded-by": mover}
    assert_problem(client.get("/files/metadata/in/contract.pdf"), 404, "file_not_found")


def test_move_onto_an_existing_file(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Keys, source: bytes
) -> None:
    put(s3, tenant, "out/taken.pdf", b"already here")

    assert_problem(transfer(client, "move", "in/contract.pdf", "out/taken.pdf"), 409, "file_exists")
    assert sorted(tenant_keys()) == ["in/contract.pdf", "out/taken.pdf"]
    assert read(s3, tenant, "in/contract.pdf") == source
    assert read(s3, tenant, "out/taken.pdf") == b"already here"

    moved = transfer(client, "move", "in/contract.pdf", "out/taken.pdf", overwrite=True)
    assert moved.status == 200
    assert tenant_keys() == ["out/taken.pdf"]
    assert read(s3, tenant, "out/taken.pdf") == source


class _DeleteFails:
    """The real storage, except that deleting a single object fails."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.deletes: list[str] = []

    def delete(self, key: str) -> None:
        self.deletes.append(key)
        raise StorageUnavailable("File storage is unavailable; try again shortly")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_move_whose_delete_fails_keeps_both_and_is_503(
    client: AlbClient,
    s3: Any,
    tenant: str,
    tenant_keys: Keys,
    source: bytes,
    lambda_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failing = _DeleteFails(lambda_module.app.state.storage)
    # app.state keeps its attributes in a dict (pytest's setattr would delete on undo).
    monkeypatch.setitem(lambda_module.app.state._state, "storage", failing)

    response = transfer(client, "move", "in/contract.pdf", "out/moved.pdf")

    body = assert_problem(response, 503, "move_incomplete")
    assert response.headers["retry-after"]
    assert "both exist" in body["detail"]
    assert failing.deletes == [f"tenants/{tenant}/in/contract.pdf"]
    assert sorted(tenant_keys()) == ["in/contract.pdf", "out/moved.pdf"]
    assert read(s3, tenant, "in/contract.pdf") == source
    assert read(s3, tenant, "out/moved.pdf") == source


class _CopyLandsShort:
    """The real storage, except that a copy lands with other bytes than its source's."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.deletes: list[str] = []

    def copy(self, source: ObjectInfo, destination: str, metadata: dict[str, str]) -> ObjectInfo:
        return self._inner.put(destination, b"truncat", source.content_type, metadata, True)

    def delete(self, key: str) -> None:
        self.deletes.append(key)
        self._inner.delete(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_move_whose_copy_does_not_match_keeps_the_source_and_is_503(
    client: AlbClient,
    s3: Any,
    tenant: str,
    source: bytes,
    lambda_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    short = _CopyLandsShort(lambda_module.app.state.storage)
    monkeypatch.setitem(lambda_module.app.state._state, "storage", short)

    response = transfer(client, "move", "in/contract.pdf", "out/moved.pdf")

    body = assert_problem(response, 503, "move_incomplete")
    assert "is kept" in body["detail"]
    assert short.deletes == []
    assert read(s3, tenant, "in/contract.pdf") == source


# -- multipart copy (the adapter) ---------------------------------------------------------


@pytest.fixture
def small_parts(s3: Any) -> S3Storage:
    """The adapter with the multipart threshold at S3's smallest part instead of 5 GB."""
    return S3Storage(s3, BUCKET, copy_part_limit=5 * MB, copy_part_size=5 * MB)


@pytest.fixture
def big(s3: Any, tenant: str) -> bytes:
    data = os.urandom(12 * MB)
    put(s3, tenant, "big/video.mp4", data, ContentType="video/mp4", Metadata={"owner": "ana"})
    return data


def test_multipart_copy_keeps_bytes_and_content_type_and_writes_the_metadata_given(
    s3: Any, tenant: str, small_parts: S3Storage, big: bytes
) -> None:
    original = small_parts.head(f"tenants/{tenant}/big/video.mp4")
    metadata = {"owner": "ana", "uploaded-by": "bea"}

    with count_s3_calls(s3, "UploadPartCopy") as parts:
        copied = small_parts.copy(original, f"tenants/{tenant}/big/copy.mp4", metadata)

    assert len(parts) == 3  # 12 MB in 5 MB parts: proof it went multipart
    assert copied.size == len(big)
    assert copied.content_type == "video/mp4"
    assert copied.metadata == metadata
    stored = head(s3, tenant, "big/copy.mp4")
    assert (stored["ContentType"], stored["Metadata"]) == ("video/mp4", metadata)
    assert read(s3, tenant, "big/copy.mp4") == big


def test_small_objects_copy_in_one_request(s3: Any, tenant: str, small_parts: S3Storage) -> None:
    put(s3, tenant, "small.txt", b"small", ContentType="text/plain", Metadata={"k": "v"})
    original = small_parts.head(f"tenants/{tenant}/small.txt")

    with count_s3_calls(s3, "CopyObject") as copies:
        copied = small_parts.copy(original, f"tenants/{tenant}/small-copy.txt", {"k": "w"})

    assert len(copies) == 1
    assert (copied.content_type, copied.metadata, copied.etag) == (
        "text/plain",
        {"k": "w"},
        original.etag,
    )


def test_move_of_a_multipart_copy_removes_the_source(
    client: AlbClient,
    s3: Any,
    tenant: str,
    tenant_keys: Keys,
    small_parts: S3Storage,
    big: bytes,
    lambda_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A single-part source copied in parts gets a multipart ETag: not a failed copy.
    monkeypatch.setitem(lambda_module.app.state._state, "storage", small_parts)

    response = transfer(client, "move", "big/video.mp4", "big/moved.mp4")

    assert response.status == 200, response.body
    assert tenant_keys() == ["big/moved.mp4"]
    assert read(s3, tenant, "big/moved.mp4") == big


def test_copy_reads_exactly_the_version_it_checked(
    s3: Any, tenant: str, small_parts: S3Storage
) -> None:
    put(s3, tenant, "v.txt", b"first")
    first: ObjectInfo = small_parts.head(f"tenants/{tenant}/v.txt")
    put(s3, tenant, "v.txt", b"second")

    small_parts.copy(first, f"tenants/{tenant}/v-copy.txt", {})

    assert read(s3, tenant, "v-copy.txt") == b"first"
