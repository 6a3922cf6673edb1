"""The file API's one Postgres connection per container (Supabase Postgres).

A container serves one invocation at a time, so there is no pool: one
connection, opened on first use and reopened once when it has gone away (a
frozen container's connection may have been closed by the pooler meanwhile).
Given Supabase's session pooler (the core's URL), it connects to the same
host's transaction pooler instead (`tenancy/supabase_pooler.py`): a frozen
container then holds no server connection, and the session pooler's clients
(as many as its pool size) stay the core's.
The memberships (`memberships.py`) and the record of unfinished uploads
(`uploads/records.py`) share it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg


class Database:
    def __init__(self, database_url: Callable[[], str | None], *, timeout: int = 2) -> None:
        self._database_url = database_url
        self._timeout = timeout
        self._conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()

    def execute(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one autocommitted statement (none for a statement without rows)."""
        with self._lock:
            try:
                return self._run(query, params)
            except Exception:
                # One fresh connection, then give up.
                self.close()
                return self._run(query, params)

    def _run(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        cursor = self._conn.execute(query, params)
        return cursor.fetchall() if cursor.description is not None else []

    def _connect(self) -> psycopg.Connection[Any]:
        # The driver loads with the first query, which opens a connection anyway:
        # cold starts and unauthenticated calls do not pay for its import.
        import psycopg

        from tenancy.supabase_pooler import transaction_mode

        url = self._database_url()
        if not url:
            raise RuntimeError("no SUPABASE_DB_URL is configured")
        return psycopg.connect(
            # Short autocommitted statements from many containers: Supabase's
            # transaction pooler serves them without a server connection each.
            transaction_mode(url),
            autocommit=True,
            connect_timeout=self._timeout,
            # Supabase's transaction pooler cannot keep prepared statements.
            prepare_threshold=None,
            application_name="snsd-file-api",
        )

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection may fail too
                conn.close()
