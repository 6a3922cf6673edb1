"""Tenant quotas at the file API's doors (migration 20251229000100_file_quotas.sql).

Every door that lets bytes into a tenant's prefix claims them first, as a
reservation in Postgres (`private.reserve_file_quota`), and is refused with
`413 quota_exceeded` when the tenant's stored bytes (every version, the trash
included), its unexpired reservations and the request would exceed the quota.
A reservation ends when the ledger of the bucket's changes records the write
(it is counted as used then), when the API's own write fails (`release`), or
when it expires: at the end of the write's window plus `QUEUE_ALLOWANCE`.

Only writes pay: one statement on the container's connection (an indexed read
for a tenant without a quota). Downloads, listings and metadata never ask.
When Postgres cannot be reached, a write fails closed with `503
database_unavailable`, for tenants without a quota too: whether a tenant has
one is itself in the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from file_lambda.database import Database
from tenancy.problems import Problem, ServiceUnavailable

# How long after a write's window closes (the API's own write: at once; a
# presigned form: when it expires; a multipart upload: when the lifecycle
# aborts it) its reservation still counts: the time a write started in the
# window may take to land, plus the queue's delay before the ledger counts it.
# A write whose notification takes longer is counted as used once it arrives,
# and meanwhile not at all (docs/design.md, "Quotas").
QUEUE_ALLOWANCE_SECONDS = 15 * 60


class QuotaExceeded(Problem):
    status = 413
    code = "quota_exceeded"

    def __init__(self, detail: str, members: dict[str, Any]) -> None:
        super().__init__(detail)
        # The problem's own members: limit, quota, used, reserved, requested.
        self.members = members


class QuotaUnavailable(ServiceUnavailable):
    code = "database_unavailable"


@dataclass(frozen=True, slots=True)
class Claim:
    """What a write may take: `bytes` granted (at most what was asked), its reservations."""

    bytes: int
    reservation_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Want:
    """A write to claim room for: `bytes` and `objects` at `path`."""

    path: str
    bytes: int
    objects: int = 1


class Quotas(Protocol):
    def reserve(
        self,
        tenant_id: str,
        wants: Sequence[Want],
        seconds: int,
        *,
        up_to: bool = False,
        upload: str | None = None,
    ) -> Claim:
        """Claim room for every write in `wants`, all or none, or raise `QuotaExceeded`.

        `up_to` (one write): its bytes are the most wanted, and what is left is
        granted when less. `upload`: the multipart upload (S3's id) the claim is
        for; it replaces that upload's earlier claims.
        """
        ...

    def hold(
        self, tenant_id: str, upload: str, path: str, size: int, seconds: int, *, up_to: bool
    ) -> Claim:
        """Room for `size` bytes of the multipart upload `upload` (S3's id), or `QuotaExceeded`.

        What the upload's unexpired reservation holds stands when it covers
        `size` (nothing new is claimed); otherwise claimed afresh in its place,
        as `reserve` would (`up_to`: what is left, up to `size`).
        """
        ...

    def release(
        self, tenant_id: str, reservation_ids: Sequence[int], upload: str | None = None
    ) -> None:
        """End reservations (and a multipart upload's) whose write will not happen.

        Best effort: they lapse at their expiry anyway.
        """
        ...


class NoQuotas:
    """Every write fits: an app built without a database (some tests, the OpenAPI export)."""

    def reserve(
        self,
        tenant_id: str,
        wants: Sequence[Want],
        seconds: int,
        *,
        up_to: bool = False,
        upload: str | None = None,
    ) -> Claim:
        return Claim(sum(want.bytes for want in wants))

    def hold(
        self, tenant_id: str, upload: str, path: str, size: int, seconds: int, *, up_to: bool
    ) -> Claim:
        return Claim(size)

    def release(
        self, tenant_id: str, reservation_ids: Sequence[int], upload: str | None = None
    ) -> None:
        return None


class PostgresQuotas:
    def __init__(self, database: Database) -> None:
        self._db = database

    def reserve(
        self,
        tenant_id: str,
        wants: Sequence[Want],
        seconds: int,
        *,
        up_to: bool = False,
        upload: str | None = None,
    ) -> Claim:
        return self._claim(
            "private.reserve_file_quota(%s, %s, %s, %s, %s, %s, %s)",
            (
                tenant_id,
                [want.path for want in wants],
                [want.bytes for want in wants],
                [want.objects for want in wants],
                seconds,
                up_to,
                upload,
            ),
        )

    def hold(
        self, tenant_id: str, upload: str, path: str, size: int, seconds: int, *, up_to: bool
    ) -> Claim:
        return self._claim(
            "private.hold_upload_quota(%s, %s, %s, %s, %s, %s)",
            (tenant_id, path, size, seconds, up_to, upload),
        )

    def _claim(self, call: str, params: tuple[object, ...]) -> Claim:
        try:
            [row] = self._db.execute(
                "select fits, limit_name, max_bytes, max_objects, used_bytes, used_objects,"  # noqa: S608 (call: one of two constants)
                " reserved_bytes, reserved_objects, requested_bytes, requested_objects,"
                f" reservation_ids from {call}",
                params,
            )
        except Exception as exc:
            raise QuotaUnavailable(
                "The tenant's quota could not be checked; try again shortly"
            ) from exc
        (fits, limit, max_bytes, max_objects, used_b, used_o, res_b, res_o, req_b, req_o, ids) = row
        if not fits:
            raise _exceeded(
                "objects" if limit == "objects" else "bytes",
                (max_bytes, used_b, res_b, req_b),
                (max_objects, used_o, res_o, req_o),
            )
        return Claim(int(req_b), tuple(ids))

    def release(
        self, tenant_id: str, reservation_ids: Sequence[int], upload: str | None = None
    ) -> None:
        if not reservation_ids and upload is None:
            return
        with contextlib.suppress(Exception):  # it lapses at its expiry anyway
            self._db.execute(
                "delete from public.file_reservations where tenant_id = %s"
                " and (id = any(%s) or upload_id = %s)",
                (tenant_id, list(reservation_ids), upload),
            )


Numbers = tuple[int, int, int, int]  # quota, used, reserved, requested


def _exceeded(limit: Literal["bytes", "objects"], size: Numbers, count: Numbers) -> QuotaExceeded:
    quota, used, reserved, requested = size if limit == "bytes" else count
    unit = "bytes" if limit == "bytes" else "objects"
    left = max(quota - used - reserved, 0)
    detail = (
        f"The tenant's quota is {quota} {unit}: {used} are stored (every version, the trash "
        f"included) and {reserved} reserved by uploads in progress, so {left} are left; this "
        f"needs {requested}. Delete or purge files, or ask for a larger quota."
    )
    return QuotaExceeded(
        detail,
        {
            "limit": limit,
            "quota": int(quota),
            "used": int(used),
            "reserved": int(reserved),
            "requested": int(requested),
        },
    )
