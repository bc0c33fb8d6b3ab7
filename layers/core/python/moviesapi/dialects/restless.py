"""The Flask-Restless dialect (``/api/<collection>``, ``/api/eval/<collection>``).

Reads each resource's ``create_api``-style declaration from the registry and
translates Flask-Restless's ``q`` search language, page envelope, object
shapes (nested relations shaped by include/exclude columns), processors and
error bodies to and from the core.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import Response

from .. import resources
from ..accounts import Principal
from ..auth import authenticate, www_authenticate
from ..errors import (
    ApiError,
    BadQuery,
    MethodNotAllowed,
    NotAnObject,
    NotAuthenticated,
    NotFound,
    ParseError,
    Throttled,
    UnsupportedMediaType,
    ValidationFailed,
)
from ..formats import Route, format_suffix_patterns
from ..http import JSON_TYPES, Request
from ..query import Node, Order, Query, bind, bind_order
from ..registry import Resource, exposed, generation, reverse_relations
from ..rendering import to_json
from ..responses import respond
from . import ANY, DIALECTS, Endpoint, refusing_the_rest
from .restless_query import int_param, parse_q, parse_search

FUNCTIONS = ("count", "sum", "avg", "min", "max")

COLLECTION = "/api/{collection}"
ELEMENT = "/api/{collection}/{id}"
RELATED = "/api/{collection}/{id}/{relation}"
EVAL = "/api/eval/{collection}"
ENDPOINTS: tuple[Endpoint, ...] = refusing_the_rest(
    (
        Endpoint("resource_list", COLLECTION, ("GET", "HEAD")),
        Endpoint("resource_create", COLLECTION, ("POST",)),
        Endpoint("resource_patch_many", COLLECTION, ("PUT", "PATCH")),
        Endpoint("resource_get", ELEMENT, ("GET", "HEAD")),
        Endpoint("resource_update", ELEMENT, ("PUT", "PATCH")),
        Endpoint("resource_delete", ELEMENT, ("DELETE",)),
        # Read-only paths with one function: it takes ANY and refuses the other methods itself.
        Endpoint("resource_relation", RELATED, ("GET", "HEAD", ANY)),
        Endpoint("resource_eval", EVAL, ("GET", "HEAD", ANY)),
        # flask-restless-client's datamodel: a literal path, matched before /api/{collection}.
        Endpoint("resource_list", "/api/flask-restless-datamodel", ("GET", "HEAD", ANY)),
    )
)
SUFFIXES = ("json", "api", "html", "csv")
ITEM_NOT_FOUND = resources.ITEM_NOT_FOUND
MAX_RELATED = 100  # an `any` search through a to-many relation reads at most this many related objects
MAX_PATCH_MANY = 100


class UnknownShape(ApiError):
    """A body 0.17 cannot map onto the model (a non-object, an unknown field): no per-field errors."""

    def __init__(self) -> None:
        super().__init__("Could not determine specific validation errors")


JSON_ONLY = 'Request must have "Content-Type: application/json" header'
UNDECODABLE = "Unable to decode data"
NO_QUERY = "Unable to construct query"


class ProcessingException(ApiError):
    """Raised by a pre- or postprocessor to stop a request, as in Flask-Restless."""

    def __init__(self, description: str = "Processing error", code: int = 400) -> None:
        super().__init__(description)
        self.status = code


def error_response(request: Request, exc: ApiError) -> Response:
    """Flask-Restless's bodies: ``{"validation_errors": {field: msg}}`` or ``{"message": ...}``."""
    headers: dict[str, str] = {}
    if isinstance(exc, UnknownShape):
        body: dict[str, Any] = {"validation_errors": exc.message}
    elif isinstance(exc, ValidationFailed):
        body = {"validation_errors": {k: v[0] for k, v in exc.fields.items()}}
    elif isinstance(exc, MethodNotAllowed):
        body = {"message": "The method is not allowed for the requested URL."}
        if exc.allowed:  # Werkzeug's: the rule's methods plus HEAD (with GET) and OPTIONS, sorted
            extra = {"OPTIONS", *(("HEAD",) if "GET" in exc.allowed else ())}
            headers["Allow"] = ", ".join(sorted({*exc.allowed, *extra}))
    elif isinstance(exc, NotFound):
        body = {} if exc.code == ITEM_NOT_FOUND else {"message": "No result found"}  # 0.17: a missing item is {}
    else:
        body = {"message": exc.message}
    if exc.status == 401:
        headers["WWW-Authenticate"] = www_authenticate()
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.wait)
    return respond(request, exc.status, body, headers)


