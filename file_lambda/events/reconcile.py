"""Recount a tenant's usage from the bucket and correct the ledger: the drift it fixed, as JSON.

    python -m file_lambda.events.reconcile TENANT_ID [--dry-run]

With the file API's environment (S3_BUCKET_NAME, SUPABASE_DB_URL or
APP_SECRET_ARN, AWS credentials that may list the tenant's versions). Run it
once the queue has drained: a change still queued from before the listing
would be applied on top of it. `--dry-run` reports the drift and corrects
nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict

from file_lambda.database import Database
from file_lambda.events import ledger
from file_lambda.secrets import SupabaseSecrets
from file_lambda.settings import Settings
from file_lambda.storage.port import Storage, VersionEntry
from file_lambda.storage.s3 import S3Storage, make_client
from tenancy.principal import canonical_uuid


def walk(storage: Storage, prefix: str) -> Iterator[VersionEntry]:
    """Every version and delete marker under `prefix`, page by page."""
    key_marker = version_marker = None
    while True:
        page = storage.list_versions(prefix, None, 1000, key_marker, version_marker)
        yield from page.entries
        if page.next_key_marker is None:
            return
        key_marker, version_marker = page.next_key_marker, page.next_version_marker


def tenant_command(
    module: str,
    doc: str,
    argv: Sequence[str] | None,
    add_arguments: Callable[[argparse.ArgumentParser], object],
) -> tuple[argparse.Namespace, str, Settings, S3Storage, Database]:
    """An operator's command on one tenant (`python -m module TENANT_ID ...`): its
    arguments, the tenant's id, and the file API's settings, bucket and database, from
    the environment the function runs with."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n\n")[0])
    parser.add_argument("tenant_id")
    add_arguments(parser)
    args = parser.parse_args(argv)
    tenant_id = canonical_uuid(args.tenant_id)
    if tenant_id is None:
        parser.error("TENANT_ID must be a UUID")
    settings = Settings.from_env()
    supabase = SupabaseSecrets(settings)
    storage = S3Storage(make_client(settings.region, settings.endpoint_url), settings.bucket)
    db = Database(lambda: supabase.get().db_url, timeout=10)
    return args, tenant_id, settings, storage, db


def drift(recorded: ledger.Usage, counted: ledger.Usage) -> dict[str, dict[str, int]]:
    """Per folder, what the count adds to what was recorded (only where they differ)."""
    result = {}
    for folder in sorted(recorded.folders.keys() | counted.folders.keys()):
        was = asdict(recorded.folders.get(folder, ledger.Totals()))
        now = asdict(counted.folders.get(folder, ledger.Totals()))
        if was != now:
            result[folder] = {name: now[name] - was[name] for name in now}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args, tenant_id, _, storage, db = tenant_command(
        "file_lambda.events.reconcile",
        __doc__ or "",
        argv,
        lambda parser: parser.add_argument(
            "--dry-run", action="store_true", help="report the drift, fix nothing"
        ),
    )
    entries = list(walk(storage, f"tenants/{tenant_id}/"))
    counted = ledger.recount(entries, f"tenants/{tenant_id}/").without_empty_folders()
    if args.dry_run:
        recorded = ledger.usage(db, tenant_id)
    else:
        recorded = ledger.reconcile(db, tenant_id, entries)
    report = {
        "tenant_id": tenant_id,
        "versions_listed": len(entries),
        "corrected": not args.dry_run,
        "drift": drift(recorded, counted),
        "usage": asdict(counted.total),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
