"""Fixtures for the Terraform tests: the terraform CLI, the provider mirror, moto
(`dev/platform_check.py`'s, which `make platform-check` runs too).

Nothing here writes under $HOME: terraform gets a CLI configuration, a plugin
cache and a HOME in the session's temporary directory, and fake credentials.
The provider comes from a local filesystem mirror, so nothing reaches the
network, or, with SNSD_TERRAFORM_PROVIDERS=registry (GitHub's runners, a
laptop without a mirror), from the registry, checked against the committed
lock files, into TF_PLUGIN_CACHE_DIR when that is set. In registry mode
nothing is skipped: a missing terraform or moto_server fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

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

FROM_REGISTRY = os.environ.get("SNSD_TERRAFORM_PROVIDERS") == "registry"
TERRAFORM = shutil.which("terraform")


def _missing_terraform() -> str | None:
    if TERRAFORM is None:
        return "terraform is not installed (not on PATH)"
    return None


def _skip(reason: str) -> NoReturn:
    if FROM_REGISTRY:
        pytest.fail(f"{reason}: with SNSD_TERRAFORM_PROVIDERS=registry nothing is skipped")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    reason = _missing_terraform()
    if reason:
        _skip(reason)
    assert TERRAFORM is not None
    return TERRAFORM


@pytest.fixture(scope="session")
def terraform(terraform_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """terraform with the provider mirror (or the registry), a plugin cache and fake credentials."""
    mirror = None if FROM_REGISTRY else provider_mirror()
    if mirror is None and not FROM_REGISTRY:
        pytest.skip(
            f"no hashicorp/aws 5.x for {provider_platform()} in the mirror at {MIRROR}"
            " (SNSD_TERRAFORM_PROVIDERS=registry takes it from the registry)"
        )
    home = tmp_path_factory.mktemp("terraform-home")
    # From the registry, a TF_PLUGIN_CACHE_DIR outlives the session (CI caches it).
    shared_cache = os.environ.get("TF_PLUGIN_CACHE_DIR") if FROM_REGISTRY else None
    cache = Path(shared_cache) if shared_cache else home / "plugin-cache"
    return Terraform(terraform_bin, terraform_env(home, mirror=mirror, plugin_cache=cache))


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server (from the venv's moto[server]) on a free loopback port."""
    if not MOTO_SERVER.exists():
        _skip(f"moto_server is not installed at {MOTO_SERVER} (install moto[server])")
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with log_path.open("w") as log, moto_server(log) as endpoint:
        yield endpoint
