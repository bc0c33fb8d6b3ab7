"""Recognising an overloaded or conflicting DynamoDB, so clients get a 503 with Retry-After, never a 500.

Throttling, DynamoDB's own 5xx and transaction conflicts are the store saying "not
now": retrying later succeeds. So is a connection to it dropped, refused or timed
out after botocore's own retries: the network, not the request, failed. PynamoDB
wraps the botocore error (``cause``) and transactions report per-item
``cancellation_reasons``; this reads both, through the exception's cause chain.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError

from .errors import ServiceUnavailable

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
        "LimitExceededException",
    }
)
RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
RETRY_AFTER_SECONDS = 1
# Dropped connections (ConnectionClosedError), read timeouts, refused or timed-out connects.
UNREACHABLE = (BotoConnectionError, HTTPClientError)


def _codes(exc: BaseException) -> set[str]:
    codes: set[str] = set()
    code = getattr(exc, "cause_response_code", None)
    if isinstance(code, str):
        codes.add(code)
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict):
        codes.add(str((response.get("Error") or {}).get("Code") or ""))
    for reason in getattr(exc, "cancellation_reasons", None) or []:
        if reason is not None and getattr(reason, "code", None):
            codes.add(reason.code)
    return codes


def unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """A 503 for an error caused by DynamoDB being overloaded, busy or unreachable, else None.

    Follows the chain both ways it is kept: Python's ``__cause__``/``__context__`` and
    PynamoDB's ``cause`` (the botocore error it wraps).
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        codes = _codes(current)
        if codes & RETRYABLE_CODES or codes & RETRYABLE_REASONS or isinstance(current, UNREACHABLE):
            return ServiceUnavailable(RETRY_AFTER_SECONDS)
        for linked in (current.__context__, getattr(current, "cause", None), current.__cause__):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return None
