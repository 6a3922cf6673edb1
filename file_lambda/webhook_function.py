"""The webhook delivery function's entry point: `file_lambda.webhook_function.handler`.

Deployed from the file API's artifact with a handler of its own
(terraform/modules/webhooks, template.yaml's WebhookFunction), so it ships no
second package and reuses the file API's Postgres connection and secret
loading; it imports none of the API itself (no app, no S3, no tokens): its role
holds the delivery queue, the app secret and the network to receivers, nothing
else. `webhooks/` holds the work; this module only wires it to the settings:

- `WEBHOOK_QUEUE_URL`: the delivery queue;
- `SUPABASE_DB_URL` and `WEBHOOK_SECRETS_KEY`, each from the environment or
  else from the app secret (`APP_SECRET_ARN`), as the file API reads its own;
- `WEBHOOKS_ALLOW_LOOPBACK=true` in `make dev` only: receivers on loopback,
  over http (`webhooks.addresses`' local mode). Never set in AWS.

Two kinds of event: the delivery queue's batches (`webhooks.deliveries`),
and EventBridge's schedule each minute, which runs the relay's sweep
(`webhooks.relay`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from file_lambda.database import Database
from file_lambda.events.consumer import is_queue_batch
from file_lambda.secrets import AppSecretValues
from tenancy.settings import ConfigError, Environment
from webhooks.deliveries import Deliverer
from webhooks.delivery import Sender
from webhooks.relay import relay
from webhooks.vault import Vault, key_from_setting

# The sweep's share of a scheduled run: 10 batches of 100, well within a minute.
SWEEP_BATCHES = 10


@dataclass(frozen=True)
class WebhookSettings:
    queue_url: str
    region: str
    db_url: str | None
    secrets_key: str | None
    secret_arn: str | None
    allow_loopback: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebhookSettings:
        read = Environment(env)
        db_url, key, arn = (
            read.optional("SUPABASE_DB_URL"),
            read.optional("WEBHOOK_SECRETS_KEY"),
            read.optional("APP_SECRET_ARN"),
        )
        if arn is None and (db_url is None or key is None):
            raise ConfigError(
                "missing required setting SUPABASE_DB_URL and WEBHOOK_SECRETS_KEY"
                " (or APP_SECRET_ARN)"
            )
        loopback = read.text("WEBHOOKS_ALLOW_LOOPBACK", "false")
        if loopback not in ("true", "false"):
            raise ConfigError("setting WEBHOOKS_ALLOW_LOOPBACK must be true or false")
        return cls(
            queue_url=read.required_url("WEBHOOK_QUEUE_URL"),
            region=read.region(),
            db_url=db_url,
            secrets_key=key,
            secret_arn=arn,
            allow_loopback=loopback == "true",
        )


class Function:
    """Built once per container; nothing here touches the network before the first event."""

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self._secrets = AppSecretValues(settings.region, settings.secret_arn)
        self.db = Database(lambda: self._secrets.value(settings.db_url, "SUPABASE_DB_URL"))

    @cached_property
    def sqs(self) -> Any:
        # Short timeouts: a slow SQS call must not eat the batch's time, and the
        # message it concerns comes back anyway.
        config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"})
        return boto3.client("sqs", region_name=self.settings.region, config=config)

    @cached_property
    def deliverer(self) -> Deliverer:
        key = self._secrets.value(self.settings.secrets_key, "WEBHOOK_SECRETS_KEY")
        return Deliverer(
            self.db,
            Vault(key_from_setting(key)),
            Sender(local=self.settings.allow_loopback),
            self.sqs,
            self.settings.queue_url,
        )

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        if is_queue_batch(event):
            return self.deliverer.consume(event)
        if event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event":
            done = relay(self.db, self.sqs, self.settings.queue_url, batches=SWEEP_BATCHES)
            return {"relayed": done.sent, "refused": done.refused}
        raise ValueError("neither a delivery queue batch nor the sweep's schedule")


function = Function(WebhookSettings.from_env())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return function.handle(event)
