"""The Django REST framework dialect (``/api/v1/``), as the seed's project serves it.

Every resource whose declaration lists ``DRF`` options is a ModelViewSet here:
its serializer keys, FilterSet, OrderingFilter fields and links come from the
declaration; pages are DRF's PageNumberPagination (and CursorPagination with
``?cursor=``). The auth views are simplejwt's and dj-rest-auth's. Nothing here
touches DynamoDB or a model: the core does.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response

from .. import accounts, resources
from ..auth import authenticate, www_authenticate
from ..errors import (
    NON_FIELD,
    ApiError,
    InvalidToken,
    MethodNotAllowed,
    NotAnObject,
    NotFound,
    Throttled,
    ValidationFailed,
)
from ..formats import Route, format_suffix_patterns
from ..http import Request
from ..operations import READ, WRITE, Operation
from ..permissions import check
from ..query import Cond, Order, Query, all_of, value_at
from ..registry import Resource, exposed, generation
from ..responses import respond
from ..settings import get_settings
from . import ANY, DIALECTS, Endpoint, drf_auth, drf_metadata, refusing_the_rest
from .options import DRF

PREFIX = "/api/v1/"
INVALID_PAGE = "Invalid page."
COLLECTION = "/api/v1/{collection}"
ELEMENT = "/api/v1/{collection}/{id}"
# format_suffix_patterns without ``allowed``: any suffix reaches the view, whose negotiation answers
# 404 for a format no renderer has (with the view's Allow, as DRF's answer has).
SUFFIXES = None

ENDPOINTS: tuple[Endpoint, ...] = refusing_the_rest(
    (
        Endpoint("register", "/api/v1/auth/register", ("POST", ANY)),
        Endpoint("token_obtain", "/api/v1/auth/token", ("POST", ANY)),
        Endpoint("token_refresh", "/api/v1/auth/token/refresh", ("POST", ANY)),
        Endpoint("token_verify", "/api/v1/auth/token/verify", ("POST", ANY)),
        Endpoint("logout", "/api/v1/auth/logout", ("POST", ANY)),
        Endpoint("logout", "/api/v1/auth/token/blacklist", ("POST", ANY)),
        Endpoint("resource_list", COLLECTION, ("GET", "HEAD")),
        Endpoint("resource_create", COLLECTION, ("POST",)),
        Endpoint("resource_get", ELEMENT, ("GET", "HEAD")),
        Endpoint("resource_update", ELEMENT, ("PUT", "PATCH")),
        Endpoint("resource_delete", ELEMENT, ("DELETE",)),
    )
)
# The functions only this dialect has: dj-rest-auth's registration and simplejwt's views.
OPERATIONS: tuple[Operation, ...] = (
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
)
AUTH_PATHS = {e.pattern: e.served for e in ENDPOINTS if e.pattern.startswith("/api/v1/auth/")}


# ------------------------------------------------------------------ the declaration, seen by DRF


def serializer_fields(resource: Resource, options: DRF) -> dict[str, str]:
    """Serializer key → record path: declared, or every readable field and each relation's id."""
    if options.fields is not None:
        return dict(options.fields)
    out = {name: name for name in resource.readable_fields()}
    out.update({name: f"{name}.id" for name in resource.relations})
    return out


def serialize(resource: Resource, options: DRF, record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value_at(dict(record), path) for key, path in serializer_fields(resource, options).items()}


def collection_methods(resource: Resource) -> tuple[str, ...]:
    """A ListCreateAPIView's ``allowed_methods``: its handlers, then HEAD (Django adds it) and OPTIONS."""
    return ("GET", *(m for m in ("POST",) if resource.allows(m)), "HEAD", "OPTIONS")


def element_methods(resource: Resource) -> tuple[str, ...]:
    """A RetrieveUpdateDestroyAPIView's ``allowed_methods``."""
    return ("GET", *(m for m in ("PUT", "PATCH", "DELETE") if resource.allows(m)), "HEAD", "OPTIONS")


def _links(resource: Resource, options: DRF) -> dict[str, str]:
    """An object's id links to its page; a value the FilterSet can match exactly links to that filter."""
    base = f"{PREFIX}{options.collection}"
    links = {resource.key: base + "/{value}{suffix}"}
    for key, path in serializer_fields(resource, options).items():
        param = next((p for p, (fp, op) in options.filters.items() if fp == path and op in ("eq", "icontains")), None)
        if key != resource.key and param:
            links[key] = base + "{suffix}?" + param + "={value}"
    return links


