"""Build the Lambda proxy response: negotiate a renderer, render, set headers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response

from .errors import ApiError
from .http import Request
from .negotiation import select_renderer
from .rendering import BrowsableAPIRenderer, CSVRenderer, HTMLRenderer, JSONRenderer, Renderer

# DRF's order: JSON first (a client that accepts anything gets JSON), then the browsable API,
# which a browser's Accept (text/html) selects; .html and .csv by suffix, ?format= or Accept.
DEFAULT_RENDERERS: tuple[Renderer, ...] = (
    JSONRenderer(),
    BrowsableAPIRenderer(),
    HTMLRenderer(),
    CSVRenderer(),
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def choose(request: Request, renderers: Sequence[Renderer] = DEFAULT_RENDERERS) -> Renderer:
    """The one negotiation rule (DRF's): the URL suffix, else ``?format=``, filters; ``Accept`` chooses.

    A suffix the route does not allow (or none where one is required) is a 404, as
    is an unknown format; an Accept header nothing satisfies is a 406.
    """
    if request.route is not None:
        request.route.check()
    fmt = request.format_suffix or request.param("format")
    return select_renderer(renderers, accept=request.header("accept"), format=fmt or None)


def negotiate(request: Request, renderers: Sequence[Renderer] = DEFAULT_RENDERERS) -> Renderer:
    """Choose before the view runs (DRF's ``initial()``): a 404/406 never follows a write."""
    request.accepted_renderer = choose(request, renderers)
    return request.accepted_renderer


def respond(
    request: Request,
    status: int,
    data: Any,
    headers: Mapping[str, str] | None = None,
    renderers: Sequence[Renderer] = DEFAULT_RENDERERS,
    context: dict[str, Any] | None = None,
    renderer: Renderer | None = None,
) -> Response:
    """Render ``data`` the way the client asked; a 406/404 from negotiation falls back to JSON.

    Routes declared with ``formats.Route`` also get DRF's ``Allow`` header.
    """
    if renderer is None and request.accepted_renderer in renderers:
        renderer = request.accepted_renderer
    if renderer is None:
        try:
            renderer = choose(request, renderers)
        except ApiError:
            renderer = renderers[0]
    out_headers = {**SECURITY_HEADERS, **(headers or {})}
    route = request.route
    if (
        route is not None
        and route.route.suffixes.permits(route.format)
        and route.route.allow_header
        and not any(k.lower() == "allow" for k in out_headers)
    ):
        out_headers["Allow"] = ", ".join(route.route.methods)
    out_headers.setdefault("Vary", "Accept")  # DRF: every answer of a negotiating view, a 204 too
    page = isinstance(renderer, BrowsableAPIRenderer) and not isinstance(renderer, HTMLRenderer)
    if page:
        out_headers["Vary"] = "Accept, Cookie"  # DRF's page carries a CSRF token, so it varies on Cookie
    if (status == 204 or data is None) and not page:
        return Response(status_code=status, headers=out_headers, body="")
    ctx = {"request": request, "status": status, "headers": out_headers, **(context or {})}
    if page and status == 204:
        status = 200  # DRF's BrowsableAPIRenderer shows "HTTP 204 No Content" on a 200 page
    body = renderer.render(data, ctx)
    return Response(status_code=status, content_type=renderer.content_type, body=body, headers=out_headers)