# ------------------------------------------------------------------ declaration lookup


def resource_for(path: str) -> Resource:
    """The resource whose ``url_prefix``/``collection_name`` owns ``path`` (404 otherwise)."""
    parts = path.rstrip("/")
    for resource, _ in exposed("restless"):
        prefix, name = resource.url_prefix, resource.collection
        for base in (f"{prefix}/{name}", f"{prefix}/eval/{name}"):
            if parts == base or parts.startswith(base + "/"):
                return resource
    raise NotFound()


def allowed_methods(resource: Resource, *, collection: bool) -> list[str]:
    """Flask-Restless's routing: PATCH/PUT on a collection only with ``allow_patch_many``, never DELETE."""
    if collection:
        on_collection = ("GET", "POST", "PATCH", "PUT") if resource.allow_patch_many else ("GET", "POST")
        return [m for m in resource.methods if m in on_collection]
    return [m for m in resource.methods if m != "POST"]


def _allow(resource: Resource, method: str, *, collection: bool) -> None:
    allowed = allowed_methods(resource, collection=collection)
    if method not in allowed:
        raise MethodNotAllowed(method, allowed)


def url_patterns() -> tuple[Route, ...]:
    return _url_patterns(generation())


@cache
def _url_patterns(_generation: int) -> tuple[Route, ...]:
    """Each exposed resource's collection, item, relation and eval routes, with format suffixes."""
    routes: list[Route] = []
    for resource, _ in exposed("restless"):
        base = f"{resource.url_prefix}/{resource.collection}"
        title, form = resource.title or resource.name, resource.blank_body()
        search = "search with q={filters, order_by, limit, offset, single}; page, results_per_page"
        if resource.allow_patch_many:
            search += "; PATCH with q patches every matching item you may change"
        routes.append(
            Route(base, tuple(allowed_methods(resource, collection=True)), title, f"Flask-Restless: {search}.", form)
        )
        routes.append(
            Route(base + "/{id}", tuple(allowed_methods(resource, collection=False)), title, resource.description, form)
        )
        for name in (*resource.relations, *reverse_relations(resource)):
            routes.append(Route(f"{base}/{{id}}/{name}", ("GET",), f"{title} {name}", f"The {name} of one {title}."))
        if resource.allow_functions:
            routes.append(
                Route(
                    f"{resource.url_prefix}/eval/{resource.collection}",
                    ("GET",),
                    f"{title} functions",
                    'q={"functions": [{"name": "count", "field": "id"}]}: count, sum, avg, min, max.',
                )
            )
    return tuple(replace(r, allow_header=False) for r in format_suffix_patterns(routes, allowed=SUFFIXES))


def _principal(resource: Resource, request: Request) -> Principal | None:
    principal = authenticate(request)
    if principal is None and request.method in resource.authentication_required_for:
        raise NotAuthenticated()
    return principal


def _run(resource: Resource, stage: str, kind: str, **kwargs: Any) -> None:
    processors = resource.preprocessors if kind == "pre" else resource.postprocessors
    for fn in processors.get(stage, ()):
        fn(**kwargs)


# ------------------------------------------------------------------ serialization


def _columns(resource: Resource) -> tuple[set[str] | None, set[str]]:
    include = set(resource.include_columns) if resource.include_columns is not None else None
    exclude = set(resource.exclude_columns or ())
    return include, exclude


def to_object(resource: Resource, record: Mapping[str, Any]) -> dict[str, Any]:
    """A record shaped by include/exclude columns; relations nest (``creator.username``)."""
    include, exclude = _columns(resource)
    out: dict[str, Any] = {}
    for name in resource.readable_fields():
        if (include is None or name in include) and name not in exclude:
            out[name] = record.get(name)
    for rel_name, relation in resource.relations.items():
        nested = record.get(rel_name) or {}
        fk = f"{rel_name}_id"  # SQLAlchemy's foreign-key column: a column, shaped apart from the relation
        if (include is None or fk in include) and fk not in exclude:
            out[fk] = nested.get("id")
        if (include is not None and rel_name not in include) or rel_name in exclude:
            continue
        sub = {}
        for field in relation.fields:
            dotted = f"{rel_name}.{field}"
            wanted = include is None or dotted in include or not any(c.startswith(rel_name + ".") for c in include)
            if wanted and dotted not in exclude:
                sub[field] = nested.get(field)
        out[rel_name] = _naive(sub)
    return json.loads(to_json(_naive(out)))


