"""terraform fmt, init and validate on the real configuration (local mirror only)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.terraform.support import TF_ROOT, Terraform, copy_configuration

# A slow suite: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


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
    # -lockfile=readonly, as CI runs it: the committed lock file must match the mirror.
    terraform.run(["init", "-backend=false", "-no-color", "-lockfile=readonly"], work, timeout=120)
    return work


def test_validate(terraform: Terraform, initialised: Path) -> None:
    result = terraform.run(["validate", "-no-color"], initialised, timeout=120)
    assert "The configuration is valid" in result.stdout


def test_validate_bootstrap(terraform: Terraform, initialised: Path) -> None:
    bootstrap = initialised / "bootstrap"
    # -lockfile=readonly: the committed lock file must already match the mirror.
    terraform.run(["init", "-backend=false", "-no-color", "-lockfile=readonly"], bootstrap)
    result = terraform.run(["validate", "-no-color"], bootstrap, timeout=120)
    assert "The configuration is valid" in result.stdout


def test_lock_file_pins_the_mirrored_5x_provider(initialised: Path) -> None:
    lock = (initialised / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert 'constraints = "~> 5.0"' in lock
    assert lock.count('provider "') == 1, "a provider other than hashicorp/aws was installed"


def _plan_variables_only(
    terraform_bin: str, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """A plan of the root's own variables.tf and production.tfvars, without providers."""
    shutil.copy(TF_ROOT / "variables.tf", tmp_path / "variables.tf")
    shutil.copy(TF_ROOT / "production.tfvars", tmp_path / "production.tfvars")
    return subprocess.run(
        [terraform_bin, "plan", "-no-color", "-input=false", "-var-file=production.tfvars", *args],
        cwd=tmp_path,
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


@pytest.mark.parametrize(
    ("environment", "addresses", "valid"),
    [
        ("production", "[]", False),
        ("production", None, True),  # production.tfvars' own address
        ("staging", "[]", True),
    ],
)
def test_production_refuses_to_plan_without_an_alarm_subscriber(
    terraform_bin: str, tmp_path: Path, environment: str, addresses: str | None, valid: bool
) -> None:
    args = ["-var", f"environment={environment}"]
    if addresses is not None:
        args += ["-var", f"alarm_email_addresses={addresses}"]
    result = _plan_variables_only(terraform_bin, tmp_path, *args)
    if valid:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert "Production needs at least one alarm_email_addresses entry" in result.stderr


@pytest.mark.parametrize(
    ("cpu", "memory", "valid"),
    [
        (256, 512, True),
        (256, 2048, True),
        (1024, 8192, True),
        (256, 4096, False),
        (512, 512, False),
        (1024, 1536, False),
        (4096, 32768, False),
    ],
)
def test_fargate_cpu_memory_pairs_are_validated(
    terraform_bin: str, tmp_path: Path, cpu: int, memory: int, valid: bool
) -> None:
    """The root's own variables.tf and production.tfvars, without providers: validation only."""
    shutil.copy(TF_ROOT / "variables.tf", tmp_path / "variables.tf")
    shutil.copy(TF_ROOT / "production.tfvars", tmp_path / "production.tfvars")
    result = subprocess.run(
        [
            terraform_bin,
            "plan",
            "-no-color",
            "-input=false",
            "-var-file=production.tfvars",
            "-var",
            f"task_cpu={cpu}",
            "-var",
            f"task_memory={memory}",
        ],
        cwd=tmp_path,
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
    if valid:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert "Not a Fargate CPU/memory pair" in result.stderr
