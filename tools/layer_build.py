"""Bring the built Lambda layer to its floor: prune, gzip, compile (run by ``layers/core/Makefile`` after pip).

``ROOT`` is the layer's ``python/`` directory (``$(ARTIFACTS_DIR)/python``) holding what pip
installed plus the ``moviesapi`` package. In order:

1. prune: the distributions the python3.13 Lambda runtime already ships (boto3, botocore,
   s3transfer, urllib3, python-dateutil, jmespath, six) and those ``--without`` names, file by
   file from their ``RECORD``; pip's ``bin/`` (console scripts; ``/opt/python/bin`` is on no
   PATH); type stubs (``*.pyi``, ``py.typed``); ``tests`` directories inside packages; whatever
   ``--drop`` names; in each ``.dist-info`` everything but ``METADATA`` (``importlib.metadata``
   needs it: argon2-cffi reads its own) and the licence files; every ``__pycache__`` (pip's are
   timestamp-checked and would be stale).
2. gzip: each file ``--gzip`` names is replaced by ``<file>.gz`` (deterministic: no name,
   mtime 0); the code reading it must accept either (see ``moviesapi.swagger``).
3. compile: every ``.py`` to ``__pycache__/<name>.<cache tag>.pyc`` with ``--python`` (its
   cache tag must be ``--cache-tag``, the runtime's) and ``--invalidation-mode
   unchecked-hash``: Lambda's ``/opt`` is read-only, so without these every cold start
   compiles the import tree; unchecked, the runtime neither reads nor hashes the source.
4. dataclasses: the method sources ``dataclasses`` generates for the package's classes
   (``moviesapi/dataclass_sources.json``, recorded by ``tools/dataclass_sources.py``) are
   compiled by ``--python`` into ``moviesapi/dataclass_code.marshal``, which
   ``moviesapi.dataclass_code`` hands to ``dataclasses`` (~12 ms of every cold start); the
   JSON is dropped.

Usage: ``python tools/layer_build.py ROOT --python python3.13 [--without DIST]... [--drop GLOB]...
[--gzip GLOB]...`` (globs relative to ``ROOT``).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

# What the python3.13 Lambda runtime puts on sys.path itself (normalised distribution names).
RUNTIME_SHIPPED = frozenset({"boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "jmespath", "six"})
CACHE_TAG = "cpython-313"  # Lambda's python3.13; a .pyc with another tag is never read
RUNTIME_PREFIX = "/opt/python"  # where Lambda mounts the layer's python/: the file names tracebacks show
LICENCE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
STUBS = ("*.pyi", "py.typed")
TEST_DIRS = ("tests", "test")


@dataclass
class Report:
    """What a build step removed, compressed and compiled (printed by ``main``)."""

    removed_distributions: list[str] = field(default_factory=list)
    removed_paths: int = 0
    gzipped: list[str] = field(default_factory=list)
    compiled: int = 0
    dataclass_sources: int = 0


def normalise(name: str) -> str:
    """PEP 503 name: ``Python_Dateutil`` → ``python-dateutil``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def distribution_name(dist_info: Path) -> str:
    """The normalised name of a ``.dist-info`` directory's distribution (``METADATA``, else the directory name)."""
    metadata = dist_info / "METADATA"
    if metadata.is_file():
        name = HeaderParser().parsestr(metadata.read_text(encoding="utf-8", errors="replace")).get("Name")
        if name:
            return normalise(name)
    return normalise(dist_info.name.removesuffix(".dist-info").split("-")[0])


def _inside(root: Path, path: Path) -> bool:
    return path.is_relative_to(root) and path != root


def _remove(path: Path) -> int:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
        return 1
    if path.exists() or path.is_symlink():
        path.unlink()
        return 1
    return 0


