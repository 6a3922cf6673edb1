"""SnapStart's runtime hooks, run as Lambda runs them: before the snapshot, then
after a restore, then requests (file_lambda/snapstart.py says what each does)."""

from __future__ import annotations

import random
from types import ModuleType

import pytest
import snapshot_restore_py

from tests.support.files import ClientFactory


def hooks(registry: list[tuple[object, tuple[object, ...], dict[str, object]]]) -> list[object]:
    return [func for func, _args, _kwargs in registry]


def test_the_handler_registers_one_hook_of_each_kind(lambda_module: ModuleType) -> None:
    assert (
        hooks(snapshot_restore_py.get_before_snapshot()).count(lambda_module.before_snapshot) == 1
    )
    assert hooks(snapshot_restore_py.get_after_restore()).count(lambda_module.after_restore) == 1


def test_restored_environments_share_no_connection_nor_random_state(
    lambda_module: ModuleType, client_for: ClientFactory
) -> None:
    client = client_for("member")
    assert client.get("/files/list").status == 200  # connections made, memberships read
    s3_before = lambda_module.storage._s3
    assert lambda_module.memberships._conn is not None

    for func, args, kwargs in snapshot_restore_py.get_before_snapshot():
        func(*args, **kwargs)
    snapshot = random.getstate()
    for func, args, kwargs in snapshot_restore_py.get_after_restore():
        func(*args, **kwargs)

    assert lambda_module.storage._s3 is not s3_before  # a new client, new credentials
    assert lambda_module.memberships._conn is None  # the snapshot's connection is gone
    assert random.getstate() != snapshot
    # The restored environment answers, opening what it needs on first use.
    assert client.get("/files/list").status == 200
    assert (
        client.post(
            "/files/upload", files={"file": ("after-restore.txt", b"x", "text/plain")}
        ).status
        == 201
    )


def test_the_snapshot_holds_no_supabase_secret(
    lambda_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loaded on the first request after a restore, never during init or the
    # warm-up: a rotated secret must not wait for a new version.
    reads: list[bool] = []
    monkeypatch.setattr(lambda_module.supabase, "get", lambda **kw: reads.append(True))

    for func, args, kwargs in snapshot_restore_py.get_before_snapshot():
        func(*args, **kwargs)

    assert reads == []
