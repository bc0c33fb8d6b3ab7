"""The Frappe resource views (``/api/resource/<DocType>[/<name>]``) and the dialect's contract.

One view per operation serves every declared DocType: list, create, read,
update (only the fields sent), delete, and the refusals (an undeclared DocType
404 ``DoesNotExistError``, a write to a read-only DocType 403
``PermissionError``, any other verb a DocType does not take 405 with ``Allow``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ... import resources
from ...accounts import Principal
from ...errors import ApiError, MethodNotAllowed, NotFound, PermissionDenied
from ...formats import Route
from ...http import Request
from ...operations import AUTH_TABLES, READ, WRITE, Operation
from ...query import Cond, Query
from ...responses import respond
from .. import ANY, DIALECTS, Endpoint, refusing_the_rest
from . import methods
from .doctypes import DocType, doctype_at, doctype_of, url_patterns
from .errors import (
    METHOD_PREFIX,
    RESOURCE_PREFIX,
    FrappeError,
    does_not_exist,
    error_response,
    no_permission,
    require_user,
)
from .listing import build_query, sbool

PREFIXES = (RESOURCE_PREFIX, METHOD_PREFIX)
COLLECTION = RESOURCE_PREFIX + "{doctype}"
ELEMENT = RESOURCE_PREFIX + "{doctype}/{name}"
ALL_VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# A read-only DocType answers the writes Frappe routes with 403, as Frappe's permission check does.
WRITES = {("POST", False): "create", ("PUT", True): "write", ("DELETE", True): "delete"}


def _method_endpoints() -> tuple[Endpoint, ...]:
    """A route per whitelisted method run by its own function; the rest share ``method_call``."""
    own = [
        Endpoint(entry.operation, f"{METHOD_PREFIX}{name}", (*entry.methods, ANY))
        for name, entry in methods.registered().items()
        if entry.operation != methods.METHOD_CALL
    ]
    shared = [
        Endpoint(methods.METHOD_CALL, f"{METHOD_PREFIX}{name}", (*ALL_VERBS, ANY))
        for name, entry in methods.registered().items()
        if entry.operation == methods.METHOD_CALL
    ]
    return (*own, *shared, Endpoint(methods.METHOD_CALL, METHOD_PREFIX + "{method}", (*ALL_VERBS, ANY)))


# The functions only this dialect has: password login, logout, key generation, whitelisted methods.
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "session_login",
        "Password login (usr, pwd) starting a DynamoDB-backed sid cookie session; throttled.",
        None,
        {"users": READ, "uniques": READ, "state": WRITE},
        secret=False,
        memory=1024,
    ),
    Operation(
        "session_logout",
        "End a cookie session server-side and expire its cookies.",
        None,
        {"state": WRITE},
        secret=False,
        memory=256,
    ),
    Operation(
        "generate_keys",
        "Generate the caller's API key and secret (the secret is shown once and stored hashed).",
        None,
        {"users": WRITE, "uniques": WRITE, "state": READ},
    ),
    Operation(
        "method_call", "Whitelisted methods (ping, get_logged_user; 404 for others).", None, AUTH_TABLES, memory=256
    ),
)
ENDPOINTS: tuple[Endpoint, ...] = refusing_the_rest(
    (
        Endpoint("resource_list", COLLECTION, ("GET", "HEAD")),
        Endpoint("resource_create", COLLECTION, ("POST",)),
        Endpoint("resource_get", ELEMENT, ("GET", "HEAD")),
        Endpoint("resource_update", ELEMENT, ("PUT",)),
        Endpoint("resource_delete", ELEMENT, ("DELETE",)),
        *_method_endpoints(),
    )
)
METHOD_OPERATIONS = frozenset(e.operation for e in ENDPOINTS if e.pattern.startswith(METHOD_PREFIX))


def check_method(doctype: DocType, method: str, name: str | None = None) -> None:
    """403 for a write to a read-only DocType, 405 (with ``Allow``) for a verb it does not take.

    ``name`` is the document's name on an item URL (None on the collection).
    """
    element = name is not None
    verb = "GET" if method == "HEAD" else method
    if not doctype.writable and (verb, element) in WRITES:
        raise no_permission(WRITES[verb, element], doctype.name, name or "")
    allowed = doctype.element_methods if element else doctype.collection_methods
    if verb not in allowed:
        raise MethodNotAllowed(method, allowed)


def _doctype(request: Request, doctype_name: str, name: str | None = None) -> DocType:
    """The DocType a view serves, if it takes this request's verb."""
    doctype = doctype_of(doctype_name)
    check_method(doctype, request.method, name)
    return doctype


def list_docs(request: Request, doctype_name: str) -> Response:
    """``GET /api/resource/<DocType>`` → ``{"data": [...]}`` (dicts, or lists with ``as_dict=0``)."""
    doctype = _doctype(request, doctype_name)
    principal = require_user(request)
    query, fields, empty = build_query(doctype, request)
    records = [] if empty else resources.search(doctype.resource, query, principal).records
    if sbool(request.param("as_dict"), True):
        data: list[Any] = [{key: doctype.value(r, f) for f, key in fields} for r in records]
    else:
        data = [[doctype.value(r, f) for f, _ in fields] for r in records]
    return respond(request, 200, {"data": data})


def _key(doctype: DocType, name: str, principal: Principal) -> str | None:
    """The key of the document called ``name`` (None: there is none)."""
    if doctype.names_are_keys:
        return name
    if doctype.lookup is not None:
        return doctype.lookup(name)
    page = resources.search(
        doctype.resource, Query(where=Cond(doctype.name_field, "eq", name), limit=1, with_count=False), principal
    )
    return page.records[0][doctype.resource.key] if page.records else None


