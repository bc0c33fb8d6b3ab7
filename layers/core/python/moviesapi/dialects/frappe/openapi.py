"""The Frappe dialect's part of the OpenAPI document (``DIALECT.contribute_openapi``).

For every declared DocType: its document shape, its filter language and the
``/api/resource/<DocType>[/<name>]`` operations it takes; then each whitelisted
``/api/method/<dotted.path>`` with its verbs, Frappe's error body (``exc_type``,
417 for validation) and where its credentials (key pair, ``sid`` cookie, CSRF
token) come from. Imported only when the document is built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...openapi.builder import (
    CSRF_HEADER,
    ERRORS,
    FORM,
    JSON,
    SUFFIX_METHODS,
    Builder,
    docstring,
    header_params,
    json_query,
    kind_of,
    operation,
    path_param,
    query,
    served_at,
)
from ...openapi.schemas import example_object, field_schema, patch_example, permits, ref, slug
from ...query import MAX_LIST_VALUES
from ...registry import Field
from . import listing, openapi_methods, views
from .doctypes import DocType, doctypes, url_patterns
from .documents import STANDARD_FIELDS
from .errors import METHOD_PREFIX

FAMILY = "Frappe"
TAG_RESOURCES = "Frappe: resources"
from .openapi_methods import KEYS_METHOD  # noqa: E402  (the method that hands out key pairs)

# doctypes.TIMESTAMP_FORMAT (%Y-%m-%d %H:%M:%S.%f) as a pattern.
_TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$"

_VIEWS = {
    "list": views.list_docs,
    "retrieve": views.get_doc,
    "create": views.create_doc,
    "update": views.update_doc,
    "delete": views.delete_doc,
}


def contribute(builder: Builder) -> None:
    builder.dialect("Frappe")
    builder.tag(TAG_RESOURCES, 'Frappe dialect (`/api/resource/<DocType>`): `{"data": ...}` documents.')
    _credentials(builder)
    _errors(builder)
    builder.schema("FrappeEmpty", {"type": "object"})
    suffixed = {r.pattern: r for r in url_patterns() if "{" not in r.pattern}
    for doctype in doctypes().values():
        _doctype_schemas(builder, doctype)
        _doctype_paths(builder, doctype, suffixed.get(doctype.path))
    openapi_methods.contribute(builder)


def _credentials(builder: Builder) -> None:
    keys = f"The pair comes from `POST {METHOD_PREFIX}{KEYS_METHOD}`."
    builder.describe("securitySchemes", "token", f"Frappe's token authentication. {keys}")
    builder.describe("securitySchemes", "Basic", keys)
    builder.describe("securitySchemes", "Session", f"Set by `POST {METHOD_PREFIX}login`.")
    builder.describe(
        "parameters", "CsrfToken", f"It comes in the `{CSRF_HEADER}` header of the login's or get_logged_user's answer."
    )
    builder.header(CSRF_HEADER, "The session's CSRF token, for cookie-authenticated writes.", {"type": "string"})
    builder.header(
        "Set-Cookie",
        "The `sid` session cookie (HttpOnly; Secure; SameSite=Lax) and Frappe's readable "
        "`full_name`, `user_id`, `system_user`, `user_image`.",
        {"type": "string"},
    )


def _errors(builder: Builder) -> None:
    builder.schema(
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
    builder.error_shape(
        FAMILY,
        ref("FrappeError"),
        notes={
            400: "CSRFTokenError: a cookie-authenticated write without the session's CSRF token",
            417: "ValidationError, MandatoryError or DataError",
        },
    )


# ---------------------------------------------------------------- DocTypes


def _permits(doctype: DocType, fieldname: str, purpose: str) -> bool:
    path = doctype.fields[fieldname]
    return purpose != "sort" if path is None else permits(doctype.resource, path, purpose)


def _writable(doctype: DocType, fieldname: str, path: str) -> bool:
    resource = doctype.resource
    if not doctype.writable:
        return False
    f = resource.fields.get(path)
    if f is not None:
        return f.writable and fieldname == path
    relation = resource.relations.get(path.removesuffix(".id"))
    return path.endswith(".id") and relation is not None and relation.writable


def _doc_schema(doctype: DocType) -> dict[str, Any]:
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
                "pattern": _TIMESTAMP_PATTERN,
                "description": "UTC, Frappe's `YYYY-MM-DD HH:MM:SS.ffffff`.",
                "readOnly": True,
            }
            continue
        relation = doctype.resource.relations.get(path.split(".", 1)[0]) if "." in path else None
        nullable = relation is not None and not relation.required
        props[fieldname] = field_schema(f, read_only=not _writable(doctype, fieldname, path), nullable=nullable)
    props["doctype"] = {"type": "string", "const": doctype.name, "readOnly": True}
    return {
        "type": "object",
        "properties": props,
        "description": f"A {doctype.name} document; a list holds only the requested `fields`.",
    }


def _field(doctype: DocType, fieldname: str) -> Field | None:
    path = doctype.fields[fieldname]
    return doctype.resource.field_at(path) if path else None


def _filter_example(doctype: DocType, filterable: list[str]) -> list[list[Any]]:
    """``[[field, op, value], ...]`` from the fields' declared examples (at most two)."""
    out = []
    for fieldname in filterable:
        f = _field(doctype, fieldname)
        if f is None or f.example is None:
            continue
        if f.type in (int, float):
            out.append([fieldname, ">=", f.example])
        elif f.type is str:
            out.append([fieldname, "like", f"%{f.example}%"])
    return out[:2]


