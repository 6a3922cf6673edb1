"""The core relays the webhook events a change wrote right after its response
(core_service/webhook_relay.py), rather than leaving them to the minute's sweep:
real Postgres with every migration, moto's SQS server, the app in process."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from core_service.settings import Settings
from dev.bucket_notifications import LocalQueue
from dev.ports import free_port
from tests.core.conftest import User


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    server = LocalQueue(free_port(), name="core-relay-test")
    server.start()
    # The core's client finds moto as it finds SQS: through boto3's own setting.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", server.endpoint)
    sqs = server.client()
    yield sqs, sqs.create_queue(QueueName="deliveries")["QueueUrl"]
    server.stop()


def _pending_delivery(db: psycopg.Connection[dict[str, Any]], tenant: str) -> str:
    db.execute("update public.webhook_deliveries set status = 'failed' where status = 'pending'")
    [endpoint] = db.execute(
        "insert into public.webhook_endpoints (tenant_id, url, event_types)"
        " values (%s, 'https://hooks.example/in', '{member.invited}') returning id",
        (tenant,),
    ).fetchall()
    db.execute(
        "select private.emit_webhook_event(%s, 'member.invited', %s)",
        (tenant, json.dumps({"email": "someone@example.com"})),
    )
    [row] = db.execute(
        "select id from public.webhook_deliveries where endpoint_id = %s", (endpoint["id"],)
    ).fetchall()
    return str(row["id"])


def test_a_successful_change_relays_the_pending_deliveries_at_once(
    settings: Settings,
    app_with: Callable[..., TestClient],
    db: psycopg.Connection[dict[str, Any]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[..., dict[str, str]],
    queue: tuple[Any, str],
) -> None:
    sqs, url = queue
    owner = make_user()
    delivery = _pending_delivery(db, make_tenant(owner))
    client = app_with(settings, webhook_queue_url=url)

    assert client.get("/me", headers=auth(owner)).status_code == 200  # a read: no relay
    time.sleep(0.5)
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None
    started = time.monotonic()
    created = client.post("/tenants", json={"name": "Another"}, headers=auth(owner))
    assert created.status_code == 201

    messages: list[dict[str, Any]] = []
    while not messages and time.monotonic() - started < 10:
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    took = time.monotonic() - started

    assert [m["Body"] for m in messages] == [delivery]
    [row] = db.execute(
        "select queued_at from public.webhook_deliveries where id = %s", (uuid.UUID(delivery),)
    ).fetchall()
    assert row["queued_at"] is not None
    print(f"\nrelayed {took * 1000:.0f} ms after the change's request began")
