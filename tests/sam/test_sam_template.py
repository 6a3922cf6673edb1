"""template.yaml and events/: what AWS would deploy, what `sam local` serves."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from dev import DEV_BUCKET, DEV_JWT_SECRET, DEV_ORIGIN
from dev.sam_events import EVENT_FILES, EVENTS_DIR, PLACEHOLDER, SPECS, TENANT_ID, generate, load
from tests.sam import support

INSPECT = Path(__file__).with_name("inspect_template.py")
# API.md, Configuration: the names the file API reads. AWS_REGION is among
# them, but Lambda reserves it and sets it itself.
API_SETTINGS = {
    "S3_BUCKET_NAME",
    "AWS_ENDPOINT_URL_S3",
    "SUPABASE_URL",
    "SUPABASE_JWT_SECRET",
    "CORS_ALLOWED_ORIGINS",
}
# Keys of `sam local generate-event alb request` output.
ALB_EVENT_KEYS = {
    "requestContext",
    "httpMethod",
    "path",
    "queryStringParameters",
    "headers",
    "body",
    "isBase64Encoded",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return support.load_template()


@pytest.fixture(scope="module")
def function(template: dict[str, Any]) -> dict[str, Any]:
    """FileApiFunction's properties, Globals applied."""
    merged = dict(template["Globals"]["Function"])
    merged.update(template["Resources"]["FileApiFunction"]["Properties"])
    return merged


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    support.require_sam()
    result = tmp_path_factory.mktemp("sam") / "inspect.json"
    subprocess.run(
        [str(support.SAM_PYTHON), str(INSPECT), str(support.TEMPLATE), str(result)],
        check=True,
        env=support.sam_env(),
        capture_output=True,
        timeout=120,
    )
    return dict(json.loads(result.read_text()))


def test_function_runs_the_handler_on_python_312(
    template: dict[str, Any], function: dict[str, Any]
) -> None:
    assert function["Handler"] == "file_lambda.handler.handler"
    assert function["Runtime"] == "python3.12"
    assert function["CodeUri"] == "file_lambda/"
    assert template["Resources"]["FileApiFunction"]["Metadata"]["BuildMethod"] == "makefile"
    assert 128 <= function["MemorySize"] <= 1024
    assert function["Timeout"] < 60, "stay under the ALB's idle timeout"
    makefile = (support.ROOT / "file_lambda" / "Makefile").read_text()
    (arch,) = re.findall(r"^LAMBDA_ARCH \?= (\S+)$", makefile, flags=re.MULTILINE)
    assert function["Architectures"] == [arch], "the wheels must match the architecture"


