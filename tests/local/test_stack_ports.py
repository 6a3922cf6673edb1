"""`make dev` never talks to someone else's stack: each in-process server serves on a socket
bound before it (dev/ports.py), each child (SeaweedFS, Postgres) moves on when its port is
taken and is checked to be ours before it is trusted; the banner and `make env` give the
URLs of the ports it took."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from dev import DEMO_TENANT, STATE_FILE, ports, seaweedfs
from dev.bucket_notifications import LocalQueue
from dev.mailcatcher import MailCatcher
from tests.support.stack import start_stack

ROOT = Path(__file__).resolve().parents[2]


class Impostor:
    """Another stack on a port: 200 on /health, 401 to everything else; counts what it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        impostor = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                impostor.requests.append(f"{self.command} {self.path}")
                status = 200 if self.path == "/health" else 401
                body = b'{"status":"ok"}' if status == 200 else b'{"code":"unauthorized"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_bind_first_serves_on_the_next_port_when_one_is_held() -> None:
    with ports.bind(0) as held:
        port = ports.port_of(held)
        sock = ports.bind_first(port)
        try:
            assert ports.port_of(sock) > port
            assert not ports.is_free(ports.port_of(sock))  # held from the choice on
        finally:
            sock.close()


def test_in_process_servers_serve_on_the_socket_they_are_given(tmp_path: Path) -> None:
    impostor = Impostor()
    try:
        mail = MailCatcher(tmp_path / "mail")
        url = mail.serve(sock=ports.bind_first(impostor.port))
        try:
            assert urlsplit(url).port != impostor.port
            assert httpx.get(f"{url}/api/v1/messages").status_code == 200
        finally:
            mail.stop()
        sock = ports.bind_first(impostor.port)
        port = ports.port_of(sock)
        queue = LocalQueue(port, name="bind-test", sock=sock)
        queue.start()
        try:
            assert port != impostor.port
            assert queue.url.startswith(f"http://127.0.0.1:{port}/")
            queue.send([{"eventName": "ObjectCreated:Put"}])
        finally:
            queue.stop()
        assert impostor.requests == []
    finally:
        impostor.stop()


def test_seaweedfs_moves_past_a_held_s3_port_and_a_held_grpc_twin(tmp_path: Path) -> None:
    impostor = Impostor()
    while impostor.port + 2 + ports.GRPC_OFFSET >= 65536:  # twins exist up to 65535
        impostor.stop()
        impostor = Impostor()
    port = impostor.port
    try:
        with ports.bind(port + 1 + ports.GRPC_OFFSET):  # the next port's twin
            server = seaweedfs.start(tmp_path, s3_port=port, next_if_taken=True)
        try:
            used = int(server.endpoint.rsplit(":", 1)[1])
            assert used >= port + 2
            assert server.client().list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
        finally:
            server.stop()
        assert impostor.requests == []
    finally:
        impostor.stop()


def test_make_env_refuses_without_a_running_stack(tmp_path: Path) -> None:
    env = {**os.environ, "SNSD_LOCAL_DIR": str(tmp_path)}
    run = [sys.executable, "-m", "dev", "env"]
    missing = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert missing.returncode != 0
    assert missing.stdout == ""
    assert "make dev is not running" in missing.stderr
    # A stack killed with SIGKILL leaves its state file: its processes are gone.
    gone = subprocess.Popen(["true"])
    gone.wait()
    state = {
        "urls": {"api": "http://127.0.0.1:8000", "auth": "http://127.0.0.1:54321"},
        "pids": {"stack": gone.pid},
        "keys": {"anon": "x", "service_role": "y"},
    }
    (tmp_path / STATE_FILE).write_text(json.dumps(state))
    stale = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert stale.returncode != 0
    assert stale.stdout == ""
    assert "processes that are gone (stack)" in stale.stderr


@pytest.fixture
def impostors() -> Iterator[dict[str, Impostor]]:
    held = {name: Impostor() for name in ("PORT", "AUTH_PORT", "QUEUE_PORT", "MAIL_PORT")}
    # SeaweedFS' S3 port with its gRPC twin free: only the S3 port itself is held.
    while True:
        s3 = Impostor()
        if s3.port + ports.GRPC_OFFSET < 65536 and ports.is_free(s3.port + ports.GRPC_OFFSET):
            break
        s3.stop()
    held["S3_PORT"] = s3
    yield held
    for impostor in held.values():
        impostor.stop()


def test_a_stack_whose_ports_are_held_moves_on_and_never_reaches_the_holders(
    impostors: dict[str, Impostor],
) -> None:
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-ports-"))
    with socket.socket() as postgres_holder:
        postgres_holder.bind(("127.0.0.1", 0))
        postgres_holder.listen()
        env = {name: str(impostor.port) for name, impostor in impostors.items()}
        env["POSTGRES_PORT"] = str(postgres_holder.getsockname()[1])
        stack = start_stack(state_dir, env=env)
        try:
            banner = stack.output()
            names = {"PORT": "api", "AUTH_PORT": "auth", "S3_PORT": "s3", "QUEUE_PORT": "queue"}
            names |= {"MAIL_PORT": "mail", "POSTGRES_PORT": "database"}
            for variable, name in names.items():
                used = urlsplit(stack.urls[name]).port
                assert used != int(env[variable]), name
                assert f"({env[variable]} was taken: {used} instead)" in banner, name
            # The banner ends with the exports to paste, this stack's own URLs.
            last = banner.rstrip().splitlines()[-3:]
            assert last[0] == f"export API={stack.api} AUTH={stack.auth}"
            assert last[1].startswith("export TOKEN=")
            # `make env` prints the same from the state file; a user's whole session follows.
            shown = subprocess.run(
                ["make", "-s", "env"],
                cwd=ROOT,
                env={**os.environ, "SNSD_LOCAL_DIR": str(state_dir)},
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
            assert re.fullmatch(
                rf"export API={re.escape(stack.api)} AUTH={re.escape(stack.auth)}\n"
                r"export TOKEN=[\w.-]+\n",
                shown,
            )
            token = shown.split("export TOKEN=")[1].strip()
            headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": DEMO_TENANT}
            assert httpx.get(f"{stack.api}/health").status_code == 200
            uploaded = httpx.post(
                f"{stack.api}/files/upload",
                files={"file": ("moved.txt", b"on the stack's own ports")},
                headers=headers,
            )
            assert uploaded.status_code == 201, uploaded.text
            got = httpx.get(f"{stack.api}/files/download/moved.txt", headers=headers)
            assert got.content == b"on the stack's own ports"
        finally:
            stack.stop_cleanly()
            shutil.rmtree(state_dir, ignore_errors=True)
    reached = {name: impostor.requests for name, impostor in impostors.items()}
    assert reached == {name: [] for name in impostors}
