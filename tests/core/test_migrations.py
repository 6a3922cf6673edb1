"""The migration runner: ordered, recorded, idempotent; and the CLI of API.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from core_service import migrate
from dev import postgres_server


def test_every_migration_is_recorded_once(db: psycopg.Connection[dict[str, Any]]) -> None:
    rows = db.execute(
        "select version, name from supabase_migrations.schema_migrations order by version"
    ).fetchall()
    assert [row["version"] for row in rows] == [
        m.version for m in migrate.discover(migrate.DEFAULT_MIGRATIONS)
    ]


def test_running_again_applies_nothing_and_changes_nothing(
    db_url: str, db: psycopg.Connection[dict[str, Any]]
) -> None:
    before = db.execute(
        "select count(*) as n from pg_policies where schemaname = 'public'"
    ).fetchone()
    migrate.bootstrap(db_url)
    assert migrate.apply(db_url) == []
    migrate.bootstrap(db_url)
    assert migrate.apply(db_url) == []
    after = db.execute(
        "select count(*) as n from pg_policies where schemaname = 'public'"
    ).fetchone()
    assert before == after


def test_cli_bootstraps_and_migrates_a_bare_database(
    pg: postgres_server.LocalPostgres, db: psycopg.Connection[dict[str, Any]]
) -> None:
    db.execute("drop database if exists cli_check")
    db.execute("create database cli_check")
    url = pg.url("cli_check")
    command = [
        sys.executable,
        "-m",
        "core_service.migrate",
        "--database-url",
        url,
        "--local-bootstrap",
    ]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    count = len(migrate.discover(migrate.DEFAULT_MIGRATIONS))
    assert f"applied {count} migration(s)" in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert second.returncode == 0, second.stderr
    assert "none pending" in second.stdout
    with psycopg.connect(url) as conn:
        hook = conn.execute(
            "select pg_get_function_identity_arguments(oid), pg_get_function_result(oid)"
            " from pg_proc where proname = 'custom_access_token_hook'"
        ).fetchall()
    assert hook == [("event jsonb", "jsonb")]


def test_a_failing_migration_rolls_back_whole_and_is_not_recorded(
    pg: postgres_server.LocalPostgres, db: psycopg.Connection[dict[str, Any]], tmp_path: Path
) -> None:
    db.execute("drop database if exists broken_check")
    db.execute("create database broken_check")
    url = pg.url("broken_check")
    (tmp_path / "001_good.sql").write_text("create table good (id int);")
    (tmp_path / "002_bad.sql").write_text("create table half (id int); select 1/0;")
    with pytest.raises(psycopg.errors.DivisionByZero):
        migrate.apply(url, tmp_path)
    with psycopg.connect(url) as conn:
        versions = conn.execute(
            "select version from supabase_migrations.schema_migrations"
        ).fetchall()
        half = conn.execute("select to_regclass('public.half')").fetchone()
    assert versions == [("001",)]
    assert half == (None,)


def test_misnamed_migration_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "add_things.sql").write_text("select 1;")
    with pytest.raises(migrate.MigrationError, match=r"add_things\.sql"):
        migrate.discover(tmp_path)


def test_cli_without_a_database_url_names_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "core_service.migrate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "--database-url" in result.stderr


def test_cli_refuses_supabases_transaction_pooler_before_connecting() -> None:
    """Its session advisory lock would be taken on one server connection and leak there."""
    pooler = "aws-0-us-east-1.pooler.supabase.com"
    result = subprocess.run(
        [sys.executable, "-m", "core_service.migrate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "SUPABASE_DB_URL": f"postgresql://postgres.abcdefgh:s3cr3t-value@{pooler}:6543/postgres",
        },
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "migration cannot start: --database-url (or SUPABASE_DB_URL) names Supabase's"
        f" transaction pooler ({pooler}:6543)"
    )
    assert "same host on port 5432" in result.stderr
    assert "s3cr3t-value" not in result.stderr
