"""What the Makefile promises a newcomer: `make help` names every target the docs tell
them to run, no recipe installs system packages, and `make test-fast` leaves out the
slow suites."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dev.platform_check import MIRROR, provider_mirror

ROOT = Path(__file__).resolve().parents[2]
MAKEFILES = [ROOT / "Makefile", ROOT / "file_lambda" / "Makefile"]
NOT_DOCS = {".git", ".venv", ".tools", ".aws-sam", ".local", "node_modules"}
# Code in Markdown: fenced blocks and inline spans.
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
MAKE_COMMAND = re.compile(r"(?<![\w/-])make (?:-s )?([a-z][-a-z]*)")
# What `make test-fast` must leave out, whatever else is marked slow: Terraform applied
# to the emulator, the browser, the bench and the 6 GiB upload.
SLOW = [
    "tests/terraform/test_emulator.py",
    "tests/local/test_browser.py",
    "tests/local/test_uppy.py",
    "tests/local/test_pages.py",
    "tests/test_bench_quick.py::test_quick_bench_prints_the_table_and_writes_the_json",
    "tests/test_bench_quick.py::test_the_capacity_load_test_runs_and_reports_each_step",
    "tests/files/test_multipart_6gib.py",
    "tests/deploy/test_makefile.py::test_platform_check_validates_and_plans_both_roots_against_the_emulator",
]


def _targets_in_docs() -> set[str]:
    found = set()
    for path in ROOT.rglob("*.md"):
        if not NOT_DOCS & set(path.relative_to(ROOT).parts):
            for code in CODE.findall(path.read_text()):
                found.update(MAKE_COMMAND.findall(code))
    return found


def test_help_lists_every_target_the_docs_name_and_only_targets() -> None:
    shown = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    listed = [line.split()[1] for line in shown.splitlines() if line.startswith("make ")]
    assert len(listed) == len(shown.splitlines()), "one line per target, each `make TARGET`"
    named = _targets_in_docs()
    assert {"dev", "test"} <= named
    assert named <= set(listed), f"the docs name targets `make help` lacks: {named - set(listed)}"
    defined = set(re.findall(r"^([a-z][-a-z]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    assert set(listed) <= defined, f"make help lists what is no target: {set(listed) - defined}"


def test_package_managers_appear_only_in_messages() -> None:
    """A missing tool is named with how to get it; nothing is installed behind the user's back."""
    for makefile in MAKEFILES:
        text = re.sub(r"\\\n", " ", makefile.read_text())
        for line in text.splitlines():
            if line.lstrip().startswith("#"):
                continue
            unquoted = re.sub(r'"[^"]*"', '""', line)
            found = re.search(r"\b(apt-get|apt|dnf|yum|apk|brew|sudo)\b", unquoted)
            assert not found, f"{makefile.relative_to(ROOT)}: {line.strip()}"


def test_the_fast_run_leaves_out_the_slow_suites() -> None:
    collect = ["-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "-m", "not slow"]
    result = subprocess.run(
        [sys.executable, *collect, *SLOW],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # 5: every test of those exists and is deselected (a path that is gone would be 4).
    assert result.returncode == 5, result.stdout[-3000:] + result.stderr[-3000:]


def test_without_node_the_pages_say_what_is_missing_and_make_dev_goes_on() -> None:
    """`make pages` fails naming Node 20; `make dev`'s step warns and lets the stack start."""
    make = shutil.which("make")
    assert make is not None
    no_node = {"PATH": "/nonexistent", "HOME": str(ROOT)}

    def run(target: str) -> subprocess.CompletedProcess[str]:
        # -B: as if the sources were newer than the build, so the recipe runs.
        return subprocess.run(
            [make, "-s", "-B", target], cwd=ROOT, env=no_node, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip

    pages = run("pages")
    assert pages.returncode != 0
    assert "Node 20 and npm are needed" in pages.stderr
    dev_step = run("pages-if-node")
    assert dev_step.returncode == 0, dev_step.stderr
    assert "Node 20 and npm are missing" in dev_step.stdout
    assert "503 pages_unavailable" in dev_step.stdout
    assert "/docs (Swagger UI) 503" in dev_step.stdout


@pytest.mark.slow
def test_platform_check_validates_and_plans_both_roots_against_the_emulator() -> None:
    """DEPLOYMENT.md's check before an AWS account, run as a newcomer runs it (minutes)."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed (not on PATH)")
    if provider_mirror() is None:
        # Tests never reach a registry; the target itself would.
        pytest.skip(f"no hashicorp/aws 5.x in the mirror at {MIRROR}")
    result = subprocess.run(
        ["make", "-s", "platform-check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    report = [line for line in result.stdout.splitlines() if line.startswith("platform-check: ")]
    assert report[0] == f"platform-check: hashicorp/aws from the mirror {MIRROR}"
    for root in ("terraform/bootstrap", "terraform"):
        line = next(x for x in report if x.startswith(f"platform-check: {root}: "))
        assert re.fullmatch(
            rf"platform-check: {root}: valid; Plan: [1-9]\d* to add, 0 to change, 0 to destroy\.",
            line,
        ), line
    assert report[-1].startswith("platform-check: both roots valid and planned")
    # Nothing of the run is left in the checkout but the plugin cache.
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "terraform"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert not re.search(r"\.tf(state|plan)", status), status
