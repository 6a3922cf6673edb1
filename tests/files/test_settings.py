"""The file API's settings: documented defaults, bad values named at start-up, and no
setting whose absence fails requests one by one (docs/configuration.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from file_lambda import metrics
from file_lambda.settings import ConfigError, Settings
from tests.support.fresh_process import run_python

REPO = Path(__file__).resolve().parents[2]
MINIMAL = {
    "S3_BUCKET_NAME": "snsd-file-uploads-production",
    "SUPABASE_JWT_SECRET": "x" * 40,
    "SUPABASE_DB_URL": "postgresql://app:pw@db.invalid:5432/postgres",
}


def test_unset_settings_take_the_documented_defaults() -> None:
    """`from_env` and the dataclass state each default once: they must agree."""
    assert Settings.from_env(MINIMAL) == Settings(
        bucket=MINIMAL["S3_BUCKET_NAME"],
        region="us-east-1",
        supabase_url=None,
        jwt_secret=MINIMAL["SUPABASE_JWT_SECRET"],
        db_url=MINIMAL["SUPABASE_DB_URL"],
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_INLINE_UPLOAD_BYTES", "1000001"),  # the ALB would refuse it first, bare
        ("PRESIGN_DEFAULT_EXPIRES", "59"),
        ("PRESIGN_DEFAULT_EXPIRES", "901"),  # over PRESIGN_MAX_EXPIRES's default
        ("PRESIGN_MAX_EXPIRES", "30"),
        ("PRESIGN_REDIRECT_EXPIRES", "0"),
        ("MEMBERSHIP_CACHE_SECONDS", "61"),  # SECURITY.md: a removal counts within 60 s
        ("MULTIPART_MAX_SIZE", str(5 * 1024**2 - 1)),
        ("MULTIPART_MAX_SIZE", str(5 * 1024**4 + 1)),
        ("UPLOAD_SESSION_DEFAULT_EXPIRES", "86401"),
        ("MULTIPART_ABORT_DAYS", "-7"),
        ("SHARE_MAX_DAYS", "6"),  # below the 7 days a link gets by default
        ("SHARE_MAX_DAYS", "366"),
        ("FILE_REQUEST_MAX_DAYS", "6"),  # below the 7 days a request gets by default
        ("FILE_REQUEST_MAX_DAYS", "366"),
        ("FILE_REQUEST_MAX_FILE_SIZE", "0"),
        ("FILE_REQUEST_UPLOAD_LEASE", "599"),
        ("MALWARE_SCANNING", "disabled"),  # `off`, spelled out, or nothing: never a guess
        ("SCAN_RETRY_AFTER", "0"),
        ("SUPABASE_URL", "abcdefgh.supabase.co"),
        ("AWS_ENDPOINT_URL_S3", "localhost:8333"),
        ("CORS_ALLOWED_ORIGINS", "https://app.snsdconsultant.com/"),
    ],
)
def test_a_bad_value_stops_start_up_naming_its_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^setting {name} must"):
        Settings.from_env({**MINIMAL, name: value})


def test_a_default_is_checked_against_the_maximum_it_must_respect() -> None:
    with pytest.raises(ConfigError, match="PRESIGN_DEFAULT_EXPIRES must be between 60 and 120"):
        Settings.from_env({**MINIMAL, "PRESIGN_MAX_EXPIRES": "120"})
    assert (
        Settings.from_env(
            {**MINIMAL, "PRESIGN_MAX_EXPIRES": "120", "PRESIGN_DEFAULT_EXPIRES": "120"}
        ).presign_default_expires
        == 120
    )


def test_metrics_default_to_the_deployed_namespace_and_service() -> None:
    """What Terraform and template.yaml set, so a deployment without them changes nothing."""
    assert (metrics.DEFAULT_NAMESPACE, metrics.DEFAULT_SERVICE) == ("SnSD", "file-api")
    terraform = (REPO / "terraform" / "main.tf").read_text()
    assert 'POWERTOOLS_METRICS_NAMESPACE = "SnSD"' in terraform
    assert 'POWERTOOLS_SERVICE_NAME      = "file-api"' in terraform


# One cold start and one request through the real handler, in a process of its own:
# the Powertools settings are read once, at import.
REQUEST = """
import json
from dev.alb import LambdaContext, build_event
from file_lambda import handler
response = handler.handler(build_event("GET", "/files/list"), LambdaContext())
print(json.dumps({"status": response["statusCode"]}))
"""


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    ("powertools", "namespace", "service"),
    [
        ({}, "SnSD", "file-api"),
        ({"POWERTOOLS_METRICS_NAMESPACE": "", "POWERTOOLS_SERVICE_NAME": ""}, "SnSD", "file-api"),
        (
            {"POWERTOOLS_METRICS_NAMESPACE": "SnSD-test", "POWERTOOLS_SERVICE_NAME": "files"},
            "SnSD-test",
            "files",
        ),
    ],
)
def test_a_request_that_records_a_metric_answers_without_powertools_settings(
    powertools: dict[str, str], namespace: str, service: str
) -> None:
    """Unset, Powertools raised `SchemaValidationError` out of the handler on every
    request that recorded a metric (the ALB answers that with a bare 502)."""
    result = run_python(REQUEST, {**MINIMAL, **powertools})
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    # No token: a 401, which the handler counts as a client error.
    assert lines[-1] == {"status": 401}
    emf = [line for line in lines if "_aws" in line]
    assert len(emf) == 1
    assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == namespace
    assert emf[0]["ClientErrors"] == [1.0]
    assert emf[0]["service"] == service
    logs = [line for line in lines if line.get("message") == "request"]
    assert [log["service"] for log in logs] == [service]


def test_the_function_stops_at_start_up_naming_a_missing_setting() -> None:
    result = run_python(REQUEST, {k: v for k, v in MINIMAL.items() if k != "S3_BUCKET_NAME"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "tenancy.settings.ConfigError: missing required setting S3_BUCKET_NAME"
    )
