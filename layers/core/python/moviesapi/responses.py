"""Build the Lambda proxy response: negotiate a renderer, render, set headers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response

from .errors import ApiError
from .http import Request
from .negotiation import select_renderer
from .rendering import JSONRenderer, Renderer

DEFAULT_RENDERERS: tuple[Renderer, ...] = (JSONRenderer(),)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def choose(request: Request, renderers: Sequence[Renderer] = DEFAULT_RENDERERS) -> Renderer:
    fmt = request.param("format")
    return select_renderer(renderers, accept=request.header("accept"), format=fmt or None)


def respond(request: Request, status: int, data: Any, headers: Mapping[str, str] | None = None,
            renderers: Sequence[Renderer] = DEFAULT_RENDERERS, context: dict[str, Any] | None = None,
            renderer: Renderer | None = None) -> Response:
    """Render ``data`` the way the client asked; a 406/404 from negotiation falls back to JSON."""
    if renderer is None:
        try:
            renderer = choose(request, renderers)
        except ApiError:
            renderer = renderers[0]
    out_headers = {**SECURITY_HEADERS, **(headers or {})}
    if status == 204 or data is None:
        return Response(status_code=status, headers=out_headers, body="")
    ctx = {"request": request, "status": status, "headers": out_headers, **(context or {})}
    body = renderer.render(data, ctx)
    out_headers.setdefault("Vary", "Accept")
    return Response(status_code=status, content_type=renderer.content_type, body=body, headers=out_headers)
