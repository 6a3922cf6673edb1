"""Shared fixtures: a real S3 (SeaweedFS), a real Postgres, a local JWKS, and the Lambda handler.

Tests can never reach AWS: fake credentials, no config files, loopback
endpoints only, and a bucket name guard.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from core_service import migrate
from dev import memberships, postgres_server, seaweedfs
from dev.alb import AlbClient
from tests.support.files import BUCKET, ClientFactory
from tests.support.tokens import JWT_SECRET, Jwks, TokenFactory, claims, hs256

for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(name, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": seaweedfs.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": seaweedfs.SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "file-api",
        "POWERTOOLS_METRICS_NAMESPACE": "SnSD-test",
    }
)


@pytest.fixture(autouse=True)
def main_thread_event_loop() -> None:
    """Mangum runs the app on the main thread's event loop, which a Lambda always has.

    A test that ran `asyncio.run()` on the main thread (the load test, the pool
    test) leaves it without one; every later call of the handler would then
    fail with "There is no current event loop", whatever it tests.
    """
    policy = asyncio.get_event_loop_policy()
    try:
        policy.get_event_loop()
    except RuntimeError:
        policy.set_event_loop(policy.new_event_loop())


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[seaweedfs.SeaweedS3]:
    server = seaweedfs.start(tmp_path_factory.mktemp("seaweedfs"))
    try:
        seaweedfs.create_bucket(server, BUCKET)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3(seaweed: seaweedfs.SeaweedS3) -> Any:
    """A raw client on the test bucket's server, to check what the API really wrote."""
    return seaweed.client()


@pytest.fixture(scope="session")
def pg() -> Iterator[postgres_server.LocalPostgres]:
    """Postgres with the local bootstrap and every migration, once per session."""
    # Not under pytest's basetemp: a concurrent pytest run on the same machine
    # prunes old basetemps, data directory of a running server included.
    base = Path(tempfile.mkdtemp(prefix="snsd-pg-"))
    server = postgres_server.start(base)
    try:
        migrate.bootstrap(server.url())
        migrate.apply(server.url())
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def db_url(pg: postgres_server.LocalPostgres) -> str:
    return pg.url()


@pytest.fixture(scope="session")
def jwks() -> Iterator[Jwks]:
    keys = Jwks()
    keys.add_ec("ec-key-1")
    keys.add_rsa("rsa-key-1")
    keys.url = keys.serve()  # type: ignore[attr-defined]
    yield keys
    keys.stop()


@pytest.fixture(scope="session")
def lambda_module(seaweed: seaweedfs.SeaweedS3, jwks: Jwks, db_url: str) -> ModuleType:
    """`file_lambda.handler`, imported once as a Lambda container would, with the test env."""
    os.environ.update(
        {
            "S3_BUCKET_NAME": BUCKET,
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_S3": seaweed.endpoint,
            "SUPABASE_URL": jwks.url,  # type: ignore[attr-defined]
            "SUPABASE_JWT_SECRET": JWT_SECRET,
            "SUPABASE_DB_URL": db_url,
            "CORS_ALLOWED_ORIGINS": "https://app.snsdconsultant.com",
            # No scanner runs beside these tests: a file is never judged by its verdict
            # but where a test builds its app with scanning enforced (test_scanning.py).
            "MALWARE_SCANNING": "off",
        }
    )
    return importlib.import_module("file_lambda.handler")


@pytest.fixture(scope="session")
def issuer(jwks: Jwks) -> str:
    return f"{jwks.url}/auth/v1"  # type: ignore[attr-defined]


@pytest.fixture
def user() -> str:
    """A fresh user id per test: a container keeps each user's memberships for a while."""
    return str(uuid.uuid4())


@pytest.fixture
def tenant() -> str:
    """A fresh tenant per test, so tests share the bucket without seeing each other."""
    return str(uuid.uuid4())


@pytest.fixture
def make_token(issuer: str, db_url: str) -> TokenFactory:
    """A token whose memberships the database holds too (`dev/memberships.py`)."""

    def factory(tenants: dict[str, str] | None = None, **overrides: Any) -> str:
        body = claims(tenants=tenants, issuer=issuer, **overrides)
        memberships.register(db_url, body)
        return hs256(body)

    return factory


@pytest.fixture(params=["single", "multi"], ids=["headers", "multiValueHeaders"])
def header_form(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "multi")


@pytest.fixture
def client_for(lambda_module: ModuleType, make_token: TokenFactory, tenant: str) -> ClientFactory:
    """An ALB client acting with `role` in the test's tenant (or the tenants given)."""

    def factory(
        role: str | None = "owner",
        *,
        tenants: dict[str, str] | None = None,
        select: str | None = None,
        multi_value: bool = False,
        **claim_overrides: Any,
    ) -> AlbClient:
        memberships = tenants if tenants is not None else ({tenant: role} if role else {})
        return AlbClient(
            lambda_module.handler,
            token=make_token(memberships, **claim_overrides),
            tenant=select,
            multi_value=multi_value,
        )

    return factory


@pytest.fixture
def client(client_for: ClientFactory) -> AlbClient:
    return client_for("owner")


@pytest.fixture
def tenant_keys(s3: Any, tenant: str) -> Callable[[], list[str]]:
    """Every key in the bucket under the test tenant's root, all versions' keys."""

    def keys() -> list[str]:
        paginator = s3.get_paginator("list_objects_v2")
        prefix = f"tenants/{tenant}/"
        return [
            item["Key"][len(prefix) :]
            for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix)
            for item in page.get("Contents", [])
        ]

    return keys


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).parent / "data"