def _naive(values: dict[str, Any]) -> dict[str, Any]:
    """Flask-Restless writes datetimes with ``isoformat()`` of a naive (UTC) value: no zone suffix."""
    return {
        k: v.astimezone(UTC).replace(tzinfo=None).isoformat() if isinstance(v, datetime) else v
        for k, v in values.items()
    }


# ------------------------------------------------------------------ views


def _begin(request: Request, *, collection: bool) -> tuple[Resource, Principal | None]:
    """Every view starts alike: the declared resource, its allowed methods, its authentication rule."""
    resource = resource_for(request.route_path)
    _allow(resource, request.method, collection=collection)
    return resource, _principal(resource, request)


def get_many(request: Request) -> Response:
    resource, principal = _begin(request, collection=True)
    if request.param("q") == "":
        raise BadQuery(UNDECODABLE)
    q = parse_q(request)
    _run(resource, "GET_MANY", "pre", search_params=q)
    where, order = _search_terms(resource, q, principal)
    order = order or (Order(resource.key, False),)  # 0.17: by primary key (ids are time-ordered: oldest first)
    if q.get("single"):  # 0.17: query.limit(limit).one(), and a Location naming the one object
        limit = _positive(q.get("limit"), "limit")
        take = 2 if limit is None else min(2, limit)
        page = resources.search(resource, Query(where=where, order=order, limit=take, with_count=False), principal)
        if not page.records:
            raise NotFound("No result found")
        if len(page.records) > 1:
            raise BadQuery("Multiple results found")
        result = to_object(resource, page.records[0])
        _run(resource, "GET_SINGLE", "post", result=result)
        location = request.absolute_url(f"{request.route_path.rstrip('/')}/{page.records[0][resource.key]}")
        return respond(request, 200, result, {"Location": location})
    per_page, number = _page_params(request, resource)
    offset = _positive(q.get("offset"), "offset") or 0
    limit = _positive(q.get("limit"), "limit")  # 0.17 applies them only when truthy: 0 or less means none
    start = max(0, offset + (number - 1) * per_page)
    take = per_page if limit is None else max(0, min(per_page, limit - (number - 1) * per_page))
    if number < 0:  # 0.17 slices the result like a Python list: page -1 is [-20:-10]
        size = resources.search(resource, Query(where=where, order=order, limit=0), principal).count or 0
        begin, end = (number - 1) * per_page, number * per_page
        start = max(0, size + begin)
        take = max(0, size + end - start)
    page = resources.search(resource, Query(where=where, order=order, offset=start, limit=take), principal)
    total = max(0, (page.count or 0) - offset)
    if limit is not None:
        total = min(total, limit)
    result = {
        "num_results": total,
        "total_pages": math.ceil(total / per_page) if per_page else 0,
        "page": number,
        "objects": [to_object(resource, r) for r in page.records] if number else [],  # 0.17's page 0 is empty
    }
    _run(resource, "GET_MANY", "post", result=result, search_params=q)
    return respond(request, 200, result, {"Link": _links(request, number, result["total_pages"], per_page)})


def _links(request: Request, number: int, last: int, per_page: int) -> str:
    """0.17's Link header: the next page (if any) and the last one, as bare page URLs (no ``q``)."""
    base = request.absolute_url(request.route_path)
    links = []
    if number < last:
        links.append(f'<{base}?page={number + 1}&results_per_page={per_page}>; rel="next"')
    links.append(f'<{base}?page={last}&results_per_page={per_page}>; rel="last"')
    return ", ".join(links)


def _page_params(request: Request, resource: Resource) -> tuple[int, int]:
    """0.17's page parameters: a bad or non-positive results_per_page is the default; any integer page."""
    try:
        per_page = int(request.param("results_per_page") or "")
    except ValueError:
        per_page = resource.results_per_page
    if per_page <= 0:
        per_page = resource.results_per_page
    try:
        number = int(request.param("page") or 1)
    except ValueError:
        raise BadQuery("'page' must be an integer.") from None
    return min(per_page, resource.max_results_per_page), number