def test_environment_has_the_api_settings_and_powertools(function: dict[str, Any]) -> None:
    variables = function["Environment"]["Variables"]
    assert set(variables) >= API_SETTINGS
    assert "AWS_REGION" not in variables, "reserved by Lambda: a deployment would fail"
    assert variables["POWERTOOLS_SERVICE_NAME"] == "file-api"
    assert {"POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(variables)
    assert variables["POWERTOOLS_LOGGER_LOG_EVENT"] == "false", "events carry tokens"


def test_jwt_secret_parameter_is_never_echoed(template: dict[str, Any]) -> None:
    assert template["Parameters"]["SupabaseJwtSecret"]["NoEcho"] is True
    assert template["Parameters"]["SupabaseJwtSecret"]["Default"] == ""


def test_database_url_is_a_hidden_local_parameter(
    template: dict[str, Any], function: dict[str, Any]
) -> None:
    """The membership check's database: for `sam local`; in AWS it comes from the secret."""
    parameter = template["Parameters"]["SupabaseDbUrl"]
    assert (parameter["Type"], parameter["NoEcho"], parameter["Default"]) == ("String", True, "")
    assert function["Environment"]["Variables"]["SUPABASE_DB_URL"] == {"Ref": "SupabaseDbUrl"}


def test_template_says_it_is_for_local_testing_only() -> None:
    head = support.TEMPLATE.read_text().split("AWSTemplateFormatVersion")[0]
    assert "local testing only" in head
    assert "sam local invoke" in head
    assert "Never" in head
    assert "production stack's names" in head


def test_s3_access_is_limited_to_the_tenants_prefix(function: dict[str, Any]) -> None:
    statements = [
        statement
        for policy in function["Policies"]
        if "Statement" in policy
        for statement in policy["Statement"]
    ]
    s3 = [s for s in statements if any(a.startswith("s3:") for a in _list(s["Action"]))]
    assert s3, "the function needs S3 access"
    for statement in s3:
        assert statement["Effect"] == "Allow"
        assert not any("*" in action for action in _list(statement["Action"]))
        resource = statement["Resource"]["Fn::Sub"]
        if set(_list(statement["Action"])) <= {"s3:ListBucket", "s3:ListBucketVersions"}:
            assert resource == "arn:${AWS::Partition}:s3:::${UploadsBucketName}"
            assert statement["Condition"] == {"StringLike": {"s3:prefix": "tenants/*"}}
        elif statement["Sid"] == "PresignJobOutputs":
            # Archives' downloads, presigned (issue 30): read only, jobs/ only.
            assert _list(statement["Action"]) == ["s3:GetObject"]
            assert resource == "arn:${AWS::Partition}:s3:::${UploadsBucketName}/jobs/*"
        else:
            assert resource == "arn:${AWS::Partition}:s3:::${UploadsBucketName}/tenants/*"
    actions = {a for s in s3 for a in _list(s["Action"])}
    assert not actions & {"s3:PutBucketPolicy", "s3:DeleteBucket", "s3:PutObjectAcl"}
    # Versions and trash need these, and nothing broader.
    assert {"s3:ListBucketVersions", "s3:DeleteObjectVersion", "s3:RestoreObject"} <= actions


def test_published_versions_start_from_a_snapshot(function: dict[str, Any]) -> None:
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert function["AutoPublishAlias"] == "live"  # SnapStart applies to versions only


def _list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_only_the_function_and_its_own_resources_are_deployed(inspected: dict[str, Any]) -> None:
    deployed = inspected["deployed"]
    always = {
        name for name, resource in deployed["resources"].items() if resource["condition"] is None
    }
    assert {re.sub(r"Version[0-9a-f]+$", "Version", name) for name in always} == {
        "FileApiLogGroup",
        "FileApiFunction",
        "FileApiFunctionRole",
        "FileApiFunctionVersion",
        "FileApiFunctionAliaslive",
    }
    assert not any(name.startswith("ServerlessHttpApi") for name in always)
    # The local twin, and the HTTP API SAM generates for it, hang on a
    # condition that no AWS partition satisfies.
    local = {name for name in deployed["resources"] if name not in always}
    assert {
        "FileApiLocalFunction",
        "ServerlessHttpApi",
        "WebhookDeliveryFunction",
        "JobFunction",
    } <= local
    assert {deployed["resources"][name]["condition"] for name in local} == {"SamLocalOnly"}
    assert deployed["conditions"]["SamLocalOnly"] == {
        "Fn::Equals": [{"Ref": "AWS::Partition"}, "sam-local"]
    }


def test_sam_local_serves_the_files_routes_with_the_parameters_given(
    inspected: dict[str, Any],
) -> None:
    local = inspected["local"]
    assert local["functions"] == [
        "FileApiFunction",
        "FileApiLocalFunction",
        "JobFunction",
        "WebhookDeliveryFunction",
    ]
    assert [(r["path"], r["function"]) for r in local["routes"]] == [
        ("/files/{proxy+}", "FileApiLocalFunction")
    ]
    assert {"GET", "POST", "DELETE", "OPTIONS"} <= set(local["routes"][0]["methods"])
    # `sam local` resolves each variable from --parameter-overrides.
    environment = local["environment"]
    overrides = local["overrides"]
    assert environment["S3_BUCKET_NAME"] == overrides["UploadsBucketName"]
    assert environment["AWS_ENDPOINT_URL_S3"] == overrides["S3EndpointUrl"]
    assert environment["SUPABASE_JWT_SECRET"] == overrides["SupabaseJwtSecret"]


@pytest.mark.parametrize("name", EVENT_FILES)
def test_committed_events_are_alb_requests_without_a_token(name: str) -> None:
    event = load(name)
    assert set(event) == ALB_EVENT_KEYS
    assert event["requestContext"]["elb"]["targetGroupArn"].startswith(
        "arn:aws:elasticloadbalancing:"
    )
    assert event["path"].startswith("/files/")
    headers = event["headers"]
    assert all(key == key.lower() for key in headers), "the ALB sends lowercase header names"
    assert headers["authorization"] == f"Bearer {PLACEHOLDER}"
    assert headers["x-tenant-id"] == TENANT_ID
    raw = (EVENTS_DIR / name).read_text()
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.", raw), "a JWT must never be committed"
    if event["body"]:
        assert event["isBase64Encoded"] is True
        body = base64.b64decode(event["body"], validate=True)
        assert headers["content-length"] == str(len(body))
    else:
        assert event["isBase64Encoded"] is False


def test_committed_events_are_what_the_generator_makes() -> None:
    """events/ is `sam local generate-event alb request` output, edited by code."""
    support.require_sam()
    assert [spec.name for spec in SPECS] == list(EVENT_FILES)
    for spec in SPECS:
        assert generate(spec) == load(spec.name), (
            f"regenerate {spec.name}: python -m dev.sam_events generate"
        )


def test_samconfig_gives_sam_local_the_dev_stack_and_nothing_to_deploy() -> None:
    config = tomllib.loads((support.ROOT / "samconfig.toml").read_text())["default"]
    assert not set(config) & {"deploy", "package", "sync", "global"}
    assert config["build"]["parameters"]["cached"] is False  # tenancy/ is outside CodeUri
    for command in ("local_invoke", "local_start_api"):
        overrides = dict(
            item.split("=", 1) for item in config[command]["parameters"]["parameter_overrides"]
        )
        assert overrides["UploadsBucketName"] == DEV_BUCKET
        assert overrides["SupabaseJwtSecret"] == DEV_JWT_SECRET
        assert overrides["CorsAllowedOrigins"] == DEV_ORIGIN
        # Never AWS from `sam local`: the endpoint is always a local one.
        assert overrides["S3EndpointUrl"].startswith("http://host.docker.internal:")
