"""`GET /ready`: does each dependency answer, within a short timeout?"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import boto3
from botocore.config import Config

from core_service.db import Database

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]


def s3_client(region: str, endpoint_url: str | None, timeout: float) -> Any:
    """An S3 client for the readiness probe: short timeouts, one attempt."""
    return boto3.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )


def database_check(database: Database, timeout: float) -> Check:
    async def check() -> None:
        await database.ping(timeout)

    return check


def storage_check(client: Any, bucket: str) -> Check:
    async def check() -> None:
        # The smallest request the task role may make: its ListBucket permission
        # holds only under the tenants/ prefix (terraform/modules/iam), so a
        # HeadBucket would be denied in production.
        await asyncio.to_thread(client.list_objects_v2, Bucket=bucket, Prefix="tenants/", MaxKeys=1)

    return check


async def run_checks(checks: dict[str, Check], seconds: float) -> dict[str, str]:
    """Each check's outcome, `ok` or `unavailable`, run side by side."""

    async def outcome(name: str, check: Check) -> str:
        try:
            await asyncio.wait_for(check(), seconds + 1)
        except Exception as exc:
            log.warning("readiness: %s does not answer: %s", name, type(exc).__name__)
            return "unavailable"
        return "ok"

    names = list(checks)
    results = await asyncio.gather(*(outcome(name, checks[name]) for name in names))
    return dict(zip(names, results, strict=True))
