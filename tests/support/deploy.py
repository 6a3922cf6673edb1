"""The deploy scripts' tests: moto's region and what a step wrote to $GITHUB_OUTPUT."""

from __future__ import annotations

from pathlib import Path

REGION = "us-east-1"


def read_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)
