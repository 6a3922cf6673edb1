"""Webhook deliveries in `make dev`: the delivery queue, its event source mapping, the sweep.

On AWS (terraform/modules/webhooks) the relay sends each delivery to an SQS
queue, an event source mapping hands its messages to the delivery function
(`file_lambda.webhook_function.handler`) in batches of 10, and an EventBridge
rule runs the same function's sweep each minute. Here all three run for real
beside the bucket's changes (`bucket_notifications.py`): the queue on the same
moto server, the mapping emulated by the same `EventSourceMapping`, and the
sweep every `SWEEP_SECONDS` (so that the core's events, which no batch relays,
leave within two seconds rather than a minute).

The function runs in local mode (`WEBHOOKS_ALLOW_LOOPBACK=true`): a receiver
on loopback over plain http is allowed, and nothing else that AWS would refuse.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from dev.alb import LambdaContext
from dev.bucket_notifications import EventSourceMapping, Handler, LocalQueue

log = logging.getLogger(__name__)

# As terraform/modules/webhooks sets them (its defaults); tests/local checks the queue.
FUNCTION_TIMEOUT = 30
VISIBILITY_TIMEOUT = 6 * FUNCTION_TIMEOUT
MAX_RECEIVE_COUNT = 1000
BATCH_SIZE = 10
# Short: a developer waits for a delivery; Terraform's is 1 s.
BATCHING_WINDOW = 0.5
SWEEP_SECONDS = 2.0
QUEUE_NAME = "snsd-local-webhook-deliveries"
# moto's account: its queue URLs are known before the server starts, so the
# deployables, which read their settings at import, can be given this one first.
ACCOUNT = "123456789012"
KEY_FILE = "webhook_secrets_key"
SCHEDULED = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


def queue_url(queue_port: int) -> str:
    return f"http://127.0.0.1:{queue_port}/{ACCOUNT}/{QUEUE_NAME}"


def secrets_key(state_dir: Path) -> str:
    """WEBHOOK_SECRETS_KEY for this state dir: made once, kept, so sealed secrets open
    after a restart (the Postgres data beside it holds them)."""
    path = state_dir / KEY_FILE
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return path.read_text().strip()


@dataclass
class WebhookDeliveries:
    """The delivery queue on `server`'s moto, its mapping and the sweep, each on a thread."""

    server: LocalQueue
    handler: Handler
    sweep_seconds: float = SWEEP_SECONDS
    queue: LocalQueue = field(init=False)
    mapping: EventSourceMapping = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        sqs = self.server.client()
        dead_letter_url = sqs.create_queue(
            QueueName=f"{QUEUE_NAME}-dlq", Attributes={"MessageRetentionPeriod": "1209600"}
        )["QueueUrl"]
        dead_letter_arn = self.server.attributes(dead_letter_url, "QueueArn")["QueueArn"]
        redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        url = sqs.create_queue(
            QueueName=QUEUE_NAME,
            Attributes={
                "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
                "MessageRetentionPeriod": str(4 * 86400),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        if url != os.environ.get("WEBHOOK_QUEUE_URL"):
            raise RuntimeError(f"the delivery queue is {url}, not WEBHOOK_QUEUE_URL")
        # The same server: this queue's client and URL, no server of its own to stop.
        self.queue = LocalQueue(self.server.port, name=QUEUE_NAME, url=url)
        self.queue.arn = self.queue.attributes(url, "QueueArn")["QueueArn"]
        self.queue.dead_letter_url = dead_letter_url
        self.mapping = EventSourceMapping(
            self.queue, self.handler, batch_size=BATCH_SIZE, window=BATCHING_WINDOW
        )
        for name, target in (
            ("webhook-deliveries", self.mapping.run),
            ("webhook-sweep", self._sweep),
        ):
            thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _sweep(self, stop: threading.Event) -> None:
        database_away = False
        while not stop.wait(self.sweep_seconds):
            try:
                self.handler(dict(SCHEDULED), LambdaContext())
            except psycopg.OperationalError:
                # Postgres is away (stopped, restarting): the next sweep tries again. Said
                # once an outage, without a traceback: nothing is wrong here.
                if not database_away:
                    log.warning("webhook sweep: Postgres does not answer; retrying")
                database_away = True
            except Exception:
                log.exception("webhook sweep failed")
            else:
                if database_away:
                    log.info("webhook sweep: Postgres answers again")
                database_away = False

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            # An attempt in flight ends within its 10 s.
            thread.join(timeout=15)
