"""`python -m bench.capacity`: the local stack under rising concurrency, until it saturates.

Starts `make dev`'s stack (`dev`) on free ports in a
temporary folder, then drives four paths of it at 1, 2, 4, ... connections,
a few seconds a step, and reports per step the throughput, p50 and p99, and
what each request cost in CPU: of the stack's process (the load balancer,
the core service and the one emulated Lambda container share it), of
Postgres and of the S3 server, read from /proc before and after the step.
A path saturates at the first step that adds less than 10% throughput.

The table and its JSON (`.local/bench/capacity.json`) back
`docs/capacity.md`: per-request costs there are these measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import loadgen
from bench.env import OUT, PYTHON, ROOT
from dev import STATE_FILE, processes
from dev.seaweedfs import free_port

STEPS = (1, 2, 4, 8, 16, 32, 64)
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Step:
    path: str
    connections: int
    rate: float
    p50_ms: float
    p99_ms: float
    failures: int
    cpu_ms: dict[str, float]  # per request, by process


def cpu_seconds(root: int) -> float:
    """User + system CPU of `root` and every process below it (Postgres serves each
    connection from a child), exited children included, in seconds."""
    ticks = 0
    for pid in processes.tree(root):
        fields = processes.stat(pid)
        if fields is not None:  # one that ended has its time in its parent's children's
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / TICKS


@contextmanager
def local_stack(state_dir: Path) -> Iterator[dict[str, Any]]:
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "AUTH_PORT": str(free_port()),
        "SNSD_LOCAL_DIR": str(state_dir),
    }
    log = (state_dir / "stack.log").open("wb")
    process = subprocess.Popen(
        [PYTHON, "-m", "dev"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    state_file = state_dir / STATE_FILE
    try:
        deadline = time.monotonic() + 180
        while not state_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((state_dir / "stack.log").read_text()[-3000:])
            time.sleep(0.5)
        yield json.loads(state_file.read_text())
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def sign_in(auth: str, anon_key: str, email: str) -> str:
    body = {"email": email, "password": "capacity-password"}
    answer = httpx.post(f"{auth}/auth/v1/signup", json=body, headers={"apikey": anon_key})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def measure(steps: tuple[int, ...], seconds: float) -> list[Step]:
    results: list[Step] = []
    with (
        tempfile.TemporaryDirectory(prefix="snsd-capacity-") as scratch,
        local_stack(Path(scratch)) as state,
    ):
        api, auth, pids = state["urls"]["api"], state["urls"]["auth"], state["pids"]
        token = sign_in(auth, state["keys"]["anon"], "capacity@example.com")
        headers = {"Authorization": f"Bearer {token}"}
        tenant = httpx.post(f"{api}/tenants", json={"name": "Load"}, headers=headers).json()
        headers["X-Tenant-ID"] = tenant["id"]
        uploaded = httpx.post(
            f"{api}/files/upload",
            files={"file": ("probe.txt", b"x" * 1024, "text/plain")},
            headers=headers,
        )
        uploaded.raise_for_status()
        paths = {
            "/health": {},
            "/files/health": {},
            "/me": headers,
            "/files/metadata/probe.txt": headers,
        }
        watched = {name: pids[name] for name in ("stack", "postgres", "seaweedfs")}
        for path, sent in paths.items():
            loadgen.run(f"{api}{path}", sent, 1.0, 2)  # warm up
            previous = 0.0
            for connections in steps:
                before = {name: cpu_seconds(pid) for name, pid in watched.items()}
                load = loadgen.run(f"{api}{path}", sent, seconds, connections)
                after = {name: cpu_seconds(pid) for name, pid in watched.items()}
                count = max(load.requests, 1)
                step = Step(
                    path,
                    connections,
                    load.rate,
                    load.p50 * 1000,
                    load.p99 * 1000,
                    load.failures,
                    {name: (after[name] - before[name]) * 1000 / count for name in watched},
                )
                results.append(step)
                print(table_row(step), flush=True)
                if load.rate < previous * 1.1:
                    break  # saturated: more connections add queueing, not throughput
                previous = load.rate
    return results


def table_row(step: Step) -> str:
    cpu = ", ".join(f"{name} {value:.2f}" for name, value in step.cpu_ms.items())
    return (
        f"| `{step.path}` | {step.connections} | {step.rate:.0f} | {step.p50_ms:.1f} | "
        f"{step.p99_ms:.1f} | {step.failures} | {cpu} |"
    )


HEADER = (
    "| path | connections | req/s | p50 ms | p99 ms | failed | CPU ms a request |\n"
    "| --- | --- | --- | --- | --- | --- | --- |"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="each step's length")
    parser.add_argument("--max-connections", type=int, default=STEPS[-1])
    parser.add_argument("--json", type=Path, default=OUT / "capacity.json")
    args = parser.parse_args(argv)
    steps = tuple(step for step in STEPS if step <= args.max_connections)
    print(f"load generator: {loadgen.generator()}; {args.seconds:g} s a step\n{HEADER}")
    results = measure(steps, args.seconds)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "generator": loadgen.generator(),
        "cores": os.cpu_count(),
        "steps": [asdict(step) for step in results],
    }
    args.json.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
