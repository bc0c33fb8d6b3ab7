"""Wire SAM CLI's local API Gateway to the in-process runner and an embedded DynamoDB.

The routes, the event construction and the response parsing are SAM CLI's own
(``ApiProvider`` + ``LocalApigwService``, pinned aws-sam-cli 1.170.0); only the Lambda
execution (``InProcessLambdaRunner``) and DynamoDB (moto, or ``DYNAMODB_ENDPOINT``)
are local substitutes, so ``make run`` needs neither Docker nor an AWS account.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from samcli.commands.local.lib.local_api_service import LocalApiService
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.provider import Api, Stack
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.lib.telemetry.event import EventTracker
from samcli.lib.utils.stream_writer import StreamWriter
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.docker.exceptions import ProcessSigTermException

from .runner import REGION, InProcessLambdaRunner, load_env_vars_file

LOG = logging.getLogger("localapi")
DEFAULT_ENV_FILE = Path(__file__).with_name("env.json")
TABLES_TIMEOUT_S = 60


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it when binding port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def configure_logging() -> None:
    """Print what ``sam local start-api`` prints, minus SAM's per-request INFO/DEBUG chatter.

    werkzeug keeps its access line (one per request); samcli only reports warnings.
    """
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    if not sys.stderr.isatty():
        # No ANSI colours in access lines written to a file or a pipe (werkzeug's own switch).
        import werkzeug.serving

        werkzeug.serving._log_add_style = False
    logging.getLogger("samcli").setLevel(logging.WARNING)
    logging.getLogger("localapi").setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.INFO)


def load_template(template: str | os.PathLike[str]) -> tuple[list[Stack], str]:
    """Load the template as ``sam local`` does; return its stacks and the dir CodeUris are relative to."""
    template_path = os.path.abspath(template)
    if not os.path.isfile(template_path):
        raise FileNotFoundError(f"template not found: {template_path}")
    stacks, _ = SamLocalStackProvider.get_stacks(template_path, global_parameter_overrides={"AWS::Region": REGION})
    return stacks, os.path.dirname(template_path)


def _serialized(app: Any) -> Any:
    """Handle one DynamoDB request at a time.

    Real DynamoDB makes each request (a TransactWriteItems included) atomic;
    moto's in-memory backend does not lock, and its transaction rollback
    restores a copy of the whole table, which could undo a concurrent write.
    One lock around each request gives moto DynamoDB's per-request atomicity,
    so concurrency tests (e.g. racing registrations) test our conditions, not
    moto's thread safety.
    """
    lock = threading.Lock()

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        with lock:
            return list(app(environ, start_response))

    return wsgi


class _QuietMotoServer:
    """moto's ThreadedMotoServer without its werkzeug access lines (they would drown the API's)."""

    def __init__(self, host: str, port: int) -> None:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        class _Handler(MotoRequestHandler):
            """Keeps connections open between requests, as DynamoDB does.

            werkzeug closes every connection after its answer and then drains the
            socket, since an app may leave part of a body unread. Here a body with a
            length is read whole before the app runs, and werkzeug's drain is handed
            an empty stream, so the next request on the connection is left intact.
            A chunked body still closes the connection.
            """

            keep_alive = False

            def setup(self) -> None:
                super().setup()
                # werkzeug writes an answer's head and body apart: on a kept connection, Nagle's
                # algorithm would hold the body back until the client's delayed ACK (~40 ms).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def handle_one_request(self) -> None:
                connection = self.rfile
                try:
                    super().handle_one_request()
                finally:
                    self.rfile = connection

            def make_environ(self) -> dict[str, Any]:
                environ = super().make_environ()
                length = environ.get("CONTENT_LENGTH") or "0"
                self.keep_alive = length.isdigit() and "wsgi.input_terminated" not in environ
                if self.keep_alive:
                    environ["wsgi.input"] = io.BytesIO(self.rfile.read(int(length)))
                    self.rfile = io.BytesIO()  # werkzeug's drain after the answer reads nothing
                return environ

            def send_header(self, keyword: str, value: str) -> None:
                if self.keep_alive and keyword.lower() == "connection" and value.lower() == "close":
                    return
                super().send_header(keyword, value)

            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                """Drop the per-request access line; errors are still logged."""

        class _Server(ThreadedMotoServer):
            def _server_entry(self) -> None:
                from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
                from werkzeug.serving import make_server

                app = _serialized(DomainDispatcherApplication(create_backend_app))
                self._server = make_server(self._ip_address, self._port, app, True, request_handler=_Handler)
                self._server_ready_event.set()
                self._server.serve_forever()

        self._server = _Server(ip_address=host, port=port, verbose=False)
        self.endpoint = f"http://{host}:{port}"

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()


def start_moto(host: str = "127.0.0.1") -> _QuietMotoServer:
    """Start an in-process moto server on a free port."""
    server = _QuietMotoServer(host, free_port(host))
    server.start()
    return server


def with_table_names(env_vars: dict[str, Any], stacks: Any) -> dict[str, Any]:
    """Name every table the template's Globals reference (``MOVIES_TABLE: !Ref MoviesTable``).

    On AWS CloudFormation names them; locally each gets ``movies-api-<key>`` (the layer's
    default), derived from the template so a new resource's table needs no entry in
    ``env.json``. Values in the ``--env-vars`` file still win.
    """
    template = stacks[0].template_dict
    resources = template.get("Resources") or {}
    declared = [((template.get("Globals") or {}).get("Function") or {}).get("Environment", {}).get("Variables", {})]
    declared += [
        ((r.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
        for r in resources.values()
        if r.get("Type") == "AWS::Serverless::Function"
    ]
    names = {}
    for name, value in (item for variables in declared for item in variables.items()):
        ref = value.get("Ref") if isinstance(value, dict) else None
        if name.endswith("_TABLE") and (resources.get(ref) or {}).get("Type") == "AWS::DynamoDB::Table":
            names[name] = "movies-api-" + name.removesuffix("_TABLE").lower().replace("_", "-")
    out = dict(env_vars)
    out["Parameters"] = {**names, **(env_vars.get("Parameters") or {})}
    return out


def ensure_tables(runner: InProcessLambdaRunner, provider: SamFunctionProvider) -> bool:
    """Create the DynamoDB tables with the layer's ``moviesapi.models.ensure_tables()``.

    Runs in a subprocess with a function's own environment and import path, so it sees
    exactly the table names and endpoint the functions will use. Returns False when no
    function's layers ship ``moviesapi`` (e.g. a throwaway template).
    """
    for function in provider.get_all():
        layers = runner.layer_paths(function)
        if not any(os.path.isfile(os.path.join(p, "moviesapi", "models.py")) for p in layers):
            continue
        env = runner.function_environment(function)
        env["PYTHONPATH"] = os.pathsep.join(layers)
        try:
            result = subprocess.run(
                [sys.executable, "-c", "from moviesapi.models import ensure_tables; ensure_tables()"],
                env=env,
                capture_output=True,
                text=True,
                timeout=TABLES_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"creating the DynamoDB tables took over {TABLES_TIMEOUT_S}s") from exc
        if result.returncode != 0:
            raise RuntimeError(f"creating the DynamoDB tables failed:\n{result.stdout}{result.stderr}")
        return True
    return False


@dataclass
class LocalApi:
    """The assembled local API: SAM's gateway service, the runner, and DynamoDB."""

    service: LocalApigwService
    runner: InProcessLambdaRunner
    api: Api
    host: str
    port: int
    dynamodb_endpoint: str
    moto: _QuietMotoServer | None = None
    tables_created: bool = False
    _closed: bool = field(default=False, repr=False)

    def mount_lines(self) -> list[str]:
        """The "Mounting X at http://host:port/path [METHODS]" lines, formatted by SAM itself."""
        return LocalApiService._print_routes(self.api.routes, self.host, self.port)

    def close(self) -> None:
        """Stop every function's workers, then DynamoDB."""
        if self._closed:
            return
        self._closed = True
        self.runner.close()
        if self.moto is not None:
            self.moto.stop()


