"""The hardening tests' stack: `make dev` (tests/support/stack.py) logging as production
does, on free ports and a temporary data directory, driven over real HTTP through its
load balancer.

One stack serves the whole package (contract fuzzing, load, leaks, the tenants
matrix); the fault tests start their own, because they stop its S3 and its
Postgres. Every process a stack starts is stopped at the end, and checked to
be gone.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.domain import (
    CONFIGURED_SECRETS,
    PRODUCTION_LOGGING,
    Domain,
    find_leaks,
    logged,
)
from tests.support.stack import start_stack


@pytest.fixture(scope="package")
def domain() -> Iterator[Domain]:
    """One stack for the package (not under pytest's basetemp, which concurrent runs prune)."""
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-hardening-"))
    running = start_stack(state_dir, env=PRODUCTION_LOGGING)
    domain = Domain(running)
    try:
        yield domain
        # Whatever the package's tests did, the whole log holds no secret (test_leaks.py
        # checks the same after exercising every endpoint; this covers the load and fuzzing).
        leaks = find_leaks(logged(domain), CONFIGURED_SECRETS | domain.issued)
        assert not leaks, "\n".join(leaks[:20])
    finally:
        try:
            running.stop_cleanly()
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
