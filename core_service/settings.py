"""The core service's configuration, read once from the environment at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tenancy.settings import ConfigError, Environment
from tenancy.supabase_pooler import require_session
from webhooks.vault import VaultKeyInvalid, key_from_setting

LOCAL = "local"


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
    # -- invitation e-mails (core_service/mail.py); no sender: none is sent ----------
    mail_from: str | None = None
    invite_url_base: str | None = None
    ses_endpoint_url: str | None = None
    ses_configuration_set: str | None = None
    service_role_key: str | None = None
    invitation_resend_seconds: int = 60
    # Days a deleted tenant may be restored before its purge (core_service/deletions.py).
    deletion_grace_days: int = 30
    # Webhooks (core_service/webhooks/): the key that seals endpoints' signing secrets
    # (none: endpoints are listed, but none is made nor its secret rotated), and whether
    # endpoints may be on loopback over http (make dev's receivers; APP_ENV=local only).
    webhook_secrets_key: bytes | None = None
    webhooks_allow_loopback: bool = False
    # Webhooks' delivery queue: a change's events are relayed to it right after the
    # response (core_service/webhook_relay.py). Unset: the minute's sweep relays them.
    webhook_queue_url: str | None = None
    # The job queue: an export's first message, sent right after its row is committed
    # (core_service/exports/). Unset: the job function's sweep sends it within its minute.
    job_queue_url: str | None = None

    @property
    def local(self) -> bool:
        return self.environment == LOCAL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        read = Environment(env)
        settings = cls(
            database_url=read.required("SUPABASE_DB_URL"),
            supabase_url=read.required_url("SUPABASE_URL"),
            jwt_secret=read.optional("SUPABASE_JWT_SECRET"),
            bucket=read.required("S3_BUCKET_NAME"),
            region=read.region(),
            s3_endpoint_url=read.url("AWS_ENDPOINT_URL_S3"),
            cors_allowed_origins=read.origins("CORS_ALLOWED_ORIGINS"),
            environment=read.text("APP_ENV", "production").lower(),
            port=read.integer("PORT", 8000, maximum=65535),
            db_pool_max_size=read.integer("DB_POOL_MAX_SIZE", 10),
            db_pool_timeout=read.number("DB_POOL_TIMEOUT", 5.0),
            mail_from=read.optional("MAIL_FROM"),
            invite_url_base=read.url("INVITE_URL_BASE"),
            ses_endpoint_url=read.url("AWS_ENDPOINT_URL_SESV2"),
            ses_configuration_set=read.optional("SES_CONFIGURATION_SET"),
            service_role_key=read.optional("SUPABASE_SERVICE_ROLE_KEY"),
            invitation_resend_seconds=read.integer("INVITATION_RESEND_SECONDS", 60, maximum=86400),
            deletion_grace_days=read.integer("DELETION_GRACE_DAYS", 30, maximum=365),
            webhook_secrets_key=_vault_key(read.optional("WEBHOOK_SECRETS_KEY")),
            webhooks_allow_loopback=_flag(read, "WEBHOOKS_ALLOW_LOOPBACK"),
            webhook_queue_url=read.url("WEBHOOK_QUEUE_URL"),
            job_queue_url=read.url("JOB_QUEUE_URL"),
        )
        if settings.mail_from and not settings.invite_url_base:
            raise ConfigError("setting INVITE_URL_BASE is required with MAIL_FROM")
        require_session(settings.database_url, "setting SUPABASE_DB_URL")
        if not settings.local:
            for name in _SECRETS:
                value = (read.optional(name) or "").lower()
                if any(marker in value for marker in _PLACEHOLDER_MARKERS):
                    raise ConfigError(
                        f"setting {name} holds a placeholder value (only APP_ENV=local allows it)"
                    )
            if not settings.supabase_url.startswith("https://"):
                raise ConfigError("setting SUPABASE_URL must use https (outside APP_ENV=local)")
            if settings.invite_url_base and not settings.invite_url_base.startswith("https://"):
                raise ConfigError("setting INVITE_URL_BASE must use https (outside APP_ENV=local)")
            if settings.webhooks_allow_loopback:
                # A deployed core that let endpoints onto loopback would deliver to itself.
                raise ConfigError("setting WEBHOOKS_ALLOW_LOOPBACK is for APP_ENV=local only")
        return settings


def _vault_key(value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        return key_from_setting(value)
    except VaultKeyInvalid as exc:
        raise ConfigError(f"setting {exc}") from None


def _flag(read: Environment, name: str) -> bool:
    value = read.text(name, "false").lower()
    if value not in ("true", "false"):
        raise ConfigError(f"setting {name} must be true or false, got {value!r}")
    return value == "true"
