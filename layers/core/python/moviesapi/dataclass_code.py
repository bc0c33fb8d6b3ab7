"""The methods ``dataclasses`` generates, compiled when the layer is built instead of on every cold start.

A cold start makes ~38 dataclasses (ours, Powertools', botocore's, PynamoDB's); ``dataclasses``
writes each one's methods as source and compiles it with ``exec``: ~12.6 ms of a DRF get's
cold start. That source depends only on the class's declaration, so the layer build compiles
the sources recorded from the layer (``dataclass_sources.json``, ``tools/dataclass_sources.py``)
with the runtime's Python into ``dataclass_code.marshal``, and ``install`` hands ``dataclasses``
an ``exec`` that runs the compiled code for a source it holds. Any other source, or a file
written by another Python, is compiled as ``dataclasses`` would compile it.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib.util
import marshal
from pathlib import Path
from types import CodeType
from typing import Any

CODE_FILE = Path(__file__).with_name("dataclass_code.marshal")  # tools/layer_build.DATACLASS_CODE
_CODE: dict[str, CodeType] = {}
compiled_here = 0  # sources the build did not compile (another Python's dataclasses, a new class)
_reported = 0


def compiled(source: str) -> CodeType:
    """``source`` compiled as ``dataclasses``' own ``exec`` compiles it: no ``__future__`` flags inherited."""
    return compile(source, "<string>", "exec", dont_inherit=True)


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """``exec`` for ``dataclasses``: the build's code for a source it compiled, else the source compiled now."""
    if type(source) is str:
        code = _CODE.get(source)
        if code is None:
            global compiled_here
            compiled_here += 1
            code = compiled(source)
        source = code
    builtins.exec(source, globals, locals)  # noqa: S102 (dataclasses' own exec of its own generated source)


def install(path: Path = CODE_FILE) -> int:
    """Use the build's compiled methods when ``path`` holds them for this Python; how many it holds.

    The file starts with the magic number of the Python that wrote it, checked before anything
    is unmarshalled, as for a ``.pyc``: another Python's code is never loaded.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return 0  # no file (the source layer, tests): dataclasses compiles as ever
    magic = importlib.util.MAGIC_NUMBER
    if data[: len(magic)] != magic:
        return 0
    try:
        code = marshal.loads(data[len(magic) :])  # noqa: S302 (the layer's own build output, as its .pyc)
    except (ValueError, EOFError, TypeError):
        return 0
    if not isinstance(code, dict) or not code:
        return 0
    _CODE.update(code)
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # read as a global by dataclasses alone
    return len(code)


def unreported() -> int:
    """Sources compiled here since the last call: the build's code missed them (``api`` logs them once)."""
    global _reported
    missed, _reported = compiled_here - _reported, compiled_here
    return missed
