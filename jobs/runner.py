"""The job runner: a job advanced a step at a time, each step within one invocation.

A job's row (`public.jobs`, migration 20260202000100) is the truth; a queue
message only says "advance job N". For each message the runner:

1. claims the job: a lease until the step's end plus a margin, on the
   condition that nobody holds one and the job has not ended, so that a
   duplicate message, or the sweep's, never runs a job twice at once;
2. hands it to its kind (`Kind.advance`), which works until the step's time is
   nearly up, saves where it stands (`Step.save`) as often as it likes, and
   says whether it finished;
3. ends it (`succeeded` with the kind's result, or `failed` with a problem
   code when the kind raised `JobFailed`), or releases the lease and sends the
   job to the queue again for its next step.

An unexpected error keeps the job as it was at its last save: the message is
reported failed and comes back, and after `MAX_FAILURES` such steps in a row
the job fails with `job_failed` rather than retry forever. The sweep
(`Runner.sweep`, scheduled each minute) sends again any job whose message was
lost (queued and not sent lately, or running with its lease run out), ends
what has expired, and runs the kinds' own sweeps (a purge due, for example).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Steps in a row that may end in an unexpected error before the job fails.
MAX_FAILURES = 5
# Steps a job may take at all: 2,000 steps of 14 minutes is almost three weeks.
MAX_STEPS = 2000
# A lease outlives its step by this much: a crashed step's job is taken again after it.
LEASE_MARGIN_SECONDS = 60
# A queued job whose message is older than this is sent again by the sweep (a
# duplicate message costs one refused claim).
RESEND_AFTER_SECONDS = 300


class Database(Protocol):
    """One autocommitted statement at a time (`file_lambda.database.Database`)."""

    def execute(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class JobFailed(Exception):
    """The job cannot succeed: it ends `failed` with `code`, a problem code of docs/api.md."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Job:
    id: str
    tenant_id: str
    kind: str
    requested_by: str | None
    params: Mapping[str, Any]
    progress: Mapping[str, Any]
    steps: int
    created_at: datetime


@dataclass(frozen=True)
class Finished:
    """A kind's job is done: `result` is what its requester reads; its output expires at
    `expires_at` (None: it leaves no output to expire)."""

    result: Mapping[str, Any]
    expires_at: datetime | None = None


@dataclass
class Step:
    """One step of one job: its database, its time, and where the last step stood."""

    db: Database
    job: Job
    deadline: float  # time.monotonic() by which the kind must have saved and returned
    checkpoint: Mapping[str, Any] | None

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def save(
        self, checkpoint: Mapping[str, Any], progress: Mapping[str, Any] | None = None
    ) -> None:
        """Where the job stands, for the next step (and, when given, its progress for the
        requester), in one statement: both or neither."""
        self.db.execute(
            "with saved as ("
            " insert into private.job_checkpoints (job_id, checkpoint) values (%s, %s)"
            " on conflict (job_id) do update set checkpoint = excluded.checkpoint,"
            " saved_at = now())"
            " update public.jobs set progress = coalesce(%s::jsonb, progress) where id = %s",
            (self.job.id, _json(checkpoint), _json(progress), self.job.id),
        )
        self.checkpoint = checkpoint


class Kind(Protocol):
    """A kind of job (`jobs/archives.py`, `jobs/exports.py`, `jobs/purges.py`)."""

    def advance(self, step: Step) -> Finished | None:
        """Work until `step.time_left()` is nearly spent; save; return Finished when done,
        None to be called again. Raise JobFailed when it cannot succeed."""
        ...

    def expire(self, job: Job, result: Mapping[str, Any]) -> None:
        """Delete the output of a succeeded job whose `expires_at` has passed."""
        ...

    def sweep(self, db: Database) -> None:
        """The kind's own scheduled work (a purge due); most kinds have none."""
        ...


@dataclass(frozen=True)
class SweepResult:
    sent: int
    expired: int


