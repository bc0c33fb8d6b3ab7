"""X-Ray subsegments for the handler and each AWS call, sent to the daemon as the X-Ray SDK sends them.

Why not the SDK (Powertools' Tracer): in a function, Lambda opens the segment and
decides the sampling (``_X_AMZN_TRACE_ID``); what the function adds is subsegments,
one UDP datagram each. The SDK cost every cold start ~18 ms of imports (asyncio,
wrapt), the first AWS call ~13 ms more (its parameter allow-list) and every request
~200 µs of CPU. The documents here are the SDK's: ``## handler`` with Powertools'
``ColdStart`` and ``Service`` annotations, one ``aws`` subsegment per call with what
the SDK records of DynamoDB's parameters, errors as its ``cause``; the X-Ray header
on outgoing calls names the call's subsegment. ``tests/unit/test_xray.py`` runs the
SDK and this side by side and compares the documents.

A tracing failure never fails a request: a datagram that cannot be sent is dropped.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

TRACE_ENV = "_X_AMZN_TRACE_ID"
DAEMON_ENV = "AWS_XRAY_DAEMON_ADDRESS"
DAEMON = ("127.0.0.1", 2000)
HEADER = b'{"format":"json","version":1}\n'
TRACE_HEADER = "X-Amzn-Trace-Id"
MAX_STACK = 10  # the SDK's default max_trace_back
_CONTEXT_KEY = "moviesapi.xray"

# What the SDK records of each DynamoDB operation (aws_xray_sdk/ext/resources/aws_para_whitelist.json):
# request parameters, response parameters, and whether the request's tables are listed (``table_names``).
RECORDED: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "BatchGetItem": ((), ("ConsumedCapacity",), True),
    "BatchWriteItem": ((), ("ConsumedCapacity", "ItemCollectionMetrics"), True),
    "CreateTable": (
        ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput", "TableName"),
        (),
        False,
    ),
    "DeleteItem": (("TableName",), ("ConsumedCapacity", "ItemCollectionMetrics"), False),
    "DeleteTable": (("TableName",), (), False),
    "DescribeTable": (("TableName",), (), False),
    "GetItem": (("ConsistentRead", "ProjectionExpression", "TableName"), ("ConsumedCapacity",), False),
    "PutItem": (("TableName",), ("ConsumedCapacity", "ItemCollectionMetrics"), False),
    "Query": (
        (
            "AttributesToGet",
            "ConsistentRead",
            "IndexName",
            "Limit",
            "ProjectionExpression",
            "ScanIndexForward",
            "Select",
            "TableName",
        ),
        ("ConsumedCapacity",),
        False,
    ),
    "Scan": (
        (
            "AttributesToGet",
            "ConsistentRead",
            "IndexName",
            "Limit",
            "ProjectionExpression",
            "Segment",
            "Select",
            "TableName",
            "TotalSegments",
        ),
        ("ConsumedCapacity", "Count", "ScannedCount"),
        False,
    ),
    "UpdateItem": (("TableName",), ("ConsumedCapacity", "ItemCollectionMetrics"), False),
    "UpdateTable": (
        ("AttributeDefinitions", "GlobalSecondaryIndexUpdates", "ProvisionedThroughput", "TableName"),
        (),
        False,
    ),
}


def tracing_enabled() -> bool:
    """Powertools' Tracer rule (``Tracer._is_tracer_disabled``: on in Lambda, off under SAM local, Chalice
    or ``POWERTOOLS_TRACE_DISABLED``) and the SDK's own switch (``AWS_XRAY_SDK_ENABLED=false``)."""
    if resolve_truthy_env_var_choice(env=os.getenv(constants.TRACER_DISABLED_ENV, "false")):
        return False
    if (os.getenv("AWS_XRAY_SDK_ENABLED") or "true").lower() == "false":
        return False
    local = os.getenv(constants.SAM_LOCAL_ENV) or os.getenv(constants.CHALICE_LOCAL_ENV)
    return bool(os.getenv(constants.LAMBDA_TASK_ROOT_ENV)) and not local


@dataclass(frozen=True)
class Trace:
    """The invocation's trace as Lambda hands it over: root, the function segment's id, sampled."""

    root: str
    parent: str
    extra: str = ""  # the header's other fields (``Lineage=…``), passed on as the SDK does

    @classmethod
    def from_env(cls) -> Trace | None:
        """The sampled trace of this invocation, or None (not sampled, or not under Lambda's tracing)."""
        header = os.environ.get(TRACE_ENV) or ""
        if "Sampled=1" not in header:  # most invocations (X-Ray samples 1/s + 5%): nothing to parse
            return None
        fields = dict(part.strip().split("=", 1) for part in header.split(";") if "=" in part)
        if fields.get("Sampled") != "1" or not fields.get("Root") or not fields.get("Parent"):
            return None
        extra = "".join(f";{k}={v}" for k, v in fields.items() if k not in ("Root", "Parent", "Sampled", "Self"))
        return cls(fields["Root"], fields["Parent"], extra)


