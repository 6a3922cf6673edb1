"""Supabase settings from Secrets Manager, for values the environment does not carry.

Terraform puts only the secret's ARN in the function's environment
(`APP_SECRET_ARN`), so no secret value sits in the Lambda configuration or in
Terraform state. The secret is read once per container, on first use, and
again only when asked for fresh values (a rotated JWT secret, see
`tenancy.tokens.DeferredVerifier`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from file_lambda.settings import Settings
from tenancy.settings import ConfigError
from tenancy.tokens import AuthSettings

SecretFetcher = Callable[[Settings], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SupabaseSettings:
    jwt_secret: str | None
    supabase_url: str | None
    db_url: str | None

    @property
    def auth(self) -> AuthSettings:
        return self.jwt_secret, self.supabase_url

    def derived_key(self, purpose: str) -> bytes:
        """A 32-byte key for `purpose`, the same in every container.

        Derived from the database URL (whose password only the platform knows)
        rather than stored as one more secret an operator must create.
        """
        if not self.db_url:
            raise RuntimeError("no SUPABASE_DB_URL to derive a key from")
        return hmac.new(self.db_url.encode(), purpose.encode(), hashlib.sha256).digest()


def read_secret(settings: Settings) -> dict[str, Any]:
    client = boto3.client(
        "secretsmanager",
        region_name=settings.region,
        config=Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"}),
    )
    document = json.loads(client.get_secret_value(SecretId=settings.secret_arn)["SecretString"])
    if not isinstance(document, dict):
        raise ValueError("the secret is not a JSON object")
    return document


class SupabaseSecrets:
    """Plain environment values win; the secret fills in what they leave out."""

    def __init__(self, settings: Settings, fetch: SecretFetcher = read_secret) -> None:
        self._settings = settings
        self._fetch = fetch
        self._loaded: SupabaseSettings | None = None
        self._lock = threading.Lock()

    def get(self, *, fresh: bool = False) -> SupabaseSettings:
        """The settings, read from the secret on first use or when `fresh`."""
        with self._lock:
            if self._loaded is None or fresh:
                self._loaded = self._read()
            return self._loaded

    def auth(self, fresh: bool) -> AuthSettings:
        """A `tenancy.tokens.AuthSettingsLoader`."""
        return self.get(fresh=fresh).auth

    def _read(self) -> SupabaseSettings:
        plain = self._settings
        values = SupabaseSettings(plain.jwt_secret, plain.supabase_url, plain.db_url)
        if plain.secret_arn and None in (values.jwt_secret, values.supabase_url, values.db_url):
            document = self._fetch(plain)
            values = SupabaseSettings(
                values.jwt_secret or document.get("SUPABASE_JWT_SECRET") or None,
                values.supabase_url or document.get("SUPABASE_URL") or None,
                values.db_url or document.get("SUPABASE_DB_URL") or None,
            )
        if values.jwt_secret is None and values.supabase_url is None:
            raise RuntimeError("the secret holds neither SUPABASE_JWT_SECRET nor SUPABASE_URL")
        return values


class AppSecretValues:
    """The app secret's values for the functions beside the API (webhook deliveries,
    jobs): a plain environment value wins; the secret, read once, fills in the rest."""

    def __init__(self, region: str, secret_arn: str | None) -> None:
        self._region = region
        self._secret_arn = secret_arn
        self._document: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def value(self, plain: str | None, name: str) -> str:
        if plain is not None:
            return plain
        with self._lock:
            if self._document is None:
                # read_secret takes the file API's settings for the region and ARN only.
                self._document = read_secret(
                    Settings(
                        bucket="",
                        region=self._region,
                        supabase_url=None,
                        jwt_secret=None,
                        secret_arn=self._secret_arn,
                    )
                )
        found = self._document.get(name)
        if not isinstance(found, str) or not found:
            raise ConfigError(f"the app secret holds no {name}")
        return found
