"""Reading settings from the environment: one way for both services.

Each service reads its settings once, at start-up, through `Environment`: a
value that is missing or malformed raises `ConfigError` naming the variable,
so the process stops before it serves anything instead of failing requests
later. An empty value counts as unset (SAM and Terraform pass unset
parameters as empty strings). Standard library only: the Lambda imports this
on every cold start (docs/decisions/settings.md).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping

# scheme://host[:port], nothing after it: what a browser sends as `Origin`, and
# Terraform's own check of `cors_allowed_origins` (a trailing slash would
# never match, so it is refused here rather than ignored per request).
_ORIGIN = re.compile(r"https?://[^/*,\s]+")
_URL = re.compile(r"https?://[^/\s]+(/\S*)?")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; start-up stops with its name."""


class Environment:
    """Typed readers over environment variables (`os.environ` unless given)."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = os.environ if values is None else values

    def optional(self, name: str) -> str | None:
        return self._values.get(name, "").strip() or None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def required(self, name: str) -> str:
        value = self.optional(name)
        if value is None:
            raise ConfigError(f"missing required setting {name}")
        return value

    def integer(
        self, name: str, default: int, *, minimum: int = 1, maximum: int | None = None
    ) -> int:
        """A whole number within [minimum, maximum]; the default is held to the bounds too."""
        raw = self.optional(name)
        if raw is None:
            value = default
        else:
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"setting {name} must be an integer, got {raw!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            bounds = (
                f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
            )
            raise ConfigError(f"setting {name} must be {bounds}, is {value}")
        return value

    def number(self, name: str, default: float) -> float:
        """A positive number (seconds, for instance)."""
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"setting {name} must be a number, got {raw!r}") from None
        if not 0 < value < math.inf:  # NaN fails both
            raise ConfigError(f"setting {name} must be a positive number, got {raw!r}")
        return value

    def url(self, name: str) -> str | None:
        """An http(s) URL without its trailing slash, or None when unset."""
        value = self.optional(name)
        return None if value is None else _checked_url(name, value)

    def required_url(self, name: str) -> str:
        return _checked_url(name, self.required(name))

    def origins(self, name: str) -> tuple[str, ...]:
        """Comma-separated browser origins; none when unset."""
        origins = tuple(o.strip() for o in self._values.get(name, "").split(",") if o.strip())
        for origin in origins:
            if not _ORIGIN.fullmatch(origin):
                raise ConfigError(
                    f"setting {name} must list origins as scheme://host[:port], got {origin!r}"
                )
        return origins

    def region(self) -> str:
        """The AWS region, read as boto3 reads it; us-east-1 (the deployment's) otherwise."""
        return self.optional("AWS_REGION") or self.optional("AWS_DEFAULT_REGION") or "us-east-1"


def _checked_url(name: str, value: str) -> str:
    # The value itself is not echoed: a URL may carry credentials.
    if not _URL.fullmatch(value):
        raise ConfigError(f"setting {name} must be an http(s) URL")
    return value.rstrip("/")
