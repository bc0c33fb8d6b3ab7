"""Cold first response: a fresh process per sample, ours and the floor interleaved, against one moto server.

A sample is a new Python process that imports the handler's file and answers one
real event (``events/*.json``, adjusted) over HTTP against a moto server, with
Lambda's variables and the template's Globals set (tracing on). The parent's wall
clock from spawning the child to the child's exit right after it wrote its response
is the figure: interpreter start included, on both sides; interpreter finalization
not (the child leaves with ``os._exit``: Lambda answers and freezes or kills the
process, it never finalizes it on a response's path, and finalizing ours took ~25 ms
more than the floor's, a cost no caller waits for). The child also reports its
import and invoke times. Also the signing-key
variant: movie get with the key fetched from Secrets Manager (moto) instead of
``JWT_SECRET``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.common import (
    PASSWORD,
    ROOT,
    SECRET,
    SOURCE_LAYER,
    LayerPath,
    MotoServer,
    lambda_env,
    make_event,
)

CHILD = r"""
import importlib.util, json, sys, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
handler = getattr(module, sys.argv[2])
t1 = time.perf_counter()
class Ctx:
    function_name = "bench"; function_version = "$LATEST"; memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench"; log_group_name = "g"; log_stream_name = "s"
    def get_remaining_time_in_millis(self): return 10000
reply = handler(json.loads(sys.argv[3]), Ctx())
t2 = time.perf_counter()
if reply["statusCode"] != int(sys.argv[4]):
    sys.exit("unexpected reply: " + json.dumps(reply)[:800])
print("\n" + json.dumps({"import_ms": (t1 - t0) * 1000, "invoke_ms": (t2 - t1) * 1000}), flush=True)
import os; os._exit(0)  # the response is out; Lambda never finalizes the interpreter on this path
"""

SETUP = r"""
import json, sys
import boto3
from moviesapi.models import ensure_tables
from moviesapi import accounts, resources, tokens
from moviesapi.catalog import MOVIE
ensure_tables()
user = accounts.register({"username": "cold", "email": "cold@x.io", "password1": sys.argv[1], "password2": sys.argv[1]})
who = accounts.Principal(user.id, user.username)
ids = [resources.create(MOVIE, {"title": f"Cold {i}", "genre": "Western", "year": 1950}, who)["id"] for i in range(60)]
arn = boto3.client("secretsmanager").create_secret(Name="bench-jwt", SecretString=sys.argv[2])["ARN"]
token = tokens.issue_access(user.id, accounts.identity(user))  # as token obtain issues it: no user read
print(json.dumps({"id": ids[0], "user_id": user.id, "token": token, "secret_arn": arn}))
"""


@dataclass
class Fixture:
    """What the server holds for the runs: a user, a movie of theirs, a token, the signing key's secret."""

    endpoint: str
    movie_id: str
    user_id: str
    token: str
    secret_arn: str


