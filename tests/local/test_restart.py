"""`make dev` twice in a row: the second run finds the first run's data on the same ports,
and stopping either (Ctrl-C, or SIGTERM) leaves no process behind."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from dev import (
    DEFAULT_AUTH_PORT,
    DEFAULT_PORT,
    DEFAULT_POSTGRES_PORT,
    DEFAULT_S3_PORT,
    DEV_BUCKET,
    STATE_FILE,
    seaweedfs,
)
from tests.support.browser import PageServer
from tests.support.stack import Stack, start_stack

DEFAULTS = {
    "api": DEFAULT_PORT,
    "auth": DEFAULT_AUTH_PORT,
    "database": DEFAULT_POSTGRES_PORT,
    "s3": DEFAULT_S3_PORT,
}


def ports(stack: Stack) -> dict[str, int]:
    return {name: int(urlsplit(stack.urls[name]).port or 0) for name in DEFAULTS}


def assert_on_defaults_or_said_so(stack: Stack) -> None:
    """Each service on its default port, or the banner says which was taken."""
    banner = stack.output()
    for name, port in ports(stack).items():
        assert port == DEFAULTS[name] or f"({DEFAULTS[name]} was taken: {port} instead)" in banner
    # What an S3 client needs, shown to the developer.
    for shown in (stack.urls["s3"], DEV_BUCKET, seaweedfs.ACCESS_KEY, seaweedfs.SECRET_KEY):
        assert shown in banner


@pytest.mark.slow
def test_a_second_run_keeps_the_first_runs_data_and_ports_and_nothing_outlives_either(
    page_server: PageServer,
) -> None:
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-restart-"))
    try:
        first = start_stack(state_dir, page_server.allowed_origin, default_ports=True)
        assert_on_defaults_or_said_so(first)
        try:
            token, tenant = first.new_tenant("Kept")
            email = httpx.get(
                f"{first.api}/me", headers={"Authorization": f"Bearer {token}"}
            ).json()["email"]
            uploaded = httpx.post(
                f"{first.api}/files/upload",
                files={"file": ("kept.txt", b"still here")},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert uploaded.status_code == 201
            assert set(first.pids) == {"stack", "seaweedfs", "postgres"}
            assert set(first.pids.values()) <= set(first.processes)
        finally:
            left = first.stop("ctrl-c")
        assert not left, f"left running after Ctrl-C: {left}\n{first.output()[-2000:]}"
        assert not (state_dir / STATE_FILE).exists()

        second = start_stack(state_dir, page_server.allowed_origin, default_ports=True)
        try:
            assert ports(second) == ports(first)
            assert_on_defaults_or_said_so(second)
            # Postgres kept the user and the membership, S3 the file.
            token = second.session(email)["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            tenants = httpx.get(f"{second.api}/tenants", headers=headers).json()["tenants"]
            assert [(t["id"], t["name"]) for t in tenants] == [(tenant, "Kept")]
            kept = httpx.get(f"{second.api}/files/download/kept.txt", headers=headers)
            assert kept.status_code == 200
            assert kept.content == b"still here"
            assert httpx.get(f"{second.api}/ready").status_code == 200
        finally:
            left = second.stop("sigterm")
        assert not left, f"left running after SIGTERM: {left}\n{second.output()[-2000:]}"
        assert second.process.returncode == 0
        assert "stopped" in second.output()
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
