"""The DRF dialect's part of the OpenAPI document (``DIALECT.contribute_openapi``).

For every resource the DRF dialect exposes: the serializer's shape (from
``serializer_fields``), its page and cursor page, the list's FilterSet and
OrderingFilter parameters, and each route of ``url_patterns()``; then the auth
views (simplejwt and dj-rest-auth) and DRF's error bodies. Imported only when
the document is built, so no other function pays for it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from .. import accounts, passwords
from ..formats import Route
from ..openapi.builder import (
    ERRORS,
    SUFFIX_METHODS,
    Builder,
    body,
    header_params,
    kind_of,
    operation,
    path_param,
    query,
    served_at,
    summary,
)
from ..openapi.schemas import (
    OPERATOR_TEXT,
    example_object,
    field_schema,
    patch_example,
    ref,
    slug,
    title_of,
    type_schema,
    validation_example,
)
from ..registry import Resource, exposed
from ..settings import get_settings
from . import drf
from .options import DRF

FAMILY = "Drf"
TAG_AUTH = "DRF: auth"

# The auth views, keyed by their path under ``/api/v1/auth/``:
# (summary, request schema, status, response schema, error statuses).
AUTH_DOCS: dict[str, tuple[str, str, int, str, tuple[int, ...]]] = {
    "register": ("Register a user (unique username and email)", "Register", 201, "RegisteredUser", (400, 413, 415)),
    "token": (
        "Obtain an access/refresh token pair (five failures in 15 minutes: 429)",
        "TokenObtain",
        200,
        "TokenPair",
        (400, 401, 413, 415, 429),
    ),
    "token/refresh": (
        "Refresh: a new access token and a rotated refresh token (reuse revokes the family)",
        "RefreshToken",
        200,
        "TokenRefreshed",
        (400, 401, 413, 415),
    ),
    "token/verify": ("Verify a token", "TokenVerify", 200, "Empty", (400, 401, 413, 415)),
    "token/blacklist": (
        "Blacklist a refresh token (simplejwt's name for logout)",
        "RefreshToken",
        200,
        "Empty",
        (400, 401, 413, 415),
    ),
    "logout": ("Log out: blacklist a refresh token", "RefreshToken", 200, "Empty", (400, 401, 413, 415)),
}


def contribute(builder: Builder) -> None:
    builder.dialect("Django REST framework")
    builder.describe("securitySchemes", "Bearer", f"Obtain one from `POST {drf.PREFIX}auth/token/` (simplejwt).")
    _errors(builder)
    _auth(builder)
    by_base = {f"{drf.PREFIX}{options.collection}": (resource, options) for resource, options in exposed("drf")}
    for resource, options in by_base.values():
        _schemas(builder, resource, options)
    for route in drf.url_patterns():
        if route.pattern.split("/{", 1)[0] not in by_base:
            continue  # the auth views' routes (documented by _auth)
        resource, options = by_base[route.pattern.split("/{", 1)[0]]
        _route(builder, route, resource, options)


def _name(resource: Resource) -> str:
    return f"{FAMILY}{title_of(resource)}"


def _errors(builder: Builder) -> None:
    resources = [r for r, _ in exposed("drf")]
    field = next((f for f in map(validation_example, resources) if f), "non_field_errors")
    builder.schema(
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
    builder.schema(
        "DrfValidationError",
        {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "DRF's validation errors: each field (or `non_field_errors`) → its messages.",
            "example": {field: ["This field is required."]},
        },
    )
    builder.error_shape(
        FAMILY, ref("DrfError"), by_status={400: {"anyOf": [ref("DrfValidationError"), ref("DrfError")]}}
    )


# ---------------------------------------------------------------- resources


def _schemas(builder: Builder, resource: Resource, options: DRF) -> None:
    """The serializer's shape and DRF's two page shapes for ``resource``."""
    props: dict[str, Any] = {}
    writable = {n for n, f in resource.fields.items() if f.writable}
    writable |= {f"{n}.id" for n, r in resource.relations.items() if r.writable}
    for key, path in drf.serializer_fields(resource, options).items():
        f = resource.resolve(path, "read")
        dotted = path.replace("__", ".")
        relation = resource.relations.get(dotted.split(".", 1)[0]) if "." in dotted else None
        schema = field_schema(
            f, read_only=dotted not in writable, nullable=relation is not None and not relation.required
        )
        if relation is not None:
            schema["description"] = f"The {relation.name}'s {f.name}."
        props[key] = schema
    name = _name(resource)
    builder.schema(name, {"type": "object", "properties": props, "required": list(props)})
    nullable_url = {"type": ["string", "null"], "format": "uri"}
    builder.schema(
        f"{name}Page",
        {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "next": nullable_url,
                "previous": nullable_url,
                "results": {"type": "array", "items": ref(name)},
            },
        },
    )
    builder.schema(
        f"{name}CursorPage",
        {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": nullable_url,
                "previous": {"type": "null"},
                "results": {"type": "array", "items": ref(name)},
            },
        },
    )


def _route(builder: Builder, route: Route, resource: Resource, options: DRF) -> None:
    tag = builder.tag(f"DRF: {options.collection}", f"Django REST framework (`{route.base}`): {resource.description}")
    item = "{" in route.pattern
    path = route.pattern + "/"  # DRF's URLs end with a slash (without one works too)
    head = "HEAD" in served_at(drf.ENDPOINTS, route.pattern)
    for method in (m for m in route.methods if m not in ("HEAD", "OPTIONS")):  # HEAD rides on GET
        op = _operation(builder, route, resource, options, method, kind_of(method, item), tag)
        if method == "GET":
            builder.add_read(path, op, head=head)
        else:
            builder.add(path, method, op)
        if not item and method in SUFFIX_METHODS:
            builder.add_suffixed(route, method, op)
            if method == "GET" and head:
                builder.add_suffixed(route, "HEAD", builder.head_of(op))


def _list_params(resource: Resource, options: DRF) -> list[dict[str, Any]]:
    settings = get_settings()
    params = []
    for name, (path, op) in options.filters.items():
        f = resource.field_at(path)
        if f is None:
            continue
        params.append(query(name, type_schema(f.type), f"{path} {OPERATOR_TEXT.get(op, op)}."))
    params.append(
        query(
            "page",
            {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "const": "last"}]},
            "Page number (1-based) or `last`.",
        )
    )
    params.append(
        query(
            "page_size",
            {"type": "integer", "minimum": 1, "default": settings.page_size},
            f"Items per page (capped at {settings.max_page_size}).",
        )
    )
    if options.ordering:
        example = ",".join([f"-{options.ordering[0]}", *options.ordering[1:2]])
        params.append(
            query(
                "ordering",
                {"type": "string", "examples": [example]},
                "Comma-separated fields, `-` for descending: "
                + ", ".join(sorted(options.ordering))
                + " (unknown fields are ignored).",
            )
        )
    params.append(
        query(
            "cursor",
            {"type": "string"},
            "Switches to cursor pages (`{next, previous, results}`, no count); empty for the first.",
        )
    )
    return params


def _operation(
    builder: Builder, route: Route, resource: Resource, options: DRF, method: str, kind: str, tag: str
) -> dict[str, Any]:
    one = title_of(resource).lower()
    name = _name(resource)
    params: list[dict[str, Any]] = []
    if "{" in route.pattern:
        params.append(path_param("id", f"The {one}'s id (a format suffix may follow: `<id>.json`)."))
    if kind == "list":
        params += _list_params(resource, options)
    params += header_params(method, create=kind == "create", item=kind not in ("list", "create"))
    request_body = None
    inputs = builder.resource_inputs(resource)
    if inputs is not None and (kind == "create" or (kind == "update" and method == "PUT")):
        request_body = body(inputs[0], example=example_object(resource))
    elif inputs is not None and kind == "update":
        request_body = body(inputs[1], required=False, example=patch_example(resource))
    responses: dict[str, Any] = {}
    if kind == "list":
        order = "newest first" if resource.default_order else "in the default order"
        responses.update(
            builder.ok(
                200,
                {"anyOf": [ref(f"{name}Page"), ref(f"{name}CursorPage")]},
                f"A page of {resource.collection}, {order} unless `ordering` says otherwise.",
                negotiable=True,
            )
        )
    elif kind == "create":
        responses.update(
            builder.ok(201, ref(name), "Created.", negotiable=True, headers=("Location", "ETag", "Idempotent-Replayed"))
        )
    elif kind == "delete":
        responses["204"] = {"description": "Deleted."}
    else:
        responses.update(builder.ok(200, ref(name), f"The {one}.", headers=("ETag",), negotiable=True))
    responses.update(builder.errors(FAMILY, ERRORS[kind]))
    return operation(
        f"drf_{slug(route.pattern)}_{method.lower()}",
        tag,
        summary(resource, kind, method),
        route.description,
        builder.authenticated,
        params,
        request_body,
        responses,
    )


# ---------------------------------------------------------------- auth views


def _auth_schemas(builder: Builder) -> None:
    password = {
        "type": "string",
        "format": "password",
        "minLength": passwords.MIN_LENGTH,
        "maxLength": passwords.MAX_LENGTH,
    }
    builder.schema(
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
    builder.schema(
        "RegisteredUser",
        {
            "type": "object",
            "required": ["username", "email", "first_name", "last_name"],
            "properties": {k: {"type": "string"} for k in ("username", "email", "first_name", "last_name")},
        },
    )
    builder.schema(
        "TokenObtain",
        {
            "type": "object",
            "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string", "format": "password"}},
        },
    )
    builder.schema(
        "TokenPair",
        {
            "type": "object",
            "required": ["access", "refresh"],
            "properties": {"access": {"type": "string"}, "refresh": {"type": "string"}},
        },
    )
    builder.schema(
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
    builder.schema(
        "RefreshToken", {"type": "object", "required": ["refresh"], "properties": {"refresh": {"type": "string"}}}
    )
    builder.schema(
        "TokenVerify", {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}
    )


def _auth(builder: Builder) -> None:
    """The auth views at ``drf.AUTH_PATHS``: registration, simplejwt's token views, logout."""
    tag = builder.tag(TAG_AUTH, f"Registration and simplejwt-style tokens (`{drf.PREFIX}auth/`).")
    _auth_schemas(builder)
    prefix = f"{drf.PREFIX}auth/"
    for pattern, methods in drf.AUTH_PATHS.items():
        name = pattern.removeprefix(prefix)
        text, request, status, response, errors = AUTH_DOCS[name]
        responses = {**builder.ok(status, ref(response), HTTPStatus(status).phrase), **builder.errors(FAMILY, errors)}
        for method in methods:
            builder.add(
                pattern + "/",
                method,
                operation(
                    f"drf_auth_{slug(name)}_{method.lower()}", tag, text, "", [], [], body(ref(request)), responses
                ),
            )
