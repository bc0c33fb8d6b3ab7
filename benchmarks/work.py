"""Work per request that this machine's noise does not move: instructions, and the code a request runs.

The warm section's CPU time depends on what ran between requests as much as on the
request: a request after a pause, with another process busy meanwhile (as moto is
during each call, and neighbours are on Lambda's hosts), finds its code and data out
of the CPU's caches and pays to load them again. So two figures that do not depend on
that, for ours (not sampled, as most requests are) and the floor:

- instructions per request: the same worker as the warm section (``warm.worker``) under
  valgrind's callgrind, once answering no request and once answering ``n`` of a kind;
  both import and warm up alike, so the difference divided by ``n`` is the requests'.
  Its threads and C code (botocore's, the interpreter's) are counted, moto's are not.
- code per request: the distinct Python code objects one warm request runs and their
  bytecode bytes (``warm.footprint``): what a cold cache makes a request load again.

Each worker's hash seed is fixed so that two runs of one side do the same dict work.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from benchmarks.common import ROOT, TRACE_ID, LayerPath
from benchmarks.warm import OPS, Worker, worker_env

SIDES = ("unsampled", "floor")
REQUESTS = {"get": 20, "list": 10, "create": 20, "update": 20}  # under valgrind: ~30 s a run at most
_COLLECTED = re.compile(r"Collected : (\d+)")


@dataclass
class WorkResult:
    instructions: dict[tuple[str, str], float] = field(default_factory=dict)  # (side, op) → per request
    code: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (side, op) → objects, bytes
    valgrind: bool = True


def available() -> bool:
    return shutil.which("valgrind") is not None


def collected(stderr: str) -> int:
    """The instructions callgrind counted, from its closing summary."""
    found = _COLLECTED.search(stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{stderr[-2000:]}")
    return int(found.group(1))


def _instructions(python: list[str], side: str, fixture: dict[str, str], env: dict[str, str], feed: str) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *python, "-m", "benchmarks.warm"]
    done = subprocess.run(
        [*command, side, json.dumps(fixture)], env=env, input=feed, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"the {side} worker failed under valgrind:\n{done.stderr[-2000:]}")
    return collected(done.stderr)


def measure(endpoint: str, fixture: dict[str, str]) -> WorkResult:
    result = WorkResult(valgrind=available())
    with LayerPath() as layer:
        ours = worker_env(endpoint, f"{layer.pythonpath()}:{ROOT}")
        envs = {
            "unsampled": {**ours, "_X_AMZN_TRACE_ID": TRACE_ID.replace("Sampled=1", "Sampled=0")},
            "floor": worker_env(endpoint, layer.floor_pythonpath()),
        }
        envs = {side: {**env, "PYTHONHASHSEED": "0"} for side, env in envs.items()}
        python = layer.python()
        for side in SIDES:
            with Worker(side, fixture, envs[side], python, "footprint") as worker:
                for op in OPS:
                    objects, size = worker.batch(op, 1)
                    result.code[(side, op)] = (int(objects), int(size))
        if not result.valgrind:
            return result
        runs = [(side, op) for side in SIDES for op in ("", *OPS)]
        with ThreadPoolExecutor(max_workers=2) as pool:  # valgrind runs one thread at a time: a core each
            counts = dict(
                zip(
                    runs,
                    pool.map(
                        lambda run: _instructions(
                            python, run[0], fixture, envs[run[0]], f"{run[1]} {REQUESTS[run[1]]}\n" if run[1] else ""
                        ),
                        runs,
                    ),
                    strict=True,
                )
            )
        for side in SIDES:
            for op in OPS:
                result.instructions[(side, op)] = (counts[(side, op)] - counts[(side, "")]) / REQUESTS[op]
    return result
