"""The local stack as `make dev` runs it: a real `make dev` on free ports and a temporary
data directory, driven through HTTP only, and stopped the way a developer stops it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from dev import STATE_FILE
from dev.seaweedfs import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def descendants(root: int) -> dict[int, str]:
    """Every process below `root` (by parent id), with its start time, `root` included."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    found = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return {pid: start for pid in found if (start := _start_time(pid)) is not None}


def still_running(processes: dict[int, str]) -> list[int]:
    """The processes of `processes` that are still alive (the same process, not a reused id)."""
    alive = []
    for pid, start in processes.items():
        if _start_time(pid) == start:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                alive.append(pid)
    return alive


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

    @property
    def api(self) -> str:
        return self.urls["api"]

    @property
    def auth(self) -> str:
        return self.urls["auth"]

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def session(self, email: str) -> dict[str, Any]:
        """Sign in (signing up first if needed) at the local Supabase Auth stand-in."""
        body = {"email": email, "password": "any"}
        answer = httpx.post(
            f"{self.auth}/auth/v1/token", params={"grant_type": "password"}, json=body
        )
        if answer.status_code == 400:
            answer = httpx.post(f"{self.auth}/auth/v1/signup", json=body)
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
        )
        assert refreshed.status_code == 200, refreshed.text
        return str(refreshed.json()["access_token"]), str(created.json()["id"])

    def stop(self, how: str = "ctrl-c") -> list[int]:
        """Stop it as a developer would; returns the processes left running (none, we hope)."""
        self.processes.update(descendants(self.process.pid))
        if how == "ctrl-c":  # the terminal signals the whole foreground process group
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            os.kill(self.pids["stack"], signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        deadline = time.monotonic() + 10
        while (left := still_running(self.processes)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def kill(self) -> None:
        for pid in still_running(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def start_stack(state_dir: Path, origins: str, port: int | None = None) -> Stack:
    """`make dev` with PORT, AUTH_PORT, SNSD_LOCAL_DIR and CORS_ALLOWED_ORIGINS set."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env.update(
        {
            "PORT": str(port or free_port()),
            "AUTH_PORT": str(free_port()),
            "SNSD_LOCAL_DIR": str(state_dir),
            "CORS_ALLOWED_ORIGINS": origins,
        }
    )
    env.pop("SUPABASE_JWT_SECRET", None)
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / f"make-dev-{time.monotonic_ns()}.log"
    process = subprocess.Popen(
        ["make", "-s", "dev"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack = Stack(process, state_dir, log, env)
    state = state_dir / STATE_FILE
    deadline = time.monotonic() + START_TIMEOUT
    while not state.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            stack.processes = descendants(process.pid)
            stack.kill()
            pytest.fail(f"make dev did not start:\n{stack.output()[-4000:]}")
        time.sleep(0.2)
    # Written after the load balancer listens; the banner follows right after.
    while "export TOKEN=" not in stack.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    data = json.loads(state.read_text())
    stack.urls, stack.pids = data["urls"], data["pids"]
    stack.processes = descendants(process.pid)
    return stack


class PageServer:
    """Serves a blank page: the browser tests run their `fetch` calls from its origin."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = b"<!doctype html><title>SnSD web app</title><p>web app</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def allowed_origin(self) -> str:
        # `localhost` and `127.0.0.1` are two origins on one server: one allowed, one not.
        return f"http://localhost:{self.port}"

    @property
    def other_origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="package")
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def stack(page_server: PageServer) -> Iterator[Stack]:
    """One `make dev` for tests/local; its origin list allows the page server's `localhost`."""
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-local-"))
    running = start_stack(state_dir, page_server.allowed_origin)
    try:
        yield running
    finally:
        left = running.stop("ctrl-c")
        running.kill()
        shutil.rmtree(state_dir, ignore_errors=True)
        assert not left, f"processes left running after Ctrl-C: {left}"