def _describe(resource: Resource, options: DRF) -> str:
    parts = [resource.description]
    if options.filters:
        parts.append("Filters: " + ", ".join(options.filters) + ".")
    if options.ordering:
        parts.append("Ordering: " + ", ".join(options.ordering) + ".")
    parts.append("Pages: page, page_size (or cursor).")
    return " ".join(p for p in parts if p)


def url_patterns() -> tuple[Route, ...]:
    return _url_patterns(generation())


@cache
def _url_patterns(_generation: int) -> tuple[Route, ...]:
    """DRF's format_suffix_patterns over every exposed resource's list and detail routes."""
    routes: list[Route] = []
    for resource, options in exposed("drf"):
        base = f"{PREFIX}{options.collection}"
        form, links = resource.blank_body(), _links(resource, options)
        routes.append(
            Route(
                base, collection_methods(resource), f"{resource.title} List", _describe(resource, options), form, links
            )
        )
        routes.append(
            Route(
                base + "/{id}",
                element_methods(resource),
                f"{resource.title} Instance",
                f"One {resource.title.lower()}. {resource.description}",
                form,
                links,
            )
        )
    auth = [Route(path, (*methods, "OPTIONS"), _view_name(path)) for path, methods in AUTH_PATHS.items()]
    return (*format_suffix_patterns(routes, allowed=SUFFIXES), *format_suffix_patterns(auth, allowed=()))


def _view_name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1].replace("_", " ").title()


def lookup(request: Request, params: Mapping[str, str]) -> tuple[Resource, DRF]:
    """The resource named by the URL's collection (404 in DRF's shape when none is declared)."""
    if request.route is not None:  # a declared route: its pattern names the collection
        name = request.route.route.pattern[len(PREFIX) :].split("/", 1)[0]
    else:
        name = params.get("collection")
    for resource, options in exposed("drf"):
        if options.collection == name:
            return resource, options
    raise NotFound()


def error_response(request: Request, exc: ApiError) -> Response:
    """DRF's error bodies: ``{field: [..]}`` for validation, ``{"detail": ..}`` otherwise."""
    headers: dict[str, str] = {}
    body: dict[str, Any] = exc.fields if isinstance(exc, ValidationFailed) else {"detail": exc.message}
    if isinstance(exc, NotAnObject):  # the serializer's complaint, not the parser's
        body = {NON_FIELD: ["No data provided" if exc.empty else exc.message]}
    if isinstance(exc, NotFound) and exc.message != INVALID_PAGE:
        body = {"detail": NotFound.default_message}  # DRF turns Http404 into NotFound(): "Not found."
    if isinstance(exc, InvalidToken):  # simplejwt's DetailDictMixin: detail, code and the reasons
        body["code"] = exc.code
        if exc.messages:
            body["messages"] = exc.messages
    if exc.status == 401:
        headers["WWW-Authenticate"] = www_authenticate()
    if isinstance(exc, MethodNotAllowed) and exc.allowed and request.route is None:
        headers["Allow"] = ", ".join(exc.allowed)  # otherwise the view's own Allow, as on every answer
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.wait)
    return respond(request, exc.status, body, headers)


def _caller(request: Request, resource: Resource) -> accounts.Principal | None:
    """DRF's ``initial()``: authenticate, then the resource's declared permission classes, before any parsing."""
    principal = authenticate(request)
    check(resource, request.method, principal)
    return principal


# ------------------------------------------------------------------ resources


def _int_param(request: Request, name: str, default: int, minimum: int) -> int:
    raw = request.param(name)
    if raw is None:  # an empty ?page= is not a page number: DRF answers "Invalid page."
        return default
    try:
        value = int(raw)
    except ValueError:
        raise NotFound(INVALID_PAGE) from None
    if value < minimum:
        raise NotFound(INVALID_PAGE)
    return value


def _page_size(request: Request, default: int, maximum: int) -> int:
    """DRF's PageNumberPagination: an invalid size falls back to the default, a big one to the cap."""
    try:
        size = int(request.param("page_size") or "")
    except ValueError:
        return default
    return default if size < 1 else min(size, maximum)


