"""The hardening tests' stacks: `make dev`'s stack (tests.hardening.stackrun) on free ports
and a temporary data directory, driven over real HTTP through its load balancer.

One stack serves the whole package (contract fuzzing, load, leaks, the tenants
matrix); the fault tests start their own, because they stop its S3 and its
Postgres. Every process a stack starts is stopped at the end, and checked to
be gone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from dev import DEV_JWT_SECRET, STATE_FILE, seaweedfs
from dev.seaweedfs import free_port
from tests.local.conftest import Stack, descendants

ROOT = Path(__file__).resolve().parents[2]
# What the stack is configured with and must never log.
CONFIGURED_SECRETS = frozenset({DEV_JWT_SECRET, seaweedfs.SECRET_KEY})
START_TIMEOUT = 120
PROBLEM = "application/problem+json"


def start(state_dir: Path, log_level: str = "INFO") -> Stack:
    """The local stack, as `make dev` runs it, with the Lambda logging at `log_level`."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env.update(
        {
            "PORT": str(free_port()),
            "AUTH_PORT": str(free_port()),
            "SNSD_LOCAL_DIR": str(state_dir),
            "CORS_ALLOWED_ORIGINS": "http://localhost:3000",
            "HARDENING_LOG_LEVEL": log_level,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("SUPABASE_JWT_SECRET", None)
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / f"stack-{time.monotonic_ns()}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.hardening.stackrun"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack = Stack(process, state_dir, log, env)
    state = state_dir / STATE_FILE
    deadline = time.monotonic() + START_TIMEOUT
    while not state.exists() or "export TOKEN=" not in stack.output():
        if process.poll() is not None or time.monotonic() > deadline:
            stack.processes = descendants(process.pid)
            stack.kill()
            pytest.fail(f"the stack did not start:\n{stack.output()[-4000:]}")
        time.sleep(0.1)
    data = json.loads(state.read_text())
    stack.urls, stack.pids = data["urls"], data["pids"]
    stack.processes = descendants(process.pid)
    return stack


def stop(stack: Stack) -> None:
    """Stop the stack with SIGINT (Ctrl-C); fail when anything it started survives."""
    left = stack.stop("ctrl-c")
    stack.kill()
    assert not left, f"processes left running: {left}\n{stack.output()[-2000:]}"


# Anything shaped like a JWT (a bearer token) or a base64 JSON policy starts with `eyJ`.
JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}")
POLICY_SHAPE = re.compile(r"eyJ[A-Za-z0-9+/=]{40,}")
SIGNATURES = re.compile(r"(?i)(x-amz-signature|x-amz-credential|x-amz-security-token)")


def logged(domain: Domain) -> list[str]:
    """The stack's log lines, without the banner `make dev` prints for the developer
    (it shows a demo token on purpose: that is a terminal, not a log)."""
    lines = domain.stack.output().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("SnSD local stack"))
    end = next(i for i, line in enumerate(lines) if line.startswith("(a fresh token"))
    return lines[:start] + lines[end + 1 :]


def find_leaks(lines: list[str], secrets: set[str]) -> list[str]:
    found = []
    for number, line in enumerate(lines, 1):
        hits = [secret[:12] + "..." for secret in secrets if secret and secret in line]
        hits += [match.group(0)[:20] for match in JWT_SHAPE.finditer(line)]
        hits += [match.group(0)[:20] for match in POLICY_SHAPE.finditer(line)]
        hits += [match.group(0) for match in SIGNATURES.finditer(line)]
        if hits:
            found.append(f"line {number}: {hits}: {line[:300]}")
    return found


@dataclass
class User:
    email: str
    user_id: str
    refresh_token: str
    token: str


@dataclass
class Domain:
    """A running stack and the users made on it; every token it hands out is remembered
    (the leak tests look for each of them in the stack's log)."""

    stack: Stack
    issued: set[str] = field(default_factory=set)

    @property
    def api(self) -> str:
        return self.stack.api

    def _session(self, answer: httpx.Response) -> dict[str, Any]:
        assert answer.status_code == 200, answer.text
        session: dict[str, Any] = answer.json()
        self.issued.add(session["access_token"])
        return session

    def user(self, label: str = "user") -> User:
        email = f"{label}-{uuid.uuid4().hex[:12]}@example.com"
        session = self._session(
            httpx.post(
                f"{self.stack.auth}/auth/v1/signup", json={"email": email, "password": "any"}
            )
        )
        return User(email, session["user"]["id"], session["refresh_token"], session["access_token"])

    def refresh(self, user: User) -> str:
        """A new token for `user`, carrying their memberships as they are now."""
        session = self._session(
            httpx.post(
                f"{self.stack.auth}/auth/v1/token",
                params={"grant_type": "refresh_token"},
                json={"refresh_token": user.refresh_token},
            )
        )
        user.refresh_token, user.token = session["refresh_token"], session["access_token"]
        return user.token

    def owner_of_new_tenant(self, name: str = "Acme") -> tuple[User, str]:
        """A new user who creates a tenant (their token refreshed to carry it)."""
        owner = self.user("owner")
        created = httpx.post(
            f"{self.api}/tenants",
            json={"name": name},
            headers={"Authorization": f"Bearer {owner.token}"},
        )
        assert created.status_code == 201, created.text
        self.refresh(owner)
        return owner, str(created.json()["id"])

    def join(self, user: User, tenant: str, inviter: User, role: str = "member") -> str:
        """`inviter` invites `user` to `tenant` and `user` accepts (their token refreshed to
        carry it); the invitation's id."""
        with self.client(inviter.token) as api:
            invited = api.post(
                f"/tenants/{tenant}/invitations", json={"email": user.email, "role": role}
            )
            assert invited.status_code == 201, invited.text
        invitation = str(invited.json()["id"])
        with self.client(user.token) as api:
            accepted = api.post(f"/invitations/{invitation}/accept")
            assert accepted.status_code == 200, accepted.text
        self.refresh(user)
        return invitation

    def client(self, token: str | None, tenant: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if tenant:
            headers["X-Tenant-ID"] = tenant
        return httpx.Client(base_url=self.api, headers=headers, timeout=60, **kwargs)


@pytest.fixture(scope="package")
def domain() -> Iterator[Domain]:
    """One stack for the package (not under pytest's basetemp, which concurrent runs prune)."""
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-hardening-"))
    running = start(state_dir)
    domain = Domain(running)
    try:
        yield domain
        # Whatever the package's tests did, the whole log holds no secret (test_leaks.py
        # checks the same after exercising every endpoint; this covers the load and fuzzing).
        leaks = find_leaks(logged(domain), CONFIGURED_SECRETS | domain.issued)
        assert not leaks, "\n".join(leaks[:20])
    finally:
        try:
            stop(running)
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
