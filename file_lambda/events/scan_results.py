"""Malware scan results, read from the EventBridge events GuardDuty publishes.

GuardDuty Malware Protection for S3 scans each new object version under
`tenants/`, tags it `GuardDutyMalwareScanStatus`, and publishes one event per
scan to the default event bus; a rule puts those of the uploads bucket on the
bucket-changes queue (terraform/modules/malware_scanning), beside S3's own
notifications. `make dev`'s scanner (dev/scanner.py) puts the same events on
the same queue. The shape, from AWS's documentation ("Monitoring S3 object
scans with Amazon EventBridge"):

    {"source": "aws.guardduty",
     "detail-type": "GuardDuty Malware Protection Object Scan Result",
     "time": "2026-12-07T14:00:00Z",
     "detail": {"scanStatus": "COMPLETED" | "SKIPPED" | "FAILED",
                "resourceType": "S3_OBJECT",
                "s3ObjectDetails": {"bucketName", "objectKey", "eTag", "versionId", ...},
                "scanResultDetails": {"scanResultStatus": "NO_THREATS_FOUND" | ...,
                                      "threats": [{"name": ...}] | null}}}

Each is recorded by `private.record_scan_result` (migration
20260119000100_file_scans.sql), idempotent and order-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from file_lambda.events.ledger import Database, change_time
from file_lambda.events.notifications import MalformedRecord, tenant_path

SOURCE = "aws.guardduty"
DETAIL_TYPE = "GuardDuty Malware Protection Object Scan Result"
# GuardDuty's tag on each scanned object: its value is the scan's result.
TAG = "GuardDutyMalwareScanStatus"
RESULTS = frozenset({"NO_THREATS_FOUND", "THREATS_FOUND", "UNSUPPORTED", "ACCESS_DENIED", "FAILED"})
# GuardDuty names at most the 32 most severe threats of an object.
MAX_THREATS = 32


@dataclass(frozen=True, slots=True)
class ScanResult:
    tenant_id: str
    # Relative to the tenant's root, as the API shows it.
    path: str
    version_id: str
    etag: str | None
    # GuardDuty's scanResultStatus (one of RESULTS).
    result: str
    threats: tuple[str, ...]
    # When GuardDuty reported it: of two results for one version, the later wins.
    time: datetime


def is_scan_result(message: Mapping[str, Any]) -> bool:
    """An EventBridge event of a malware scan (S3's notifications have `Records`)."""
    return message.get("source") == SOURCE and message.get("detail-type") == DETAIL_TYPE


def parse_scan_result(message: Mapping[str, Any]) -> ScanResult | None:
    """The verdict one event reports, or None for an object outside `tenants/{tenant_id}/`."""
    try:
        detail = message["detail"]
        obj = detail["s3ObjectDetails"]
        # EventBridge carries the key as S3 stored it; S3's notifications encode it
        # (spaces as '+'), and a key with '+' or '%' must read the same either way.
        key = str(obj["objectKey"])
        located = tenant_path(key) or tenant_path(unquote_plus(key))
        if located is None:
            return None
        version = obj.get("versionId")
        etag = obj.get("eTag")
        scanned = detail.get("scanResultDetails") or {}
        result = scanned.get("scanResultStatus") or _without_result(str(detail.get("scanStatus")))
        threats = tuple(
            str(threat["name"])[:256] for threat in (scanned.get("threats") or ())[:MAX_THREATS]
        )
        time = change_time(str(message["time"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedRecord(f"scan result without {exc}") from None
    if time is None:
        # Without its time a result could not be ordered against another.
        raise MalformedRecord(f"scan result with time {message['time']!r}")
    if result not in RESULTS:
        # A result this code does not know is not a clean one.
        result = "FAILED"
    tenant_id, path = located
    return ScanResult(
        tenant_id,
        path,
        "null" if version is None else str(version),  # S3's id of an unversioned object
        None if etag is None else str(etag).strip('"'),
        result,
        threats,
        time,
    )


def _without_result(scan_status: str) -> str:
    """A scan that reports no result: skipped (GuardDuty could not scan it) or failed."""
    return "UNSUPPORTED" if scan_status == "SKIPPED" else "FAILED"


def record(db: Database, scan: ScanResult) -> bool:
    """Record one verdict; True when the version's verdict changed."""
    [(changed,)] = db.execute(
        "select private.record_scan_result(%s, %s, %s, %s, %s, %s, %s)",
        (
            scan.tenant_id,
            scan.path,
            scan.version_id,
            scan.etag,
            scan.result,
            list(scan.threats),
            scan.time,
        ),
    )
    return bool(changed)
