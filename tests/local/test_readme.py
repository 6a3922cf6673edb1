"""The README's quick start, run as written against a fresh `make dev`, so it cannot drift."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import httpx

from dev import DEMO_EMAIL
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def quick_start_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    section = section.split("\n### ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)


def untracked() -> set[str]:
    """The checkout's untracked files (ignored ones, such as .local/, left out)."""
    listed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line[3:] for line in listed.splitlines() if line.startswith("?? ")}


def test_the_quick_start_names_the_two_commands_then_tries_the_api() -> None:
    blocks = quick_start_blocks()
    assert [line.split("#")[0].strip() for line in blocks[0].splitlines()] == [
        "make dev",
        "make test",
    ]
    examples = "".join(blocks[1:])
    for call in ("/files/upload", "/files/list", "/files/download/", "/files/presigned-upload"):
        assert call in examples
    # A user of several tenants must name one: every file call shows how.
    file_calls = [line for line in examples.splitlines() if "curl" in line and "/files/" in line]
    assert file_calls
    for line in file_calls:
        if "Authorization" in line:
            assert '-H "X-Tenant-ID: $TENANT"' in line, line


def test_every_quick_start_example_works_against_make_dev(stack: Stack) -> None:
    # The demo user owns a second tenant, as soon as any real user would: a file call
    # without X-Tenant-ID is now ambiguous, and the walkthrough must not depend on it.
    demo = {"Authorization": f"Bearer {stack.session(DEMO_EMAIL)['access_token']}"}
    second = httpx.post(f"{stack.api}/tenants", json={"name": "Second"}, headers=demo)
    assert second.status_code == 201, second.text
    ambiguous = httpx.get(f"{stack.api}/files/list", headers=demo)
    assert (ambiguous.status_code, ambiguous.json()["code"]) == (400, "tenant_required")

    # Its URLs come from the running stack (`make env`), whichever ports it took.
    examples = "".join(quick_start_blocks()[1:])
    assert "127.0.0.1:8000" not in examples
    prelude = f"""
set -euo pipefail
# `make` as typed at the checkout's root, against this test's stack.
make() {{ command make --no-print-directory -C {ROOT} "$@"; }}
# Every call must succeed (2xx), as a new user would expect.
curl() {{ command curl --silent --show-error --fail-with-body "$@"; echo; }}
"""
    before = untracked()
    with tempfile.TemporaryDirectory() as scratch:
        home, tmp = Path(scratch, "home"), Path(scratch, "tmp")
        home.mkdir()
        tmp.mkdir()
        result = subprocess.run(
            ["bash", "-c", prelude + examples],
            cwd=ROOT,
            env={
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "HOME": str(home),
                "TMPDIR": str(tmp),
                "SNSD_LOCAL_DIR": str(stack.state_dir),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert list(tmp.iterdir()) == []  # the walkthrough cleans up after itself
    # Run from the checkout's root, as the README says, it leaves nothing there.
    assert untracked() - before == set()
    assert '"path":"docs/hello.txt"' in result.stdout  # the listing
    assert "Hello from SnSD" in result.stdout  # the download
    assert "the same bytes" in result.stdout  # the large file, through S3 and back
    # Two versions listed, the trash showing the deleted file, the restore.
    assert result.stdout.count('"uploaded_by"') == 2
    assert '"files":[{"path":"docs/hello.txt"' in result.stdout
