"""Which of Supabase's connection poolers a Postgres connection string names.

A Supabase project's Postgres is reached three ways (Supabase's guide
"Connect to your database"):

- the direct host, `db.<ref>.supabase.co:5432`: IPv6 only unless the project
  buys the IPv4 add-on, so this platform's IPv4-only VPC cannot reach it;
- the shared pooler in session mode, `<cluster>.pooler.supabase.com:5432`:
  IPv4, one server connection per client connection, so what lives in a
  session (advisory locks, `SET`, prepared statements) holds;
- the same host in transaction mode, port 6543: a server connection for
  one transaction at a time, for clients that come and go in numbers
  (serverless functions); nothing of a session survives a transaction.

The core service and the migrations hold sessions (the migration runner's
lock is a session advisory lock): they refuse the transaction pooler. The
file API's function keeps one connection per container and sends single
autocommitted statements, what transaction mode is for: given the session
pooler, it connects to the same host's transaction port.

Only Supabase's own pooler hosts are recognised: port 6543 means nothing
elsewhere (a self-hosted PgBouncer may run either mode on any port).
"""

from __future__ import annotations

from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tenancy.settings import ConfigError

POOLER_DOMAIN = ".pooler.supabase.com"
SESSION_PORT = 5432
TRANSACTION_PORT = 6543


def _endpoints(conninfo: str, name: str) -> list[tuple[str, int | None]]:
    """The (host, port) pairs libpq would try; a port that is not a number is None."""
    try:
        params = conninfo_to_dict(conninfo)
    except ProgrammingError:
        # libpq's message quotes the string, which may hold the password.
        raise ConfigError(f"{name} is not a Postgres connection string") from None
    hosts = str(params.get("host") or "").split(",")
    ports = str(params.get("port") or "").split(",")
    if len(ports) == 1:  # one port serves every host
        ports *= len(hosts)
    return [(host.strip().lower(), _port(port)) for host, port in zip(hosts, ports, strict=False)]


def _port(text: str) -> int | None:
    text = text.strip()
    if not text:
        return SESSION_PORT  # libpq's default
    return int(text) if text.isdigit() else None


def _is_pooler(host: str) -> bool:
    return host.endswith(POOLER_DOMAIN)


def transaction_pooler_host(conninfo: str, name: str = "the connection string") -> str | None:
    """The Supabase pooler host that `conninfo` reaches in transaction mode, if any."""
    for host, port in _endpoints(conninfo, name):
        if _is_pooler(host) and port == TRANSACTION_PORT:
            return host
    return None


def require_session(conninfo: str, name: str) -> None:
    """Refuse Supabase's transaction pooler, naming the setting and what to use instead."""
    host = transaction_pooler_host(conninfo, name)
    if host is not None:
        raise ConfigError(
            f"{name} names Supabase's transaction pooler ({host}:{TRANSACTION_PORT}), which"
            " keeps no session between transactions: the migrations' advisory lock and the"
            f" core service need one. Use the session pooler, the same host on port {SESSION_PORT}"
            " (the direct host db.<ref>.supabase.co is IPv6-only; this platform's VPC is"
            " IPv4-only)"
        )


def transaction_mode(conninfo: str) -> str:
    """`conninfo` moved to its pooler's transaction port when it names the session pooler;
    any other string as it is."""
    endpoints = _endpoints(conninfo, "the connection string")
    if all(_is_pooler(host) and port == SESSION_PORT for host, port in endpoints):
        return make_conninfo(conninfo, port=str(TRANSACTION_PORT))
    return conninfo
