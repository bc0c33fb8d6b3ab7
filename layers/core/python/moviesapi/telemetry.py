"""Powertools Logger and Metrics, X-Ray traces: one of each per container, each paid for only when used.

Core modules record business events with ``count``; the Lambda entry point
flushes them once per invocation, and only when there is something to flush
(Powertools' ``log_metrics`` would warn on every request that records none).

Cold start: the Logger is needed by every invocation; ``Metrics`` is created at
the first ``count`` (most requests record none). Traces are ``xray``'s: the X-Ray
SDK's documents without the SDK (see there why).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.shared import constants

from . import xray

if TYPE_CHECKING:
    from aws_lambda_powertools.metrics import Metrics

logger = Logger()
_metrics: Metrics | None = None


def traced[Handler: Callable[..., Any]](handler: Handler) -> Handler:
    """``handler`` inside a ``## handler`` X-Ray subsegment (cold start and service annotated) when tracing is on."""
    if not xray.tracing_enabled():
        return handler
    return xray.traced(handler, service=os.getenv(constants.SERVICE_NAME_ENV) or "service_undefined")


def count(name: str, value: int = 1) -> None:
    """Record a business event (``UserRegistered``, ``LoginFailed``, ``RefreshTokenReused``...)."""
    global _metrics
    from aws_lambda_powertools.metrics import MetricUnit

    if _metrics is None:
        from aws_lambda_powertools.metrics import Metrics

        _metrics = Metrics()
    _metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush() -> None:
    if _metrics is not None and _metrics.metric_set:
        _metrics.flush_metrics()
