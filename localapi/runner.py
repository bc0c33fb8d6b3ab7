"""An in-process stand-in for SAM CLI's Docker Lambda runner.

``sam local start-api`` hands every request to ``LocalLambdaRunner.invoke``, which
starts a Docker container per invoke. This module subclasses that runner so that the
function lookup (``get_function``) and the environment computation (``_make_env_vars``)
stay SAM's own code, and only the execution is replaced: each function gets a lazily
created pool of spawned Python processes (its warm "containers"), set up the way
Lambda sets up a Python sandbox (environment, ``/var/task`` then ``/opt/python`` on
``sys.path``, the handler module imported once).

What a worker sends back is exactly what the Lambda runtime would have written to the
container's stdout (the handler's JSON result, or the runtime's error document), so
SAM's ``LocalApigwService`` parses it and picks the HTTP status as it does for Docker.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import json
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TextIO

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.provider import Function
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.utils.codeuri import resolve_code_path
from samcli.lib.utils.stream_writer import StreamWriter

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # the account SAM's local runtime reports (AWS_ACCOUNT_ID)
DUMMY_CREDENTIALS = {"region": REGION, "key": "testing", "secret": "testing"}
MAX_WORKERS = 4
DEFAULT_MEMORY_MB = 128  # Lambda's defaults when the template sets none
DEFAULT_TIMEOUT_S = 3
# Lambda gives a cold start 10 s to initialise; a spawned interpreter on a loaded CI
# machine can be slower than a Lambda sandbox, so the local limit is more generous.
INIT_TIMEOUT_S = 30.0
_WATCHDOG_INTERVAL_S = 0.5


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


# ---------------------------------------------------------------------------------------
# Worker side: runs in each spawned process.
# ---------------------------------------------------------------------------------------


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
    """Exit as soon as the server process is gone, so no orphaned "container" survives it."""
    while True:
        time.sleep(_WATCHDOG_INTERVAL_S)
        if os.getppid() != parent_pid:
            os._exit(1)


def _worker_init(spec: FunctionSpec, notices: Any, parent_pid: int) -> None:
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
    _worker.update(spec=spec, notices=notices, handler=None)
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


def _worker_invoke(request_id: str, event: str, tenant_id: str | None) -> str:
    """Run one invoke and return what the runtime would write to the container's stdout."""
    spec: FunctionSpec = _worker["spec"]
    _worker["notices"].put(request_id)  # the clock for the function's Timeout starts now
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


# ---------------------------------------------------------------------------------------
# Server side.
# ---------------------------------------------------------------------------------------


class InvokeFailed(Exception):
    """The sandbox produced no response (timeout, crash, init hang): SAM then answers 502."""


class PoolRetired(Exception):
    """The pool was discarded while this invoke waited for a free worker: use a fresh pool."""


