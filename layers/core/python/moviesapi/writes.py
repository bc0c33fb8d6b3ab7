"""Writes that survive a busy DynamoDB: retried with full jitter within the invocation's time, idempotent.

botocore already retries single calls on throttling (PynamoDB runs it in
``standard`` mode); a transaction cancelled because another one held an item
(``TransactionConflict``) is not retried by anyone, and a retried transaction
whose first answer was lost would fail its own conditions (the items it wrote
now exist) and be reported as a failure although it was applied. So every
transaction here carries one ``ClientRequestToken`` for all its attempts
(DynamoDB answers a repeat of a successful request with success, changing
nothing), and conflicts are retried a few times with exponential backoff and
full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), never
past the time the invocation has left. What still fails reaches the client
as a 503 with ``Retry-After`` (``overload``).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from pynamodb.attributes import VersionAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from . import aws  # noqa: F401 (every DynamoDB connection shares its session)
from .overload import unavailable
from .settings import get_settings

ATTEMPTS = 4
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit, counters included
# botocore's own retries of single calls (standard mode): 0-1 s then 0-2 s of full-jitter backoff at most, so
# a request of ten calls under a busy DynamoDB still answers (a 503 at worst) well inside Lambda's timeout;
# botocore's default of three retries could sleep 7 s on one call.
CALL_RETRIES = 2
BASE_DELAY_S = 0.025
MAX_DELAY_S = 0.4
# Never start a retry unless this much of the invocation is left for it and the answer.
RESERVE_S = 1.0

_CONNECTION: Connection | None = None


def connection() -> Connection:
    """One low-level connection per container for transactions, created on first use."""
    global _CONNECTION
    if _CONNECTION is None:
        settings = get_settings()
        _CONNECTION = Connection(
            region=settings.region, host=settings.dynamodb_endpoint, max_retry_attempts=CALL_RETRIES
        )
    return _CONNECTION


_deadline: ContextVar[float | None] = ContextVar("invocation_deadline", default=None)


def start_invocation(remaining_ms: int | None) -> None:
    """Note when this invocation must have answered (from Lambda's context); None: no limit known."""
    _deadline.set(None if remaining_ms is None else time.monotonic() + remaining_ms / 1000)


def _time_left() -> float:
    deadline = _deadline.get()
    return float("inf") if deadline is None else deadline - time.monotonic()


def backoff(attempt: int) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): exponential, capped, full jitter."""
    return random.uniform(0, min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt))  # noqa: S311 (jitter, not secrets)


def retrying[T](write: Callable[[], T]) -> T:
    """``write()``, retried while DynamoDB is busy (throttling, conflicts, its 5xx) and time allows."""
    for attempt in range(ATTEMPTS):
        try:
            return write()
        except Exception as exc:
            if unavailable(exc) is None or attempt == ATTEMPTS - 1:
                raise
            delay = backoff(attempt)
            if _time_left() < delay + RESERVE_S:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")  # the loop returns or raises


def cancelled_by(exc: BaseException, code: str) -> bool:
    """Whether a transaction was cancelled for ``code`` on some item (``ConditionalCheckFailed``, ...)."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code == code for r in reasons)


def landed(item: Model) -> bool:
    """Whether the stored item is exactly the write of ``item``: every value as sent, its next version.

    botocore repeats a call whose answer was lost, and a write retried here is
    repeated too; the repeat of a conditional write then fails on what its own
    first attempt changed (the item now exists, or its version moved). Seeing our
    own values stored (under the next version, for a versioned item) means the
    write happened: a success, not a 409 or a 500. A fresh random key or a
    version makes another writer's identical item impossible.
    """
    attributes = item.get_attributes()
    keys = [getattr(item, name) for name, a in attributes.items() if a.is_hash_key]
    keys += [getattr(item, name) for name, a in attributes.items() if a.is_range_key]
    try:
        stored = type(item).get(*keys, consistent_read=True)
    except DoesNotExist:
        return False
    mine, theirs = item.serialize(), stored.serialize()
    version = next((name for name, a in attributes.items() if isinstance(a, VersionAttribute)), None)
    expected = None
    if version is not None:
        current = getattr(item, version)
        expected = current + 1 if current is not None else 1
        if getattr(stored, version) != expected:
            return False
        mine.pop(attributes[version].attr_name, None)
        theirs.pop(attributes[version].attr_name, None)
    if mine != theirs:
        return False
    if version is not None:
        setattr(item, version, expected)
    return True


def transact(build: Callable[[TransactWrite], None], *, on_conflict: Callable[[], None] | None = None) -> None:
    """Run the transaction ``build`` describes, idempotently and retried while DynamoDB is busy.

    ``build`` is called for each attempt. After a lost answer or a 5xx the attempt
    is repeated as it was, under the same ``ClientRequestToken`` (DynamoDB refuses
    a token reused with other parameters, and answers a repeat of a success with
    success). After a conflict nothing was applied: ``on_conflict`` may change what
    ``build`` adds (other counter shards), under a new token.
    """
    token = uuid.uuid4().hex

    def once() -> None:
        nonlocal token
        try:
            with TransactWrite(connection=connection(), client_request_token=token) as transaction:
                build(transaction)
        except Exception as exc:
            if on_conflict is not None and cancelled_by(exc, "TransactionConflict"):
                on_conflict()
                token = uuid.uuid4().hex
            raise

    retrying(once)
