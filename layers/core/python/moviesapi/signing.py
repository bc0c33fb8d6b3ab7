"""The JWT signing key: Secrets Manager on AWS (cached), an environment variable locally.

On AWS the first fetch would add a Secrets Manager round trip (and a client) to the first
request of every container: ``prefetch`` starts it in the background while the function is
still importing, and the first request waits only for what is left of it.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from .settings import get_settings

SECRET_MAX_AGE_SECONDS = 300
PREFETCH_WAIT_SECONDS = 5.0
_PROVIDER: Any = None
_PREFETCH: threading.Thread | None = None


def _secrets() -> Any:
    """Powertools' Secrets Manager provider on the container's shared botocore session (made once)."""
    global _PROVIDER
    if _PROVIDER is None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        from .aws import CLIENT_LOCK, boto3_session

        with CLIENT_LOCK:
            _PROVIDER = SecretsProvider(boto3_session=boto3_session())
    return _PROVIDER


def prefetch() -> None:
    """Fetch the key from Secrets Manager in the background (once per container; only on AWS)."""
    global _PREFETCH
    if _PREFETCH is None and get_settings().jwt_secret_arn:
        _PREFETCH = threading.Thread(target=_fetch_quietly, name="signing-key-prefetch", daemon=True)
        _PREFETCH.start()


def _fetch_quietly() -> None:
    # A failure here is raised again by the request's own fetch, in its own error shape.
    with contextlib.suppress(Exception):
        signing_key()


def signing_key() -> str:
    """Return the HS256 key; Powertools caches the secret for five minutes per container."""
    settings = get_settings()
    if settings.jwt_secret_arn:
        prefetching = _PREFETCH
        if prefetching is not None and prefetching is not threading.current_thread() and prefetching.is_alive():
            prefetching.join(PREFETCH_WAIT_SECONDS)  # its answer lands in the provider's cache
        value = _secrets().get(settings.jwt_secret_arn, max_age=SECRET_MAX_AGE_SECONDS)
        return value if isinstance(value, str) else value.decode()
    if settings.jwt_secret:
        return settings.jwt_secret
    raise RuntimeError("No JWT signing key: set JWT_SECRET_ARN (AWS) or JWT_SECRET (local)")