def _record(doctype: DocType, name: str, principal: Principal) -> dict[str, Any]:
    key = _key(doctype, name, principal)
    if key is None:
        raise does_not_exist(doctype.name, name)
    try:
        record = resources.retrieve(doctype.resource, key, principal)
    except NotFound:
        raise does_not_exist(doctype.name, name) from None
    if not doctype.names_are_keys and str(doctype.value(record, "name")) != name:
        raise does_not_exist(doctype.name, name)  # names match exactly (a lookup may fold case)
    return record


def get_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``GET /api/resource/<DocType>/<name>`` → ``{"data": {doc}}``."""
    doctype = _doctype(request, doctype_name, name)
    principal = require_user(request)
    record = _record(doctype, name, principal)
    headers = {"ETag": resources.etag(record)} if "version" in record else {}
    return respond(request, 200, {"data": doctype.doc(record)}, headers)


def _body(request: Request) -> dict[str, Any]:
    """The document fields: the JSON body, or Frappe's ``data`` field holding JSON (form or JSON)."""
    payload = request.data()
    if "data" in payload:
        inner = payload["data"]
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError:
                raise FrappeError("data must be a JSON object") from None
        if not isinstance(inner, dict):
            raise FrappeError("data must be a JSON object")
        payload = inner
    payload = dict(payload)
    payload.pop("doctype", None)
    return payload


def create_doc(request: Request, doctype_name: str) -> Response:
    """``POST /api/resource/<DocType>`` → 200 ``{"data": {doc}}`` (Frappe answers 200, not 201)."""
    doctype = _doctype(request, doctype_name)
    principal = require_user(request)
    record, headers = resources.create_from_request(doctype.resource, _body(request), principal, request)
    return respond(request, 200, {"data": doctype.doc(record)}, headers)


def _existing_key(doctype: DocType, name: str, principal: Principal) -> str:
    """The key of an existing document (404 when there is none)."""
    return name if doctype.names_are_keys else _record(doctype, name, principal)[doctype.resource.key]


def update_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``PUT /api/resource/<DocType>/<name>``: only the fields sent change; only the owner may."""
    doctype = _doctype(request, doctype_name, name)
    principal = require_user(request)
    data = _body(request)
    try:
        record = resources.update(
            doctype.resource,
            _existing_key(doctype, name, principal),
            data,
            principal,
            partial=True,
            if_match=request.header("if-match") or None,
            method="PUT" if doctype.resource.allows("PUT") else "PATCH",
        )
    except NotFound:
        raise does_not_exist(doctype.name, name) from None
    except PermissionDenied as exc:
        raise no_permission("write", doctype.name, name) from exc
    return respond(request, 200, {"data": doctype.doc(record)}, {"ETag": resources.etag(record)})


def delete_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``DELETE /api/resource/<DocType>/<name>`` → 202 ``{"message": "ok"}``."""
    doctype = _doctype(request, doctype_name, name)
    principal = require_user(request)
    try:
        key = _existing_key(doctype, name, principal)
        resources.destroy(doctype.resource, key, principal, if_match=request.header("if-match") or None)
    except NotFound:
        raise does_not_exist(doctype.name, name) from None
    except PermissionDenied as exc:
        raise no_permission("delete", doctype.name, name) from exc
    return respond(request, 202, {"message": "ok"})


def refuse_resource(request: Request, doctype_name: str, name: str | None = None) -> Response:
    """What the refusal routes answer: unknown DocType 404, read-only DocType 403, other verbs 405."""
    _doctype(request, doctype_name, name)
    raise NotFound()  # an allowed verb never reaches a refusal route; answer as for a missing route


# ------------------------------------------------------------------ the contract


def _target(request: Request, params: Mapping[str, str]) -> tuple[str, str | None]:
    """(DocType, name or None) of a resource URL: from the suffix-aware route it matched, else the path params."""
    match = request.route
    doctype = doctype_at(match.route.pattern) if match is not None else None
    if match is not None and doctype is not None:
        return doctype.name, match.params.get("name")
    return params.get("doctype", ""), params.get("name")


def _method_name(request: Request, params: Mapping[str, str]) -> str:
    """The dotted path of an ``/api/method/...`` request."""
    name = params.get("method")
    if name:
        return name
    path = request.path
    return path[len(METHOD_PREFIX) :].rstrip("/") if path.startswith(METHOD_PREFIX) else ""


class FrappeDialect:
    """The Frappe dialect's contract (see ``moviesapi.dialects``)."""

    name = "frappe"
    prefixes = DIALECTS["frappe"].prefixes
    operations = OPERATIONS
    endpoints = ENDPOINTS

    def handle(self, operation: str, request: Request, params: Mapping[str, str]) -> Response:
        if request.path.startswith(METHOD_PREFIX):
            name = _method_name(request, params)
            if operation in METHOD_OPERATIONS:
                return methods.call_method(request, name, operation)
            return methods.refuse_method(request, name)
        doctype, name = _target(request, params)
        if operation == "resource_list":
            return list_docs(request, doctype)
        if operation == "resource_create":
            return create_doc(request, doctype)
        if name is not None:
            if operation == "resource_get":
                return get_doc(request, doctype, name)
            if operation == "resource_update":
                return update_doc(request, doctype, name)
            if operation == "resource_delete":
                return delete_doc(request, doctype, name)
        return refuse_resource(request, doctype, name)

    def error_response(self, request: Request, exc: ApiError) -> Response:
        return error_response(request, exc)

    def url_patterns(self) -> tuple[Route, ...]:
        return url_patterns()

    def contribute_openapi(self, builder: Any) -> None:
        from . import openapi  # only when the document is built

        openapi.contribute(builder)


DIALECT = FrappeDialect()
