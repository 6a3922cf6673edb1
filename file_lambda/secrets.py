"""Supabase settings from Secrets Manager, for values the environment does not carry.

Terraform puts only the secret's ARN in the function's environment
(`APP_SECRET_ARN`), so no secret value sits in the Lambda configuration or in
Terraform state. The secret is read once per container, on first use.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import boto3
from botocore.config import Config

from file_lambda.settings import Settings
from tenancy.tokens import AuthSettings


def supabase_settings_loader(settings: Settings) -> Callable[[], AuthSettings]:
    """Plain environment values win; the secret fills in what they leave out."""

    def load() -> AuthSettings:
        jwt_secret, supabase_url = settings.jwt_secret, settings.supabase_url
        if settings.secret_arn and (jwt_secret is None or supabase_url is None):
            client = boto3.client(
                "secretsmanager",
                region_name=settings.region,
                config=Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"}),
            )
            document = json.loads(
                client.get_secret_value(SecretId=settings.secret_arn)["SecretString"]
            )
            jwt_secret = jwt_secret or document.get("SUPABASE_JWT_SECRET") or None
            supabase_url = supabase_url or document.get("SUPABASE_URL") or None
        if jwt_secret is None and supabase_url is None:
            raise RuntimeError("the secret holds neither SUPABASE_JWT_SECRET nor SUPABASE_URL")
        return jwt_secret, supabase_url

    return load
