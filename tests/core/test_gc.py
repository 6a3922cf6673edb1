"""The core app keeps its start-up objects out of the collector's full passes."""

from __future__ import annotations

import gc
from collections.abc import Callable

from fastapi.testclient import TestClient

from core_service.settings import Settings


def test_start_up_freezes_what_the_process_keeps(
    settings: Settings, app_with: Callable[..., TestClient]
) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app_with(settings)  # runs the lifespan
    assert gc.get_freeze_count() > 10_000