# DynamoDB numbers hold 38 significant digits: the NumberFilter's DecimalField gets Django's max_digits check.
MAX_FILTER_DIGITS = 38


def _decimal_digits(number: Decimal) -> int:
    """Digits in total as Django's DecimalValidator counts them (``1e200`` has 201, ``1e-5`` has 5)."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    if exponent >= 0:
        return len(digits) + (exponent if digits != (0,) else 0)
    return max(len(digits), -exponent)


def _filters(request: Request, resource: Resource, options: DRF) -> Query:
    """The declared FilterSet and OrderingFilter, as django-filter applies them."""
    errors: dict[str, list[str]] = {}
    conds = []
    for param, (path, op) in options.filters.items():
        raw = request.param(param)
        if raw is None or raw == "":
            continue
        field = resource.field_at(path)
        value: Any = raw
        if field is not None and field.type in (int, float):
            try:  # django-filter's NumberFilter: a DecimalField, then the model field's own type
                number = Decimal(raw.strip())
                if not number.is_finite():
                    raise InvalidOperation
                if _decimal_digits(number) > MAX_FILTER_DIGITS:  # before int(): 1e999999 takes seconds
                    errors[param] = [f"Ensure that there are no more than {MAX_FILTER_DIGITS} digits in total."]
                    continue
                value = int(number) if field.type is int else float(number)
            except (InvalidOperation, ValueError, OverflowError):
                errors[param] = ["Enter a number."]
                continue
        conds.append(Cond(path, op, value))
    if errors:
        raise ValidationFailed(errors)
    order: list[Order] = []
    for term in (request.param("ordering") or "").split(","):
        term = term.strip()
        name = term.lstrip("-")
        if name in options.ordering:  # DRF's OrderingFilter ignores unknown fields
            order.append(Order(name, term.startswith("-")))
    default = tuple(Order(f, d) for f, d in resource.default_order)
    return Query(where=all_of(conds), order=tuple(order) or default)


def _page_url(request: Request, page: int | None) -> str:
    """DRF's replace_query_param / remove_query_param: the query rebuilt sorted by name."""
    params = {k: values for k, values in request.query.items() if k != "page"}
    if page is not None and page > 1:
        params["page"] = [str(page)]
    query = urlencode(sorted(params.items()), doseq=True)
    return request.absolute_url() + (f"?{query}" if query else "")


