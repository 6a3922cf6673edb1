"""The ASGI entry point: `uvicorn core_service.main:app`.

The settings are read once, here; a missing or placeholder setting stops
start-up with one line naming it.
"""

from __future__ import annotations

import logging

from core_service.app import create_app
from core_service.settings import Settings
from tenancy.settings import ConfigError

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

try:
    settings = Settings.from_env()
except ConfigError as exc:
    raise SystemExit(f"core service cannot start: {exc}") from None

app = create_app(settings)
