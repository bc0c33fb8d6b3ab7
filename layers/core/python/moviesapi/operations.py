"""The Lambda functions: one per operation kind, each serving every resource in every dialect.

An operation names a function (``functions/<name>/app.py``, ``<Name>Function``
in the template) and says what it may touch. Its routes are the dialects'
endpoints naming it, so ``mount`` (the function's routes) and the template's
events (``tools/template.py``) come from the same lists and cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from .dialects import HTTP_METHODS, Dialect, Endpoint, endpoints

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


# Every authenticated request may read the caller's user, API key guard and session.
_AUTH = {"users": READ, "uniques": READ, "state": READ}

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
        "resource_update", "Replace (PUT) or partially update (PATCH) an item the caller may change.", WRITE, _AUTH
    ),
    Operation("resource_delete", "Delete an item the caller may change.", WRITE, {**_AUTH, "uniques": WRITE}),
    Operation(
        "resource_patch_many",
        "Patch every matching item the caller may change (Flask-Restless allow_patch_many), all or nothing.",
        WRITE,
        _AUTH,
    ),
    Operation("resource_eval", "Evaluate count/sum/avg/min/max (Flask-Restless allow_functions).", READ, _AUTH),
    Operation("resource_relation", "Read an item's related object or objects (Flask-Restless).", READ, _AUTH),
    Operation(
        "register",
        "Create a user account (unique username and email).",
        None,
        {"users": WRITE, "uniques": WRITE, "state": WRITE},
        memory=1024,
    ),
    Operation(
        "token_obtain",
        "Exchange a username and password for an access/refresh token pair.",
        None,
        {"users": READ, "uniques": READ, "state": WRITE},
        memory=1024,
    ),
    Operation(
        "token_refresh",
        "Exchange a refresh token for a new access token (rotating the refresh token).",
        None,
        {"users": READ, "state": WRITE},
    ),
    Operation("token_verify", "Tell whether a token is valid.", None, {"state": READ}),
    Operation("logout", "Blacklist a refresh token (logout).", None, {"state": WRITE}),
    Operation(
        "session_login",
        "Frappe password login (usr, pwd) starting a DynamoDB-backed sid cookie session; throttled.",
        None,
        {"users": READ, "uniques": READ, "state": WRITE},
        secret=False,
        memory=1024,
    ),
    Operation(
        "session_logout",
        "End a Frappe cookie session server-side and expire its cookies.",
        None,
        {"state": WRITE},
        secret=False,
        memory=256,
    ),
    Operation(
        "generate_keys",
        "Generate the caller's API key and secret (the secret is shown once and stored hashed).",
        None,
        {"users": WRITE, "uniques": WRITE, "state": READ},
    ),
    Operation(
        "method_call", "Whitelisted Frappe methods (ping, get_logged_user; 404 for others).", None, _AUTH, memory=256
    ),
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
BY_NAME = {op.name: op for op in OPERATIONS}


def operation_endpoints(name: str) -> list[tuple[Dialect, Endpoint]]:
    """The routes ``name`` serves, in every dialect."""
    return [(d, e) for d, e in endpoints() if e.operation == name]


def _powertools_path(pattern: str) -> str:
    """``/api/v1/{collection}`` → ``/api/v1/<collection>`` (Powertools' syntax)."""
    return pattern.replace("{", "<").replace("}", ">")


def mount(app: APIGatewayRestResolver, name: str) -> None:
    """Register operation ``name``'s routes on ``app``: each request goes to its dialect's ``handle``.

    ``HEAD`` is served as ``GET`` (API Gateway drops the body). On a catch-all
    (``ANY``) route, every method the route does not serve is refused by the
    dialect (405 with ``Allow``); OPTIONS is left to the resolver's CORS preflight.
    """
    if name not in BY_NAME:
        raise KeyError(f"No operation named {name!r}")
    for dialect, endpoint in operation_endpoints(name):
        served = [m for m in endpoint.served if m != "OPTIONS"]
        if served:
            app.route(_powertools_path(endpoint.pattern), method=served)(_view(app, dialect, name))
        if endpoint.catch_all:
            others = [m for m in HTTP_METHODS if m not in served and m != "OPTIONS"]
            app.route(_powertools_path(endpoint.pattern), method=others)(_view(app, dialect, NOT_ALLOWED))


def _view(app: APIGatewayRestResolver, dialect: Dialect, operation: str) -> Callable[..., Response]:
    from .api import request_of

    def view(**params: Any) -> Response:
        request = request_of(app)
        if request.method == "HEAD":
            request.method = "GET"  # served as GET; lambda_entry drops the body
        return dialect.handle(operation, request, params)

    view.__name__ = f"{dialect.name}_{operation}"
    return view
