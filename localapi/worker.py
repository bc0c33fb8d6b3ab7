"""Inside one sandbox: the code a spawned worker process runs (Lambda's Python runtime, locally).

A worker is set up the way Lambda sets up a Python sandbox (environment, ``/var/task``
then ``/opt/python`` on ``sys.path``, the handler module imported once), then answers
one invoke at a time over its pipe, like the runtime polling its Runtime API. What it
sends back is exactly what the Lambda runtime would have written to the container's
stdout (the handler's JSON result, or the runtime's error document), so SAM's
``LocalApigwService`` parses it and picks the HTTP status as it does for Docker.

Kept free of SAM imports: every cold start imports this module.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

_WATCHDOG_INTERVAL_S = 0.5
READY = "ready"  # the first message of a worker: init is over, invokes may come


@dataclass(frozen=True)
class FunctionSpec:
    """Everything a worker needs to become one function's sandbox (picklable for spawn)."""

    name: str
    handler: str
    code_dir: str
    layer_paths: tuple[str, ...]
    env: Mapping[str, str]
    timeout: int
    invoked_function_arn: str = field(default="")


class LambdaContext:
    """The context object of Lambda's Python runtime (awslambdaric), attribute for attribute.

    As in Lambda, ``memory_limit_in_mb`` and the log names come from the environment
    (so the memory limit is a string).
    """

    def __init__(
        self, request_id: str, deadline_ms: int, invoked_function_arn: str, tenant_id: str | None = None
    ) -> None:
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = None
        self.identity = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the runner abandons this invoke."""
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg: str) -> None:
        """Write to the function's log (the server's stderr), like ``context.log`` in Lambda."""
        sys.stderr.write(str(msg))
        sys.stderr.flush()

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},function_name={self.function_name},"
            f"function_version={self.function_version},invoked_function_arn={self.invoked_function_arn}])"
        )


_worker: dict[str, Any] = {}


def _interpreter_paths() -> list[str]:
    """The interpreter's own import paths (stdlib, venv site-packages), without the project dirs.

    Lambda's sys.path holds only the task root, the layers and the runtime; anything
    else the parent happened to have (its cwd, pytest's pythonpath) must not leak in.
    """
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    kept = []
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if entry and (
            any(real == p or real.startswith(p + os.sep) for p in prefixes)
            or os.path.basename(real) in {"site-packages", "dist-packages"}
        ):
            kept.append(entry)
    return kept


def _watch_parent(parent_pid: int) -> None:
    """Exit as soon as the server process is gone, so no orphaned "container" survives it.

    Needed besides the pipe's EOF: a handler that is still running never reads the pipe.
    """
    while True:
        time.sleep(_WATCHDOG_INTERVAL_S)
        if os.getppid() != parent_pid:
            os._exit(1)


def _setup(spec: FunctionSpec, parent_pid: int) -> None:
    """Turn a fresh spawned interpreter into the function's sandbox and import its handler."""
    # Ctrl-C in a terminal reaches the whole process group; the server shuts workers down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True).start()
    os.environ.clear()
    os.environ.update(spec.env)
    with contextlib.suppress(AttributeError):  # time.tzset is POSIX only
        time.tzset()
    sys.path[:] = [spec.code_dir, *spec.layer_paths, *_interpreter_paths()]
    with contextlib.suppress(OSError):
        os.chdir(spec.code_dir)
    # In Lambda stdout is the log stream, never the response: send prints to the server's stderr.
    sys.stdout = sys.stderr
    _worker.update(spec=spec, handler=None)
    _load_handler()


def _error_document(error_type: str, message: str, request_id: str, stack: list[str]) -> dict[str, Any]:
    """The document the Python runtime returns for a failed invoke (SAM answers it with a 502)."""
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def _log_exception(error_type: str, message: str, exc: BaseException) -> list[str]:
    """Log like the Lambda runtime ("[ERROR] Type: message" + traceback); return the stack lines.

    The runner's own frames are left out, as the runtime leaves out its own.
    """
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    stack = traceback.format_list(frames)
    last = "".join(traceback.format_exception_only(exc))
    trace = "".join(stack)
    sys.stderr.write(f"[ERROR] {error_type}: {message}\nTraceback (most recent call last):\n{trace}{last}")
    sys.stderr.flush()
    return stack


def _load_handler() -> dict[str, Any] | None:
    """Import the handler once; on failure remember the runtime's error and retry on the next invoke.

    Lambda re-runs a failed init on the next invoke, so fixing the code and calling again works.
    """
    spec: FunctionSpec = _worker["spec"]
    module_name, _, attr = spec.handler.rpartition(".")
    module_name = module_name.replace("/", ".")
    importlib.invalidate_caches()  # a retry must see files created since the failed attempt
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        error = ("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}", exc)
    except SyntaxError as exc:
        error = ("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", exc)
    except Exception as exc:
        error = (type(exc).__name__, str(exc), exc)
    else:
        handler = getattr(module, attr, None)
        if callable(handler):
            _worker["handler"] = handler
            return None
        message = f"Handler '{attr}' missing on module '{module_name}'"
        sys.stderr.write(f"[ERROR] Runtime.HandlerNotFound: {message}\n")
        return _error_document("Runtime.HandlerNotFound", message, "", [])
    stack = _log_exception(error[0], error[1], error[2])
    return _error_document(error[0], error[1], "", stack)


def _json_default(value: Any) -> Any:
    """Serialise Decimals as the Lambda runtime does (DynamoDB numbers come back as Decimal)."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _invoke(request_id: str, event: str, tenant_id: str | None) -> str:
    """Run one invoke and return what the runtime would write to the container's stdout."""
    spec: FunctionSpec = _worker["spec"]
    deadline_ms = int(time.time() * 1000) + spec.timeout * 1000
    if _worker["handler"] is None:
        init_error = _load_handler()
        if init_error is not None:
            init_error["requestId"] = request_id
            return json.dumps(init_error)
    context = LambdaContext(request_id, deadline_ms, spec.invoked_function_arn, tenant_id)
    try:
        result = _worker["handler"](json.loads(event), context)
    except Exception as exc:
        stack = _log_exception(type(exc).__name__, str(exc), exc)
        return json.dumps(_error_document(type(exc).__name__, str(exc), request_id, stack))
    finally:
        sys.stdout.flush()
    try:
        return json.dumps(result, default=_json_default)
    except (TypeError, ValueError) as exc:
        message = f"Unable to marshal response: {exc}"
        sys.stderr.write(f"[ERROR] Runtime.MarshalError: {message}\n")
        return json.dumps(_error_document("Runtime.MarshalError", message, request_id, []))


def main(conn: Connection, spec: FunctionSpec, parent_pid: int) -> None:
    """A sandbox's life: initialise once, say so, then run one invoke at a time until the pipe closes.

    A ``sys.exit`` or ``os._exit`` in the handler ends the process, which the server
    sees as a crash of this sandbox only (Lambda's ``Runtime.ExitError``).
    """
    _setup(spec, parent_pid)
    conn.send(READY)
    while True:
        try:
            request_id, event, tenant_id = conn.recv()
        except (EOFError, OSError):
            return  # the server closed its end: this sandbox is being discarded
        output = _invoke(request_id, event, tenant_id)
        try:
            conn.send((request_id, output))
        except OSError:
            return
