"""The relay the bucket changes' consumer runs after a batch (`webhooks/relay.py`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from file_lambda.settings import Settings
from webhooks.relay import Database, relay


def webhook_relay(settings: Settings, db: Database) -> Callable[[], object] | None:
    """A relay to the delivery queue on the consumer's connection; None without a queue."""
    queue_url = settings.webhook_queue_url
    if queue_url is None:
        return None

    @cache
    def sqs() -> Any:
        # Made on first use: the API's cold start does not pay for a client it may not need.
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"})
        return boto3.client("sqs", region_name=settings.region, config=config)

    return lambda: relay(db, sqs(), queue_url, batches=1)
