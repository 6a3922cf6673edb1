"""Versions, trash and restore, through the real handler against SeaweedFS (which
keeps versions and delete markers as S3 does); archived versions through the
storage port faking Glacier, which the local S3 lacks."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dev.alb import AlbClient, AlbResponse
from file_lambda.cursors import Cursors
from file_lambda.files.service import FileService
from file_lambda.history.service import History
from file_lambda.settings import Settings
from file_lambda.storage.port import ObjectArchived, ObjectInfo
from file_lambda.storage.s3 import ARCHIVED_DETAIL, S3Storage
from tenancy.principal import Principal, Role, TenantAccess
from tests.support.files import BUCKET, ClientFactory, count_s3_calls, put_many, upload
from tests.support.problems import assert_problem

ROLES = ("viewer", "member", "admin", "owner")


def key(tenant: str, path: str) -> str:
    return f"tenants/{tenant}/{path}"


def versions(client: AlbClient, path: str, **params: Any) -> AlbResponse:
    return client.get(f"/files/versions/{path}", params=params)


def download(client: AlbClient, path: str, **params: Any) -> bytes:
    response = client.get(f"/files/download/{path}", params=params)
    assert response.status == 200, response.body
    return response.body


# -- versions -----------------------------------------------------------------------------


def test_three_writes_three_versions_then_restoring_the_first_makes_four(
    client_for: ClientFactory, user: str
) -> None:
    member = client_for("member", sub=user)
    written = [upload(member, "docs/plan.txt", f"v{n}".encode()) for n in (1, 2, 3)]

    listed = versions(client_for("viewer"), "docs/plan.txt").json()
    assert [v["version_id"] for v in listed["versions"]] == [w["version_id"] for w in written][::-1]
    assert [v["is_current"] for v in listed["versions"]] == [True, False, False]
    assert {v["uploaded_by"] for v in listed["versions"]} == {user}
    assert all(v["size"] == 2 and not v["is_delete_marker"] for v in listed["versions"])
    assert listed["next_cursor"] is None

    restored = member.post(
        "/files/versions/restore",
        json_body={"path": "docs/plan.txt", "version_id": written[0]["version_id"]},
    )

    assert restored.status == 201, restored.body
    assert restored.json()["version_id"] not in {w["version_id"] for w in written}
    after = versions(member, "docs/plan.txt").json()["versions"]
    assert len(after) == 4
    assert after[0]["version_id"] == restored.json()["version_id"]
    assert download(member, "docs/plan.txt") == b"v1"
    # History is never rewritten: every old version still reads as it was.
    for n, write in enumerate(written, start=1):
        assert download(member, "docs/plan.txt", version_id=write["version_id"]) == f"v{n}".encode()


def test_a_restore_copy_or_move_names_who_made_the_new_version(
    client_for: ClientFactory, tenant: str
) -> None:
    writer_id, other_id = str(uuid.uuid4()), str(uuid.uuid4())
    writer = client_for("member", sub=writer_id)
    other = client_for(tenants={tenant: "member"}, sub=other_id)
    first = upload(writer, "docs/a.txt", b"one")
    upload(writer, "docs/a.txt", b"two")

    restore = {"path": "docs/a.txt", "version_id": first["version_id"]}
    assert other.post("/files/versions/restore", json_body=restore).status == 201
    copy = {"source": "docs/a.txt", "destination": "docs/b.txt"}
    assert other.post("/files/copy", json_body=copy).status == 201
    move = {"source": "docs/b.txt", "destination": "docs/c.txt"}
    assert other.post("/files/move", json_body=move).status == 200

    def writers(path: str) -> list[str | None]:
        return [v["uploaded_by"] for v in versions(writer, path).json()["versions"]]

    assert writers("docs/a.txt") == [other_id, writer_id, writer_id]
    assert writers("docs/c.txt") == [other_id]
    assert writers("docs/b.txt") == [None, other_id]  # the move's delete marker on top


def test_versions_page_by_cursor_and_ignore_keys_that_merely_start_alike(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    for n in range(5):
        s3.put_object(Bucket=BUCKET, Key=key(tenant, "a.txt"), Body=f"{n}".encode())
    s3.put_object(Bucket=BUCKET, Key=key(tenant, "a.txt.bak"), Body=b"other file")

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = versions(client, "a.txt", **params).json()
        seen += [v["version_id"] for v in page["versions"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 5
    assert pages == 3


def test_a_deleted_file_shows_its_delete_marker_on_top(client: AlbClient) -> None:
    upload(client, "gone.txt", b"bytes")
    assert client.delete("/files/delete/gone.txt").status == 204

    listed = versions(client, "gone.txt").json()["versions"]

    assert [v["is_delete_marker"] for v in listed] == [True, False]
    assert listed[0]["is_current"]
    assert listed[0]["etag"] is None
    assert listed[0]["uploaded_by"] is None


def test_version_errors(client_for: ClientFactory, s3: Any, tenant: str) -> None:
    member = client_for("member")
    upload(member, "x.txt", b"x")
    assert member.delete("/files/delete/x.txt").status == 204
    marker = versions(member, "x.txt").json()["versions"][0]["version_id"]

    assert_problem(versions(member, "never.txt"), 404, "file_not_found")
    assert_problem(
        member.post("/files/versions/restore", json_body={"path": "x.txt", "version_id": marker}),
        400,
        "version_is_delete_marker",
    )
    assert_problem(
        member.post(
            "/files/versions/restore", json_body={"path": "x.txt", "version_id": "no-such"}
        ),
        404,
        "file_not_found",
    )
    assert_problem(versions(member, "../x.txt"), 400, "invalid_path")


def test_another_tenants_version_id_is_404_whatever_its_format(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    other = str(uuid.uuid4())
    theirs = s3.put_object(Bucket=BUCKET, Key=key(other, "secret.txt"), Body=b"theirs")
    mine = client_for("owner")
    upload(mine, "secret.txt", b"mine")

    for version in (theirs["VersionId"], "null", "x" * 200, "../../secret"):
        for response in (
            mine.get("/files/download/secret.txt", params={"version_id": version}),
            mine.get("/files/metadata/secret.txt", params={"version_id": version}),
            mine.post(
                "/files/versions/restore", json_body={"path": "secret.txt", "version_id": version}
            ),
        ):
            body = assert_problem(response, 404, "file_not_found", secrets=(other,))
            assert "theirs" not in body["detail"]
    assert download(mine, "secret.txt") == b"mine"


# -- trash --------------------------------------------------------------------------------


def trash(client: AlbClient, **params: Any) -> dict[str, Any]:
    response = client.get("/files/trash", params=params)
    assert response.status == 200, response.body
    body: dict[str, Any] = response.json()
    return body


def trashed(client: AlbClient, **params: Any) -> list[str]:
    """Every path in the trash, following the cursor: a page may hold none while
    more follow (one storage page per API page, and most entries may be live)."""
    paths: list[str] = []
    cursor = None
    while True:
        page = trash(client, **params, **({"cursor": cursor} if cursor else {}))
        paths += [item["path"] for item in page["files"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return paths


def test_delete_then_trash_then_restore(client: AlbClient) -> None:
    upload(client, "docs/a.txt", b"first")
    kept = upload(client, "docs/a.txt", b"second")
    upload(client, "docs/b.txt", b"stays")
    before = datetime.now(UTC)
    assert client.delete("/files/delete/docs/a.txt").status == 204

    listed = trash(client, folder="docs")
    assert [f["path"] for f in listed["files"]] == ["docs/a.txt"]
    (item,) = listed["files"]
    assert (item["name"], item["size"], item["version_id"]) == ("a.txt", 6, kept["version_id"])
    assert abs(datetime.fromisoformat(item["deleted_at"]) - before) < timedelta(minutes=1)
    assert trash(client)["files"] == []  # not recursive: docs/ is a subfolder of the root
    assert [f["path"] for f in trash(client, recursive=True)["files"]] == ["docs/a.txt"]

    restored = client.post("/files/trash/restore", json_body={"path": "docs/a.txt"})

    assert restored.status == 200, restored.body
    assert restored.json()["version_id"] == kept["version_id"]
    assert download(client, "docs/a.txt") == b"second"
    assert trash(client, folder="docs")["files"] == []


def test_trash_errors(client: AlbClient) -> None:
    upload(client, "live.txt", b"live")

    assert_problem(
        client.post("/files/trash/restore", json_body={"path": "live.txt"}), 409, "file_not_deleted"
    )
    assert_problem(
        client.post("/files/trash/restore", json_body={"path": "ghost.txt"}), 404, "file_not_found"
    )
    assert_problem(
        client.post("/files/trash/purge", json_body={"path": "live.txt"}), 409, "file_not_deleted"
    )
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert_problem(
        client.post(
            "/files/trash/restore-folder", json_body={"folder": "", "deleted_since": future}
        ),
        400,
        "invalid_deleted_since",
    )
    assert_problem(client.get("/files/trash", params={"folder": "a/../b"}), 400, "invalid_path")


def test_a_move_sends_its_source_to_the_trash_and_a_copy_is_a_new_version(
    client: AlbClient,
) -> None:
    upload(client, "src.txt", b"source")
    upload(client, "dst.txt", b"old destination")

    moved = client.post(
        "/files/move", json_body={"source": "src.txt", "destination": "dst.txt", "overwrite": True}
    )

    assert moved.status == 200, moved.body
    assert [f["path"] for f in trash(client)["files"]] == ["src.txt"]
    assert len(versions(client, "dst.txt").json()["versions"]) == 2
    assert client.post("/files/trash/restore", json_body={"path": "src.txt"}).status == 200
    assert download(client, "src.txt") == b"source"


def test_purge_leaves_no_version_and_no_marker(client: AlbClient, s3: Any, tenant: str) -> None:
    for n in range(3):
        upload(client, "p/doomed.txt", f"{n}".encode())
    upload(client, "p/alive.txt", b"alive")
    assert client.delete("/files/delete/p/doomed.txt").status == 204

    purged = client.post("/files/trash/purge", json_body={"path": "p/doomed.txt"})

    assert purged.status == 200, purged.body
    assert purged.json() == {"path": "p/doomed.txt", "purged_files": 1, "purged_versions": 4}
    left = s3.list_object_versions(Bucket=BUCKET, Prefix=key(tenant, "p/"))
    assert {v["Key"] for v in left.get("Versions", [])} == {key(tenant, "p/alive.txt")}
    assert left.get("DeleteMarkers", []) == []
    assert_problem(versions(client, "p/doomed.txt"), 404, "file_not_found")


def test_purge_folder_removes_only_what_is_in_the_trash(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    for name in ("one", "two"):
        upload(client, f"f/{name}.txt", b"x")
        assert client.delete(f"/files/delete/f/{name}.txt").status == 204
    upload(client, "f/kept.txt", b"kept")

    purged = client.post("/files/trash/purge-folder", json_body={"path": "f"})

    assert purged.json() == {"path": "f", "purged_files": 2, "purged_versions": 4}
    left = s3.list_object_versions(Bucket=BUCKET, Prefix=key(tenant, "f/"))
    assert [v["Key"] for v in left.get("Versions", [])] == [key(tenant, "f/kept.txt")]
    assert left.get("DeleteMarkers", []) == []


@pytest.mark.slow
@pytest.mark.seaweedfs
def test_a_deleted_folder_of_5000_files_comes_back_in_batches(
    client: AlbClient, s3: Any, tenant: str, lambda_module: ModuleType
) -> None:
    count = 5000
    put_many(s3, BUCKET, [key(tenant, f"big/{n:05d}.txt") for n in range(count)])
    s3.put_object(Bucket=BUCKET, Key=key(tenant, "big/old-and-gone.txt"), Body=b"x")
    s3.delete_object(Bucket=BUCKET, Key=key(tenant, "big/old-and-gone.txt"))
    time.sleep(1.1)  # delete times count to the second: this one falls before `since`
    since = datetime.now(UTC)
    deleted = client.delete("/files/folder/delete", params={"path": "big"})
    assert deleted.status == 200
    assert deleted.json()["deleted_count"] == count
    handler_s3 = lambda_module.app.state.storage._s3

    with (
        count_s3_calls(handler_s3, "ListObjectVersions") as lists,
        count_s3_calls(handler_s3, "DeleteObjects") as deletes,
        count_s3_calls(handler_s3, "HeadObject") as heads,
    ):
        restored = client.post(
            "/files/trash/restore-folder",
            json_body={"folder": "big", "deleted_since": since.isoformat()},
        )

    assert restored.status == 200, restored.body
    assert restored.json() == {"folder": "big", "restored_count": count}
    # 5000 versions + 5000 markers (+ the old file's two) list in pages of 1000.
    assert len(deletes) == math.ceil(count / 1000)
    assert len(lists) == math.ceil((2 * count + 2) / 1000)
    assert heads == []
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=key(tenant, "big/"), MaxKeys=1000)
    assert listed["KeyCount"] == 1000
    assert listed["IsTruncated"]
    # Deleted before `since`: still in the trash.
    assert trashed(client, folder="big", limit=1000) == ["big/old-and-gone.txt"]


def test_a_folder_delete_answers_the_time_its_undo_takes_and_the_undo_gives_back_all_of_it(
    client: AlbClient, s3: Any, tenant: str, tenant_keys: Any
) -> None:
    for path in ("docs/a.txt", "docs/sub/b.txt", "docs/sub/deeper/c.txt", "docs-x/kept.txt"):
        upload(client, path, b"x")
    upload(client, "docs/gone-before.txt", b"x")
    assert client.delete("/files/delete/docs/gone-before.txt").status == 204
    time.sleep(1.1)  # delete times count to the second: that one falls before the folder's
    before = tenant_keys()

    deleted = client.delete("/files/folder/delete", params={"path": "docs"})

    assert deleted.status == 200, deleted.body
    answer = deleted.json()
    assert answer["deleted_count"] == 3
    deleted_at = datetime.fromisoformat(answer["deleted_at"])
    assert abs(deleted_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert deleted_at.microsecond == 0  # to the second, as delete times are compared
    restored = client.post(
        "/files/trash/restore-folder",
        json_body={"folder": "docs", "deleted_since": answer["deleted_at"]},
    )
    assert restored.status == 200, restored.body
    assert restored.json() == {"folder": "docs", "restored_count": 3}
    assert tenant_keys() == before
    assert trashed(client, folder="docs", recursive=True) == ["docs/gone-before.txt"]


def test_seaweedfs_keeps_no_version_of_a_folder_marker(s3: Any, tenant: str) -> None:
    """Where make dev's store differs from S3 (docs/api.md, Versions and trash): SeaweedFS
    (4.48) stores `name/` as a directory, unversioned, and a delete removes it for good."""
    marker = key(tenant, "sw/empty/")
    s3.put_object(Bucket=BUCKET, Key=marker, Body=b"")

    answer = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": marker}]})

    assert "DeleteMarker" not in answer["Deleted"][0]
    left = s3.list_object_versions(Bucket=BUCKET, Prefix=marker)
    assert left.get("Versions", []) == left.get("DeleteMarkers", []) == []


# -- folders in the trash, where the store versions folder markers as S3 does (moto) --------

MOTO_TENANT = "00000000-0000-4000-8000-000000000025"


class FilesAndHistory(History, FileService):
    """One tenant's files and their history, the two services side by side."""


