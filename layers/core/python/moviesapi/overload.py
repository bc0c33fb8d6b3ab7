"""Recognising an overloaded or conflicting DynamoDB, so clients get a 503 with Retry-After, never a 500.

Throttling, DynamoDB's own 5xx and transaction conflicts are the store saying "not
now": retrying later succeeds. PynamoDB wraps the botocore error (``cause``) and
transactions report per-item ``cancellation_reasons``; this reads both, through
the exception's cause chain.
"""

from __future__ import annotations

from typing import Any

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
    """A 503 for an error caused by DynamoDB being overloaded or busy, else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        codes = _codes(current)
        if codes & RETRYABLE_CODES or codes & RETRYABLE_REASONS:
            return ServiceUnavailable(RETRY_AFTER_SECONDS)
        current = current.__cause__ or current.__context__
    return None
