"""Jobs in `make dev`: the job queue, its event source mapping, the sweep.

On AWS (terraform/modules/jobs) a job's steps go through an SQS queue to the
job function (`file_lambda.job_function.handler`), one message at a time, and
an EventBridge rule runs its sweep each minute. Here both run for real on the
stack's moto server (`queued_function.py`), the sweep every `SWEEP_SECONDS`.

A step here is at most `STEP_SECONDS`: shorter than AWS's (the function's
time less 30 s), so that a job of any size is seen continuing across steps,
as a large one does on AWS.
"""

from __future__ import annotations

from dev import queued_function
from dev.bucket_notifications import Handler, LocalQueue
from dev.queued_function import QueuedFunction

QUEUE_NAME = "snsd-local-jobs"
STEP_SECONDS = 20.0
# As terraform/modules/jobs sets them: a message is hidden longer than its step.
VISIBILITY_TIMEOUT = 120
MAX_RECEIVE_COUNT = 10
SWEEP_SECONDS = 2.0
# Steps at once: a short archive need not wait behind a long purge.
WORKERS = 2
# A step in flight ends within STEP_SECONDS.
STOP_SECONDS = STEP_SECONDS + 10


def queue_url(queue_port: int) -> str:
    return queued_function.queue_url(queue_port, QUEUE_NAME)


def job_function(server: LocalQueue, handler: Handler) -> QueuedFunction:
    """The job queue on `server`'s moto, its mapping and the sweep (not started)."""
    return QueuedFunction(
        server,
        handler,
        name=QUEUE_NAME,
        url_setting="JOB_QUEUE_URL",
        label="jobs",
        visibility_timeout=VISIBILITY_TIMEOUT,
        max_receive_count=MAX_RECEIVE_COUNT,
        batch_size=1,
        window=0.0,
        sweep_seconds=SWEEP_SECONDS,
        workers=WORKERS,
    )
