"""terraform fmt, init and validate on the real configuration (local mirror only)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.terraform.support import TF_ROOT, Terraform, copy_configuration


def test_fmt(terraform_bin: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [terraform_bin, "fmt", "-check", "-recursive", "-diff"],
        cwd=TF_ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "CHECKPOINT_DISABLE": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def initialised(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = copy_configuration(tmp_path_factory.mktemp("validate") / "terraform")
    terraform.run(["init", "-backend=false", "-no-color"], work, timeout=120)
    return work


def test_validate(terraform: Terraform, initialised: Path) -> None:
    result = terraform.run(["validate", "-no-color"], initialised, timeout=120)
    assert "The configuration is valid" in result.stdout


def test_lock_file_pins_the_mirrored_5x_provider(initialised: Path) -> None:
    lock = (initialised / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert 'constraints = "~> 5.0"' in lock
    assert lock.count('provider "') == 1, "a provider other than hashicorp/aws was installed"
