"""Generate ``template.yaml`` from the registry: ``make template`` (``python -m tools.template --write``).

The stack is derived, never hand-kept:

- one ``AWS::DynamoDB::Table`` per model in ``moviesapi.models.all_models()``
  (the infrastructure tables and one per declared resource), its keys and
  indexes read from the PynamoDB model, and a ``<KEY>_TABLE`` variable for it;
- one function per operation (``moviesapi.operations.all_operations()``: shared and per dialect), its policies
  from the tables it may read or write, its events from the dialects'
  endpoints (plus the docs routes the docs operation declares);
- a fixed preamble (parameters, globals, the REST API, the layer, the secret).

Adding a resource adds a table and nothing else: the routes are parameterised
(``/api/v1/{collection}``), so no route, event or function is new.

No path mixes ``ANY`` with specific methods: API Gateway prefers the specific
method, but SAM CLI (``sam local start-api``, ``make run``) picks between them by
set order, which varies from run to run. The 405 routes list their methods one by
one, and ``check_routes`` refuses an ``ANY`` that shares its path with another
function, so both gateways route every request alike.

This module is the entry point and the generator's public face (tests and
``events/generate.py`` import from it); the parts live in ``tools.templating``:
``routes`` (routes, API Gateway matching, the checks), ``tables`` (one per model),
``functions`` (policies and events per operation), ``document`` (the preamble and
``build``), ``emit`` (the YAML text) and ``cfn`` (logical ids and intrinsics).

Run from the repository root: ``python -m tools.template`` prints the template,
``--write`` writes ``template.yaml``, ``--check`` fails when it is stale.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Sequence

from tools.templating import LAYER, ROOT
from tools.templating.cfn import API, LAYER_ID, SECRET, Tag, camel, event_name, function_id, ref, table_id, to_cfn
from tools.templating.document import (
    BINARY_MEDIA_TYPES,
    DESCRIPTION,
    MINIMUM_COMPRESSION_SIZE,
    Document,
    api_resource,
    build,
    globals_section,
    layer_resource,
    outputs,
    preamble_parameters,
    secret_resource,
)
from tools.templating.emit import HEADER, LINE_WIDTH, block, flow, render, scalar
from tools.templating.functions import READ, WRITE, WRITE_METHODS, function_resource, table_access
from tools.templating.routes import (
    ANY,
    DOCS_SOURCE,
    METHOD_ORDER,
    Event,
    Route,
    all_routes,
    check_order,
    check_routes,
    dialect_routes,
    function_events,
    function_order,
    match,
    operation_routes,
    segments,
)
from tools.templating.tables import Table, table_resource, tables, ttl_attribute

TEMPLATE_PATH = ROOT / "template.yaml"

__all__ = [
    "ANY",
    "API",
    "BINARY_MEDIA_TYPES",
    "DESCRIPTION",
    "DOCS_SOURCE",
    "HEADER",
    "LAYER",
    "LAYER_ID",
    "LINE_WIDTH",
    "METHOD_ORDER",
    "MINIMUM_COMPRESSION_SIZE",
    "READ",
    "ROOT",
    "SECRET",
    "TEMPLATE_PATH",
    "WRITE",
    "WRITE_METHODS",
    "Document",
    "Event",
    "Route",
    "Table",
    "Tag",
    "all_routes",
    "api_resource",
    "block",
    "build",
    "camel",
    "check_order",
    "check_routes",
    "dialect_routes",
    "event_name",
    "flow",
    "function_events",
    "function_id",
    "function_order",
    "function_resource",
    "generate",
    "globals_section",
    "layer_resource",
    "main",
    "match",
    "operation_routes",
    "outputs",
    "preamble_parameters",
    "ref",
    "render",
    "scalar",
    "secret_resource",
    "segments",
    "table_access",
    "table_id",
    "table_resource",
    "tables",
    "to_cfn",
    "ttl_attribute",
]


def generate(routes: Sequence[Route] | None = None) -> str:
    """The template text: ``build`` then ``render``."""
    return render(build(routes))


def _write_route_table() -> None:
    """The functions' route table (``moviesapi.dialects.ROUTES``) comes from the same endpoint lists."""
    import subprocess

    from moviesapi import dialects

    dialects.write_routes()
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", dialects.__file__], check=False)  # noqa: S603


def main(argv: Sequence[str] | None = None) -> int:
    """Print the template, ``--write`` it, or ``--check`` that the committed file is current."""
    parser = argparse.ArgumentParser(prog="python -m tools.template", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write {TEMPLATE_PATH.name} (default: print it)")
    action.add_argument("--check", action="store_true", help=f"exit 1 when {TEMPLATE_PATH.name} is stale")
    args = parser.parse_args(argv)
    from moviesapi.registry import CATALOG_ENV

    extra = os.environ.get(CATALOG_ENV, "").strip()
    if extra and (args.write or args.check):
        parser.error(f"{CATALOG_ENV}={extra} declares resources the deployed layer does not: unset it")
    text = generate()
    if args.write:
        if not TEMPLATE_PATH.exists() or TEMPLATE_PATH.read_text() != text:
            TEMPLATE_PATH.write_text(text)
        _write_route_table()
        return 0
    if args.check:
        current = TEMPLATE_PATH.read_text() if TEMPLATE_PATH.exists() else ""
        if current == text:
            return 0
        diff = difflib.unified_diff(current.splitlines(True), text.splitlines(True), "template.yaml", "generated")
        sys.stderr.writelines(diff)
        sys.stderr.write("template.yaml is stale: run `make template`\n")
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
