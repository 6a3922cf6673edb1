"""`make dev`'s malware scanner, at GuardDuty Malware Protection for S3's boundary.

In AWS, GuardDuty scans each new object version under `tenants/`, tags that
version `GuardDutyMalwareScanStatus=<result>` and publishes an EventBridge
event ("GuardDuty Malware Protection Object Scan Result"), which a rule puts
on the bucket-changes queue (terraform/modules/malware_scanning). Here the
bucket watcher (`bucket_notifications.BucketSource`) hands each new version
it reports to `Scanner.submit`, and a small pool of threads, off the
watcher's, does what GuardDuty does:

1. reads that version from SeaweedFS by its version id (no more of it than
   the engine needs);
2. decides: `THREATS_FOUND`, `NO_THREATS_FOUND`, `UNSUPPORTED` (larger than
   `max_bytes`, not read at all) or `FAILED` (it could not be read;
   `ACCESS_DENIED` when S3 said so);
3. tags that version, keeping its other tags, as GuardDuty adds its own;
4. puts the event, shaped as EventBridge delivers GuardDuty's to an SQS
   target, on the same local queue as the bucket's changes, so the same
   event source mapping hands it to the same handler.

The engine knows one threat, the EICAR test file, as EICAR's standard
defines it: a file that starts with the 68-byte test string, optionally
followed by whitespace (space, tab, LF, CR, Ctrl-Z), 128 bytes at most
(EICAR's page http://www.eicar.org/anti_virus_test_file.htm, as quoted in
http://lists.mailscanner.info/pipermail/mailscanner/2008-January/080975.html).
Enough for the product's code, which sees only the tag and the event and
cannot tell this scanner from GuardDuty: see dev/README.md.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from file_lambda.events.scan_results import DETAIL_TYPE, SOURCE, TAG
from file_lambda.storage.port import VersionEntry

log = logging.getLogger(__name__)

# The EICAR standard's test string (its third character is the letter O).
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# What may follow it, and the longest file that is still the test file.
EICAR_PADDING = b" \t\n\r\x1a"
EICAR_MAX_BYTES = 128
# Bitdefender's name for it (GuardDuty's S3 engine is said to include Bitdefender's;
# AWS's documentation shows no name GuardDuty reports for EICAR).
EICAR_THREAT = "EICAR-Test-File (not a virus)"
# GuardDuty's largest scanned object ("Quotas in Malware Protection for S3",
# https://docs.aws.amazon.com/guardduty/latest/ug/malware-protection-s3-quotas-guardduty.html:
# 100 GB, read as GiB as S3's own limits are); larger versions are UNSUPPORTED.
GUARDDUTY_MAX_BYTES = 100 * 1024**3
# Scans at once: a large read must not hold the others back, nor take the machine.
WORKERS = 2
# The event's `scanStatus` for each result: COMPLETED when scanned, else SKIPPED or
# FAILED (AWS's pages name the values, not this pairing; the consumer reads the result).
SCAN_STATUS = {
    "NO_THREATS_FOUND": "COMPLETED",
    "THREATS_FOUND": "COMPLETED",
    "UNSUPPORTED": "SKIPPED",
    "ACCESS_DENIED": "SKIPPED",
    "FAILED": "FAILED",
}
# The account and plan the local events name (moto's default account, as the queue's ARN).
ACCOUNT = "123456789012"
REGION = "us-east-1"
PLAN_ARN = f"arn:aws:guardduty:{REGION}:{ACCOUNT}:malware-protection-plan/snsd-local"


def eicar_threats(head: bytes) -> list[str]:
    """The threats the EICAR engine finds in a file that begins with `head` (at least
    `EICAR_MAX_BYTES + 1` bytes of it, or all of a shorter file)."""
    if len(head) > EICAR_MAX_BYTES or not head.startswith(EICAR):
        return []
    if head[len(EICAR) :].strip(EICAR_PADDING):
        return []
    return [EICAR_THREAT]


@dataclass(frozen=True, slots=True)
class Verdict:
    result: str  # GuardDuty's scanResultStatus
    threats: tuple[str, ...] = ()


def scan_event(
    bucket: str, entry: VersionEntry, verdict: Verdict, when: datetime
) -> dict[str, Any]:
    """The EventBridge event GuardDuty publishes for one scan, as an SQS target receives it
    ("Monitoring S3 object scans with Amazon EventBridge")."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": ACCOUNT,
        # EventBridge's times name seconds only.
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [PLAN_ARN],
        "detail": {
            "schemaVersion": "1.0",
            "scanStatus": SCAN_STATUS[verdict.result],
            "resourceType": "S3_OBJECT",
            "s3ObjectDetails": {
                "bucketName": bucket,
                # As S3 stored it: EventBridge does not URL-encode keys as S3's notifications do.
                "objectKey": entry.key,
                "eTag": entry.etag.strip('"'),
                "versionId": entry.version_id,
                "s3Throttled": False,
            },
            "scanResultDetails": {
                "scanResultStatus": verdict.result,
                "threats": [{"name": name} for name in verdict.threats] or None,
            },
        },
    }


