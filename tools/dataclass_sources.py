"""Record the method sources ``dataclasses`` generates for the layer: ``make dataclass-sources``.

``python -m tools.dataclass_sources --write`` imports every module of the layer package
and every module it names in an import, inside functions too, in a fresh interpreter (a cold
start's imports and more: every dialect, every operation, argon2 when a password is hashed)
and writes what ``dataclasses`` compiled, sorted, with the Python that wrote it (the sources
are its ``dataclasses``'), to ``moviesapi/dataclass_sources.json``; ``--check`` fails when
that file is stale. A stale file costs only speed: a source it lacks is compiled as ever.
The sources are this virtualenv's: an upgraded dependency, or an optional import one makes
here and not in Lambda (PyJWT's of cryptography), changes them; Lambda's own botocore and a
later 3.13 may generate others (``dataclass_code.compiled_here`` counts what was compiled).
The layer build compiles them with the runtime's Python (``tools/layer_build.py``,
``moviesapi.dataclass_code``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.layer_build import DATACLASS_SOURCES

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "core" / "python"
SOURCES = LAYER / DATACLASS_SOURCES  # where the layer build looks for them

RECORD = r"""
import builtins, dataclasses, importlib, json, pkgutil, sys
seen = set()

def recording(source, globals=None, locals=None, /):
    if type(source) is str:
        seen.add(source)
    return builtins.exec(source, globals, locals)

dataclasses.exec = recording
import ast, moviesapi
from pathlib import Path
for module in pkgutil.walk_packages(moviesapi.__path__, "moviesapi."):
    importlib.import_module(module.name)
# and what the package imports inside functions (argon2 when a password is hashed, ...)
named = set()
for path in sorted(Path(moviesapi.__file__).parent.rglob("*.py")):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            named.add(node.module)
for name in sorted(named):
    importlib.import_module(name)
json.dump({"python": sys.version.split()[0], "sources": sorted(seen)}, sys.stdout)
"""


def record() -> dict[str, Any]:
    """What ``dataclasses`` compiles while every module of the layer package is imported, and by which Python."""
    env = {**os.environ, "PYTHONPATH": str(LAYER), "PYTHONHASHSEED": "0"}
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "_X_AMZN_TRACE_ID"):  # no Lambda-only paths
        env.pop(name, None)
    out = subprocess.run(  # noqa: S603 (this interpreter, our script)
        [sys.executable, "-c", RECORD], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"dataclass_sources: recording failed:\n{out.stderr[-3000:]}")
    recorded: dict[str, Any] = json.loads(out.stdout)
    return recorded


def render(recorded: dict[str, Any]) -> str:
    """The file's text: indented, so a change of one class is a readable diff."""
    return json.dumps(recorded, indent=1) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help=f"write {SOURCES.relative_to(ROOT)}")
    mode.add_argument("--check", action="store_true", help="fail when it is stale")
    args = parser.parse_args(argv)
    text = render(record())
    if args.write:
        SOURCES.write_text(text)
        return 0
    if not SOURCES.is_file() or SOURCES.read_text() != text:
        print(f"{SOURCES.relative_to(ROOT)} is stale: run make dataclass-sources", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
