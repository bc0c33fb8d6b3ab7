"""The dataclass methods compiled at build time: current, complete for a cold start, and the very
methods ``dataclasses`` would have compiled itself (a fresh process stands for a fresh container)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import marshal
import shutil
import sys
from pathlib import Path

import pytest
from moviesapi import dataclass_code

from tests.conftest import ROOT, run_fresh
from tools import dataclass_sources, layer_build

LAYER = ROOT / "layers" / "core" / "python"


def test_the_recorded_sources_are_current() -> None:
    recorded = json.loads(dataclass_sources.SOURCES.read_text())["python"]
    if recorded != sys.version.split()[0]:
        pytest.skip(f"the sources are Python {recorded}'s dataclasses'; this is {sys.version.split()[0]}")
    assert dataclass_sources.main(["--check"]) == 0, "run make dataclass-sources"


@pytest.fixture(scope="module")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as the layer build leaves it: its recorded sources (this Python's) compiled."""
    root = tmp_path_factory.mktemp("layer") / "python"
    shutil.copytree(LAYER / "moviesapi", root / "moviesapi", ignore=shutil.ignore_patterns("__pycache__"))
    (root / layer_build.DATACLASS_SOURCES).write_text(dataclass_sources.render(dataclass_sources.record()))
    report = layer_build.Report()
    layer_build.compile_dataclass_sources(root, sys.executable, report)
    assert report.dataclass_sources > 30
    assert not (root / layer_build.DATACLASS_SOURCES).exists()  # build-time only
    assert (root / layer_build.DATACLASS_CODE).read_bytes()[:4] == importlib.util.MAGIC_NUMBER
    return root


def test_the_package_reads_the_file_the_build_writes() -> None:
    assert dataclass_code.CODE_FILE == LAYER / layer_build.DATACLASS_CODE


# Every dataclass of the layer package, as a user of it sees it: its signature, its __init__'s
# annotations and its generated methods' code; with the build's code (a plain import) or without.
DESCRIBE = r"""
import builtins, dataclasses, importlib, inspect, json, pkgutil
import moviesapi
from moviesapi import dataclass_code
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
installed = getattr(dataclasses, "exec", builtins.exec) is not builtins.exec
print(json.dumps({"classes": seen, "installed": installed, "compiled_here": dataclass_code.compiled_here}))
"""


def _with(layer: Path) -> dict[str, str]:
    return {"PYTHONPATH": f"{layer}:{ROOT}"}


def test_the_build_code_makes_the_methods_dataclasses_makes(built_layer: Path) -> None:
    plain = run_fresh(DESCRIBE)
    built = run_fresh(DESCRIBE, **_with(built_layer))
    assert not plain["installed"] and built["installed"]  # `import moviesapi` installs what the build wrote
    assert len(plain["classes"]) > 30
    assert built["classes"] == plain["classes"]
    assert built["compiled_here"] == 0  # every dataclass of the package came from the build


COLD_GET = r"""
import dataclasses, json
from moviesapi import dataclass_code
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


def test_a_cold_get_compiles_no_dataclass_method(built_layer: Path) -> None:
    seen = run_fresh(COLD_GET, **_with(built_layer))
    assert seen["status"] == 200
    assert seen["misses"] == []  # Powertools', botocore's, PynamoDB's and argon2's classes too
    assert seen["others"] > 0  # the count sees compiles (moto's): it would see the layer's


def test_a_source_the_build_did_not_compile_is_compiled_as_dataclasses_compiles_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def make() -> type:
        @dataclasses.dataclass(frozen=True)
        class Point:
            x: int
            y: str = "y"

        return Point

    plain = make()
    monkeypatch.setattr(dataclasses, "exec", getattr(dataclasses, "exec", exec), raising=False)
    monkeypatch.setattr(dataclass_code, "_CODE", {})
    monkeypatch.setattr(dataclass_code, "compiled_here", 0)
    other = {"x = 1\n": compile("x = 1\n", "<string>", "exec")}
    (tmp_path / "code.marshal").write_bytes(importlib.util.MAGIC_NUMBER + marshal.dumps(other))
    assert dataclass_code.install(tmp_path / "code.marshal") == 1
    point = make()
    assert dataclass_code.compiled_here == 1  # one source a class, compiled here
    assert point.__init__.__annotations__ == plain.__init__.__annotations__  # no __future__ flags of ours
    assert point(1) == point(1) and hash(point(1)) == hash(point(1))
    assert repr(point(1, "z")) == repr(plain(1, "z"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        point(1).x = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    "content", [b"", b"not marshal", b"\x00\x00\x0d\x0a" + marshal.dumps({}), importlib.util.MAGIC_NUMBER + b"\x00"]
)
def test_a_file_of_another_python_or_none_leaves_dataclasses_as_it_is(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "code.marshal").write_bytes(content)
    assert dataclass_code.install(tmp_path / "code.marshal") == 0
    assert dataclass_code.install(tmp_path / "absent.marshal") == 0


def test_methods_the_build_missed_are_logged_once(invoke, signup, monkeypatch, logged):
    """A runtime whose dataclasses write other source than the build recorded says so, once per batch."""
    alice = signup("alice")["access"]
    dataclass_code.unreported()  # whatever this process compiled before: not this test's
    monkeypatch.setattr(dataclass_code, "compiled_here", dataclass_code.compiled_here + 3)
    for _ in range(2):
        assert invoke("resource_get", "movie_get", token=alice, path_id="none").status == 404

    said = logged("dataclass_methods_compiled")
    assert [(line["level"], line["dataclass_methods_compiled"]) for line in said] == [("WARNING", 3)]
