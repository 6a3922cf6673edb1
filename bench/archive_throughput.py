"""`archive_throughput`: a folder archive's writer against a raw S3 copy of the same bytes.

The writer (`jobs/zipstream.py`, through `jobs/archives.advance_archive` on the
bench's Postgres and SeaweedFS, one step) archives a folder of one large stored
file (over the 64 MiB a step reads whole: its middle goes by `UploadPartCopy`,
its bytes are read once for the CRC-32) and 100 small text files (deflated).
The floor is what S3 itself takes to copy the same bytes server-side
(`CopyObject` of each file, nothing through the client): the ratio is what
reading each byte once for its checksum, and the ZIP's bookkeeping, cost on top.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.stats import Bar, Row, Spread
from file_lambda.database import Database
from jobs.archives import Item, advance_archive
from jobs.runner import Job, Step

MiB = 1024 * 1024
SMALL_FILES = 100


def _folder(s3: Any, bucket: str, large_mib: int) -> list[Item]:
    rng = random.Random(30)  # noqa: S311 (reproducible bytes, no secret)
    root = f"tenants/{uuid.uuid4()}/bench/"
    items = []
    large = rng.randbytes(MiB) * large_mib  # incompressible enough, cheap to make
    put = s3.put_object(Bucket=bucket, Key=root + "large.mp4", Body=large)
    items.append(Item("large.mp4", root + "large.mp4", put.get("VersionId"), len(large)))
    for n in range(SMALL_FILES):
        body = "".join(f"{rng.random()}\n" for _ in range(400)).encode()
        key = f"{root}notes/{n:03d}.txt"
        put = s3.put_object(Bucket=bucket, Key=key, Body=body)
        items.append(Item(f"notes/{n:03d}.txt", key, put.get("VersionId"), len(body)))
    return items


def _archive(s3: Any, bucket: str, db: Database, items: list[Item]) -> float:
    rows = db.execute(
        "insert into public.jobs (tenant_id, kind) values (%s, 'archive') returning id::text",
        (str(uuid.uuid4()),),
    )
    job = Job(str(rows[0][0]), str(uuid.uuid4()), "archive", None, {}, {}, 1, datetime.now(UTC))
    step = Step(db, job, time.monotonic() + 3600, None)
    started = time.perf_counter()
    done = advance_archive(step, s3, bucket, f"jobs/bench/{job.id}/bench.zip", lambda: items)
    took = time.perf_counter() - started
    if done is None:
        raise RuntimeError("the bench's archive took more than one step")
    return took


def _copy(s3: Any, bucket: str, items: list[Item]) -> float:
    target = f"jobs/bench/copy-{uuid.uuid4()}/"
    started = time.perf_counter()
    for item in items:
        s3.copy_object(
            Bucket=bucket,
            Key=target + item.name,
            CopySource={"Bucket": bucket, "Key": item.key, "VersionId": item.version_id or ""}
            if item.version_id
            else {"Bucket": bucket, "Key": item.key},
        )
    return time.perf_counter() - started


def measure(s3: Any, bucket: str, database_url: str, large_mib: int, rounds: int) -> list[Row]:
    db = Database(lambda: database_url)
    try:
        items = _folder(s3, bucket, large_mib)
        total = sum(item.size for item in items)
        archived, copied = [], []
        for _ in range(rounds):
            archived.append(_archive(s3, bucket, db, items))
            copied.append(_copy(s3, bucket, items))
    finally:
        db.close()
    ratios = [a / c for a, c in zip(archived, copied, strict=True)]
    rate = total / MiB / statistics.median(archived)
    return [
        Row(
            "archive_throughput",
            "Folder archive (ZIP64 writer, one step) vs a raw S3 server-side copy of the"
            " same bytes",
            Spread.of(ratios),
            Bar("<=", 3.0),
            f"{large_mib} MiB stored file + {SMALL_FILES} small text files"
            f" ({total / MiB:.0f} MiB); archive median {statistics.median(archived):.2f} s"
            f" ({rate:.0f} MiB/s), CopyObject of each file {statistics.median(copied):.2f} s;"
            f" {rounds} rounds",
            {"archive_s": archived, "copy_s": copied, "bytes": total},
        )
    ]
