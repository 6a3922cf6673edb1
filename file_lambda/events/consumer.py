"""The queue's consumer: S3's notifications, a batch of SQS messages at a time, into the ledger.

Delivery is at least once and unordered, and the ledger is idempotent and
order-free, so a message is simply recorded, and one that could not be is
left in the queue: it is named in `batchItemFailures` (the event source
mapping reports partial failures), comes back after the queue's visibility
timeout, and reaches the dead-letter queue only after the queue's
maxReceiveCount attempts, to be redriven from there.

When Postgres cannot be reached, the rest of the batch is not tried: every
remaining message goes back to the queue at once, so an outage costs one
failed connection a batch, and no message is lost.

A version that no reservation covered and that does not fit in its tenant's
quota (a presigned form posted again: migration 20260105000100) is noted by
the ledger as it is recorded; after each batch the consumer removes what is
noted from the bucket, at most `EXCESS_BATCH` versions a batch, and records
each removal (ledger and audit trail) at once. What it could not remove stays
noted and is tried again after the next batch.

The same queue carries malware scans' verdicts (EventBridge events from
GuardDuty, or from `make dev`'s scanner): each is recorded as the version's
verdict (`scan_results.py`), idempotent and order-free as the changes are.

After a batch that recorded changes, the consumer runs `after_changes` (the
webhooks' relay, `webhooks/relay.py`), so that the events those changes wrote
leave within the batch's time; a relay that fails is logged and left to the
minute's sweep, never failing the batch, whose changes are committed already.

The consumer also prunes the audit trail of rows past its retention
(`private.prune_audit_events`), at most once an hour per container: it runs
whenever the bucket changes, which is when the trail grows.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from file_lambda.events import ledger, scan_results
from file_lambda.events.notifications import (
    TENANTS_PREFIX,
    MalformedRecord,
    ObjectChange,
    parse_notification,
)
from file_lambda.events.scan_results import ScanResult, is_scan_result, parse_scan_result
from file_lambda.storage.port import DeleteFailure

log = logging.getLogger(__name__)

# Seconds between two prunings of the audit trail by one container.
PRUNE_INTERVAL_SECONDS = 3600.0
# Excess versions removed after one batch at most (one S3 DeleteObjects call).
EXCESS_BATCH = 100


class Bucket(Protocol):
    """The part of `file_lambda.storage.port.Storage` the consumer uses."""

    def delete_versions(self, versions: Sequence[tuple[str, str]]) -> list[DeleteFailure]: ...


def is_queue_batch(event: Mapping[str, Any]) -> bool:
    """An SQS event source mapping's batch (the ALB's events have no `Records`)."""
    records = event.get("Records")
    return (
        isinstance(records, list) and bool(records) and records[0].get("eventSource") == "aws:sqs"
    )


@dataclass(frozen=True, slots=True)
class BatchResult:
    recorded: int
    duplicates: int
    failed: list[str]

    def response(self) -> dict[str, Any]:
        """What the event source mapping reads (ReportBatchItemFailures)."""
        return {"batchItemFailures": [{"itemIdentifier": id_} for id_ in self.failed]}


class Consumer:
    def __init__(
        self,
        db: ledger.Database,
        *,
        bucket: Bucket | None = None,
        prune_interval: float = PRUNE_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        after_changes: Callable[[], object] | None = None,
    ) -> None:
        self.db = db
        self._after_changes = after_changes
        self._bucket = bucket
        self._prune_interval = prune_interval
        self._clock = clock
        self._pruned_at: float | None = None

    def consume(self, event: Mapping[str, Any]) -> BatchResult:
        recorded = duplicates = 0
        failed: list[str] = []
        database_down = False
        for message in event.get("Records") or ():
            message_id = str(message.get("messageId", ""))
            if database_down:
                failed.append(message_id)
                continue
            try:
                changes = _changes(json.loads(message["body"]))
            except (KeyError, TypeError, ValueError, AttributeError, MalformedRecord) as exc:
                # Not something S3 sends: after maxReceiveCount it rests in the
                # dead-letter queue, where it can be read.
                log.error("unreadable message", extra={"message_id": message_id, "error": str(exc)})
                failed.append(message_id)
                continue
            try:
                for change in changes:
                    if _record(self.db, change):
                        recorded += 1
                    else:
                        duplicates += 1
            except Exception as exc:
                # The database (a record that is not S3's was refused above).
                log.warning("database unavailable", extra={"error": type(exc).__name__})
                database_down = True
                failed.append(message_id)
        log.info(
            "batch", extra={"recorded": recorded, "duplicates": duplicates, "failed": len(failed)}
        )
        if recorded:
            self.relay_events()
        if not database_down:
            self.remove_excess_versions()
            self.prune_audit_trail()
        return BatchResult(recorded, duplicates, failed)

    def relay_events(self) -> None:
        """Hand the webhook events the batch wrote to the delivery queue, if any."""
        if self._after_changes is None:
            return
        try:
            self._after_changes()
        except Exception as exc:
            # Committed in the outbox: the sweep relays them within the minute.
            log.warning("webhook events not relayed", extra={"error": type(exc).__name__})

    def remove_excess_versions(self) -> int:
        """Remove the versions the ledger noted as over their tenant's quota; how many."""
        if self._bucket is None:
            return 0
        try:
            noted = ledger.excess_versions(self.db, EXCESS_BATCH)
            if not noted:
                return 0
            keyed = [(f"{TENANTS_PREFIX}{e.tenant_id}/{e.path}", e) for e in noted]
            failures = self._bucket.delete_versions([(key, e.version_id) for key, e in keyed])
            # S3 names a failure by its key only: every version of that key waits.
            kept = {failure.key for failure in failures}
            removed = [excess for key, excess in keyed if key not in kept]
            for excess in removed:
                ledger.excess_removed(self.db, excess)
        except Exception as exc:
            # Still noted: the next batch tries again.
            log.warning("excess versions not removed", extra={"error": type(exc).__name__})
            return 0
        log.info("excess versions removed", extra={"removed": len(removed), "kept": len(kept)})
        return len(removed)

    def prune_audit_trail(self) -> None:
        """Delete audit rows past their retention, if this container has not within the hour."""
        now = self._clock()
        if self._pruned_at is not None and now - self._pruned_at < self._prune_interval:
            return
        self._pruned_at = now
        try:
            [(pruned,)] = self.db.execute("select private.prune_audit_events()")
        except Exception as exc:
            # The next hour's batch tries again; the batch itself is recorded.
            log.warning("audit trail not pruned", extra={"error": type(exc).__name__})
            return
        if pruned:
            log.info("audit trail pruned", extra={"pruned": pruned})


def _changes(message: Mapping[str, Any]) -> list[ObjectChange | ScanResult]:
    """What one message reports: S3's changes to versions, or a malware scan's verdict."""
    if is_scan_result(message):
        scan = parse_scan_result(message)
        return [] if scan is None else [scan]
    return list(parse_notification(message))


def _record(db: ledger.Database, change: ObjectChange | ScanResult) -> bool:
    if isinstance(change, ScanResult):
        return scan_results.record(db, change)
    return ledger.record(db, change)
