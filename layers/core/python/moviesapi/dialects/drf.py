"""The Django REST framework dialect (``/api/v1/``), as the seed's project serves it.

Translates DRF's query parameters, page envelope, serializer shapes and error
bodies to and from the core; nothing here touches DynamoDB directly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response

from .. import accounts, resources, tokens
from ..auth import authenticate, www_authenticate
from ..catalog import MOVIE
from ..errors import ApiError, InvalidToken, MethodNotAllowed, NotAuthenticated, NotFound, Throttled, ValidationFailed
from ..formats import Route, format_suffix_patterns
from ..http import Request
from ..query import Cond, Order, Query, all_of
from ..responses import respond
from ..settings import get_settings

PREFIX = "/api/v1/"

# The original project's FilterSet: query parameter → (field, operator, type).
MOVIE_FILTERS: dict[str, tuple[str, str, type]] = {
    "title": ("title", "icontains", str),
    "genre": ("genre", "icontains", str),
    "year": ("year", "eq", int),
    "year__gt": ("year", "gt", int),
    "year__lt": ("year", "lt", int),
    "creator__username": ("creator.username", "eq", str),
}
ORDERING_FIELDS = {"title", "genre", "year", "created_at", "updated_at"}

# The movie views with DRF's format_suffix_patterns: .json, .api, .html, .csv (404 for any other).
# ``form`` is the writable part of a movie; ``links`` turn ids and creators into links.
_MOVIE_LINKS = {"id": "/api/v1/movies/{value}{suffix}", "creator": "/api/v1/movies{suffix}?creator__username={value}"}
URL_PATTERNS = format_suffix_patterns(
    [
        Route(
            "/api/v1/movies",
            ("GET", "POST"),
            "Movie List",
            "Movies, newest first. Filters: title, genre (contains), year, year__gt, year__lt, "
            "creator__username; ordering; page and page_size.",
            form={"title": "", "genre": "", "year": None},
            links=_MOVIE_LINKS,
        ),
        Route(
            "/api/v1/movies/{id}",
            ("GET", "PUT", "PATCH", "DELETE"),
            "Movie Instance",
            "One movie. Only its creator may change or delete it.",
            form={"title": "", "genre": "", "year": None},
            links=_MOVIE_LINKS,
        ),
    ],
    allowed=("json", "api", "html", "csv"),
)


def movie_json(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "title": record["title"],
        "genre": record["genre"],
        "year": record["year"],
        "creator": record["creator"]["username"],
    }


def error_response(request: Request, exc: ApiError) -> Response:
    """DRF's error bodies: ``{field: [..]}`` for validation, ``{"detail": ..}`` otherwise."""
    headers: dict[str, str] = {}
    body: dict[str, Any] = exc.fields if isinstance(exc, ValidationFailed) else {"detail": exc.message}
    if isinstance(exc, InvalidToken):
        body["code"] = "token_not_valid"
        if exc.message == "Given token not valid for any token type":
            body["messages"] = [
                {"token_class": "AccessToken", "token_type": "access", "message": "Token is invalid or expired"}
            ]
    if exc.status == 401:
        headers["WWW-Authenticate"] = www_authenticate()
    if isinstance(exc, MethodNotAllowed) and exc.allowed:
        headers["Allow"] = ", ".join(exc.allowed)
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.wait)
    return respond(request, exc.status, body, headers)


def _require_user(request: Request) -> accounts.Principal:
    principal = authenticate(request)
    if principal is None:
        raise NotAuthenticated()
    return principal


# ------------------------------------------------------------------ auth views


def register(request: Request) -> Response:
    user = accounts.register(request.data())
    return respond(request, 201, accounts.public_user(user))


def _require_fields(data: dict[str, Any], *names: str) -> None:
    errors = {n: ["This field is required."] for n in names if data.get(n) in (None, "")}
    errors.update({n: ["Not a valid string."] for n in names if n not in errors and not isinstance(data.get(n), str)})
    if errors:
        raise ValidationFailed(errors)


def obtain_token(request: Request) -> Response:
    data = request.data()
    _require_fields(data, "username", "password")
    user = accounts.authenticate(data["username"], data["password"])
    return respond(request, 200, tokens.issue_pair(user.id))


def refresh_token(request: Request) -> Response:
    data = request.data()
    _require_fields(data, "refresh")
    return respond(request, 200, tokens.refresh(data["refresh"]))


def verify_token(request: Request) -> Response:
    data = request.data()
    _require_fields(data, "token")
    tokens.verify(data["token"])
    return respond(request, 200, {})


def blacklist_token(request: Request) -> Response:
    data = request.data()
    _require_fields(data, "refresh")
    tokens.blacklist(data["refresh"])
    return respond(request, 200, {})


