"""The JWT signing key: Secrets Manager on AWS (cached), an environment variable locally.

On AWS the first fetch would add a Secrets Manager round trip (and a client) to the first
request of every container: ``prefetch`` starts it in the background while the function is
still importing, and the first request waits only for what is left of it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from .settings import get_settings

SECRET_MAX_AGE_SECONDS = 300
PREFETCH_WAIT_SECONDS = 5.0
_PREFETCH: threading.Thread | None = None
_CLIENT: Any = None
_CACHED: tuple[str, float] | None = None  # (key, when it was fetched: time.monotonic())


def _fetch(arn: str) -> str:
    """GetSecretValue with a botocore client of the container's shared session (made once).

    A plain client, not Powertools' parameters utility: that imports boto3 and every provider
    (SSM, AppConfig, DynamoDB) on the first request's path for one call and a five-minute cache.
    """
    global _CLIENT
    if _CLIENT is None:
        from .aws import CLIENT_LOCK, session

        with CLIENT_LOCK:
            if _CLIENT is None:  # the prefetch thread may have made it while this one waited
                _CLIENT = session().create_client("secretsmanager", region_name=get_settings().region)
    answer = _CLIENT.get_secret_value(SecretId=arn)
    secret = answer.get("SecretString")
    return secret if isinstance(secret, str) else bytes(answer["SecretBinary"]).decode()


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
    """Return the HS256 key; from Secrets Manager it is cached five minutes per container (rotation)."""
    settings = get_settings()
    if settings.jwt_secret_arn:
        prefetching = _PREFETCH
        if prefetching is not None and prefetching is not threading.current_thread() and prefetching.is_alive():
            prefetching.join(PREFETCH_WAIT_SECONDS)  # its answer lands in the cache
        global _CACHED
        cached = _CACHED
        if cached is None or time.monotonic() - cached[1] > SECRET_MAX_AGE_SECONDS:
            cached = _CACHED = (_fetch(settings.jwt_secret_arn), time.monotonic())
        return cached[0]
    if settings.jwt_secret:
        return settings.jwt_secret
    raise RuntimeError("No JWT signing key: set JWT_SECRET_ARN (AWS) or JWT_SECRET (local)")
