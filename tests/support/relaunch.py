"""A server process of `make dev` (SeaweedFS, Postgres) stopped mid-run and started again
exactly as it ran: the fault tests' way to take a dependency away and give it back."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.stack import still_running


@dataclass
class Relaunchable:
    """A server process of the stack, captured from /proc so that it can be started again
    exactly as it ran: same command line (ports, data directory), environment and user."""

    pid: int
    argv: list[str]
    cwd: str
    env: dict[str, str]
    uid: int
    gid: int
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def capture(cls, pid: int) -> Relaunchable:
        proc = Path(f"/proc/{pid}")
        argv = [arg.decode() for arg in (proc / "cmdline").read_bytes().split(b"\0") if arg]
        env = dict(
            entry.decode().split("=", 1)
            for entry in (proc / "environ").read_bytes().split(b"\0")
            if b"=" in entry
        )
        status = dict(
            line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line
        )
        uid, gid = int(status["Uid"].split()[0]), int(status["Gid"].split()[0])
        return cls(pid, argv, os.readlink(proc / "cwd"), env, uid, gid)

    def kill(self, sig: signal.Signals) -> None:
        """Stop the original process and wait until it is gone (a zombie counts as gone)."""
        start_time = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
        os.kill(self.pid, sig)
        deadline = time.monotonic() + 30
        while still_running({self.pid: start_time}):
            assert time.monotonic() < deadline, f"{self.argv[0]} did not stop"
            time.sleep(0.1)

    def relaunch(self, log: Path) -> None:
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            user=self.uid,
            group=self.gid,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
