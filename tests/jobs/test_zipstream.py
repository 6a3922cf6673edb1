"""The ZIP64 writer (jobs/zipstream.py) against SeaweedFS: what it writes opens with
Python's zipfile and `unzip -t`, equal to its sources; ZIP64 where small thresholds
demand it; large files copied server-side by ranges; stopped and resumed after any
part, or restarted from an older checkpoint, it writes the same bytes."""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.zipstream import DEFLATED, STORED, MemoryDirectory, ZipUpload, method_for
from tests.support.files import BUCKET

pytestmark = pytest.mark.seaweedfs

KiB = 1024
MiB = 1024 * KiB
MODIFIED = datetime(2026, 2, 2, 12, 30, 4, tzinfo=UTC)
# Sizes as small as S3's 5 MiB least part allows (SeaweedFS holds to it too), so that
# some 40 MiB make several parts, copies and resumes.
SMALL = {
    "part_size": 5 * MiB,
    "copy_part_size": 6 * MiB,
    "single_step_limit": 8 * MiB,
    "chunk_size": 256 * KiB,
}


def _sources(s3: Any) -> dict[str, bytes]:
    """A folder's worth: text to deflate, media to store, an empty file, a large file
    (over single_step_limit: stored and copied by ranges), a non-ASCII name."""
    rng = random.Random(30)
    text = "".join(f"line {n}: {rng.random()}\n" for n in range(6000)).encode()
    files = {
        "notes/readme.txt": text,
        "photo.jpg": rng.randbytes(7 * MiB),
        "empty.csv": b"",
        "table.csv": "".join(f"{rng.random()},{rng.random()}\n" for _ in range(150_000)).encode(),
        "video/large.mp4": rng.randbytes(24 * MiB + 123),
        "données/été.json": b'{"a": 1}' * 20_000,
        "small.bin": rng.randbytes(5),
    }
    return files


class Uploaded(tuple[str, dict[str, bytes], list[tuple[str, str, str | None, int]]]):
    def __repr__(self) -> str:  # Hypothesis prints its failing example's arguments
        return "Uploaded(...)"


@pytest.fixture(scope="module")
def uploaded(s3: Any) -> Uploaded:
    prefix = f"jobs/{uuid.uuid4()}/sources/"
    files = _sources(s3)
    items = []
    for name, data in files.items():
        put = s3.put_object(Bucket=BUCKET, Key=prefix + name, Body=data)
        items.append((name, prefix + name, put.get("VersionId"), len(data)))
    return Uploaded((prefix, files, items))


@pytest.fixture(scope="module")
def whole(s3: Any, uploaded: Uploaded) -> str:
    """The SHA-256 of the archive written in one go."""
    data, _ = _write(s3, uploaded[2])
    return hashlib.sha256(data).hexdigest()


def _writer(
    s3: Any,
    key: str,
    directory: MemoryDirectory,
    save: Callable[[Mapping[str, Any]], None],
    time_left: Callable[[], float] = lambda: 1000.0,
    **sizes: Any,
) -> ZipUpload:
    return ZipUpload(s3, BUCKET, key, directory, MODIFIED, save, time_left, **{**SMALL, **sizes})


def _write(s3: Any, items: list[Any], **sizes: Any) -> tuple[bytes, ZipUpload]:
    key = f"jobs/{uuid.uuid4()}/a.zip"
    writer = _writer(s3, key, MemoryDirectory.of(items), lambda _: None, **sizes)
    assert writer.advance(ZipUpload.start(s3, BUCKET, key)) is None
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read(), writer


def _check(data: bytes, files: dict[str, bytes], tmp_path: Path) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(files)
    for name, content in files.items():
        assert archive.read(name) == content
    if shutil.which("unzip"):
        path = tmp_path / "a.zip"
        path.write_bytes(data)
        tested = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert "No errors detected" in tested.stdout
    return archive


def test_an_archive_opens_equal_to_its_sources(s3: Any, uploaded: Any, tmp_path: Path) -> None:
    _, files, items = uploaded
    data, writer = _write(s3, items)
    archive = _check(data, files, tmp_path)
    methods = {info.filename: info.compress_type for info in archive.infolist()}
    assert methods["notes/readme.txt"] == zipfile.ZIP_DEFLATED
    assert methods["données/été.json"] == zipfile.ZIP_DEFLATED
    assert methods["photo.jpg"] == zipfile.ZIP_STORED
    assert methods["video/large.mp4"] == zipfile.ZIP_STORED
    assert archive.getinfo("photo.jpg").date_time == (2026, 2, 2, 12, 30, 4)
    # The large file's middle went by UploadPartCopy: 24 MiB less its head and tail.
    assert writer.copied_parts >= 3
    # The text compressed: smaller than the sources.
    assert len(data) < sum(map(len, files.values()))


