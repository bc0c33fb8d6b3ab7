"""Runtime settings, read once per container from the environment.

Everything configurable lives here so no other module parses environment
variables; values are validated so a bad deployment fails loudly at cold start.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache


def _int(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = os.environ.get(name, "")
    value = int(raw) if raw.strip() else default
    if not minimum <= value <= maximum:
        raise ValueError(f"{name}={value} is outside {minimum}..{maximum}")
    return value


def _flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Deployment configuration; one instance per container."""

    dynamodb_endpoint: str | None
    region: str
    jwt_secret: str | None
    jwt_secret_arn: str | None
    access_token_lifetime: int
    refresh_token_lifetime: int
    session_lifetime: int
    rotate_refresh_tokens: bool
    refresh_reuse_seconds: int
    page_size: int
    max_page_size: int
    max_body_bytes: int
    max_json_depth: int
    debug: bool
    cors_allow_origin: str


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once; later calls return the same object."""
    return Settings(
        dynamodb_endpoint=os.environ.get("DYNAMODB_ENDPOINT") or None,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        jwt_secret=os.environ.get("JWT_SECRET") or None,
        jwt_secret_arn=os.environ.get("JWT_SECRET_ARN") or None,
        access_token_lifetime=_int("ACCESS_TOKEN_LIFETIME", 300, 30, 86_400),
        refresh_token_lifetime=_int("REFRESH_TOKEN_LIFETIME", 86_400, 300, 30 * 86_400),
        # Cookie sessions (Frappe login): absolute lifetime, enforced in code and by DynamoDB TTL.
        session_lifetime=_int("SESSION_LIFETIME", 12 * 3600, 60, 30 * 86_400),
        rotate_refresh_tokens=_flag("ROTATE_REFRESH_TOKENS", True),
        # A rotated refresh token presented again this soon gets the same new pair (a lost answer's retry),
        # not reuse detection; Auth0's "reuse interval", off at 0.
        refresh_reuse_seconds=_int("REFRESH_REUSE_SECONDS", 10, 0, 60),
        page_size=_int("PAGE_SIZE", 10, 1, 1000),
        max_page_size=_int("MAX_PAGE_SIZE", 100, 1, 1000),
        max_body_bytes=_int("MAX_BODY_BYTES", 64 * 1024, 1024, 6 * 1024 * 1024),
        # Arrays/objects nested deeper than this in client JSON (bodies, q, filters) are refused before
        # parsing: the decoder recurses per level, and 64 KiB of brackets would exhaust the stack (a 500).
        max_json_depth=_int("MAX_JSON_DEPTH", 32, 4, 256),
        debug=_flag("API_DEBUG"),
        cors_allow_origin=os.environ.get("CORS_ALLOW_ORIGIN") or "*",
    )


def table_env(key: str) -> str:
    """The environment variable naming a table: ``movies`` → ``MOVIES_TABLE``."""
    return re.sub(r"\W", "_", key).upper() + "_TABLE"


def table_name(key: str) -> str:
    """The DynamoDB table behind ``key`` (a resource's name, or ``uniques``/``state``)."""
    return os.environ.get(table_env(key)) or f"movies-api-{key}"
