"""`make platform-check`: both Terraform roots validated and planned against an emulator.

    .venv/bin/python -m dev.platform_check

For the time before an AWS account (DEPLOYMENT.md, "Check it before you have
an account"): moto's server stands in for AWS on a loopback port, holding the
domain's public zone as the account will. A copy of `terraform/` gets one
override file per root that points every service the platform calls at the
emulator, with fake credentials (and a local backend for the main root), so
the committed files stay as they are and nothing reaches AWS. Then, as
DEPLOYMENT.md runs them, with the committed `production.tfvars`:

1. `terraform/bootstrap`: init, validate, plan, and apply to the emulator
   (the main root looks up the GitHub OIDC provider it creates);
2. `terraform/`: init, validate, plan.

The provider comes from the filesystem mirror when the machine has one
(`SNSD_TF_PLUGIN_MIRROR`, default `/opt/tf-plugins`, as the tests use it),
else from the Terraform registry, cached in `.local/terraform-plugins`.
tests/terraform imports the same pieces (the emulator, the override, the
terraform environment) for its own runs.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import boto3

ROOT = Path(__file__).resolve().parents[1]
TF_ROOT = ROOT / "terraform"
MIRROR = Path(os.environ.get("SNSD_TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
PLUGIN_CACHE = ROOT / ".local" / "terraform-plugins"
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
REGION = "us-east-1"
ZONE = "snsdconsultant.com"
VAR_FILE = "-var-file=production.tfvars"
OVERRIDE = "zz_emulator_override.tf"

# Services the configuration calls, each pointed at the emulator.
EMULATED_SERVICES = (
    "acm",
    "appautoscaling",
    "budgets",
    "cloudwatch",
    "ec2",
    "ecr",
    "ecs",
    "elbv2",
    "iam",
    "lambda",
    "logs",
    "route53",
    "s3",
    "secretsmanager",
    "sesv2",
    "sns",
    "sqs",
    "sts",
    "wafv2",
)
# The main root's provider aliases (another region's provider for the replica).
MAIN_ALIASES = ("replica",)


class TerraformFailed(RuntimeError):
    """A terraform command exited with a status it was not allowed."""


@dataclass(frozen=True)
class Terraform:
    binary: str
    env: dict[str, str]

    def run(
        self, args: Sequence[str], cwd: Path, *, timeout: float = 300, ok: Sequence[int] = (0,)
    ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run(
            [self.binary, *args],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if os.environ.get("SNSD_TF_TIMING"):
            print(f"terraform {args[0]} in {cwd.name}: {time.monotonic() - started:.1f} s")
        if result.returncode not in ok:
            raise TerraformFailed(
                f"terraform {' '.join(args)} exited {result.returncode}\n"
                f"--- stdout (tail) ---\n{result.stdout[-6000:]}\n"
                f"--- stderr ---\n{result.stderr[-6000:]}"
            )
        return result


def provider_platform() -> str:
    """Terraform's name for this machine's platform (linux_amd64, darwin_arm64, ...)."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return f"{platform.system().lower()}_{arch}"


def provider_mirror() -> Path | None:
    """The filesystem mirror, when it holds hashicorp/aws 5.x for this platform."""
    aws = MIRROR / "registry.terraform.io" / "hashicorp" / "aws"
    return MIRROR if any(aws.glob(f"5.*/{provider_platform()}")) else None


def terraform_env(home: Path, *, mirror: Path | None, plugin_cache: Path) -> dict[str, str]:
    """terraform's environment: a HOME of its own, fake AWS credentials and no profile,
    the provider from `mirror` only when given (else the registry), a plugin cache."""
    plugin_cache.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TF_PLUGIN_CACHE_DIR": str(plugin_cache),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        # Never real credentials, never a profile or the instance metadata.
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if mirror is not None:
        cli_config = home / "terraform.tfrc"
        cli_config.write_text(
            "provider_installation {\n"
            "  filesystem_mirror {\n"
            f'    path    = "{mirror}"\n'
            '    include = ["registry.terraform.io/hashicorp/aws"]\n'
            "  }\n"
            "}\n"
        )
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def moto_server(log: IO[str]) -> Iterator[str]:
    """moto's server (the venv's moto[server]) on a free loopback port; yields its URL."""
    if not MOTO_SERVER.exists():
        raise FileNotFoundError(f"moto_server is not installed at {MOTO_SERVER} (moto[server])")
    port = _free_port()
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


