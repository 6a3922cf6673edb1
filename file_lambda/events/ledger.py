"""Object changes recorded in Postgres, and the usage they add up to.

`record` hands each change to `private.apply_file_change` (migration
20251222000100_file_usage.sql), which keeps every version's state and moves
its folder's totals by the difference it made: applying the same changes
again, or in another order, ends in the same totals. `recount` computes the
same totals from a version listing, which is how they are checked and how a
tenant is reconciled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from file_lambda.events.notifications import ObjectChange
from file_lambda.storage.port import VersionEntry


class Database(Protocol):
    """`file_lambda.database.Database`: one autocommitted statement a call."""

    def execute(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


@dataclass(slots=True)
class Totals:
    current_bytes: int = 0
    current_objects: int = 0
    # Every version kept, the current one included; delete markers excluded.
    version_bytes: int = 0
    version_objects: int = 0

    def add(self, other: Totals) -> None:
        self.current_bytes += other.current_bytes
        self.current_objects += other.current_objects
        self.version_bytes += other.version_bytes
        self.version_objects += other.version_objects


@dataclass(slots=True)
class Usage:
    """A tenant's totals, and per top-level folder ('' for files at the root)."""

    total: Totals = field(default_factory=Totals)
    folders: dict[str, Totals] = field(default_factory=dict)

    def add(self, folder: str, totals: Totals) -> None:
        self.folders.setdefault(folder, Totals()).add(totals)
        self.total.add(totals)

    def without_empty_folders(self) -> Usage:
        """The same usage, folders whose totals are all zero left out."""
        kept = Usage()
        for folder, totals in self.folders.items():
            if totals != Totals():
                kept.add(folder, totals)
        return kept


def folder_of(path: str) -> str:
    head, slash, _ = path.partition("/")
    return head if slash else ""


def change_time(event_time: str) -> datetime | None:
    """S3's `eventTime` (ISO 8601, UTC), or None when it is not one: never a reason to
    refuse a change, which would then wait in the queue for good."""
    try:
        moment = datetime.fromisoformat(event_time)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def record(db: Database, change: ObjectChange) -> bool:
    """Record one change; False when it was already recorded (a duplicate)."""
    [(changed,)] = db.execute(
        "select private.apply_file_change(%s, %s, %s, %s, %s, %s, %s)",
        (
            change.tenant_id,
            change.path,
            change.version_id,
            change.change,
            change.size,
            change.sequencer,
            # S3's time of the change, for the audit trail's row (migration
            # 20251229000300); None: dated when recorded.
            change_time(change.time),
        ),
    )
    return bool(changed)


@dataclass(frozen=True, slots=True)
class ExcessVersion:
    """A version no reservation covered and that did not fit in its tenant's quota."""

    tenant_id: str
    path: str
    version_id: str


def excess_versions(db: Database, limit: int) -> list[ExcessVersion]:
    """Versions noted as excess (migration 20260105000100), oldest first, still to remove."""
    rows = db.execute(
        "select tenant_id, path, version_id from public.file_excess_versions"
        " order by noted_at limit %s",
        (limit,),
    )
    return [ExcessVersion(str(tenant), path, version) for tenant, path, version in rows]


def excess_removed(db: Database, excess: ExcessVersion) -> None:
    """The bucket no longer holds it: record the removal and audit why."""
    db.execute(
        "select private.excess_version_removed(%s, %s, %s)",
        (excess.tenant_id, excess.path, excess.version_id),
    )


def usage(db: Database, tenant_id: str) -> Usage:
    return _usage_of(
        db.execute(
            "select folder, current_bytes, current_objects, version_bytes, version_objects"
            " from public.file_usage where tenant_id = %s order by folder",
            (tenant_id,),
        )
    )


def recount(entries: Iterable[VersionEntry], root: str) -> Usage:
    """The usage of a version listing of everything under `root` (the tenant's prefix)."""
    result = Usage()
    for entry in entries:
        if entry.is_delete_marker:
            continue
        current = 1 if entry.is_latest else 0
        result.add(
            folder_of(entry.key.removeprefix(root)),
            Totals(entry.size * current, current, entry.size, 1),
        )
    return result


def reconcile(db: Database, tenant_id: str, entries: Iterable[VersionEntry]) -> Usage:
    """Replace what is recorded of the tenant with a full listing of its prefix.

    Returns the usage recorded before, so that the caller can report the drift.
    """
    root = f"tenants/{tenant_id}/"
    versions = [
        {
            "path": entry.key.removeprefix(root),
            "version_id": entry.version_id,
            "size": entry.size,
            "delete_marker": entry.is_delete_marker,
            "is_latest": entry.is_latest,
        }
        for entry in entries
    ]
    return _usage_of(
        db.execute(
            "select folder, current_bytes, current_objects, version_bytes, version_objects"
            " from private.reconcile_file_usage(%s, %s::jsonb)",
            (tenant_id, json.dumps(versions)),
        )
    )


def _usage_of(rows: Iterable[tuple[Any, ...]]) -> Usage:
    result = Usage()
    for folder, *numbers in rows:
        result.add(folder, Totals(*numbers))
    return result.without_empty_folders()
