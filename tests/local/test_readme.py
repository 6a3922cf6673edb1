"""The README's quick start, run as written against a fresh `make dev`, so it cannot drift."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from tests.local.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def quick_start_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    section = section.split("\n### ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)


def test_the_quick_start_names_the_two_commands_then_tries_the_api() -> None:
    blocks = quick_start_blocks()
    assert [line.split("#")[0].strip() for line in blocks[0].splitlines()] == [
        "make dev",
        "make test",
    ]
    examples = "".join(blocks[1:])
    for call in ("/files/upload", "/files/list", "/files/download/", "/files/presigned-upload"):
        assert call in examples


def test_every_quick_start_example_works_against_make_dev(stack: Stack) -> None:
    examples = "".join(quick_start_blocks()[1:]).replace("http://127.0.0.1:8000", stack.api)
    prelude = f"""
set -euo pipefail
# `make` as typed at the checkout's root, against this test's stack.
make() {{ command make --no-print-directory -C {ROOT} "$@"; }}
# Every call must succeed (2xx), as a new user would expect.
curl() {{ command curl --silent --show-error --fail-with-body "$@"; echo; }}
"""
    with tempfile.TemporaryDirectory() as workdir:
        result = subprocess.run(
            ["bash", "-c", prelude + examples],
            cwd=workdir,
            env={
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "HOME": workdir,
                "SNSD_LOCAL_DIR": str(stack.state_dir),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        work = Path(workdir)
        assert (work / "hello-copy.txt").read_bytes() == (work / "hello.txt").read_bytes()
        assert (work / "big-copy.bin").read_bytes() == (work / "big.bin").read_bytes()
        assert '"path":"docs/hello.txt"' in result.stdout  # the listing
        # Two versions listed, the trash showing the deleted file, the restore.
        assert result.stdout.count('"uploaded_by"') == 2
        assert '"files":[{"path":"docs/hello.txt"' in result.stdout