def override(endpoint: str, backend: bool = True, aliases: tuple[str, ...] = ()) -> str:
    """The override file that points a root's providers (and its backend) at the emulator."""
    endpoints = "\n".join(f'    {service} = "{endpoint}"' for service in EMULATED_SERVICES)
    local_backend = 'terraform {\n  backend "local" {}\n}\n\n' if backend else ""
    providers = []
    for alias in ("", *aliases):
        alias_line = f'  alias                       = "{alias}"\n' if alias else ""
        providers.append(f"""provider "aws" {{
{alias_line}  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
}}
""")
    return (
        "# Written by dev/platform_check.py: the emulator, not AWS.\n"
        + local_backend
        + "\n".join(providers)
    )


def copy_configuration(destination: Path) -> Path:
    """A working copy of terraform/ (bootstrap/ and lock files included), without state."""
    shutil.copytree(
        TF_ROOT,
        destination,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan", "terraform.tfvars"),
    )
    return destination


def emulated_copy(destination: Path, endpoint: str) -> Path:
    """A copy of terraform/ whose roots talk to the emulator at `endpoint`."""
    work = copy_configuration(destination)
    (work / "bootstrap" / OVERRIDE).write_text(override(endpoint, backend=False))
    (work / OVERRIDE).write_text(override(endpoint, aliases=MAIN_ALIASES))
    return work


def create_public_zone(endpoint: str) -> None:
    """The domain's public zone, which exists in the account before the platform."""
    route53 = boto3.client(
        "route53",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    route53.create_hosted_zone(Name=ZONE, CallerReference="dev-platform-check")


_PLAN_SUMMARY = re.compile(r"^(Plan: .*|No changes\..*)$", re.MULTILINE)


def _summary(plan_output: str) -> str:
    found = _PLAN_SUMMARY.search(plan_output)
    return found.group(1) if found else "plan printed no summary"


COMMON = ["-no-color", "-parallelism=20"]


def check(terraform: Terraform, work: Path) -> list[str]:
    """Validate and plan both roots of `work` (an emulated copy); one line of report each."""
    bootstrap = work / "bootstrap"
    report = []
    for root, name in ((bootstrap, "terraform/bootstrap"), (work, "terraform")):
        print(f"platform-check: checking {name} (init, validate, plan)...", flush=True)
        terraform.run(["init", "-no-color"], root, timeout=600)
        terraform.run(["validate", "-no-color"], root)
        plan = terraform.run(["plan", *COMMON, VAR_FILE, "-out=check.tfplan"], root)
        report.append(f"{name}: valid; {_summary(plan.stdout)}")
        if root is bootstrap:
            terraform.run(["apply", *COMMON, "check.tfplan"], root)
    return report


def main() -> int:
    binary = shutil.which("terraform")
    if binary is None:
        print(
            "platform-check: terraform is not on PATH: install Terraform >= 1.10"
            " (DEPLOYMENT.md, step 0)",
            file=sys.stderr,
        )
        return 2
    mirror = provider_mirror()
    source = f"the mirror {mirror}" if mirror else "the registry"
    print(f"platform-check: hashicorp/aws from {source}", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="snsd-platform-check-") as temporary:
        base = Path(temporary)
        home = base / "home"
        home.mkdir()
        terraform = Terraform(binary, terraform_env(home, mirror=mirror, plugin_cache=PLUGIN_CACHE))
        with (base / "moto.log").open("w") as log, moto_server(log) as endpoint:
            create_public_zone(endpoint)
            try:
                report = check(terraform, emulated_copy(base / "terraform", endpoint))
            except TerraformFailed as failed:
                print(f"platform-check: {failed}", file=sys.stderr)
                return 1
    for line in report:
        print(f"platform-check: {line}")
    print(
        f"platform-check: both roots valid and planned against the emulator"
        f" in {time.monotonic() - started:.0f} s; AWS itself may still refuse what"
        " moto accepts (DEPLOYMENT.md, step 4)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