def _capped_list(op_at: int) -> dict[str, Any]:
    """``in`` / ``not in`` take at most ``MAX_LIST_VALUES`` values (a list, or a comma string)."""
    before = [{}] * op_at
    return {
        "if": {"prefixItems": [*before, {"enum": ["in", "not in"]}]},
        "then": {
            "prefixItems": [
                *before,
                {},
                {"anyOf": [{"type": "string"}, {"type": "array", "maxItems": MAX_LIST_VALUES}]},
            ]
        },
    }


def _doctype_schemas(builder: Builder, doctype: DocType) -> None:
    builder.schema(f"Frappe{doctype.name}", _doc_schema(doctype))
    filterable = [f for f in doctype.fields if _permits(doctype, f, "filter")]
    operators = sorted(listing.OPERATORS)
    filters: dict[str, Any] = {
        "anyOf": [
            {
                "type": "array",
                "maxItems": listing.MAX_FILTERS,
                "items": {
                    "anyOf": [
                        {
                            "type": "array",
                            "minItems": 3,
                            "maxItems": 3,
                            "prefixItems": [{"enum": filterable}, {"enum": operators}, {}],
                            **_capped_list(1),
                        },
                        {
                            "type": "array",
                            "minItems": 4,
                            "maxItems": 4,
                            "prefixItems": [{"const": doctype.name}, {"enum": filterable}, {"enum": operators}, {}],
                            **_capped_list(2),
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
    }
    example = _filter_example(doctype, filterable)
    if example:
        filters["example"] = example
    builder.schema(f"Frappe{doctype.name}Filters", filters)


def _doctype_paths(builder: Builder, doctype: DocType, suffix_route: Any) -> None:
    head = "HEAD" in served_at(views.ENDPOINTS, doctype.path)
    for method in doctype.collection_methods:
        op = _operation(builder, doctype, method, kind_of(method, False))
        if method == "GET":
            builder.add_read(doctype.path, op, head=head)
        else:
            builder.add(doctype.path, method, op)
        if suffix_route is not None and method in SUFFIX_METHODS:
            builder.add_suffixed(suffix_route, method, op)
            if method == "GET" and head:
                builder.add_suffixed(suffix_route, "HEAD", builder.head_of(op))
    element = doctype.path + "/{name}"
    head = "HEAD" in served_at(views.ENDPOINTS, element)
    for method in doctype.element_methods:
        op = _operation(builder, doctype, method, kind_of(method, True))
        if method == "GET":
            builder.add_read(element, op, head=head)
        else:
            builder.add(element, method, op)


def _list_params(doctype: DocType) -> list[dict[str, Any]]:
    name = doctype.name
    readable = [f for f in doctype.fields if _permits(doctype, f, "read")]
    sortable = [f for f in doctype.fields if _permits(doctype, f, "sort")]
    with_examples = [f for f in readable if (field := _field(doctype, f)) is not None and field.example is not None]
    own = [f for f in with_examples if f not in STANDARD_FIELDS]  # a DocType's own fields, not name/owner/...
    shown = ["name", *own[:2]]
    return [
        query(
            "fields",
            {"type": "string", "default": '["name"]', "examples": ["[" + ", ".join(f'"{f}"' for f in shown) + "]"]},
            "A JSON list, a JSON string or a comma-separated string of fields (`*` for all, `<field> as <alias>` "
            "to rename; `count|sum|avg|min|max(<field>|*) [as <alias>]` aggregates, with `group_by` for plain "
            "fields): " + ", ".join(readable) + ".",
        ),
        query(
            "group_by",
            {"type": "string"},
            "Comma-separated fields to group by; every plain field in `fields` must be one of them.",
        ),
        json_query(
            "filters",
            ref(f"Frappe{name}Filters"),
            "Conditions that must all hold. Operators: " + listing.OPERATOR_LIST + ".",
        ),
        json_query("or_filters", ref(f"Frappe{name}Filters"), "Conditions of which one must hold."),
        query(
            "order_by",
            {"type": "string", "default": listing.DEFAULT_ORDER_BY},
            "`field [asc|desc]`, comma-separated (at most 5): " + ", ".join(sortable) + ".",
        ),
        query("limit_start", {"type": "integer", "minimum": 0, "default": 0}, "Offset (alias `start`)."),
        query(
            "limit_page_length",
            {"type": "integer", "minimum": 0, "default": listing.DEFAULT_PAGE_LENGTH},
            f"Page length (aliases `limit`, `page_length`); 0 and anything larger mean {listing.MAX_PAGE_LENGTH}.",
        ),
        query(
            "as_dict",
            {"type": "string", "enum": ["1", "0"], "default": "1"},
            "`0` answers lists of values instead of objects.",
        ),
    ]


def _request_body(builder: Builder, doctype: DocType, kind: str) -> dict[str, Any] | None:
    inputs = builder.resource_inputs(doctype.resource)
    if inputs is None or kind not in ("create", "update"):
        return None
    schema = inputs[0] if kind == "create" else inputs[1]
    wrapped = {"type": "object", "required": ["data"], "properties": {"data": {"anyOf": [schema, {"type": "string"}]}}}
    json_media: dict[str, Any] = {"schema": {"anyOf": [schema, wrapped]}}
    example = example_object(doctype.resource) if kind == "create" else patch_example(doctype.resource)
    if example:
        json_media["example"] = example
    form = {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"type": "string", "description": "The fields as JSON."}},
    }
    return {"required": kind == "create", "content": {JSON: json_media, FORM: {"schema": form}}}


def _responses(builder: Builder, doctype: DocType, kind: str) -> dict[str, Any]:
    name = doctype.name
    envelope = {"type": "object", "required": ["data"]}
    if kind == "list":
        item = {"anyOf": [ref(f"Frappe{name}"), {"type": "array"}]}
        return builder.ok(
            200,
            {**envelope, "properties": {"data": {"type": "array", "items": item}}},
            f'`{{"data": [...]}}`: {name} documents with the requested fields (lists of values with `as_dict=0`).',
            negotiable=True,
        )
    if kind == "delete":
        deleted = {"type": "object", "properties": {"message": {"const": "ok"}}}
        return builder.ok(202, deleted, 'Deleted: `{"message": "ok"}`.')
    # Versioned documents carry an ETag (a read-only DocType has no version to match).
    headers = ("ETag", "Idempotent-Replayed") if kind == "create" else ("ETag",) if doctype.writable else ()
    return builder.ok(
        200,
        {**envelope, "properties": {"data": ref(f"Frappe{name}")}},
        f'`{{"data": {{...}}}}`: the {name} document (Frappe answers 200 to a create).',
        headers=headers,
        negotiable=True,
    )


def _operation(builder: Builder, doctype: DocType, method: str, kind: str) -> dict[str, Any]:
    name = doctype.name
    params: list[dict[str, Any]] = []
    if kind not in ("list", "create"):
        behind = "its id" if doctype.names_are_keys else f"its {doctype.name_field}"
        params.append(path_param("name", f"The {name}'s name ({behind})."))
    if kind == "list":
        params += _list_params(doctype)
    params += header_params(method, create=kind == "create", item=kind not in ("list", "create"))
    # Frappe answers validation errors with 417; its 400 is the CSRF check on cookie writes.
    statuses = {417 if s == 400 else s for s in ERRORS[kind]} | ({400} if method != "GET" else set())
    responses = {**_responses(builder, doctype, kind), **builder.errors(FAMILY, statuses)}
    summary = {
        "list": f"List {name} documents",
        "retrieve": f"Read a {name} document",
        "create": f"Create a {name} document",
        "update": f"Update a {name} document",
        "delete": f"Delete a {name} document",
    }[kind]
    return operation(
        f"frappe_{slug(name)}_{kind}",
        TAG_RESOURCES,
        summary,
        docstring(_VIEWS[kind]),
        builder.authenticated,
        params,
        _request_body(builder, doctype, kind),
        responses,
    )


# ---------------------------------------------------------------- whitelisted methods
