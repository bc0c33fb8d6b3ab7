"""Powertools Logger, Tracer and Metrics: one instance each per container, each paid for only when used.

Core modules record business events with ``count``; the Lambda entry point
flushes them once per invocation, and only when there is something to flush
(Powertools' ``log_metrics`` would warn on every request that records none).

Cold start: the Logger is needed by every invocation; ``Metrics`` is created at
the first ``count`` (most requests record none); the X-Ray SDK is imported only
when tracing is on, and only botocore is patched (the SDK's ``patch_all``
imports fifteen patchers; every DynamoDB and Secrets Manager call goes through
botocore, PynamoDB's included).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

if TYPE_CHECKING:
    from aws_lambda_powertools.metrics import Metrics

logger = Logger()
_metrics: Metrics | None = None
PATCHED = ("botocore",)


def tracing_enabled() -> bool:
    """Powertools' own rule (``Tracer._is_tracer_disabled``): on in Lambda, off under SAM local,
    Chalice or ``POWERTOOLS_TRACE_DISABLED``; read here so a disabled tracer imports no X-Ray."""
    if resolve_truthy_env_var_choice(env=os.getenv(constants.TRACER_DISABLED_ENV, "false")):
        return False
    local = os.getenv(constants.SAM_LOCAL_ENV) or os.getenv(constants.CHALICE_LOCAL_ENV)
    return bool(os.getenv(constants.LAMBDA_TASK_ROOT_ENV)) and not local


def traced[Handler: Callable[..., Any]](handler: Handler) -> Handler:
    """``handler`` inside a ``## handler`` X-Ray subsegment (cold start annotated) when tracing is on."""
    if not tracing_enabled():
        return handler
    from aws_lambda_powertools.tracing import Tracer

    tracer = Tracer(patch_modules=PATCHED)
    return tracer.capture_lambda_handler(handler, capture_response=False)


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
