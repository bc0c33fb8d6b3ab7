"""The JWT signing key: Secrets Manager on AWS (cached), an environment variable locally."""

from __future__ import annotations

from .settings import get_settings

SECRET_MAX_AGE_SECONDS = 300


def signing_key() -> str:
    """Return the HS256 key; Powertools caches the secret for five minutes per container."""
    settings = get_settings()
    if settings.jwt_secret_arn:
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_secret(settings.jwt_secret_arn, max_age=SECRET_MAX_AGE_SECONDS)
        return value if isinstance(value, str) else value.decode()
    if settings.jwt_secret:
        return settings.jwt_secret
    raise RuntimeError("No JWT signing key: set JWT_SECRET_ARN (AWS) or JWT_SECRET (local)")
