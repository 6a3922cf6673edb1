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
import secrets
from pathlib import Path

from dev import queued_function
from dev.bucket_notifications import Handler, LocalQueue
from dev.queued_function import QueuedFunction

# As terraform/modules/webhooks sets them (its defaults); tests/local checks the queue.
FUNCTION_TIMEOUT = 30
VISIBILITY_TIMEOUT = 6 * FUNCTION_TIMEOUT
MAX_RECEIVE_COUNT = 1000
BATCH_SIZE = 10
# Short: a developer waits for a delivery; Terraform's is 1 s.
BATCHING_WINDOW = 0.5
SWEEP_SECONDS = 2.0
QUEUE_NAME = "snsd-local-webhook-deliveries"
KEY_FILE = "webhook_secrets_key"


def queue_url(queue_port: int) -> str:
    return queued_function.queue_url(queue_port, QUEUE_NAME)


def secrets_key(state_dir: Path) -> str:
    """WEBHOOK_SECRETS_KEY for this state dir: made once, kept, so sealed secrets open
    after a restart (the Postgres data beside it holds them)."""
    path = state_dir / KEY_FILE
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return path.read_text().strip()


def deliveries(server: LocalQueue, handler: Handler) -> QueuedFunction:
    """The delivery queue on `server`'s moto, its mapping and the sweep (not started)."""
    return QueuedFunction(
        server,
        handler,
        name=QUEUE_NAME,
        url_setting="WEBHOOK_QUEUE_URL",
        label="webhook",
        visibility_timeout=VISIBILITY_TIMEOUT,
        max_receive_count=MAX_RECEIVE_COUNT,
        batch_size=BATCH_SIZE,
        window=BATCHING_WINDOW,
        sweep_seconds=SWEEP_SECONDS,
    )


# An attempt in flight ends within its 10 s.
STOP_SECONDS = 15