@dataclass
class Runner:
    db: Database
    kinds: Mapping[str, Kind]
    # Sends "advance job N" to the job queue.
    send: Callable[[str], None]
    stats: dict[str, int] = field(default_factory=dict)

    def advance(self, job_id: str, seconds: float) -> str:
        """One step of `job_id` within `seconds`: 'succeeded', 'failed', 'continued',
        or 'skipped' (ended already, or another step holds it). Raises what the kind
        raised unexpectedly, after counting it."""
        job = self._claim(job_id, seconds)
        if job is None:
            return "skipped"
        kind = self.kinds[job.kind]
        rows = self.db.execute(
            "select checkpoint from private.job_checkpoints where job_id = %s", (job.id,)
        )
        step = Step(self.db, job, time.monotonic() + seconds, rows[0][0] if rows else None)
        try:
            finished = kind.advance(step)
        except JobFailed as failure:
            self._end(job, "failed", error=failure.code)
            return "failed"
        except Exception:
            self._failure(job)
            raise
        if finished is not None:
            self._end(job, "succeeded", result=finished.result, expires_at=finished.expires_at)
            return "succeeded"
        if job.steps >= MAX_STEPS:
            self._end(job, "failed", error="job_too_long")
            return "failed"
        self.db.execute(
            "update public.jobs set lease_until = null, failures = 0, sent_at = now()"
            " where id = %s",
            (job.id,),
        )
        self.send(job.id)
        return "continued"

    def _claim(self, job_id: str, seconds: float) -> Job | None:
        rows = self.db.execute(
            "update public.jobs set state = 'running', steps = steps + 1,"
            " started_at = coalesce(started_at, now()),"
            " lease_until = now() + make_interval(secs => %s)"
            " where id = %s and state in ('queued', 'running')"
            " and (lease_until is null or lease_until < now())"
            " returning id::text, tenant_id::text, kind::text, requested_by::text, params,"
            " progress, steps, created_at",
            (seconds + LEASE_MARGIN_SECONDS, job_id),
        )
        return Job(*rows[0]) if rows else None

    def _failure(self, job: Job) -> None:
        """An unexpected error: the lease runs out and the message comes back; at the limit
        the job fails for good."""
        rows = self.db.execute(
            "update public.jobs set failures = failures + 1 where id = %s returning failures",
            (job.id,),
        )
        if rows and rows[0][0] >= MAX_FAILURES:
            self._end(job, "failed", error="job_failed")

    def _end(
        self,
        job: Job,
        state: str,
        *,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        self.db.execute(
            "with gone as (delete from private.job_checkpoints where job_id = %s)"
            " update public.jobs set state = %s, result = %s, error = %s, expires_at = %s,"
            " finished_at = now(), lease_until = null where id = %s",
            (job.id, state, _json(result), error, expires_at, job.id),
        )

    def sweep(self) -> SweepResult:
        """Send again what was lost, end what expired, and run the kinds' sweeps.

        A kind's failure is logged and the others go on; Postgres not answering ends the
        whole sweep with its error, for the caller to say once (the next sweep retries)."""
        for name, kind in self.kinds.items():
            try:
                kind.sweep(self.db)
            except Exception as error:
                if database_away(error):
                    raise
                log.exception("the %s jobs' sweep failed", name)
        lost = self.db.execute(
            "update public.jobs set sent_at = now()"
            " where state in ('queued', 'running')"
            " and (lease_until is null or lease_until < now())"
            " and (sent_at is null or sent_at < now() - make_interval(secs => %s))"
            " returning id::text",
            (RESEND_AFTER_SECONDS,),
        )
        for (job_id,) in lost:
            self.send(job_id)
        expired = 0
        for row in self.db.execute(
            "select id::text, tenant_id::text, kind::text, requested_by::text, params, progress,"
            " steps, created_at, result from public.jobs"
            " where state = 'succeeded' and expires_at < now() order by expires_at limit 100"
        ):
            job, result = Job(*row[:8]), row[8] or {}
            try:
                self.kinds[job.kind].expire(job, result)
            except Exception as error:
                if database_away(error):
                    raise
                log.exception("expiring job %s failed", job.id)
                continue
            self.db.execute(
                "update public.jobs set state = 'expired' where id = %s and state = 'succeeded'",
                (job.id,),
            )
            expired += 1
        return SweepResult(sent=len(lost), expired=expired)


def database_away(error: Exception) -> bool:
    """Postgres does not answer (stopped, restarting, unreachable): not a kind's fault."""
    import psycopg  # the job function's driver, loaded with its first query anyway

    return isinstance(error, psycopg.OperationalError)


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)


def job_of(body: str) -> str:
    """The job a queue message names (ValueError when it names none)."""
    found = json.loads(body).get("job")
    if not isinstance(found, str):
        raise ValueError("a job message names no job")
    return found
