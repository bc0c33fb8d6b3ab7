"""Warm CPU per request: ours, the floor and the anchor in long-lived worker processes, batches interleaved.

Each worker answers real events in process against the moto server, with Lambda's
variables and the template's Globals (tracing on as deployed: moviesapi.xray), and reports
``time.process_time()`` per request (its own CPU, its threads' included; moto's runs in the
server's process). The parent alternates batches: ours get, ours unsampled get, ours untraced
get, floor get, anchor get, ours list, ... for ``rounds`` rounds, each round starting with the
next side, so that no side's figure depends on its place in the round (always right after
another side's writes, say); the figure is the ratio of the per-request medians. ``ours`` is a
sampled request (every one is recorded); ``unsampled`` is ours with tracing on and the
invocation not sampled (Lambda's ``Sampled=0``: X-Ray's default rule records the first
request each second and 5% of the rest, so most requests are this one); ``untraced`` is ours
with tracing off.

``canned`` workers (the ``own`` section) replay DynamoDB's answers, recorded per request kind
from one real request, at botocore's ``_make_api_call``: what is left is each side's own CPU,
without HTTP, signing, parsing or the moto server, whose noise hides changes of a few percent.
``EXTRA`` are the lines that explain a figure: the floor's one-partition page (the
design's price) and the anchor's get (the fixed choices' price, ``anchor.py``).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, TRACE_ID, FakeContext, LayerPath, lambda_env, make_event

OPS = ("get", "list", "create", "update")
EXTRA = {"floor": ("list_one",), "anchor": ("get",)}
SIDES = ("ours", "unsampled", "untraced", "floor", "anchor")  # untraced: ours with POWERTOOLS_TRACE_DISABLED
FUNCTIONS = {"get": "resource_get", "list": "resource_list", "create": "resource_create", "update": "resource_update"}
WARMUP = 3
PAUSE_ENV = "BENCH_PAUSE_MS"
COUNTING_ENV = "BENCH_COUNTING"  # set when valgrind counts the worker's instructions (``work.py``)


def events(fx: dict[str, str]) -> dict[str, tuple[dict[str, Any], int]]:
    token, movie = fx["token"], fx["movie_id"]
    body = {"title": "Warm", "genre": "Western", "year": 1951}
    return {
        "get": (make_event("movie_get", token=token, path_id=movie), 200),
        "list": (make_event("movie_list", token=token, query={}), 200),
        "list_one": (make_event("movie_list", token=token, query={}), 200),
        "create": (make_event("movie_create", token=token, body=body), 201),
        # The seeded movie's genre and year (cold.SETUP): its counts stay, so ours and the floor send one
        # UpdateItem from the first request, whichever side runs first.
        "update": (make_event("movie_update", token=token, path_id=movie, body={**body, "year": 1950}), 200),
    }


def worker(side: str, fixture: str, mode: str = "") -> None:
    """Read ``op n`` lines; answer each with the JSON list of n per-request CPU seconds."""
    fx = json.loads(fixture)
    counting = bool(os.environ.get(COUNTING_ENV))
    if counting:
        # A thread waiting for the GIL takes it when the holder waits, as outside valgrind, not after
        # 5 ms, which under valgrind is a few thousand steps and falls elsewhere in every run (the
        # list's pool threads).
        sys.setswitchinterval(10)
    if side in ("ours", "unsampled", "untraced"):
        from benchmarks.common import load_function

        # Another revision's functions (``ab.py``), else this tree's.
        functions = Path(os.environ.get("BENCH_FUNCTIONS") or ROOT / "functions")
        handlers = {op: load_function(fn, functions).lambda_handler for op, fn in FUNCTIONS.items()}
    elif side == "anchor":
        from benchmarks.anchor import HANDLERS as ANCHOR

        handlers = dict(ANCHOR)
    else:
        from benchmarks.floor import HANDLERS

        handlers = dict(HANDLERS)
    cases = {op: case for op, case in events(fx).items() if op in handlers}
    for op, (event, status) in cases.items():
        for _ in range(WARMUP):
            _expect(side, op, handlers[op](event, FakeContext()), status)
    # ``--pause``: each request after an idle spell, as a Lambda request after the last one's answer.
    pause = float(os.environ.get(PAUSE_ENV) or 0) / 1000
    current = [""]  # the request kind being measured: whose recorded answers a call gets
    if mode == "canned":
        _replay_answers(handlers, cases, current)
    if counting:
        # Every run starts its requests with the collector's generations empty, so its collections
        # fall at the same requests in every run (one more or less in a batch is ~10% of an update).
        gc.collect()
    print("ready", flush=True)
    for line in sys.stdin:
        op, n = line.split()
        current[0] = op
        handler, (event, status) = handlers[op], cases[op]
        if mode == "footprint":
            print(json.dumps(footprint(handler, event)), flush=True)
            continue
        cpu: list[float] = []
        for _ in range(int(n)):
            if pause:
                time.sleep(pause)
            context = FakeContext()
            t0 = time.process_time()
            reply = handler(event, context)
            cpu.append(time.process_time() - t0)
            _expect(side, op, reply, status)
        print(json.dumps(cpu), flush=True)


def _expect(side: str, op: str, reply: dict[str, Any], status: int) -> None:
    """Stop the worker on a wrong answer (an expired token, a moto error): its time is not the request's."""
    if reply["statusCode"] != status:
        sys.exit(f"{side} {op}: {json.dumps(reply)[:800]}")


