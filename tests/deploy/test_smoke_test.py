"""The smoke test passes on 200 only, against a real HTTP server on loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scripts import smoke_test


class _Handler(BaseHTTPRequestHandler):
    flaky_left = 0

    def do_GET(self) -> None:
        if self.path in {"/health", "/files/health"}:
            self._answer(200, b'{"status": "ok"}')
        elif self.path == "/broken":
            self._answer(500, b'{"status": 500}')
        elif self.path == "/unavailable":
            self._answer(503, b"")
        elif self.path == "/redirect":
            self.send_response(307)
            self.send_header("Location", "/health")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/flaky":
            if type(self).flaky_left > 0:
                type(self).flaky_left -= 1
                self._answer(502, b"")
            else:
                self._answer(200, b"ok")
        else:
            self._answer(404, b"")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


FAST = ["--attempts", "2", "--delay", "0", "--timeout", "2"]


def test_both_health_endpoints_answering_200_pass(
    base_url: str, github_files: tuple[Path, Path]
) -> None:
    assert smoke_test.main([f"{base_url}/health", f"{base_url}/files/health", *FAST]) == 0
    assert github_files[1].read_text().count("smoke ok") == 2


@pytest.mark.parametrize(
    ("path", "status"), [("/broken", 500), ("/unavailable", 503), ("/nowhere", 404)]
)
def test_a_non_200_fails(base_url: str, path: str, status: int) -> None:
    result = smoke_test.check(f"{base_url}{path}", attempts=2, delay=0, timeout=2)
    assert not result.ok
    assert result.status == status
    assert result.attempts == 2
    assert smoke_test.main([f"{base_url}{path}", *FAST]) == 1


def test_a_redirect_is_not_followed(base_url: str) -> None:
    result = smoke_test.check(f"{base_url}/redirect", attempts=1, delay=0, timeout=2)
    assert (result.ok, result.status) == (False, 307)


def test_one_failing_url_fails_the_run(base_url: str) -> None:
    assert smoke_test.main([f"{base_url}/health", f"{base_url}/broken", *FAST]) == 1


def test_no_server_fails() -> None:
    result = smoke_test.check(f"http://127.0.0.1:{_unused_port()}/health", attempts=1, timeout=2)
    assert not result.ok
    assert result.status is None


def test_it_retries_while_the_deployment_settles(base_url: str) -> None:
    _Handler.flaky_left = 2
    waits: list[float] = []
    result = smoke_test.check(
        f"{base_url}/flaky", attempts=5, delay=3, timeout=2, sleep=waits.append
    )
    assert result.ok
    assert result.attempts == 3
    assert waits == [3, 3]


def test_only_http_urls() -> None:
    with pytest.raises(ValueError, match="http"):
        smoke_test.probe("file:///etc/passwd", timeout=1)
