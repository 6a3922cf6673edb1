"""Who may read a version, given its verdict (`file_lambda/scans.py`), and what is kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from file_lambda.scans import (
    FileInfected,
    FileNotScanned,
    ScanPending,
    Verdicts,
    VerdictsUnavailable,
)

TENANT = "6b0a4a3e-8a3c-4b8e-9d1a-2f6f0f5b1c11"
MEMBER = "member-user"
WRITER = "writer-user"


class Rows:
    """A database that answers one verdict row, and counts its round trips."""

    def __init__(self, status: str | None, members_read_pending: bool = False) -> None:
        self.status = status
        self.members_read_pending = members_read_pending
        self.calls = 0
        self.down = False

    def execute(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.calls += 1
        if self.down:
            raise OSError("connection refused")
        return [(self.status, ["EICAR-Test-File (not a virus)"], self.members_read_pending)]


def verdicts(rows: Rows, now: list[float] | None = None) -> Verdicts:
    clock = now or [0.0]
    return Verdicts(rows, enforced=True, retry_after=7, ttl=30, clock=lambda: clock[0])


def judge(rows: Rows, reader: str | None, writer: str | None = WRITER) -> str:
    try:
        verdict = verdicts(rows).require_readable(
            TENANT, "a.pdf", "v1", reader=reader, writer=writer
        )
    except (FileInfected, FileNotScanned, ScanPending) as problem:
        return f"{problem.status} {problem.code}"
    assert verdict is not None
    return verdict.state


@pytest.mark.parametrize(
    ("status", "members_read_pending", "reader", "expected"),
    [
        ("clean", False, MEMBER, "clean"),
        ("clean", False, None, "clean"),
        ("infected", True, WRITER, "403 file_infected"),
        ("infected", False, None, "403 file_infected"),
        (None, False, MEMBER, "409 scan_pending"),
        (None, False, WRITER, "pending"),  # who wrote it may read it back
        (None, True, MEMBER, "pending"),  # the tenant lets its members
        (None, True, None, "409 scan_pending"),  # never through a link
        ("unscannable", False, MEMBER, "unscannable"),
        ("unscannable", False, None, "403 file_not_scanned"),
        ("failed", False, MEMBER, "failed"),
        ("failed", True, None, "403 file_not_scanned"),
    ],
)
def test_who_may_read_what(
    status: str | None, members_read_pending: bool, reader: str | None, expected: str
) -> None:
    assert judge(Rows(status, members_read_pending), reader) == expected


def test_a_pending_refusal_says_when_to_come_back() -> None:
    with pytest.raises(ScanPending) as refused:
        verdicts(Rows(None)).require_readable(TENANT, "a.pdf", "v1", reader=MEMBER)
    assert refused.value.headers == {"Retry-After": "7"}


def test_a_verdict_is_kept_for_the_ttl_and_a_pending_one_never() -> None:
    now = [0.0]
    clean = Rows("clean")
    kept = verdicts(clean, now)
    for _ in range(3):
        kept.require_readable(TENANT, "a.pdf", "v1", reader=MEMBER)
    assert clean.calls == 1
    now[0] = 31.0
    kept.require_readable(TENANT, "a.pdf", "v1", reader=MEMBER)
    assert clean.calls == 2
    pending = Rows(None)
    asked = verdicts(pending, now)
    for _ in range(3):
        asked.of_version(TENANT, "a.pdf", "v1")
    assert pending.calls == 3


def test_an_unreadable_database_refuses_rather_than_serves() -> None:
    rows = Rows("clean")
    rows.down = True
    with pytest.raises(VerdictsUnavailable) as refused:
        verdicts(rows).require_readable(TENANT, "a.pdf", "v1", reader=MEMBER)
    assert refused.value.status == 503
    assert "connection refused" not in str(refused.value.detail)


def test_scanning_off_reads_and_refuses_nothing() -> None:
    rows = Rows("infected")
    off = Verdicts(rows, enforced=False, retry_after=7, ttl=30)
    assert off.require_readable(TENANT, "a.pdf", "v1", reader=None) is None
    assert off.of_listing(TENANT, [("a.pdf", "e")]) is None
    assert rows.calls == 0
