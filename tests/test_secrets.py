"""Supabase settings read from Secrets Manager once per container (moto: no signing involved)."""

import json

import pytest
from moto import mock_aws

from file_lambda.secrets import supabase_settings_loader
from file_lambda.settings import ConfigError, Settings
from tenancy.problems import ServiceUnavailable
from tenancy.tokens import DeferredVerifier
from tests.support.tokens import claims, hs256

ENV = {"S3_BUCKET_NAME": "test-bucket", "AWS_REGION": "us-east-1"}


@pytest.fixture
def secret_arn():
    with mock_aws():
        import boto3

        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(
            Name="snsd-production-secrets",
            SecretString=json.dumps(
                {"SUPABASE_JWT_SECRET": "from-the-secret-" + "x" * 32, "SUPABASE_URL": ""}
            ),
        )["ARN"]
        yield arn


def test_the_secret_fills_in_what_the_environment_leaves_out(secret_arn):
    settings = Settings.from_env({**ENV, "APP_SECRET_ARN": secret_arn})
    assert supabase_settings_loader(settings)() == ("from-the-secret-" + "x" * 32, None)


def test_plain_values_win_over_the_secret(secret_arn):
    settings = Settings.from_env(
        {**ENV, "APP_SECRET_ARN": secret_arn, "SUPABASE_JWT_SECRET": "plain"}
    )
    assert supabase_settings_loader(settings)()[0] == "plain"


def test_the_secret_is_read_once_and_tokens_verify_with_it(secret_arn):
    settings = Settings.from_env({**ENV, "APP_SECRET_ARN": secret_arn})
    reads = []
    load = supabase_settings_loader(settings)
    verifier = DeferredVerifier(lambda: reads.append(1) or load())
    token = hs256(claims("user-1"), "from-the-secret-" + "x" * 32)
    for _ in range(3):
        assert verifier.verify(token)["sub"] == "user-1"
    assert reads == [1]


def test_an_unreadable_secret_fails_closed_and_is_retried():
    attempts = []

    def load():
        attempts.append(1)
        raise ConnectionError("secrets manager unreachable")

    verifier = DeferredVerifier(load)
    for _ in range(2):
        with pytest.raises(ServiceUnavailable) as raised:
            verifier.verify(hs256(claims("user-1")))
        assert raised.value.code == "auth_unavailable"
    assert len(attempts) == 2


def test_start_up_names_what_is_missing():
    with pytest.raises(ConfigError, match="S3_BUCKET_NAME"):
        Settings.from_env({"SUPABASE_JWT_SECRET": "x"})
    with pytest.raises(ConfigError, match="SUPABASE_URL or SUPABASE_JWT_SECRET"):
        Settings.from_env({"S3_BUCKET_NAME": "b"})
    with pytest.raises(ConfigError, match="PRESIGN_MAX_EXPIRES must be an integer"):
        Settings.from_env({**ENV, "SUPABASE_JWT_SECRET": "x", "PRESIGN_MAX_EXPIRES": "soon"})
