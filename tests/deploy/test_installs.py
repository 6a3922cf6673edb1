"""Installs come from uv.lock: make syncs .venv from it, and every `pip install` of a
workflow installs one of its hash-checked exports (requirements/, which `make lock`
writes and `make lock-check` keeps fresh)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPORT = re.compile(r"pip install .*--require-hashes --requirement requirements/(\w+)\.txt")


def test_the_venv_is_synced_from_the_lock_refusing_a_stale_one() -> None:
    assert re.search(
        r"^\t\$\(UV\) sync --locked --extra dev\b", (ROOT / "Makefile").read_text(), re.M
    )


def test_workflows_install_only_hash_checked_exports_of_the_lock() -> None:
    installs = [
        line.strip()
        for path in (ROOT / ".github" / "workflows").glob("*.yml")
        for line in path.read_text().splitlines()
        if re.search(r"\bpip3? install\b", line)
    ]
    assert installs, "no workflow installs the deploy scripts' dependencies"
    for line in installs:
        found = EXPORT.search(line)
        assert found, f"not a hash-checked export of uv.lock: {line}"
        assert (ROOT / "requirements" / f"{found.group(1)}.txt").is_file(), line
