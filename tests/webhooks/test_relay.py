"""The relay (webhooks/relay.py): pending deliveries to the delivery queue, against real
Postgres with every migration and moto's SQS server."""

from __future__ import annotations

import uuid

from file_lambda.database import Database
from file_lambda.events.consumer import Consumer
from tests.support.bucket_events import record, sqs_batch
from tests.webhooks.conftest import Queue
from tests.webhooks.pipeline import deliveries, emit, new_endpoint
from webhooks.relay import BATCH, LOST_AFTER, relay


def _messages(queue: Queue) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    while answer := queue.sqs.receive_message(
        QueueUrl=queue.url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages"):
        found += answer
    return found


def test_each_delivery_is_sent_once_in_bounded_batches(
    wdb: Database, queue: Queue, wtenant: uuid.UUID
) -> None:
    new_endpoint(wdb, wtenant, "https://a.example/hooks")
    new_endpoint(wdb, wtenant, "https://b.example/hooks")
    for n in range(125):
        emit(wdb, wtenant, f"{n}.pdf")  # 250 deliveries: two endpoints each

    first = relay(wdb, queue.sqs, queue.url, batches=1)
    assert (first.sent, first.refused) == (BATCH, 0)
    rest = relay(wdb, queue.sqs, queue.url)
    again = relay(wdb, queue.sqs, queue.url)

    assert rest.sent == 250 - BATCH
    assert again.sent == 0  # idempotent: nothing is sent twice
    rows = deliveries(wdb, wtenant)
    assert all(row["queued_at"] is not None for row in rows)
    messages = _messages(queue)
    assert sorted(str(m["Body"]) for m in messages) == sorted(str(row["id"]) for row in rows)
    # moto's server takes the fair queues' MessageGroupId on a standard queue and keeps it.
    assert {m["Attributes"].get("MessageGroupId") for m in messages} == {str(wtenant)}  # type: ignore[attr-defined]


def test_a_queue_that_refuses_leaves_the_deliveries_for_the_next_relay(
    wdb: Database, queue: Queue, wtenant: uuid.UUID
) -> None:
    new_endpoint(wdb, wtenant, "https://a.example/hooks")
    emit(wdb, wtenant)

    refused = relay(wdb, queue.sqs, queue.url + "-gone")

    assert (refused.sent, refused.refused) == (0, 1)
    assert deliveries(wdb, wtenant)[0]["queued_at"] is None
    assert relay(wdb, queue.sqs, queue.url).sent == 1


def test_a_lost_message_is_sent_again_and_only_once(
    wdb: Database, queue: Queue, wtenant: uuid.UUID
) -> None:
    new_endpoint(wdb, wtenant, "https://a.example/hooks")
    emit(wdb, wtenant)
    emit(wdb, wtenant)
    relay(wdb, queue.sqs, queue.url)
    _messages(queue)  # both in flight now; one of them will never come back
    [lost, waiting] = deliveries(wdb, wtenant)
    long_ago = LOST_AFTER * 2
    wdb.execute(
        "update public.webhook_deliveries set queued_at = now() - %s, next_attempt_at = now() - %s"
        " where id = %s",
        (long_ago * 30, long_ago, lost["id"]),
    )
    # Queued as long ago, but its next attempt is hours away: its message waits in SQS.
    wdb.execute(
        "update public.webhook_deliveries set queued_at = now() - %s,"
        " next_attempt_at = now() + interval '5 hours' where id = %s",
        (long_ago * 30, waiting["id"]),
    )

    assert relay(wdb, queue.sqs, queue.url).sent == 1
    assert relay(wdb, queue.sqs, queue.url).sent == 0
    [message] = _messages(queue)
    assert message["Body"] == str(lost["id"])


def test_the_bucket_changes_consumer_relays_after_a_batch_that_recorded_changes(
    wdb: Database, queue: Queue, wtenant: uuid.UUID
) -> None:
    new_endpoint(wdb, wtenant, "https://a.example/hooks")
    emit(wdb, wtenant)  # as the events' triggers would, in the batch's transactions
    relays: list[int] = []

    def relay_now() -> None:
        relays.append(relay(wdb, queue.sqs, queue.url).sent)

    consumer = Consumer(wdb, after_changes=relay_now)
    change = record("ObjectCreated:Put", f"tenants/{wtenant}/a.pdf", "v1", size=3, sequencer="0A")

    consumer.consume(sqs_batch([change]))
    consumer.consume(sqs_batch([change]))  # a duplicate records nothing: no relay

    # One relay, for the batch that recorded a change; it sent what was pending: the event
    # emitted above and, with the audit trail's triggers, the change's own `file.created`.
    assert len(relays) == 1
    queued = deliveries(wdb, wtenant)
    assert relays == [len(queued)]
    assert len(queued) >= 1
    assert all(delivery["queued_at"] is not None for delivery in queued)


def test_a_relay_that_fails_never_fails_the_batch(wdb: Database, wtenant: uuid.UUID) -> None:
    def broken() -> None:
        raise ConnectionError("the queue is away")

    consumer = Consumer(wdb, after_changes=broken)
    change = record("ObjectCreated:Put", f"tenants/{wtenant}/b.pdf", "v1", size=3, sequencer="0A")

    result = consumer.consume(sqs_batch([change]))

    assert (result.recorded, result.failed) == (1, [])
