"""The dataclass methods compiled at build time: current, complete for a cold start, and the very
methods ``dataclasses`` would have compiled itself (a fresh process stands for a fresh container)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import run_fresh
from tools import dataclass_sources, layer_build

RECORDED = json.loads(dataclass_sources.SOURCES.read_text())
SAME_PYTHON = pytest.mark.skipif(
    RECORDED["python"] != sys.version.split()[0],
    reason=f"the sources are Python {RECORDED['python']}'s dataclasses'; this is {sys.version.split()[0]}",
)


@pytest.fixture(scope="module")
def code_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The marshal file the layer build makes from the committed sources, with this Python."""
    root = tmp_path_factory.mktemp("layer")
    (root / "moviesapi").mkdir()
    (root / layer_build.DATACLASS_SOURCES).write_text(dataclass_sources.SOURCES.read_text())
    report = layer_build.Report()
    layer_build.compile_dataclass_sources(root, sys.executable, report)
    assert report.dataclass_sources == len(RECORDED["sources"])
    assert not (root / layer_build.DATACLASS_SOURCES).exists()  # build-time only
    return root / layer_build.DATACLASS_CODE


@SAME_PYTHON
def test_the_recorded_sources_are_current() -> None:
    assert dataclass_sources.main(["--check"]) == 0, "run make dataclass-sources"


# Every dataclass of the layer package, as a user of it sees it: its signature, its __init__'s
# annotations, and its generated methods' code; with the build's code installed or not.
DESCRIBE = r"""
import dataclasses, importlib, inspect, json, pkgutil, sys
from pathlib import Path
from moviesapi import dataclass_code
misses = []
if len(sys.argv) > 1:
    assert dataclass_code.install(Path(sys.argv[1])) > 0
    held = dataclasses.exec
    dataclasses.exec = lambda source, g, n: misses.append(g["__name__"]) or held(source, g, n) \
        if source not in dataclass_code._CODE else held(source, g, n)
import moviesapi
seen = {}
def consts(code):  # a frozenset of field names iterates in its own order in each process
    return repr([sorted(c) if isinstance(c, frozenset) else c for c in code.co_consts])
for module in pkgutil.walk_packages(moviesapi.__path__, "moviesapi."):
    for cls in vars(importlib.import_module(module.name)).values():
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.name:
            methods = {n: f.__code__ for n in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__")
                       if isinstance(f := cls.__dict__.get(n), type(lambda: 0))}
            seen[cls.__module__ + "." + cls.__qualname__] = {
                "signature": str(inspect.signature(cls)),
                "annotations": repr(cls.__init__.__annotations__),
                "code": {n: [c.co_code.hex(), consts(c), c.co_names, c.co_varnames] for n, c in methods.items()},
            }
print(json.dumps({"classes": seen, "misses": misses}))
"""


@SAME_PYTHON
def test_the_build_code_makes_the_methods_dataclasses_makes(code_file: Path) -> None:
    plain = run_fresh(DESCRIBE)
    built = run_fresh(DESCRIBE, str(code_file))
    assert len(plain["classes"]) > 30
    assert built["classes"] == plain["classes"]
    assert built["misses"] == []  # every dataclass of the package came from the build


COLD_GET = r"""
import json, sys
from pathlib import Path
import dataclasses
from moviesapi import dataclass_code
assert dataclass_code.install(Path(sys.argv[1])) > 0
misses = []  # the modules of classes whose methods were compiled on the way
held = dataclasses.exec
dataclasses.exec = lambda source, g, n: misses.append(g.get("__name__", "?")) or held(source, g, n) \
    if source not in dataclass_code._CODE else held(source, g, n)
from moto import mock_aws
with mock_aws():
    from moviesapi.models import ensure_tables
    ensure_tables()
    from tests.conftest import first_own_movie_get, load_function
    reply = first_own_movie_get(load_function("resource_get").lambda_handler)
layer = ("moviesapi", "aws_lambda_powertools", "pynamodb", "botocore", "boto3", "jwt", "argon2")
ours = sorted({m for m in misses if m.split(".")[0] in layer})  # moto's and the tests' own are not the layer's
print(json.dumps({"status": reply["statusCode"], "misses": ours, "others": len(misses) - len(ours)}))
"""


@SAME_PYTHON
def test_a_cold_get_compiles_no_dataclass_method(code_file: Path) -> None:
    seen = run_fresh(COLD_GET, str(code_file))
    assert seen["status"] == 200
    assert seen["misses"] == []  # Powertools', botocore's and PynamoDB's classes too
    assert seen["others"] > 0  # the count sees compiles (moto's): it would see the layer's


def test_without_the_file_dataclasses_compiles_as_ever(tmp_path: Path) -> None:
    from moviesapi import dataclass_code

    assert dataclass_code.install(tmp_path / "absent.marshal") == 0
    (tmp_path / "other.marshal").write_bytes(b"not marshal")
    assert dataclass_code.install(tmp_path / "other.marshal") == 0