def _positive(value: Any, name: str) -> int | None:
    if value is None:
        return None
    number = int_param(value, name, -(2**31))
    return number if number > 0 else None


def get_single(request: Request, instance_id: str) -> Response:
    resource, principal = _begin(request, collection=False)
    _run(resource, "GET_SINGLE", "pre", instance_id=instance_id)
    record = resources.retrieve(resource, instance_id, principal)
    result = to_object(resource, record)
    _run(resource, "GET_SINGLE", "post", result=result)
    return respond(request, 200, result, {"ETag": resources.etag(record)})


def _body(request: Request, resource: Resource) -> dict[str, Any]:
    """0.17's body rules: JSON only (415 otherwise), undecodable or empty is a 400, ``null`` is ``{}``,
    and a non-object or an unknown field is a validation error without details."""
    if request.media_type not in JSON_TYPES and not request.media_type.endswith("+json"):
        raise UnsupportedMediaType(request.media_type or "none", message=JSON_ONLY)
    try:
        data = request.data()
    except NotAnObject as exc:
        if exc.empty:
            return {}
        raise UnknownShape() from exc
    except ParseError as exc:
        raise BadQuery(UNDECODABLE) from exc
    if not request.body.strip():
        raise BadQuery(UNDECODABLE)
    known = set(resource.fields) | set(resource.relations) | {"q"}
    unknown = next((name for name in data if name not in known), None)
    if unknown is not None:
        if request.method == "POST":
            raise UnknownShape()  # 0.17's constructor fails without naming the field
        raise BadQuery(f"Model does not have field '{unknown}'")
    return data


def column(resource: Resource, name: str) -> str:
    """A name as 0.17 reads it: a relation's foreign-key column (``creator_id``) is its ``creator.id``."""
    relation = name.removesuffix("_id")
    return f"{relation}.id" if name.endswith("_id") and relation in resource.relations else name


def _search_terms(
    resource: Resource, q: Mapping[str, Any], principal: Principal | None = None
) -> tuple[Node | None, tuple[Order, ...]]:
    """``q``'s filters and order, checked against the declaration: any mistake is 0.17's one message."""
    try:
        where, order = parse_search(resource, q)
        from .restless_relations import foreign_keys  # only searches through relations need it

        where = foreign_keys(resource, where, principal)
        order = tuple(Order(column(resource, o.field), o.descending) for o in order)
        return bind(resource, where), bind_order(resource, order)
    except BadQuery as exc:
        raise BadQuery(NO_QUERY) from exc


def post(request: Request) -> Response:
    resource, principal = _begin(request, collection=True)
    data = _body(request, resource)
    _run(resource, "POST", "pre", data=data)
    if principal is None:
        raise NotAuthenticated()
    record, headers = resources.create_from_request(resource, data, principal, request)
    result = to_object(resource, record)
    _run(resource, "POST", "post", result=result)
    headers["Location"] = request.absolute_url(f"{request.route_path.rstrip('/')}/{record['id']}")
    return respond(request, 201, result, headers)


def patch_single(request: Request, instance_id: str) -> Response:
    resource, principal = _begin(request, collection=False)
    data = _body(request, resource)
    _run(resource, "PATCH_SINGLE", "pre", instance_id=instance_id, data=data)
    if principal is None:
        raise NotAuthenticated()
    record = resources.update(
        resource,
        instance_id,
        data,
        principal,
        partial=True,
        if_match=request.header("if-match") or None,
        method=request.method,
    )
    result = to_object(resource, record)
    _run(resource, "PATCH_SINGLE", "post", result=result)
    return respond(request, 200, result, {"ETag": resources.etag(record)})


