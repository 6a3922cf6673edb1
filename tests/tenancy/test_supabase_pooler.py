"""Supabase's poolers told apart from a connection string: the transaction pooler is
refused where a session is needed (without echoing the password), and the file API
moves a session pooler string to the same host's transaction port."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from tenancy.settings import ConfigError
from tenancy.supabase_pooler import require_session, transaction_mode, transaction_pooler_host

POOLER = "aws-0-us-east-1.pooler.supabase.com"
SESSION = f"postgresql://postgres.abcdefgh:s3cr3t@{POOLER}:5432/postgres"
TRANSACTION = f"postgresql://postgres.abcdefgh:s3cr3t@{POOLER}:6543/postgres"

_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
pooler_hosts = st.builds(
    lambda cluster, region: f"{cluster}-{region}.pooler.supabase.com",
    st.sampled_from(["aws-0", "aws-1"]),
    st.sampled_from(["us-east-1", "us-west-2", "eu-central-1", "ap-southeast-1"]),
)
other_hosts = st.one_of(
    st.just("db.abcdefghijklmnop.supabase.co"),
    st.just("127.0.0.1"),
    st.builds(lambda a, b: f"{a}.{b}.example.net", _label, _label),
    # Look-alikes that are not Supabase's pooler domain.
    st.builds(lambda a: f"{a}.pooler.supabase.com.evil.net", _label),
    st.builds(lambda a: f"{a}pooler.supabase.com", _label),
)
ports = st.one_of(st.sampled_from([5432, 6543]), st.integers(1, 65535))
# "§" appears in no message, so a password found in one was echoed.
passwords = (
    st.text(min_size=8, max_size=40).filter(lambda p: "\x00" not in p).map(lambda p: "§" + p)
)


def uri(host: str, port: int | None, password: str) -> str:
    where = host if port is None else f"{host}:{port}"
    return f"postgresql://postgres.abcdefgh:{quote(password, safe='')}@{where}/postgres"


def key_value(host: str, port: int | None, password: str) -> str:
    escaped = password.replace("\\", "\\\\").replace("'", "\\'")
    port_part = "" if port is None else f" port={port}"
    return f"host={host}{port_part} user=postgres password='{escaped}' dbname=postgres"


Form = Callable[[str, int | None, str], str]
forms = st.sampled_from([uri, key_value])


@given(forms, st.one_of(pooler_hosts, other_hosts), st.one_of(st.none(), ports), passwords)
def test_only_a_supabase_pooler_on_6543_is_refused(
    form: Form, host: str, port: int | None, password: str
) -> None:
    conninfo = form(host, port, password)
    transaction = host.endswith(".pooler.supabase.com") and port == 6543
    assert (transaction_pooler_host(conninfo) == host) is transaction
    if not transaction:
        require_session(conninfo, "setting SUPABASE_DB_URL")
        return
    with pytest.raises(ConfigError) as refused:
        require_session(conninfo, "setting SUPABASE_DB_URL")
    message = str(refused.value)
    assert password not in message
    assert "setting SUPABASE_DB_URL" in message
    assert f"{host}:6543" in message
    assert "session pooler, the same host on port 5432" in message
    assert "IPv6-only" in message


@given(forms, pooler_hosts, passwords)
def test_the_file_api_moves_the_session_pooler_to_its_transaction_port(
    form: Form, host: str, password: str
) -> None:
    session = form(host, 5432, password)
    moved = conninfo_to_dict(transaction_mode(session))
    assert moved == {**conninfo_to_dict(session), "port": "6543"}
    assert transaction_pooler_host(transaction_mode(session)) == host


@given(forms, other_hosts, st.one_of(st.none(), ports), passwords)
def test_the_file_api_keeps_any_other_string_as_it_is(
    form: Form, host: str, port: int | None, password: str
) -> None:
    conninfo = form(host, port, password)
    assert transaction_mode(conninfo) == conninfo


def test_the_transaction_pooler_stays_where_it_is() -> None:
    assert transaction_mode(TRANSACTION) == TRANSACTION


def test_without_a_port_libpq_uses_5432() -> None:
    assert transaction_pooler_host(f"host={POOLER} dbname=postgres") is None
    assert conninfo_to_dict(transaction_mode(f"host={POOLER}"))["port"] == "6543"


def test_one_transaction_pooler_among_several_hosts_is_refused() -> None:
    several = f"postgresql://u:pw@db.example.net:5432,{POOLER}:6543/postgres"
    assert transaction_pooler_host(several) == POOLER
    assert transaction_pooler_host(f"host=db.example.net,{POOLER} port=6543") == POOLER
    # Only when every host is the session pooler does the file API move the port.
    assert transaction_mode(f"host=db.example.net,{POOLER} port=5432").endswith("port=5432")


def test_a_string_libpq_cannot_parse_is_refused_without_quoting_it() -> None:
    with pytest.raises(ConfigError) as refused:
        require_session("secret-password-here and more", "setting SUPABASE_DB_URL")
    assert str(refused.value) == "setting SUPABASE_DB_URL is not a Postgres connection string"
