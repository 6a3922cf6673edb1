"""`GET /files/usage`: what a tenant stores, as the ledger of the bucket's changes holds it.

The ledger (`events/ledger.py`) is fed by the bucket's own notifications
(`events/consumer.py`), so it counts every way a file arrives or leaves,
presigned uploads and lifecycle expirations included, within the queue's
delay. Reading it is one indexed query on the container's connection; no S3
call, whatever the tenant's size.
"""

from __future__ import annotations

from typing import Any

from file_lambda.cursors import Cursors
from file_lambda.events import ledger
from file_lambda.settings import Settings
from file_lambda.storage.port import Storage
from file_lambda.tenant_files import TenantFiles
from file_lambda.usage.exceptions import UsageUnavailable
from file_lambda.usage.schemas import FolderUsage, TenantUsage, UsageTotals
from tenancy.principal import TenantAccess


class UsageReport(TenantFiles):
    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        access: TenantAccess,
        cursors: Cursors,
        ledger_db: ledger.Database,
    ) -> None:
        super().__init__(storage, settings, access, cursors)
        self._ledger_db = ledger_db

    @classmethod
    def for_request(cls, state: Any, access: TenantAccess) -> UsageReport:
        return cls(state.storage, state.settings, access, state.cursors, state.ledger)

    def report(self) -> TenantUsage:
        try:
            usage = ledger.usage(self._ledger_db, self._access.tenant_id)
        except Exception as exc:
            raise UsageUnavailable("The usage cannot be read right now; try again") from exc
        return TenantUsage(
            current=_totals(usage.total.current_bytes, usage.total.current_objects),
            all_versions=_totals(usage.total.version_bytes, usage.total.version_objects),
            folders=[
                FolderUsage(
                    folder=folder,
                    current=_totals(totals.current_bytes, totals.current_objects),
                    all_versions=_totals(totals.version_bytes, totals.version_objects),
                )
                for folder, totals in sorted(usage.folders.items())
            ],
        )


def _totals(size: int, objects: int) -> UsageTotals:
    return UsageTotals(size=size, objects=objects)
