"""The Lambda functions: one per operation kind, each serving every resource in every dialect.

An operation names a function (``functions/<name>/app.py``, ``<Name>Function``
in the template) and says what it may touch. Its routes are the dialects'
endpoints naming it, so ``mount`` (the function's routes) and the template's
events (``tools/template.py``) come from the same lists and cannot drift.
``mount`` reads them from ``dialects.ROUTES`` (generated from those lists) so a
function's cold start imports no dialect; each view imports its own at its first request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .dialects import HTTP_METHODS, ROUTES, allowed_at, dialect, routes_of

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

READ, WRITE = "read", "write"
NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Operation:
    """A function: what it is for and which tables it reads or writes.

    ``resources`` is its access to every declared resource's table; ``tables``
    to the others (``users``, ``uniques``, ``state``); ``secret``: it reads the
    JWT signing key.
    """

    name: str
    description: str
    resources: str | None = None
    tables: Mapping[str, str] = field(default_factory=dict)
    secret: bool = True
    memory: int | None = None
    # Routes that are no dialect's (the docs): ``(pattern, methods)`` in API Gateway syntax.
    routes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Operations whose work this function may also do (a dispatcher): it gets their access too.
    runs: tuple[str, ...] = ()


# Every authenticated request may read the caller's user, API key guard and session.
AUTH_TABLES = {"users": READ, "uniques": READ, "state": READ}
_AUTH = AUTH_TABLES

# The operations every resource shares; each dialect adds its own (auth views, methods).
OPERATIONS: tuple[Operation, ...] = (
    Operation(NOT_ALLOWED, "Methods a route does not serve: 405 with Allow, in the dialect's shape.", None, _AUTH),
    Operation("resource_list", "List any declared resource (filters, ordering, pages).", READ, _AUTH),
    Operation(
        "resource_create",
        "Create an item of any declared resource, owned by the caller.",
        WRITE,
        {**_AUTH, "uniques": WRITE, "state": WRITE},
    ),
    Operation("resource_get", "Read one item of any declared resource.", READ, _AUTH),
    Operation(
        "resource_update",
        "Replace (PUT) or partially update (PATCH) an item the caller may change.",
        WRITE,
        {**_AUTH, "uniques": WRITE},
    ),
    Operation("resource_delete", "Delete an item the caller may change.", WRITE, {**_AUTH, "uniques": WRITE}),
    Operation(
        "resource_patch_many",
        "Patch every matching item the caller may change, all or nothing.",
        WRITE,
        {**_AUTH, "uniques": WRITE},
    ),
    Operation("resource_eval", "Evaluate aggregate functions (count, sum, avg, min, max) over matches.", READ, _AUTH),
    Operation("resource_relation", "Read an item's related object, or the items related to it.", READ, _AUTH),
    Operation(
        "api_docs",
        "The OpenAPI 3.1 document and Swagger UI (page and vendored assets); no table access.",
        None,
        {},
        secret=False,
        routes=(
            ("/api/openapi.json", ("GET", "ANY")),
            ("/api/docs", ("GET", "ANY")),
            ("/api/docs/{asset}", ("GET", "ANY")),
        ),
    ),
)


def _stronger(a: str | None, b: str | None) -> str | None:
    return WRITE if WRITE in (a, b) else a or b


def _with_what_it_runs(op: Operation, by: Mapping[str, Operation]) -> Operation:
    """``op`` with the access of every operation it ``runs`` added to its own."""
    resources, tables, secret = op.resources, dict(op.tables), op.secret
    for name in op.runs:
        other = by[name]
        resources = _stronger(resources, other.resources)
        for key, level in other.tables.items():
            tables[key] = str(_stronger(tables.get(key), level))
        secret = secret or other.secret
    return replace(op, resources=resources, tables=tables, secret=secret)


def all_operations() -> tuple[Operation, ...]:
    """Every function: the shared operations, then each dialect's own (``DIALECT.operations``)."""
    from .dialects import all_dialects

    own = [op for d in all_dialects() for op in getattr(d, "operations", ())]
    found = (*OPERATIONS, *own)
    by = {op.name: op for op in found}
    return tuple(_with_what_it_runs(op, by) if op.runs else op for op in found)


def _powertools_path(pattern: str) -> str:
    """``/api/v1/{collection}`` → ``/api/v1/<collection>`` (Powertools' syntax)."""
    return pattern.replace("{", "<").replace("}", ">")


def mount(app: APIGatewayRestResolver, name: str) -> None:
    """Register operation ``name``'s routes on ``app``: each request goes to its dialect's ``handle``.

    ``HEAD`` is served as ``GET`` (API Gateway drops the body). On a catch-all
    (``ANY``) route, every method the route does not serve is refused by the
    dialect (405 with ``Allow``); OPTIONS answers a CORS preflight with the
    methods served on that path, and otherwise ``Allow``.
    """
    if name not in {op.name for op in OPERATIONS} and all(e.operation != name for _, e in ROUTES):
        raise KeyError(f"No operation named {name!r}")
    for dialect_name, endpoint in routes_of(name):
        path = _powertools_path(endpoint.pattern)
        served = [m for m in endpoint.served if m != "OPTIONS"]
        if served:
            app.route(path, method=served)(_view(app, dialect_name, name))
        if endpoint.catch_all:
            others = [m for m in HTTP_METHODS if m not in served and m != "OPTIONS"]
            app.route(path, method=others)(_view(app, dialect_name, NOT_ALLOWED))
        if endpoint.catch_all or "OPTIONS" in endpoint.served:
            app.route(path, method=["OPTIONS"])(_options_view(app, dialect_name, allowed_at(endpoint.pattern)))


def _options_view(app: APIGatewayRestResolver, dialect_name: str, methods: tuple[str, ...]) -> Callable[..., Response]:
    """A CORS preflight gets the path's methods; a plain OPTIONS is the dialect's (DRF: its metadata)."""
    from .api import is_preflight, options_response, request_of

    served = tuple(m for m in methods if m != "OPTIONS")

    def view(**params: Any) -> Response:
        request = request_of(app)
        if is_preflight(request):
            return options_response(request, served)
        answer = getattr(dialect(dialect_name), "options", None)
        if answer is None:
            return options_response(request, served)
        return answer(request, params, served)

    return view


def _view(app: APIGatewayRestResolver, dialect_name: str, operation: str) -> Callable[..., Response]:
    """The route's view; its dialect is imported at the first request it serves."""
    from .api import request_of

    def view(**params: Any) -> Response:
        request = request_of(app)
        if request.method == "HEAD":
            request.method = "GET"  # served as GET; lambda_entry drops the body
        return dialect(dialect_name).handle(operation, request, params)

    view.__name__ = f"{dialect_name}_{operation}"
    return view
