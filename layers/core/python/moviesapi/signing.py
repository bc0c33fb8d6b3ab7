"""The JWT signing key: Secrets Manager on AWS (cached), an environment variable locally."""

from __future__ import annotations

from typing import Any

from .settings import get_settings

SECRET_MAX_AGE_SECONDS = 300
_PROVIDER: Any = None


def _secrets() -> Any:
    """Powertools' Secrets Manager provider on the container's shared botocore session (made once)."""
    global _PROVIDER
    if _PROVIDER is None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        from .aws import boto3_session

        _PROVIDER = SecretsProvider(boto3_session=boto3_session())
    return _PROVIDER


def signing_key() -> str:
    """Return the HS256 key; Powertools caches the secret for five minutes per container."""
    settings = get_settings()
    if settings.jwt_secret_arn:
        value = _secrets().get(settings.jwt_secret_arn, max_age=SECRET_MAX_AGE_SECONDS)
        return value if isinstance(value, str) else value.decode()
    if settings.jwt_secret:
        return settings.jwt_secret
    raise RuntimeError("No JWT signing key: set JWT_SECRET_ARN (AWS) or JWT_SECRET (local)")