def _distribution_files(root: Path, dist_info: Path) -> Iterator[Path]:
    """The files a distribution installed under ``root``: its ``RECORD``, else its ``top_level.txt`` names."""
    record = dist_info / "RECORD"
    if record.is_file():
        with record.open(encoding="utf-8", newline="") as rows:
            for row in csv.reader(rows):
                if row:
                    path = (root / row[0]).resolve()
                    if _inside(root, path):  # scripts pip listed as ../../bin/... live elsewhere
                        yield path
        return
    top_level = dist_info / "top_level.txt"
    if not top_level.is_file():
        raise SystemExit(f"layer_build: {dist_info.name} has neither RECORD nor top_level.txt: cannot remove it")
    for name in top_level.read_text(encoding="utf-8").split():
        yield from (p for p in (root / name, root / f"{name}.py") if p.exists())


def _prune_empty_dirs(root: Path) -> int:
    removed = 0
    for directory in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
            removed += 1
    return removed


def remove_distributions(root: Path, names: Iterable[str], report: Report) -> None:
    """Remove every installed distribution whose normalised name is in ``names``, file by file."""
    wanted = {normalise(n) for n in names}
    for dist_info in sorted(root.glob("*.dist-info")):
        name = distribution_name(dist_info)
        if name not in wanted:
            continue
        for path in _distribution_files(root, dist_info):
            report.removed_paths += _remove(path)
        report.removed_paths += _remove(dist_info)
        report.removed_distributions.append(name)


def trim_dist_info(root: Path, report: Report) -> None:
    """Keep in each ``.dist-info`` only ``METADATA`` and licence files (``licenses/`` included)."""
    for dist_info in root.glob("*.dist-info"):
        for entry in list(dist_info.iterdir()):
            if entry.name == "METADATA" or LICENCE.match(entry.name) or (entry.is_dir() and entry.name == "licenses"):
                continue
            report.removed_paths += _remove(entry)


def remove_clutter(root: Path, drop: Sequence[str], report: Report) -> None:
    """pip's ``bin/``, stubs, tests inside packages, ``--drop`` globs and every ``__pycache__``."""
    report.removed_paths += _remove(root / "bin")
    for pattern in STUBS:
        for path in list(root.rglob(pattern)):
            report.removed_paths += _remove(path)
    for name in TEST_DIRS:  # a package's own test suite, never a top-level package that happens to be called so
        for path in list(root.rglob(name)):
            if path.is_dir() and path.parent != root:
                report.removed_paths += _remove(path)
    for pattern in drop:
        matches = list(root.glob(pattern))
        if not matches:  # harmless, but the Makefile's list has gone stale
            print(f"layer_build: warning: --drop {pattern!r} matches nothing", file=sys.stderr)
        for path in matches:
            report.removed_paths += _remove(path)
    for cache in list(root.rglob("__pycache__")):
        report.removed_paths += _remove(cache)
    for stray in [*root.rglob("*.pyc"), *root.rglob("*.pyo")]:
        report.removed_paths += _remove(stray)


def gzip_files(root: Path, patterns: Sequence[str], report: Report) -> None:
    """Replace each matching file with ``<file>.gz``, byte-for-byte reproducible."""
    for pattern in patterns:
        matches = sorted(p for p in root.glob(pattern) if p.is_file() and p.suffix != ".gz")
        if not matches:
            raise SystemExit(f"layer_build: --gzip {pattern!r} matches nothing under {root}")
        for path in matches:
            packed = path.with_name(path.name + ".gz")
            with packed.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
                out.write(path.read_bytes())
            path.unlink()
            report.gzipped.append(packed.relative_to(root).as_posix())


