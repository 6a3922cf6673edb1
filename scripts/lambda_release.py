"""Ship the file API's code to its Lambda function and move the alias the load balancer invokes.

    lambda_release.py release  --function F --alias live --zip dist/file-api.zip
    lambda_release.py rollback --function F --alias live --to-version 41
    lambda_release.py code     --function W --zip dist/file-api.zip

`release` uploads the package, waits for the update to finish, publishes an
immutable version of exactly that code (CodeSha256 guards against a
concurrent upload slipping in between), waits until that version is Active
(a SnapStart version takes its snapshot first, and invoking it before then
fails), then moves the alias to it. The alias's previous version is written
to the step outputs before the alias moves, so a failing smoke test can put
it back with `rollback`. A version that does not become Active fails the
release with the alias left where it was.

`code` ships the same package to another function of it, the webhooks'
delivery function (terraform/modules/webhooks) or the job function
(terraform/modules/jobs), whose SQS event source mappings invoke `$LATEST`:
no version, no alias, nothing to roll back to but the next release. A
function that does not exist (its module off) is skipped.

Terraform creates the function and the alias and ignores code and alias
changes afterwards, and never publishes: versions and the alias are this
script's alone. Terraform creates the alias on $LATEST (the placeholder, no
version exists yet); the first release publishes that code as a version and
points the alias at it before uploading anything, so even the first release
has a version to roll back to.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError, WaiterError

from scripts.actions_io import add_summary, set_output

# UpdateFunctionCode accepts at most 50 MB of zipped code inline; a larger
# package has to go through S3.
MAX_INLINE_ZIP_BYTES = 50 * 1024 * 1024

# How long a published version may take to become Active: SnapStart
# initialises the function and snapshots it first (usually a minute or two,
# longer for a big package). 10 minutes, well inside the job's 30.
ACTIVE_WAIT = {"Delay": 5, "MaxAttempts": 120}


class ReleaseError(RuntimeError):
    """The function or alias is not where the release needs it to be."""


@dataclass(frozen=True)
class Release:
    version: str
    previous_version: str


def publish_version(lambda_client: Any, function: str, package: bytes, description: str) -> str:
    """Upload `package` as the function's code and publish it; return the new version number."""
    if len(package) > MAX_INLINE_ZIP_BYTES:
        raise ReleaseError(
            f"package is {len(package)} bytes; inline uploads stop at {MAX_INLINE_ZIP_BYTES}"
        )
    updated = lambda_client.update_function_code(FunctionName=function, ZipFile=package)
    # Publishing while the update is still in progress fails with a conflict.
    lambda_client.get_waiter("function_updated_v2").wait(
        FunctionName=function, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
    )
    published = lambda_client.publish_version(
        FunctionName=function, CodeSha256=updated["CodeSha256"], Description=description[:256]
    )
    version = str(published["Version"])
    if version == "$LATEST":
        raise ReleaseError("publish_version returned $LATEST")
    return version


def wait_until_active(lambda_client: Any, function: str, version: str) -> None:
    """Return once `version` may be invoked; raise if it failed or the wait ran out."""
    try:
        lambda_client.get_waiter("published_version_active").wait(
            FunctionName=function, Qualifier=version, WaiterConfig=ACTIVE_WAIT
        )
    except WaiterError as error:
        state = error.last_response.get("State", "unknown")
        reason = error.last_response.get("StateReason", "no reason given")
        raise ReleaseError(
            f"version {version} of {function} is {state}, not Active ({reason}); "
            "the alias was not moved"
        ) from error


def current_version(lambda_client: Any, function: str, alias: str) -> str:
    """The version the alias points at now."""
    return str(lambda_client.get_alias(FunctionName=function, Name=alias)["FunctionVersion"])


