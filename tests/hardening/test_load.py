"""Load: 200 concurrent clients through the local load balancer over real HTTP (loopback),
uploading, overwriting, copying, moving, deleting and reading a small set of overlapping
paths of one tenant. Afterwards nothing acknowledged is lost and nothing unacknowledged
appears, no request got a 5xx, and no response was larger than the ALB allows.

The oracle. The local balancer runs the file API as one Lambda container, so it handles
one request at a time, each somewhere between the moment the client sent it and the
moment the client had its answer. For every path, with the acknowledged changes to it
(writes: upload 201, copy 201 and move 200 to it; removals: delete 204, a path in
delete-multiple's `deleted`, move 200 away from it), a change X is *definitely after* a
change W when X was sent after W's answer came back. Then:

- a path that exists holds the bytes of an acknowledged write to it, and of one that
  no other acknowledged change definitely followed (so a path whose every write was
  definitely followed by a removal does not exist);
- a path that does not exist, yet was written, has an acknowledged removal that no
  acknowledged write definitely followed (so no acknowledged write is lost);
- every download answered 200 returned the bytes of an acknowledged write to that path.

Writes are told apart by their bodies: each upload's body is fresh random bytes, and a
copy or move reports the ETag (the MD5) of the bytes it copied.

Throughput and latency are printed, not asserted: the machine is small and shared.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from dev import DEV_BUCKET, seaweedfs
from dev.alb import ALB_BODY_LIMIT
from tests.support.domain import Domain

# A slow suite: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow

CLIENTS = 200
DURATION_SECONDS = 20.0
MAX_REQUESTS = 5000
FOLDERS = ("load/a", "load/b", "load/c")
PATHS = [f"{folder}/f{index}.bin" for folder in FOLDERS for index in range(6)]
LARGE = "large/report.bin"  # too large to return through the balancer: always a redirect


@dataclass
class Change:
    path: str
    kind: str  # "write" or "remove"
    sent: float
    answered: float
    sha: str | None = None  # of the bytes written

    def definitely_after(self, other: Change) -> bool:
        return self.sent > other.answered


@dataclass
class Run:
    bodies_by_md5: dict[str, str] = field(default_factory=dict)  # md5 -> sha256
    changes: list[Change] = field(default_factory=list)
    downloads: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256)
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    sent: int = 0

    def sha_of_etag(self, etag: str) -> str | None:
        return self.bodies_by_md5.get(etag.strip('"'))


def body(rng: random.Random) -> bytes:
    # Mostly small; a few near the inline upload limit, whose downloads must redirect.
    size = rng.randint(200_000, 850_000) if rng.random() < 0.03 else rng.randint(1, 16_384)
    return os.urandom(size)


async def one(
    api: httpx.AsyncClient, run: Run, rng: random.Random
) -> tuple[str, httpx.Response | None, float, float, dict[str, Any]]:
    """One random operation: its kind, answer, send and answer times, and what it was."""
    roll = rng.random()
    path, other = rng.sample(PATHS, 2)
    overwrite = rng.random() < 0.7
    info: dict[str, Any] = {"path": path, "other": other}
    sent = time.monotonic()
    if roll < 0.35:
        kind = "upload"
        data = body(rng)
        run.bodies_by_md5[hashlib.md5(data).hexdigest()] = hashlib.sha256(data).hexdigest()  # noqa: S324
        info["sha"] = hashlib.sha256(data).hexdigest()
        folder, name = path.rsplit("/", 1)
        response = await api.post(
            "/files/upload",
            params={"folder": folder, "overwrite": str(overwrite).lower()},
            files={"file": (name, data, "application/octet-stream")},
        )
    elif roll < 0.50:
        kind = "copy"
        transfer = {"source": other, "destination": path, "overwrite": overwrite}
        response = await api.post("/files/copy", json=transfer)
    elif roll < 0.63:
        kind = "move"
        transfer = {"source": other, "destination": path, "overwrite": overwrite}
        response = await api.post("/files/move", json=transfer)
    elif roll < 0.75:
        kind = "delete"
        response = await api.delete(f"/files/delete/{path}")
    elif roll < 0.79:
        kind = "delete-multiple"
        response = await api.post("/files/delete-multiple", json={"paths": [path, other]})
    elif roll < 0.93:
        kind = "download"
        response = await api.get(f"/files/download/{path}")
    elif roll < 0.95:
        kind = "download-large"
        response = await api.get(f"/files/download/{LARGE}")
    else:
        kind = "list"
        response = await api.get("/files/list", params={"folder": path.rsplit("/", 1)[0]})
    return kind, response, sent, time.monotonic(), info


def record(
    run: Run,
    kind: str,
    response: httpx.Response,
    sent: float,
    answered: float,
    info: dict[str, Any],
) -> None:
    status = response.status_code
    run.statuses[(kind, status)] += 1
    run.latencies.append(answered - sent)
    size = len(response.content) + sum(len(k) + len(v) + 4 for k, v in response.headers.items())
    if status >= 500:
        run.problems.append(f"{kind} {info} -> {status} {response.text[:300]}")
    if size > ALB_BODY_LIMIT:
        run.problems.append(f"{kind} {info} answered {size} bytes, over the ALB's limit")
    if status >= 400 and response.headers.get("content-type") != "application/problem+json":
        run.problems.append(f"{kind} {info} -> {status} not problem+json")
    path, other = info["path"], info["other"]

    def written(sha: str | None) -> None:
        if sha is None:
            run.problems.append(f"{kind} {info}: ETag {response.json()['etag']} of unknown bytes")
        run.changes.append(Change(path, "write", sent, answered, sha))

    if kind == "upload" and status == 201:
        reported = run.sha_of_etag(response.json()["etag"])
        if reported != info["sha"]:
            run.problems.append(f"upload {info}: the ETag names other bytes")
        written(info["sha"])
    elif kind == "copy" and status == 201:
        written(run.sha_of_etag(response.json()["etag"]))
    elif kind == "move" and status == 200:
        written(run.sha_of_etag(response.json()["etag"]))
        run.changes.append(Change(other, "remove", sent, answered))
    elif kind == "delete" and status == 204:
        run.changes.append(Change(path, "remove", sent, answered))
    elif kind == "delete-multiple" and status == 200:
        for removed in response.json()["deleted"]:
            run.changes.append(Change(removed, "remove", sent, answered))
        if response.json()["errors"]:
            run.problems.append(f"delete-multiple {info}: {response.json()['errors']}")
    elif kind == "download" and status == 200:
        run.downloads.append((path, hashlib.sha256(response.content).hexdigest()))
    elif kind == "download-large" and status != 307:
        run.problems.append(f"download of {LARGE} -> {status}, not a redirect")
    elif status not in {200, 201, 204, 307, 404, 409}:
        run.problems.append(f"{kind} {info} -> unexpected {status} {response.text[:300]}")


async def load(domain: Domain, token: str, tenant: str) -> tuple[Run, float]:
    run = Run()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant}
    async with httpx.AsyncClient(
        base_url=domain.api, headers=headers, limits=limits, timeout=120
    ) as api:
        deadline = time.monotonic() + DURATION_SECONDS

        async def client(number: int) -> None:
            rng = random.Random(number)
            while time.monotonic() < deadline and run.sent < MAX_REQUESTS:
                run.sent += 1
                try:
                    kind, response, sent, answered, info = await one(api, run, rng)
                except httpx.HTTPError as exc:
                    # A request without an answer may or may not have changed anything:
                    # the oracle cannot judge such a run, and loopback should never drop one.
                    run.problems.append(f"transport error: {type(exc).__name__}: {exc}")
                    continue
                record(run, kind, response, sent, answered, info)

        started = time.monotonic()
        await asyncio.gather(*(client(number) for number in range(CLIENTS)))
        return run, time.monotonic() - started


def final_state(domain: Domain, tenant: str) -> dict[str, str]:
    """Path -> SHA-256 of every current object under the tenant's `load/`, read from S3."""
    s3 = boto3.client(
        "s3",
        endpoint_url=domain.stack.urls["s3"],
        aws_access_key_id=seaweedfs.ACCESS_KEY,
        aws_secret_access_key=seaweedfs.SECRET_KEY,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    root = f"tenants/{tenant}/"
    state = {}
    prefix = root + "load/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=DEV_BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            data = s3.get_object(Bucket=DEV_BUCKET, Key=item["Key"])["Body"].read()
            state[item["Key"][len(root) :]] = hashlib.sha256(data).hexdigest()
    return state


def judge(run: Run, state: dict[str, str]) -> list[str]:
    """What the oracle (module docstring) finds wrong with the final state."""
    wrong = [f"{path} exists but was never a load path" for path in set(state) - set(PATHS)]
    for path in PATHS:
        changes = [change for change in run.changes if change.path == path]
        writes = [change for change in changes if change.kind == "write"]
        removes = [change for change in changes if change.kind == "remove"]
        final = state.get(path)
        if final is not None:
            candidates = [write for write in writes if write.sha == final]
            if not candidates:
                wrong.append(f"{path} holds bytes no acknowledged write put there")
            elif all(any(x.definitely_after(w) for x in changes) for w in candidates):
                wrong.append(f"{path} holds bytes that a later acknowledged change replaced")
        elif writes and not any(not any(w.definitely_after(r) for w in writes) for r in removes):
            wrong.append(f"{path} is gone, but an acknowledged write to it was never removed")
    for path, sha in run.downloads:
        if not any(c.sha == sha for c in run.changes if c.path == path and c.kind == "write"):
            wrong.append(f"a download of {path} returned bytes nobody wrote there")
    return wrong


def test_200_clients_on_overlapping_paths_lose_nothing_and_leak_nothing(
    domain: Domain, capsys: pytest.CaptureFixture[str]
) -> None:
    owner, tenant = domain.owner_of_new_tenant("Load")
    with domain.client(owner.token, tenant) as api:
        folder, name = LARGE.rsplit("/", 1)
        seeded = api.post(
            "/files/upload", params={"folder": folder}, files={"file": (name, os.urandom(850_000))}
        )
        assert seeded.status_code == 201, seeded.text
    run, elapsed = asyncio.run(load(domain, owner.token, tenant))
    state = final_state(domain, tenant)

    answered = len(run.latencies)
    latencies = sorted(run.latencies)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    by_kind: Counter[str] = Counter()
    for (kind, _), count in run.statuses.items():
        by_kind[kind] += count
    with capsys.disabled():
        print(
            f"\nload: {CLIENTS} clients, {answered} requests in {elapsed:.1f} s: "
            f"{answered / elapsed:.1f} req/s, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {latencies[-1] * 1000:.0f} ms\n"
            f"      {dict(sorted(by_kind.items()))}\n"
            f"      acknowledged: {sum(c.kind == 'write' for c in run.changes)} writes, "
            f"{sum(c.kind == 'remove' for c in run.changes)} removals; "
            f"{len(state)} files at the end"
        )

    assert not run.problems, "\n".join(run.problems[:50])
    assert answered == run.sent
    assert not (wrong := judge(run, state)), "\n".join(wrong)
    # The run did what it claims: every kind of operation, and enough of them to race.
    assert answered >= 400, answered
    assert {kind for kind, status in run.statuses if status < 300} >= {
        "upload", "copy", "move", "delete", "delete-multiple", "download", "list",
    }  # fmt: skip
    assert run.statuses[("download-large", 307)] == by_kind["download-large"] > 0
    assert any(kind == "upload" and status == 409 for kind, status in run.statuses)


def test_the_oracle_tells_lost_stale_and_foreign_bytes_from_races() -> None:
    path = PATHS[0]

    def judged(changes: list[tuple[str, float, float, str | None]], final: str | None) -> list[str]:
        run = Run(changes=[Change(path, kind, sent, got, sha) for kind, sent, got, sha in changes])
        return judge(run, {path: final} if final else {})

    assert judged([("write", 0, 1, "A")], "A") == []
    assert judged([("write", 0, 1, "A"), ("write", 2, 3, "B")], "B") == []
    assert judged([("write", 0, 1, "A"), ("remove", 2, 3, None)], None) == []
    # Overlapping in time: either order may have happened.
    assert judged([("write", 0, 2, "A"), ("remove", 1, 3, None)], "A") == []
    assert judged([("write", 0, 2, "A"), ("remove", 1, 3, None)], None) == []
    assert judged([("write", 0, 2, "A"), ("write", 1, 3, "B")], "A") == []
    # Wrong outcomes.
    assert judged([("write", 0, 1, "A"), ("write", 2, 3, "B")], "A")  # a stale version
    assert judged([("write", 0, 1, "A"), ("remove", 2, 3, None)], "A")  # a removal undone
    assert judged([("write", 0, 1, "A")], None)  # a write lost
    assert judged([("remove", 0, 1, None), ("write", 2, 3, "A")], None)  # a write lost
    assert judged([("write", 0, 1, "A")], "C")  # bytes nobody wrote
