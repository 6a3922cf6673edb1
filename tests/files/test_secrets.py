"""Supabase settings read from Secrets Manager once per container, again when
a rotated JWT secret may be waiting there (moto: no signing involved)."""

import json

import pytest
from moto import mock_aws

from file_lambda.secrets import SupabaseSecrets, SupabaseSettings
from file_lambda.settings import ConfigError, Settings
from tenancy.problems import ServiceUnavailable, Unauthorized
from tenancy.tokens import DeferredVerifier
from tests.support.tokens import claims, hs256

ENV = {"S3_BUCKET_NAME": "test-bucket", "AWS_REGION": "us-east-1"}
OLD = "from-the-secret-" + "x" * 32
NEW = "rotated-secret-" + "y" * 32


@pytest.fixture
def secrets_manager():
    with mock_aws():
        import boto3

        yield boto3.client("secretsmanager", region_name="us-east-1")


@pytest.fixture
def secret_arn(secrets_manager):
    return secrets_manager.create_secret(
        Name="snsd-production-secrets",
        SecretString=json.dumps(
            {"SUPABASE_JWT_SECRET": OLD, "SUPABASE_URL": "", "SUPABASE_DB_URL": "postgresql://db"}
        ),
    )["ARN"]


def test_the_secret_fills_in_what_the_environment_leaves_out(secret_arn):
    settings = Settings.from_env({**ENV, "APP_SECRET_ARN": secret_arn})
    assert SupabaseSecrets(settings).get() == SupabaseSettings(OLD, None, "postgresql://db")


def test_plain_values_win_over_the_secret(secret_arn):
    settings = Settings.from_env(
        {**ENV, "APP_SECRET_ARN": secret_arn, "SUPABASE_JWT_SECRET": "plain"}
    )
    assert SupabaseSecrets(settings).get().jwt_secret == "plain"


def test_the_secret_is_read_once_and_tokens_verify_with_it(secret_arn):
    settings = Settings.from_env({**ENV, "APP_SECRET_ARN": secret_arn})
    reads = []
    secrets = SupabaseSecrets(settings)
    verifier = DeferredVerifier(lambda fresh: reads.append(fresh) or secrets.auth(fresh))
    token = hs256(claims("user-1"), OLD)
    for _ in range(3):
        assert verifier.verify(token)["sub"] == "user-1"
    assert reads == [False]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_rotated_jwt_secret_reaches_a_warm_container(secrets_manager, secret_arn):
    settings = Settings.from_env({**ENV, "APP_SECRET_ARN": secret_arn})
    secrets, clock = SupabaseSecrets(settings), Clock()
    verifier = DeferredVerifier(secrets.auth, reload_interval=60, clock=clock)
    assert verifier.verify(hs256(claims("user-1"), OLD))["sub"] == "user-1"

    secrets_manager.put_secret_value(
        SecretId=secret_arn,
        SecretString=json.dumps({"SUPABASE_JWT_SECRET": NEW, "SUPABASE_DB_URL": "postgresql://db"}),
    )
    signed_with_new = hs256(claims("user-2"), NEW)
    # Within the interval since the last read, a bad signature does not re-read.
    clock.now += 59
    with pytest.raises(Unauthorized):
        verifier.verify(signed_with_new)
    clock.now += 2
    assert verifier.verify(signed_with_new)["sub"] == "user-2"
    assert secrets.get().jwt_secret == NEW


def test_forged_signatures_re_read_the_secret_at_most_once_per_interval(secret_arn):
    settings = Settings.from_env({**ENV, "APP_SECRET_ARN": secret_arn})
    secrets, clock, reads = SupabaseSecrets(settings), Clock(), []

    def load(fresh: bool):
        reads.append(fresh)
        return secrets.auth(fresh)

    verifier = DeferredVerifier(load, reload_interval=60, clock=clock)
    forged = hs256(claims("attacker"), "not-the-secret-" + "z" * 32)
    for step in range(10):
        clock.now += 30
        with pytest.raises(Unauthorized):
            verifier.verify(forged)
        assert reads.count(True) == step // 2
    # The first read, then one re-read per 60 s of forged tokens; none verified.
    assert reads[0] is False


