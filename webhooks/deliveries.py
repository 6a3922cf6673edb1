"""The delivery function's work: a batch of the delivery queue's messages, one attempt each.

Each message's body is a delivery's id (`webhooks/relay.py`). The delivery
row, not the message, is the truth: a message for a delivery that is done, or
whose endpoint is disabled or deleted, is dropped; one that arrives before its
delivery is due (a duplicate) goes back until then. For each due delivery:

1. a token from its tenant's bucket (`private.take_webhook_token`,
   `TENANT_RATE` a second, `TENANT_BURST` at once); without one the message
   goes back for a few seconds and no attempt is counted;
2. the delivery is leased (`next_attempt_at` moved `LEASE` ahead, on the
   condition that nobody moved it meanwhile), so that a duplicate message
   received at the same time does not attempt it too;
3. the event's body is signed with the endpoint's secrets of this moment (two
   during a rotation's overlap) and sent once (`webhooks.delivery.Sender`);
4. the attempt is written to the delivery log with the delivery's new state
   and the endpoint's, in one statement: a 2xx ends the delivery and clears
   the endpoint's `failing_since`; a failure schedules the next attempt
   (`SCHEDULE`, Svix's; longer when a `429` or `503` asks it with
   `Retry-After`), whose wait becomes the message's visibility
   timeout (`ChangeMessageVisibility`) and the message is reported failed,
   so SQS brings it back then; the 8th failure ends it as failed. A `410`
   disables the endpoint at once, five days without a 2xx too.

The batch's attempts run in threads: a batch takes as long as its slowest
receiver (at most `webhooks.delivery.TIMEOUT_SECONDS`), not their sum. When
Postgres fails, a message is reported failed without a new visibility: it
comes back after the queue's visibility timeout, and nothing is lost. A
receiver may then get an attempt twice, with the same `webhook-id`.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from webhooks.delivery import Outcome, Sender
from webhooks.relay import SQS_BATCH, Database
from webhooks.signing import EndpointSecrets, Message, sign, webhook_id
from webhooks.vault import Vault

log = logging.getLogger(__name__)

#: Svix's retry schedule (docs.svix.com/retries): the wait before each attempt after the
#: first, counted from the previous failure. Eight attempts, the last 27 h 35 min 5 s
#: after the first.
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
ATTEMPTS = len(SCHEDULE)
#: ± this share of each wait from 5 minutes on (the specification recommends jitter), so
#: that the deliveries an outage failed together do not all come back in the same second.
JITTER = 0.10
JITTER_FROM = timedelta(minutes=5)
#: SQS's longest visibility timeout; the longest wait (10 h + 10 %) stays below it.
MAX_VISIBILITY = 12 * 3600
#: An endpoint without a 2xx for this long is disabled (Svix's rule).
DISABLE_AFTER = timedelta(days=5)
#: Attempts a tenant may start a second, and at once. 10 a second is 36,000 an hour per
#: tenant; a burst of 50 covers a folder's worth of changes without a wait.
TENANT_RATE = 10.0
TENANT_BURST = 50.0
#: How long a message over its tenant's budget waits before it comes back (uniform, in
#: seconds): spread, so that a burst's messages do not all come back together.
THROTTLED_WAIT = (1, 10)
#: How long an attempt holds its delivery: the send's 10 s and the record, with margin.
LEASE = timedelta(seconds=60)
#: A message this early for its delivery is a duplicate and goes back until due.
EARLY = timedelta(seconds=1)

Clock = Callable[[], datetime]


def next_wait(failed_attempts: int, rng: random.Random) -> timedelta | None:
    """The wait after the `failed_attempts`-th failure, jittered; None after the last."""
    if failed_attempts >= ATTEMPTS:
        return None
    wait = SCHEDULE[failed_attempts]
    if wait >= JITTER_FROM:
        wait *= 1 + rng.uniform(-JITTER, JITTER)
    return wait


def asked_wait(outcome: Outcome) -> timedelta | None:
    """What a `429` or `503` asks with `Retry-After` in seconds (the specification suggests
    honouring it), at most the schedule's longest wait; None otherwise. An HTTP date is
    not read: the schedule's wait stands."""
    if outcome.status not in (429, 503) or outcome.retry_after is None:
        return None
    value = outcome.retry_after.strip()
    if not value.isdigit():
        return None
    return min(timedelta(seconds=int(value)), max(SCHEDULE))


