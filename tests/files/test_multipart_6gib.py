"""Past 5 GiB: a 6 GiB file through presigned part URLs, interrupted and resumed.

The API runs through its Lambda handler; the bytes go from a client process
(`tests/support/part_client.py`, 8 parts in parallel) straight to a SeaweedFS of
the test's own, whose data directory is removed afterwards. The client is
killed (SIGKILL) once about 40% of the bytes are stored; a new client resumes
from what `GET /files/multipart/{id}/parts` says storage holds and sends only
the missing parts. The stored file's size and SHA-256 must be the source's.

The source is a sparse file (holes, with random blocks spread through it), so
it takes no disk; everything is hashed in a stream, never held in memory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from mangum import Mangum

from dev import seaweedfs
from dev.alb import AlbClient
from file_lambda import alb
from file_lambda.app import create_app
from file_lambda.storage.s3 import S3Storage, make_client
from tests.support.tokens import TokenFactory

GiB = 1024**3
MiB = 1024**2
SIZE = 6 * GiB
BUCKET = "test-large-uploads"
NEEDED_FREE = 8 * GiB  # SeaweedFS stores the 6 GiB for real
READ = 8 * MiB

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_s3() -> Iterator[seaweedfs.SeaweedS3]:
    base = Path(tempfile.mkdtemp(prefix="snsd-6gib-"))
    free = shutil.disk_usage(base).free
    if free < NEEDED_FREE:
        shutil.rmtree(base, ignore_errors=True)
        message = f"the 6 GiB upload needs {NEEDED_FREE // GiB} GiB free in {base.parent}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = seaweedfs.start(base / "seaweedfs")
    try:
        seaweedfs.create_bucket(server, BUCKET)
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def client(
    lambda_module: ModuleType, big_s3: seaweedfs.SeaweedS3, make_token: TokenFactory, tenant: str
) -> AlbClient:
    """The file API (the handler's own parts) over the test's SeaweedFS."""
    state = lambda_module.app.state
    settings = dataclasses.replace(state.settings, bucket=BUCKET)
    storage = S3Storage(make_client(settings.region, big_s3.endpoint), BUCKET)
    app = create_app(
        settings,
        storage,
        state.token_verifier,
        state.memberships,
        state.cursors,
        state.upload_records,
    )
    handler = Mangum(app, lifespan="off", custom_handlers=[alb.AlbHandler])
    return AlbClient(handler, token=make_token({tenant: "member"}))


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Path]:
    """6 GiB, sparse: holes, and 1 MiB of random bytes every 256 MiB and at the end."""
    path = tmp_path / "six.bin"
    with path.open("wb") as f:
        f.truncate(SIZE)
        for offset in [*range(0, SIZE, 256 * MiB), SIZE - MiB]:
            f.seek(offset)
            f.write(os.urandom(MiB))
    assert os.stat(path).st_blocks * 512 < 64 * MiB  # really sparse
    yield path
    path.unlink()


def sha256_of(chunks: Iterator[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(READ):
            yield chunk


def signed(client: AlbClient, upload_id: str, numbers: list[int]) -> list[dict[str, Any]]:
    """Presigned URLs for `numbers`, 100 a call (the API's batch)."""
    urls: list[dict[str, Any]] = []
    for start in range(0, len(numbers), 100):
        batch = [{"part_number": n} for n in numbers[start : start + 100]]
        answer = client.post(f"/files/multipart/{upload_id}/sign", json_body={"parts": batch})
        assert answer.status == 200, answer.body
        urls += answer.json()["parts"]
    return urls


def run_client(
    plan: dict[str, Any], plan_path: Path, stop_at: int | None
) -> tuple[list[int], bool]:
    """Run the client on `plan`: the parts it reported, and whether it was killed."""
    plan_path.write_text(json.dumps(plan))
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.part_client", str(plan_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None
    done: list[int] = []
    stored = 0
    killed = False
    for line in process.stdout:
        report = json.loads(line)
        done.append(report["part"])
        stored += report["size"]
        if stop_at is not None and stored >= stop_at:
            process.send_signal(signal.SIGKILL)  # mid-upload: 8 parts in flight
            killed = True
            break
    process.stdout.close()
    process.wait(timeout=600)
    assert killed or process.returncode == 0, process.returncode
    return done, killed


def test_a_6_gib_file_uploads_in_parallel_parts_survives_a_killed_client_and_is_whole(
    client: AlbClient, big_s3: seaweedfs.SeaweedS3, source: Path, tenant: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    expected, size = sha256_of(file_chunks(source))
    assert size == SIZE

    created = client.post(
        "/files/multipart", json_body={"path": "archive/six.bin", "size": SIZE}
    ).json()
    upload_id, part_size = created["upload_id"], created["part_size"]
    count = created["part_count"]
    assert (part_size, count) == (8 * MiB, 768)
    plan = {"file": str(source), "part_size": part_size, "workers": 8}
    numbers = list(range(1, count + 1))

    # The first client dies at about 40%.
    uploading = time.monotonic()
    reported, killed = run_client(
        {**plan, "parts": signed(client, upload_id, numbers)},
        tmp_path / "plan-1.json",
        stop_at=int(SIZE * 0.4),
    )
    assert killed

    # Resume: storage says what it holds; only the rest is signed and sent.
    held = client.get(f"/files/multipart/{upload_id}/parts").json()
    held_numbers = {part["part_number"] for part in held["parts"]}
    assert set(reported) <= held_numbers  # whatever the client saw stored is listed
    assert 0.35 * count <= len(held_numbers) <= 0.5 * count, len(held_numbers)
    missing = [n for n in numbers if n not in held_numbers]
    resent, _ = run_client(
        {**plan, "parts": signed(client, upload_id, missing)}, tmp_path / "plan-2.json", None
    )
    assert sorted(resent) == missing  # not one held part again
    uploaded = time.monotonic() - uploading

    listed = client.get(f"/files/multipart/{upload_id}/parts").json()
    assert listed["uploaded_bytes"] == SIZE
    parts = [{"part_number": p["part_number"], "etag": p["etag"]} for p in listed["parts"]]
    done = client.post(f"/files/multipart/{upload_id}/complete", json_body={"parts": parts})
    assert done.status == 201, done.body
    assert done.json()["size"] == SIZE

    s3 = big_s3.client()
    key = f"tenants/{tenant}/archive/six.bin"
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == SIZE
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    stored, stored_size = sha256_of(body.iter_chunks(READ))
    assert (stored, stored_size) == (expected, SIZE)
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    elapsed = time.monotonic() - started
    print(
        f"\n6 GiB: {len(held_numbers)} of {count} parts held when the client died, "
        f"{len(missing)} sent again; parts uploaded in {uploaded:.1f} s "
        f"({SIZE / uploaded / MiB:.0f} MiB/s), whole test {elapsed:.1f} s"
    )
