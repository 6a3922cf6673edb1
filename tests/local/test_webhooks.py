"""Webhook deliveries through `make dev` (dev/webhook_deliveries.py): an endpoint and an
event written in SQL as the core and the audit trail write them, then the stack's own
sweep, delivery queue and delivery function bring it to a receiver on loopback, which
verifies it with the official `standardwebhooks` library."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from dev import webhook_deliveries
from dev.bucket_notifications import LocalQueue
from tests.support.stack import Stack
from tests.webhooks.pipeline import Receiver, receiving
from webhooks.signing import new_secret
from webhooks.vault import Vault


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    secret = new_secret()
    yield from receiving(lambda n: 200, [secret])


@pytest.mark.slow
def test_an_event_written_in_sql_reaches_a_loopback_receiver_verified(
    stack: Stack, receiver: Receiver
) -> None:
    [secret] = receiver.secrets
    key = (stack.state_dir / webhook_deliveries.KEY_FILE).read_text().strip()
    vault = Vault(base64.b64decode(key))
    _, tenant = stack.new_tenant("Webhooks")
    with psycopg.connect(stack.urls["database"], autocommit=True) as conn:
        [(endpoint,)] = conn.execute(
            "insert into public.webhook_endpoints (tenant_id, url, event_types)"
            " values (%s, %s, '{file.created}') returning id",
            (tenant, receiver.url),
        ).fetchall()
        conn.execute(
            "insert into private.webhook_endpoint_secrets (endpoint_id, current_secret)"
            " values (%s, %s)",
            (endpoint, vault.seal(endpoint, secret)),
        )
        started = time.monotonic()
        [(event,)] = conn.execute(
            "select private.emit_webhook_event(%s, 'file.created', %s)",
            (tenant, json.dumps({"path": "from-sql.pdf"})),
        ).fetchall()

    while not receiver.received and time.monotonic() - started < 30:
        time.sleep(0.05)
    took = time.monotonic() - started

    [received] = receiver.received
    assert received.verified_by == [secret]
    assert received.headers["webhook-id"] == f"msg_{uuid.UUID(str(event)).hex}"
    assert json.loads(received.body)["data"]["path"] == "from-sql.pdf"
    # The queue is the one Terraform makes: its dead-letter queue after 1,000 receives.
    server = LocalQueue(int(stack.urls["queue"].rsplit(":", 1)[1]))
    sqs = server.client()
    url = sqs.get_queue_url(QueueName=webhook_deliveries.QUEUE_NAME)["QueueUrl"]
    attributes = server.attributes(url, "VisibilityTimeout", "RedrivePolicy")
    assert attributes["VisibilityTimeout"] == str(webhook_deliveries.VISIBILITY_TIMEOUT)
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 1000
    print(f"\nwritten in SQL, verified at the receiver {took * 1000:.0f} ms later")
