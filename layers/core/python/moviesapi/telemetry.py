"""Powertools Logger, Tracer and Metrics: one instance each per container.

Core modules record business events with ``count``; the Lambda entry point
flushes them once per invocation, and only when there is something to flush
(Powertools' ``log_metrics`` would warn on every request that records none).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def count(name: str, value: int = 1) -> None:
    """Record a business event (``UserRegistered``, ``LoginFailed``, ``RefreshTokenReused``...)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush() -> None:
    if metrics.metric_set:
        metrics.flush_metrics()