def build(
    template: str | os.PathLike[str] = "template.yaml",
    host: str = "127.0.0.1",
    port: int = 3000,
    env_file: str | os.PathLike[str] | None = DEFAULT_ENV_FILE,
    environ: Mapping[str, str] | None = None,
) -> LocalApi:
    """Load the template, start DynamoDB, create the tables and the Flask app (not serving yet)."""
    environ = os.environ if environ is None else environ
    # sam local's gateway records telemetry events; never send any from here.
    os.environ["SAM_CLI_TELEMETRY"] = "0"
    stacks, cwd = load_template(template)
    api = ApiProvider(stacks, cwd=cwd).api
    if not api.routes:
        raise RuntimeError(f"no API routes in {template}")
    provider = SamFunctionProvider(stacks, ignore_code_extraction_warnings=True)

    moto = None
    endpoint = environ.get("DYNAMODB_ENDPOINT", "")
    if not endpoint:
        moto = start_moto()
        endpoint = moto.endpoint
    try:
        runner = InProcessLambdaRunner(
            provider,
            cwd=cwd,
            env_vars_values=with_table_names(load_env_vars_file(env_file) if env_file else {}, stacks),
            extra_env={
                "DYNAMODB_ENDPOINT": endpoint,
                "JWT_SECRET": environ.get("JWT_SECRET") or secrets.token_urlsafe(48),
            },
            shell_env=environ,
        )
        tables_created = ensure_tables(runner, provider)
        service = LocalApigwService(
            api=api,
            lambda_runner=runner,
            port=port,
            host=host,
            stderr=StreamWriter(sys.stderr, auto_flush=True),
        )
        service.create()
    except BaseException:
        if moto is not None:
            moto.stop()
        raise
    # The gateway tracks a telemetry event per request and flushes every 50 through
    # GlobalConfig (which writes ~/.aws-sam); drop them after each request instead.
    service._app.teardown_request(lambda _exc: EventTracker.clear_trackers())
    return LocalApi(
        service=service,
        runner=runner,
        api=api,
        host=host,
        port=port,
        dynamodb_endpoint=endpoint,
        moto=moto,
        tables_created=tables_created,
    )