def test_by_default_forged_signatures_re_read_the_secret_at_most_once_a_minute():
    clock, reads = Clock(), []

    def load(fresh: bool):
        reads.append(fresh)
        return OLD, None

    verifier = DeferredVerifier(load, clock=clock)  # the interval the handler uses
    assert verifier.verify(hs256(claims("user-1"), OLD))["sub"] == "user-1"
    forged = hs256(claims("attacker"), NEW)

    clock.now += 59
    with pytest.raises(Unauthorized):
        verifier.verify(forged)
    assert reads == [False]
    clock.now += 1
    with pytest.raises(Unauthorized):
        verifier.verify(forged)
    assert reads == [False, True]


def test_a_re_read_that_fails_refuses_the_token_and_keeps_the_settings():
    clock = Clock()

    def load(fresh: bool):
        if fresh:
            raise ConnectionError("secrets manager unreachable")
        return OLD, None

    verifier = DeferredVerifier(load, reload_interval=60, clock=clock)
    assert verifier.verify(hs256(claims("user-1"), OLD))["sub"] == "user-1"
    clock.now += 61

    with pytest.raises(Unauthorized):  # the token's answer, not the store's error
        verifier.verify(hs256(claims("attacker"), NEW))
    assert verifier.verify(hs256(claims("user-2"), OLD))["sub"] == "user-2"


def test_a_re_read_that_finds_the_same_settings_keeps_the_verifier(jwks, issuer):
    """Nothing new in the store: the verifier is kept, with the signing keys it fetched,
    so a forged token cannot make the next JWKS-signed token fetch them again."""
    clock = Clock()
    verifier = DeferredVerifier(lambda fresh: (OLD, jwks.url), reload_interval=60, clock=clock)
    verifier.verify(jwks.sign(claims(issuer=issuer), "ec-key-1"))
    fetched = jwks.requests
    clock.now += 61

    with pytest.raises(Unauthorized):
        verifier.verify(hs256(claims("attacker"), NEW))  # re-reads the settings: the same
    verifier.verify(jwks.sign(claims(issuer=issuer), "rsa-key-1"))

    assert jwks.requests == fetched


def test_an_unreadable_secret_fails_closed_and_is_retried():
    attempts = []

    def load(fresh: bool):
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
        Settings.from_env({"SUPABASE_JWT_SECRET": "x", "SUPABASE_DB_URL": "postgresql://db"})
    with pytest.raises(ConfigError, match="SUPABASE_URL or SUPABASE_JWT_SECRET"):
        Settings.from_env({"S3_BUCKET_NAME": "b"})
    with pytest.raises(ConfigError, match="SUPABASE_DB_URL"):
        Settings.from_env({**ENV, "SUPABASE_JWT_SECRET": "x"})
    with pytest.raises(ConfigError, match="PRESIGN_MAX_EXPIRES must be an integer"):
        Settings.from_env(
            {
                **ENV,
                "SUPABASE_JWT_SECRET": "x",
                "SUPABASE_DB_URL": "postgresql://db",
                "PRESIGN_MAX_EXPIRES": "soon",
            }
        )
    with pytest.raises(ConfigError, match="MEMBERSHIP_CACHE_SECONDS"):
        Settings.from_env(
            {
                **ENV,
                "SUPABASE_JWT_SECRET": "x",
                "SUPABASE_DB_URL": "postgresql://db",
                "MEMBERSHIP_CACHE_SECONDS": "120",
            }
        )


def test_the_membership_window_is_30_seconds_by_default():
    """SECURITY.md: a removal or demotion reaches the file API within 30 s."""
    settings = Settings.from_env(
        {**ENV, "SUPABASE_JWT_SECRET": "x", "SUPABASE_DB_URL": "postgresql://db"}
    )
    assert settings.membership_ttl == 30


def test_derived_keys_depend_on_the_secret_and_on_the_purpose():
    """The cursor key comes from the database URL's password: alike in every container
    of one deployment, unknowable without that password."""
    purpose = "file-api listing cursors v1"
    one = SupabaseSettings(OLD, None, "postgresql://app:first-password@db:5432/postgres")
    other = SupabaseSettings(OLD, None, "postgresql://app:other-password@db:5432/postgres")

    assert len(one.derived_key(purpose)) == 32
    assert one.derived_key(purpose) == one.derived_key(purpose)
    assert one.derived_key(purpose) != other.derived_key(purpose)
    assert one.derived_key(purpose) != one.derived_key("another purpose")
