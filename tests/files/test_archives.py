"""Folder archives' routes (docs/api.md, "Folder archives"): a reader asks for a ZIP of a
folder, polls it, and downloads it through its presigned URL once the job function (run
here in process, `jobs/archives.py` through the runner) has made it; who sees which
archive; the limits' problems. Against SeaweedFS and Postgres with every migration."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from file_lambda.archives.service import MAX_RUNNING_ARCHIVES
from file_lambda.database import Database
from jobs.archives import ArchiveKind
from jobs.runner import Runner
from tests.support.files import BUCKET, ClientFactory, upload
from tests.support.problems import assert_problem

pytestmark = pytest.mark.seaweedfs


@pytest.fixture
def jdb(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    yield database
    database.close()


def _run(jdb: Database, s3: Any, archive_id: str) -> None:
    runner = Runner(jdb, {"archive": ArchiveKind(s3, BUCKET, scanning_enforced=False)}, print)
    for _ in range(20):
        if runner.advance(archive_id, 30) != "continued":
            return
    raise AssertionError("the archive was not made")


def test_a_reader_archives_a_folder_and_downloads_it(
    client_for: ClientFactory, s3: Any, jdb: Database, tenant: str
) -> None:
    owner, viewer = client_for("owner"), client_for("viewer")
    files = {"reports/q1.csv": b"a,b\n1,2\n", "reports/deep/notes.txt": "été".encode()}
    for path, data in files.items():
        upload(owner, path, data)
    upload(owner, "elsewhere.txt", b"not archived")
    asked = viewer.post("/files/archives", json_body={"folder": "reports/"})
    assert asked.status == 202, asked.body
    archive = asked.json()
    assert asked.headers["location"] == f"/files/archives/{archive['id']}"
    assert archive["state"] == "queued"
    assert archive["folder"] == "reports/"
    assert archive["name"] == "reports.zip"
    assert archive["download_url"] is None
    # The request is in the audit trail, as every write is.
    rows = jdb.execute(
        "select action, outcome from public.audit_events where tenant_id = %s"
        " and action = 'create_archive'",
        (tenant,),
    )
    assert rows == [("create_archive", "succeeded")]

    _run(jdb, s3, archive["id"])
    done = viewer.get(archive["links"]["self"]).json()
    assert done["state"] == "succeeded"
    assert done["files"] == 2
    assert done["skipped"] == []
    assert done["expires_at"] is not None
    got = httpx.get(done["download_url"])
    assert got.status_code == 200
    assert got.headers["content-disposition"].startswith('attachment; filename="reports.zip"')
    assert len(got.content) == done["size"]
    zipped = zipfile.ZipFile(io.BytesIO(got.content))
    assert {name: zipped.read(name) for name in zipped.namelist()} == {
        path.removeprefix("reports/"): data for path, data in files.items()
    }
    # The output is under jobs/, never under the tenant's root: not listed, not counted.
    assert zipped.namelist()
    listed = owner.get("/files/list", params={"folder": ""}).json()
    assert "reports.zip" not in str(listed)


def test_who_sees_which_archive(client_for: ClientFactory, tenant: str) -> None:
    owner = client_for("owner")
    upload(owner, "a/x.txt", b"x")
    alice = client_for("member", sub=str(uuid.uuid4()))
    bob = client_for("member", sub=str(uuid.uuid4()))
    mine = alice.post("/files/archives", json_body={"folder": "a"}).json()
    assert alice.get(f"/files/archives/{mine['id']}").status == 200
    assert_problem(bob.get(f"/files/archives/{mine['id']}"), 404, "archive_not_found")
    assert_problem(bob.get("/files/archives/not-a-uuid"), 404, "archive_not_found")
    assert owner.get(f"/files/archives/{mine['id']}").status == 200
    assert bob.get("/files/archives").json()["archives"] == []
    assert [a["id"] for a in alice.get("/files/archives").json()["archives"]] == [mine["id"]]
    # Another tenant's owner does not see it.
    stranger = client_for("owner", tenants={str(uuid.uuid4()): "owner"})
    assert_problem(stranger.get(f"/files/archives/{mine['id']}"), 404, "archive_not_found")


def test_the_listing_pages_newest_first(
    client_for: ClientFactory, jdb: Database, tenant: str
) -> None:
    owner = client_for("owner")
    upload(owner, "a/x.txt", b"x")
    made = [owner.post("/files/archives", json_body={"folder": "a"}).json()["id"] for _ in range(3)]
    first = owner.get("/files/archives", params={"limit": 2}).json()
    assert [a["id"] for a in first["archives"]] == made[::-1][:2]
    rest = owner.get("/files/archives", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [a["id"] for a in rest.json()["archives"]] == made[:1]
    assert rest.json()["next_cursor"] is None
    assert_problem(
        owner.get("/files/archives", params={"cursor": "made-up"}), 400, "invalid_cursor"
    )


def test_the_limits_answer_problems(client_for: ClientFactory, tenant: str) -> None:
    owner = client_for("owner")
    upload(owner, "a/x.txt", b"x")
    assert_problem(
        owner.post("/files/archives", json_body={"folder": "nothing"}), 404, "folder_not_found"
    )
    assert_problem(owner.post("/files/archives", json_body={"folder": "../a"}), 400, "invalid_path")
    assert_problem(owner.post("/files/archives", json_body={}), 400, "validation_error")
    for _ in range(MAX_RUNNING_ARCHIVES):
        assert owner.post("/files/archives", json_body={"folder": "a/"}).status == 202
    refused = owner.post("/files/archives", json_body={"folder": "a/"})
    assert_problem(refused, 429, "too_many_archives")
    assert refused.headers["retry-after"] == "30"


def test_a_lost_first_message_is_left_to_the_sweep(
    client_for: ClientFactory, lambda_module: ModuleType, jdb: Database
) -> None:
    owner = client_for("owner")
    upload(owner, "a/x.txt", b"x")
    # The tests' app has no JOB_QUEUE_URL: nothing is sent, and the row says so.
    archive = owner.post("/files/archives", json_body={"folder": "a"}).json()
    assert lambda_module.app.state.job_queue.queue_url is None
    [(sent_at,)] = jdb.execute("select sent_at from public.jobs where id = %s", (archive["id"],))
    assert sent_at is None