@dataclass
class Scanner:
    """Scans each version it is handed, on a pool of its own; `publish` takes the events."""

    s3: Any  # a boto3 S3 client (clients are thread-safe)
    bucket: str
    publish: Callable[[list[dict[str, Any]]], None]
    max_bytes: int = GUARDDUTY_MAX_BYTES
    workers: int = WORKERS
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="scanner")

    def submit(self, entries: Iterable[VersionEntry]) -> None:
        """Scan these versions soon, off the caller's thread (delete markers are not scanned)."""
        if self._pool is None:
            raise RuntimeError("the scanner is not started")
        for entry in entries:
            if not entry.is_delete_marker:
                self._pool.submit(self.scan, entry)

    def stop(self) -> None:
        if self._pool is not None:
            # Scans not begun are dropped: versions without a verdict are scanned at the next start.
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def scan(self, entry: VersionEntry) -> Verdict:
        """Judge one version, tag it, publish the event."""
        try:
            verdict = self.judge(entry)
            self.tag(entry, verdict)
            self.publish([scan_event(self.bucket, entry, verdict, self.clock())])
        except Exception:
            # The version stays pending (it is scanned again at the next start).
            log.exception("scanner: %s (version %s) not scanned", entry.key, entry.version_id)
            raise
        log.info("scanner: %s (version %s) %s", entry.key, entry.version_id, verdict.result)
        return verdict

    def judge(self, entry: VersionEntry) -> Verdict:
        if entry.size > self.max_bytes:
            return Verdict("UNSUPPORTED")
        # The EICAR engine needs no more: a longer file is not the test file. (No range
        # of an empty file: S3 answers 416 to one.)
        needed = {"Range": f"bytes=0-{EICAR_MAX_BYTES}"} if entry.size else {}
        try:
            head = self.s3.get_object(
                Bucket=self.bucket, Key=entry.key, VersionId=entry.version_id, **needed
            )["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            return Verdict("ACCESS_DENIED" if code in ("AccessDenied", "403") else "FAILED")
        except BotoCoreError:
            return Verdict("FAILED")
        threats = eicar_threats(head)
        return Verdict("THREATS_FOUND" if threats else "NO_THREATS_FOUND", tuple(threats))

    def tag(self, entry: VersionEntry, verdict: Verdict) -> None:
        """`GuardDutyMalwareScanStatus=<result>` on that version, beside its other tags."""
        try:
            held = self.s3.get_object_tagging(
                Bucket=self.bucket, Key=entry.key, VersionId=entry.version_id
            )["TagSet"]
            others = [tag for tag in held if tag["Key"] != TAG]
            self.s3.put_object_tagging(
                Bucket=self.bucket,
                Key=entry.key,
                VersionId=entry.version_id,
                Tagging={"TagSet": [*others, {"Key": TAG, "Value": verdict.result}]},
            )
        except (ClientError, BotoCoreError) as exc:
            # GuardDuty's "post-scan tag failure" (a version deleted since, or one with S3's
            # 10 tags already): the result is published all the same.
            log.warning("scanner: %s not tagged (%s)", entry.key, type(exc).__name__)

    def catch_up(self, entries: Iterable[VersionEntry], verdicts: set[tuple[str, str]]) -> int:
        """Scan the versions listed at start that have no verdict (`verdicts`: the (key,
        version id) pairs that have one): made while `make dev` was stopped, or before
        it had a scanner. Returns how many were submitted."""
        missing = [
            entry
            for entry in entries
            if not entry.is_delete_marker and (entry.key, entry.version_id) not in verdicts
        ]
        self.submit(missing)
        return len(missing)
