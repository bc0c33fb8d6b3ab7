"""Wire dialects: thin adapters that translate their framework's syntax to the core and back.

Every dialect module exposes ``DIALECT``, an object with this contract:

- ``name`` and ``prefixes``: the URL prefixes it owns (the longest match wins;
  the ``DIALECTS`` table below is their one source);
- ``operations``: the functions only it has (auth views, whitelisted methods);
- ``endpoints``: the API Gateway routes it serves, each naming the operation
  (the Lambda function) that serves it; ``ANY`` sends every other method on
  that path to the same function, which refuses it in the dialect's shape;
- ``handle(operation, request, params)``: serve one request;
- ``error_response(request, exc)``: a core error in the dialect's shape;
- optionally ``options(request, params, methods)``: its answer to a plain OPTIONS
  (DRF's metadata); otherwise ``Allow`` and no body;
- ``url_patterns()``: the suffix-aware routes of every resource it serves
  (format suffixes, ``Allow``, the browsable API's forms and links);
- ``contribute_openapi(builder)``: its paths and schemas in the OpenAPI document.

Routes are parameterised (``/api/v1/{collection}``): a new resource needs no
new route, and the template, the functions and OpenAPI all read these lists.
A function mounts its routes from ``ROUTES``, the same lists generated into this
file (``write_routes``; a unit test fails while it is stale), so its cold start
imports no dialect: a request imports only the dialect owning its path.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response

    from ..errors import ApiError
    from ..formats import Route
    from ..http import Request


@dataclass(frozen=True)
class DialectInfo:
    """What is known of a dialect without importing it: its module, URL prefixes (and whole paths it owns),
    CORS request headers."""

    module: str
    prefixes: tuple[str, ...]
    cors_headers: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


# Only this table is read to pick a dialect for a path, so a request imports the one dialect it needs.
DIALECTS: dict[str, DialectInfo] = {
    "drf": DialectInfo(f"{__name__}.drf", ("/api/v1/",)),
    "frappe": DialectInfo(
        f"{__name__}.frappe", ("/api/resource/", "/api/method/"), ("X-Frappe-CSRF-Token",), paths=("/",)
    ),
    "restless": DialectInfo(f"{__name__}.restless", ("/api/",)),
}
DEFAULT_DIALECT = "drf"

ANY = "ANY"
REFUSER = "not_allowed"  # the operation that answers the methods no other serves
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class Endpoint:
    """An API Gateway route: ``pattern`` (``/api/v1/{collection}``), its methods, the operation serving them."""

    operation: str
    pattern: str
    methods: tuple[str, ...]

    @property
    def catch_all(self) -> bool:
        return ANY in self.methods

    @property
    def served(self) -> tuple[str, ...]:
        return tuple(m for m in self.methods if m != ANY)


class Dialect(Protocol):
    name: str
    prefixes: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]

    def handle(self, operation: str, request: Request, params: Mapping[str, str]) -> Response: ...

    def error_response(self, request: Request, exc: ApiError) -> Response: ...

    def url_patterns(self) -> tuple[Route, ...]: ...

    def contribute_openapi(self, builder: Any) -> None: ...


def refusing_the_rest(served: tuple[Endpoint, ...], refuser: str = REFUSER) -> tuple[Endpoint, ...]:
    """``served`` plus, per path, one route taking every method no operation serves there.

    Those methods are listed one by one rather than as ``ANY``: API Gateway lets a
    specific method beat ``ANY`` on a path, but SAM CLI's local gateway (``sam
    local start-api`` and ``make run``) picks between them by set order, so a path
    never mixes the two. OPTIONS is among them (the CORS preflight is answered there).
    """
    out = list(served)
    for pattern in dict.fromkeys(e.pattern for e in served):
        taken = {m for e in served if e.pattern == pattern for m in e.methods}
        if ANY in taken:
            continue
        rest = tuple(m for m in HTTP_METHODS if m not in taken)
        if rest:
            out.append(Endpoint(refuser, pattern, rest))
    return tuple(out)


_LOADED: dict[str, Dialect] = {}


def dialect(name: str) -> Dialect:
    """The dialect called ``name``, imported on first use (every request asks, several times)."""
    found = _LOADED.get(name)
    if found is None:
        found = _LOADED[name] = importlib.import_module(DIALECTS[name].module).DIALECT
    return found


def all_dialects() -> list[Dialect]:
    return [dialect(name) for name in DIALECTS]


@functools.lru_cache(maxsize=1024)  # asked several times per request, about few distinct paths
def dialect_name_for(path: str) -> str:
    """The dialect owning ``path``: the one owning the whole path, else the one with the longest matching prefix."""
    for name, info in DIALECTS.items():
        if path in info.paths:
            return name
    normalized = path.rstrip("/") + "/"
    best, length = DEFAULT_DIALECT, -1
    for name, info in DIALECTS.items():
        for prefix in info.prefixes:
            if normalized.startswith(prefix) and len(prefix) > length:
                best, length = name, len(prefix)
    return best


def cors_request_headers() -> tuple[str, ...]:
    """Request headers some dialect reads, which a cross-origin browser must be allowed to send."""
    return tuple(h for info in DIALECTS.values() for h in info.cors_headers)


def dialect_for(path: str) -> Dialect:
    return dialect(dialect_name_for(path))


def endpoints() -> list[tuple[Dialect, Endpoint]]:
    """Every route of every dialect, with its dialect."""
    return [(d, e) for d in all_dialects() for e in d.endpoints]


def _served_at(routes: Iterable[tuple[Any, Endpoint]], pattern: str) -> tuple[str, ...]:
    """The methods some operation serves at ``pattern`` among ``routes`` (what an ``Allow`` header lists)."""
    found = {m for _, e in routes if e.pattern == pattern and e.operation != REFUSER for m in e.served}
    return tuple(m for m in HTTP_METHODS if m in found)


def methods_at(pattern: str) -> tuple[str, ...]:
    """The methods served at ``pattern``, from the dialects themselves (importing all three)."""
    return _served_at(endpoints(), pattern)


def routes_of(operation: str) -> list[tuple[str, Endpoint]]:
    """The routes ``operation``'s function serves, with their dialect's name, from ``ROUTES`` (no import)."""
    return [(name, e) for name, e in ROUTES if e.operation == operation]


def allowed_at(pattern: str) -> tuple[str, ...]:
    """``methods_at`` read from ``ROUTES``: what a function answers OPTIONS with, no dialect imported."""
    return _served_at(ROUTES, pattern)


def live_routes() -> tuple[tuple[str, Endpoint], ...]:
    """Every dialect's endpoints as they are now (importing all three): what ``ROUTES`` must equal."""
    return tuple((d.name, e) for d, e in endpoints())


