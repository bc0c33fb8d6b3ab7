"""The Powertools resolver every function uses, with the error mapping in one place.

``create_app`` returns an ``APIGatewayRestResolver`` whose exception handlers
turn core errors into the dialect's own error shape (chosen by path), and
anything unexpected into a 500 that reveals nothing. ``lambda_entry`` wraps it
with structured logging (correlation id), tracing and metrics.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from . import dataclass_code
from .aws import start_counting
from .collector import init_done
from .dialects import cors_request_headers, dialect_for
from .errors import ApiError, NotFound
from .formats import Route, event_without_suffix, match_path
from .http import Request
from .overload import unavailable
from .responses import DEFAULT_RENDERERS, negotiate
from .settings import get_settings
from .signing import prefetch as prefetch_signing_key
from .telemetry import flush as flush_metrics
from .telemetry import logger, traced
from .writes import start_invocation

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from .rendering import Renderer

# Cross-origin browsers may call the API with tokens (never with cookies: no credentials).
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-Match", *cors_request_headers())
CORS_EXPOSED_HEADERS = ("ETag", "Location", "Retry-After", "Idempotent-Replayed", "WWW-Authenticate")


def url_patterns(path: str) -> tuple[Route, ...]:
    """The suffix-aware routes the dialect owning ``path`` derives from the registry."""
    return tuple(dialect_for(path).url_patterns())


def renderers_for(path: str) -> tuple[Renderer, ...]:
    """The dialect's renderers (its ``renderers``), else every default one."""
    return tuple(getattr(dialect_for(path), "renderers", None) or DEFAULT_RENDERERS)


def request_of(app: APIGatewayRestResolver) -> Request:
    """The core Request for the current event, parsed once per invocation.

    Built from the event as API Gateway sent it (suffix and all), with the
    declared route it matched, so links and negotiation see the client's URL.
    """
    cached = app.context.get("request")
    if cached is not None:
        return cached
    event = app.context.get("original_event") or app.current_event.raw_event
    failure: ApiError | None = None
    try:
        request = Request.from_event(event)
    except ApiError as exc:
        # An undecodable body: keep a body-less request so the error handler can answer.
        request, failure = Request.from_event({**event, "body": None, "isBase64Encoded": False}), exc
    # The handler matched the event's path once, before routing; matched here only without it.
    matched = app.context["route"] if "route" in app.context else match_path(url_patterns(request.path), request.path)
    request.route = matched
    app.append_context(request=request)
    if failure is not None:
        raise failure
    return request


def _negotiate(app: APIGatewayRestResolver, next_middleware: Callable[..., Response]) -> Response:
    """Content negotiation for every route, before the view runs (404 suffix / 406 Accept)."""
    request = request_of(app)
    negotiate(request, renderers_for(request.path))
    return next_middleware(app)


class ProxyEvent(APIGatewayProxyEvent):
    """API Gateway's event as Powertools reads it, its headers made case-insensitive once a request.

    Powertools reads ``resolved_headers_field`` twice for every response (CORS's ``Origin``,
    compression's ``Accept-Encoding``), and each read lowercases every header into a new
    dict: ~5% of a get's own CPU, for the same dict twice. Sharing it holds while nothing
    writes to it: Powertools' OpenAPI validation would (it normalises the dict in place),
    and it is off here (``create_app``).
    """

    @cached_property
    def resolved_headers_field(self) -> dict[str, Any]:
        return super().resolved_headers_field


class Resolver(APIGatewayRestResolver):
    """Powertools' REST resolver, reading each event through ``ProxyEvent``."""

    def _to_proxy_event(self, event: dict) -> ProxyEvent:
        return ProxyEvent(event, self._json_body_deserializer)