@pytest.fixture
def on_s3() -> Iterator[tuple[FilesAndHistory, Any]]:
    """The file service over S3's semantics: a folder's marker `name/` is an object like
    any other, versioned, and a delete leaves a delete marker on it."""
    with mock_aws():
        # Named, or the tests' SeaweedFS endpoint in the environment would win.
        s3 = boto3.client(
            "s3", region_name="us-east-1", endpoint_url="https://s3.us-east-1.amazonaws.com"
        )
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        settings = Settings(bucket=BUCKET, region="us-east-1", supabase_url=None, jwt_secret="x")
        access = TenantAccess(
            Principal("user", None, {MOTO_TENANT: Role.owner}), MOTO_TENANT, Role.owner
        )
        parts = (S3Storage(s3, BUCKET), settings, access, Cursors(lambda: bytes(32)))
        yield FilesAndHistory(*parts), s3


def everything(history: FilesAndHistory) -> tuple[list[str], list[str]]:
    listed = history.list_folder("", True, 1000, None)
    return listed.folders, [f.path for f in listed.files]


def test_undoing_a_folder_delete_gives_back_its_empty_folders_too(
    on_s3: tuple[FilesAndHistory, Any],
) -> None:
    history, s3 = on_s3
    for folder in ("docs", "docs/empty", "docs/nested/deeper", "alone", "docs-x"):
        history.create_folder(folder)
    for path in ("docs/a.txt", "docs/sub/b.txt", "ghost/live.txt"):
        s3.put_object(Bucket=BUCKET, Key=key(MOTO_TENANT, path), Body=b"x")
    # A delete marker over nothing (its folder's versions purged): nothing to restore.
    ghost = key(MOTO_TENANT, "ghost/")
    made = s3.put_object(Bucket=BUCKET, Key=ghost, Body=b"")["VersionId"]
    s3.delete_object(Bucket=BUCKET, Key=ghost)
    s3.delete_object(Bucket=BUCKET, Key=ghost, VersionId=made)
    before = everything(history)
    time.sleep(1.1)  # a trashed folder shows when it was deleted, not when it was made

    with count_s3_calls(s3, "DeleteObjects") as sent:
        _, deleted, deleted_at = history.delete_folder("docs")

    assert deleted == 5
    # What S3 turns into delete markers: every key, folder markers included, no version.
    (call,) = sent
    deleted_keys = sorted(o["Key"] for o in call["Delete"]["Objects"])
    assert deleted_keys == [
        key(MOTO_TENANT, p)
        for p in ("docs/", "docs/a.txt", "docs/empty/", "docs/nested/deeper/", "docs/sub/b.txt")
    ]
    assert all("VersionId" not in o for o in call["Delete"]["Objects"])

    with count_s3_calls(s3, "ListObjectVersions") as listings:
        at_root = history.list_trash("", False, 100, None)
    # The page, then each subfolder's marker: alone, docs, docs-x, ghost.
    assert len(listings) == 1 + 4
    [(path, name, when)] = [(f.path, f.name, f.deleted_at) for f in at_root.folders]
    assert (path, name) == ("docs", "docs")
    assert deleted_at <= when < deleted_at + timedelta(seconds=2)
    inside = history.list_trash("docs", False, 100, None)
    # nested/ and sub/ have no marker of their own
    assert [(f.path, f.name) for f in inside.folders] == [("docs/empty", "empty")]
    assert [f.path for f in inside.files] == ["docs/a.txt"]
    everywhere = history.list_trash("", True, 100, None)
    assert [f.path for f in everywhere.folders] == ["docs", "docs/empty", "docs/nested/deeper"]
    assert [f.path for f in everywhere.files] == ["docs/a.txt", "docs/sub/b.txt"]

    with count_s3_calls(s3, "DeleteObjects") as sent:
        restored = history.restore_folder(at_root.folders[0].path, at_root.folders[0].deleted_at)

    assert restored.restored_count == deleted
    assert everything(history) == before
    # The undo removes exactly the delete markers the delete left, folders' included.
    (call,) = sent
    assert sorted(o["Key"] for o in call["Delete"]["Objects"]) == deleted_keys
    assert all("VersionId" in o for o in call["Delete"]["Objects"])
    assert history.list_trash("", True, 100, None).folders == []


