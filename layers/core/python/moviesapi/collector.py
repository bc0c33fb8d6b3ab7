"""The cyclic garbage collector across a Lambda container's init: paused, then told to skip what init made.

A cold start allocates some 65,000 tracked objects that live as long as the container
(modules, classes, the botocore client's service model). The collector's ~35 passes
during a cold start re-traversed them (~13 ms of the first invocation alone, measured
in the bench's Lambda-like runs), and one full pass over them costs ~25 ms. Init makes
almost no garbage (~430 unreachable objects). So, in Lambda, the collector is paused
from the layer's first import until the handler exists; then everything made so far is
frozen out of later passes (``gc.freeze``) and collection resumes. The DynamoDB client
built by the first request is made the same way (``built_to_last``).

Outside Lambda (tests, tools) nothing changes: a process that imports the layer and
never makes a handler would otherwise never collect again, and one that makes many
handlers (a test run) would freeze its tests' garbage with them.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False


def in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def pause_for_init() -> None:
    """In Lambda, no collection until ``init_done``."""
    global _paused
    if in_lambda() and gc.isenabled():
        gc.disable()
        _paused = True


def init_done() -> None:
    """In Lambda: what init made lives as long as the container, later passes skip it; collection resumes."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


@contextmanager
def built_to_last() -> Iterator[None]:
    """In Lambda: build something that lives as long as the container without collecting, then freeze it.

    What else is alive then (the first request's own objects) is frozen with it: a few
    objects, once per container (again only if the client is rebuilt), never reclaimed.
    """
    enabled = in_lambda() and gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
