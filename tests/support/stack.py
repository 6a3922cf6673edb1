"""`make dev` for tests: a real `make dev` on free ports (or its defaults) and a temporary
data directory, driven through HTTP only, and stopped the way a developer stops it.

tests/local and tests/hardening both start their stacks with `start_stack`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg
import pytest
from botocore.config import Config

from dev import DEMO_EMAIL, DEMO_PASSWORD, DEV_BUCKET, STATE_FILE, processes, seaweedfs
from dev.ports import GRPC_OFFSET, free_port, is_free
from file_lambda.events.scan_results import TAG

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120
# Ctrl-C stops everything within seconds (dev/stack.py names any part that takes 2 s);
# a minute and a half means something hangs.
STOP_TIMEOUT = 90
# A small file's verdict comes within seconds (the watcher's listing, a scan, the event
# source mapping's 5 s window: docs/benchmarks.md, `scan_verdict`); a busy machine is slower.
VERDICT_TIMEOUT = 60
# The variables that set the stack's ports (dev/stack.py).
PORT_VARIABLES = ("PORT", "AUTH_PORT", "POSTGRES_PORT", "S3_PORT", "QUEUE_PORT", "MAIL_PORT")


def _start_time(pid: int) -> str | None:
    fields = processes.stat(pid)
    return fields[19] if fields is not None else None


def descendants(root: int) -> dict[int, str]:
    """Every process below `root` (by parent id), with its start time, `root` included."""
    return {pid: start for pid in processes.tree(root) if (start := _start_time(pid)) is not None}


def still_running(running: dict[int, str]) -> list[int]:
    """The processes of `running` that are still alive (the same process, not a reused id)."""
    alive = []
    for pid, start in running.items():
        fields = processes.stat(pid)
        if fields is not None and fields[19] == start and fields[0] != "Z":
            alive.append(pid)
    return alive


def free_s3_port() -> int:
    """A free port whose gRPC twin is free too (SeaweedFS needs both)."""
    while True:
        port = free_port()
        if port + GRPC_OFFSET < 65536 and is_free(port + GRPC_OFFSET):
            return port


@dataclass(frozen=True)
class Verdict:
    """A version's row of `public.file_scans`."""

    version_id: str
    status: str  # clean, infected, unscannable, failed
    result: str  # the scanner's own word (GuardDuty's scanResultStatus)
    threats: tuple[str, ...]
    # When the file API's consumer recorded it (Postgres' clock: this machine's).
    recorded_at: datetime


