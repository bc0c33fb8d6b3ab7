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
A function imports every dialect when it mounts its routes (the endpoint lists
live with the dialects); a request's error shaping and URL patterns need only
the dialect owning its path.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
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


def dialect(name: str) -> Dialect:
    """The dialect called ``name``, imported on first use."""
    return importlib.import_module(DIALECTS[name].module).DIALECT


def all_dialects() -> list[Dialect]:
    return [dialect(name) for name in DIALECTS]


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


def methods_at(pattern: str) -> tuple[str, ...]:
    """The methods some operation serves at ``pattern`` (what an ``Allow`` header lists)."""
    found: list[str] = []
    for _, endpoint in endpoints():
        if endpoint.pattern == pattern and endpoint.operation != REFUSER:
            found.extend(m for m in endpoint.served if m not in found)
    return tuple(m for m in HTTP_METHODS if m in found)