def patch_many(request: Request) -> Response:
    """PATCH /api/<collection>?q=... → ``{"num_modified": n}``, only on what the caller may change."""
    resource, principal = _begin(request, collection=True)
    data = _body(request, resource)
    if "q" in data and not isinstance(data["q"], dict):  # "q": null is not "no filter": never patch everything
        raise BadQuery(NO_QUERY)
    q = parse_q(request, data.pop("q", None))
    _run(resource, "PATCH_MANY", "pre", search_params=q, data=data)
    if principal is None:
        raise NotAuthenticated()
    where, _ = _search_terms(resource, q, principal)
    count = resources.update_many(resource, where, data, principal, limit=MAX_PATCH_MANY)
    result = {"num_modified": count}
    _run(resource, "PATCH_MANY", "post", query=q, data=data, search_params=q, result=result)
    return respond(request, 200, result)


def delete_single(request: Request, instance_id: str) -> Response:
    resource, principal = _begin(request, collection=False)
    _run(resource, "DELETE_SINGLE", "pre", instance_id=instance_id)
    if principal is None:
        raise NotAuthenticated()
    resources.destroy(resource, instance_id, principal, if_match=request.header("if-match") or None)
    _run(resource, "DELETE_SINGLE", "post", was_deleted=True)
    return _no_content(request)


def _no_content(request: Request) -> Response:
    """0.17's 204: no body, yet still labelled JSON (Flask's response class)."""
    response = respond(request, 204, None)
    response.headers["Content-Type"] = "application/json"
    return response


def not_allowed(request: Request) -> Response:
    """405 with ``Allow`` for a method this URL (or the resource's declaration) does not take."""
    resource = resource_for(request.route_path)
    path = request.route_path.rstrip("/")
    base = f"{resource.url_prefix}/{resource.collection}"
    if not (path == base or path.startswith(base + "/")) or path.count("/") > base.count("/") + 1:
        raise MethodNotAllowed(request.method, ["GET"])  # eval and relation URLs are read-only
    is_collection = path.endswith(f"/{resource.collection}")
    _allow(resource, request.method, collection=is_collection)
    raise MethodNotAllowed(request.method)


class RestlessDialect:
    """The Flask-Restless dialect's contract (see ``moviesapi.dialects``)."""

    name = "restless"
    prefixes = DIALECTS["restless"].prefixes
    endpoints = ENDPOINTS

    def handle(self, operation: str, request: Request, params: Mapping[str, str]) -> Response:
        matched = request.route.params if request.route is not None else params
        key = matched.get("id", "")
        if request.path.rstrip("/") == "/api/flask-restless-datamodel":
            from .restless_datamodel import serve  # every method there, GET or the 405 for the rest

            return serve(request)
        if operation == "resource_list":
            return get_many(request)
        if operation == "resource_create":
            return post(request)
        if operation == "resource_patch_many":
            return patch_many(request)
        if operation == "resource_get":
            return get_single(request, key)
        if operation == "resource_update":
            return patch_single(request, key)
        if operation == "resource_delete":
            return delete_single(request, key)
        if operation == "resource_relation":
            name = request.route_path.rstrip("/").rsplit("/", 1)[-1] if request.route else params.get("relation", "")
            from .restless_relations import get_related

            return get_related(request, key, name)
        if operation == "resource_eval":
            from .restless_eval import evaluate

            return evaluate(request)
        return not_allowed(request)

    def options(self, request: Request, params: Mapping[str, str], methods: tuple[str, ...]) -> Response:
        """Werkzeug's automatic OPTIONS: the rule's methods (with HEAD and OPTIONS) and an empty page."""
        resource = resource_for(request.route_path)
        path = request.route_path.rstrip("/")
        base = f"{resource.url_prefix}/{resource.collection}"
        if path == base:
            allowed = allowed_methods(resource, collection=True)
        elif path.count("/") == base.count("/") + 1 and path.startswith(base + "/"):
            allowed = allowed_methods(resource, collection=False)
        else:
            allowed = ["GET"]  # eval and relation URLs
        allow = ", ".join(sorted({*allowed, "OPTIONS", *(("HEAD",) if "GET" in allowed else ())}))
        return Response(status_code=200, content_type="text/html; charset=utf-8", body="", headers={"Allow": allow})

    def error_response(self, request: Request, exc: ApiError) -> Response:
        return error_response(request, exc)

    def url_patterns(self) -> tuple[Route, ...]:
        return url_patterns()

    def contribute_openapi(self, builder: Any) -> None:
        from . import restless_datamodel, restless_openapi  # only when the document is built

        restless_openapi.contribute(builder)
        restless_datamodel.contribute_openapi(builder)


DIALECT = RestlessDialect()