def _raise_sigterm(signum: int, frame: FrameType | None) -> None:
    raise ProcessSigTermException()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Make SIGTERM unwind like Ctrl-C (SAM's own handler does the same once serving).

    SIGINT gets Python's default handler back explicitly: a shell starts background jobs
    with SIGINT ignored, and an ignored SIGINT would make the server unstoppable by it.
    """
    previous_term: Any = signal.signal(signal.SIGTERM, _raise_sigterm)
    previous_int: Any = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def serve(
    template: str | os.PathLike[str] = "template.yaml",
    host: str = "127.0.0.1",
    port: int = 3000,
    env_file: str | os.PathLike[str] | None = DEFAULT_ENV_FILE,
) -> int:
    """Serve until Ctrl-C or SIGTERM, then stop the workers and DynamoDB. Returns an exit code."""
    configure_logging()
    local = None
    with _sigterm_raises():
        try:
            try:
                local = build(template, host=host, port=port, env_file=env_file)
            except (OSError, ValueError, RuntimeError) as exc:
                # A missing template, a bad env file, a failed table creation: say what, not where.
                LOG.error("localapi: %s", exc)
                return 1
            for line in local.mount_lines():
                LOG.info(line)
            how = "embedded moto server" if local.moto else "DYNAMODB_ENDPOINT"
            LOG.info("DynamoDB endpoint: %s (%s)", local.dynamodb_endpoint, how)
            if not local.tables_created:
                LOG.info("No function layer ships moviesapi.models: no tables were created")
            local.service.run()
        except (KeyboardInterrupt, ProcessSigTermException):
            pass
        finally:
            if local is not None:
                local.close()
    return 0
