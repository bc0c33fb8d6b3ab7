"""Routes: where they come from, how API Gateway resolves them, and what the template refuses.

API Gateway and SAM CLI's local gateway (``sam local start-api``, ``make run``)
disagree when one path takes ``ANY`` and specific methods: API Gateway prefers
the specific method, SAM CLI picks by set order (it varies with ``PYTHONHASHSEED``).
So the template never mixes them on one path: the 405 routes list their methods
one by one, and ``check_routes`` refuses an ``ANY`` that shares its path with
another function. ``match`` models API Gateway's resolution for the
tests and the sample events (``events/generate.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tools.templating.cfn import event_name

ANY = "ANY"
METHOD_ORDER = ("ANY", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
DOCS_SOURCE = "docs"


@dataclass(frozen=True)
class Route:
    """An API Gateway route as the template declares it: who declares it, the function, path and methods."""

    source: str
    operation: str
    pattern: str
    methods: tuple[str, ...]

    @property
    def event_methods(self) -> tuple[str, ...]:
        """One ``ANY`` event when the route takes any method; otherwise one per method."""
        if ANY in self.methods:
            return (ANY,)
        return tuple(sorted(dict.fromkeys(self.methods), key=METHOD_ORDER.index))


@dataclass(frozen=True)
class Event:
    """One ``Api`` event: whose it is (named in errors), its name unique in the function, path and method."""

    function: str
    name: str
    pattern: str
    method: str


def dialect_routes() -> list[Route]:
    """Every dialect's endpoints (``moviesapi.dialects.endpoints()``) as routes."""
    from moviesapi.dialects import endpoints

    return [Route(d.name, e.operation, e.pattern, tuple(e.methods)) for d, e in endpoints()]


def operation_routes(operations: Sequence[Any]) -> list[Route]:
    """Routes that operations declare themselves (the docs), not through a dialect."""
    return [Route(DOCS_SOURCE, op.name, pattern, tuple(methods)) for op in operations for pattern, methods in op.routes]


def all_routes() -> list[Route]:
    """Every route of the API: the dialects' endpoints, then the operations' own (the docs)."""
    from moviesapi.operations import all_operations

    return [*dialect_routes(), *operation_routes(all_operations())]


def segments(pattern: str) -> list[str]:
    """A path's non-empty segments: ``/api/v1/{collection}/`` → ``["api", "v1", "{collection}"]``."""
    return [s for s in pattern.split("/") if s]


def match(routes: Sequence[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway sends ``method path`` to, and the path parameters it fills.

    Level by level a literal child beats the (single) variable child, a trailing
    slash names the same resource, and on the resource found a route listing the
    method beats one taking ``ANY``. None where API Gateway answers 403.
    """
    prefix: list[str] = []
    params: dict[str, str] = {}
    shapes = [(route, segments(route.pattern)) for route in routes]
    for part in segments(path):
        depth = len(prefix)
        children = {s[depth] for _, s in shapes if len(s) > depth and s[:depth] == prefix}
        if part in children:
            prefix.append(part)
            continue
        variables = sorted(c for c in children if c.startswith("{"))
        if not variables:
            return None
        prefix.append(variables[0])
        params[variables[0][1:-1]] = part
    on_resource = [route for route, s in shapes if s == prefix]
    for wanted in (method, ANY):
        for route in on_resource:
            if wanted in route.methods:
                return route, params
    return None


def check_routes(routes: Sequence[Route]) -> None:
    """Refuse what API Gateway would refuse or resolve differently from the routes' intent.

    No greedy ``{proxy+}``; one variable child per path level (``/api/{a}`` beside
    ``/api/{b}`` is a deployment error); one function per path and method, and no
    ``ANY`` on a path another function also serves.
    """
    variable_children: dict[tuple[str, ...], set[str]] = {}
    owner: dict[tuple[str, str], str] = {}
    for route in routes:
        parts = segments(route.pattern)
        if not route.pattern.startswith("/") or any("+" in p for p in parts):
            raise ValueError(f"{route.pattern}: only plain /segments and {{param}} segments are allowed")
        for depth, part in enumerate(parts):
            if "{" in part or "}" in part:
                if not re.fullmatch(r"\{[A-Za-z_][A-Za-z0-9_]*\}", part):
                    raise ValueError(f"{route.pattern}: a parameter must be a whole segment, {{name}}")
                variable_children.setdefault(tuple(parts[:depth]), set()).add(part)
        for method in route.methods:
            key = (route.pattern, method)
            if key in owner and owner[key] != route.operation:
                raise ValueError(f"{method} {route.pattern} is routed to both {owner[key]} and {route.operation}")
            owner[key] = route.operation
    operations_at: dict[str, set[str]] = {}
    for route in routes:
        operations_at.setdefault(route.pattern, set()).add(route.operation)
    for route in routes:
        if ANY in route.methods and len(operations_at[route.pattern]) > 1:
            # API Gateway would let the specific methods win, but SAM CLI's local gateway picks by set order.
            raise ValueError(f"ANY {route.pattern} shares its path with other functions; list the methods instead")
    for parent, children in variable_children.items():
        if len(children) > 1:
            path = "/" + "/".join(parent)
            raise ValueError(f"{path}: API Gateway allows one variable child per path level, got {sorted(children)}")


def function_order(operations: Sequence[Any], routes: Sequence[Route], not_allowed: str) -> list[Any]:
    """Operations in template order: the 405 responder, then others with ``ANY`` routes, then the rest.

    With ``check_routes`` keeping another function's methods off an ``ANY`` path,
    this order decides no route; it keeps the template stable, and keeps every
    ``ANY`` ahead of specific methods on its path for SAM CLI's last-wins route
    table (``check_order``).
    """
    with_any = {r.operation for r in routes if ANY in r.event_methods}
    position = {op.name: i for i, op in enumerate(operations)}

    def key(op: Any) -> tuple[int, int]:
        rank = 0 if op.name == not_allowed else 1 if op.name in with_any else 2
        return rank, position[op.name]

    return sorted(operations, key=key)


def function_events(operation: str, routes: Sequence[Route]) -> list[Event]:
    """One operation's events: ``ANY`` first, then by path and method; names unique within the function."""
    events: list[Event] = []
    for route in routes:
        if route.operation != operation:
            continue
        for method in route.event_methods:
            events.append(Event(operation, event_name(route.source, route.pattern, method), route.pattern, method))
    events.sort(key=lambda e: (e.method != ANY, e.pattern, METHOD_ORDER.index(e.method), e.name))
    names = [e.name for e in events]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{operation}: event names collide: {duplicates}")
    return events


def check_order(events: Sequence[Event]) -> None:
    """Every ``ANY`` event precedes every specific-method event on its path (SAM CLI's last-wins table)."""
    first_specific: dict[str, int] = {}
    for i, event in enumerate(events):
        if event.method != ANY:
            first_specific.setdefault(event.pattern, i)
    for i, event in enumerate(events):
        if event.method == ANY and first_specific.get(event.pattern, i) < i:
            raise ValueError(f"ANY {event.pattern} ({event.function}) comes after a specific method on that path")
