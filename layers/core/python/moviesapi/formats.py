"""Format suffixes (``/movies.json``, ``/movies/{id}.api``) declared with the routes, as DRF's
``format_suffix_patterns(urlpatterns, allowed=..., suffix_required=...)`` does.

A dialect lists its suffix-aware routes as ``URL_PATTERNS``. API Gateway hands the
functions paths such as ``/api/v1/movies.json/`` (an explicit template route) or
``/api/v1/movies/abc.json`` (``{id}`` = ``abc.json``); :func:`match_path` is the one
place that recognises and strips the suffix, so routing sees ``/api/v1/movies/`` and
``abc``, and negotiation sees ``format="json"``. Ids never contain dots, so the
last ``.word`` of a matching path is always a format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import NotFound

_PARAM = re.compile(r"\{(\w+)\}")
_SUFFIX = r"(?:\.(?P<_format>[A-Za-z0-9]{1,16}))?(?P<_slash>/?)"


@dataclass(frozen=True)
class FormatSuffixes:
    """Which suffixes a route accepts: ``allowed=None`` means any format a renderer offers."""

    allowed: tuple[str, ...] | None = None
    suffix_required: bool = False

    def permits(self, suffix: str | None) -> bool:
        if suffix is None:
            return not self.suffix_required
        return self.allowed is None or suffix in self.allowed

    def check(self, suffix: str | None) -> None:
        """404 for a suffix the route does not list, or for no suffix when one is required.

        DRF never generates such URLs, so they do not resolve: a 404, not a 406.
        """
        if not self.permits(suffix):
            raise NotFound()


@dataclass(frozen=True, eq=False)
class Route:
    """A resource's URL as the browsable API and the suffix parser need it.

    ``pattern`` uses API Gateway's ``{param}`` syntax; ``methods`` feed the ``Allow``
    header and the page's forms; ``form`` is the blank body of a create form (its keys
    are the writable fields, so a detail form is the object minus read-only fields);
    ``links`` maps a field to a URL template with ``{value}`` and ``{suffix}`` (``.api``
    or ``/``) so ids and creators become links between resources.
    """

    pattern: str
    methods: tuple[str, ...] = ("GET",)
    name: str = ""
    description: str = ""
    form: Mapping[str, Any] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)
    suffixes: FormatSuffixes = FormatSuffixes()
    allow_header: bool = True  # DRF sends Allow on every answer; Werkzeug (Flask-Restless) only on 405/OPTIONS

    @property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.pattern)

    @property
    def base(self) -> str:
        """The pattern up to its first parameter: ``/api/v1/movies/{id}`` → ``/api/v1/movies/``."""
        return self.pattern.split("{", 1)[0]

    def match(self, path: str, routes: tuple[Route, ...] = ()) -> RouteMatch | None:
        """``path`` matched to this route (``routes``: the set it was one of, for the browsable
        page's breadcrumbs), or None."""
        m = self.regex.match(path)
        if m is None:
            return None
        params = {k: v for k, v in m.groupdict().items() if not k.startswith("_")}
        fmt = m.group("_format")
        stripped = path[: m.start("_format") - 1] + m.group("_slash") if fmt else path
        return RouteMatch(self, params, fmt, stripped, routes)


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    """``/a/{id}`` → ``^/a/(?P<id>[^/.]+)(?:\\.(?P<_format>\\w+))?/?$``, cached."""
    if pattern not in _COMPILED:
        out, last = [], 0
        for m in _PARAM.finditer(pattern):
            out.append(re.escape(pattern[last : m.start()]))
            out.append(f"(?P<{m.group(1)}>[^/.]+)")
            last = m.end()
        out.append(re.escape(pattern[last:].rstrip("/")))
        _COMPILED[pattern] = re.compile("^" + "".join(out) + _SUFFIX + "$")
    return _COMPILED[pattern]


@dataclass(frozen=True)
class RouteMatch:
    """A request path matched to a route: its parameters, its suffix, the path without it."""

    route: Route
    params: dict[str, str]
    format: str | None
    path: str
    routes: tuple[Route, ...] = ()

    def check(self) -> None:
        self.route.suffixes.check(self.format)


def format_suffix_patterns(
    routes: Iterable[Route], *, allowed: Sequence[str] | None = None, suffix_required: bool = False
) -> tuple[Route, ...]:
    """Give every route the same suffix rules (DRF's helper, applied to declarations)."""
    rules = FormatSuffixes(tuple(allowed) if allowed is not None else None, suffix_required)
    return tuple(replace(route, suffixes=rules) for route in routes)


def match_path(routes: Sequence[Route], path: str) -> RouteMatch | None:
    """The first route matching ``path`` with or without a suffix (and trailing slash)."""
    candidates = tuple(routes)
    for route in candidates:
        found = route.match(path, candidates)
        if found is not None:
            return found
    return None


def strip_event_suffix(event: Mapping[str, Any], routes: Sequence[Route]) -> dict[str, Any]:
    """A copy of a proxy event routed without its suffix (path and path parameters).

    The caller keeps the original event for the request itself, so links, the
    request line and pagination keep the suffix the client used.
    """
    return event_without_suffix(event, match_path(routes, event.get("path") or "/"))


def event_without_suffix(event: Mapping[str, Any], found: RouteMatch | None) -> dict[str, Any]:
    """``strip_event_suffix`` for a path already matched (``found``: its match, or None)."""
    if found is None or found.format is None:
        return dict(event)
    routed = dict(event)
    routed["path"] = found.path
    params = dict(event.get("pathParameters") or {})
    for name, value in found.params.items():
        if name in params:
            params[name] = value
    if params:
        routed["pathParameters"] = params
    return routed
