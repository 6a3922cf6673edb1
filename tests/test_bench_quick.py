"""`make bench` cannot rot: its quick mode runs every measurement once, with tiny counts.

Only the shape of its output is checked here, never a timing: timings do not
belong in tests (the numbers of a quick run on a busy machine mean nothing).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {
    "cold_start",
    "warm_metadata",
    "warm_metadata_own",
    "warm_no_s3",
    "membership_kept",
    "membership_reread",
    "bucket_change_record",
    "write_bookkeeping",
    "share_download",
    "request_upload",
    "scan_check",
    "scan_verdict",
    "archive_throughput",
    "webhook_latency_core",
    "webhook_latency_bucket",
    "webhook_throughput",
    "webhook_throughput_one_tenant",
    "delete_folder_calls",
    "delete_folder_pages",
    "delete_folder_speed",
    "purge_per_10k",
    "list_page_calls",
    "versions_page_calls",
    "trash_page_calls",
    "trash_page_time",
    "bytes_upload",
    "bytes_download",
    "multipart_upload",
    "multipart_calls",
    "core_health",
    "core_fastapi_floor",
    "core_me",
    "core_me_p99",
    "lambda_package",
    "core_image",
}


@pytest.mark.slow
@pytest.mark.seaweedfs
def test_quick_bench_prints_the_table_and_writes_the_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=360,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| measurement | median | min-max | bar | holds | detail |" in result.stdout
    assert "bars hold" in result.stdout

    document = json.loads(out.read_text())
    assert document["quick"] is True
    assert {"date", "machine", "load_generator", "rows"} <= document.keys()
    rows = {row["key"]: row for row in document["rows"]}
    assert rows.keys() >= EXPECTED
    for row in rows.values():
        assert {"title", "ratio", "bar", "holds", "detail", "unit"} <= row.keys()
        if row["bar"] is not None:
            assert row["ratio"] is not None
            assert {"median", "low", "high", "n"} <= row["ratio"].keys()
            assert row["ratio"]["low"] <= row["ratio"]["median"] <= row["ratio"]["high"]
            assert isinstance(row["holds"], bool)
    assert out.with_suffix(".md").read_text().startswith("`make bench QUICK=1`")


@pytest.mark.seaweedfs
@pytest.mark.parametrize("multi_value", [False, True])
def test_the_fast_response_size_check_is_exact(lambda_module: Any, multi_value: bool) -> None:
    """`make bench` found the ALB size check encoding whole bodies: it now counts a
    base64 body by its length, which must agree with encoding it, at the limit too."""
    limit = lambda_module.settings.max_response_bytes
    headers = {"content-type": "application/octet-stream", "etag": '"abc"'}
    for body_size in (0, 1000, limit - 600, limit - 300, limit):
        body = base64.b64encode(b"\xff" * (body_size * 3 // 4)).decode()
        response: dict[str, Any] = {"statusCode": 200, "body": body, "isBase64Encoded": True}
        if multi_value:
            response["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        else:
            response["headers"] = headers
        exact = len(json.dumps(response)) > limit
        assert lambda_module._oversized(response) is exact


@pytest.mark.slow
def test_the_capacity_load_test_runs_and_reports_each_step(tmp_path: Path) -> None:
    out = tmp_path / "capacity.json"
    command = [sys.executable, "-m", "bench.capacity", "--seconds", "0.5"]
    command += ["--max-connections", "2", "--json", str(out)]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]

    steps = json.loads(out.read_text())["steps"]
    paths = {step["path"] for step in steps}
    assert paths == {"/health", "/files/health", "/me", "/files/metadata/probe.txt"}
    for step in steps:
        assert step["failures"] == 0, step
        assert step["rate"] > 0
        assert step["p50_ms"] <= step["p99_ms"]
        assert set(step["cpu_ms"]) == {"stack", "postgres", "seaweedfs"}
    # The stack's process does work on every request; Postgres on /me's.
    assert all(step["cpu_ms"]["stack"] > 0 for step in steps)
    assert any(step["cpu_ms"]["postgres"] > 0 for step in steps if step["path"] == "/me")
