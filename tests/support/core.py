"""The core service tests' users and the browser origin their app allows."""

from __future__ import annotations

from dataclasses import dataclass

ORIGIN = "https://app.snsdconsultant.com"
# The tests' WEBHOOK_SECRETS_KEY (core_service/webhooks/): 32 bytes, as the setting holds.
WEBHOOK_SECRETS_KEY = bytes(range(32))


@dataclass(frozen=True)
class User:
    id: str
    email: str
