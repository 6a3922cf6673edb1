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
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from file_lambda.events import ledger
from file_lambda.events.notifications import MalformedRecord, parse_notification

log = logging.getLogger(__name__)


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
    def __init__(self, db: ledger.Database) -> None:
        self.db = db

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
                changes = list(parse_notification(json.loads(message["body"])))
            except (KeyError, TypeError, ValueError, MalformedRecord) as exc:
                # Not something S3 sends: after maxReceiveCount it rests in the
                # dead-letter queue, where it can be read.
                log.error("unreadable message", extra={"message_id": message_id, "error": str(exc)})
                failed.append(message_id)
                continue
            try:
                for change in changes:
                    if ledger.record(self.db, change):
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
        return BatchResult(recorded, duplicates, failed)
