"""A change's own CPU: this working tree against another revision (``--base REV``), interleaved.

The warm ratios move by ±0.1 between runs of the same code on this machine, so a
change worth a few percent cannot be seen in them. Here both sides are the ``own``
section's workers (``warm.py``: DynamoDB's answers replayed at botocore, tracing on,
sampled) on the same dependencies (the built layer's, else the venv's); only the layer
package and the functions differ: the working tree's against REV's (``git archive``).
Each side is three processes with the same three hash seeds (``PROCESSES``); every round
runs each request kind's batches as base, tree, tree, base. The working tree against itself
(``--base HEAD``, nothing changed) reads within ±2%.

Each request kind prints both medians, the change, and the range of the per-round
changes: a change whose range straddles zero is noise. ``--live``: the workers send their
requests to the moto server instead (the ``warm`` section's workers), for a change below
botocore's ``_make_api_call`` (serializing, signing, parsing) that replayed answers skip;
the moto server's CPU is its own process's, not counted. ``--instructions``: instead of CPU
time, what callgrind counts per request on each side (``work.instructions``: one worker per
side, no noise, ~75 s; with ``--live``, botocore's work on the moto server's answers too).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from benchmarks.common import ROOT, LayerPath
from benchmarks.warm import OPS, Worker, worker_env

PACKAGE = "moviesapi"
SIDES = ("base", "tree")
# Worker processes per side, each with its own hash seed (the same seeds on both sides): one process's
# memory layout can make it a few percent faster or slower than another running the same code.
PROCESSES = 3


@dataclass
class ABResult:
    base: str
    live: bool = False
    rounds: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: {op: [] for op in OPS})
    samples: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: {side: {op: [] for op in OPS} for side in SIDES}
    )

    def median_us(self, side: str, op: str) -> float:
        return statistics.median(self.samples[side][op]) * 1e6


GIT = shutil.which("git") or "git"


def resolve(rev: str) -> str:
    """REV's commit id; SystemExit naming REV when it is none (checked before anything starts)."""
    commit = subprocess.run(
        [GIT, "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if commit.returncode != 0:
        raise SystemExit(f"--base {rev}: not a commit of this repository")
    return commit.stdout.strip()


def checkout(rev: str) -> Path:
    """REV's layer source and functions, unpacked into a new temporary directory."""
    archive = subprocess.run(
        [GIT, "archive", "--format=tar", resolve(rev), "layers/core/python", "functions"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    target = Path(tempfile.mkdtemp(prefix="bench-base-"))
    try:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


@contextmanager
def _sides(endpoint: str, base: str) -> Iterator[tuple[LayerPath, dict[str, dict[str, str]]]]:
    """The layer and each side's worker environment (that side's package and functions), REV's
    source removed afterwards."""
    source = checkout(base)
    try:
        with LayerPath() as layer:
            envs = {}
            for side, root in (("base", source), ("tree", ROOT)):
                path = layer.with_package(PACKAGE, root / "layers" / "core" / "python" / PACKAGE)
                envs[side] = {**worker_env(endpoint, f"{path}:{ROOT}"), "BENCH_FUNCTIONS": str(root / "functions")}
            yield layer, envs
    finally:
        shutil.rmtree(source, ignore_errors=True)


def instructions(
    endpoint: str, fixture: dict[str, str], base: str, *, live: bool = False
) -> dict[tuple[str, str], float]:
    """(side, op) → instructions per request, REV's and the working tree's."""
    from benchmarks import work

    with _sides(endpoint, base) as (layer, envs):
        runs = {side: work.Run("ours", envs[side], "" if live else "canned") for side in SIDES}
        return work.instructions(layer.python(), fixture, runs)


def instructions_report(counts: dict[tuple[str, str], float], base: str, live: bool) -> str:
    answers = "against the moto server" if live else "DynamoDB's answers replayed"
    lines = [
        f"instructions per request (callgrind), this working tree against {base} ({answers}; tracing on, sampled)",
        "",
        f"| request | {base} | working tree | change |",
        "|---|---|---|---|",
    ]
    for op in OPS:
        old, new = counts[("base", op)], counts[("tree", op)]
        lines.append(f"| {op} | {old / 1e6:.3f} M | {new / 1e6:.3f} M | {new / old - 1:+.2%} |")
    return "\n".join(lines)


def measure(
    endpoint: str, fixture: dict[str, str], base: str, rounds: int, batch: int, *, live: bool = False
) -> ABResult:
    """Both sides' workers (canned, or ``live`` against the moto server), ``rounds`` rounds of every
    request kind, each round's batches in the order base, tree, tree, base (neither side always first)."""
    with _sides(endpoint, base) as (layer, envs), ExitStack() as running:
        workers: dict[str, list[Worker]] = {side: [] for side in SIDES}
        # Started in turns: each records its answers after its warm-up writes, from the same table.
        for seed in range(PROCESSES):  # the same hash seeds on both sides
            for side in SIDES:
                env = {**envs[side], "PYTHONHASHSEED": str(seed)}
                workers[side].append(
                    running.enter_context(Worker("ours", fixture, env, layer.python(), "" if live else "canned"))
                )
        result = ABResult(base, live)
        for _ in range(rounds):
            for op in OPS:
                cpu: dict[str, list[float]] = {side: [] for side in SIDES}
                for side in (*SIDES, *reversed(SIDES)):
                    cpu[side] += [t for worker in workers[side] for t in worker.batch(op, batch)]
                for side in SIDES:
                    result.samples[side][op] += cpu[side]
                result.rounds[op].append((statistics.median(cpu["base"]), statistics.median(cpu["tree"])))
        return result


def report(result: ABResult, rounds: int, batch: int) -> str:
    what, answers = ("CPU", "against the moto server") if result.live else ("own CPU", "DynamoDB's answers replayed")
    lines = [
        f"{what} per request, this working tree against {result.base} ({answers}; "
        f"{rounds} rounds; a side's round: 2 batches x {PROCESSES} processes x {batch} requests; medians; "
        "tracing on, sampled)",
        "",
        f"| request | {result.base} µs | working tree µs | change | per-round changes |",
        "|---|---|---|---|---|",
    ]
    for op in OPS:
        base, tree = result.median_us("base", op), result.median_us("tree", op)
        changes = [t / b - 1 for b, t in result.rounds[op]]
        spread = f"{min(changes):+.1%} to {max(changes):+.1%}"
        lines.append(f"| {op} | {base:.0f} | {tree:.0f} | {tree / base - 1:+.1%} | {spread} |")
    return "\n".join(lines)
