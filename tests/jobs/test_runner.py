"""The job runner (jobs/runner.py) on the session's Postgres, with a kind of its own: claims
and leases, checkpoints across steps, failures, the sweep's resends and expiries."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from file_lambda.database import Database
from jobs.runner import MAX_FAILURES, Finished, Job, JobFailed, Runner, Step, job_of
from tenancy.job_queue import message_body


class Counting:
    """A kind that needs `steps` steps, saving a counter after each."""

    def __init__(self, steps: int = 3, *, fail: str | None = None, crash: bool = False) -> None:
        self.steps, self.fail, self.crash = steps, fail, crash
        self.expired: list[str] = []

    def advance(self, step: Step) -> Finished | None:
        if self.crash:
            raise RuntimeError("boom")
        if self.fail:
            raise JobFailed(self.fail)
        done = (step.checkpoint or {}).get("done", 0) + 1
        step.save({"done": done}, {"steps_done": done})
        if done < self.steps:
            return None
        return Finished({"done": done}, expires_at=datetime.now(UTC) + timedelta(hours=1))

    def expire(self, job: Job, result: Mapping[str, Any]) -> None:
        self.expired.append(job.id)

    def sweep(self, db: Any) -> None:
        pass


@pytest.fixture
def jdb(db_url: str) -> Iterator[Database]:
    database = Database(lambda: db_url)
    # The sweep serves every tenant: what earlier tests left open is not this test's.
    database.execute(
        "update public.jobs set state = 'failed', finished_at = now()"
        " where state in ('queued', 'running')"
    )
    yield database
    database.close()


def _job(db: Database, kind: str = "archive") -> str:
    rows = db.execute(
        "insert into public.jobs (tenant_id, kind) values (%s, %s) returning id::text",
        (uuid.uuid4(), kind),
    )
    return str(rows[0][0])


def _row(db: Database, job_id: str) -> tuple[Any, ...]:
    return db.execute(
        "select state::text, progress, result, error, steps, lease_until from public.jobs"
        " where id = %s",
        (job_id,),
    )[0]


def test_a_job_continues_across_steps_from_its_checkpoint(jdb: Database) -> None:
    sent: list[str] = []
    runner = Runner(jdb, {"archive": Counting(3)}, sent.append)
    job_id = _job(jdb)
    assert runner.advance(job_id, 5) == "continued"
    assert runner.advance(job_id, 5) == "continued"
    assert sent == [job_id, job_id]
    assert _row(jdb, job_id)[1] == {"steps_done": 2}
    assert runner.advance(job_id, 5) == "succeeded"
    state, _, result, error, steps, lease = _row(jdb, job_id)
    assert (state, result, error, steps, lease) == ("succeeded", {"done": 3}, None, 3, None)
    # The checkpoint goes with the job's end; a late duplicate message changes nothing.
    assert jdb.execute("select 1 from private.job_checkpoints where job_id = %s", (job_id,)) == []
    assert runner.advance(job_id, 5) == "skipped"


def test_a_leased_job_is_not_run_twice(jdb: Database) -> None:
    runner = Runner(jdb, {"archive": Counting(3)}, lambda _: None)
    job_id = _job(jdb)
    jdb.execute(
        "update public.jobs set state = 'running', lease_until = now() + interval '1 minute'"
        " where id = %s",
        (job_id,),
    )
    assert runner.advance(job_id, 5) == "skipped"
    jdb.execute(
        "update public.jobs set lease_until = now() - interval '1 second' where id = %s", (job_id,)
    )
    assert runner.advance(job_id, 5) == "continued"


def test_a_kind_that_cannot_succeed_fails_the_job_with_its_code(jdb: Database) -> None:
    runner = Runner(jdb, {"archive": Counting(fail="folder_not_found")}, lambda _: None)
    job_id = _job(jdb)
    assert runner.advance(job_id, 5) == "failed"
    assert _row(jdb, job_id)[:4] == ("failed", {}, None, "folder_not_found")


def test_repeated_crashes_fail_the_job_rather_than_retry_forever(jdb: Database) -> None:
    runner = Runner(jdb, {"archive": Counting(crash=True)}, lambda _: None)
    job_id = _job(jdb)
    for attempt in range(MAX_FAILURES):
        with pytest.raises(RuntimeError):
            runner.advance(job_id, 5)
        if attempt < MAX_FAILURES - 1:
            assert _row(jdb, job_id)[0] == "running"
            # The lease runs out; the message comes back.
            jdb.execute("update public.jobs set lease_until = null where id = %s", (job_id,))
    assert _row(jdb, job_id)[0] == "failed"
    assert _row(jdb, job_id)[3] == "job_failed"


def test_the_sweep_sends_lost_jobs_again_and_expires_outputs(jdb: Database) -> None:
    sent: list[str] = []
    kind = Counting(1)
    runner = Runner(jdb, {"archive": kind}, sent.append)
    never_sent, just_sent, done = _job(jdb), _job(jdb), _job(jdb)
    jdb.execute("update public.jobs set sent_at = now() where id = %s", (just_sent,))
    assert runner.advance(done, 5) == "succeeded"
    jdb.execute(
        "update public.jobs set expires_at = now() - interval '1 second' where id = %s", (done,)
    )
    result = runner.sweep()
    assert set(sent) == {never_sent}
    assert (result.sent, result.expired) == (1, 1)
    assert kind.expired == [done]
    assert _row(jdb, done)[0] == "expired"
    # Sent now: the next sweep leaves it to its message.
    assert runner.sweep().sent == 0


def test_messages_name_their_job() -> None:
    job_id = str(uuid.uuid4())
    assert job_of(message_body(job_id)) == job_id
    with pytest.raises(ValueError, match="names no job"):
        job_of('{"other": 1}')


def test_the_sweep_ends_with_postgres_away_rather_than_log_each_kind(
    jdb: Database, caplog: pytest.LogCaptureFixture
) -> None:
    import psycopg

    class Away(Counting):
        def sweep(self, db: Any) -> None:
            raise psycopg.OperationalError("connection refused")

    class Broken(Counting):
        def sweep(self, db: Any) -> None:
            raise RuntimeError("a kind's own bug")

    # A kind's bug is logged and the sweep goes on; Postgres away ends it, unlogged, for the
    # caller (make dev's schedule says it once; AWS's invocation fails and the next retries).
    assert Runner(jdb, {"archive": Broken()}, lambda _: None).sweep().sent == 0
    assert "a kind's own bug" in caplog.text
    caplog.clear()
    with pytest.raises(psycopg.OperationalError):
        Runner(jdb, {"archive": Away()}, lambda _: None).sweep()
    assert caplog.text == ""
