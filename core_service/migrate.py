"""Apply `supabase/migrations/*.sql` in order, each once.

    python -m core_service.migrate --database-url URL [--local-bootstrap]

Applied versions are recorded in `supabase_migrations.schema_migrations`, the
table the Supabase CLI keeps, so this runner and `supabase db push` agree on
what has run and either can be used on the same database. Each migration runs
in its own transaction together with its record; an advisory lock keeps two
runners (two tasks starting at once) from applying the same file twice. That
lock is held by the session, so the runner refuses Supabase's transaction
pooler, which keeps none (tenancy/supabase_pooler.py).

`--local-bootstrap` first applies `supabase/local/bootstrap.sql`: the parts of
Supabase that a bare Postgres lacks. Never use it against a Supabase project.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tenancy.settings import ConfigError
from tenancy.supabase_pooler import require_session


def _project_path(relative: str) -> Path:
    """`relative` under the working directory (the image's /app), else under the checkout."""
    here = Path.cwd() / relative
    return here if here.exists() else Path(__file__).resolve().parent.parent / relative


DEFAULT_MIGRATIONS = _project_path("supabase/migrations")
DEFAULT_BOOTSTRAP = _project_path("supabase/local/bootstrap.sql")
# The Supabase CLI's naming: <version digits>_<name>.sql
_FILENAME = re.compile(r"^(?P<version>\d+)_(?P<name>[\w-]+)\.sql$")
# Any fixed number: it only has to be the same for every runner.
_LOCK_KEY = 0x736E7364  # "snsd"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: str
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover(directory: Path) -> list[Migration]:
    """The migrations of `directory`, oldest first; a misnamed .sql file is an error."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILENAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: not named <version>_<name>.sql")
        found.append(Migration(match["version"], match["name"], path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migrations share a version")
    return sorted(found, key=lambda m: int(m.version))


_HISTORY = """
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version text not null primary key,
  statements text[],
  name text
);
"""


def bootstrap(database_url: str, path: Path = DEFAULT_BOOTSTRAP) -> None:
    """Create Supabase's roles, `auth` schema and helpers where they do not exist."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(_lock_sql(True))
        try:
            with conn.transaction():
                conn.execute(path.read_text(encoding="utf-8").encode())
        finally:
            conn.execute(_lock_sql(False))


def apply(database_url: str, directory: Path = DEFAULT_MIGRATIONS) -> list[str]:
    """Apply the pending migrations of `directory`; returns the versions applied."""
    migrations = discover(directory)
    applied_now: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(_lock_sql(True))
        try:
            with conn.transaction():
                conn.execute(_HISTORY.encode())
            done = {
                str(row[0])
                for row in conn.execute("select version from supabase_migrations.schema_migrations")
            }
            for migration in migrations:
                if migration.version in done:
                    continue
                sql = migration.sql()
                with conn.transaction():
                    # No parameters: psycopg then sends the whole file as one
                    # simple query, so several statements run as written.
                    conn.execute(sql.encode())
                    conn.execute(
                        "insert into supabase_migrations.schema_migrations"
                        " (version, name, statements) values (%s, %s, %s)",
                        (migration.version, migration.name, [sql]),
                    )
                applied_now.append(migration.version)
        finally:
            conn.execute(_lock_sql(False))
    return applied_now


def _lock_sql(acquire: bool) -> bytes:
    function = "pg_advisory_lock" if acquire else "pg_advisory_unlock"
    return f"select {function}({_LOCK_KEY})".encode()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core_service.migrate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SUPABASE_DB_URL"),
        help="Postgres connection string (default: $SUPABASE_DB_URL)",
    )
    parser.add_argument("--migrations-dir", type=Path, default=DEFAULT_MIGRATIONS)
    parser.add_argument(
        "--local-bootstrap",
        action="store_true",
        help="first create the Supabase parts a bare Postgres lacks (local use and tests only)",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("missing required setting --database-url (or SUPABASE_DB_URL)")
    try:
        require_session(args.database_url, "--database-url (or SUPABASE_DB_URL)")
    except ConfigError as exc:
        print(f"migration cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        if args.local_bootstrap:
            bootstrap(args.database_url)
        applied = apply(args.database_url, args.migrations_dir)
    except (MigrationError, psycopg.Error) as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
