"""The relay: pending deliveries from Postgres to the SQS delivery queue, one message each.

`private.emit_webhook_event` writes an event and its deliveries in the
transaction of the change; the relay hands each delivery to the queue, where
the delivery function (`webhooks/function.py`) picks it up. Three callers run
the same `relay`: the file API's consumer after a batch that wrote events, the
core after a request that did, and a sweep every minute (AWS) or second
(`make dev`) for whatever they left.

A delivery is claimed and marked queued in one statement (`for update skip
locked`, so two relays never claim the same row), then sent; what the queue
refused is unmarked for the next relay. A relay that dies between the two
leaves rows marked queued and never sent: those are found again as lost
(`LOST_AFTER`), as are messages that rested in the dead-letter queue. Sending
twice is harmless: the delivery row, not the message, says whether an attempt
is due (the function skips a delivery that is done or not due yet).

Statements are autocommitted (the file API's connection goes through
Supabase's transaction pooler), so the claim is one statement.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: Deliveries claimed per statement; SQS takes 10 a call, so 10 calls per batch.
BATCH = 100
#: SendMessageBatch's limit.
SQS_BATCH = 10
#: A queued delivery whose attempt is this far overdue has lost its message:
#: far beyond the queue's visibility timeout (6 min, terraform/modules/webhooks)
#: after which a message the function failed to finish comes back, and beyond
#: the short waits of a tenant over its rate limit (which move `next_attempt_at`).
LOST_AFTER = timedelta(minutes=30)


class Database(Protocol):
    """One autocommitted statement a call (`file_lambda.database.Database`)."""

    def execute(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


# Unqueued pending deliveries (their partial index) and lost ones (the pending
# index on next_attempt_at). Marking one queued resets its `queued_at`, so a
# lost delivery is not found lost again before LOST_AFTER has passed anew.
_CLAIM = """
with fresh as (
  select id from public.webhook_deliveries
  where status = 'pending' and queued_at is null
  order by created_at
  limit %s
  for update skip locked
), lost as (
  select id from public.webhook_deliveries
  where status = 'pending'
    and queued_at < now() - %s
    and coalesce(next_attempt_at, queued_at) < now() - %s
  order by next_attempt_at
  limit %s
  for update skip locked
), picked as (
  select id from fresh union select id from lost limit %s
)
update public.webhook_deliveries d
set queued_at = now(), next_attempt_at = coalesce(d.next_attempt_at, now())
from picked where d.id = picked.id
returning d.id::text, d.tenant_id::text
"""
_UNCLAIM = """
update public.webhook_deliveries set queued_at = null
where id = any(%s::uuid[]) and status = 'pending'
"""


@dataclass(frozen=True)
class Relayed:
    sent: int
    refused: int


def relay(db: Database, sqs: Any, queue_url: str, *, batches: int = 10) -> Relayed:
    """Send up to `batches` times `BATCH` pending deliveries to the queue; what was sent.

    Raises when Postgres does; a queue that refuses leaves its deliveries
    unqueued, for the next relay.
    """
    sent = refused = 0
    for _ in range(batches):
        claimed = db.execute(_CLAIM, (BATCH, LOST_AFTER, LOST_AFTER, BATCH, BATCH))
        if not claimed:
            break
        failed = _send(sqs, queue_url, [(str(d), str(t)) for d, t in claimed])
        if failed:
            db.execute(_UNCLAIM, (failed,))
        sent += len(claimed) - len(failed)
        refused += len(failed)
        if failed or len(claimed) < BATCH:
            break
    if sent or refused:
        log.info("webhooks relayed", extra={"sent": sent, "refused": refused})
    return Relayed(sent, refused)


def _send(sqs: Any, queue_url: str, deliveries: list[tuple[str, str]]) -> list[str]:
    """Send one message per delivery; the ids the queue did not take."""
    failed: list[str] = []
    for start in range(0, len(deliveries), SQS_BATCH):
        chunk = deliveries[start : start + SQS_BATCH]
        # The tenant as the message group: an SQS fair queue serves the quiet
        # tenants' messages first when one tenant floods the queue.
        entries = [
            {"Id": str(i), "MessageBody": delivery, "MessageGroupId": tenant}
            for i, (delivery, tenant) in enumerate(chunk)
        ]
        try:
            answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except Exception as error:
            log.warning("delivery queue unavailable", extra={"error": type(error).__name__})
            failed += [delivery for delivery, _ in chunk]
            continue
        failed += [chunk[int(entry["Id"])][0] for entry in answer.get("Failed", [])]
    return failed
