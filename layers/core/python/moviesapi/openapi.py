"""The OpenAPI 3.1 document of the whole API, generated from what the code declares.

Schemas come from the resource registry (fields, types, writable/required, limits,
readability); paths and methods from each dialect's ``URL_PATTERNS``, Frappe's
DocTypes and method whitelist, and the auth endpoints listed here; security schemes
from ``auth.AUTHENTICATORS``. So the document follows the code instead of drifting
from it (tests also hold it against template.yaml). Hidden values (password hashes,
API secret digests, session ids) are never declared readable, so no schema shows them.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response

from . import accounts, auth, passwords, sessions
from . import methods as whitelist
from .dialects import drf, frappe, restless
from .errors import BadQuery
from .formats import Route
from .http import Request
from .registry import Field, Resource, resources
from .responses import DEFAULT_RENDERERS, SECURITY_HEADERS
from .settings import get_settings
from .swagger import ASSETS, not_modified

OPENAPI_VERSION = "3.1.0"
API_VERSION = "0.1.0"  # pyproject.toml's version (a test keeps them equal)
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# Format-suffix paths (``/api/movies.json``) exist for reads and creates only (see template.yaml).
SUFFIX_METHODS = ("GET", "POST")

TAG_AUTH = "DRF: auth"
TAG_DRF = "DRF: movies"
TAG_RESTLESS = "Flask-Restless"
TAG_FRAPPE = "Frappe: resources"
TAG_METHODS = "Frappe: methods"
TAG_SUFFIXES = "Format suffixes"
TAG_DOCS = "Documentation"
TAGS = (
    (TAG_AUTH, "Registration and simplejwt-style tokens (`/api/v1/auth/`)."),
    (TAG_DRF, "Django REST framework dialect (`/api/v1/`): DRF pages, filters and errors."),
    (TAG_RESTLESS, "Flask-Restless dialect (`/api/<collection>`): the `q` search language and its pages."),
    (TAG_FRAPPE, 'Frappe dialect (`/api/resource/<DocType>`): `{"data": ...}` documents.'),
    (TAG_METHODS, "Frappe whitelisted methods (`/api/method/<dotted.path>`): login, keys, ping."),
    (TAG_SUFFIXES, "The same collections with a format suffix (`.json`, `.api`, `.html`, `.csv`)."),
    (TAG_DOCS, "This document and the Swagger UI page."),
)

_TYPES: dict[type, dict[str, str]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    datetime: {"type": "string", "format": "date-time"},
}
_LIMITS = (("min_length", "minLength"), ("max_length", "maxLength"), ("min_value", "minimum"), ("max_value", "maximum"))
# Example bodies (the README's walkthrough), so "Try it out" starts from a valid request.
EXAMPLES: dict[str, dict[str, Any]] = {
    "movies": {"title": "Casablanca", "genre": "Drama", "year": 1942},
}
# The DRF serializer's keys → the registry paths behind them (drf.movie_json; a test keeps them equal).
DRF_MOVIE_FIELDS = {"id": "id", "title": "title", "genre": "genre", "year": "year", "creator": "creator.username"}
_OP_TEXT = {"icontains": "contains, ignoring case", "eq": "equals", "gt": "greater than", "lt": "less than"}

# What each authenticator is, as an OpenAPI security scheme (keyed by its ``scheme``).
SECURITY_SCHEMES: dict[str, tuple[str, dict[str, Any]]] = {
    "Bearer": (
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from `POST /api/v1/auth/token/` (simplejwt, HS256).",
        },
    ),
    "token": (
        "tokenAuth",
        {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Frappe's `token <api_key>:<api_secret>`; the pair comes from "
            "`POST /api/method/frappe.core.doctype.user.user.generate_keys`. "
            "Type the whole value, `token ` included.",
        },
    ),
    "Basic": (
        "basicAuth",
        {
            "type": "http",
            "scheme": "basic",
            "description": "The API key as user name and the API secret as password (never an account password).",
        },
    ),
    "Session": (
        "sidCookie",
        {
            "type": "apiKey",
            "in": "cookie",
            "name": sessions.COOKIE_NAME,
            "description": "The session cookie set by `POST /api/method/login`. Cookie-authenticated writes also "
            "send the session's CSRF token in `X-Frappe-CSRF-Token`.",
        },
    ),
}

# ``/api/method/<name>``: how to call each whitelisted method (its verbs and guest access come
# from the whitelist itself). (summary, request schema, response schema, error statuses, headers)
METHOD_DOCS: dict[str, tuple[str, str | None, str, tuple[int, ...], tuple[str, ...]]] = {
    "login": (
        "Log in with a password: a sid cookie session",
        "FrappeLogin",
        "FrappeLoggedIn",
        (401, 413, 415, 417, 429),
        ("X-Frappe-CSRF-Token", "Set-Cookie"),
    ),
    "logout": ("Log out: end the cookie's session", None, "FrappeEmpty", (400,), ("Set-Cookie",)),
    "ping": ("Ping", None, "FrappePong", (), ()),
    "frappe.auth.get_logged_user": (
        "The caller's username",
        None,
        "FrappeLoggedUser",
        (400, 401),
        ("X-Frappe-CSRF-Token",),
    ),
    "frappe.core.doctype.user.user.generate_keys": (
        "Generate the caller's API key and secret",
        "FrappeGenerateKeys",
        "FrappeKeys",
        (400, 401, 403, 417),
        (),
    ),
}

# Error statuses each kind of operation may answer (400 is 417 in Frappe, except CSRF).
_ERRORS: dict[str, tuple[int, ...]] = {
    "list": (400, 401, 404, 406),
    "retrieve": (401, 404, 406),
    "create": (400, 401, 403, 406, 409, 413, 415, 422),
    "update": (400, 401, 403, 404, 406, 409, 412, 413, 415),
    "delete": (401, 403, 404, 406, 412),
    "eval": (400, 401, 404, 406),
    "patch_many": (400, 401, 403, 406, 409, 413, 415),
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def field_schema(f: Field, *, read_only: bool | None = None) -> dict[str, Any]:
    """A registry Field as a JSON Schema: type, length/value limits, read-only unless writable."""
    schema: dict[str, Any] = dict(_TYPES.get(f.type, {}))
    for attr, key in _LIMITS:
        value = getattr(f, attr)
        if value is not None:
            schema[key] = value
    if (not f.writable) if read_only is None else read_only:
        schema["readOnly"] = True
    return schema


def _docstring(fn: Callable[..., Any]) -> str:
    return inspect.cleandoc(fn.__doc__ or "")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def _paths(resource: Resource, purpose: str) -> list[str]:
    """Every field path the declaration allows for ``purpose`` (relations as ``rel__field``)."""
    out = []
    for name in resource.fields:
        try:
            resource.resolve(name, purpose)
            out.append(name)
        except BadQuery:
            pass
    for rel_name, relation in resource.relations.items():
        for name in relation.fields:
            try:
                resource.resolve(f"{rel_name}__{name}", purpose)
                out.append(f"{rel_name}__{name}")
            except BadQuery:
                pass
    return out


def _body(schema: dict[str, Any], *, form: bool = True, required: bool = True, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    content = {JSON: media}
    if form:
        content[FORM] = {"schema": schema}
    return {"required": required, "content": content}


class _Builder:
    """Collects schemas, responses and paths while walking the declarations."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.schemas: dict[str, Any] = {}
        self.responses: dict[str, Any] = {}
        self.paths: dict[str, dict[str, Any]] = {}
        self.formats = tuple(r.format for r in DEFAULT_RENDERERS)
        self.media_types = tuple(dict.fromkeys(r.media_type for r in DEFAULT_RENDERERS))
        names = [SECURITY_SCHEMES[a.scheme][0] for a in auth.AUTHENTICATORS]
        self.authenticated: list[dict[str, list[str]]] = [{name: []} for name in names]
        self.optional: list[dict[str, list[str]]] = [{}, *self.authenticated]

    # ---------------------------------------------------------------- helpers

    def add(self, path: str, method: str, operation: dict[str, Any]) -> None:
        self.paths.setdefault(path, {})[method.lower()] = operation

    def schema(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        self.schemas[name] = schema
        return ref(name)

    def error(self, dialect: str, status: int) -> dict[str, str]:
        """A shared error response for ``dialect`` and ``status`` (added to components on first use)."""
        name = f"{dialect.title()}Error{status}"
        if name not in self.responses:
            shape = {"drf": "DrfError", "restless": "RestlessError", "frappe": "FrappeError"}[dialect]
            schema: dict[str, Any] = ref(shape)
            if status == 400 and dialect == "drf":
                schema = {"anyOf": [ref("DrfValidationError"), ref("DrfError")]}
            elif status == 400 and dialect == "restless":
                schema = {"anyOf": [ref("RestlessValidationError"), ref("RestlessError")]}
            description = HTTPStatus(status).phrase
            if dialect == "frappe" and status == 400:
                description += " (CSRFTokenError: a cookie-authenticated write without the session's CSRF token)"
            if dialect == "frappe" and status == 417:
                description += " (ValidationError, MandatoryError or DataError)"
            response: dict[str, Any] = {"description": description, "content": {JSON: {"schema": schema}}}
            header = {401: "WWW-Authenticate", 429: "Retry-After"}.get(status)
            if header:
                response["headers"] = {header: {"$ref": f"#/components/headers/{header}"}}
            self.responses[name] = response
        return {"$ref": f"#/components/responses/{name}"}

    def errors(self, dialect: str, statuses: Iterable[int]) -> dict[str, Any]:
        return {str(s): self.error(dialect, s) for s in sorted(set(statuses))}

    def ok(
        self,
        status: int,
        schema: dict[str, Any] | None,
        description: str,
        *,
        headers: Sequence[str] = (),
        negotiable: bool = False,
    ) -> dict[str, Any]:
        response: dict[str, Any] = {"description": description}
        if schema is not None:
            content: dict[str, Any] = {JSON: {"schema": schema}}
            if negotiable:  # the route's renderers: the browsable API (HTML) and CSV as well
                content.update({m: {"schema": {"type": "string"}} for m in self.media_types if m != JSON})
            response["content"] = content
        if headers:
            response["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in headers}
        return {str(status): response}

    @staticmethod
    def header_params(method: str, *, create: bool, item: bool) -> list[dict[str, str]]:
        params = []
        if create:
            params.append({"$ref": "#/components/parameters/IdempotencyKey"})
        if item and method in ("PUT", "PATCH", "DELETE"):
            params.append({"$ref": "#/components/parameters/IfMatch"})
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            params.append({"$ref": "#/components/parameters/CsrfToken"})
        return params

    # ---------------------------------------------------------------- shared components

    def common(self) -> None:
        self.schema(
            "DrfError",
            {
                "type": "object",
                "required": ["detail"],
                "properties": {
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                    "messages": {"type": "array", "items": {"type": "object"}},
                },
                "description": "DRF's error body.",
            },
        )
        self.schema(
            "DrfValidationError",
            {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "DRF's validation errors: each field (or `non_field_errors`) → its messages.",
                "example": {"year": ["Ensure this value is greater than or equal to 1888."]},
            },
        )
        self.schema(
            "RestlessError",
            {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}},
                "description": "Flask-Restless's error body.",
            },
        )
        self.schema(
            "RestlessValidationError",
            {
                "type": "object",
                "required": ["validation_errors"],
                "properties": {"validation_errors": {"type": "object", "additionalProperties": {"type": "string"}}},
                "description": "Flask-Restless's validation errors: field → message.",
            },
        )
        self.schema(
            "FrappeError",
            {
                "type": "object",
                "required": ["exc_type", "exception"],
                "properties": {
                    "exc_type": {"type": "string", "examples": ["ValidationError", "DoesNotExistError"]},
                    "exception": {"type": "string"},
                    "_server_messages": {
                        "type": "string",
                        "description": 'A JSON list of JSON-encoded `{"message", ...}` objects.',
                    },
                    "message": {"type": "string"},
                    "exc": {"type": "string", "description": "The traceback; only when API_DEBUG is on."},
                },
                "description": "Frappe's error body.",
            },
        )
        self.schema("Empty", {"type": "object", "maxProperties": 0})

    def components(self) -> dict[str, Any]:
        headers = {
            "ETag": ("The item's version, for `If-Match`.", {"type": "string", "examples": ['W/"1"']}),
            "Location": ("The new item's URL.", {"type": "string", "format": "uri"}),
            "Idempotent-Replayed": (
                "`true` when this answer replays an earlier request with the same Idempotency-Key.",
                {"type": "string", "enum": ["true"]},
            ),
            "Retry-After": ("Seconds to wait before trying again.", {"type": "integer"}),
            "WWW-Authenticate": ("How to authenticate.", {"type": "string"}),
            "X-Frappe-CSRF-Token": ("The session's CSRF token, for cookie-authenticated writes.", {"type": "string"}),
            "Set-Cookie": (
                "The `sid` session cookie (HttpOnly; Secure; SameSite=Lax) and Frappe's readable "
                "`full_name`, `user_id`, `system_user`, `user_image`.",
                {"type": "string"},
            ),
        }
        return {
            "schemas": self.schemas,
            "responses": self.responses,
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": "Retrying with the same key returns the first result (kept 24 hours) "
                    "instead of creating twice; the same key with another body is a 422.",
                },
                "IfMatch": {
                    "name": "If-Match",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "The ETag read earlier: a stale version answers 412 and changes nothing.",
                },
                "CsrfToken": {
                    "name": "X-Frappe-CSRF-Token",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "Required with the `sid` cookie (not with an Authorization header): the token "
                    "from the login's or get_logged_user's `X-Frappe-CSRF-Token` header.",
                },
            },
            "headers": {name: {"description": d, "schema": s} for name, (d, s) in headers.items()},
            "securitySchemes": {name: scheme for name, scheme in SECURITY_SCHEMES.values()},
        }

    # ---------------------------------------------------------------- resource schemas

    def resource_schemas(self, resource: Resource) -> None:
        """``<Title>Input``/``<Title>Patch`` (writable fields) and the read shapes of each dialect."""
        title = resource.title or resource.name.title()
        writable = {n: f for n, f in resource.fields.items() if f.writable and f.readable}
        if writable:
            props = {n: field_schema(f, read_only=False) for n, f in writable.items()}
            required = [n for n, f in writable.items() if f.required]
            example = EXAMPLES.get(resource.name)
            self.schema(
                f"{title}Input",
                {
                    "type": "object",
                    "properties": props,
                    "required": required,
                    **({"example": example} if example else {}),
                },
            )
            self.schema(
                f"{title}Patch", {"type": "object", "properties": props, "description": "Only the fields sent change."}
            )
        self.schema(f"Restless{title}", self.restless_object(resource))
        self.schema(
            f"Restless{title}Page",
            {
                "type": "object",
                "required": ["num_results", "total_pages", "page", "objects"],
                "properties": {
                    "num_results": {"type": "integer", "minimum": 0},
                    "total_pages": {"type": "integer", "minimum": 0},
                    "page": {"type": "integer", "minimum": 1},
                    "objects": {"type": "array", "items": ref(f"Restless{title}")},
                },
            },
        )
        self.schema(f"Restless{title}Filter", self.restless_filter(resource, title))
        self.schema(
            f"Restless{title}Query",
            {
                "type": "object",
                "properties": {
                    "filters": {"type": "array", "items": ref(f"Restless{title}Filter")},
                    "order_by": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["field"],
                            "properties": {
                                "field": {"type": "string", "enum": _paths(resource, "sort")},
                                "direction": {"type": "string", "enum": ["asc", "desc"]},
                            },
                        },
                    },
                    "limit": {"type": "integer", "minimum": 0},
                    "offset": {"type": "integer", "minimum": 0},
                    "single": {"type": "boolean"},
                },
                "example": {
                    "filters": [{"name": "year", "op": ">=", "val": 1950}],
                    "order_by": [{"field": "year", "direction": "desc"}],
                },
            },
        )
        if resource.allow_functions:
            self.schema(
                f"Restless{title}Functions",
                {
                    "type": "object",
                    "properties": {
                        "functions": {
                            "type": "array",
                            "maxItems": 20,
                            "items": {
                                "type": "object",
                                "required": ["name", "field"],
                                "properties": {
                                    "name": {"type": "string", "enum": list(restless.FUNCTIONS)},
                                    "field": {"type": "string", "enum": _paths(resource, "read")},
                                },
                            },
                        },
                        "filters": {"type": "array", "items": ref(f"Restless{title}Filter")},
                    },
                    "example": {"functions": [{"name": "count", "field": "id"}, {"name": "avg", "field": "year"}]},
                },
            )

    @staticmethod
    def restless_object(resource: Resource) -> dict[str, Any]:
        """restless.to_object's shape: readable fields and nested relations, include/exclude columns applied."""
        include = set(resource.include_columns) if resource.include_columns is not None else None
        exclude = set(resource.exclude_columns or ())
        props: dict[str, Any] = {}
        for name in resource.readable_fields():
            if (include is None or name in include) and name not in exclude:
                props[name] = field_schema(resource.fields[name])
        for rel_name, relation in resource.relations.items():
            if (include is not None and rel_name not in include) or rel_name in exclude:
                continue
            sub = {}
            for name, f in relation.fields.items():
                dotted = f"{rel_name}.{name}"
                wanted = include is None or dotted in include or not any(c.startswith(rel_name + ".") for c in include)
                if wanted and dotted not in exclude and f.readable:
                    sub[name] = field_schema(f, read_only=True)
            props[rel_name] = {"type": "object", "readOnly": True, "properties": sub, "required": list(sub)}
        return {"type": "object", "properties": props, "required": list(props)}

    @staticmethod
    def restless_filter(resource: Resource, title: str) -> dict[str, Any]:
        self_ref = ref(f"Restless{title}Filter")
        return {
            "anyOf": [
                {
                    "type": "object",
                    "required": ["name", "op"],
                    "properties": {
                        "name": {"type": "string", "enum": _paths(resource, "filter")},
                        "op": {"type": "string", "enum": list(restless.OPERATORS)},
                        "val": {},
                    },
                },
                {
                    "type": "object",
                    "required": ["name", "op", "val"],
                    "properties": {
                        "name": {"type": "string", "enum": list(resource.relations)},
                        "op": {"type": "string", "enum": ["has", "any"]},
                        "val": self_ref,
                    },
                },
                {
                    "type": "object",
                    "required": ["or"],
                    "properties": {"or": {"type": "array", "minItems": 1, "items": self_ref}},
                },
                {
                    "type": "object",
                    "required": ["and"],
                    "properties": {"and": {"type": "array", "minItems": 1, "items": self_ref}},
                },
                {"type": "object", "required": ["not"], "properties": {"not": self_ref}},
            ]
        }

    # ---------------------------------------------------------------- DRF

    def drf(self) -> None:
        movie = drf.MOVIE
        props = {}
        for key, path in DRF_MOVIE_FIELDS.items():
            props[key] = field_schema(movie.resolve(path, "read"), read_only=key in ("id", "creator"))
        props["creator"]["description"] = "The creator's username."
        self.schema("DrfMovie", {"type": "object", "properties": props, "required": list(props)})
        nullable_url = {"type": ["string", "null"], "format": "uri"}
        self.schema(
            "DrfMoviePage",
            {
                "type": "object",
                "required": ["count", "next", "previous", "results"],
                "properties": {
                    "count": {"type": "integer", "minimum": 0},
                    "next": nullable_url,
                    "previous": nullable_url,
                    "results": {"type": "array", "items": ref("DrfMovie")},
                },
            },
        )
        self.schema(
            "DrfMovieCursorPage",
            {
                "type": "object",
                "required": ["next", "previous", "results"],
                "properties": {
                    "next": nullable_url,
                    "previous": {"type": "null"},
                    "results": {"type": "array", "items": ref("DrfMovie")},
                },
            },
        )
        self.auth_endpoints()
        settings = get_settings()
        for route in drf.URL_PATTERNS:
            item = "{" in route.pattern
            path = route.pattern + "/"  # DRF's URLs end with a slash (without one works too)
            for method in route.methods:
                kind = _kind(method, item)
                op = self.drf_operation(route, method, kind, settings.page_size, settings.max_page_size)
                self.add(path, method, op)
                if not item and method in SUFFIX_METHODS:
                    self.add_suffixed(route, method, op)

    def drf_operation(self, route: Route, method: str, kind: str, page_size: int, max_page_size: int) -> dict[str, Any]:
        params: list[dict[str, Any]] = []
        if "{" in route.pattern:
            params.append(_path_param("id", "The movie's id (a format suffix may follow: `<id>.json`)."))
        if kind == "list":
            for name, (path, op, kind_type) in drf.MOVIE_FILTERS.items():
                f = drf.MOVIE.resolve(path, "filter")
                params.append(_query(name, dict(_TYPES[kind_type]), f"{f.name} {_OP_TEXT.get(op, op)}."))
            params += [
                _query(
                    "page",
                    {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "const": "last"}]},
                    "Page number (1-based) or `last`.",
                ),
                _query(
                    "page_size",
                    {"type": "integer", "minimum": 1, "default": page_size},
                    f"Items per page (capped at {max_page_size}).",
                ),
                _query(
                    "ordering",
                    {"type": "string", "examples": ["-year,title"]},
                    "Comma-separated fields, `-` for descending: "
                    + ", ".join(sorted(drf.ORDERING_FIELDS))
                    + " (unknown fields are ignored).",
                ),
                _query(
                    "cursor",
                    {"type": "string"},
                    "Switches to cursor pages (`{next, previous, results}`, no count); empty for the first.",
                ),
            ]
        params += self.header_params(method, create=kind == "create", item=kind != "list" and kind != "create")
        body = None
        if kind == "create" or (kind == "update" and method == "PUT"):
            body = _body(ref("MovieInput"), example=EXAMPLES["movies"])
        elif kind == "update":
            body = _body(ref("MoviePatch"), required=False, example={"year": 1943})
        responses: dict[str, Any] = {}
        if kind == "list":
            responses.update(
                self.ok(
                    200,
                    {"anyOf": [ref("DrfMoviePage"), ref("DrfMovieCursorPage")]},
                    "A page of movies, newest first unless `ordering` says otherwise.",
                    negotiable=True,
                )
            )
        elif kind == "create":
            responses.update(
                self.ok(
                    201,
                    ref("DrfMovie"),
                    "Created.",
                    negotiable=True,
                    headers=("Location", "ETag", "Idempotent-Replayed"),
                )
            )
        elif kind == "delete":
            responses["204"] = {"description": "Deleted."}
        else:
            responses.update(self.ok(200, ref("DrfMovie"), "The movie.", headers=("ETag",), negotiable=True))
        responses.update(self.errors("drf", _ERRORS[kind]))
        return _operation(
            f"drf_{_slug(route.pattern)}_{method.lower()}",
            TAG_DRF,
            _summary(drf.MOVIE, kind, method),
            route.description,
            self.authenticated,
            params,
            body,
            responses,
        )

    def auth_endpoints(self) -> None:
        password = {
            "type": "string",
            "format": "password",
            "minLength": passwords.MIN_LENGTH,
            "maxLength": passwords.MAX_LENGTH,
        }
        self.schema(
            "Register",
            {
                "type": "object",
                "required": ["username", "email", "password1", "password2"],
                "properties": {
                    "username": {"type": "string", "maxLength": accounts.USERNAME_MAX, "pattern": r"^[\w.@+-]+$"},
                    "email": {"type": "string", "format": "email", "maxLength": accounts.EMAIL_MAX},
                    "password1": password,
                    "password2": password,
                    "first_name": {"type": "string", "maxLength": 150},
                    "last_name": {"type": "string", "maxLength": 150},
                },
                "example": {
                    "email": "email@email.com",
                    "username": "USERNAME",
                    "password1": "Sup3r-secret-pass",
                    "password2": "Sup3r-secret-pass",
                },
            },
        )
        self.schema(
            "RegisteredUser",
            {
                "type": "object",
                "required": ["id", "username", "email", "first_name", "last_name"],
                "properties": {k: {"type": "string"} for k in ("id", "username", "email", "first_name", "last_name")},
            },
        )
        self.schema(
            "TokenObtain",
            {
                "type": "object",
                "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string", "format": "password"}},
            },
        )
        self.schema(
            "TokenPair",
            {
                "type": "object",
                "required": ["access", "refresh"],
                "properties": {"access": {"type": "string"}, "refresh": {"type": "string"}},
            },
        )
        self.schema(
            "TokenRefreshed",
            {
                "type": "object",
                "required": ["access"],
                "properties": {
                    "access": {"type": "string"},
                    "refresh": {"type": "string", "description": "The rotated refresh token."},
                },
            },
        )
        self.schema(
            "RefreshToken", {"type": "object", "required": ["refresh"], "properties": {"refresh": {"type": "string"}}}
        )
        self.schema(
            "TokenVerify", {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}
        )
        endpoints = (
            (
                "register",
                "Register a user (unique username and email)",
                "Register",
                201,
                "RegisteredUser",
                (400, 413, 415),
            ),
            (
                "token",
                "Obtain an access/refresh token pair (five failures in 15 minutes: 429)",
                "TokenObtain",
                200,
                "TokenPair",
                (400, 401, 413, 415, 429),
            ),
            (
                "token/refresh",
                "Refresh: a new access token and a rotated refresh token (reuse revokes the family)",
                "RefreshToken",
                200,
                "TokenRefreshed",
                (400, 401, 413, 415),
            ),
            ("token/verify", "Verify a token", "TokenVerify", 200, "Empty", (400, 401, 413, 415)),
            (
                "token/blacklist",
                "Blacklist a refresh token (simplejwt's name for logout)",
                "RefreshToken",
                200,
                "Empty",
                (400, 401, 413, 415),
            ),
            ("logout", "Log out: blacklist a refresh token", "RefreshToken", 200, "Empty", (400, 401, 413, 415)),
        )
        for name, summary, request, status, response, errors in endpoints:
            path = f"{drf.PREFIX}auth/{name}/"
            responses = {**self.ok(status, ref(response), HTTPStatus(status).phrase), **self.errors("drf", errors)}
            self.add(
                path,
                "POST",
                _operation(
                    f"drf_auth_{_slug(name)}_post", TAG_AUTH, summary, "", [], [], _body(ref(request)), responses
                ),
            )

    # ---------------------------------------------------------------- Flask-Restless

    def restless(self) -> None:
        for route in restless.URL_PATTERNS:
            resource = restless.resource_for(route.pattern)
            title = resource.title or resource.name.title()
            evaluate = route.pattern.startswith(f"{resource.url_prefix}/eval/")
            item = "{" in route.pattern
            for method in route.methods:
                kind = "eval" if evaluate else _kind(method, item)
                if kind == "update" and not item:
                    kind = "patch_many"
                op = self.restless_operation(route, resource, title, method, kind)
                self.add(route.pattern, method, op)
                if not item and method in SUFFIX_METHODS:
                    self.add_suffixed(route, method, op)

    def restless_operation(
        self, route: Route, resource: Resource, title: str, method: str, kind: str
    ) -> dict[str, Any]:
        params: list[dict[str, Any]] = []
        if "{" in route.pattern:
            params.append(_path_param("id", f"The {title.lower()}'s id."))
        if kind in ("list", "patch_many"):
            params.append(
                _json_query(
                    "q", ref(f"Restless{title}Query"), "The search: `filters`, `order_by`, `limit`, `offset`, `single`."
                )
            )
        if kind == "list":
            params += [
                _query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number (1-based)."),
                _query(
                    "results_per_page",
                    {"type": "integer", "minimum": 1, "default": resource.results_per_page},
                    f"Items per page (capped at {resource.max_results_per_page}).",
                ),
            ]
        if kind == "eval":
            params.append(
                _json_query(
                    "q",
                    ref(f"Restless{title}Functions"),
                    "`functions` (count, sum, avg, min, max over a field) and optional `filters`.",
                )
            )
        params += self.header_params(method, create=kind == "create", item="{" in route.pattern)
        body = None
        if kind == "create":
            body = _body(ref(f"{title}Input"), form=False, example=EXAMPLES.get(resource.name))
        elif kind in ("update", "patch_many"):
            body = _body(ref(f"{title}Patch"), form=False, required=False, example={"genre": "Romance"})
        responses: dict[str, Any] = {}
        if kind == "list":
            responses.update(
                self.ok(
                    200,
                    {"anyOf": [ref(f"Restless{title}Page"), ref(f"Restless{title}")]},
                    "A page of objects (one object with `single`).",
                    negotiable=True,
                )
            )
        elif kind == "create":
            responses.update(
                self.ok(
                    201,
                    ref(f"Restless{title}"),
                    "Created.",
                    negotiable=True,
                    headers=("Location", "ETag", "Idempotent-Replayed"),
                )
            )
        elif kind == "delete":
            responses["204"] = {"description": "Deleted."}
        elif kind == "patch_many":
            responses.update(
                self.ok(
                    200,
                    {
                        "type": "object",
                        "required": ["num_modified"],
                        "properties": {"num_modified": {"type": "integer", "minimum": 0}},
                    },
                    "How many objects changed (only the caller's own; all or nothing).",
                )
            )
        elif kind == "eval":
            responses.update(
                self.ok(
                    200,
                    {
                        "type": "object",
                        "additionalProperties": {"type": ["number", "null"]},
                        "example": {"count__id": 2, "avg__year": 1968.5},
                    },
                    "`<function>__<field>` → its value.",
                    negotiable=True,
                )
            )
        else:
            responses.update(self.ok(200, ref(f"Restless{title}"), "The object.", headers=("ETag",), negotiable=True))
        responses.update(self.errors("restless", _ERRORS[kind]))
        security = self.authenticated if method in resource.authentication_required_for else self.optional
        summary = (
            "Evaluate functions over " + resource.collection if kind == "eval" else _summary(resource, kind, method)
        )
        return _operation(
            f"restless_{_slug(route.pattern)}_{method.lower()}",
            TAG_RESTLESS,
            summary,
            route.description,
            security,
            params,
            body,
            responses,
        )

    # ---------------------------------------------------------------- Frappe

    def frappe(self) -> None:
        self.schema("FrappeEmpty", {"type": "object"})
        for doctype in frappe.DOCTYPES.values():
            self.frappe_doctype(doctype)
        suffixed = {r.pattern: r for r in frappe.URL_PATTERNS if "{" not in r.pattern}
        for doctype in frappe.DOCTYPES.values():
            collection = f"{frappe.PREFIXES[0]}{doctype.name}"
            for method in doctype.collection_methods:
                op = self.frappe_operation(doctype, method, _kind(method, False))
                self.add(collection, method, op)
                route = suffixed.get(collection)
                if route is not None and method in SUFFIX_METHODS:
                    self.add_suffixed(route, method, op)
            for method in doctype.element_methods:
                self.add(f"{collection}/{{name}}", method, self.frappe_operation(doctype, method, _kind(method, True)))
        self.frappe_methods()

    def frappe_doctype(self, doctype: frappe.DocType) -> None:
        props: dict[str, Any] = {}
        for fieldname in doctype.doc_fields:
            path = doctype.fields[fieldname]
            if path is None:
                props[fieldname] = {"type": "integer", "const": 0, "readOnly": True}
                continue
            f = doctype.resource.resolve(path, "read")
            if f.type is datetime:
                props[fieldname] = {
                    "type": "string",
                    "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$",
                    "description": "UTC, Frappe's `YYYY-MM-DD HH:MM:SS.ffffff`.",
                    "readOnly": True,
                }
            else:
                props[fieldname] = field_schema(
                    f, read_only=not (doctype.writable and f.writable and fieldname == path)
                )
        props["doctype"] = {"type": "string", "const": doctype.name, "readOnly": True}
        self.schema(
            f"Frappe{doctype.name}",
            {
                "type": "object",
                "properties": props,
                "description": f"A {doctype.name} document; a list holds only the requested `fields`.",
            },
        )
        fieldnames = list(doctype.fields)
        filterable = [f for f in fieldnames if _frappe_permits(doctype, f, "filter")]
        operators = sorted(frappe.OPERATORS)
        self.schema(
            f"Frappe{doctype.name}Filters",
            {
                "anyOf": [
                    {
                        "type": "array",
                        "maxItems": frappe.MAX_FILTERS,
                        "items": {
                            "anyOf": [
                                {
                                    "type": "array",
                                    "minItems": 3,
                                    "maxItems": 3,
                                    "prefixItems": [{"enum": filterable}, {"enum": operators}, {}],
                                },
                                {
                                    "type": "array",
                                    "minItems": 4,
                                    "maxItems": 4,
                                    "prefixItems": [
                                        {"const": doctype.name},
                                        {"enum": filterable},
                                        {"enum": operators},
                                        {},
                                    ],
                                },
                                {"type": "object", "propertyNames": {"enum": filterable}},
                            ]
                        },
                    },
                    {
                        "type": "object",
                        "propertyNames": {"enum": filterable},
                        "description": "`{field: value}` or `{field: [operator, value]}`.",
                    },
                ],
                "example": [["year", ">=", 1940], ["genre", "like", "%drama%"]],
            },
        )

    def frappe_operation(self, doctype: frappe.DocType, method: str, kind: str) -> dict[str, Any]:
        name = doctype.name
        params: list[dict[str, Any]] = []
        if kind not in ("list", "create"):
            params.append(
                _path_param(
                    "name",
                    f"The {name}'s name" + (" (its username)." if doctype is frappe.USER_DOCTYPE else " (its id)."),
                )
            )
        if kind == "list":
            readable = [f for f in doctype.fields if _frappe_permits(doctype, f, "read")]
            sortable = [f for f in doctype.fields if _frappe_permits(doctype, f, "sort")]
            params += [
                _query(
                    "fields",
                    {"type": "string", "default": '["name"]', "examples": ['["name", "title", "year"]']},
                    "A JSON list or a comma-separated string of fields (`*` for all, `title as t` to rename): "
                    + ", ".join(readable)
                    + ".",
                ),
                _json_query(
                    "filters",
                    ref(f"Frappe{name}Filters"),
                    "Conditions that must all hold. Operators: " + frappe.OPERATOR_LIST + ".",
                ),
                _json_query("or_filters", ref(f"Frappe{name}Filters"), "Conditions of which one must hold."),
                _query(
                    "order_by",
                    {"type": "string", "default": frappe.DEFAULT_ORDER_BY},
                    "`field [asc|desc]`, comma-separated (at most 5): " + ", ".join(sortable) + ".",
                ),
                _query("limit_start", {"type": "integer", "minimum": 0, "default": 0}, "Offset (alias `start`)."),
                _query(
                    "limit_page_length",
                    {"type": "integer", "minimum": 0, "default": frappe.DEFAULT_PAGE_LENGTH},
                    f"Page length (aliases `limit`, `page_length`); 0 and anything larger mean "
                    f"{frappe.MAX_PAGE_LENGTH}.",
                ),
                _query(
                    "as_dict",
                    {"type": "string", "enum": ["1", "0"], "default": "1"},
                    "`0` answers lists of values instead of objects.",
                ),
            ]
        params += self.header_params(method, create=kind == "create", item=kind not in ("list", "create"))
        body = None
        if kind in ("create", "update"):
            schema = ref(f"{doctype.resource.title}Input" if kind == "create" else f"{doctype.resource.title}Patch")
            body = {
                "required": kind == "create",
                "content": {
                    JSON: {
                        "schema": {
                            "anyOf": [
                                schema,
                                {
                                    "type": "object",
                                    "required": ["data"],
                                    "properties": {"data": {"anyOf": [schema, {"type": "string"}]}},
                                },
                            ]
                        },
                        "example": EXAMPLES.get(doctype.resource.name) if kind == "create" else {"genre": "Romance"},
                    },
                    FORM: {
                        "schema": {
                            "type": "object",
                            "required": ["data"],
                            "properties": {"data": {"type": "string", "description": "The fields as JSON."}},
                        }
                    },
                },
            }
        responses: dict[str, Any] = {}
        envelope = {"type": "object", "required": ["data"]}
        if kind == "list":
            item_schema = {"anyOf": [ref(f"Frappe{name}"), {"type": "array"}]}
            responses.update(
                self.ok(
                    200,
                    {**envelope, "properties": {"data": {"type": "array", "items": item_schema}}},
                    f'`{{"data": [...]}}`: {name} documents with the requested fields '
                    "(lists of values with `as_dict=0`).",
                    negotiable=True,
                )
            )
        elif kind == "delete":
            responses.update(
                self.ok(
                    202, {"type": "object", "properties": {"message": {"const": "ok"}}}, 'Deleted: `{"message": "ok"}`.'
                )
            )
        else:
            # Versioned documents carry an ETag (a User has no version to match).
            headers = ("ETag", "Idempotent-Replayed") if kind == "create" else ("ETag",) if doctype.writable else ()
            responses.update(
                self.ok(
                    200,
                    {**envelope, "properties": {"data": ref(f"Frappe{name}")}},
                    f'`{{"data": {{...}}}}`: the {name} document (Frappe answers 200 to a create).',
                    headers=headers,
                    negotiable=True,
                )
            )
        # Frappe answers validation errors with 417; its 400 is the CSRF check on cookie writes.
        statuses = {417 if s == 400 else s for s in _ERRORS[kind]} | ({400} if method != "GET" else set())
        responses.update(self.errors("frappe", statuses))
        view = {
            "list": frappe.list_docs,
            "retrieve": frappe.get_doc,
            "create": frappe.create_doc,
            "update": frappe.update_doc,
            "delete": frappe.delete_doc,
        }[kind]
        summary = {
            "list": f"List {name} documents",
            "retrieve": f"Read a {name} document",
            "create": f"Create a {name} document",
            "update": f"Update a {name} document",
            "delete": f"Delete a {name} document",
        }[kind]
        return _operation(
            f"frappe_{_slug(name)}_{kind}",
            TAG_FRAPPE,
            summary,
            _docstring(view),
            self.authenticated,
            params,
            body,
            responses,
        )

    def frappe_methods(self) -> None:
        self.schema(
            "FrappeLogin",
            {
                "type": "object",
                "required": ["usr", "pwd"],
                "properties": {
                    "usr": {"type": "string", "description": "Username or email."},
                    "pwd": {"type": "string", "format": "password"},
                },
            },
        )
        self.schema(
            "FrappeLoggedIn",
            {
                "type": "object",
                "required": ["message", "home_page", "full_name"],
                "properties": {
                    "message": {"const": "Logged In"},
                    "home_page": {"type": "string"},
                    "full_name": {"type": "string"},
                },
            },
        )
        self.schema("FrappePong", {"type": "object", "properties": {"message": {"const": "pong"}}})
        self.schema(
            "FrappeLoggedUser",
            {
                "type": "object",
                "properties": {"message": {"type": "string"}},
                "description": "`message` is the caller's username.",
            },
        )
        self.schema(
            "FrappeGenerateKeys",
            {
                "type": "object",
                "properties": {"user": {"type": "string", "description": "Only the caller's own username."}},
            },
        )
        self.schema(
            "FrappeKeys",
            {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "message": {
                        "type": "object",
                        "required": ["api_key", "api_secret"],
                        "properties": {
                            "api_key": {"type": "string"},
                            "api_secret": {"type": "string", "description": "Shown once; stored only as a digest."},
                        },
                    }
                },
            },
        )
        for name, entry in sorted(whitelist.registered().items()):
            summary, request, response, errors, headers = METHOD_DOCS.get(name, (name, None, "FrappeEmpty", (401,), ()))
            security = self.optional if entry.allow_guest else self.authenticated
            for method in entry.methods:
                params = self.header_params(method, create=False, item=False)
                body = _body(ref(request), required=True) if request and method != "GET" else None
                responses = {**self.ok(200, ref(response), "OK", headers=headers), **self.errors("frappe", errors)}
                self.add(
                    f"{frappe.PREFIXES[1]}{name}",
                    method,
                    _operation(
                        f"frappe_method_{_slug(name)}_{method.lower()}",
                        TAG_METHODS,
                        summary,
                        _docstring(entry.handler),
                        security,
                        params,
                        body,
                        responses,
                    ),
                )

    # ---------------------------------------------------------------- suffixes and docs

    def add_suffixed(self, route: Route, method: str, operation: dict[str, Any]) -> None:
        """The same operation at ``<collection>.{format}`` (DRF's format_suffix_patterns)."""
        formats = list(route.suffixes.allowed or self.formats)
        op = json.loads(json.dumps(operation))
        op["operationId"] += "_format"
        op["tags"] = [TAG_SUFFIXES]
        op["parameters"] = [
            _path_param(
                "format", "The representation: " + ", ".join(formats) + ".", {"type": "string", "enum": formats}
            ),
            *op.get("parameters", []),
        ]
        self.add(f"{route.pattern}.{{format}}", method, op)

    def docs(self) -> None:
        self.add(
            "/api/openapi.json",
            "GET",
            _operation(
                "docs_openapi_get",
                TAG_DOCS,
                "This OpenAPI document",
                "",
                [],
                [],
                None,
                self.ok(200, {"type": "object"}, "The OpenAPI 3.1 document."),
            ),
        )
        self.add(
            "/api/docs",
            "GET",
            _operation(
                "docs_swagger_ui_get",
                TAG_DOCS,
                "Swagger UI for this document",
                "Served by the API itself; it loads nothing from elsewhere.",
                [],
                [],
                None,
                {"200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}},
            ),
        )
        asset = _path_param("asset", "One of the page's files.", {"type": "string", "enum": sorted(ASSETS)})
        self.add(
            "/api/docs/{asset}",
            "GET",
            _operation(
                "docs_asset_get",
                TAG_DOCS,
                "A Swagger UI asset (cached for a year)",
                "",
                [],
                [asset],
                None,
                {
                    "200": {
                        "description": "The file.",
                        "content": {m: {"schema": {"type": "string"}} for m in sorted({t for _, t in ASSETS.values()})},
                    },
                    "404": {"description": "Not Found", "content": {JSON: {"schema": ref("RestlessError")}}},
                },
            ),
        )

    def document(self) -> dict[str, Any]:
        self.common()
        for resource in resources():
            self.resource_schemas(resource)
        self.drf()
        self.restless()
        self.frappe()
        self.docs()
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "Movies API",
                "version": API_VERSION,
                "summary": "One movies API in three dialects: Django REST framework, Frappe and Flask-Restless.",
                "description": (
                    "A client written for any of the three frameworks works against this API unchanged. "
                    "Every dialect takes the same credentials (Bearer JWT, `token key:secret`, Basic key:secret, "
                    "the `sid` cookie with CSRF on writes), `Idempotency-Key` on creates and `If-Match` on "
                    "writes to an item; errors come in the dialect's own shape."
                ),
            },
            "servers": [{"url": self.server_url, "description": "This stage of the API."}],
            "tags": [{"name": name, "description": text} for name, text in TAGS],
            "paths": self.paths,
            "components": self.components(),
        }