# ------------------------------------------------------------------ movies


def _int_param(request: Request, name: str, default: int, minimum: int) -> int:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise NotFound("Invalid page.") from None
    if value < minimum:
        raise NotFound("Invalid page.")
    return value


def _page_size(request: Request, default: int, maximum: int) -> int:
    """DRF's PageNumberPagination: an invalid size falls back to the default, a big one to the cap."""
    try:
        size = int(request.param("page_size") or "")
    except ValueError:
        return default
    return default if size < 1 else min(size, maximum)


def _filters(request: Request) -> Query:
    errors: dict[str, list[str]] = {}
    conds = []
    for param, (field, op, kind) in MOVIE_FILTERS.items():
        raw = request.param(param)
        if raw is None or raw == "":
            continue
        if kind is int:
            try:
                value: Any = int(raw.strip())
            except ValueError:
                errors[param] = ["Enter a number."]
                continue
        else:
            value = raw
        conds.append(Cond(field, op, value))
    if errors:
        raise ValidationFailed(errors)
    order: list[Order] = []
    for term in (request.param("ordering") or "").split(","):
        term = term.strip()
        name = term.lstrip("-")
        if name in ORDERING_FIELDS:  # DRF's OrderingFilter ignores unknown fields
            order.append(Order(name, term.startswith("-")))
    return Query(where=all_of(conds), order=tuple(order) or (Order("created_at", True),))


def _page_url(request: Request, page: int | None) -> str:
    params = [(k, v) for k, values in request.query.items() for v in values if k != "page"]
    if page is not None and page > 1:
        params.append(("page", str(page)))
    query = urlencode(params)
    return request.absolute_url() + (f"?{query}" if query else "")


def list_movies(request: Request) -> Response:
    principal = _require_user(request)
    settings = get_settings()
    size = _page_size(request, settings.page_size, settings.max_page_size)
    query = _filters(request)
    if "cursor" in request.query:
        return _cursor_page(request, principal, query, size)
    raw_page = request.param("page")
    last = raw_page == "last"
    number = 1 if last else _int_param(request, "page", 1, 1)
    if last:
        counted = resources.search(MOVIE, Query(where=query.where, order=query.order, limit=0), principal)
        number = max(1, -(-(counted.count or 0) // size))
    query.offset, query.limit = (number - 1) * size, size
    page = resources.search(MOVIE, query, principal)
    count = page.count or 0
    pages = max(1, -(-count // size))
    if number > pages:
        raise NotFound("Invalid page.")
    body = {
        "count": count,
        "next": _page_url(request, number + 1) if number < pages else None,
        "previous": (_page_url(request, number - 1) if number > 1 else None),
        "results": [movie_json(r) for r in page.records],
    }
    return respond(request, 200, body)


def _cursor_page(request: Request, principal: accounts.Principal, query: Query, size: int) -> Response:
    """DRF's CursorPagination shape: an opaque ``cursor`` whose cost does not grow with the table."""
    query.cursor = request.param("cursor") or None
    query.limit, query.with_count = size, False
    page = resources.search(MOVIE, query, principal)
    next_url = None
    if page.next_cursor:
        params = [(k, v) for k, values in request.query.items() for v in values if k != "cursor"]
        next_url = request.absolute_url() + "?" + urlencode([*params, ("cursor", page.next_cursor)])
    body = {"next": next_url, "previous": None, "results": [movie_json(r) for r in page.records]}
    return respond(request, 200, body)


def create_movie(request: Request) -> Response:
    principal = _require_user(request)
    record, headers = resources.create_from_request(MOVIE, request.data(), principal, request)
    headers["Location"] = request.absolute_url(f"{request.route_path.rstrip('/')}/{record['id']}/")
    return respond(request, 201, movie_json(record), headers)


def get_movie(request: Request, movie_id: str) -> Response:
    principal = _require_user(request)
    record = resources.retrieve(MOVIE, movie_id, principal)
    return respond(request, 200, movie_json(record), {"ETag": resources.etag(record)})


def update_movie(request: Request, movie_id: str, *, partial: bool) -> Response:
    principal = _require_user(request)
    record = resources.update(
        MOVIE, movie_id, request.data(), principal, partial=partial, if_match=request.header("if-match") or None
    )
    return respond(request, 200, movie_json(record), {"ETag": resources.etag(record)})


def delete_movie(request: Request, movie_id: str) -> Response:
    principal = _require_user(request)
    resources.destroy(MOVIE, movie_id, principal, if_match=request.header("if-match") or None)
    return respond(request, 204, None)


def not_allowed(request: Request, allowed: list[str]) -> Response:
    raise MethodNotAllowed(request.method, allowed)
