"""Faults mid-run on a stack of its own: S3 (SeaweedFS) stopped and Postgres stopped while the
API runs, then started again on the same ports and data; the API answers clean 503 problems
meanwhile and recovers without a restart. And a copy in parts that fails mid-way leaves no
orphan multipart upload."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from dev import seaweedfs
from file_lambda.storage.port import ObjectInfo, StorageUnavailable
from file_lambda.storage.s3 import S3Storage
from tests.support.domain import PRODUCTION_LOGGING, Domain
from tests.support.files import BUCKET
from tests.support.problems import assert_problem
from tests.support.relaunch import Relaunchable
from tests.support.stack import start_stack

RECOVERY_TIMEOUT = 90


@pytest.fixture
def own_stack() -> Iterator[tuple[Domain, list[Relaunchable]]]:
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-faults-"))
    stack = start_stack(state_dir, env=PRODUCTION_LOGGING)
    relaunched: list[Relaunchable] = []
    try:
        yield Domain(stack), relaunched
    finally:
        try:
            stack.stop_cleanly()
        finally:
            for server in relaunched:
                server.stop(signal.SIGINT)
            alive = [s.process.pid for s in relaunched if s.process and s.process.poll() is None]
            shutil.rmtree(state_dir, ignore_errors=True)
            assert not alive, f"relaunched servers left running: {alive}"


def assert_unavailable(response: httpx.Response, code: str) -> dict[str, Any]:
    # Nothing of the infrastructure reaches the client: no endpoint, bucket or AWS text.
    body = assert_problem(response, 503, code, secrets=("127.0.0.1", "psycopg"))
    assert int(response.headers["retry-after"]) > 0
    return body


def wait_for(what: str, answer: Callable[[], httpx.Response], status: int = 200) -> None:
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while True:
        try:
            if answer().status_code == status:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{what} did not recover within {RECOVERY_TIMEOUT} s"
        time.sleep(0.5)


@pytest.mark.slow
def test_s3_then_postgres_stop_mid_run_and_the_api_recovers_without_a_restart(
    own_stack: tuple[Domain, list[Relaunchable]],
) -> None:
    domain, relaunched = own_stack
    stack = domain.stack
    owner, tenant = domain.owner_of_new_tenant("Faults")
    body = os.urandom(2048)
    with domain.client(owner.token, tenant) as api:
        assert api.post("/files/upload", files={"file": ("kept.bin", body)}).status_code == 201
        assert api.get("/ready").status_code == 200

        # -- S3 stops ------------------------------------------------------------------------
        weed = Relaunchable.capture(stack.pids["seaweedfs"])
        weed.kill(signal.SIGTERM)
        file_calls: list[Callable[[], httpx.Response]] = [
            lambda: api.get("/files/list"),
            lambda: api.get("/files/download/kept.bin"),
            lambda: api.get("/files/metadata/kept.bin"),
            lambda: api.post("/files/upload", files={"file": ("new.bin", b"x")}),
            lambda: api.post("/files/copy", json={"source": "kept.bin", "destination": "c.bin"}),
            lambda: api.delete("/files/delete/kept.bin"),
            lambda: api.get("/files/presigned-url/kept.bin"),
            lambda: api.post("/files/presigned-upload", params={"file_path": "p.bin"}),
        ]
        for call in file_calls:
            assert_unavailable(call(), "storage_unavailable")
        ready = api.get("/ready")
        problem = assert_unavailable(ready, "not_ready")
        assert problem["checks"] == {"database": "ok", "storage": "unavailable"}
        assert "storage" in problem["detail"]
        assert "database" not in problem["detail"]
        # Neither /health nor the routes that need no S3 notice.
        assert api.get("/health").status_code == 200
        assert api.get("/files/health").status_code == 200
        assert api.get("/me").status_code == 200

        # -- S3 returns: same ports, same data directory --------------------------------------
        weed.relaunch(stack.state_dir / "weed-relaunched.log")
        relaunched.append(weed)
        wait_for("storage", lambda: api.get("/files/list"))
        # The listing answers from SeaweedFS's filer; a file's bytes need its volume server
        # too, which may be back a moment later (seen on a loaded machine: one 503).
        wait_for("the file's bytes", lambda: api.get("/files/download/kept.bin"))
        assert api.get("/ready").status_code == 200
        downloaded = api.get("/files/download/kept.bin")
        assert downloaded.status_code == 200
        assert downloaded.content == body
        assert api.post("/files/upload", files={"file": ("after.bin", b"s3")}).status_code == 201

        # -- Postgres stops ---------------------------------------------------------------------
        pg = Relaunchable.capture(stack.pids["postgres"])
        pg.kill(signal.SIGINT)  # fast shutdown: clients are disconnected
        tenant_url = f"/tenants/{tenant}"
        core_calls: list[Callable[[], httpx.Response]] = [
            lambda: api.get("/me"),
            lambda: api.get("/tenants"),
            lambda: api.get(tenant_url),
            lambda: api.patch(tenant_url, json={"name": "Renamed"}),
            lambda: api.get(f"{tenant_url}/members"),
            lambda: api.post("/tenants", json={"name": "Another"}),
            lambda: api.delete(f"{tenant_url}/members/{uuid.uuid4()}"),
        ]
        # Each waits out the pool's timeout (5 s) before its 503: side by side, not in a row.
        with ThreadPoolExecutor(len(core_calls) + 1) as pool:
            answers = list(pool.map(lambda call: call(), [*core_calls, lambda: api.get("/ready")]))
        for answer in answers[:-1]:
            assert_unavailable(answer, "database_unavailable")
        problem = assert_unavailable(answers[-1], "not_ready")
        assert problem["checks"] == {"database": "unavailable", "storage": "ok"}
        assert "database" in problem["detail"]
        # The file API goes by the token alone: it keeps working without the database.
        assert api.get("/files/list").status_code == 200
        assert api.get("/health").status_code == 200

        # -- Postgres returns ---------------------------------------------------------------------
        pg.relaunch(stack.state_dir / "postgres-relaunched.log")
        relaunched.append(pg)
        back = time.monotonic()
        wait_for("the database", lambda: api.get("/me"))
        print(f"\ncore recovered {time.monotonic() - back:.1f} s after Postgres returned")
        assert api.get("/ready").status_code == 200
        assert api.get(tenant_url).json()["name"] == "Faults"  # nothing lost, nothing renamed
        assert api.get("/tenants").json()["tenants"][0]["id"] == tenant
    output = stack.output()
    assert "Traceback" not in output, output[-4000:]


# -- a copy in parts that fails mid-way ------------------------------------------------------


def test_a_multipart_copy_that_fails_midway_leaves_no_orphan_upload(
    seaweed: seaweedfs.SeaweedS3, s3: Any
) -> None:
    """The managed copy (UploadPartCopy) aborts its multipart upload when a part fails."""
    mib = 1024 * 1024
    client = seaweed.client()
    storage = S3Storage(client, BUCKET, copy_part_limit=5 * mib, copy_part_size=5 * mib)
    tenant = uuid.uuid4()
    source_key, destination = f"tenants/{tenant}/big.bin", f"tenants/{tenant}/copy.bin"
    s3.put_object(Bucket=BUCKET, Key=source_key, Body=os.urandom(16 * mib))  # 4 parts
    source: ObjectInfo = storage.head(source_key)

    part_copies = 0

    def fail_the_second_part(**kwargs: Any) -> None:
        nonlocal part_copies
        part_copies += 1
        if part_copies == 2:
            raise ClientError(
                {
                    "Error": {"Code": "InternalError", "Message": "injected"},
                    "ResponseMetadata": {"HTTPStatusCode": 500},
                },
                "UploadPartCopy",
            )

    client.meta.events.register("before-call.s3.UploadPartCopy", fail_the_second_part)
    with pytest.raises(StorageUnavailable):
        storage.copy(source, destination, source.metadata)
    assert part_copies >= 2

    uploads = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=destination).get("Uploads", [])
    assert uploads == [], f"orphan multipart uploads: {uploads}"
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=BUCKET, Key=destination)
    assert missing.value.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}

    # The same copy without the fault goes through, in parts, byte for byte.
    client.meta.events.unregister("before-call.s3.UploadPartCopy", fail_the_second_part)
    copied = storage.copy(source, destination, source.metadata)
    assert copied.size == source.size
    original = s3.get_object(Bucket=BUCKET, Key=source_key)["Body"].read()
    assert s3.get_object(Bucket=BUCKET, Key=destination)["Body"].read() == original
    assert s3.list_multipart_uploads(Bucket=BUCKET, Prefix=destination).get("Uploads", []) == []