def _kind(method: str, item: bool) -> str:
    if item:
        return {"GET": "retrieve", "PUT": "update", "PATCH": "update", "DELETE": "delete"}[method]
    return {"GET": "list", "POST": "create", "PUT": "update", "PATCH": "update"}[method]


def _summary(resource: Resource, kind: str, method: str) -> str:
    one = (resource.title or resource.name).lower()
    return {
        "list": f"List {resource.collection}",
        "create": f"Create a {one}",
        "retrieve": f"Read a {one}",
        "update": f"Replace a {one}" if method == "PUT" else f"Partially update a {one}",
        "delete": f"Delete a {one}",
        "patch_many": f"Patch every matching {one} you own" + (" (PUT)" if method == "PUT" else ""),
    }[kind]


def _frappe_permits(doctype: frappe.DocType, fieldname: str, purpose: str) -> bool:
    path = doctype.fields[fieldname]
    if path is None:
        return purpose != "sort"
    try:
        doctype.resource.resolve(path, purpose)
    except BadQuery:
        return False
    return True


def _path_param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _json_query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A query parameter holding JSON (Flask-Restless's ``q``, Frappe's ``filters``)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "content": {JSON: {"schema": schema}},
    }


def _operation(
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    security: list[dict[str, list[str]]],
    parameters: list[dict[str, Any]],
    body: dict[str, Any] | None,
    responses: Mapping[str, Any],
) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": operation_id, "tags": [tag], "summary": summary}
    if description:
        op["description"] = description
    op["security"] = list(security)
    if parameters:
        op["parameters"] = list(parameters)
    if body is not None:
        op["requestBody"] = body
    op["responses"] = dict(responses)
    return op


def build_document(server_url: str = "/") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document; ``server_url`` is the stage's base path (e.g. ``/dev``)."""
    return _Builder(server_url).document()


@lru_cache(maxsize=8)
def document_json(server_url: str = "/") -> str:
    """The document as JSON, built once per container and server URL."""
    return json.dumps(build_document(server_url), ensure_ascii=False, separators=(",", ":"))


def server_url(request: Request) -> str:
    """The stage's base path as the client addressed it (``/dev`` on execute-api, ``/`` locally).

    Relative to the document's origin, so it also holds behind a proxy or a custom domain.
    """
    context, path = request.request_context_path, request.path
    if context and context != path and context.endswith(path):
        return context[: -len(path)] or "/"
    return "/"


def document_response(request: Request) -> Response:
    """``GET /api/openapi.json``: the document, revalidated with its ETag."""
    body = document_json(server_url(request))
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache", "ETag": etag}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers, body="")
    return Response(status_code=200, content_type=f"{JSON}; charset=utf-8", body=body, headers=headers)
