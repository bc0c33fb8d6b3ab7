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
``instructions`` also serves ``ab --instructions`` (two revisions instead of two sides).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from benchmarks.common import LayerPath
from benchmarks.warm import COUNTING_ENV, OPS, Worker, side_envs

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


@dataclass(frozen=True)
class Run:
    """One worker to count: ``warm.worker``'s side, its environment and mode ("" or "canned")."""

    side: str
    env: dict[str, str]
    mode: str = ""


def _instructions(python: list[str], fixture: dict[str, str], run: Run, op: str) -> int:
    """What callgrind counts in a worker answering ``REQUESTS[op]`` requests of kind ``op`` ("": none)."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *python, "-m", "benchmarks.warm"]
    done = subprocess.run(
        [*command, run.side, json.dumps(fixture), run.mode],
        env={**run.env, "PYTHONHASHSEED": "0", COUNTING_ENV: "1"},  # the same dict work in both runs
        input=f"{op} {REQUESTS[op]}\n" if op else "",
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"the {run.side} worker failed under valgrind:\n{done.stderr[-2000:]}")
    return collected(done.stderr)


def instructions(python: list[str], fixture: dict[str, str], runs: dict[str, Run]) -> dict[tuple[str, str], float]:
    """(label, op) → instructions per request: each run answering ``op`` minus the same run answering none."""
    jobs = [(label, op) for label in runs for op in ("", *OPS)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # valgrind runs one thread at a time: a core each
        counted = pool.map(lambda job: _instructions(python, fixture, runs[job[0]], job[1]), jobs)
        counts = dict(zip(jobs, counted, strict=True))
    return {(label, op): (counts[(label, op)] - counts[(label, "")]) / REQUESTS[op] for label in runs for op in OPS}


def measure(endpoint: str, fixture: dict[str, str]) -> WorkResult:
    result = WorkResult(valgrind=available())
    with LayerPath() as layer:
        envs = side_envs(endpoint, layer)
        runs = {side: Run(side, envs[side]) for side in SIDES}
        python = layer.python()
        for side in SIDES:
            with Worker(side, fixture, runs[side].env, python, "footprint") as worker:
                for op in OPS:
                    objects, size = worker.batch(op, 1)
                    result.code[(side, op)] = (int(objects), int(size))
        if result.valgrind:
            result.instructions = instructions(python, fixture, runs)
    return result