@dataclass
class _Open:
    trace: Trace
    handler: dict[str, Any]


_open: _Open | None = None  # the invocation being traced (one at a time per container)
_cold = True
_socket: socket.socket | None = None
_SOCKET_LOCK = threading.Lock()


def _is_cold_start() -> bool:
    """Powertools' rule: the container's first invocation, sampled or not; never under provisioned concurrency."""
    global _cold
    cold, _cold = _cold, False
    return cold and os.getenv("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"


def traced[Handler: Callable[..., Any]](handler: Handler, service: str) -> Handler:
    """``handler`` inside a ``## <name>`` subsegment annotated ``ColdStart`` and ``Service`` (as Powertools)."""
    name = f"## {handler.__name__}"

    @functools.wraps(handler)
    def wrapper(event: Any, context: Any) -> Any:
        global _open
        cold = _is_cold_start()
        trace = Trace.from_env()
        if trace is None:
            return handler(event, context)
        segment = _subsegment(name, trace.root, trace.parent, "local")
        segment["annotations"] = {"ColdStart": cold, "Service": service}
        _open = _Open(trace, segment)
        try:
            return handler(event, context)
        except Exception as exc:
            # Powertools' capture_error: the error as metadata; the SDK's subsegment: its cause.
            segment["metadata"] = {service: {f"{handler.__name__} error": str(exc)}}
            _add_cause(segment, type(exc).__name__, str(exc), remote=False, raised=exc)
            raise
        finally:
            _open = None
            _send(segment)

    return wrapper  # type: ignore[return-value]


def instrument(session: Any) -> None:
    """Record every call made through ``session``'s clients (registered before any client exists)."""
    session.register("before-parameter-build", _open_call)
    session.register("request-created", _propagate)
    session.register("after-call", _close_call)
    session.register("after-call-error", _close_failed_call)


def _quiet[**P](hook: Callable[P, None]) -> Callable[P, None]:
    """A botocore hook that can never fail the call it watches (a trace loses a subsegment at worst)."""

    @functools.wraps(hook)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        with contextlib.suppress(Exception):  # nothing to report to: the request must not notice
            hook(*args, **kwargs)

    return guarded


@_quiet
def _open_call(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    current = _open  # read once: calls come from pool threads too (``parallel``)
    if current is None:
        return  # outside an invocation (the init's key prefetch): the SDK records nothing either
    call = _subsegment(model.service_model.endpoint_prefix, current.trace.root, current.handler["id"], "aws")
    call["aws"] = {"operation": model.name}
    call["_params"] = params
    call["_extra"] = current.trace.extra
    context[_CONTEXT_KEY] = call


@_quiet
def _propagate(request: Any, **_: Any) -> None:
    call = (getattr(request, "context", None) or {}).get(_CONTEXT_KEY)
    if call is not None:
        request.headers[TRACE_HEADER] = f"Root={call['trace_id']};Parent={call['id']};Sampled=1{call['_extra']}"


@_quiet
def _close_call(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    call = context.pop(_CONTEXT_KEY, None)
    if call is None:
        return
    params = call.pop("_params")
    call.pop("_extra", None)
    meta = parsed.get("ResponseMetadata") or {}
    status = int(meta.get("HTTPStatusCode") or http_response.status_code)
    aws = call["aws"]
    aws["region"] = context.get("client_region") or _region()
    if meta.get("RequestId"):
        aws["request_id"] = meta["RequestId"]
    _put_status(call, status)
    _record(aws, model.name, params, parsed if status < 300 else None)
    if status >= 300:  # botocore raises this error right after this event: its class and message
        error = parsed.get("Error") or {}
        code = error.get("Code") or "Unknown"
        modelled = any(shape.name == code for shape in model.service_model.error_shapes)
        again = f" (reached max retries: {meta.get('RetryAttempts')})" if meta.get("MaxAttemptsReached") else ""
        message = (
            f"An error occurred ({code}) when calling the {model.name} operation{again}: "
            f"{error.get('Message') or 'Unknown'}"
        )
        _add_cause(call, code if modelled else "ClientError", message, remote=True)
    _send(call)


@_quiet
def _close_failed_call(exception: Exception, context: dict[str, Any], **_: Any) -> None:
    """No answer (connection lost, timeout): a local exception, no HTTP status (README "Tracing")."""
    call = context.pop(_CONTEXT_KEY, None)
    if call is None:
        return
    params = call.pop("_params")
    call.pop("_extra", None)
    call["aws"]["region"] = context.get("client_region") or _region()
    _record(call["aws"], call["aws"]["operation"], params, None)
    _add_cause(call, type(exception).__name__, str(exception), remote=False)
    _send(call)


def _region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def _record(aws: dict[str, Any], operation: str, params: dict[str, Any], response: dict[str, Any] | None) -> None:
    request_names, response_names, tables = RECORDED.get(operation, ((), (), False))
    for name in request_names:
        if name in params:
            aws[snake_case(name)] = params[name]
    if tables and "RequestItems" in params:
        aws["table_names"] = list(params["RequestItems"])
    for name in response_names if response is not None else ():
        if name in response:
            aws[snake_case(name)] = response[name]


_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_ALL_CAP = re.compile(r"([a-z0-9])([A-Z])")


@functools.lru_cache(maxsize=256)  # a few dozen parameter names, on every call
def snake_case(name: str) -> str:
    """The SDK's ``to_snake_case``: ``ConsumedCapacity`` → ``consumed_capacity``."""
    return _ALL_CAP.sub(r"\1_\2", _FIRST_CAP.sub(r"\1_\2", name)).lower()


def _new_id() -> str:
    """A 64-bit subsegment id, as hex: unique, not secret (no system call, which on a pool thread
    would hand the GIL over once more per DynamoDB call)."""
    return f"{random.getrandbits(64):016x}"


def _subsegment(name: str, root: str, parent: str, namespace: str) -> dict[str, Any]:
    return {
        "id": _new_id(),
        "name": name,
        "start_time": time.time(),
        "parent_id": parent,
        "in_progress": False,
        "trace_id": root,
        "type": "subsegment",
        "namespace": namespace,
    }


def _put_status(segment: dict[str, Any], status: int) -> None:
    segment["http"] = {"response": {"status": status}}
    if status >= 500:
        segment["fault"] = True
    elif status == 429:
        segment["throttle"] = segment["error"] = True
    elif status >= 400:
        segment["error"] = True


def _add_cause(
    segment: dict[str, Any], kind: str, message: str, *, remote: bool, raised: BaseException | None = None
) -> None:
    """The SDK's ``add_exception``: a fault, the exception and the stack that led to it.

    A failed call's stack runs from the caller to botocore's ``_make_api_call``; a
    raising handler's, as the SDK's, from above the wrapper to the line that raised.
    """
    segment["fault"] = True
    frames = traceback.extract_stack()
    if raised is not None:
        frames = frames[:-2] + traceback.extract_tb(raised.__traceback__)
    elif calls := [i for i, f in enumerate(frames) if f.name == "_make_api_call"]:
        frames = frames[: calls[-1] + 1]
    stack = [{"path": os.path.basename(f.filename), "line": f.lineno, "label": f.name} for f in frames[-MAX_STACK:]]
    segment["cause"] = {
        "working_directory": os.getcwd(),
        "exceptions": [{"id": _new_id(), "message": message, "type": kind, "remote": remote, "stack": stack}],
    }


@functools.lru_cache(maxsize=4)  # read at every send (Lambda sets it once, tests per process)
def daemon_address(value: str | None) -> tuple[str, int]:
    """``AWS_XRAY_DAEMON_ADDRESS``: ``host:port``, or ``tcp:host:port udp:host:port`` (UDP's is used)."""
    if not value:
        return DAEMON
    parts = value.split()
    udp = next((p[4:] for p in parts if p.startswith("udp:")), parts[0])
    host, _, port = udp.rpartition(":")
    return (host, int(port)) if host and port.isdigit() and int(port) < 65536 else DAEMON


_encode = json.JSONEncoder(default=str).encode  # json.dumps(…, default=str) without an encoder made per call


def _send(segment: dict[str, Any]) -> None:
    global _socket
    segment["end_time"] = time.time()
    # A full buffer, no daemon, a bad address: the trace loses a subsegment, the request nothing.
    with contextlib.suppress(Exception):
        if _socket is None:
            with _SOCKET_LOCK:  # calls end on pool threads too (``parallel``)
                if _socket is None:
                    made = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    made.setblocking(False)
                    _socket = made
        _socket.sendto(HEADER + _encode(segment).encode(), daemon_address(os.getenv(DAEMON_ENV)))
