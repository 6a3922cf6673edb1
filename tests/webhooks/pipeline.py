"""What the relay and delivery function tests share: endpoints and events written in SQL
(and the vault), receivers on loopback that verify what they get with the official
`standardwebhooks` library, moto's SQS server, and a small event source mapping."""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import standardwebhooks

from dev import memberships
from file_lambda.database import Database
from webhooks.deliveries import Deliverer
from webhooks.signing import new_secret
from webhooks.vault import Vault

VAULT_KEY = base64.b64encode(os.urandom(32)).decode()  # WEBHOOK_SECRETS_KEY's form
VAULT = Vault(base64.b64decode(VAULT_KEY))


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified_by: list[str]  # the secrets whose signature the library accepted


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {name.lower(): value for name, value in self.headers.items()}
        verified_by = []
        for secret in self.server.secrets:
            try:
                standardwebhooks.Webhook(secret).verify(body, headers)
            except standardwebhooks.WebhookVerificationError:
                continue
            verified_by.append(secret)
        with self.server.lock:
            self.server.received.append(Received(headers, body, verified_by))
            status = self.server.answer(len(self.server.received))
        self.send_response(status)
        if self.server.retry_after is not None:
            self.send_header("Retry-After", self.server.retry_after)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Receiver(ThreadingHTTPServer):
    """A tenant's endpoint on loopback; `answer(n)` is the status of the n-th request."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, answer: Callable[[int], int], secrets: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.secrets = secrets
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.retry_after: str | None = None  # sent with every answer when set

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks?x=1"


def receiving(answer: Callable[[int], int], secrets: list[str]) -> Iterator[Receiver]:
    server = Receiver(answer, secrets)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def new_tenant(db_url: str) -> uuid.UUID:
    tenant, user = uuid.uuid4(), uuid.uuid4()
    memberships.register(
        db_url, {"sub": str(user), "app_metadata": {"tenants": {str(tenant): "owner"}}}
    )
    return tenant


def new_endpoint(
    db: Database,
    tenant: uuid.UUID,
    url: str,
    *,
    secret: str | None = None,
    previous: str | None = None,
    types: tuple[str, ...] = ("file.created",),
) -> tuple[uuid.UUID, str]:
    """An endpoint and its sealed secret, as the core writes them; its id and secret."""
    secret = secret or new_secret()
    [(endpoint,)] = db.execute(
        "insert into public.webhook_endpoints (tenant_id, url, event_types)"
        " values (%s, %s, %s) returning id",
        (tenant, url, list(types)),
    )
    db.execute(
        "insert into private.webhook_endpoint_secrets"
        " (endpoint_id, current_secret, previous_secret, previous_expires_at)"
        " values (%s, %s, %s, %s)",
        (
            endpoint,
            VAULT.seal(endpoint, secret),
            None if previous is None else VAULT.seal(endpoint, previous),
            None if previous is None else datetime.now(UTC) + timedelta(hours=23),
        ),
    )
    return endpoint, secret


def emit(db: Database, tenant: uuid.UUID, path: str = "a.pdf") -> uuid.UUID | None:
    [(event,)] = db.execute(
        "select private.emit_webhook_event(%s, 'file.created', %s)",
        (tenant, json.dumps({"path": path})),
    )
    return event


def deliveries(db: Database, tenant: uuid.UUID) -> list[dict[str, Any]]:
    rows = db.execute(
        "select id, status, attempts, queued_at, next_attempt_at from public.webhook_deliveries"
        " where tenant_id = %s order by created_at",
        (tenant,),
    )
    names = ("id", "status", "attempts", "queued_at", "next_attempt_at")
    return [dict(zip(names, row, strict=True)) for row in rows]


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received message as Lambda's SQS event carries it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }


@dataclass
class Mapping:
    """Lambda's SQS poller for the tests: receive 10, hand them over, delete the successes."""

    sqs: Any
    queue_url: str
    handler: Callable[[dict[str, Any]], dict[str, Any]]
    arn: str = "arn:aws:sqs:us-east-1:123456789012:deliveries"
    batches: list[int] = field(default_factory=list)

    def once(self, wait: int = 0) -> int:
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        response = self.handler({"Records": [lambda_record(m, self.arn) for m in messages]})
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        self.batches.append(len(messages))
        return len(messages)


def deliverer(db: Database, sqs: Any, queue_url: str, **kwargs: Any) -> Deliverer:
    from webhooks.delivery import Sender

    return Deliverer(db, VAULT, kwargs.pop("sender", Sender(local=True)), sqs, queue_url, **kwargs)