def seed(endpoint: str) -> Fixture:
    # The token outlives the whole run (a default run takes longer than the 5-minute default lifetime).
    env = lambda_env(
        endpoint, PYTHONPATH=str(SOURCE_LAYER), POWERTOOLS_TRACE_DISABLED="true", ACCESS_TOKEN_LIFETIME="86400"
    )
    out = subprocess.run(
        [sys.executable, "-c", SETUP, PASSWORD, SECRET], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise RuntimeError(f"seeding the moto server failed:\n{out.stderr[-2000:]}")
    made = json.loads(out.stdout.strip().splitlines()[-1])
    return Fixture(endpoint, made["id"], made["user_id"], made["token"], made["secret_arn"])


EventFor = Callable[[Fixture, str], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """One figure: our function, the floor's file and handler, the event, the status both must answer."""

    name: str
    function: str
    floor: tuple[str, str]
    event: EventFor
    status: int
    goal: float


def _register(fx: Fixture, tag: str) -> dict[str, Any]:
    body = {"email": f"{tag}@x.io", "username": tag, "password1": PASSWORD, "password2": PASSWORD}
    return make_event("register", body=body)


CASES: tuple[Case, ...] = (
    Case(
        "movie get",
        "resource_get",
        ("floor.py", "get"),
        lambda fx, _: make_event("movie_get", token=fx.token, path_id=fx.movie_id),
        200,
        1.10,
    ),
    Case(
        "list page (no filter)",
        "resource_list",
        ("floor.py", "list_page"),
        lambda fx, _: make_event("movie_list", token=fx.token, query={}),
        200,
        1.25,
    ),
    Case(
        "movie create",
        "resource_create",
        ("floor.py", "create"),
        lambda fx, _: make_event("movie_create", token=fx.token),
        201,
        1.25,
    ),
    Case(
        "token obtain",
        "token_obtain",
        ("floor_auth.py", "token_obtain"),
        lambda fx, _: make_event("token_obtain", body={"username": "cold", "password": PASSWORD}),
        200,
        1.25,
    ),
    Case("register", "register", ("floor_auth.py", "register"), _register, 201, 1.25),
)


@dataclass
class Samples:
    process_ms: list[float] = field(default_factory=list)
    import_ms: list[float] = field(default_factory=list)
    invoke_ms: list[float] = field(default_factory=list)

    def median(self, key: str = "process_ms") -> float:
        values: list[float] = getattr(self, key)
        return statistics.median(values) if values else float("nan")


def _run(
    python: list[str], path: str, handler: str, event: dict[str, Any], status: int, env: dict[str, str]
) -> dict[str, float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [*python, "-c", CHILD, path, handler, json.dumps(event), str(status)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    total = (time.perf_counter() - t0) * 1000
    if out.returncode:
        raise RuntimeError(f"cold run of {path} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "process_ms": total}


def _add(samples: Samples, sample: dict[str, float]) -> None:
    for key, value in sample.items():
        getattr(samples, key).append(value)


@dataclass
class ColdResult:
    layer: str
    cases: dict[str, tuple[Case, Samples, Samples]]  # name → (case, ours, floor)
    secret: tuple[Samples, Samples] | None  # (movie get with JWT_SECRET, with the key from Secrets Manager)


def measure(fx: Fixture, runs: int, *, cases: bool = True, secret: bool = False) -> ColdResult:
    """``runs`` rounds; each round runs every case ours then floor (and the signing-key variants)."""
    with LayerPath() as layer:
        ours_path = layer.pythonpath()
        floor_path = layer.floor_pythonpath()
        python = layer.python()
        results = {c.name: (c, Samples(), Samples()) for c in (CASES if cases else ())}
        env_key, sm_key = Samples(), Samples()
        get_case = CASES[0]
        for r in range(runs):
            for case in CASES if cases else ():
                _, ours, floor = results[case.name]
                fn = f"{case.function.title().replace('_', '')}Function"
                ours_env = lambda_env(fx.endpoint, fn, PYTHONPATH=ours_path)
                floor_env = lambda_env(fx.endpoint, fn, PYTHONPATH=floor_path)
                app = str(ROOT / "functions" / case.function / "app.py")
                floor_file = str(ROOT / "benchmarks" / case.floor[0])
                sides = [
                    (ours, app, "lambda_handler", ours_env, "ours"),
                    (floor, floor_file, case.floor[1], floor_env, "floor"),
                ]
                for samples, path, handler, env, tag in (
                    sides if r % 2 == 0 else sides[::-1]
                ):  # alternate who goes first
                    event = case.event(fx, f"{tag}{r}x{time.time_ns()}")
                    _add(samples, _run(python, path, handler, event, case.status, env))
            if secret:
                app = str(ROOT / "functions" / get_case.function / "app.py")
                event = get_case.event(fx, "")
                env = lambda_env(fx.endpoint, "ResourceGetFunction", PYTHONPATH=ours_path)
                _add(env_key, _run(python, app, "lambda_handler", event, 200, env))
                env = {**env, "JWT_SECRET": "", "JWT_SECRET_ARN": fx.secret_arn}
                _add(sm_key, _run(python, app, "lambda_handler", event, 200, env))
        return ColdResult(layer.label, results, (env_key, sm_key) if secret else None)


def start() -> tuple[MotoServer, Fixture]:
    server = MotoServer()
    try:
        return server, seed(server.endpoint)
    except Exception:
        server.stop()
        raise
