"""Ask GuardDuty to scan each of a tenant's versions that has no verdict: a JSON report.

    python -m file_lambda.events.rescan TENANT_ID [--dry-run] [--older-than SECONDS]

GuardDuty scans each version written after the bucket's protection plan
existed. A version written before it (or whose result was lost past the
queue's 14 days) has no verdict and stays `pending`: its tenant's members
who did not write it, and every share link, are refused it. This asks
GuardDuty for an on-demand scan of each such version (`SendObjectMalwareScan`,
by version id); the results come back through the same rule, queue and
consumer as any other, and the usual rules apply (the later scan wins).

With the file API's environment (S3_BUCKET_NAME, SUPABASE_DB_URL or
APP_SECRET_ARN) and AWS credentials that may list the tenant's versions and
call `guardduty:SendObjectMalwareScan` on the bucket (docs/operations.md,
"Malware scanning"). Versions younger than `--older-than` seconds (default
600) are left alone: their own scan is still on its way. `--dry-run` lists
what it would ask for and asks nothing. Each on-demand scan is billed as any
other (docs/operations.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import boto3

from file_lambda.events.ledger import Database as Statements
from file_lambda.events.notifications import TENANTS_PREFIX
from file_lambda.events.reconcile import tenant_command, walk
from file_lambda.storage.port import VersionEntry


class Scanner(Protocol):
    def scan(self, key: str, version_id: str) -> None:
        """Ask for one version's scan; its result arrives as any other."""
        ...


class GuardDutyScanner:
    """GuardDuty's on-demand scan of one object version (the bucket's plan's role reads it)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def scan(self, key: str, version_id: str) -> None:
        self._client.send_object_malware_scan(
            S3Object={"Bucket": self._bucket, "Key": key, "VersionId": version_id}
        )


def unscanned(
    db: Statements,
    tenant_id: str,
    entries: Iterable[VersionEntry],
    older_than: datetime,
) -> list[VersionEntry]:
    """The versions (not delete markers) written before `older_than` with no verdict."""
    prefix = f"{TENANTS_PREFIX}{tenant_id}/"
    judged = {
        (path, version_id)
        for path, version_id in db.execute(
            "select path, version_id from public.file_scans where tenant_id = %s", (tenant_id,)
        )
    }
    return [
        entry
        for entry in entries
        if not entry.is_delete_marker
        and entry.last_modified < older_than
        and (entry.key[len(prefix) :], entry.version_id) not in judged
    ]


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="list them, ask for nothing")
    parser.add_argument(
        "--older-than",
        type=int,
        default=600,
        metavar="SECONDS",
        help="leave alone versions younger than this (their own scan is on its way)",
    )


def main(argv: Sequence[str] | None = None, *, scanner: Scanner | None = None) -> int:
    args, tenant_id, settings, storage, db = tenant_command(
        "file_lambda.events.rescan", __doc__ or "", argv, _arguments
    )
    prefix = f"{TENANTS_PREFIX}{tenant_id}/"
    entries = list(walk(storage, prefix))
    cutoff = datetime.now(UTC) - timedelta(seconds=args.older_than)
    waiting = unscanned(db, tenant_id, entries, cutoff)
    if not args.dry_run:
        scanner = scanner or GuardDutyScanner(
            boto3.client("guardduty", region_name=settings.region), settings.bucket
        )
        for entry in waiting:
            scanner.scan(entry.key, entry.version_id)
    report = {
        "tenant_id": tenant_id,
        "versions_listed": sum(not entry.is_delete_marker for entry in entries),
        "without_verdict": len(waiting),
        "scans_asked": 0 if args.dry_run else len(waiting),
        "paths": sorted({entry.key[len(prefix) :] for entry in waiting}),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
