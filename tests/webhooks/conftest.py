"""Fixtures of the relay and delivery function tests: moto's SQS server, a fresh delivery
queue per test, the file API's own Postgres adapter on the session's database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dev.bucket_notifications import LocalQueue
from dev.ports import free_port
from file_lambda.database import Database
from tests.webhooks.pipeline import new_tenant


@dataclass(frozen=True)
class Queue:
    sqs: Any
    url: str

    def depth(self) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        answer = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=names)
        return sum(int(answer["Attributes"][name]) for name in names)


@pytest.fixture(scope="session")
def sqs_server() -> Iterator[LocalQueue]:
    server = LocalQueue(free_port(), name="snsd-test-bucket-changes")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def queue(sqs_server: LocalQueue) -> Queue:
    """A delivery queue of the test's own, its visibility timeout as Terraform's."""
    sqs = sqs_server.client()
    url = sqs.create_queue(
        QueueName=f"deliveries-{uuid.uuid4().hex[:12]}", Attributes={"VisibilityTimeout": "360"}
    )["QueueUrl"]
    return Queue(sqs, url)


@pytest.fixture
def wdb(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    # The relay serves every tenant: what earlier tests left pending is not this test's.
    database.execute(
        "update public.webhook_deliveries set status = 'failed' where status = 'pending'"
    )
    yield database
    database.close()


@pytest.fixture
def wtenant(db_url: str) -> uuid.UUID:
    return new_tenant(db_url)
