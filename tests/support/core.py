"""The core service tests' users and the browser origin their app allows."""

from __future__ import annotations

from dataclasses import dataclass

ORIGIN = "https://app.snsdconsultant.com"


@dataclass(frozen=True)
class User:
    id: str
    email: str