def point_alias(lambda_client: Any, function: str, alias: str, version: str) -> None:
    """Send all of the alias's traffic to `version` (clearing any weighted routing)."""
    if not version.isdigit():
        raise ReleaseError(
            f"an alias for the load balancer needs a published version, not {version!r}"
        )
    lambda_client.update_alias(
        FunctionName=function,
        Name=alias,
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    now = current_version(lambda_client, function, alias)
    if now != version:
        raise ReleaseError(f"alias {alias} points at {now} after moving it to {version}")


def pin_latest(lambda_client: Any, function: str, alias: str) -> str:
    """Publish the code the alias serves through $LATEST and point the alias at that version."""
    serving = lambda_client.get_function_configuration(FunctionName=function)["CodeSha256"]
    published = lambda_client.publish_version(
        FunctionName=function, CodeSha256=serving, Description=f"{alias} before the first release"
    )
    version = str(published["Version"])
    wait_until_active(lambda_client, function, version)
    point_alias(lambda_client, function, alias, version)
    return version


def release(
    lambda_client: Any, function: str, alias: str, package: bytes, description: str
) -> Release:
    """Publish `package` and move `alias` to it; report the version it left."""
    previous = current_version(lambda_client, function, alias)
    if previous == "$LATEST":
        # Uploading would change what the alias serves before any smoke test.
        previous = pin_latest(lambda_client, function, alias)
    version = publish_version(lambda_client, function, package, description)
    wait_until_active(lambda_client, function, version)
    # Written before the move: if anything after this fails, the workflow's
    # rollback step already knows where the alias was.
    set_output("previous_version", previous)
    set_output("version", version)
    point_alias(lambda_client, function, alias, version)
    return Release(version=version, previous_version=previous)


def ship_code(lambda_client: Any, function: str, package: bytes) -> str | None:
    """Upload `package` as `function`'s `$LATEST` and wait until it serves it; its
    CodeSha256, or None when there is no such function."""
    if len(package) > MAX_INLINE_ZIP_BYTES:
        raise ReleaseError(
            f"package is {len(package)} bytes; inline uploads stop at {MAX_INLINE_ZIP_BYTES}"
        )
    try:
        updated = lambda_client.update_function_code(FunctionName=function, ZipFile=package)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    lambda_client.get_waiter("function_updated_v2").wait(
        FunctionName=function, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
    )
    return str(updated["CodeSha256"])


def main(argv: Sequence[str] | None = None, lambda_client: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", help="AWS region (default: the SDK's)")
    parser.add_argument("--function", required=True, help="function name or ARN")
    parser.add_argument("--alias", help="alias the load balancer invokes (release, rollback)")
    commands = parser.add_subparsers(dest="command", required=True)
    release_cmd = commands.add_parser("release", help="publish a package and move the alias")
    release_cmd.add_argument("--zip", type=Path, required=True)
    release_cmd.add_argument("--description", default="", help="version description (commit)")
    rollback_cmd = commands.add_parser("rollback", help="move the alias back")
    rollback_cmd.add_argument("--to-version", required=True)
    code_cmd = commands.add_parser("code", help="ship the package to a function's $LATEST")
    code_cmd.add_argument("--zip", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command != "code" and not args.alias:
        parser.error(f"{args.command} needs --alias")

    client = lambda_client or boto3.client("lambda", region_name=args.region)
    try:
        if args.command == "code":
            sha = ship_code(client, args.function, args.zip.read_bytes())
            if sha is None:
                print(f"{args.function}: no such function (its module is off): nothing shipped")
                add_summary(f"- `{args.function}`: absent, nothing shipped")
            else:
                print(f"{args.function}: $LATEST is {sha}")
                add_summary(f"- `{args.function}`: $LATEST now the package ({sha})")
        elif args.command == "release":
            done = release(
                client, args.function, args.alias, args.zip.read_bytes(), args.description
            )
            print(f"{args.function}:{args.alias} {done.previous_version} -> {done.version}")
            add_summary(
                f"- files: `{args.function}:{args.alias}` moved from version "
                f"{done.previous_version} to {done.version}"
            )
        else:
            point_alias(client, args.function, args.alias, args.to_version)
            print(f"{args.function}:{args.alias} rolled back to {args.to_version}")
            add_summary(f"- files: `{args.function}:{args.alias}` rolled back to {args.to_version}")
    except ReleaseError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
