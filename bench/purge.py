"""`purge_per_10k`: a tenant's purge (jobs/purges.py) against the raw loop any client needs.

Each round puts the same number of objects under two prefixes of the bench's
SeaweedFS bucket (versioned): one a deleted tenant's, purged by `PurgeKind`
through the job runner on the bench's Postgres (its checkpoints, the verify
pass, the rows and the signed record included, the replica skipped), the
other emptied by a bare `ListObjectVersions` + `DeleteObjects` loop. Rounds
are paired (same moment, same noise). The title's unit is 10,000 objects:
the times are scaled from the round's own count.
"""

from __future__ import annotations

import base64
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.stats import Bar, Row, Spread, ms, ratios
from file_lambda.database import Database
from jobs.purges import PurgeKind
from jobs.runner import Runner

SEED = base64.b64encode(bytes(32)).decode()
PER = 10_000


def _fill(client: Any, bucket: str, prefix: str, objects: int) -> None:
    def put(i: int) -> None:
        client.put_object(Bucket=bucket, Key=f"{prefix}{i:06}", Body=b"x")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(objects)))


def _raw(client: Any, bucket: str, prefix: str) -> None:
    while True:
        page = client.list_object_versions(Bucket=bucket, Prefix=prefix, MaxKeys=1000)
        entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
        if not entries:
            return
        client.delete_objects(
            Bucket=bucket,
            Delete={
                "Objects": [{"Key": e["Key"], "VersionId": e["VersionId"]} for e in entries],
                "Quiet": True,
            },
        )


def _purge(client: Any, bucket: str, db: Database, tenant: str) -> int:
    """The purge, from the sweep to the job's end; its steps."""
    sent: list[str] = []
    runner = Runner(db, {"purge": PurgeKind(client, bucket, None, None, lambda: SEED)}, sent.append)
    runner.sweep()
    (job,) = sent
    steps = 0
    while runner.advance(job, 600.0) == "continued":
        steps += 1
    return steps + 1


def _deleted_tenant(db: Database) -> str:
    owner, tenant = str(uuid.uuid4()), str(uuid.uuid4())
    db.execute(
        "insert into auth.users (id, aud, role, email, created_at, updated_at)"
        " values (%s, 'authenticated', 'authenticated', %s, now(), now())",
        (owner, f"bench-{owner[:8]}@example.com"),
    )
    db.execute(
        "insert into public.tenants (id, name, created_by) values (%s, 'Bench', %s)",
        (tenant, owner),
    )
    db.execute(
        "update public.tenants set deleted_at = now(), deleted_by = %s,"
        " purge_after = now() - interval '1 second' where id = %s",
        (owner, tenant),
    )
    return tenant


def measure(client: Any, bucket: str, database_url: str, objects: int, rounds: int) -> list[Row]:
    db = Database(lambda: database_url)
    purged: list[float] = []
    raw: list[float] = []
    try:
        for _ in range(rounds):
            tenant = _deleted_tenant(db)
            other = f"raw/{uuid.uuid4()}/"
            _fill(client, bucket, f"tenants/{tenant}/", objects)
            _fill(client, bucket, other, objects)
            started = time.perf_counter()
            _purge(client, bucket, db, tenant)
            purged.append((time.perf_counter() - started) * PER / objects)
            started = time.perf_counter()
            _raw(client, bucket, other)
            raw.append((time.perf_counter() - started) * PER / objects)
    finally:
        db.close()
    return [
        Row(
            "purge_per_10k",
            f"Purge / raw list + DeleteObjects loop, per 10,000 objects ({objects} timed)",
            ratios(purged, raw),
            Bar("<=", 1.5),
            f"{ms(Spread.of(purged).median)} vs {ms(Spread.of(raw).median)} per 10,000",
        )
    ]
