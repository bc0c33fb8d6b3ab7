"""Independent DynamoDB requests of one invocation, in flight together.

A list page reads several partitions (the listing shards, the unsharded one) and
its count's counter shards; sent one after another, their round trips add up to
the page's latency (six of them on an unfiltered page). botocore clients are safe
to share between threads (``aws`` makes the container's one client under a lock),
and each task runs in a copy of the caller's context, so the invocation's call
count and deadline (``ContextVar``s) hold inside it. The pool is made on first
use, once per container; its threads sleep while Lambda freezes the container.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextvars import copy_context

WORKERS = 8  # a page's partitions and its counter read, with room
_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        with _LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="dynamodb")
    return _POOL


def start[T](call: Callable[[], T]) -> Future[T]:
    """Send ``call`` off now, in the caller's context; its ``result()`` is the answer or the error."""
    return _pool().submit(copy_context().run, call)


def run_all[T](calls: Sequence[Callable[[], T]]) -> list[T]:
    """Every call's answer, in order; all of them in flight together (the caller's thread takes the first).

    When one fails, the others are waited for (nothing is left running into the next
    request) and the first failure, in order, is raised.
    """
    if len(calls) < 2:
        return [call() for call in calls]
    others = [start(call) for call in calls[1:]]
    try:
        first = calls[0]()
    except BaseException:
        wait(others)
        raise
    wait(others)
    return [first, *(future.result() for future in others)]
