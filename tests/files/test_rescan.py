"""`python -m file_lambda.events.rescan`: GuardDuty is asked to scan what has no verdict.

moto has no GuardDuty on-demand scan, so the scan requests go to botocore's
Stubber, which checks each against GuardDuty's own service model; the bucket
(SeaweedFS) and the verdicts (Postgres) are real.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dev.alb import LambdaContext
from file_lambda.events import rescan
from tests.support.bucket_events import scan_result, sqs_messages
from tests.support.files import BUCKET, ClientFactory, upload


def versions(s3: Any, tenant: str) -> dict[str, str]:
    listing = s3.list_object_versions(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")
    return {v["Key"]: v["VersionId"] for v in listing.get("Versions", []) if v["IsLatest"]}


def test_only_versions_without_a_verdict_are_sent_to_guardduty(
    client_for: ClientFactory,
    lambda_module: ModuleType,
    s3: Any,
    tenant: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member = client_for("member")
    for path in ("a/judged.txt", "a/old.txt", "b/older.txt"):
        upload(member, path, b"x" * 10)
    assert member.delete("/files/delete/b/older.txt").status == 204  # a marker: no scan
    upload(member, "b/older.txt", b"y" * 10)
    latest = versions(s3, tenant)
    judged = f"tenants/{tenant}/a/judged.txt"
    consumed = lambda_module.handler(
        sqs_messages([scan_result(judged, latest[judged], "NO_THREATS_FOUND")]), LambdaContext()
    )
    assert consumed == {"batchItemFailures": []}

    client = boto3.client("guardduty", region_name="us-east-1")
    with Stubber(client) as stub:
        capsys.readouterr()
        assert rescan.main([tenant, "--dry-run", "--older-than", "0"]) == 0
        dry = json.loads(capsys.readouterr().out)
        expected = sorted(
            (entry["Key"], entry["VersionId"])
            for entry in s3.list_object_versions(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")[
                "Versions"
            ]
            if entry["Key"] != judged or entry["VersionId"] != latest[judged]
        )
        assert dry["without_verdict"] == len(expected) == 3  # old, older and its new version
        assert dry["scans_asked"] == 0
        for key, version_id in expected:
            stub.add_response(
                "send_object_malware_scan",
                {},
                {"S3Object": {"Bucket": BUCKET, "Key": key, "VersionId": version_id}},
            )
        assert (
            rescan.main(
                [tenant, "--older-than", "0"], scanner=rescan.GuardDutyScanner(client, BUCKET)
            )
            == 0
        )
        stub.assert_no_pending_responses()
    report = json.loads(capsys.readouterr().out)
    assert report["scans_asked"] == 3
    assert report["paths"] == ["a/old.txt", "b/older.txt"]


def test_a_version_younger_than_its_own_scan_is_left_alone(
    client_for: ClientFactory, tenant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upload(client_for("member"), "new.txt", b"n")
    capsys.readouterr()
    assert rescan.main([tenant, "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["without_verdict"] == 0
