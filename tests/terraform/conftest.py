"""Fixtures for the Terraform tests: the terraform CLI, the provider mirror, moto
(`dev/platform_check.py`'s, which `make platform-check` runs too).

Nothing here reaches the network or writes under $HOME: terraform gets a CLI
configuration (filesystem mirror only), a plugin cache and a HOME in the
session's temporary directory, and fake credentials.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from dev.platform_check import (
    MIRROR,
    MOTO_SERVER,
    Terraform,
    moto_server,
    provider_mirror,
    provider_platform,
    terraform_env,
)

TERRAFORM = shutil.which("terraform")


def _missing_terraform() -> str | None:
    if TERRAFORM is None:
        return "terraform is not installed (not on PATH)"
    return None


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    reason = _missing_terraform()
    if reason:
        pytest.skip(reason)
    assert TERRAFORM is not None
    return TERRAFORM


@pytest.fixture(scope="session")
def terraform(terraform_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """terraform with the local provider mirror, a shared plugin cache and fake credentials."""
    mirror = provider_mirror()
    if mirror is None:
        pytest.skip(f"no hashicorp/aws 5.x for {provider_platform()} in the mirror at {MIRROR}")
    home = tmp_path_factory.mktemp("terraform-home")
    return Terraform(
        terraform_bin, terraform_env(home, mirror=mirror, plugin_cache=home / "plugin-cache")
    )


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server (from the venv's moto[server]) on a free loopback port."""
    if not MOTO_SERVER.exists():
        pytest.skip(f"moto_server is not installed at {MOTO_SERVER} (install moto[server])")
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with log_path.open("w") as log, moto_server(log) as endpoint:
        yield endpoint