@dataclass
class Stack:
    """A running `make dev`."""

    process: subprocess.Popen[bytes]
    state_dir: Path
    log: Path
    env: dict[str, str]
    urls: dict[str, str] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    processes: dict[int, str] = field(default_factory=dict)
    # The project's API keys (`anon`, `service_role`), signed with the stack's secret.
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.urls["api"]

    @property
    def auth(self) -> str:
        return self.urls["auth"]

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        """The mail catcher's messages to `address`, newest first, in full."""
        mail = self.urls["mail"]
        listing = httpx.get(f"{mail}/api/v1/messages").json()["messages"]
        return [
            httpx.get(f"{mail}/api/v1/message/{summary['ID']}").json()
            for summary in listing
            if any(to["Address"] == address for to in summary["To"])
        ]

    @property
    def apikey(self) -> dict[str, str]:
        """The header every call to the Auth stand-in carries, as supabase-js sends it."""
        return {"apikey": self.keys["anon"]}

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def session(self, email: str) -> dict[str, Any]:
        """Sign in (signing up first if needed) at the local Supabase Auth stand-in."""
        password = DEMO_PASSWORD if email == DEMO_EMAIL else "any"
        body = {"email": email, "password": password}
        answer = httpx.post(
            f"{self.auth}/auth/v1/token",
            params={"grant_type": "password"},
            json=body,
            headers=self.apikey,
        )
        if answer.status_code == 400:
            answer = httpx.post(f"{self.auth}/auth/v1/signup", json=body, headers=self.apikey)
        answer.raise_for_status()
        session: dict[str, Any] = answer.json()
        return session

    def new_tenant(self, name: str = "Acme") -> tuple[str, str]:
        """A new user who creates a tenant: (a fresh token that carries it, the tenant id)."""
        session = self.session(f"user-{uuid.uuid4().hex[:12]}@example.com")
        created = httpx.post(
            f"{self.api}/tenants",
            json={"name": name},
            headers={"Authorization": f"Bearer {session['access_token']}"},
        )
        assert created.status_code == 201, created.text
        refreshed = httpx.post(
            f"{self.auth}/auth/v1/token",
            params={"grant_type": "refresh_token"},
            json={"refresh_token": session["refresh_token"]},
            headers=self.apikey,
        )
        assert refreshed.status_code == 200, refreshed.text
        return str(refreshed.json()["access_token"]), str(created.json()["id"])

    def s3(self) -> Any:
        """A client of the stack's SeaweedFS (the banner's keys)."""
        return boto3.client(
            "s3",
            endpoint_url=self.urls["s3"],
            aws_access_key_id=seaweedfs.ACCESS_KEY,
            aws_secret_access_key=seaweedfs.SECRET_KEY,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def wait_for_verdict(
        self,
        tenant: str,
        path: str,
        version_id: str | None = None,
        timeout: float = VERDICT_TIMEOUT,
    ) -> Verdict:
        """The malware scan's verdict of a version (the current one of `path` unless
        `version_id` says which), once `public.file_scans` has it: what the file API reads
        before it hands that version to anyone who did not write it."""
        if version_id is None:
            head = self.s3().head_object(Bucket=DEV_BUCKET, Key=f"tenants/{tenant}/{path}")
            version_id = str(head["VersionId"])
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.urls["database"], autocommit=True) as db:
            while True:
                row = db.execute(
                    "select status, result, threats, recorded_at from public.file_scans"
                    " where tenant_id = %s and path = %s and version_id = %s",
                    (tenant, path, version_id),
                ).fetchone()
                if row is not None:
                    return Verdict(version_id, row[0], row[1], tuple(row[2]), row[3])
                if time.monotonic() > deadline:
                    raise AssertionError(f"no verdict for {path} ({version_id}) in {timeout} s")
                time.sleep(0.1)

    def scan_tag(self, tenant: str, path: str, version_id: str) -> str | None:
        """The version's `GuardDutyMalwareScanStatus` tag, as the scanner left it."""
        tags = self.s3().get_object_tagging(
            Bucket=DEV_BUCKET, Key=f"tenants/{tenant}/{path}", VersionId=version_id
        )["TagSet"]
        return next((tag["Value"] for tag in tags if tag["Key"] == TAG), None)

    def stop(self, how: str = "ctrl-c") -> list[int]:
        """Stop it as a developer would; returns the processes left running (none, we hope)."""
        self.processes.update(descendants(self.process.pid))
        if how == "ctrl-c":  # the terminal signals the whole foreground process group
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            os.kill(self.pids["stack"], signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            # What it was doing when it would not stop: the log says which part held it.
            pytest.fail(
                f"make dev did not stop within {STOP_TIMEOUT} s of {how}:\n{self.output()[-4000:]}"
            )
        deadline = time.monotonic() + 10
        while (left := still_running(self.processes)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def stop_cleanly(self) -> None:
        """Ctrl-C, then fail when anything the stack started survives it."""
        left = self.stop("ctrl-c")
        self.kill()
        assert not left, f"processes left running after Ctrl-C: {left}\n{self.output()[-2000:]}"

    def kill(self) -> None:
        for pid in still_running(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def start_stack(
    state_dir: Path,
    origins: str = "http://localhost:3000",
    *,
    default_ports: bool = False,
    env: dict[str, str] | None = None,
) -> Stack:
    """`make dev` with SNSD_LOCAL_DIR, CORS_ALLOWED_ORIGINS and `env` set, on free ports
    (or, with `default_ports`, on the stack's own defaults), with the dev JWT secret."""
    environ = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    # The in-process suites' settings (tests/conftest.py's `lambda_module` sets them in
    # os.environ) are not make dev's: scanning, say, is off there and enforced here.
    for name in (
        *PORT_VARIABLES,
        "SUPABASE_JWT_SECRET",
        "POWERTOOLS_LOG_LEVEL",
        "MALWARE_SCANNING",
        "SCAN_RETRY_AFTER",
    ):
        environ.pop(name, None)
    if not default_ports:
        free = ("PORT", "AUTH_PORT", "POSTGRES_PORT", "QUEUE_PORT", "MAIL_PORT")
        ports = {name: free_port() for name in free}
        environ.update({name: str(port) for name, port in ports.items()})
        environ["S3_PORT"] = str(free_s3_port())
    environ.update(
        {"SNSD_LOCAL_DIR": str(state_dir), "CORS_ALLOWED_ORIGINS": origins, "PYTHONUNBUFFERED": "1"}
    )
    environ.update(env or {})
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / f"make-dev-{time.monotonic_ns()}.log"
    process = subprocess.Popen(
        ["make", "-s", "dev"],
        cwd=ROOT,
        env=environ,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack = Stack(process, state_dir, log, environ)
    state = state_dir / STATE_FILE
    deadline = time.monotonic() + START_TIMEOUT
    # The state file is written once the load balancer listens; the banner follows.
    while not state.exists() or "export TOKEN=" not in stack.output():
        if process.poll() is not None or time.monotonic() > deadline:
            stack.processes = descendants(process.pid)
            stack.kill()
            pytest.fail(f"make dev did not start:\n{stack.output()[-4000:]}")
        time.sleep(0.1)
    data = json.loads(state.read_text())
    stack.urls, stack.pids, stack.keys = data["urls"], data["pids"], data["keys"]
    stack.processes = descendants(process.pid)
    return stack


@contextlib.contextmanager
def own_stack(prefix: str, origins: str = "http://localhost:3000") -> Iterator[Stack]:
    """A `make dev` started for the caller and stopped cleanly, its state removed. Not
    under pytest's basetemp: a concurrent pytest run on the same machine prunes it."""
    state_dir = Path(tempfile.mkdtemp(prefix=prefix))
    running = start_stack(state_dir, origins)
    try:
        yield running
    finally:
        try:
            running.stop_cleanly()
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
