"""`/health` and `/ready` with dependencies up, down and stopped."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg_pool import AsyncConnectionPool

from core_service.settings import Settings
from dev import postgres_server
from tests.support.core import User
from tests.support.files import BUCKET
from tests.support.problems import assert_problem

Headers = Callable[[User], dict[str, str]]
AppFactory = Callable[..., TestClient]


def unreachable_database() -> str:
    return (
        f"postgresql://postgres@127.0.0.1:{postgres_server.free_port()}/postgres?connect_timeout=1"
    )


@pytest.mark.seaweedfs
def test_ready_when_postgres_and_s3_answer(
    settings: Settings, app_with: AppFactory, seaweed: Any
) -> None:
    client = app_with(settings, s3_endpoint_url=seaweed.endpoint, bucket=BUCKET)
    response = client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}


def test_ready_names_storage_when_s3_does_not_answer(client: TestClient) -> None:
    # The session app's S3 endpoint is a closed port.
    response = client.get("/ready")
    body = assert_problem(response, 503, "not_ready")
    assert body["checks"] == {"database": "ok", "storage": "unavailable"}
    assert "storage" in body["detail"]
    assert "database" not in body["detail"]
    assert response.headers["retry-after"]
    assert "127.0.0.1" not in response.text


def test_unreachable_postgres_is_503_but_health_stays_up(
    settings: Settings,
    app_with: AppFactory,
    pg: postgres_server.LocalPostgres,
    auth: Headers,
    make_user: Callable[..., User],
) -> None:
    client = app_with(
        settings, database_url=unreachable_database(), db_pool_timeout=0.5, ready_timeout=0.5
    )
    assert client.get("/health").json() == {"status": "ok"}
    body = assert_problem(client.get("/ready"), 503, "not_ready")
    assert body["checks"]["database"] == "unavailable"
    assert "database" in body["detail"]
    response = client.get("/me", headers=auth(make_user()))
    assert_problem(response, 503, "database_unavailable")
    assert response.headers["retry-after"]
    assert "postgres" not in response.text.lower()


def test_a_stopped_postgres_is_reported_and_recovered_from(
    client: TestClient,
    pg: postgres_server.LocalPostgres,
    auth: Headers,
    make_user: Callable[..., User],
) -> None:
    headers = auth(make_user())
    assert client.get("/me", headers=headers).status_code == 200  # the pool holds a connection
    pg.stop()
    try:
        body = assert_problem(client.get("/ready"), 503, "not_ready")
        assert body["checks"]["database"] == "unavailable"
        assert_problem(client.get("/me", headers=headers), 503, "database_unavailable")
        assert client.get("/health").status_code == 200
    finally:
        pg.start()
    # The pool reconnects in the background with exponential backoff.
    deadline = time.monotonic() + 20
    while client.get("/me", headers=headers).status_code != 200:
        assert time.monotonic() < deadline, "the pool did not recover"
        time.sleep(0.5)
    assert client.get("/ready").json()["checks"]["database"] == "ok"


def test_health_never_touches_postgres(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("/health asked for a database connection")

    monkeypatch.setattr(AsyncConnectionPool, "connection", forbidden)
    for _ in range(3):
        assert client.get("/health").json() == {"status": "ok"}
    assert_problem(client.get("/ready"), 503, "not_ready")  # the trap is armed
