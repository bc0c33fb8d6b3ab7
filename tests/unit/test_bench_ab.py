"""``make bench --only ab --base REV``: the other side really runs REV's package on this tree's dependencies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import ab
from benchmarks.common import ROOT, LayerPath
from benchmarks.warm import OPS


def test_checkout_unpacks_the_revisions_layer_package_and_functions() -> None:
    source = ab.checkout("HEAD")
    try:
        committed = subprocess.run(
            ["git", "show", "HEAD:layers/core/python/moviesapi/api.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert (source / "layers/core/python/moviesapi/api.py").read_text() == committed
        assert (source / "functions/resource_get/app.py").is_file()
    finally:
        shutil.rmtree(source)


def test_an_unknown_revision_is_refused() -> None:
    with pytest.raises(SystemExit, match="not a commit"):
        ab.checkout("no-such-revision-0123")


def test_the_overlay_imports_the_other_package_and_keeps_the_rest(tmp_path: Path) -> None:
    other = tmp_path / "moviesapi"
    other.mkdir()
    (other / "__init__.py").write_text("WHO = 'other'\n")
    with LayerPath() as layer:
        path = layer.with_package("moviesapi", other)
        probe = "import moviesapi, pynamodb; print(moviesapi.WHO, pynamodb.__name__)"
        out = subprocess.run(
            [*layer.python(), "-c", probe],
            env={**os.environ, "PYTHONPATH": path},
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.split() == ["other", "pynamodb"]
    assert not Path(path.split(os.pathsep)[0]).exists()  # close() removes the overlay


def test_the_report_gives_each_request_its_change_and_per_round_range() -> None:
    result = ab.ABResult("HEAD~1")
    for op in OPS:
        result.samples["base"][op] = [100e-6, 100e-6]
        result.samples["tree"][op] = [90e-6, 90e-6]
        result.rounds[op] = [(100e-6, 95e-6), (100e-6, 85e-6)]
    lines = ab.report(result, 2, 1).splitlines()
    assert "| get | 100 | 90 | -10.0% | -15.0% to -5.0% |" in lines


def test_the_instructions_report_gives_each_request_its_change() -> None:
    counts = {(side, op): (1e6 if side == "base" else 0.9e6) for side in ab.SIDES for op in OPS}
    lines = ab.instructions_report(counts, "HEAD~1", live=True).splitlines()
    assert "| get | 1.000 M | 0.900 M | -10.00% |" in lines
    assert "against the moto server" in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "ab", "--base", "no-such-revision-0123"], "not a commit"),
        (["--only", "ab"], "needs --base"),
        (["--only", "layer", "--base", "HEAD"], "add ab to --only"),
        (["--only", "layer", "--instructions"], "add ab to --only"),
        (["--only", "layer", "--pause", "10"], "add warm or own to --only"),
    ],
)
def test_a_wrong_ab_request_stops_before_anything_runs(args: list[str], message: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode != 0
    assert message in out.stderr
    assert "moto" not in out.stdout  # no section started