def test_undoing_the_delete_of_an_empty_folder_gives_it_back(
    on_s3: tuple[FilesAndHistory, Any],
) -> None:
    history, _ = on_s3
    history.create_folder("alone")
    history.create_folder("kept")
    before = everything(history)

    _, deleted, deleted_at = history.delete_folder("alone")

    assert deleted == 1
    assert everything(history) == (["kept"], [])
    [trashed_folder] = history.list_trash("", False, 100, None).folders
    assert trashed_folder.path == "alone"
    assert history.restore_folder("alone", deleted_at).restored_count == 1
    assert everything(history) == before


def test_trash_pages_by_cursor(client: AlbClient, s3: Any, tenant: str) -> None:
    for n in range(5):
        s3.put_object(Bucket=BUCKET, Key=key(tenant, f"t/{n}.txt"), Body=b"x" * n)
        s3.delete_object(Bucket=BUCKET, Key=key(tenant, f"t/{n}.txt"))

    seen: list[tuple[str, int]] = []
    cursor = None
    while True:
        page = trash(client, folder="t", limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [(f["path"], f["size"]) for f in page["files"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # A page may end between a marker and its version: the size is still found.
    assert seen == [(f"t/{n}.txt", n) for n in range(5)]


def test_a_trash_cursor_does_not_list_another_folder(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    for n in range(3):
        s3.put_object(Bucket=BUCKET, Key=key(tenant, f"c/{n}.txt"), Body=b"x")
        s3.delete_object(Bucket=BUCKET, Key=key(tenant, f"c/{n}.txt"))
    cursor = trash(client, folder="c", limit=1)["next_cursor"]

    response = client.get("/files/trash", params={"folder": "d", "limit": 1, "cursor": cursor})

    assert_problem(response, 400, "invalid_cursor")


# -- roles --------------------------------------------------------------------------------


@pytest.fixture
def deleted_file(client: AlbClient) -> str:
    upload(client, "r/file.txt", b"one")
    version = upload(client, "r/file.txt", b"two")["version_id"]
    assert client.delete("/files/delete/r/file.txt").status == 204
    return version


@pytest.mark.parametrize("role", ROLES)
def test_roles_on_versions_and_trash(
    client_for: ClientFactory, deleted_file: str, role: str
) -> None:
    caller = client_for(role)
    rank = ROLES.index(role)

    calls = {
        "list versions": (0, lambda: versions(caller, "r/file.txt")),
        "list trash": (0, lambda: caller.get("/files/trash", params={"folder": "r"})),
        "old version": (
            0,
            lambda: caller.get("/files/download/r/file.txt", params={"version_id": deleted_file}),
        ),
        "restore version": (
            1,
            lambda: caller.post(
                "/files/versions/restore",
                json_body={"path": "r/file.txt", "version_id": deleted_file},
            ),
        ),
        "restore folder": (
            1,
            lambda: caller.post("/files/trash/restore-folder", json_body={"folder": "nothing"}),
        ),
        "purge folder": (
            2,
            lambda: caller.post("/files/trash/purge-folder", json_body={"path": "nothing"}),
        ),
    }
    for name, (needed, call) in calls.items():
        response = call()
        if rank >= needed:
            assert response.status < 400, (name, response.body)
        else:
            assert_problem(response, 403, "insufficient_role")


def test_restoring_from_the_trash_or_thawing_needs_a_member_and_purging_an_admin(
    client_for: ClientFactory, deleted_file: str
) -> None:
    trashed = {"path": "r/file.txt"}
    thaw = {"path": "r/file.txt", "version_id": deleted_file, "days": 1}
    viewer, member = client_for("viewer"), client_for("member")

    for refused in (
        viewer.post("/files/trash/restore", json_body=trashed),
        viewer.post("/files/thaw", json_body=thaw),
        member.post("/files/trash/purge", json_body=trashed),
    ):
        assert_problem(refused, 403, "insufficient_role")

    # Nothing was restored or purged: both versions and the delete marker are still there.
    purged = client_for("admin").post("/files/trash/purge", json_body=trashed)
    assert purged.status == 200, purged.body
    assert purged.json()["purged_versions"] == 3


def test_a_tenant_sees_nothing_of_anothers_history(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    other = str(uuid.uuid4())
    s3.put_object(Bucket=BUCKET, Key=key(other, "shared-name.txt"), Body=b"theirs")
    s3.delete_object(Bucket=BUCKET, Key=key(other, "shared-name.txt"))
    mine = client_for("owner")

    assert trash(mine, recursive=True)["files"] == []
    assert_problem(versions(mine, "shared-name.txt"), 404, "file_not_found")
    assert_problem(
        mine.post("/files/trash/restore", json_body={"path": "shared-name.txt"}),
        404,
        "file_not_found",
    )
    assert (
        mine.post("/files/trash/purge-folder", json_body={"path": ""}).json()["purged_versions"]
        == 0
    )
    assert len(s3.list_object_versions(Bucket=BUCKET, Prefix=key(other, ""))["Versions"]) == 1


# -- archived versions (the port fakes Glacier) -------------------------------------------


class ArchivingStorage:
    """The real S3 adapter, except that some (key, version) pairs sit in Glacier."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.archived: set[tuple[str, str | None]] = set()
        self.thawed: list[tuple[str, str | None, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def _cold(self, key: str, version_id: str | None) -> bool:
        return (key, version_id) in self.archived

    def head(self, key: str, version_id: str | None = None) -> ObjectInfo:
        info: ObjectInfo = self.real.head(key, version_id)
        if self._cold(key, version_id) or self._cold(key, info.version_id):
            restore = 'ongoing-request="true"' if self.thawed else None
            return ObjectInfo(
                info.key, info.size, info.content_type, info.etag, info.last_modified,
                info.version_id, info.metadata, "GLACIER", restore,
            )  # fmt: skip
        return info

    def open(
        self, key: str, version_id: str | None = None, if_none_match: str | None = None
    ) -> Any:
        if self._cold(key, version_id):
            raise ObjectArchived(ARCHIVED_DETAIL)  # S3's InvalidObjectState, translated
        return self.real.open(key, version_id, if_none_match)

    def copy(self, source: ObjectInfo, destination: str, metadata: dict[str, str]) -> ObjectInfo:
        if self._cold(source.key, source.version_id):
            raise ObjectArchived(ARCHIVED_DETAIL)
        result: ObjectInfo = self.real.copy(source, destination, metadata)
        return result

    def restore_archived(self, key: str, version_id: str | None, days: int) -> bool:
        self.thawed.append((key, version_id, days))
        return True


@pytest.fixture
def archiving(lambda_module: ModuleType) -> Iterator[ArchivingStorage]:
    state = lambda_module.app.state
    real = state.storage
    state.storage = fake = ArchivingStorage(real)
    yield fake
    state.storage = real


def test_an_archived_version_answers_409_and_can_be_thawed(
    client: AlbClient, archiving: ArchivingStorage, tenant: str
) -> None:
    old = upload(client, "cold.txt", b"old")["version_id"]
    upload(client, "cold.txt", b"new")
    archiving.archived.add((key(tenant, "cold.txt"), old))

    listed = versions(client, "cold.txt").json()["versions"]
    assert [v["archived"] for v in listed] == [False, False]  # listings come from S3 itself
    for response in (
        client.get("/files/download/cold.txt", params={"version_id": old}),
        client.post("/files/versions/restore", json_body={"path": "cold.txt", "version_id": old}),
    ):
        body = assert_problem(response, 409, "file_archived")
        assert "thaw" in body["detail"]

    thawed = client.post(
        "/files/thaw", json_body={"path": "cold.txt", "version_id": old, "days": 3}
    )

    assert thawed.status == 202, thawed.body
    assert thawed.json() == {
        "path": "cold.txt",
        "version_id": old,
        "status": "restoring",
        "ready_within_hours": 5,
        "available_days": 3,
    }
    assert archiving.thawed == [(key(tenant, "cold.txt"), old, 3)]
    current = client.post("/files/thaw", json_body={"path": "cold.txt"})
    assert_problem(current, 409, "file_not_archived")


def test_an_archived_current_file_refuses_a_presigned_url(
    client: AlbClient, archiving: ArchivingStorage, tenant: str
) -> None:
    info = upload(client, "frozen.txt", b"ice")
    archiving.archived.add((key(tenant, "frozen.txt"), info["version_id"]))

    assert_problem(client.get("/files/presigned-url/frozen.txt"), 409, "file_archived")
    assert_problem(
        client.post("/files/copy", json_body={"source": "frozen.txt", "destination": "c.txt"}),
        409,
        "file_archived",
    )


def test_s3s_archive_errors_are_translated() -> None:
    from botocore.exceptions import ClientError

    from file_lambda.storage.port import VersionIsDeleteMarker
    from file_lambda.storage.s3 import _translated

    def error(code: str, status: int) -> ClientError:
        response: Any = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
        return ClientError(response, "GetObject")

    with pytest.raises(ObjectArchived), _translated():
        raise error("InvalidObjectState", 403)
    with pytest.raises(VersionIsDeleteMarker), _translated(version_id="v1"):
        raise error("MethodNotAllowed", 405)
