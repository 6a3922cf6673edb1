"""A function fed by an SQS queue and woken by a schedule, as on AWS, in `make dev`.

On AWS a queue's event source mapping hands its messages to a function in
batches, and an EventBridge rule runs the same function on a schedule. Here
the queue lives on the stack's moto server, the mapping is emulated by
`bucket_notifications.EventSourceMapping`, and the schedule is a thread that
calls the handler with EventBridge's scheduled event every `sweep_seconds`
(shorter than AWS's minute: a developer is waiting). Used by webhook
deliveries (`webhook_deliveries.py`) and jobs (`jobs.py`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field

import psycopg

from dev.alb import LambdaContext
from dev.bucket_notifications import EventSourceMapping, Handler, LocalQueue

log = logging.getLogger(__name__)

# moto's account: its queue URLs are known before the server starts, so the
# deployables, which read their settings at import, can be given one first.
ACCOUNT = "123456789012"
SCHEDULED = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


def queue_url(queue_port: int, name: str) -> str:
    return f"http://127.0.0.1:{queue_port}/{ACCOUNT}/{name}"


@dataclass
class QueuedFunction:
    """`name`'s queue on `server`'s moto (with a dead-letter queue), its mapping to
    `handler`, and the schedule, each on a thread."""

    server: LocalQueue
    handler: Handler
    name: str
    # The environment variable through which the deployables know the queue's URL.
    url_setting: str
    label: str
    visibility_timeout: int
    max_receive_count: int
    batch_size: int
    window: float
    sweep_seconds: float
    # Mappings polling at once: as many invocations as the function may run together.
    workers: int = 1
    queue: LocalQueue = field(init=False)
    mapping: EventSourceMapping = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        sqs = self.server.client()
        dead_letter_url = sqs.create_queue(
            QueueName=f"{self.name}-dlq", Attributes={"MessageRetentionPeriod": "1209600"}
        )["QueueUrl"]
        dead_letter_arn = self.server.attributes(dead_letter_url, "QueueArn")["QueueArn"]
        redrive = {
            "deadLetterTargetArn": dead_letter_arn,
            "maxReceiveCount": self.max_receive_count,
        }
        url = sqs.create_queue(
            QueueName=self.name,
            Attributes={
                "VisibilityTimeout": str(self.visibility_timeout),
                "MessageRetentionPeriod": str(4 * 86400),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        if url != os.environ.get(self.url_setting):
            raise RuntimeError(f"the {self.label} queue is {url}, not {self.url_setting}")
        # The same server: this queue's client and URL, no server of its own to stop.
        self.queue = LocalQueue(self.server.port, name=self.name, url=url)
        self.queue.arn = self.queue.attributes(url, "QueueArn")["QueueArn"]
        self.queue.dead_letter_url = dead_letter_url
        self.mapping = EventSourceMapping(
            self.queue, self.handler, batch_size=self.batch_size, window=self.window
        )
        targets = [(f"queue-{n}", self.mapping.run) for n in range(self.workers)]
        for suffix, target in [*targets, ("sweep", self._sweep)]:
            thread = threading.Thread(
                target=target, args=(self._stop,), name=f"{self.label}-{suffix}", daemon=True
            )
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
                    log.warning("%s sweep: Postgres does not answer; retrying", self.label)
                database_away = True
            except Exception:
                log.exception("%s sweep failed", self.label)
            else:
                if database_away:
                    log.info("%s sweep: Postgres answers again", self.label)
                database_away = False

    def stop(self, timeout: float) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)