def test_zip64_where_sizes_and_offsets_reach_the_limit(
    s3: Any, uploaded: Any, tmp_path: Path
) -> None:
    _, files, items = uploaded
    data, _ = _write(s3, items, zip64_limit=1 * MiB)
    _check(data, files, tmp_path)
    # The ZIP64 end of central directory and its locator, the classic end's fields at max.
    assert b"PK\x06\x06" in data[-200:]
    assert b"PK\x06\x07" in data[-200:]
    assert data[-22:-18] == b"PK\x05\x06"
    assert data[-6:-2] == b"\xff\xff\xff\xff"
    # The large file's local header carries a ZIP64 extra field.
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("video/large.mp4")
    assert data[info.header_offset + 4 : info.header_offset + 6] == (45).to_bytes(2, "little")
    without, _ = _write(s3, items)
    assert b"PK\x06\x06" not in without


def test_deflate_only_what_compresses_and_fits_a_step() -> None:
    limit = 64 * 1024 * 1024
    assert method_for("a/b.CSV", 10, limit) == DEFLATED
    assert method_for("report.json", limit, limit) == DEFLATED
    assert method_for("report.json", limit + 1, limit) == STORED
    for name in ("a.zip", "b.jpeg", "c.png", "d.mp4", "e.pdf", "f.docx", "noextension"):
        assert method_for(name, 10, limit) == STORED


def test_a_vanished_version_is_left_out(s3: Any, uploaded: Any, tmp_path: Path) -> None:
    prefix, files, items = uploaded
    gone = [*items, ("ghost.txt", prefix + "ghost.txt", None, 10)]
    data, writer = _write(s3, gone)
    _check(data, files, tmp_path)
    assert writer.directory.written[len(items)].offset is None


class Interrupted:
    """Runs out of time at the writer's `stop_after`th look at the clock (each part
    boundary and each item's end); keeps every checkpoint saved."""

    def __init__(self, stop_after: int) -> None:
        self.saved: list[Mapping[str, Any]] = []
        self.stop_after = stop_after
        self.looks = 0

    def save(self, checkpoint: Mapping[str, Any]) -> None:
        self.saved.append(json.loads(json.dumps(checkpoint)))  # as Postgres keeps it

    def time_left(self) -> float:
        self.looks += 1
        return 0.0 if self.looks > self.stop_after else 1000.0


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    stops=st.lists(st.integers(min_value=2, max_value=6), min_size=1, max_size=4),
    crash=st.booleans(),
)
def test_stopped_after_any_part_and_resumed_it_writes_the_same_bytes(
    s3: Any, uploaded: Any, whole: str, stops: list[int], crash: bool
) -> None:
    _, files, items = uploaded
    key = f"jobs/{uuid.uuid4()}/a.zip"
    directory = MemoryDirectory.of(items)
    checkpoint: Mapping[str, Any] | None = ZipUpload.start(s3, BUCKET, key)
    steps = 0
    for stop_after in [*stops, 10_000]:
        assert checkpoint is not None
        clock = Interrupted(stop_after)
        writer = _writer(
            s3, key, directory, clock.save, clock.time_left, save_every=0.0, stop_margin=1.0
        )
        checkpoint = writer.advance(checkpoint)
        steps += 1
        if checkpoint is None:
            break
        if crash and len(clock.saved) > 1:
            # The step died after its first save: the next resumes from there, and
            # uploads again the parts written since, with the same numbers.
            checkpoint = clock.saved[0]
    assert checkpoint is None
    data = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert hashlib.sha256(data).hexdigest() == whole
    assert steps > 1
    assert zipfile.ZipFile(io.BytesIO(data)).read("video/large.mp4") == files["video/large.mp4"]


def test_small_files_that_fill_no_part_still_stop_in_time(s3: Any, uploaded: Any) -> None:
    """Out of time between two items, the part not full: its bytes ride in the checkpoint."""
    _, files, items = uploaded
    small = [item for item in items if item[3] < 200_000]
    expected, _ = _write(s3, small)
    key = f"jobs/{uuid.uuid4()}/a.zip"
    directory = MemoryDirectory.of(small)
    checkpoint: Mapping[str, Any] | None = ZipUpload.start(s3, BUCKET, key)
    steps = 0
    while checkpoint is not None:
        clock = Interrupted(1)
        writer = _writer(s3, key, directory, clock.save, clock.time_left, stop_margin=1.0)
        checkpoint = writer.advance(checkpoint)
        steps += 1
        if checkpoint is not None:
            assert "pending" in checkpoint or checkpoint["item"] == len(small)
    # One item a step (each step saw its time run out after it), then the end.
    assert steps == len(small) + 1
    data = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert data == expected
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {name: archive.read(name) for name in archive.namelist()} == {
        item[0]: files[item[0]] for item in small
    }
