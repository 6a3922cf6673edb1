"""Paths of the SAM build and tools, and how tests treat their absence."""

from __future__ import annotations

import filecmp
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dev.sam_events import ROOT

TEMPLATE = ROOT / "template.yaml"
BUILD_DIR = ROOT / ".aws-sam" / "build"
ARTIFACT = BUILD_DIR / "FileApiFunction"
SAM_PYTHON = ROOT / ".tools" / "sam" / "bin" / "python"
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
PROJECT_PACKAGES = ("file_lambda", "tenancy", "webhooks", "jobs")


def unavailable(message: str) -> None:
    """`make test` always provides what these tests need; elsewhere, say how to get it.

    CI runs `make test`, so there a missing piece is a failure, never a skip.
    """
    message = f"{message}: run `make sam-check` first"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_sam() -> None:
    if not SAM_PYTHON.exists():
        unavailable(f"the SAM CLI environment {SAM_PYTHON.parent.parent} is missing")


def require_artifact() -> Path:
    if not (ARTIFACT / "file_lambda" / "handler.py").exists():
        unavailable(f"no built package at {ARTIFACT.relative_to(ROOT)}")
    stale = [
        str(source.relative_to(ROOT))
        for package in PROJECT_PACKAGES
        for source in (ROOT / package).rglob("*.py")
        if not (ARTIFACT / source.relative_to(ROOT)).exists()
        or not filecmp.cmp(source, ARTIFACT / source.relative_to(ROOT), shallow=False)
    ]
    stale += [
        str(built.relative_to(ARTIFACT))
        for package in PROJECT_PACKAGES
        for built in (ARTIFACT / package).rglob("*.py")
        if not (ROOT / built.relative_to(ARTIFACT)).exists()
    ]
    if stale:
        unavailable(f"the built package differs from the sources in {', '.join(stale[:3])}")
    return ARTIFACT


def sam_env() -> dict[str, str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return env


def runtime_python() -> str:
    """A Python 3.12 interpreter, the runtime's version, outside any virtualenv."""
    candidates = [
        str(Path(sys.base_prefix) / "bin" / "python3.12"),
        shutil.which("python3.12") or "",
        *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12"))),
    ]
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        probe = subprocess.run(
            [candidate, "-I", "-S", "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.stdout.strip() == "True":
            return candidate
    pytest.fail("no Python 3.12 found: the Lambda runtime is python3.12")


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Ref, !Sub...) as {"Fn::X": value}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        value: object = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template() -> dict[str, object]:
    return dict(yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader))  # noqa: S506 - SafeLoader subclass