def cache_tag(python: str) -> str:
    result = subprocess.run(  # noqa: S603 (the interpreter the Makefile names)
        [python, "-c", "import sys; print(sys.implementation.cache_tag)"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def compile_tree(root: Path, python: str, expected_tag: str, report: Report) -> None:
    """Compile every ``.py`` with ``python`` to unchecked-hash ``.pyc``; fail if one is missing afterwards."""
    tag = cache_tag(python)
    if tag != expected_tag:
        raise SystemExit(f"layer_build: {python} writes {tag} bytecode; the runtime reads only {expected_tag}")
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    command += ["-s", str(root), "-p", RUNTIME_PREFIX, str(root)]
    subprocess.run(command, check=True)  # noqa: S603
    sources = list(root.rglob("*.py"))
    missing = [s for s in sources if not (s.parent / "__pycache__" / f"{s.stem}.{tag}.pyc").is_file()]
    if missing:
        raise SystemExit(f"layer_build: no bytecode for {len(missing)} files, e.g. {missing[0]}")
    report.compiled = len(sources)


DATACLASS_SOURCES = "moviesapi/dataclass_sources.json"  # tools/dataclass_sources.py
DATACLASS_CODE = "moviesapi/dataclass_code.marshal"  # moviesapi/dataclass_code.py reads it
_COMPILE_DATACLASSES = (
    "import importlib.util, json, marshal, sys\n"
    "sources = json.load(open(sys.argv[1], encoding='utf-8'))['sources']\n"
    "code = {s: compile(s, '<string>', 'exec', dont_inherit=True) for s in sources}\n"
    "with open(sys.argv[2], 'wb') as out:\n"
    "    out.write(importlib.util.MAGIC_NUMBER + marshal.dumps(code))\n"
)


def compile_dataclass_sources(root: Path, python: str, report: Report) -> None:
    """The recorded dataclass method sources, compiled by ``python`` (the runtime's) into one marshal file."""
    sources = root / DATACLASS_SOURCES
    if not sources.is_file():
        print(
            f"layer_build: warning: no {DATACLASS_SOURCES}: dataclasses will compile on every cold start",
            file=sys.stderr,
        )
        return
    subprocess.run([python, "-c", _COMPILE_DATACLASSES, str(sources), str(root / DATACLASS_CODE)], check=True)  # noqa: S603
    report.dataclass_sources = len(json.loads(sources.read_text(encoding="utf-8"))["sources"])
    report.removed_paths += _remove(sources)  # read at build time only


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def build(
    root: Path,
    python: str,
    *,
    without: Sequence[str] = (),
    drop: Sequence[str] = (),
    gzip_patterns: Sequence[str] = (),
    expected_tag: str = CACHE_TAG,
) -> Report:
    """Prune, gzip and compile the layer tree at ``root`` in place."""
    root = root.resolve()
    if not root.is_dir():
        raise SystemExit(f"layer_build: {root} is not a directory")
    report = Report()
    remove_distributions(root, [*RUNTIME_SHIPPED, *without], report)
    trim_dist_info(root, report)
    remove_clutter(root, drop, report)
    gzip_files(root, gzip_patterns, report)
    report.removed_paths += _prune_empty_dirs(root)
    compile_tree(root, python, expected_tag, report)
    compile_dataclass_sources(root, python, report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("root", type=Path, help="the layer's python/ directory")
    parser.add_argument("--python", required=True, help="the interpreter that compiles (the runtime's: python3.13)")
    parser.add_argument("--cache-tag", default=CACHE_TAG, help=f"the bytecode tag the runtime reads ({CACHE_TAG})")
    parser.add_argument("--without", action="append", default=[], metavar="DIST", help="also remove DIST")
    parser.add_argument("--drop", action="append", default=[], metavar="GLOB", help="also remove GLOB")
    parser.add_argument("--gzip", action="append", default=[], metavar="GLOB", help="replace GLOB with GLOB.gz")
    args = parser.parse_args(argv)
    before = tree_size(args.root)
    report = build(
        args.root,
        args.python,
        without=args.without,
        drop=args.drop,
        gzip_patterns=args.gzip,
        expected_tag=args.cache_tag,
    )
    after = tree_size(args.root)
    print(
        f"layer_build: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB; "
        f"removed {', '.join(report.removed_distributions) or 'no distributions'} "
        f"({report.removed_paths} paths); gzipped {len(report.gzipped)}; compiled {report.compiled} modules "
        f"and {report.dataclass_sources} dataclass method sources",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
