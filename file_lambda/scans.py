"""Malware scans' verdicts, and who may read a version given its verdict.

Every new object version is scanned (GuardDuty Malware Protection for S3 in
AWS, `make dev`'s scanner locally), and its verdict reaches Postgres through
the bucket-changes queue (`events/scan_results.py`, `public.file_scans`). A
version without a verdict is `pending`. Before a domain hands a version to
anyone (a download, a presigned URL, a share link's download), it asks
`Verdicts.require_readable`:

| verdict     | a member                                   | a share link's recipient |
| ----------- | ------------------------------------------ | ------------------------ |
| clean       | yes                                        | yes                      |
| pending     | the member who wrote it, or every member   | `409 scan_pending`       |
|             | where the tenant allows it; else           |                          |
|             | `409 scan_pending` with `Retry-After`      |                          |
| unscannable | yes                                        | `403 file_not_scanned`   |
| failed      | yes                                        | `403 file_not_scanned`   |
| infected    | `403 file_infected`                        | `403 file_infected`      |

The bucket's policy refuses `s3:GetObject` of a version GuardDuty tagged
infected whoever asks, a presigned URL included; this module refuses before
any URL is made, and for the states the bucket cannot tell apart.

A verdict read is kept by the container for `ttl` seconds (as memberships
are, `memberships.py`): a warm download of a scanned file makes no lookup.
A pending verdict is never kept: it is about to change.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from tenancy.problems import Conflict, Forbidden, ServiceUnavailable

ScanState = Literal["pending", "clean", "infected", "unscannable", "failed"]
SCAN_STATES: tuple[ScanState, ...] = ("pending", "clean", "infected", "unscannable", "failed")
# Versions whose verdict a container keeps; past it the oldest go first.
KEPT_VERDICTS = 10_000
# The metadata every door writes on a version: the user id of who wrote it.
WRITER_METADATA = "uploaded-by"


class Database(Protocol):
    def execute(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class FileInfected(Forbidden):
    code = "file_infected"


class ScanPending(Conflict):
    code = "scan_pending"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


def _infected() -> FileInfected:
    return FileInfected(
        "This file contains malware and cannot be read; "
        "an admin of its tenant can delete it for good"
    )


class FileNotScanned(Forbidden):
    code = "file_not_scanned"


class VerdictsUnavailable(ServiceUnavailable):
    code = "database_unavailable"


@dataclass(frozen=True, slots=True)
class Verdict:
    state: ScanState
    threats: tuple[str, ...] = ()
    # The tenant's choice: may its members read a version not scanned yet?
    members_read_pending: bool = False


# One version's verdict and its tenant's choice, in one round trip.
_VERSION = """
select s.status, s.threats, t.members_read_pending
from (values (1)) as one (x)
left join public.tenants t on t.id = %s
left join public.file_scans s on s.tenant_id = %s and s.path = %s and s.version_id = %s
"""
# The verdicts of a listing's keys, matched by ETag (a listing names no version).
_BY_ETAG = """
select path, etag, status from public.file_scans
where tenant_id = %s and path = any(%s)
"""
_BY_VERSION = """
select s.path, s.version_id, s.status
from public.file_scans s
join unnest(%s::text[], %s::text[]) as v (path, version_id)
  on s.path = v.path and s.version_id = v.version_id
where s.tenant_id = %s
"""
# Whether a version of a path (any, when no version is named) was found infected.
_INFECTED = """
select exists (select from public.file_scans
               where tenant_id = %s and path = %s and status = 'infected'
                 and (%s::text is null or version_id = %s))
