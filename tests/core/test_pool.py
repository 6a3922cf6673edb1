"""The pool checks a connection before use only once it has sat idle (db.IdleCheck)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from core_service.db import create_pool


async def _backend_pid_after_a_kill(db_url: str, idle_before_check: float) -> tuple[int, int]:
    """Use the pool's one connection, kill its backend, use the pool again: (old pid, new pid)."""
    pool = create_pool(db_url, min_size=1, max_size=1, idle_before_check=idle_before_check)
    await pool.open(wait=True)
    try:
        async with pool.connection() as conn:
            cursor = await conn.execute("select pg_backend_pid() as pid")
            row = await cursor.fetchone()
            assert row is not None
            old_pid = int(row["pid"])
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as admin:
            await admin.execute("select pg_terminate_backend(%s)", (old_pid,))
        async with pool.connection() as conn:
            cursor = await conn.execute("select pg_backend_pid() as pid")
            row = await cursor.fetchone()
            assert row is not None
            return old_pid, int(row["pid"])
    finally:
        await pool.close()


def test_a_connection_idle_past_the_threshold_is_checked_and_replaced(db_url: str) -> None:
    old_pid, new_pid = asyncio.run(_backend_pid_after_a_kill(db_url, idle_before_check=0.0))
    assert new_pid != old_pid


def test_a_connection_back_a_moment_ago_is_handed_out_unchecked(db_url: str) -> None:
    # The trade-off IdleCheck makes: no round trip, so a connection killed in
    # that moment fails its request (503, "try again") and the pool replaces it.
    with pytest.raises(psycopg.OperationalError):
        asyncio.run(_backend_pid_after_a_kill(db_url, idle_before_check=60.0))
