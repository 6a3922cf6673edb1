"""The core service's configuration, read once from the environment at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

LOCAL = "local"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; start-up stops with its name."""


# Values that come from templates and examples (Supabase's local defaults
# included): fine on a laptop, never in a deployed environment.
_PLACEHOLDER_MARKERS = (
    "changeme",
    "change-me",
    "change_me",
    "placeholder",
    "your-",
    "your_",
    "example",
    "dummy",
    "xxxx",
    "super-secret-jwt-token-with-at-least-32-characters-long",
)
_SECRETS = ("SUPABASE_JWT_SECRET", "SUPABASE_DB_URL")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    supabase_url: str
    bucket: str
    jwt_secret: str | None = None
    region: str = "us-east-1"
    s3_endpoint_url: str | None = None
    cors_allowed_origins: tuple[str, ...] = ()
    environment: str = "production"
    port: int = 8000
    db_pool_min_size: int = 1
    db_pool_max_size: int = 10
    # Seconds a request waits for a pooled connection before answering 503.
    db_pool_timeout: float = 5.0
    # Seconds each dependency has to answer `GET /ready`.
    ready_timeout: float = 2.0

    @property
    def local(self) -> bool:
        return self.environment == LOCAL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def optional(name: str) -> str | None:
            return env.get(name, "").strip() or None

        def required(name: str) -> str:
            value = optional(name)
            if value is None:
                raise ConfigError(f"missing required setting {name}")
            return value

        def number(name: str, default: float) -> float:
            raw = optional(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ConfigError(f"setting {name} must be a number, got {raw!r}") from None
            if value <= 0:
                raise ConfigError(f"setting {name} must be positive")
            return value

        supabase_url = required("SUPABASE_URL").rstrip("/")
        if not supabase_url.startswith(("https://", "http://")):
            raise ConfigError("setting SUPABASE_URL must be an http(s) URL")
        settings = cls(
            database_url=required("SUPABASE_DB_URL"),
            supabase_url=supabase_url,
            jwt_secret=optional("SUPABASE_JWT_SECRET"),
            bucket=required("S3_BUCKET_NAME"),
            region=optional("AWS_REGION") or optional("AWS_DEFAULT_REGION") or "us-east-1",
            s3_endpoint_url=optional("AWS_ENDPOINT_URL_S3"),
            cors_allowed_origins=tuple(
                origin.strip()
                for origin in env.get("CORS_ALLOWED_ORIGINS", "").split(",")
                if origin.strip()
            ),
            environment=(optional("APP_ENV") or "production").lower(),
            port=int(number("PORT", 8000)),
            db_pool_max_size=int(number("DB_POOL_MAX_SIZE", 10)),
            db_pool_timeout=number("DB_POOL_TIMEOUT", 5.0),
        )
        if not settings.local:
            for name in _SECRETS:
                value = (env.get(name) or "").lower()
                if any(marker in value for marker in _PLACEHOLDER_MARKERS):
                    raise ConfigError(
                        f"setting {name} holds a placeholder value (only APP_ENV=local allows it)"
                    )
            if not settings.supabase_url.startswith("https://"):
                raise ConfigError("setting SUPABASE_URL must use https (outside APP_ENV=local)")
        return settings
