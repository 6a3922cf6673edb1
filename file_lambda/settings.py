"""The file API's configuration, read once from the environment at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# An ALB passes a Lambda at most 1 MB of request body and accepts at most 1 MB
# of response JSON (headers and base64 body included). Stay under 10^6 bytes.
ALB_BODY_LIMIT = 1_000_000
# Below the ALB's limit, so that a body just over it meets the API's own 413
# (problem+json naming presigned upload) rather than the ALB's bare one.
DEFAULT_INLINE_UPLOAD = 900_000
# Room kept in a response for its headers and the JSON envelope of the event.
RESPONSE_HEADROOM = 16_384
# S3's largest object; multipart uploads may be configured up to it.
S3_MAX_OBJECT_SIZE = 5 * 1024**4


class ConfigError(RuntimeError):
    """A setting is missing or malformed; start-up stops with its name."""


@dataclass(frozen=True, slots=True)
class Settings:
    bucket: str
    region: str
    supabase_url: str | None
    jwt_secret: str | None
    endpoint_url: str | None = None
    # Supabase Postgres, where the callers' current memberships are read.
    db_url: str | None = None
    # In AWS the Supabase settings live in Secrets Manager: the environment
    # carries only the secret's ARN, read on first use (see `secrets.py`).
    secret_arn: str | None = None
    cors_allowed_origins: tuple[str, ...] = ()
    # Largest request body taken inline; larger uploads go through presigned POST.
    max_inline_upload_bytes: int = DEFAULT_INLINE_UPLOAD
    # Largest response the API returns; a download whose base64 form would not
    # fit is redirected to a presigned GET instead.
    max_response_bytes: int = ALB_BODY_LIMIT
    # Short: a presigned URL cannot be revoked, so a member removed after it was
    # issued keeps it this long at most (SECURITY.md).
    presign_default_expires: int = 300
    presign_max_expires: int = 900
    # Lifetime of the presigned GET a too-large download redirects to.
    redirect_expires: int = 300
    presign_upload_max_size: int = 5 * 1024**3  # one POST carries at most 5 GB
    # Seconds a container trusts the memberships it read (see `memberships.py`).
    membership_ttl: int = 30
    # Largest file a multipart upload may complete (README, "Large and resumable uploads").
    multipart_max_size: int = S3_MAX_OBJECT_SIZE
    # An upload session (Uppy's Companion endpoint) is a capability in a URL: it
    # lives this long by default and at most, and every call under it checks
    # the user's current membership anyway.
    upload_session_default_expires: int = 3600
    upload_session_max_expires: int = 86400
    # Days after which the bucket's lifecycle aborts an unfinished upload
    # (Terraform's abort_incomplete_multipart_upload_days): older ones are not listed.
    multipart_abort_days: int = 7

    @property
    def max_inline_download_bytes(self) -> int:
        """Largest object whose base64 body still fits in one response."""
        return (self.max_response_bytes - RESPONSE_HEADROOM) // 4 * 3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigError(f"missing required setting {name}")
            return value

        def optional(name: str) -> str | None:
            return env.get(name, "").strip() or None

        def integer(name: str, default: int) -> int:
            raw = optional(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"setting {name} must be an integer, got {raw!r}") from None
            if value <= 0:
                raise ConfigError(f"setting {name} must be positive")
            return value

        supabase_url = optional("SUPABASE_URL")
        jwt_secret = optional("SUPABASE_JWT_SECRET")
        secret_arn = optional("APP_SECRET_ARN")
        db_url = optional("SUPABASE_DB_URL")
        if supabase_url is None and jwt_secret is None and secret_arn is None:
            raise ConfigError(
                "missing required setting SUPABASE_URL or SUPABASE_JWT_SECRET (or APP_SECRET_ARN)"
            )
        if db_url is None and secret_arn is None:
            raise ConfigError("missing required setting SUPABASE_DB_URL (or APP_SECRET_ARN)")
        settings = cls(
            bucket=required("S3_BUCKET_NAME"),
            region=optional("AWS_REGION") or optional("AWS_DEFAULT_REGION") or "us-east-1",
            supabase_url=supabase_url,
            jwt_secret=jwt_secret,
            endpoint_url=optional("AWS_ENDPOINT_URL_S3"),
            db_url=db_url,
            secret_arn=secret_arn,
            cors_allowed_origins=tuple(
                origin.strip()
                for origin in env.get("CORS_ALLOWED_ORIGINS", "").split(",")
                if origin.strip()
            ),
            max_inline_upload_bytes=integer("MAX_INLINE_UPLOAD_BYTES", DEFAULT_INLINE_UPLOAD),
            presign_default_expires=integer("PRESIGN_DEFAULT_EXPIRES", 300),
            presign_max_expires=integer("PRESIGN_MAX_EXPIRES", 900),
            redirect_expires=integer("PRESIGN_REDIRECT_EXPIRES", 300),
            presign_upload_max_size=integer("PRESIGN_UPLOAD_MAX_SIZE", 5 * 1024**3),
            membership_ttl=integer("MEMBERSHIP_CACHE_SECONDS", 30),
            multipart_max_size=integer("MULTIPART_MAX_SIZE", S3_MAX_OBJECT_SIZE),
            upload_session_default_expires=integer("UPLOAD_SESSION_DEFAULT_EXPIRES", 3600),
            upload_session_max_expires=integer("UPLOAD_SESSION_MAX_EXPIRES", 86400),
            multipart_abort_days=integer("MULTIPART_ABORT_DAYS", 7),
        )
        if not 60 <= settings.presign_default_expires <= settings.presign_max_expires:
            raise ConfigError("PRESIGN_DEFAULT_EXPIRES must lie between 60 and PRESIGN_MAX_EXPIRES")
        if settings.membership_ttl > 60:
            raise ConfigError("MEMBERSHIP_CACHE_SECONDS cannot exceed 60 (SECURITY.md's promise)")
        if not 5 * 1024**2 <= settings.multipart_max_size <= S3_MAX_OBJECT_SIZE:
            raise ConfigError(f"MULTIPART_MAX_SIZE must lie between 5 MiB and {S3_MAX_OBJECT_SIZE}")
        if not 60 <= settings.upload_session_default_expires <= settings.upload_session_max_expires:
            raise ConfigError(
                "UPLOAD_SESSION_DEFAULT_EXPIRES must lie between 60 and UPLOAD_SESSION_MAX_EXPIRES"
            )
        if settings.max_inline_upload_bytes > ALB_BODY_LIMIT:
            raise ConfigError(f"MAX_INLINE_UPLOAD_BYTES cannot exceed the ALB's {ALB_BODY_LIMIT}")
        return settings
