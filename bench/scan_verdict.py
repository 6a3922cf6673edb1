"""`scan_verdict`: the time from an upload's answer to its malware verdict in the ledger.

`make dev`'s arrangement, its own classes over the bench's SeaweedFS and Postgres:
the bucket watcher (a listing every `interval`), the scanner (dev/scanner.py), the
local SQS queue and the event source mapping (a batch closes `window` after its
first message) handing batches to the file API's consumer, which records the
verdict. One small file at a time, each written with `put_object` (where every
door of the API ends) and waited for before the next, so each is a lone upload
as a user makes it; each is timed in its phases:

- listing: from the answer until the watcher reports the new version;
- scan: from there until the scanner has put the verdict on the queue (its
  read, its tag, its message);
- queue: from there until the consumer has recorded it (the batching window,
  which opened with the version's own change, sent a moment before).

No floor: there is nothing to compare with (GuardDuty's own time in AWS is not
measured here). The same files through a 0.2 s listing and a 0.5 s window show
what shorter intervals would buy.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bench.stats import Row, Spread
from dev.bucket_notifications import (
    BATCHING_WINDOW,
    BucketChanges,
    BucketSource,
    EventSourceMapping,
    LocalQueue,
)
from dev.ports import free_port
from dev.scanner import Scanner
from file_lambda.database import Database
from file_lambda.events.consumer import Consumer
from file_lambda.events.scan_results import is_scan_result, parse_scan_result
from file_lambda.storage.port import VersionEntry
from file_lambda.storage.s3 import S3Storage

# make dev's listing interval (BucketChanges.interval) and batching window.
MAKE_DEV = (1.0, BATCHING_WINDOW)
SHORTER = (0.2, 0.5)
TIMEOUT = 60.0


@dataclass
class Timeline:
    """When each version passed each phase (time.monotonic), by version id."""

    reported: dict[str, float] = field(default_factory=dict)
    published: dict[str, float] = field(default_factory=dict)
    recorded: dict[str, float] = field(default_factory=dict)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def mark(self, phase: dict[str, float], version_ids: list[str]) -> None:
        now = time.monotonic()
        with self.arrived:
            for version_id in version_ids:
                phase.setdefault(version_id, now)
            self.arrived.notify_all()

    def wait_recorded(self, version_id: str) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: version_id in self.recorded, TIMEOUT):
                raise RuntimeError(f"no verdict for version {version_id} in {TIMEOUT:g} s")
            return self.recorded[version_id]


def run(
    s3: Any, bucket: str, database_url: str, files: int, interval: float, window: float
) -> dict[str, list[float]]:
    """Seconds of each phase for `files` lone uploads through one arrangement."""
    root = f"tenants/{uuid.uuid4()}/"
    timeline = Timeline()
    db = Database(lambda: database_url)
    consumer = Consumer(db)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        answer = consumer.consume(event).response()
        verdicts = [parse_scan_result(m) for m in _bodies(event) if is_scan_result(m)]
        timeline.mark(timeline.recorded, [v.version_id for v in verdicts if v is not None])
        return answer

    queue = LocalQueue(free_port())

    def publish(events: list[dict[str, Any]]) -> None:
        queue.send_events(events)
        ids = [str(event["detail"]["s3ObjectDetails"]["versionId"]) for event in events]
        timeline.mark(timeline.published, ids)

    scanner = Scanner(s3, bucket, publish)
    changes = BucketChanges(
        BucketSource(S3Storage(s3, bucket), bucket, prefix=root),
        queue,
        EventSourceMapping(queue, handler, window=window),
        interval=interval,
        scanner=scanner,
    )
    phases: dict[str, list[float]] = {"listing": [], "scan": [], "queue": [], "total": []}
    try:
        changes.start(db)
        submit = scanner.submit

        def reported(entries: list[VersionEntry]) -> None:
            timeline.mark(timeline.reported, [entry.version_id for entry in entries])
            submit(entries)

        changes.source.on_created = reported
        pace = random.Random(28)  # noqa: S311 (a reproducible pace, no secret)
        for index in range(files):
            # A user's upload falls anywhere in the watcher's cycle, not just after a verdict.
            time.sleep(pace.uniform(0, interval))
            key = f"{root}upload-{index}.txt"
            version_id = s3.put_object(Bucket=bucket, Key=key, Body=b"s" * 1024)["VersionId"]
            answered = time.monotonic()
            recorded = timeline.wait_recorded(version_id)
            phases["listing"].append(timeline.reported[version_id] - answered)
            phases["scan"].append(timeline.published[version_id] - timeline.reported[version_id])
            phases["queue"].append(recorded - timeline.published[version_id])
            phases["total"].append(recorded - answered)
    finally:
        changes.stop()
        db.close()
    return phases


def _bodies(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(record["body"]) for record in event.get("Records") or ()]


def measure(s3: Any, bucket: str, database_url: str, files: int) -> list[Row]:
    made = run(s3, bucket, database_url, files, *MAKE_DEV)
    short = run(s3, bucket, database_url, files, *SHORTER)

    def median(phase: str, of: dict[str, list[float]] = made) -> float:
        return statistics.median(of[phase])

    return [
        Row(
            "scan_verdict",
            "Malware scan: upload's answer to its verdict recorded (make dev: watcher,"
            " scanner, queue, consumer)",
            Spread.of(made["total"]),
            None,
            f"{len(made['total'])} lone 1 KiB uploads; median phases: listing"
            f" {median('listing'):.2f} s (a listing each {MAKE_DEV[0]:g} s), scan"
            f" {median('scan') * 1000:.0f} ms, queue {median('queue'):.2f} s (the"
            f" {MAKE_DEV[1]:g} s batching window); with a {SHORTER[0]:g} s listing and a"
            f" {SHORTER[1]:g} s window: {median('total', short):.2f} s"
            f" (max {max(short['total']):.2f} s)",
            {"make_dev": made, "shorter": short},
            "s",
        )
    ]
