"""The built package's job function (template.yaml's JobFunction: the file API's package,
handler `file_lambda.job_function.handler`), imported by a bare Python 3.12 as Lambda
imports it, with the environment template.yaml declares: the sweep's schedule event sends a
lost job to the queue, and an SQS event as the event source mapping builds it is answered
with the batch's failures."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dev.bucket_notifications import LocalQueue
from dev.ports import free_port
from file_lambda.database import Database
from tenancy.job_queue import message_body
from tests.sam import support
from tests.webhooks.pipeline import lambda_record

DRIVER = Path(__file__).with_name("invoke_job_artifact.py")
SCHEDULED = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@pytest.fixture
def queue() -> Iterator[tuple[LocalQueue, str]]:
    server = LocalQueue(free_port(), name="sam-jobs-test")
    server.start()
    url = server.client().create_queue(QueueName="jobs")["QueueUrl"]
    yield server, url
    server.stop()


def test_the_built_package_sweeps_and_answers_an_sqs_batch(
    db_url: str, queue: tuple[LocalQueue, str], tmp_path: Path
) -> None:
    artifact = support.require_artifact()
    server, url = queue
    db = Database(lambda: db_url)
    # A job whose first message was lost: queued, never sent.
    [(job,)] = db.execute(
        "insert into public.jobs (tenant_id, kind) values (%s, 'archive') returning id::text",
        (uuid.uuid4(),),
    )
    try:
        [swept] = _invoke(artifact, [SCHEDULED], url, server.endpoint, db_url, tmp_path)
        assert swept["sent"] >= 1
        bodies = [
            m["Body"]
            for m in server.client().receive_message(QueueUrl=url, MaxNumberOfMessages=10)[
                "Messages"
            ]
        ]
        assert message_body(job) in bodies

        # A step for a job that does not exist (ended and removed): skipped, not failed.
        server.client().send_message(QueueUrl=url, MessageBody=message_body(str(uuid.uuid4())))
        [message] = server.client().receive_message(QueueUrl=url, AttributeNames=["All"])[
            "Messages"
        ]
        sqs_event = {"Records": [lambda_record(message, "arn:aws:sqs:us-east-1:123456789012:jobs")]}
        [answered] = _invoke(artifact, [sqs_event], url, server.endpoint, db_url, tmp_path)
        assert answered == {"batchItemFailures": []}
    finally:
        db.execute("delete from public.jobs where id = %s", (job,))
        db.close()


def _invoke(
    artifact: Path, events: list[dict[str, Any]], url: str, sqs: str, db_url: str, tmp: Path
) -> list[Any]:
    events_path, result_path = tmp / "events.json", tmp / "result.json"
    events_path.write_text(json.dumps(events))
    declared = support.load_template()["Resources"]["JobFunction"]["Properties"]  # type: ignore[index]
    values = {
        "JOB_QUEUE_URL": url,
        "REPLICA_BUCKET_NAME": "",
        "REPLICA_REGION": "",
        "JOB_STEP_SECONDS": "",
        "DELETION_SIGNING_KEY": "",
        "ARCHIVE_EXPIRY_HOURS": "24",
        "EXPORT_EXPIRY_HOURS": "168",
        "POWERTOOLS_SERVICE_NAME": "jobs",
    }
    assert set(declared["Environment"]["Variables"]) == set(values)
    # Empty values are unset, as `sam local` leaves a parameter without a value.
    env = {k: v for k, v in values.items() if v}
    env.update(
        {
            "S3_BUCKET_NAME": "snsd-local-uploads",
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
    )
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
