"""An in-process stand-in for SAM CLI's Docker Lambda runner.

``sam local start-api`` hands every request to ``LocalLambdaRunner.invoke``, which
starts a Docker container per invoke. This module subclasses that runner so that the
function lookup (``get_function``) and the environment computation (``_make_env_vars``)
stay SAM's own code, and only the execution is replaced: each function gets a lazily
created ``FunctionPool`` of spawned Python processes (its warm "containers", one
invocation at a time each, see ``localapi.sandboxes``), set up the way Lambda sets up
a Python sandbox (``localapi.worker``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any, TextIO

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.provider import Function
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.utils.codeuri import resolve_code_path
from samcli.lib.utils.stream_writer import StreamWriter

from .sandboxes import INIT_TIMEOUT_S, MAX_WORKERS, FunctionPool, InvokeFailed
from .worker import FunctionSpec, LambdaContext

__all__ = [
    "INIT_TIMEOUT_S",
    "MAX_WORKERS",
    "FunctionPool",
    "FunctionSpec",
    "InProcessLambdaRunner",
    "InvokeFailed",
    "LambdaContext",
    "load_env_vars_file",
]

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # the account SAM's local runtime reports (AWS_ACCOUNT_ID)
DUMMY_CREDENTIALS = {"region": REGION, "key": "testing", "secret": "testing"}
DEFAULT_MEMORY_MB = 128  # Lambda's defaults when the template sets none
DEFAULT_TIMEOUT_S = 3


class InProcessLambdaRunner(LocalLambdaRunner):
    """SAM's LocalLambdaRunner with the Docker runtime replaced by per-function sandbox pools.

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
        """The function's pool, created on its first invoke; it lives as long as the runner.

        A timeout or crash discards one sandbox inside the pool, never the pool.
        """
        with self._pools_lock:
            if self._closed:
                raise InvokeFailed("the runner is shutting down")
            pool = self._pools.get(function.full_path)
            if pool is None:
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
        turns into ``502 {"message": "Internal server error"}``, as with Docker; only
        this invocation's sandbox is discarded.
        """
        if function is None:
            function = self.get_function(function_identifier, tenant_id)

        try:
            output = self._pool(function).invoke(event, tenant_id)
        except InvokeFailed as exc:
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
