"""After a request that changed something, the webhook events it wrote leave at once.

The core's changes (members, invitations, roles, endpoints' test events) write
their webhook events in the request's transaction (`private.emit_webhook_event`);
without this they would wait for the sweep, up to a minute. After every
successful `POST`, `PUT`, `PATCH` or `DELETE`, once its response is sent, the
relay (`webhooks/relay.py`) runs in the background: one at a time per process
(a request meanwhile asks for one more run), on the pool's connections, as
`service_role`. When nothing is pending it costs one indexed query. A relay that
fails is logged and left to the sweep; the request has been answered already.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from psycopg.rows import tuple_row
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core_service.db import Database
from webhooks.relay import relay

log = logging.getLogger(__name__)

_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RelayAfterChanges:
    """ASGI middleware: the hook. Installed only when WEBHOOK_QUEUE_URL is set."""

    def __init__(self, app: ASGIApp, queue_url: str, region: str) -> None:
        self.app = app
        self.queue_url = queue_url
        self.region = region
        self._running: asyncio.Task[None] | None = None
        self._again = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _CHANGES:
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, sending)
        database = getattr(scope["app"].state, "database", None)
        if status < 400 and database is not None:
            self._wake(database)

    def _wake(self, database: Database) -> None:
        if self._running is not None and not self._running.done():
            self._again = True
            return
        self._running = asyncio.create_task(self._relay(database))

    async def _relay(self, database: Database) -> None:
        adapter = _OnThePool(database, asyncio.get_running_loop())
        self._again = True
        while self._again:
            self._again = False
            try:
                await asyncio.to_thread(relay, adapter, self.sqs, self.queue_url, batches=1)
            except Exception as error:
                log.warning("webhook events not relayed", extra={"error": type(error).__name__})
                return

    @cached_property
    def sqs(self) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"})
        return boto3.client("sqs", region_name=self.region, config=config)


class _OnThePool:
    """`webhooks.relay.Database` for the relay's thread: each statement on the event
    loop's pool, in a transaction of its own, as `service_role`."""

    def __init__(self, database: Database, loop: asyncio.AbstractEventLoop) -> None:
        self._database = database
        self._loop = loop

    def execute(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        done = asyncio.run_coroutine_threadsafe(self._execute(query, params), self._loop)
        return done.result(timeout=30)

    async def _execute(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        async with self._database.as_service() as conn:
            cursor = conn.cursor(row_factory=tuple_row)
            await cursor.execute(query, params)
            return await cursor.fetchall() if cursor.description is not None else []