def write_routes() -> None:
    """Regenerate ``ROUTES`` below from the dialects (then ``ruff format`` this file)."""
    import re
    from pathlib import Path

    lines = [f"    ({name!r}, Endpoint({e.operation!r}, {e.pattern!r}, {e.methods!r}))," for name, e in live_routes()]
    table = "ROUTES: tuple[tuple[str, Endpoint], ...] = (\n" + "\n".join(lines).replace("'", '"') + "\n)\n"
    path = Path(__file__)
    source = path.read_text()
    pattern = re.compile(r"^(# BEGIN ROUTES[^\n]*\n).*?^(# END ROUTES)", re.DOTALL | re.MULTILINE)
    path.write_text(pattern.sub(lambda m: m.group(1) + table + m.group(2), source))


# BEGIN ROUTES: generated by write_routes() from every dialect's ENDPOINTS; do not edit by hand.
ROUTES: tuple[tuple[str, Endpoint], ...] = (
    ("drf", Endpoint("register", "/api/v1/auth/register", ("POST", "ANY"))),
    ("drf", Endpoint("token_obtain", "/api/v1/auth/token", ("POST", "ANY"))),
    ("drf", Endpoint("token_refresh", "/api/v1/auth/token/refresh", ("POST", "ANY"))),
    ("drf", Endpoint("token_verify", "/api/v1/auth/token/verify", ("POST", "ANY"))),
    ("drf", Endpoint("logout", "/api/v1/auth/logout", ("POST", "ANY"))),
    ("drf", Endpoint("logout", "/api/v1/auth/token/blacklist", ("POST", "ANY"))),
    ("drf", Endpoint("resource_list", "/api/v1/{collection}", ("GET", "HEAD"))),
    ("drf", Endpoint("resource_create", "/api/v1/{collection}", ("POST",))),
    ("drf", Endpoint("resource_get", "/api/v1/{collection}/{id}", ("GET", "HEAD"))),
    ("drf", Endpoint("resource_update", "/api/v1/{collection}/{id}", ("PUT", "PATCH"))),
    ("drf", Endpoint("resource_delete", "/api/v1/{collection}/{id}", ("DELETE",))),
    ("drf", Endpoint("not_allowed", "/api/v1/{collection}", ("PUT", "PATCH", "DELETE", "OPTIONS"))),
    ("drf", Endpoint("not_allowed", "/api/v1/{collection}/{id}", ("POST", "OPTIONS"))),
    ("frappe", Endpoint("resource_list", "/api/resource/{doctype}", ("GET", "HEAD"))),
    ("frappe", Endpoint("resource_create", "/api/resource/{doctype}", ("POST",))),
    ("frappe", Endpoint("resource_get", "/api/resource/{doctype}/{name}", ("GET", "HEAD"))),
    ("frappe", Endpoint("resource_update", "/api/resource/{doctype}/{name}", ("PUT",))),
    ("frappe", Endpoint("resource_delete", "/api/resource/{doctype}/{name}", ("DELETE",))),
    ("frappe", Endpoint("session_login", "/api/method/login", ("POST", "ANY"))),
    ("frappe", Endpoint("session_logout", "/api/method/logout", ("GET", "POST", "PUT", "DELETE", "HEAD", "ANY"))),
    ("frappe", Endpoint("generate_keys", "/api/method/frappe.core.doctype.user.user.generate_keys", ("POST", "ANY"))),
    (
        "frappe",
        Endpoint(
            "resource_list", "/api/method/frappe.client.get_list", ("GET", "POST", "PUT", "DELETE", "HEAD", "ANY")
        ),
    ),
    (
        "frappe",
        Endpoint(
            "resource_list", "/api/method/frappe.client.get_count", ("GET", "POST", "PUT", "DELETE", "HEAD", "ANY")
        ),
    ),
    (
        "frappe",
        Endpoint("resource_get", "/api/method/frappe.client.get", ("GET", "POST", "PUT", "DELETE", "HEAD", "ANY")),
    ),
    (
        "frappe",
        Endpoint(
            "resource_list", "/api/method/frappe.client.get_value", ("GET", "POST", "PUT", "DELETE", "HEAD", "ANY")
        ),
    ),
    ("frappe", Endpoint("resource_create", "/api/method/frappe.client.insert", ("POST", "PUT", "ANY"))),
    ("frappe", Endpoint("resource_create", "/api/method/frappe.client.insert_many", ("POST", "PUT", "ANY"))),
    ("frappe", Endpoint("resource_update", "/api/method/frappe.client.set_value", ("POST", "PUT", "ANY"))),
    ("frappe", Endpoint("resource_update", "/api/method/frappe.client.save", ("POST", "PUT", "ANY"))),
    ("frappe", Endpoint("resource_update", "/api/method/frappe.client.bulk_update", ("POST", "PUT", "ANY"))),
    ("frappe", Endpoint("resource_delete", "/api/method/frappe.client.delete", ("POST", "DELETE", "ANY"))),
    ("frappe", Endpoint("method_call", "/api/method/ping", ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "ANY"))),
    (
        "frappe",
        Endpoint(
            "method_call",
            "/api/method/frappe.auth.get_logged_user",
            ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "ANY"),
        ),
    ),
    (
        "frappe",
        Endpoint(
            "method_call",
            "/api/method/frappe.client.rename_doc",
            ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "ANY"),
        ),
    ),
    (
        "frappe",
        Endpoint(
            "method_call", "/api/method/frappe.client.submit", ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "ANY")
        ),
    ),
    (
        "frappe",
        Endpoint(
            "method_call", "/api/method/frappe.client.cancel", ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "ANY")
        ),
    ),
    (
        "frappe",
        Endpoint("method_call", "/api/method/{method}", ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "ANY")),
    ),
    ("frappe", Endpoint("method_root", "/", ("GET", "HEAD", "POST", "PUT", "DELETE", "ANY"))),
    ("frappe", Endpoint("not_allowed", "/api/resource/{doctype}", ("PUT", "PATCH", "DELETE", "OPTIONS"))),
    ("frappe", Endpoint("not_allowed", "/api/resource/{doctype}/{name}", ("POST", "PATCH", "OPTIONS"))),
    ("restless", Endpoint("resource_list", "/api/{collection}", ("GET", "HEAD"))),
    ("restless", Endpoint("resource_create", "/api/{collection}", ("POST",))),
    ("restless", Endpoint("resource_patch_many", "/api/{collection}", ("PUT", "PATCH"))),
    ("restless", Endpoint("resource_get", "/api/{collection}/{id}", ("GET", "HEAD"))),
    ("restless", Endpoint("resource_update", "/api/{collection}/{id}", ("PUT", "PATCH"))),
    ("restless", Endpoint("resource_delete", "/api/{collection}/{id}", ("DELETE",))),
    ("restless", Endpoint("resource_relation", "/api/{collection}/{id}/{relation}", ("GET", "HEAD", "ANY"))),
    ("restless", Endpoint("resource_eval", "/api/eval/{collection}", ("GET", "HEAD", "ANY"))),
    ("restless", Endpoint("resource_list", "/api/flask-restless-datamodel", ("GET", "HEAD", "ANY"))),
    ("restless", Endpoint("not_allowed", "/api/{collection}", ("DELETE", "OPTIONS"))),
    ("restless", Endpoint("not_allowed", "/api/{collection}/{id}", ("POST", "OPTIONS"))),
)
# END ROUTES