@dataclass(frozen=True)
class _Later:
    """Put the message back for this many seconds (a failure in `batchItemFailures`)."""

    seconds: int


_DONE = None  # the message is deleted
_AGAIN = _Later(-1)  # back after the queue's visibility timeout: nothing changed here

_LOAD = """
select d.status, d.attempts, d.next_attempt_at, d.tenant_id, d.endpoint_id,
       e.url, e.enabled, ev.id, ev.payload,
       s.current_secret, s.previous_secret, s.previous_expires_at
from public.webhook_deliveries d
join public.webhook_endpoints e on e.id = d.endpoint_id
join private.webhook_events ev on ev.id = d.event_id
left join private.webhook_endpoint_secrets s on s.endpoint_id = d.endpoint_id
where d.id = %s
"""
_STOP = """
update public.webhook_deliveries set status = 'failed', next_attempt_at = null
where id = %s and status = 'pending'
"""
_POSTPONE = """
update public.webhook_deliveries set next_attempt_at = %s
where id = %s and status = 'pending'
"""
_TAKE_TOKEN = "select coalesce(private.take_webhook_token(%s, %s, %s, %s), false)"  # noqa: S105
_LEASE = """
update public.webhook_deliveries set next_attempt_at = %s
where id = %s and status = 'pending' and attempts = %s
  and next_attempt_at is not distinct from %s
returning id
"""
# Whether this attempt disables the endpoint: a 410, or a failure 5 days after the first
# failure since the last success.
_DISABLES = "(%(gone)s or (not %(ok)s and coalesce(e.failing_since <= %(disable_before)s, false)))"
# The attempt, the delivery and the endpoint in one statement: all or nothing.
_RECORD = f"""
with attempt as (
  insert into public.webhook_attempts
    (tenant_id, delivery_id, endpoint_id, attempted_at, status_code, duration_ms, failure, error)
  values (%(tenant)s, %(delivery)s, %(endpoint)s, %(now)s, %(status)s, %(duration)s,
          %(failure)s, %(error)s)
), delivery as (
  update public.webhook_deliveries
  set status = %(delivery_status)s, attempts = attempts + 1, last_attempt_at = %(now)s,
      next_attempt_at = %(next)s
  where id = %(delivery)s
)
update public.webhook_endpoints e
set failing_since = case when %(ok)s then null else coalesce(e.failing_since, %(now)s) end,
    enabled = e.enabled and not {_DISABLES},
    disabled_at = case when e.enabled and {_DISABLES} then %(now)s else e.disabled_at end,
    disabled_reason = case when e.enabled and {_DISABLES} then %(reason)s
                           else e.disabled_reason end
where e.id = %(endpoint)s
"""  # noqa: S608 (built from this module's constants only)


