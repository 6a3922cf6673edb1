"""Settings: read once, a missing one named in one line, placeholders refused outside local."""

from __future__ import annotations

import pytest

from core_service.settings import Settings
from tenancy.settings import ConfigError
from tests.support.fresh_process import run_python

GOOD = {
    "SUPABASE_DB_URL": "postgresql://postgres:s3cr3t-value@db.abcdefgh.supabase.co:5432/postgres",
    "SUPABASE_URL": "https://abcdefgh.supabase.co",
    "SUPABASE_JWT_SECRET": "a-real-looking-secret-of-sufficient-length-123",
    "S3_BUCKET_NAME": "snsd-file-uploads-production",
    "AWS_REGION": "us-east-1",
    "CORS_ALLOWED_ORIGINS": "https://app.snsdconsultant.com, https://snsdconsultant.com",
    "PORT": "8000",
}


def test_reads_every_setting() -> None:
    settings = Settings.from_env(GOOD)
    assert settings.bucket == "snsd-file-uploads-production"
    assert settings.cors_allowed_origins == (
        "https://app.snsdconsultant.com",
        "https://snsdconsultant.com",
    )
    assert settings.port == 8000
    assert not settings.local


@pytest.mark.parametrize("name", ["SUPABASE_DB_URL", "SUPABASE_URL", "S3_BUCKET_NAME"])
def test_a_missing_setting_is_named(name: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != name}
    with pytest.raises(ConfigError, match=f"missing required setting {name}$"):
        Settings.from_env(env)


def test_unset_settings_take_the_documented_defaults() -> None:
    required = ("SUPABASE_DB_URL", "SUPABASE_URL", "SUPABASE_JWT_SECRET", "S3_BUCKET_NAME")
    settings = Settings.from_env({name: GOOD[name] for name in required})
    assert settings == Settings(
        database_url=GOOD["SUPABASE_DB_URL"],
        supabase_url=GOOD["SUPABASE_URL"],
        bucket=GOOD["S3_BUCKET_NAME"],
        jwt_secret=GOOD["SUPABASE_JWT_SECRET"],
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "65536"),
        ("DB_POOL_MAX_SIZE", "0"),
        ("DB_POOL_TIMEOUT", "-1"),
        ("SUPABASE_URL", "abcdefgh.supabase.co"),
        ("AWS_ENDPOINT_URL_S3", "localhost:8333"),
        ("CORS_ALLOWED_ORIGINS", "https://app.snsdconsultant.com/"),
    ],
)
def test_a_bad_value_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^setting {name} must"):
        Settings.from_env({**GOOD, name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUPABASE_JWT_SECRET", "super-secret-jwt-token-with-at-least-32-characters-long"),
        ("SUPABASE_DB_URL", "postgresql://postgres:changeme@db:5432/postgres"),
    ],
)
def test_placeholders_only_in_local_mode(name: str, value: str) -> None:
    env = {**GOOD, name: value}
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)
    assert Settings.from_env({**env, "APP_ENV": "local"}).local


def test_plain_http_supabase_only_in_local_mode() -> None:
    env = {**GOOD, "SUPABASE_URL": "http://127.0.0.1:54321"}
    with pytest.raises(ConfigError, match="SUPABASE_URL"):
        Settings.from_env(env)
    assert Settings.from_env({**env, "APP_ENV": "local"}).supabase_url == "http://127.0.0.1:54321"


def test_start_up_stops_with_one_line_naming_the_missing_setting() -> None:
    env = {k: v for k, v in GOOD.items() if k != "S3_BUCKET_NAME"}
    result = run_python("import core_service.main", env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "core service cannot start: missing required setting S3_BUCKET_NAME"
    ]


def test_the_entry_point_builds_the_app_from_the_environment() -> None:
    result = run_python("from core_service.main import app; print(app.title)", GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SnSD API"


POOLER = "aws-0-us-east-1.pooler.supabase.com"


def test_start_up_refuses_supabases_transaction_pooler_without_echoing_the_password() -> None:
    env = {
        **GOOD,
        "SUPABASE_DB_URL": f"postgresql://postgres.abcdefgh:s3cr3t-value@{POOLER}:6543/postgres",
    }
    result = run_python("import core_service.main", env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "core service cannot start: setting SUPABASE_DB_URL names Supabase's transaction pooler"
        f" ({POOLER}:6543)"
    )
    assert "the same host on port 5432" in line
    assert "s3cr3t-value" not in line


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://postgres.abcdefgh:s3cr3t-value@{POOLER}:5432/postgres",
        # 6543 is Supabase's convention only: another host's port is its own business.
        "postgresql://app:s3cr3t-value@pgbouncer.internal.snsdconsultant.com:6543/app",
    ],
)
def test_the_session_pooler_and_other_hosts_are_accepted(url: str) -> None:
    assert Settings.from_env({**GOOD, "SUPABASE_DB_URL": url}).database_url == url
