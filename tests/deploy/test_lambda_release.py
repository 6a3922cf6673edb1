"""The file API's release: publish a version, move the alias, move it back (against moto)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from scripts import lambda_release
from tests.support.deploy import REGION, read_outputs

FUNCTION = "snsd-production-file-api"
ALIAS = "live"


def _package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("file_lambda/handler.py", source)
    return buffer.getvalue()


@pytest.fixture
def lam(aws: None) -> Any:
    """The function as Terraform leaves it: version 1 published, the alias on it."""
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(
        RoleName="snsd-production-file-lambda",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    client = boto3.client("lambda", region_name=REGION)
    client.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role,
        Handler="file_lambda.handler.handler",
        Code={"ZipFile": _package("# placeholder answering 503\n")},
        Publish=True,
    )
    client.create_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion="1")
    return client


def _alias_version(lam: Any) -> str:
    return str(lam.get_alias(FunctionName=FUNCTION, Name=ALIAS)["FunctionVersion"])


def test_release_publishes_the_package_and_moves_the_alias(
    lam: Any, github_files: tuple[Path, Path]
) -> None:
    package = _package("handler = 'v2'\n")

    done = lambda_release.release(lam, FUNCTION, ALIAS, package, "commit abc")

    assert done == lambda_release.Release(version="2", previous_version="1")
    assert _alias_version(lam) == "2"
    published = lam.get_function(FunctionName=FUNCTION, Qualifier="2")["Configuration"]
    assert published["Description"] == "commit abc"
    assert read_outputs(github_files[0]) == {"previous_version": "1", "version": "2"}


def test_rollback_returns_the_alias_to_the_previous_version(
    lam: Any, github_files: tuple[Path, Path]
) -> None:
    done = lambda_release.release(lam, FUNCTION, ALIAS, _package("v2 = 1\n"), "")
    assert _alias_version(lam) == done.version == "2"

    code = lambda_release.main(
        [
            "--function",
            FUNCTION,
            "--alias",
            ALIAS,
            "rollback",
            "--to-version",
            done.previous_version,
        ],
        lambda_client=lam,
    )

    assert code == 0
    assert _alias_version(lam) == "1"
    # The version that failed stays published, for a look at what went wrong.
    versions = [
        v["Version"] for v in lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"]
    ]
    assert "2" in versions
    assert "rolled back to 1" in github_files[1].read_text()


def test_release_command_reads_the_zip_and_writes_outputs(
    lam: Any, tmp_path: Path, github_files: tuple[Path, Path]
) -> None:
    package = tmp_path / "file-api.zip"
    package.write_bytes(_package("v2 = 2\n"))

    code = lambda_release.main(
        [
            "--function",
            FUNCTION,
            "--alias",
            ALIAS,
            "release",
            "--zip",
            str(package),
            "--description",
            "b" * 40,
        ],
        lambda_client=lam,
    )

    assert code == 0
    assert read_outputs(github_files[0]) == {"previous_version": "1", "version": "2"}
    assert "from version 1 to 2" in github_files[1].read_text()


def test_two_releases_roll_back_one_step(lam: Any) -> None:
    lambda_release.release(lam, FUNCTION, ALIAS, _package("v2 = 1\n"), "")
    third = lambda_release.release(lam, FUNCTION, ALIAS, _package("v3 = 1\n"), "")
    assert third == lambda_release.Release(version="3", previous_version="2")
    lambda_release.point_alias(lam, FUNCTION, ALIAS, third.previous_version)
    assert _alias_version(lam) == "2"


def test_rollback_clears_weighted_routing(lam: Any) -> None:
    lambda_release.release(lam, FUNCTION, ALIAS, _package("v2 = 1\n"), "")
    lam.update_alias(
        FunctionName=FUNCTION,
        Name=ALIAS,
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    lambda_release.point_alias(lam, FUNCTION, ALIAS, "1")
    alias = lam.get_alias(FunctionName=FUNCTION, Name=ALIAS)
    assert alias["FunctionVersion"] == "1"
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")


@pytest.mark.parametrize("version", ["$LATEST", "live", ""])
def test_the_alias_only_takes_published_versions(lam: Any, version: str) -> None:
    code = lambda_release.main(
        ["--function", FUNCTION, "--alias", ALIAS, "rollback", "--to-version", version],
        lambda_client=lam,
    )
    assert code == 1
    assert _alias_version(lam) == "1"


def test_an_oversized_package_is_refused_before_upload(
    lam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lambda_release, "MAX_INLINE_ZIP_BYTES", 10)
    with pytest.raises(lambda_release.ReleaseError, match="inline uploads"):
        lambda_release.release(lam, FUNCTION, ALIAS, _package("x = 1\n"), "")
    assert _alias_version(lam) == "1"
    versions = lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]


def test_a_missing_alias_stops_the_release_before_anything_ships(lam: Any) -> None:
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lambda_release.release(lam, FUNCTION, "nope", _package("x = 1\n"), "")
    versions = lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]


def _record_state_checks(lam: Any, state: str | None = None) -> list[str]:
    """The versions whose state the release asks for; with `state`, answer that instead of moto.

    moto publishes every version Active at once, so a version that is still
    taking its SnapStart snapshot (or failed to) is a stubbed answer.
    """
    asked: list[str] = []

    def check(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        asked.append(str(params["query_string"].get("Qualifier")))
        if state is None:
            return None
        answer = {"State": state, "StateReason": f"stubbed {state}", "ResponseMetadata": {}}
        return SimpleNamespace(status_code=200), answer

    lam.meta.events.register("before-call.lambda.GetFunctionConfiguration", check)
    return asked


def test_release_waits_for_the_new_version_to_be_active(lam: Any) -> None:
    asked = _record_state_checks(lam)

    done = lambda_release.release(lam, FUNCTION, ALIAS, _package("v2 = 1\n"), "")

    assert done.version == "2"
    assert asked == ["2"]
    assert _alias_version(lam) == "2"


@pytest.mark.parametrize("state", ["Pending", "Failed"])
def test_a_version_that_never_becomes_active_leaves_the_alias_alone(
    lam: Any, monkeypatch: pytest.MonkeyPatch, github_files: tuple[Path, Path], state: str
) -> None:
    monkeypatch.setattr(lambda_release, "ACTIVE_WAIT", {"Delay": 0, "MaxAttempts": 3})
    asked = _record_state_checks(lam, state)

    code = lambda_release.main(
        ["--function", FUNCTION, "--alias", ALIAS, "release", "--zip", "/dev/null"],
        lambda_client=lam,
    )

    assert code == 1
    assert _alias_version(lam) == "1"
    assert set(asked) == {"2"}
    assert len(asked) == (3 if state == "Pending" else 1)


def test_the_first_release_pins_the_placeholder_so_it_can_roll_back(lam: Any) -> None:
    """As Terraform leaves a new function: nothing published, the alias on $LATEST."""
    fresh = "snsd-fresh-file-api"
    role = lam.get_function_configuration(FunctionName=FUNCTION)["Role"]
    placeholder = lam.create_function(
        FunctionName=fresh,
        Runtime="python3.12",
        Role=role,
        Handler="file_lambda.handler.handler",
        Code={"ZipFile": _package("# placeholder answering 503\n")},
    )["CodeSha256"]
    lam.create_alias(FunctionName=fresh, Name=ALIAS, FunctionVersion="$LATEST")

    done = lambda_release.release(lam, fresh, ALIAS, _package("v2 = 1\n"), "")

    assert done == lambda_release.Release(version="2", previous_version="1")
    pinned = lam.get_function_configuration(FunctionName=fresh, Qualifier="1")
    assert pinned["CodeSha256"] == placeholder
    lambda_release.point_alias(lam, fresh, ALIAS, done.previous_version)
    assert lam.get_alias(FunctionName=fresh, Name=ALIAS)["FunctionVersion"] == "1"


def test_code_ships_the_package_to_another_functions_latest(lam: Any, tmp_path: Path) -> None:
    """The webhooks' delivery function runs the same package; its mapping invokes $LATEST."""
    package = tmp_path / "file-api.zip"
    package.write_bytes(_package("# the delivery function's handler is in here\n"))
    before = lam.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"]

    assert lambda_release.main(["--function", FUNCTION, "code", "--zip", str(package)]) == 0

    after = lam.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"]
    assert after != before
    assert _alias_version(lam) == "1"  # no version published, no alias moved


def test_code_for_a_function_that_does_not_exist_ships_nothing(lam: Any, tmp_path: Path) -> None:
    package = tmp_path / "file-api.zip"
    package.write_bytes(_package("# webhooks are off\n"))
    assert lambda_release.main(["--function", "absent", "code", "--zip", str(package)]) == 0


def test_release_and_rollback_still_need_the_alias(lam: Any, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        lambda_release.main(["--function", FUNCTION, "rollback", "--to-version", "1"])
