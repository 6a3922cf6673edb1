"""Fixtures for the Terraform tests: the terraform CLI, the provider mirror, moto.

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
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.terraform.support import Terraform

MIRROR = Path(os.environ.get("SNSD_TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
FROM_REGISTRY = os.environ.get("SNSD_TERRAFORM_PROVIDERS") == "registry"
AWS_PROVIDER = MIRROR / "registry.terraform.io" / "hashicorp" / "aws"
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
TERRAFORM = shutil.which("terraform")


def _missing_terraform() -> str | None:
    if TERRAFORM is None:
        return "terraform is not installed (not on PATH)"
    return None


def _missing_mirror() -> str | None:
    if not FROM_REGISTRY and not any(AWS_PROVIDER.glob("5.*/linux_amd64")):
        return (
            f"no hashicorp/aws 5.x provider in the mirror at {MIRROR}"
            " (SNSD_TERRAFORM_PROVIDERS=registry takes it from the registry)"
        )
    return None


def _skip(reason: str) -> NoReturn:
    if FROM_REGISTRY:
        pytest.fail(f"{reason}: with SNSD_TERRAFORM_PROVIDERS=registry nothing is skipped")
    pytest.skip(reason)


def _cli_configuration() -> str:
    if FROM_REGISTRY:
        return "# hashicorp/aws from the registry (SNSD_TERRAFORM_PROVIDERS=registry)\n"
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{MIRROR}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )


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
    reason = _missing_mirror()
    if reason:
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("terraform-home")
    # From the registry, a TF_PLUGIN_CACHE_DIR outlives the session (CI caches it).
    shared_cache = os.environ.get("TF_PLUGIN_CACHE_DIR") if FROM_REGISTRY else None
    cache = Path(shared_cache) if shared_cache else home / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    cli_config = home / "terraform.tfrc"
    cli_config.write_text(_cli_configuration())
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_PLUGIN_CACHE_DIR": str(cache),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        # Never real credentials, never a profile or the instance metadata.
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return Terraform(terraform_bin, env)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server (from the venv's moto[server]) on a free loopback port."""
    if not MOTO_SERVER.exists():
        _skip(f"moto_server is not installed at {MOTO_SERVER} (install moto[server])")
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    process = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        # AWS managed policies (ReadOnlyAccess, AdministratorAccess) exist in
        # every account; moto loads them only when asked.
        env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start (see {log.name})") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
