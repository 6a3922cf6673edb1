"""`python -m bench [--quick] [--json PATH]`: measure, print the table, write the JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    archive_throughput,
    coldstart,
    core,
    loadgen,
    purge,
    scan_verdict,
    sizes,
    webhook_delivery,
)
from bench.env import BUCKET, OUT, PYTHON, ROOT, base_env
from bench.stats import Bar, Row, Spread
from dev import seaweedfs


@dataclass(frozen=True)
class Plan:
    cold_rounds: int
    rounds: int
    calls: int
    objects: int
    delete_rounds: int
    transfers: int
    core_rounds: int
    core_seconds: float
    multipart_mib: int
    multipart_rounds: int
    # Lone uploads timed to their malware verdict (a few seconds each).
    scan_files: int
    # Webhooks through make dev: lone writes timed to their delivery, and a burst.
    webhook_lone: int
    webhook_burst: int
    # A folder archive's large file, and the rounds against a raw S3 copy of its bytes.
    archive_mib: int = 512
    archive_rounds: int = 3


FULL = Plan(15, 9, 200, 5000, 2, 8, 5, 3.0, 1024, 3, 15, 20, 200)
QUICK = Plan(2, 2, 5, 30, 1, 1, 1, 1.0, 16, 1, 2, 2, 5, archive_mib=80, archive_rounds=1)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def _lambda_rows(endpoint: str, env: dict[str, str], plan: Plan) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="snsd-bench-") as scratch:
        out = Path(scratch) / "rows.json"
        command = [PYTHON, "-m", "bench.lambda_worker", "--endpoint", endpoint]
        command += ["--out", str(out), "--rounds", str(plan.rounds), "--calls", str(plan.calls)]
        command += ["--objects", str(plan.objects), "--delete-rounds", str(plan.delete_rounds)]
        command += ["--transfers", str(plan.transfers), "--batch", str(min(100, plan.calls))]
        command += ["--multipart-mib", str(plan.multipart_mib)]
        command += ["--multipart-rounds", str(plan.multipart_rounds)]
        # The handler logs a line per invocation: not into the table.
        subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return [_row(entry) for entry in json.loads(out.read_text())]


def _row(entry: dict[str, Any]) -> Row:
    ratio, bar = entry["ratio"], entry["bar"]
    return Row(
        entry["key"],
        entry["title"],
        Spread(ratio["median"], ratio["low"], ratio["high"], ratio["n"]) if ratio else None,
        Bar(bar["op"], bar["limit"]) if bar else None,
        entry["detail"],
        entry["absolute"],
        entry["unit"],
    )


def measure(plan: Plan, quick: bool) -> list[Row]:
    data = Path(tempfile.mkdtemp(prefix="snsd-bench-s3-"))
    server = seaweedfs.start(data)
    # One Postgres: the core's data, and the memberships the file API checks.
    with core.database() as database_url:
        try:
            seaweedfs.create_bucket(server, BUCKET)
            env = base_env(server.endpoint) | {"SUPABASE_DB_URL": database_url}
            rows = coldstart.measure(env, plan.cold_rounds)
            rows += _lambda_rows(server.endpoint, env, plan)
            rows += scan_verdict.measure(server.client(), BUCKET, database_url, plan.scan_files)
            rows += purge.measure(
                server.client(), BUCKET, database_url, plan.objects * 2, plan.delete_rounds
            )
            rows += archive_throughput.measure(
                server.client(), BUCKET, database_url, plan.archive_mib, plan.archive_rounds
            )
        finally:
            server.stop()
            shutil.rmtree(data, ignore_errors=True)
        rows += core.measure(env, database_url, plan.core_rounds, plan.core_seconds)
    rows += webhook_delivery.measure(plan.webhook_lone, plan.webhook_burst)
    rows += sizes.measure(quick)
    return rows


def _value(row: Row) -> tuple[str, str]:
    if row.ratio is None:
        return "", ""
    spread = row.ratio
    if row.unit == "calls":
        return f"{spread.median:g}", "" if spread.n == 1 else f"{spread.low:g}-{spread.high:g}"
    if row.unit == "s":  # absolute seconds, no floor
        return f"{spread.median:.2f} s", f"{spread.low:.2f}-{spread.high:.2f}"
    return f"{spread.median:.2f}x", f"{spread.low:.2f}-{spread.high:.2f}"


def table(rows: list[Row]) -> str:
    lines = [
        "| measurement | median | min-max | bar | holds | detail |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        median, spread = _value(row)
        holds = {True: "yes", False: "**NO**", None: ""}[row.holds]
        bar = "" if row.bar is None else str(row.bar) + ("x" if row.unit == "x" else "")
        title = row.title.strip()
        title = f"&nbsp;&nbsp;{title}" if row.title.startswith(" ") else title
        lines.append(f"| {title} | {median} | {spread} | {bar} | {holds} | {row.detail} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts: proves it runs")
    parser.add_argument("--json", type=Path, default=OUT / "results.json", help="where to write")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a bar is missed")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started = time.monotonic()
    when = datetime.now(UTC)
    rows = measure(plan, args.quick)
    elapsed = time.monotonic() - started
    box = machine()
    header = (
        f"`make bench{' QUICK=1' if args.quick else ''}` on {when:%Y-%m-%d %H:%M} UTC, "
        f"{box['cpu']} ({box['cores']} cores), {box['system']}, Python {box['python']}, "
        f"load generator {loadgen.generator()}, {elapsed:.0f} s"
    )
    text = f"{header}\n\n{table(rows)}\n"
    print(text)
    missed = [row.key for row in rows if row.holds is False]
    held = sum(1 for row in rows if row.holds)
    summary = f"{held} of {held + len(missed)} bars hold"
    print(summary + (f"; missed: {', '.join(missed)}" if missed else ""))
    document = {
        "schema": 1,
        "date": when.isoformat(timespec="seconds"),
        "quick": args.quick,
        "seconds": round(elapsed, 1),
        "machine": box,
        "load_generator": loadgen.generator(),
        "plan": plan.__dict__,
        "rows": [row.as_json() for row in rows],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n")
    args.json.with_suffix(".md").write_text(text)
    print(f"written: {args.json} and {args.json.with_suffix('.md')}")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
