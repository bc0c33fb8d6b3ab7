"""``make bench``'s warm and own sections: no side's figure depends on its place in a round."""

from __future__ import annotations

import pytest

from benchmarks import warm
from tests.unit.bench_support import StandInLayer, StandInWorker


@pytest.mark.parametrize("canned", [False, True])
def test_each_round_starts_with_the_next_side(canned: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, str]] = []

    class _Worker(StandInWorker):
        def batch(self, op: str, n: int) -> list[float]:
            sent.append((self.side, op))
            return [1e-3] * n

    monkeypatch.setattr(warm, "LayerPath", StandInLayer)
    monkeypatch.setattr(warm, "Worker", _Worker)
    sides = ("ours", "floor", "anchor") if canned else warm.SIDES
    warm.measure("http://127.0.0.1:1", {}, rounds=len(sides), batch=2, canned=canned)

    get_order = [side for side, op in sent if op == "get"]
    rounds = [get_order[i : i + len(sides)] for i in range(0, len(get_order), len(sides))]
    firsts = [r[0] for r in rounds if len(r) == len(sides)]
    assert sorted(firsts) == sorted(sides)  # every side leads one round
    assert all(sorted(r) == sorted(sides) for r in rounds)  # and each round runs every side once