def create_app(*, negotiation: bool = True) -> APIGatewayRestResolver:
    """The resolver with CORS and the error mapping; ``negotiation=False`` for fixed representations.

    The OpenAPI document and the Swagger UI page and assets have one media type each,
    so an ``Accept`` header or ``?format=`` must not turn them into a 404/406.
    """
    settings = get_settings()
    prefetch_signing_key()  # off the first request's path (AWS only)
    app = Resolver(
        cors=CORSConfig(
            allow_origin=settings.cors_allow_origin,
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_EXPOSED_HEADERS),
            max_age=600,
            allow_credentials=False,
        )
    )
    if negotiation:
        app.use(middlewares=[_negotiate])

    @app.exception_handler(ApiError)
    def handle_api_error(exc: ApiError) -> Response:
        request = request_of(app)
        if exc.status >= 500:
            logger.exception("API error", extra={"status": exc.status})
        return dialect_for(request.path).error_response(request, exc)

    @app.not_found
    def handle_not_found(exc: Exception) -> Response:
        request = request_of(app)
        return dialect_for(request.path).error_response(request, NotFound())

    @app.exception_handler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        request = request_of(app)
        busy = unavailable(exc)
        if busy is not None:  # an overloaded or conflicting DynamoDB: 503 with Retry-After, never a 500
            logger.warning("DynamoDB busy", extra={"error": type(exc).__name__})
            response = dialect_for(request.path).error_response(request, busy)
            response.headers.setdefault("Retry-After", str(busy.wait))
            return response
        logger.exception("Unhandled error")
        error = ApiError("A server error occurred.")
        error.status = 500
        return dialect_for(request.path).error_response(request, error)

    return app


def lambda_entry(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler for ``app``: logging with correlation id, tracing (when on), metrics."""

    # Never the event itself (log_event=False wins over POWERTOOLS_LOGGER_LOG_EVENT): it carries
    # tokens, API secrets and passwords. Each invocation overwrites the keys it sets (its context,
    # cold start, correlation id) and nothing appends others, so clear_state, which rebuilt the
    # formatter's keys every invocation (~7% of a get's own CPU), has nothing to clear
    # (tests/handlers/test_log_keys.py holds that).
    @logger.inject_lambda_context(clear_state=False, log_event=False)
    @traced
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        # Powertools' correlation_id_path=API_GATEWAY_REST, read without a JMESPath search (~4 µs a request).
        logger.set_correlation_id((event.get("requestContext") or {}).get("requestId"))
        app.context.clear()
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        start_invocation(remaining() if callable(remaining) else None)
        start_counting()  # this invocation's DynamoDB calls (aws.calls())
        # Route ``/movies.json`` as ``/movies`` and ``{id}`` = ``abc.json`` as ``abc``; the request
        # itself is built from the original event (see request_of).
        path = event.get("path") or "/"
        route = match_path(url_patterns(path), path)
        app.append_context(original_event=event, route=route)
        try:
            response = app.resolve(event_without_suffix(event, route), context)
        finally:
            flush_metrics()
        if missed := dataclass_code.unreported():
            logger.warning(
                "dataclass methods compiled in this container, not by the layer build",
                extra={"dataclass_methods_compiled": missed, "python": sys.version.split()[0]},
            )
        if (event.get("httpMethod") or "").upper() == "HEAD":
            # HEAD is GET without a body (API Gateway would drop it; SAM local would not).
            response = {**response, "body": "", "isBase64Encoded": False}
        return response

    init_done()  # the collector resumes, skipping what init made (``collector``)
    return handler


def options_response(request: Request, methods: tuple[str, ...]) -> Response:
    """OPTIONS on a route: a CORS preflight names the route's own methods; otherwise ``Allow``, no body.

    Powertools adds the other CORS headers (origin, allowed headers, max age) to
    every response of a request that carries ``Origin``.
    """
    allowed = ", ".join(dict.fromkeys((*methods, "OPTIONS")))
    headers = {"Allow": allowed}
    if is_preflight(request):
        headers["Access-Control-Allow-Methods"] = allowed.replace(" ", "")
        return Response(status_code=204, headers=headers, body="")
    return Response(status_code=200, headers=headers, body="")


def is_preflight(request: Request) -> bool:
    """A browser's CORS preflight: OPTIONS with ``Origin`` and ``Access-Control-Request-Method``."""
    return bool(request.header("origin") and request.header("access-control-request-method"))