"""
# Which verdict a listing shows when versions of one key share an ETag: the worst.
_SEVERITY = {"clean": 0, "unscannable": 1, "failed": 2, "infected": 3}


class Verdicts:
    """The container's reader of verdicts (`app.state.verdicts`).

    `enforced` False (setting `MALWARE_SCANNING=off`: a deployment without a
    scanner, and the test suites that are not about scanning) reads nothing,
    refuses nothing, and shows no state (`None`).
    """

    def __init__(
        self,
        database: Database,
        *,
        enforced: bool,
        retry_after: int,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self.enforced = enforced
        self._retry_after = retry_after
        self._ttl = ttl
        self._clock = clock
        self._kept: OrderedDict[tuple[str, str, str], tuple[Verdict, float]] = OrderedDict()

    # -- one version -------------------------------------------------------------------

    def of_version(self, tenant_id: str, path: str, version_id: str | None) -> Verdict | None:
        """The verdict of one version; None where scanning is off."""
        if not self.enforced:
            return None
        key = (tenant_id, path, version_id or "null")
        now = self._clock()
        kept = self._kept.get(key)
        if kept is not None and now - kept[1] < self._ttl:
            return kept[0]
        try:
            [(status, threats, members_read_pending)] = self._database.execute(
                _VERSION, (tenant_id, tenant_id, path, key[2])
            )
        except Exception as exc:
            raise VerdictsUnavailable(
                "Whether this file is safe cannot be checked now; try again shortly"
            ) from exc
        verdict = Verdict(status or "pending", tuple(threats or ()), bool(members_read_pending))
        if verdict.state != "pending":
            self._kept[key] = (verdict, now)
            self._kept.move_to_end(key)
            if len(self._kept) > KEPT_VERDICTS:
                self._kept.popitem(last=False)
        return verdict

    def refuse_infected(self, tenant_id: str, path: str, version_id: str | None) -> Verdict | None:
        """The version's verdict, or `403 file_infected` whoever asks: for what would hand
        an infected version on under a new name (a copy, a move, a restored version, a
        new share link). Any other may be handed on: its copy is a new version, scanned
        again."""
        verdict = self.of_version(tenant_id, path, version_id)
        if verdict is not None and verdict.state == "infected":
            raise _infected()
        return verdict

    def refuse_unreadable(self, tenant_id: str, path: str, version_id: str | None) -> None:
        """`403 file_infected` when storage refuses to read a version of `path` (that
        version, or its current one when None) and a verdict says it holds malware:
        the bucket's policy refuses reading what GuardDuty tagged infected, to the API
        too. One query, on this rare path only; nothing is kept."""
        if not self.enforced:
            return
        [(infected,)] = self._rows(_INFECTED, (tenant_id, path, version_id, version_id))
        if infected:
            raise _infected()

    def require_readable(
        self,
        tenant_id: str,
        path: str,
        version_id: str | None,
        *,
        reader: str | None,
        writer: str | None = None,
    ) -> Verdict | None:
        """The version's verdict, if `reader` may have the version; the problem otherwise.

        `reader`: the member's user id, or None for a share link's recipient.
        `writer`: who wrote the version (its `uploaded-by` metadata), if known.
        """
        verdict = self.of_version(tenant_id, path, version_id)
        if verdict is None or verdict.state == "clean":
            return verdict
        if verdict.state == "infected":
            raise _infected()
        if reader is None:
            if verdict.state == "pending":
                raise ScanPending(
                    "This file is being checked for malware; try again shortly",
                    self._retry_after,
                )
            raise FileNotScanned(
                "This file could not be checked for malware, so it is not shared by link"
            )
        if verdict.state == "pending" and not (
            verdict.members_read_pending or (writer is not None and writer == reader)
        ):
            raise ScanPending(
                "This file is being checked for malware; try again shortly",
                self._retry_after,
            )
        return verdict

    # -- many, for listings ------------------------------------------------------------

    def of_listing(
        self, tenant_id: str, entries: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], ScanState] | None:
        """The state of each (path, ETag) of a listing page; None where scanning is off."""
        if not self.enforced:
            return None
        wanted = list(entries)
        states: dict[tuple[str, str], ScanState] = {entry: "pending" for entry in wanted}
        if not wanted:
            return states
        rows = self._rows(_BY_ETAG, (tenant_id, sorted({path for path, _ in wanted})))
        for path, etag, status in rows:
            entry = (path, etag or "")
            if entry in states and (
                states[entry] == "pending" or _SEVERITY[status] > _SEVERITY[states[entry]]
            ):
                states[entry] = status
        return states

    def of_versions(
        self, tenant_id: str, versions: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], ScanState] | None:
        """The state of each (path, version id); None where scanning is off."""
        if not self.enforced:
            return None
        wanted = list(versions)
        states: dict[tuple[str, str], ScanState] = {entry: "pending" for entry in wanted}
        if not wanted:
            return states
        paths = [path for path, _ in wanted]
        ids = [version_id for _, version_id in wanted]
        for path, version_id, status in self._rows(_BY_VERSION, (paths, ids, tenant_id)):
            states[(path, version_id)] = status
        return states

    def _rows(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            return self._database.execute(query, params)
        except Exception as exc:
            raise VerdictsUnavailable(
                "Whether these files are safe cannot be checked now; try again shortly"
            ) from exc