class FunctionPool:
    """One function's warm "containers": a spawn ProcessPoolExecutor plus the bookkeeping
    needed to enforce the Timeout from the moment the handler starts (not from the queue)."""

    def __init__(self, spec: FunctionSpec, max_workers: int = MAX_WORKERS) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.spec = spec
        self.broken = False
        self._closing = False
        self._server_stopping = False
        self._break_reason = ""
        self._notices = ctx.Queue()
        self._executor = ProcessPoolExecutor(
            max_workers=max_workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(spec, self._notices, os.getpid()),
        )
        # At most one invoke per worker: a request never queues behind another one, so
        # waiting for a "start" notice only ever covers a cold start.
        self._slots = threading.BoundedSemaphore(max_workers)
        self._lock = threading.Lock()
        self._started: dict[str, tuple[threading.Event, list[float]]] = {}
        self._listener = threading.Thread(target=self._listen, name=f"localapi-{spec.name}-notices", daemon=True)
        self._listener.start()

    def _listen(self) -> None:
        """Record when each invoke actually started in its worker."""
        while not self._closing:
            try:
                request_id = self._notices.get(timeout=0.5)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):
                return
            with self._lock:
                waiter = self._started.get(request_id)
            if waiter is not None:
                waiter[1].append(time.monotonic())
                waiter[0].set()

    def invoke(self, event: str, tenant_id: str | None = None) -> str:
        """Run one invoke; return the runtime's stdout document or raise InvokeFailed."""
        with self._slots:
            if self.broken and not self._server_stopping:
                raise PoolRetired
            request_id = str(uuid.uuid4())
            started = threading.Event()
            start_times: list[float] = []
            with self._lock:
                self._started[request_id] = (started, start_times)
            try:
                return self._run(request_id, started, start_times, event, tenant_id)
            finally:
                with self._lock:
                    self._started.pop(request_id, None)

    def _run(
        self,
        request_id: str,
        started: threading.Event,
        start_times: list[float],
        event: str,
        tenant_id: str | None,
    ) -> str:
        name = self.spec.name
        try:
            future: Future[str] = self._executor.submit(_worker_invoke, request_id, event, tenant_id)
        except (BrokenProcessPool, RuntimeError) as exc:
            self.break_pool(f"it could not be started: {exc}")
            raise InvokeFailed(f"Function '{name}' could not be started: {exc}") from exc
        future.add_done_callback(lambda _f: started.set())
        if not started.wait(INIT_TIMEOUT_S):
            self.break_pool(f"a worker did not initialise within {INIT_TIMEOUT_S:.0f} seconds")
            raise InvokeFailed(f"Function '{name}' did not finish initialising in {INIT_TIMEOUT_S:.0f} seconds")
        began = start_times[0] if start_times else time.monotonic()
        remaining = self.spec.timeout - (time.monotonic() - began)
        try:
            return future.result(timeout=max(remaining, 0.0))
        except FutureTimeoutError as exc:
            self.break_pool(f"an invoke timed out after {self.spec.timeout} seconds")
            raise InvokeFailed(f"Function '{name}' timed out after {self.spec.timeout} seconds") from exc
        except BrokenProcessPool as exc:
            earlier = self._break_reason
            self.break_pool("a worker process exited unexpectedly")
            if self._server_stopping:
                raise InvokeFailed(f"Function '{name}' was stopped: the server is shutting down") from exc
            if earlier:
                raise InvokeFailed(f"Function '{name}' was stopped with its workers ({earlier})") from exc
            raise InvokeFailed(f"Function '{name}' crashed: its worker process exited unexpectedly") from exc

    def break_pool(self, reason: str) -> None:
        """Kill the pool: a timed-out or crashed sandbox cannot be reused (Lambda discards it too).

        Other invokes running in the same pool fail with it (a ProcessPoolExecutor cannot
        lose one worker and go on).
        """
        with self._lock:
            self._break_reason = self._break_reason or reason
        self.broken = True
        self.close()

    def shutdown(self) -> None:
        """Stop the pool because the server stops (in-flight invokes are abandoned, not "crashed")."""
        self._server_stopping = True
        self.close()

    def close(self, grace_s: float = 2.0) -> None:
        """Stop every worker (politely, then by force), cancel queued invokes and stop the listener."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
        processes = list((getattr(self._executor, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        deadline = time.monotonic() + grace_s
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(max(deadline - time.monotonic(), 0.05))
                if process.is_alive():
                    process.kill()
                    process.join(1.0)
        self._executor.shutdown(wait=True, cancel_futures=True)
        # The listener is a daemon polling every 0.5 s: closing the queue ends it, no need to wait.
        with contextlib.suppress(Exception):
            self._notices.close()


class InProcessLambdaRunner(LocalLambdaRunner):
    """SAM's LocalLambdaRunner with the Docker runtime replaced by per-function process pools.

    ``get_function`` (lookup, FunctionNotFound, tenancy checks) and ``_make_env_vars``
    (template variables, shell values, ``--env-vars`` overrides, AWS_* variables) are
    inherited unchanged, so the environment matches ``sam local start-api --env-vars``.
    """

    def __init__(
        self,
        function_provider: SamFunctionProvider,
        cwd: str,
        env_vars_values: Mapping[str, Any] | None = None,
        extra_env: Mapping[str, str] | None = None,
        shell_env: Mapping[str, str] | None = None,
        max_workers: int = MAX_WORKERS,
    ) -> None:
        super().__init__(
            local_runtime=None,  # type: ignore[arg-type]  # never used: invoke is overridden
            function_provider=function_provider,
            cwd=cwd,
            real_path=cwd,
            aws_region=REGION,
            env_vars_values=dict(env_vars_values or {}),
        )
        self.extra_env = dict(extra_env or {})
        self.shell_env = os.environ if shell_env is None else shell_env
        self.max_workers = max_workers
        self._pools: dict[str, FunctionPool] = {}
        self._pools_lock = threading.Lock()
        self._closed = False

    # -- configuration -------------------------------------------------------------------

    def get_aws_creds(self) -> dict[str, str]:
        """Dummy credentials and a fixed region: locally nothing may reach a real AWS account."""
        return dict(DUMMY_CREDENTIALS)

    def function_environment(self, function: Function) -> dict[str, str]:
        """The complete environment of a function's sandbox.

        SAM's resolution first (template Globals + function variables, then shell values,
        then ``--env-vars`` overrides, plus SAM's AWS_* variables); then a value set in
        this process's own environment for a variable the function declares wins, so
        ``ACCESS_TOKEN_LIFETIME=60 make run`` works; then the Lambda runtime's own
        variables and the runner's (DYNAMODB_ENDPOINT, JWT_SECRET).
        """
        env = self._make_env_vars(function).resolve()
        # SAM passes an unset MemorySize through as "None"; Lambda's default is 128 MB.
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(function.memory or DEFAULT_MEMORY_MB)
        declared = (function.environment or {}).get("Variables") or {}
        for name in declared:
            if name in self.shell_env:
                env[name] = self.shell_env[name]
        env.update(
            {
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}" if function.runtime else "AWS_Lambda",
                "LAMBDA_TASK_ROOT": self.code_dir(function),
                "LAMBDA_RUNTIME_DIR": os.path.dirname(os.__file__),
                "_HANDLER": function.handler or "",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "PATH": self.shell_env.get("PATH", os.defpath),
            }
        )
        env.update(self.extra_env)
        return env

    def code_dir(self, function: Function) -> str:
        """The function's CodeUri, resolved the way SAM resolves it (relative to the template)."""
        return resolve_code_path(self.cwd, function.codeuri)

    def layer_paths(self, function: Function) -> tuple[str, ...]:
        """What Lambda puts on sys.path for the function's layers (``/opt/python`` and its site-packages).

        Only layers defined in the template (with a local ContentUri) can be mounted locally.
        """
        paths: list[str] = []
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        for layer in function.layers or []:
            if not layer.codeuri:
                continue
            root = resolve_code_path(self.cwd, layer.codeuri)
            paths.append(os.path.join(root, "python", "lib", version, "site-packages"))
            paths.append(os.path.join(root, "python"))
        return tuple(paths)

    def function_spec(self, function: Function) -> FunctionSpec:
        """Freeze a function's sandbox configuration for its worker processes."""
        return FunctionSpec(
            name=function.name,
            handler=function.handler or "",
            code_dir=self.code_dir(function),
            layer_paths=self.layer_paths(function),
            env=self.function_environment(function),
            timeout=int(function.timeout or DEFAULT_TIMEOUT_S),
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.name}",
        )

    # -- execution -----------------------------------------------------------------------

    def _pool(self, function: Function) -> FunctionPool:
        with self._pools_lock:
            if self._closed:
                raise InvokeFailed("the runner is shutting down")
            pool = self._pools.get(function.full_path)
            if pool is None or pool.broken:
                pool = FunctionPool(self.function_spec(function), self.max_workers)
                self._pools[function.full_path] = pool
            return pool

    def invoke(
        self,
        function_identifier: str,
        event: str,
        tenant_id: str | None = None,
        stdout: StreamWriter | None = None,
        stderr: StreamWriter | None = None,
        override_runtime: str | None = None,
        invocation_type: str = "RequestResponse",
        durable_execution_name: str | None = None,
        function: Function | None = None,
    ) -> dict[str, str] | None:
        """Invoke the function and write its response to ``stdout``, as the container would.

        On a timeout, a crash or an init hang nothing is written, which SAM's service
        turns into ``502 {"message": "Internal server error"}``, as with Docker.
        """
        if function is None:
            function = self.get_function(function_identifier, tenant_id)

        try:
            try:
                output = self._pool(function).invoke(event, tenant_id)
            except PoolRetired:
                output = self._pool(function).invoke(event, tenant_id)
        except (InvokeFailed, PoolRetired) as exc:
            _write(stderr, f"{str(exc) or f'Function {function.name!r} could not be invoked'}\n")
            return None
        if stdout is not None:
            stdout.write_str(output)
        return None

    def close(self) -> None:
        """Stop every pool; after this no worker process of this runner is alive."""
        with self._pools_lock:
            self._closed = True
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.shutdown()


def _write(stream: StreamWriter | TextIO | None, message: str) -> None:
    """Write a runner log line to SAM's stderr writer (or the process's stderr)."""
    if isinstance(stream, StreamWriter):
        stream.write_str(message)
        stream.flush()
    else:
        target = stream or sys.stderr
        target.write(message)
        target.flush()


def load_env_vars_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a file in ``sam local --env-vars`` format ({"Parameters": {...}, "<Function>": {...}})."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: expected an object of objects, as for sam local --env-vars")
    return data
