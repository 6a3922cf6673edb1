"""The file API's connection: given Supabase's session pooler (the core's URL, from the
same secret), it connects to the same host's transaction pooler."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from file_lambda.database import Database

POOLER = "aws-0-us-east-1.pooler.supabase.com"


class Refused(Exception):
    """What the stand-in for psycopg.connect raises once it has seen its arguments."""


@pytest.fixture
def connected(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def connect(conninfo: str, **kwargs: Any) -> Any:
        calls.append((conninfo, kwargs))
        raise Refused

    monkeypatch.setattr(psycopg, "connect", connect)
    return calls


def _connect(url: str, connected: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    with pytest.raises(Refused):
        Database(lambda: url).execute("select 1")
    conninfo, kwargs = connected[0]
    assert kwargs["prepare_threshold"] is None  # the transaction pooler keeps none
    return conninfo_to_dict(conninfo)


def test_the_session_pooler_is_reached_on_its_transaction_port(
    connected: list[tuple[str, dict[str, Any]]],
) -> None:
    session = f"postgresql://postgres.abcdefgh:s3cr3t@{POOLER}:5432/postgres?sslmode=require"
    assert _connect(session, connected) == {**conninfo_to_dict(session), "port": "6543"}


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://postgres.abcdefgh:s3cr3t@{POOLER}:6543/postgres",
        "postgresql://postgres:s3cr3t@127.0.0.1:54322/postgres",
    ],
)
def test_any_other_url_is_used_as_it_is(
    url: str, connected: list[tuple[str, dict[str, Any]]]
) -> None:
    assert _connect(url, connected) == conninfo_to_dict(url)