def list_view(request: Request, resource: Resource, options: DRF) -> Response:
    principal = _caller(request, resource)
    settings = get_settings()
    size = _page_size(request, settings.page_size, settings.max_page_size)
    query = _filters(request, resource, options)
    if "cursor" in request.query:
        return _cursor_page(request, resource, options, principal, query, size)
    raw_page = request.param("page")
    last = raw_page == "last"
    number = 1 if last else _int_param(request, "page", 1, 1)
    if last:
        counted = resources.search(resource, Query(where=query.where, order=query.order, limit=0), principal)
        number = max(1, -(-(counted.count or 0) // size))
    query.offset, query.limit = (number - 1) * size, size
    page = resources.search(resource, query, principal)
    count = page.count or 0
    pages = max(1, -(-count // size))
    if number > pages:
        raise NotFound(INVALID_PAGE)
    body = {
        "count": count,
        "next": _page_url(request, number + 1) if number < pages else None,
        "previous": (_page_url(request, number - 1) if number > 1 else None),
        "results": [serialize(resource, options, r) for r in page.records],
    }
    return respond(request, 200, body)


def _cursor_page(
    request: Request, resource: Resource, options: DRF, principal: accounts.Principal | None, query: Query, size: int
) -> Response:
    """DRF's CursorPagination shape: an opaque ``cursor`` whose cost does not grow with the table."""
    query.cursor = request.param("cursor") or None
    query.limit, query.with_count = size, False
    page = resources.search(resource, query, principal)
    next_url = None
    if page.next_cursor:
        params = [(k, v) for k, values in request.query.items() for v in values if k != "cursor"]
        next_url = request.absolute_url() + "?" + urlencode([*params, ("cursor", page.next_cursor)])
    body = {"next": next_url, "previous": None, "results": [serialize(resource, options, r) for r in page.records]}
    return respond(request, 200, body)


def create_view(request: Request, resource: Resource, options: DRF) -> Response:
    principal = _caller(request, resource)
    _allow(request, resource, element=False)
    record, headers = resources.create_from_request(resource, request.data(), principal, request)
    headers["Location"] = request.absolute_url(f"{request.route_path.rstrip('/')}/{record[resource.key]}/")
    return respond(request, 201, serialize(resource, options, record), headers)


def get_view(request: Request, resource: Resource, options: DRF, key: str) -> Response:
    principal = _caller(request, resource)
    record = resources.retrieve(resource, key, principal)
    return respond(request, 200, serialize(resource, options, record), {"ETag": resources.etag(record)})


def update_view(request: Request, resource: Resource, options: DRF, key: str) -> Response:
    principal = _caller(request, resource)
    _allow(request, resource, element=True)
    record = resources.update(
        resource,
        key,
        request.data(),
        principal,
        partial=request.method == "PATCH",
        if_match=request.header("if-match") or None,
    )
    return respond(request, 200, serialize(resource, options, record), {"ETag": resources.etag(record)})


def delete_view(request: Request, resource: Resource, options: DRF, key: str) -> Response:
    principal = _caller(request, resource)
    _allow(request, resource, element=True)
    resources.destroy(resource, key, principal, if_match=request.header("if-match") or None)
    return respond(request, 204, None)


def _allow(request: Request, resource: Resource, *, element: bool) -> None:
    allowed = element_methods(resource) if element else collection_methods(resource)
    if request.method not in allowed:
        raise MethodNotAllowed(request.method, allowed)


def not_allowed(request: Request, params: Mapping[str, str]) -> Response:
    """405 with ``Allow`` for a method a route (or the resource's declaration) does not take."""
    path = request.route_path.rstrip("/")
    auth = AUTH_PATHS.get(path)
    if auth is not None:
        raise MethodNotAllowed(request.method, auth)
    resource, _ = lookup(request, params)
    _caller(request, resource)  # DRF authenticates and checks permissions before it looks at the method
    _allow(request, resource, element="id" in params)
    raise NotFound()  # a method the route serves never reaches here


# ------------------------------------------------------------------ the contract


class DRFDialect:
    """The DRF dialect's contract (see ``moviesapi.dialects``)."""

    name = "drf"
    prefixes = DIALECTS["drf"].prefixes
    endpoints = ENDPOINTS
    operations = OPERATIONS

    def handle(self, operation: str, request: Request, params: Mapping[str, str]) -> Response:
        view = drf_auth.VIEWS.get(operation)
        if view is not None:
            return view(request)
        if operation == "not_allowed":
            return not_allowed(request, params)
        resource, options = lookup(request, params)
        key = (request.route.params if request.route else params).get("id", "")
        if operation == "resource_list":
            return list_view(request, resource, options)
        if operation == "resource_create":
            return create_view(request, resource, options)
        if operation == "resource_get":
            return get_view(request, resource, options, key)
        if operation == "resource_update":
            return update_view(request, resource, options, key)
        if operation == "resource_delete":
            return delete_view(request, resource, options, key)
        raise NotFound()

    def options(self, request: Request, params: Mapping[str, str], methods: tuple[str, ...]) -> Response:
        """OPTIONS as DRF answers it: the view's metadata (after authentication and permissions)."""
        path = request.route_path.rstrip("/")
        if path in AUTH_PATHS:
            authenticate(request) if path.endswith("/register") else None  # the token views authenticate nobody
            return drf_metadata.auth_options(request, path.rsplit("/", 1)[-1])
        resource, options = lookup(request, params)
        principal = _caller(request, resource)
        key = (request.route.params if request.route else params).get("id")
        fields = serializer_fields(resource, options)
        return drf_metadata.resource_options(request, resource, options, fields, key, principal)

    def error_response(self, request: Request, exc: ApiError) -> Response:
        return error_response(request, exc)

    def url_patterns(self) -> tuple[Route, ...]:
        return url_patterns()

    def contribute_openapi(self, builder: Any) -> None:
        from . import drf_openapi  # only when the document is built

        drf_openapi.contribute(builder)


DIALECT = DRFDialect()
