"""The Frappe resource views (``/api/resource/<DocType>[/<name>]``) and the dialect's contract.

One view per operation serves every declared DocType: list, create, read,
update (only the fields sent), delete, and the refusals (an undeclared DocType
404 ``DoesNotExistError``, a write to a read-only DocType 403
``PermissionError``, any other verb a DocType does not take 405 with ``Allow``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ... import resources
from ...errors import ApiError, NotFound
from ...formats import Route
from ...http import Request
from ...operations import AUTH_TABLES, READ, WRITE, Operation
from ...responses import respond
from .. import ANY, DIALECTS, Endpoint, refusing_the_rest
from . import methods
from .doctypes import doctype_at, url_patterns
from .documents import body_of, delete_document, doctype_for, record_of, update_document
from .errors import (
    METHOD_PREFIX,
    RESOURCE_PREFIX,
    error_response,
    require_user,
)
from .listing import list_rows

PREFIXES = (RESOURCE_PREFIX, METHOD_PREFIX)
COLLECTION = RESOURCE_PREFIX + "{doctype}"
ELEMENT = RESOURCE_PREFIX + "{doctype}/{name}"
ALL_VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _head(verbs: tuple[str, ...]) -> tuple[str, ...]:
    return ("HEAD",) if "GET" in verbs else ()


def _method_endpoints() -> tuple[Endpoint, ...]:
    """A route per whitelisted method run by its own function; the rest share ``method_call``."""
    own = [
        Endpoint(entry.operation, f"{METHOD_PREFIX}{name}", (*entry.methods, *_head(entry.methods), ANY))
        for name, entry in methods.registered().items()
        if entry.operation != methods.METHOD_CALL
    ]
    shared = [
        Endpoint(methods.METHOD_CALL, f"{METHOD_PREFIX}{name}", (*ALL_VERBS, ANY))
        for name, entry in methods.registered().items()
        if entry.operation == methods.METHOD_CALL
    ]
    return (*own, *shared, Endpoint(methods.METHOD_CALL, METHOD_PREFIX + "{method}", (*ALL_VERBS, ANY)))


ROOT = "/"  # Frappe's older entry point: ``/`` with ``cmd=<method>`` (frappe-client's login, delete, ...)
ROOT_VERBS = ("GET", "HEAD", "POST", "PUT", "DELETE")


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
        methods.METHOD_CALL,
        "Whitelisted methods that only read (ping, get_logged_user, submit/cancel/rename refusals; 404 for others).",
        None,
        AUTH_TABLES,
        memory=256,
    ),
    Operation(
        methods.ROOT_CALL,
        "Frappe's `/` entry point with cmd=<method>: runs any whitelisted method, so it has their access.",
        None,
        AUTH_TABLES,
        runs=tuple(sorted({entry.operation for entry in methods.registered().values()})),
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
        Endpoint(methods.ROOT_CALL, ROOT, (*ROOT_VERBS, ANY)),
    )
)
METHOD_OPERATIONS = frozenset(e.operation for e in ENDPOINTS if e.pattern.startswith(METHOD_PREFIX))


def list_docs(request: Request, doctype_name: str) -> Response:
    """``GET /api/resource/<DocType>`` → ``{"data": [...]}`` (dicts, or lists with ``as_dict=0``)."""
    doctype = doctype_for(request, doctype_name)
    principal = require_user(request, doctype.name)
    return respond(request, 200, {"data": list_rows(doctype, methods.query_args(request), principal)})


def get_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``GET /api/resource/<DocType>/<name>`` → ``{"data": {doc}}``."""
    doctype = doctype_for(request, doctype_name, name)
    principal = require_user(request, doctype.name)
    record = record_of(doctype, name, principal)
    headers = {"ETag": resources.etag(record)} if "version" in record else {}
    return respond(request, 200, {"data": doctype.doc(record)}, headers)


def create_doc(request: Request, doctype_name: str) -> Response:
    """``POST /api/resource/<DocType>`` → 200 ``{"data": {doc}}`` (Frappe answers 200, not 201)."""
    doctype = doctype_for(request, doctype_name)
    principal = require_user(request, doctype.name)
    record, headers = resources.create_from_request(doctype.resource, body_of(request), principal, request)
    return respond(request, 200, {"data": doctype.doc(record)}, headers)


def update_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``PUT /api/resource/<DocType>/<name>``: only the fields sent change; only the owner may."""
    doctype = doctype_for(request, doctype_name, name)
    principal = require_user(request, doctype.name)
    record = update_document(doctype, name, body_of(request), principal, request.header("if-match") or None)
    return respond(request, 200, {"data": doctype.doc(record)}, {"ETag": resources.etag(record)})


def delete_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``DELETE /api/resource/<DocType>/<name>`` → 202 ``{"message": "ok"}``."""
    doctype = doctype_for(request, doctype_name, name)
    principal = require_user(request, doctype.name)
    delete_document(doctype, name, principal, request.header("if-match") or None)
    return respond(request, 202, {"message": "ok"})


def refuse_resource(request: Request, doctype_name: str, name: str | None = None) -> Response:
    """What the refusal routes answer: unknown DocType 404, read-only DocType 403, other verbs 405."""
    doctype_for(request, doctype_name, name)
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
        if request.path == ROOT:
            if operation == methods.ROOT_CALL:
                return methods.call_root(request)
            return methods.refuse_method(request, methods.command_of(request))
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
