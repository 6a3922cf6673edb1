"""List, folders and bulk deletes through the real handler and a real S3."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from dev.alb import AlbClient
from file_lambda.storage.port import StorageError
from file_lambda.storage.s3 import S3Storage
from tests.support.files import BUCKET, ClientFactory, count_s3_calls, put_many
from tests.support.problems import assert_problem

Keys = Callable[[], list[str]]


def put(s3: Any, tenant: str, *paths: str, body: bytes = b"data") -> None:
    for path in paths:
        s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", Body=body)


def listing(client: AlbClient, **params: Any) -> dict[str, Any]:
    response = client.get("/files/list", params=params)
    assert response.status == 200, response.body
    body: dict[str, Any] = response.json()
    return body


def walk(
    client: AlbClient, lambda_module: ModuleType, **params: Any
) -> tuple[list[str], list[str], int]:
    """Every page of a listing: (folders, file paths, pages), one S3 call per page."""
    folders: list[str] = []
    files: list[str] = []
    pages = 0
    cursor = None
    storage_client = lambda_module.app.state.storage._s3
    while True:
        with count_s3_calls(storage_client, "ListObjectsV2") as calls:
            page = listing(client, **params, **({"cursor": cursor} if cursor else {}))
        assert len(calls) == 1
        pages += 1
        assert len(page["folders"]) + len(page["files"]) <= params.get("limit", 100)
        folders += page["folders"]
        files += [info["path"] for info in page["files"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return folders, files, pages
        assert pages < 100, "the listing never ends"


@pytest.fixture
def tree(client: AlbClient, s3: Any, tenant: str) -> None:
    put(s3, tenant, "a.txt", "b.pdf", "docs/x.txt", "docs/sub/y.txt", "docs-archive/z.txt")
    assert client.post("/files/folder/create", json_body={"path": "empty"}).status == 201
    assert client.post("/files/folder/create", json_body={"path": "docs/marked"}).status == 201


# -- list --------------------------------------------------------------------------


@pytest.mark.usefixtures("tree")
def test_list_root_shows_folders_and_files(client_for: ClientFactory, header_form: bool) -> None:
    client = client_for("viewer", multi_value=header_form)

    page = listing(client)

    assert page["folder"] == ""
    # Key order, as S3 returns it: "docs-archive/" sorts before "docs/".
    assert page["folders"] == ["docs-archive", "docs", "empty"]
    assert [info["path"] for info in page["files"]] == ["a.txt", "b.pdf"]
    assert page["next_cursor"] is None
    a = page["files"][0]
    assert set(a) == {
        *("path", "name", "size", "content_type", "etag", "last_modified", "version_id"),
        "scan",  # null: these tests run with malware scanning off (test_scanning.py)
    }
    assert a["scan"] is None
    assert (a["name"], a["size"], a["etag"]) == ("a.txt", 4, '"8d777f385d3dfec8815d20f7496026dc"')


@pytest.mark.usefixtures("tree")
def test_list_a_folder_gives_paths_from_the_root(client: AlbClient) -> None:
    page = listing(client, folder="docs")

    assert page["folder"] == "docs"
    assert page["folders"] == ["docs/marked", "docs/sub"]
    assert [info["path"] for info in page["files"]] == ["docs/x.txt"]


@pytest.mark.usefixtures("tree")
def test_folder_markers_are_folders_never_files(client: AlbClient) -> None:
    everything = listing(client, recursive=True)

    paths = [info["path"] for info in everything["files"]]
    assert paths == ["a.txt", "b.pdf", "docs-archive/z.txt", "docs/sub/y.txt", "docs/x.txt"]
    assert everything["folders"] == ["docs/marked", "empty"]
    assert listing(client, folder="empty") == {
        "folder": "empty",
        "folders": [],
        "files": [],
        "next_cursor": None,
    }
    assert listing(client, folder="docs/marked", recursive=True)["files"] == []


@pytest.mark.usefixtures("tree")
@pytest.mark.parametrize("folder", ["../x", "/docs", "docs/", "a//b"])
def test_list_refuses_a_bad_folder(client: AlbClient, folder: str) -> None:
    assert_problem(client.get("/files/list", params={"folder": folder}), 400, "invalid_path")


@pytest.mark.parametrize("limit", ["0", "1001", "ten"])
def test_list_refuses_a_limit_out_of_range(client: AlbClient, limit: str) -> None:
    assert_problem(client.get("/files/list", params={"limit": limit}), 400, "validation_error")


@pytest.mark.parametrize("recursive", [False, True])
def test_list_pages_walk_everything_once(
    client_for: ClientFactory,
    header_form: bool,
    s3: Any,
    tenant: str,
    lambda_module: ModuleType,
    recursive: bool,
) -> None:
    client = client_for("viewer", multi_value=header_form)
    files = [f"f{i:02}.txt" for i in range(9)] + ["g/one.txt", "g/two.txt", "h/three.txt"]
    put(s3, tenant, *files)

    folders, paths, pages = walk(client, lambda_module, limit=2, recursive=recursive)

    if recursive:
        assert (folders, paths, pages) == ([], files, 6)
    else:
        assert (folders, paths, pages) == (["g", "h"], files[:9], 6)


@pytest.mark.usefixtures("tree")
def test_a_cursor_of_another_listing_is_400(client: AlbClient) -> None:
    cursor = listing(client, limit=1)["next_cursor"]
    assert cursor

    for params in ({"folder": "docs"}, {"recursive": True}):
        response = client.get("/files/list", params={**params, "limit": 1, "cursor": cursor})
        assert_problem(response, 400, "invalid_cursor")
    assert [f["path"] for f in listing(client, limit=1, cursor=cursor)["files"]] == ["b.pdf"]


def _forged(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


@pytest.mark.usefixtures("tree")
@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "bm90IGpzb24",  # "not json"
        _forged([1, 2]),
        _forged({"f": "", "r": False, "t": 5, "a": None}),
        _forged({"f": "", "r": False}),
    ],
)
def test_a_garbage_cursor_is_400(client: AlbClient, cursor: str) -> None:
    assert_problem(client.get("/files/list", params={"cursor": cursor}), 400, "invalid_cursor")


def test_long_keys_are_paged_under_the_response_limit(
    client: AlbClient, s3: Any, tenant: str, lambda_module: ModuleType
) -> None:
    # ~1.4 KB of JSON per file: 1000 of them would not fit through the ALB.
    folder = "/".join([c * 199 for c in "pqrs"])
    names = [f"{i:04}-" + "n" * 170 for i in range(600)]
    put_many(s3, BUCKET, [f"tenants/{tenant}/{folder}/{name}" for name in names])

    _, paths, pages = walk(client, lambda_module, folder=folder, limit=1000)

    assert pages >= 2
    assert paths == [f"{folder}/{name}" for name in names]


# -- folders -----------------------------------------------------------------------------


def test_folder_create_201_then_200(client: AlbClient, s3: Any, tenant: str) -> None:
    created = client.post("/files/folder/create", json_body={"path": "projects/2024"})
    assert created.status == 201
    assert created.json() == {"path": "projects/2024"}
    marker = s3.head_object(Bucket=BUCKET, Key=f"tenants/{tenant}/projects/2024/")
    assert marker["ContentLength"] == 0

    again = client.post("/files/folder/create", json_body={"path": "projects/2024"})
    assert again.status == 200
    assert again.json() == {"path": "projects/2024"}


def test_folder_create_over_existing_files_is_200_without_marker(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Keys
) -> None:
    put(s3, tenant, "docs/a.txt")

    response = client.post("/files/folder/create", json_body={"path": "docs"})

    assert response.status == 200
    assert tenant_keys() == ["docs/a.txt"]


@pytest.mark.parametrize("path", ["", "/x", "x/", "x/../y", "a\\b"])
def test_folder_create_refuses_a_bad_path(client: AlbClient, tenant_keys: Keys, path: str) -> None:
    assert_problem(
        client.post("/files/folder/create", json_body={"path": path}), 400, "invalid_path"
    )
    assert tenant_keys() == []


def test_folder_delete_removes_everything_below_then_404(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Keys
) -> None:
    put(s3, tenant, "docs/a.txt", "docs/b.txt", "docs/sub/c.txt", "docs-archive/keep.txt")
    put(s3, tenant, "docs.txt")
    client.post("/files/folder/create", json_body={"path": "docs/empty"})

    response = client.delete("/files/folder/delete", params={"path": "docs"})

    assert response.status == 200
    assert response.json() == {
        "path": "docs",
        "deleted_count": 4,
        "deleted_at": response.json()["deleted_at"],
    }
    assert sorted(tenant_keys()) == ["docs-archive/keep.txt", "docs.txt"]
    assert_problem(
        client.delete("/files/folder/delete", params={"path": "docs"}), 404, "file_not_found"
    )


@pytest.mark.parametrize("path", ["", "/", "..", "docs/"])
def test_folder_delete_refuses_the_root_and_bad_paths(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Keys, path: str
) -> None:
    put(s3, tenant, "docs/a.txt", "b.txt")

    assert_problem(
        client.delete("/files/folder/delete", params={"path": path}), 400, "invalid_path"
    )
    assert sorted(tenant_keys()) == ["b.txt", "docs/a.txt"]


# -- delete-multiple -------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1001])
def test_delete_multiple_refuses_0_or_over_1000_paths(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Keys, count: int
) -> None:
    put(s3, tenant, "keep.txt")

    response = client.post("/files/delete-multiple", json_body={"paths": ["keep.txt"] * count})

    assert_problem(response, 400, "validation_error")
    assert tenant_keys() == ["keep.txt"]


def test_delete_multiple_mixes_deleted_and_errors(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Keys
) -> None:
    put(s3, tenant, "a.txt", "docs/b.txt", "keep.txt")
    paths = ["a.txt", "docs/b.txt", "never-existed.txt", "../escape", "x//y", "/abs"]

    response = client.post("/files/delete-multiple", json_body={"paths": paths})

    assert response.status == 200
    result = response.json()
    assert result["deleted"] == ["a.txt", "docs/b.txt", "never-existed.txt"]
    assert [(e["path"], e["code"]) for e in result["errors"]] == [
        ("../escape", "invalid_path"),
        ("x//y", "invalid_path"),
        ("/abs", "invalid_path"),
    ]
    assert all(e["detail"] for e in result["errors"])
    assert tenant_keys() == ["keep.txt"]


def test_delete_multiple_takes_1000_paths(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Keys, lambda_module: ModuleType
) -> None:
    paths = [f"bulk/{i:04}.txt" for i in range(1000)]
    put_many(s3, BUCKET, [f"tenants/{tenant}/{path}" for path in paths])
    put(s3, tenant, "keep.txt")

    with count_s3_calls(lambda_module.app.state.storage._s3, "DeleteObjects") as calls:
        response = client.post("/files/delete-multiple", json_body={"paths": paths})

    assert response.status == 200
    assert response.json() == {"deleted": paths, "errors": []}
    assert len(calls) == 1
    assert tenant_keys() == ["keep.txt"]


@pytest.mark.slow
def test_adapter_deletes_in_batches_of_1000(s3: Any, tenant: str, tenant_keys: Keys) -> None:
    storage = S3Storage(s3, BUCKET)
    prefix = f"tenants/{tenant}/many/"
    put_many(s3, BUCKET, [f"{prefix}{i:04}" for i in range(2500)])
    put(s3, tenant, "many-other/keep.txt")

    with count_s3_calls(s3, "DeleteObjects") as calls:
        deleted = storage.delete_prefix(prefix)

    assert deleted == 2500
    # The batches run side by side: their order is not fixed.
    assert sorted(len(call["Delete"]["Objects"]) for call in calls) == [500, 1000, 1000]
    assert tenant_keys() == ["many-other/keep.txt"]

    with count_s3_calls(s3, "DeleteObjects") as calls:
        assert storage.delete_many([f"{prefix}gone-{i}" for i in range(2001)]) == []
    assert [len(call["Delete"]["Objects"]) for call in calls] == [1000, 1000, 1]


@pytest.mark.slow
def test_adapter_reports_a_failed_batch_after_the_others_ran(
    s3: Any, tenant: str, tenant_keys: Keys
) -> None:
    storage = S3Storage(s3, BUCKET)
    prefix = f"tenants/{tenant}/many/"
    put_many(s3, BUCKET, [f"{prefix}{i:04}" for i in range(2500)])
    failing = f"{prefix}1500"

    def refuse_the_middle_batch(params: dict[str, Any], **_: Any) -> Any:
        # `before-call` sees the serialised request: the keys are in its XML body.
        keys = re.findall(r"<Key>([^<]*)</Key>", params["body"].decode())
        if failing not in keys:
            return None  # sent to the store
        errors = [{"Key": key, "Code": "AccessDenied", "Message": "Access Denied"} for key in keys]
        return AWSResponse("http://s3.invalid", 200, {}, None), {
            "Errors": errors,
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }

    s3.meta.events.register("before-call.s3.DeleteObjects", refuse_the_middle_batch)
    try:
        with pytest.raises(StorageError, match="1000 files could not be deleted"):
            storage.delete_prefix(prefix)
    finally:
        s3.meta.events.unregister("before-call.s3.DeleteObjects", refuse_the_middle_batch)
    # The other batches were deleted; the refused one is still there, whole.
    assert tenant_keys() == [f"many/{i:04}" for i in range(1000, 2000)]
