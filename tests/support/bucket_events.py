"""S3's event notifications, as the bucket would send them, and the SQS batches they arrive in.

SeaweedFS sends no notifications, so tests emulate only that source: from a
version listing of what the bucket really holds (`from_listing`), or one
record at a time (`record`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote_plus

from file_lambda.storage.port import VersionEntry

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:snsd-production-bucket-changes"


def record(event_name: str, key: str, version: str, **obj: Any) -> dict[str, Any]:
    """One notification record (its key URL-encoded, as S3 sends it)."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventTime": "2026-11-30T12:00:00.000Z",
        "eventName": event_name,
        "s3": {
            "bucket": {"name": "snsd-file-uploads-production"},
            "object": {"key": quote_plus(key, safe="/"), "versionId": version, **obj},
        },
    }


def from_listing(entries: Iterable[VersionEntry]) -> list[dict[str, Any]]:
    """The records that created what a version listing shows, the latest of each key last."""
    by_key: dict[str, list[VersionEntry]] = {}
    for entry in entries:
        by_key.setdefault(entry.key, []).append(entry)
    records = []
    for key, versions in by_key.items():
        versions.sort(key=lambda v: (v.is_latest, v.last_modified))
        for order, entry in enumerate(versions, start=1):
            sequencer = f"{order:016X}"
            if entry.is_delete_marker:
                records.append(
                    record(
                        "ObjectRemoved:DeleteMarkerCreated",
                        key,
                        entry.version_id,
                        sequencer=sequencer,
                    )
                )
            else:
                records.append(
                    record(
                        "ObjectCreated:Put",
                        key,
                        entry.version_id,
                        size=entry.size,
                        sequencer=sequencer,
                    )
                )
    return records


def sqs_batch(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One SQS message per record, as the event source mapping hands them over."""
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": json.dumps({"Records": [item]}),
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
            }
            for index, item in enumerate(records)
        ]
    }


def scan_result(
    key: str,
    version: str | None,
    result: str,
    *,
    threats: Iterable[str] = (),
    time: str = "2026-11-30T12:00:05Z",
    etag: str = "0123456789abcdef0123456789abcdef",
    scan_status: str = "COMPLETED",
) -> dict[str, Any]:
    """The EventBridge event GuardDuty Malware Protection for S3 publishes for one scan
    (as AWS documents it: "Monitoring S3 object scans with Amazon EventBridge")."""
    names = [{"name": name} for name in threats]
    return {
        "version": "0",
        "id": "72c7d362-737a-6dce-fc78-9e27a0171419",
        "detail-type": "GuardDuty Malware Protection Object Scan Result",
        "source": "aws.guardduty",
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": [
            "arn:aws:guardduty:us-east-1:123456789012:malware-protection-plan/b4c7f464ab3a4EXAMPLE"
        ],
        "detail": {
            "schemaVersion": "1.0",
            "scanStatus": scan_status,
            "resourceType": "S3_OBJECT",
            "s3ObjectDetails": {
                "bucketName": "snsd-file-uploads-production",
                "objectKey": key,
                "eTag": etag,
                "versionId": version,
                "s3Throttled": False,
            },
            "scanResultDetails": {
                "scanResultStatus": result,
                "threats": names or None,
            },
        },
    }


def sqs_messages(bodies: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One SQS message per body (an EventBridge event or a notification), as the
    event source mapping hands them over."""
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": json.dumps(body),
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
            }
            for index, body in enumerate(bodies)
        ]
    }
