"""The built package's webhook delivery function (template.yaml's WebhookDeliveryFunction:
the file API's package, handler `file_lambda.webhook_function.handler`), imported by a bare
Python 3.12 as Lambda imports it, fed the sweep's schedule event and an SQS event as the
event source mapping builds it; the delivery is verified at a loopback receiver with the
official `standardwebhooks` library."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dev import memberships
from dev.bucket_notifications import LocalQueue
from dev.ports import free_port
from file_lambda.database import Database
from tests.sam import support
from tests.webhooks.pipeline import (
    VAULT_KEY,
    Receiver,
    emit,
    lambda_record,
    new_endpoint,
    receiving,
)
from webhooks.signing import new_secret

DRIVER = Path(__file__).with_name("invoke_webhook_artifact.py")
SCHEDULED = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@pytest.fixture
def queue() -> Iterator[tuple[LocalQueue, str]]:
    server = LocalQueue(free_port(), name="sam-webhooks-test")
    server.start()
    url = server.client().create_queue(QueueName="deliveries")["QueueUrl"]
    yield server, url
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving(lambda n: 200, [new_secret()])


def test_the_built_package_relays_and_delivers_an_sqs_event(
    db_url: str, queue: tuple[LocalQueue, str], receiver: Receiver, tmp_path: Path
) -> None:
    artifact = support.require_artifact()
    server, url = queue
    db = Database(lambda: db_url)
    db.execute("update public.webhook_deliveries set status = 'failed' where status = 'pending'")
    tenant, user = uuid.uuid4(), uuid.uuid4()
    memberships.register(
        db_url, {"sub": str(user), "app_metadata": {"tenants": {str(tenant): "owner"}}}
    )
    new_endpoint(db, tenant, receiver.url, secret=receiver.secrets[0])
    emit(db, tenant)

    # The sweep first: it sends the delivery's message to the queue.
    first = _invoke(artifact, [SCHEDULED], url, server.endpoint, db_url, tmp_path)
    assert first == [{"relayed": 1, "refused": 0}]
    [message] = server.client().receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    sqs_event = {
        "Records": [lambda_record(message, "arn:aws:sqs:us-east-1:123456789012:deliveries")]
    }
    second = _invoke(artifact, [sqs_event], url, server.endpoint, db_url, tmp_path)

    assert second == [{"batchItemFailures": []}]
    [received] = receiver.received
    assert received.verified_by == receiver.secrets
    db.close()


def _invoke(
    artifact: Path, events: list[dict[str, Any]], url: str, sqs: str, db_url: str, tmp: Path
) -> list[Any]:
    events_path, result_path = tmp / "events.json", tmp / "result.json"
    events_path.write_text(json.dumps(events))
    declared = support.load_template()["Resources"]["WebhookDeliveryFunction"]["Properties"]  # type: ignore[index]
    values = {
        "WEBHOOK_QUEUE_URL": url,
        "WEBHOOK_SECRETS_KEY": VAULT_KEY,
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        "POWERTOOLS_SERVICE_NAME": "webhooks",
    }
    assert set(declared["Environment"]["Variables"]) == set(values)
    env = {
        **values,
        "SUPABASE_DB_URL": db_url,
        "AWS_ENDPOINT_URL_SQS": sqs,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": os.environ.get("PATH", ""),
    }
    process = subprocess.run(
        [
            support.runtime_python(),
            "-I",
            "-S",
            str(DRIVER),
            str(artifact),
            str(events_path),
            str(result_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    responses: list[Any] = json.loads(result_path.read_text())["responses"]
    return responses
