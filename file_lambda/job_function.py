"""The job function's entry point: `file_lambda.job_function.handler`.

Deployed from the file API's artifact with a handler of its own
(terraform/modules/jobs, template.yaml's JobFunction), as the webhook delivery
function is; it imports none of the API itself. `jobs/` holds the work; this
module wires it to its settings:

- `JOB_QUEUE_URL`: the job queue (a message per step: `jobs.runner`);
- `S3_BUCKET_NAME`, and `REPLICA_BUCKET_NAME` with `REPLICA_REGION` where the
  bucket is replicated (a purge empties both);
- `SUPABASE_DB_URL`, from the environment or else from the app secret
  (`APP_SECRET_ARN`);
- `DELETION_SIGNING_KEY`: the purge's deletion records' Ed25519 seed
  (base64 of 32 bytes), from the environment or else from the app secret;
- `ARCHIVE_EXPIRY_HOURS` and `EXPORT_EXPIRY_HOURS`: how long a folder's
  archive and a tenant's export may be downloaded (defaults 24 and 168);
  `MALWARE_SCANNING` as the file API's (an archive or an export leaves
  out what a member may not read);
- `JOB_STEP_SECONDS`: the most a step may take (default: the invocation's
  time, less `STEP_MARGIN_SECONDS`); `make dev` and the tests make it short to
  show a job continuing across steps.

Two kinds of event: the job queue's batches (one job step per message), and
EventBridge's schedule each minute, which runs the runner's sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from file_lambda.database import Database
from file_lambda.events.consumer import is_queue_batch
from file_lambda.secrets import AppSecretValues
from jobs.runner import Kind, Runner, database_away, job_of
from tenancy.job_queue import message_body
from tenancy.settings import ConfigError, Environment

log = logging.getLogger(__name__)

# What a step leaves of its invocation's time, to save, end and send itself again:
# this much, or a tenth of a shorter invocation's.
STEP_MARGIN_SECONDS = 30.0
# The least a step is given, whatever the invocation has left.
MIN_STEP_SECONDS = 1.0


@dataclass(frozen=True)
class JobSettings:
    queue_url: str
    region: str
    bucket: str
    replica_bucket: str | None
    replica_region: str | None
    db_url: str | None
    secret_arn: str | None
    step_seconds: float | None
    # The deletion records' Ed25519 seed (base64); None: read from the app secret.
    signing_key: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> JobSettings:
        read = Environment(env)
        db_url, arn = read.optional("SUPABASE_DB_URL"), read.optional("APP_SECRET_ARN")
        if db_url is None and arn is None:
            raise ConfigError("missing required setting SUPABASE_DB_URL (or APP_SECRET_ARN)")
        replica = read.optional("REPLICA_BUCKET_NAME")
        step = read.optional("JOB_STEP_SECONDS")
        return cls(
            queue_url=read.required_url("JOB_QUEUE_URL"),
            region=read.region(),
            bucket=read.required("S3_BUCKET_NAME"),
            replica_bucket=replica,
            replica_region=read.optional("REPLICA_REGION") if replica else None,
            db_url=db_url,
            secret_arn=arn,
            step_seconds=read.number("JOB_STEP_SECONDS", 0.0) if step else None,
            signing_key=read.optional("DELETION_SIGNING_KEY"),
        )


class Function:
    """Built once per container; nothing here touches the network before the first event."""

    def __init__(self, settings: JobSettings) -> None:
        self.settings = settings
        self.secrets = AppSecretValues(settings.region, settings.secret_arn)
        self.db = Database(lambda: self.secrets.value(settings.db_url, "SUPABASE_DB_URL"))

    @cached_property
    def sqs(self) -> Any:
        config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"})
        return boto3.client("sqs", region_name=self.settings.region, config=config)

    @cached_property
    def s3(self) -> Any:
        config = Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard"})
        return boto3.client("s3", region_name=self.settings.region, config=config)

    @cached_property
    def replica_s3(self) -> Any:
        """The replica's region's client (None where nothing is replicated)."""
        if self.settings.replica_bucket is None:
            return None
        config = Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard"})
        region = self.settings.replica_region or self.settings.region
        return boto3.client("s3", region_name=region, config=config)

    @cached_property
    def runner(self) -> Runner:
        return Runner(self.db, self._kinds(), self._send)

    def _kinds(self) -> dict[str, Kind]:
        """Each kind of job, imported here only: a kind's module loads when the function
        first runs a job, never with the file API."""
        from jobs.archives import ArchiveKind
        from jobs.exports import ExportKind
        from jobs.purges import PurgeKind

        return {
            "archive": ArchiveKind.from_env(self.s3, self.settings.bucket),
            "export": ExportKind.from_env(self.s3, self.settings.bucket),
            "purge": PurgeKind(
                self.s3,
                self.settings.bucket,
                self.replica_s3,
                self.settings.replica_bucket,
                lambda: self.secrets.value(self.settings.signing_key, "DELETION_SIGNING_KEY"),
            ),
        }

    def _send(self, job_id: str) -> None:
        self.sqs.send_message(QueueUrl=self.settings.queue_url, MessageBody=message_body(job_id))

    def step_seconds(self, context: Any) -> float:
        remaining: float = context.get_remaining_time_in_millis() / 1000
        left = remaining - min(STEP_MARGIN_SECONDS, remaining / 10)
        if self.settings.step_seconds:
            left = min(left, self.settings.step_seconds)
        return max(MIN_STEP_SECONDS, left)

    def handle(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        if is_queue_batch(event):
            failed: list[dict[str, str]] = []
            for record in event["Records"]:
                try:
                    self.runner.advance(job_of(record["body"]), self.step_seconds(context))
                except Exception as error:
                    # Logged without the job's data; the message comes back, and the
                    # runner fails the job after repeated failures.
                    if database_away(error):
                        log.warning("a job step could not reach Postgres; it comes back")
                    else:
                        log.exception("a job step failed")
                    failed.append({"itemIdentifier": record["messageId"]})
            return {"batchItemFailures": failed}
        if event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event":
            done = self.runner.sweep()
            return {"sent": done.sent, "expired": done.expired}
        raise ValueError("neither a job queue batch nor the sweep's schedule")


function = Function(JobSettings.from_env())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return function.handle(event, context)
