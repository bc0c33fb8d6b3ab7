"""Packages whose ``__init__`` only re-exports names, imported name by name on first use.

Why: a package ``__init__`` runs whole before any of its submodules. Powertools'
``event_handler`` imports every resolver there (AppSync with asyncio, Bedrock, VPC
Lattice, HTTP...), ``utilities.data_classes`` every event class, ``openapi`` its
merge tool: a function serving API Gateway paid for all of them on each cold start.

``defer(package)`` puts the package in ``sys.modules`` without running its
``__init__``; a name it re-exports is resolved on first access by importing the one
submodule the ``__init__`` takes it from (read from the package's own source, so an
upgrade that moves a name is followed, not hand-kept). A package whose ``__init__``
does anything but import names, and set ``__all__``, is imported as usual.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Callable
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

Sources = dict[str, tuple[str, str]]  # exported name → (module it comes from, its name there)


def defer(*packages: str) -> None:
    """Import each of ``packages`` without its ``__init__`` when that only re-exports (else: untouched)."""
    for name in packages:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)  # imports the parent package, as an import would
        if spec is None or spec.submodule_search_locations is None or spec.loader is None:
            continue
        plan = reexports(spec)
        if plan is None:
            continue
        sources, exported = plan
        module = importlib.util.module_from_spec(spec)
        submodules = _submodules(spec)
        module.__getattr__ = _resolver(module, sources, exported, submodules)  # type: ignore[attr-defined]
        names = frozenset({*sources, *(exported or ())})
        module.__dir__ = lambda m=module, n=names: sorted({*vars(m), *n})  # type: ignore[misc]
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)
        # A name that is also a submodule's (``from .event_source import event_source``): importing that
        # submodule would bind the module under the name before any lookup; the __init__ rebinds it at once.
        for exported_name in sorted(sources.keys() & submodules):
            origin, original = sources[exported_name]
            if origin != name:
                setattr(module, exported_name, getattr(importlib.import_module(origin), original))


def reexports(spec: ModuleSpec) -> tuple[Sources, list[str] | None] | None:
    """Where the package's ``__init__`` takes each name from, and its ``__all__``; None if it does more."""
    get_source = getattr(spec.loader, "get_source", None)
    source = get_source(spec.name) if callable(get_source) else None
    if not source:
        return None
    sources: Sources = {}
    exported: list[str] | None = None
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom) and not any(alias.name == "*" for alias in node.names):
            origin = importlib.util.resolve_name("." * node.level + (node.module or ""), spec.name)
            for alias in node.names:
                sources[alias.asname or alias.name] = (origin, alias.name)
            continue
        if _is_all(node):
            exported = list(ast.literal_eval(node.value))  # type: ignore[attr-defined]
            continue
        return None  # a statement with effects: the package runs its __init__ as usual
    return sources, exported


def _submodules(spec: ModuleSpec) -> frozenset[str]:
    """What ``import package.<name>`` finds, from the package's directories: its modules, its
    subpackages and (as the import system does) any other directory, as a namespace package."""
    suffixes = tuple(importlib.machinery.all_suffixes())
    names: set[str] = set()
    for folder in spec.submodule_search_locations or ():
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name if entry.is_dir() else entry.name.split(".", 1)[0]
                if (entry.is_dir() or entry.name.endswith(suffixes)) and name.isidentifier():
                    names.add(name)
    return frozenset(n for n in names if not n.startswith("__"))


def _is_all(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["__all__"]
        and isinstance(node.value, ast.List | ast.Tuple)
    )


def _resolver(
    module: ModuleType, sources: Sources, exported: list[str] | None, submodules: frozenset[str]
) -> Callable[[str], Any]:
    package = module.__name__

    def __getattr__(name: str) -> Any:
        if name == "__all__" and exported is not None:
            value: Any = exported
        elif name in sources:
            origin, original = sources[name]
            value = (
                importlib.import_module(f"{package}.{original}")
                if origin == package
                else getattr(importlib.import_module(origin), original)
            )
        elif name in submodules:
            value = importlib.import_module(f"{package}.{name}")  # ``from package import submodule``
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(module, name, value)
        return value

    return __getattr__