def footprint(handler: Any, event: dict[str, Any]) -> list[int]:
    """The distinct Python code objects one request runs and their bytecode bytes (``sys.monitoring``)."""
    monitoring = sys.monitoring
    tool = next(t for t in (monitoring.PROFILER_ID, 3, 4, monitoring.OPTIMIZER_ID) if monitoring.get_tool(t) is None)
    ran: set[Any] = set()

    def seen(code: Any, _offset: int) -> None:
        ran.add(code)

    events = monitoring.events.PY_START | monitoring.events.PY_RESUME
    context = FakeContext()  # made before counting: it is the bench's, not the request's
    monitoring.use_tool_id(tool, "bench-footprint")
    try:
        monitoring.register_callback(tool, monitoring.events.PY_START, seen)
        monitoring.register_callback(tool, monitoring.events.PY_RESUME, seen)
        monitoring.set_events(tool, events)
        try:
            handler(event, context)
        finally:
            monitoring.set_events(tool, 0)
    finally:
        monitoring.free_tool_id(tool)
    ran.discard(seen.__code__)
    return [len(ran), sum(len(code.co_code) for code in ran)]


def _answer_key(operation: str, params: dict[str, Any]) -> str:
    """A call's identity within one request kind: a listing shard's Query by its key values."""
    values = params.get("ExpressionAttributeValues") if operation == "Query" else None
    return operation + json.dumps(values, sort_keys=True, default=str)


def _replay_answers(handlers: dict[str, Any], cases: dict[str, Any], current: list[str]) -> None:
    """Record each request kind's answers from one real request, then answer every call from them."""
    from botocore.client import BaseClient

    real = BaseClient._make_api_call
    recorded: dict[tuple[str, str], Any] = {}

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        answer = real(client, operation, params)
        recorded[(current[0], _answer_key(operation, params))] = answer
        return answer

    BaseClient._make_api_call = record  # type: ignore[method-assign]
    for op, (event, _) in cases.items():
        current[0] = op
        handlers[op](event, FakeContext())

    def replay(client: Any, operation: str, params: dict[str, Any]) -> Any:
        return recorded[(current[0], _answer_key(operation, params))]

    BaseClient._make_api_call = replay  # type: ignore[method-assign]


class Worker:
    def __init__(
        self, side: str, fixture: dict[str, str], env: dict[str, str], python: list[str], mode: str = ""
    ) -> None:
        self.proc = subprocess.Popen(
            [*python, "-m", "benchmarks.warm", side, json.dumps(fixture), mode],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._line() != "ready":
            raise RuntimeError(f"the {side} warm worker did not start")

    def _line(self) -> str:
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("a warm worker died")
            line = line.strip()
            if line == "ready" or line.startswith("["):  # skip the handlers' own log/metric lines
                return line

    def batch(self, op: str, n: int) -> list[float]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{op} {n}\n")
        self.proc.stdin.flush()
        result: list[float] = json.loads(self._line())
        return result

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class WarmResult:
    ours: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})
    unsampled: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})
    untraced: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})
    floor: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in (*OPS, *EXTRA["floor"])})
    anchor: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in EXTRA["anchor"]})

    def median_us(self, side: str, op: str) -> float:
        return statistics.median(getattr(self, side)[op]) * 1e6


def worker_env(endpoint: str, pythonpath: str) -> dict[str, str]:
    """A worker's environment: Lambda's and the template's variables, ``pythonpath``, INFO logging at least."""
    env = lambda_env(endpoint, "ResourceGetFunction", PYTHONPATH=pythonpath)
    env["POWERTOOLS_LOG_LEVEL"] = env.get("POWERTOOLS_LOG_LEVEL") or "INFO"
    return env


def side_envs(endpoint: str, layer: LayerPath) -> dict[str, dict[str, str]]:
    """Each side's worker environment (``SIDES``): ours as deployed, not sampled, untraced; the floor; the anchor."""
    ours = worker_env(endpoint, f"{layer.pythonpath()}:{ROOT}")
    return {
        "ours": ours,
        "unsampled": {**ours, "_X_AMZN_TRACE_ID": TRACE_ID.replace("Sampled=1", "Sampled=0")},
        "untraced": {**ours, "POWERTOOLS_TRACE_DISABLED": "true"},
        "floor": worker_env(endpoint, layer.floor_pythonpath()),
        "anchor": ours,
    }


def measure(
    endpoint: str, fixture: dict[str, str], rounds: int, batch: int, *, canned: bool = False, pause_ms: float = 0
) -> WarmResult:
    """Interleaved batches of every side; ``canned``: ours, the floor and the anchor on replayed answers;
    ``pause_ms``: every side idles that long before each request."""
    sides = ("ours", "floor", "anchor") if canned else SIDES
    with LayerPath() as layer, ExitStack() as running:
        envs = side_envs(endpoint, layer)
        python = layer.python()
        if pause_ms:
            envs = {side: {**env, PAUSE_ENV: str(pause_ms)} for side, env in envs.items()}
        mode = "canned" if canned else ""
        workers = {side: running.enter_context(Worker(side, fixture, envs[side], python, mode)) for side in sides}
        result = WarmResult()
        for r in range(rounds):
            turn = r % len(sides)  # each round starts with the next side: none always follows the same
            order = sides[turn:] + sides[:turn]
            for op in OPS:
                for side in order:
                    if op in getattr(result, side):
                        getattr(result, side)[op] += workers[side].batch(op, batch)
            for side, ops in EXTRA.items():
                for op in ops:
                    if op not in OPS:
                        getattr(result, side)[op] += workers[side].batch(op, batch)
        return result


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2], *sys.argv[3:4])
