"""The job queue (`jobs/runner.py`), for the routes that start a job (the file API's
archives, the core's exports): the first message of a new job, sent right after its
row is written. The job function sends every later one itself."""

from __future__ import annotations

import json
import logging
from functools import cached_property
from typing import Any

log = logging.getLogger(__name__)


def message_body(job_id: str) -> str:
    """The queue message that asks for a job's next step."""
    return json.dumps({"job": job_id})


class JobQueue:
    """Sends "advance job N" to `JOB_QUEUE_URL`. Without the setting, or when the queue
    does not answer, nothing is sent: the job function's sweep sends a job whose message
    was never sent within its minute (`Runner.sweep`), so the job starts late, not never."""

    def __init__(self, queue_url: str | None, region: str) -> None:
        self.queue_url = queue_url
        self.region = region

    @cached_property
    def _sqs(self) -> Any:
        # Made on first use: the API's cold start does not pay for a client it may not need.
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"})
        return boto3.client("sqs", region_name=self.region, config=config)

    def send(self, job_id: str) -> bool:
        """Whether the message was sent."""
        if self.queue_url is None:
            return False
        try:
            self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=message_body(job_id))
        except Exception:
            log.warning("the job queue did not take job %s; the sweep will send it", job_id)
            return False
        return True
