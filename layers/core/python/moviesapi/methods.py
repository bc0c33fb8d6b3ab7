"""The whitelist behind ``/api/method/<dotted.path>``: name → handler and its HTTP methods.

Frappe only runs functions decorated with ``@frappe.whitelist(methods=[...])``;
this registry is the same idea. A name that is not registered is a 404 and a
verb the entry does not list is a 405, decided here so every function that
receives ``/api/method/...`` requests answers the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import MethodNotAllowed, NotFound

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response

    from .http import Request

Handler = Callable[["Request"], "Response"]
MAX_NAME_LENGTH = 140


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler
    methods: tuple[str, ...]
    allow_guest: bool = False


_WHITELIST: dict[str, Method] = {}


def whitelist(name: str, *, methods: tuple[str, ...], allow_guest: bool = False) -> Callable[[Handler], Handler]:
    """Register ``handler`` as ``/api/method/<name>``, callable with ``methods`` only."""

    def register(handler: Handler) -> Handler:
        _WHITELIST[name] = Method(name, handler, tuple(m.upper() for m in methods), allow_guest)
        return handler

    return register


def _load() -> None:
    from .dialects import frappe  # noqa: F401  (registers its whitelisted methods on import)


def registered() -> dict[str, Method]:
    _load()
    return dict(_WHITELIST)


def resolve(name: str, http_method: str) -> Method:
    """The entry for ``name`` if ``http_method`` may call it; NotFound (404) or MethodNotAllowed (405)."""
    _load()
    entry = _WHITELIST.get(name) if isinstance(name, str) and len(name) <= MAX_NAME_LENGTH else None
    if entry is None:
        shown = name[:MAX_NAME_LENGTH] if isinstance(name, str) else ""
        raise NotFound(f"Failed to get method for command {shown}: it does not exist or is not whitelisted")
    verb = http_method.upper()
    if verb == "HEAD" and "GET" in entry.methods:
        verb = "GET"  # as werkzeug: a GET route answers HEAD (API Gateway drops the body)
    if verb not in entry.methods:
        raise MethodNotAllowed(http_method, entry.methods)
    return entry
