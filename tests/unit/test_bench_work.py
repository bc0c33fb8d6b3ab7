"""``make bench``'s work section: instructions per request are a difference of two runs; code is counted once."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from benchmarks import report, warm, work
from tests.unit.bench_support import StandInLayer, StandInWorker

CALLGRIND_TAIL = """==123== Events    : Ir
==123== Collected : 1845658181
==123==
==123== I   refs:      1,845,658,181
"""


def _leaf(x: int) -> int:
    return x + 1


def _middle(x: int) -> int:
    return _leaf(x) + _leaf(x)


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": str(_middle(event["n"]))}


def test_callgrind_count_is_read_from_its_summary() -> None:
    assert work.collected(CALLGRIND_TAIL) == 1_845_658_181
    with pytest.raises(RuntimeError, match="no count"):
        work.collected("valgrind: command not found")


def test_footprint_counts_each_code_object_a_request_runs_once() -> None:
    objects, size = warm.footprint(_handler, {"n": 1})
    ran = (_handler.__code__, _middle.__code__, _leaf.__code__)
    assert objects == len(ran)  # _leaf runs twice, counts once; the bench's own context is not counted
    assert size == sum(len(code.co_code) for code in ran)


class _Worker(StandInWorker):
    def batch(self, op: str, n: int) -> list[int]:
        return [100 if self.side == "floor" else 150, 1000 * (1 + warm.OPS.index(op))]


@pytest.mark.parametrize("valgrind", [True, False])
def test_instructions_are_the_requests_run_minus_the_idle_run(valgrind: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    idle = {"unsampled": 7_000_000, "floor": 5_000_000}
    per_request = {("unsampled", op): 1e6 * (i + 1) for i, op in enumerate(warm.OPS)}
    per_request |= {("floor", op): 2e6 * (i + 1) for i, op in enumerate(warm.OPS)}
    ran: list[tuple[str, str]] = []

    def valgrind_run(command: list[str], *, env: dict[str, str], input: str, **_: Any) -> Any:
        assert command[:2] == ["valgrind", "--tool=callgrind"]
        # Both runs of a side do the same dict work, with the collector and the GIL's hand-offs steadied.
        assert env["PYTHONHASHSEED"] == "0" and env[warm.COUNTING_ENV] == "1"
        side = command[command.index("benchmarks.warm") + 1]
        op, n = input.split() if input else ("", "0")
        ran.append((side, op))
        counted = idle[side] + int(n) * int(per_request.get((side, op), 0))
        return subprocess.CompletedProcess(command, 0, "", f"==1== Collected : {counted}\n")

    monkeypatch.setattr(work, "LayerPath", StandInLayer)
    monkeypatch.setattr(work, "Worker", _Worker)
    monkeypatch.setattr(work.subprocess, "run", valgrind_run)
    monkeypatch.setattr(work, "available", lambda: valgrind)
    result = work.measure("http://127.0.0.1:1", {})

    assert result.code[("floor", "create")] == (100, 3000)
    rows: list[report.Row] = []
    text = report.work_section(result, rows)
    if not valgrind:
        assert ran == [] and result.instructions == {} and rows == []
        assert "no valgrind" in text
        return
    assert sorted(ran) == sorted((side, op) for side in work.SIDES for op in ("", *warm.OPS))
    assert result.instructions == per_request
    get = next(r for r in rows if r.figure.endswith(": get"))
    assert (get.ours, get.floor, get.ratio) == ("1.00 M", "2.00 M", "0.50x (code run 1.50x)")