@dataclass
class Deliverer:
    """Handles the delivery queue's batches (`consume`) for the delivery function."""

    db: Database
    vault: Vault
    sender: Sender
    sqs: Any
    queue_url: str
    clock: Clock = field(default=lambda: datetime.now(UTC))
    rng: random.Random = field(default_factory=random.Random)
    tenant_rate: float = TENANT_RATE
    tenant_burst: float = TENANT_BURST
    lease: timedelta = LEASE

    def consume(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """A batch of SQS records in; the partial batch response out."""
        records: Sequence[Mapping[str, Any]] = event.get("Records") or ()
        if not records:
            return {"batchItemFailures": []}
        with ThreadPoolExecutor(max_workers=len(records)) as pool:
            later = list(pool.map(self._one, records))
        back = [(r, b) for r, b in zip(records, later, strict=True) if b is not None]
        self._set_visibility([(r, b.seconds) for r, b in back if b.seconds >= 0])
        return {"batchItemFailures": [{"itemIdentifier": str(r["messageId"])} for r, _ in back]}

    def _one(self, record: Mapping[str, Any]) -> _Later | None:
        try:
            return self.attempt(str(record.get("body", "")).strip())
        except Exception as error:
            # Postgres, most likely: the message comes back after the queue's visibility
            # timeout, and the delivery row is as it was before.
            log.warning("delivery not attempted", extra={"error": type(error).__name__})
            return _AGAIN

    def _set_visibility(self, waits: Sequence[tuple[Mapping[str, Any], int]]) -> None:
        """Each message back when its delivery is due: one call for the batch's 10 at most."""
        for start in range(0, len(waits), SQS_BATCH):
            entries = [
                {"Id": str(i), "ReceiptHandle": record["receiptHandle"], "VisibilityTimeout": wait}
                for i, (record, wait) in enumerate(waits[start : start + SQS_BATCH])
            ]
            try:
                answer = self.sqs.change_message_visibility_batch(
                    QueueUrl=self.queue_url, Entries=entries
                )
                failed = len(answer.get("Failed", []))
            except Exception as error:
                log.warning("visibility not changed", extra={"error": type(error).__name__})
                failed = len(entries)
            if failed:
                # Back after the queue's visibility timeout instead: early for a long wait,
                # and put back until due then; late for a short one.
                log.warning("visibility not changed", extra={"messages": failed})

    def attempt(self, delivery_id: str) -> _Later | None:
        """One delivery's turn; None when its message is done with."""
        try:
            delivery = UUID(delivery_id)
        except ValueError:
            log.error("a message that is not a delivery's id", extra={"body": delivery_id[:100]})
            return _DONE
        rows = self.db.execute(_LOAD, (delivery,))
        if not rows:
            return _DONE  # its endpoint, event or tenant was deleted
        (status, attempts, due, tenant, endpoint, url, enabled, event, payload, *sealed) = rows[0]
        if status != "pending":
            return _DONE
        if not enabled:
            self.db.execute(_STOP, (delivery,))
            return _DONE
        now = self.clock()
        if due is not None and due - now > EARLY:
            return _Later(_seconds(due - now))
        if not self._token(tenant, now):
            wait = self.rng.randint(*THROTTLED_WAIT)
            # Moved ahead too, so the relay does not take its message for lost.
            self.db.execute(_POSTPONE, (now + timedelta(seconds=wait), delivery))
            return _Later(wait)
        if not self.db.execute(_LEASE, (now + self.lease, delivery, attempts, due)):
            return _DONE  # a duplicate message's attempt holds it
        message = Message(webhook_id=webhook_id(event), body=bytes(payload))
        signed = sign(message, self._secrets(endpoint, *sealed).signing_at(now), attempted_at=now)
        outcome = self.sender.send(url, signed.headers, signed.body)
        return self._record(delivery, tenant, endpoint, attempts + 1, outcome, now)

    def _token(self, tenant: UUID, now: datetime) -> bool:
        [(taken,)] = self.db.execute(
            _TAKE_TOKEN, (tenant, self.tenant_rate, self.tenant_burst, now)
        )
        return bool(taken)

    def _secrets(
        self, endpoint: UUID, current: str | None, previous: str | None, until: datetime | None
    ) -> EndpointSecrets:
        if current is None:
            raise LookupError("the endpoint has no signing secret")
        return EndpointSecrets(
            self.vault.open(endpoint, current),
            None if previous is None else self.vault.open(endpoint, previous),
            until if previous is not None else None,
        )

    def _record(
        self,
        delivery: UUID,
        tenant: UUID,
        endpoint: UUID,
        attempt: int,
        outcome: Outcome,
        now: datetime,
    ) -> _Later | None:
        wait = None if outcome.ok else next_wait(attempt, self.rng)
        # A receiver that asks for longer gets it; never shorter than the schedule.
        asked = asked_wait(outcome)
        if wait is not None and asked is not None:
            wait = max(wait, asked)
        status = "succeeded" if outcome.ok else ("pending" if wait is not None else "failed")
        params = {
            "tenant": tenant,
            "delivery": delivery,
            "endpoint": endpoint,
            "now": now,
            "status": outcome.status,
            "duration": outcome.duration_ms,
            "failure": None if outcome.failure is None else outcome.failure.value,
            "error": outcome.error[:500] or None,
            "delivery_status": status,
            "next": None if wait is None else now + wait,
            "ok": outcome.ok,
            "gone": outcome.status == 410,
            "disable_before": now - DISABLE_AFTER,
            "reason": _reason(outcome),
        }
        self.db.execute(_RECORD, cast(Any, params))
        return _DONE if wait is None else _Later(_seconds(wait))


def _reason(outcome: Outcome) -> str:
    """Why the endpoint is disabled, should this attempt disable it (shown to its admins)."""
    if outcome.status == 410:
        return "the endpoint answered 410 Gone"
    last = outcome.error or (outcome.failure.value if outcome.failure else "")
    return f"no successful delivery for 5 days; the last attempt: {last}"[:500]


def _seconds(wait: timedelta) -> int:
    return min(max(math.ceil(wait.total_seconds()), 0), MAX_VISIBILITY)
