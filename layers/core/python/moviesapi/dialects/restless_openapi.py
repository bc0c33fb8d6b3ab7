"""The Flask-Restless dialect's part of the OpenAPI document (``DIALECT.contribute_openapi``).

For every resource the dialect exposes: ``to_object``'s shape (include/exclude
columns applied, relations nested), its page, the ``q`` search language (filters,
order_by, limit, offset, single) and the ``functions`` of ``/api/eval/...``; then
each route of ``url_patterns()``: the collection (with patch-many), the item, each
relation (``/<collection>/<id>/<relation>``: the related object, or a page of the
items pointing at it) and eval. Imported only when the document is built.
"""

from __future__ import annotations

from typing import Any

from ..formats import Route
from ..openapi.builder import (
    ERRORS,
    SUFFIX_METHODS,
    Builder,
    body,
    header_params,
    json_query,
    kind_of,
    operation,
    path_param,
    query,
    served_at,
    summary,
)
from ..openapi.schemas import (
    example_object,
    field_paths,
    field_schema,
    filter_example,
    patch_example,
    ref,
    slug,
    title_of,
)
from ..query import LIST_VALUE, MAX_LIST_VALUES
from ..registry import Relation, Resource, exposed, find_resource, reverse_relations
from . import restless
from .restless_query import OPERATORS

FAMILY = "Restless"
TAG = "Flask-Restless"


PAGE = "Page number (1-based; 0 is empty, negatives slice from the end)."


def contribute(builder: Builder) -> None:
    builder.dialect("Flask-Restless")
    tag = builder.tag(TAG, "Flask-Restless dialect (`/api/<collection>`): the `q` search language and its pages.")
    _errors(builder)
    routes: dict[str, tuple[Resource, str, str]] = {}  # pattern → (resource, what, relation name)
    for resource, _ in exposed("restless"):
        _schemas(builder, resource)
        base = f"{resource.url_prefix}/{resource.collection}"
        routes[base] = (resource, "collection", "")
        routes[base + "/{id}"] = (resource, "item", "")
        routes[f"{resource.url_prefix}/eval/{resource.collection}"] = (resource, "eval", "")
        for name in (*resource.relations, *reverse_relations(resource)):
            routes[f"{base}/{{id}}/{name}"] = (resource, "relation", name)
    for route in restless.url_patterns():
        resource, what, relation = routes[route.pattern]
        head = "HEAD" in served_at(restless.ENDPOINTS, route.pattern)
        for method in route.methods:
            if what == "relation":
                op = _relation_operation(builder, route, resource, relation, tag)
            else:
                kind = "eval" if what == "eval" else kind_of(method, what == "item")
                if kind == "update" and what == "collection":
                    kind = "patch_many"
                op = _operation(builder, route, resource, method, kind, tag)
            if method == "GET":
                builder.add_read(route.pattern, op, head=head)
            else:
                builder.add(route.pattern, method, op)
            if what != "item" and what != "relation" and method in SUFFIX_METHODS:
                builder.add_suffixed(route, method, op)
                if method == "GET" and head:
                    builder.add_suffixed(route, "HEAD", builder.head_of(op))


def _errors(builder: Builder) -> None:
    builder.schema(
        "RestlessError",
        {
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string"}},
            "description": "Flask-Restless's error body.",
        },
    )
    builder.schema(
        "RestlessValidationError",
        {
            "type": "object",
            "required": ["validation_errors"],
            "properties": {
                "validation_errors": {
                    "anyOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"type": "string"}]
                }
            },
            "description": "Flask-Restless's validation errors: field → message (or, for a body it cannot map "
            "onto the model, one sentence).",
        },
    )
    builder.schema(
        "RestlessMissingItem",
        {"type": "object", "maxProperties": 0, "description": "Flask-Restless's body for a missing item: `{}`."},
    )
    builder.error_shape(
        FAMILY,
        ref("RestlessError"),
        by_status={
            400: {"anyOf": [ref("RestlessValidationError"), ref("RestlessError")]},
            404: {"anyOf": [ref("RestlessMissingItem"), ref("RestlessError")]},
        },
    )


# ---------------------------------------------------------------- schemas


def _name(resource: Resource) -> str:
    return f"{FAMILY}{title_of(resource)}"


def _nested(resource: Resource, rel_name: str, relation: Relation, include: set[str] | None, exclude: set[str]) -> dict:
    """The related object's copied fields; only its id is sure to be known (as the item stores them)."""
    sub = {}
    for name, f in relation.resolved.items():
        dotted = f"{rel_name}.{name}"
        wanted = include is None or dotted in include or not any(c.startswith(rel_name + ".") for c in include)
        if wanted and dotted not in exclude and f.readable:
            sub[name] = _naive(field_schema(f, read_only=True, nullable=not (relation.required and name == "id")))
    return {"type": "object", "readOnly": True, "properties": sub, "required": list(sub)}


def object_schema(resource: Resource) -> dict[str, Any]:
    """``restless.to_object``'s shape: readable fields, nested relations and each relation's foreign-key
    column (``creator_id``), include/exclude columns applied."""
    include = set(resource.include_columns) if resource.include_columns is not None else None
    exclude = set(resource.exclude_columns or ())
    props: dict[str, Any] = {}
    for name in resource.readable_fields():
        if (include is None or name in include) and name not in exclude:
            props[name] = _naive(field_schema(resource.fields[name]))
    for rel_name, relation in resource.relations.items():
        if (include is not None and rel_name not in include) or rel_name in exclude:
            continue
        props[rel_name] = _nested(resource, rel_name, relation, include, exclude)
        fk = f"{rel_name}_id"
        if (include is None or fk in include) and fk not in exclude:
            props[fk] = field_schema(relation.resolved["id"], read_only=True, nullable=not relation.required)
            props[fk]["description"] = f"The foreign-key column, as `{rel_name}.id`."
    return {"type": "object", "properties": props, "required": list(props)}


def _object_and_page(builder: Builder, resource: Resource) -> None:
    name = _name(resource)
    if name in builder.schemas:
        return
    builder.schema(name, object_schema(resource))
    builder.schema(
        f"{name}Page",
        {
            "type": "object",
            "required": ["num_results", "total_pages", "page", "objects"],
            "properties": {
                "num_results": {"type": "integer", "minimum": 0},
                "total_pages": {"type": "integer", "minimum": 0},
                "page": {"type": "integer"},
                "objects": {"type": "array", "items": ref(name)},
            },
        },
    )


def _query_example(resource: Resource) -> dict[str, Any]:
    example: dict[str, Any] = {}
    found = filter_example(resource)
    if found is not None:
        path, f = found
        op = ">=" if f.type in (int, float) else "=="
        example["filters"] = [{"name": path, "op": op, "val": f.example}]
    sortable = field_paths(resource, "sort")
    if sortable:
        field = found[0] if found is not None and found[0] in sortable else sortable[0]
        example["order_by"] = [{"field": field, "direction": "desc"}]
    return example


def _schemas(builder: Builder, resource: Resource) -> None:
    """The object, its page, the filter and ``q`` languages and (with functions) the eval query."""
    _object_and_page(builder, resource)
    name = _name(resource)
    builder.schema(f"{name}Filter", _filter(resource, name))
    q: dict[str, Any] = {
        "type": "object",
        "properties": {
            "filters": {"type": "array", "items": ref(f"{name}Filter")},
            "order_by": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field"],
                    "properties": {
                        "field": {"type": "string", "enum": field_paths(resource, "sort")},
                        "direction": {"type": "string", "enum": ["asc", "desc"]},
                    },
                },
            },
            "limit": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "single": {"type": "boolean"},
        },
    }
    example = _query_example(resource)
    if example:
        q["example"] = example
    builder.schema(f"{name}Query", q)
    if resource.allow_functions:
        functions: list[dict[str, str]] = [{"name": "count", "field": resource.key}]
        functions += [{"name": "avg", "field": path} for path in field_paths(resource, "aggregate")[:1]]
        builder.schema(
            f"{name}Functions",
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
                                "field": {"type": "string", "enum": field_paths(resource, "read")},
                            },
                        },
                    },
                    "filters": {"type": "array", "items": ref(f"{name}Filter")},
                },
                "example": {"functions": functions},
            },
        )


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """A body schema refusing fields it does not name, as 0.17 answers an unknown column (400)."""
    return {"allOf": [schema], "unevaluatedProperties": False}


def _list_ops() -> list[str]:
    """The operator names whose value is a list (``in``, ``not_in``)."""
    return sorted(name for name, op in OPERATORS.items() if op in LIST_VALUE)


def _filter(resource: Resource, name: str) -> dict[str, Any]:
    self_ref = ref(f"{name}Filter")
    return {
        "anyOf": [
            {
                "type": "object",
                "required": ["name", "op"],
                "properties": {
                    "name": {"type": "string", "enum": field_paths(resource, "filter")},
                    "op": {"type": "string", "enum": list(OPERATORS)},
                    "val": {},
                },
                # What the server refuses, refused here too: an in/not_in list past the cap.
                "if": {"required": ["op"], "properties": {"op": {"enum": _list_ops()}}},
                "then": {"properties": {"val": {"type": "array", "maxItems": MAX_LIST_VALUES}}},
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


# ---------------------------------------------------------------- operations


def _security(builder: Builder, resource: Resource, method: str) -> list[dict[str, list[str]]]:
    return builder.authenticated if method in resource.authentication_required_for else builder.optional


def _responses(builder: Builder, resource: Resource, kind: str) -> dict[str, Any]:
    name = _name(resource)
    if kind == "list":
        return builder.ok(
            200,
            {"anyOf": [ref(f"{name}Page"), ref(name)]},
            "A page of objects (one object with `single`).",
            negotiable=True,
        )
    if kind == "create":
        return builder.ok(
            201, ref(name), "Created.", negotiable=True, headers=("Location", "ETag", "Idempotent-Replayed")
        )
    if kind == "delete":
        return {"204": {"description": "Deleted."}}
    if kind == "patch_many":
        modified = {
            "type": "object",
            "required": ["num_modified"],
            "properties": {"num_modified": {"type": "integer", "minimum": 0}},
        }
        return builder.ok(200, modified, "How many objects changed (only the caller's own; all or nothing).")
    if kind == "eval":
        values: dict[str, Any] = {"type": "object", "additionalProperties": {"type": ["number", "null"]}}
        return builder.ok(200, values, "`<function>__<field>` → its value.", negotiable=True)
    return builder.ok(200, ref(name), "The object.", headers=("ETag",), negotiable=True)


def _operation(builder: Builder, route: Route, resource: Resource, method: str, kind: str, tag: str) -> dict[str, Any]:
    name = _name(resource)
    params: list[dict[str, Any]] = []
    if "{" in route.pattern:
        params.append(path_param("id", f"The {title_of(resource).lower()}'s id."))
    if kind in ("list", "patch_many"):
        description = "The search: `filters`, `order_by`, `limit`, `offset`, `single`."
        params.append(json_query("q", ref(f"{name}Query"), description))
    if kind == "list":
        params += [
            query(
                "page",
                {"type": "integer", "default": 1},
                "Page number (1-based; 0 is empty, negatives slice from the end).",
            ),
            query(
                "results_per_page",
                {"type": "integer", "default": resource.results_per_page},
                f"Items per page (capped at {resource.max_results_per_page}).",
            ),
        ]
    if kind == "eval":
        description = "`functions` (" + ", ".join(restless.FUNCTIONS) + " over a field) and optional `filters`."
        params.append(json_query("q", ref(f"{name}Functions"), description))
    params += header_params(method, create=kind == "create", item="{" in route.pattern)
    request_body = None
    inputs = builder.resource_inputs(resource)
    if inputs is not None and kind == "create":
        request_body = body(_closed(inputs[0]), form=False, example=example_object(resource))
    elif inputs is not None and kind == "update":
        request_body = body(_closed(inputs[1]), form=False, required=False, example=patch_example(resource))
    elif inputs is not None and kind == "patch_many":  # beside the fields, `q` may travel in the body
        request_body = body(inputs[1], form=False, required=False, example=patch_example(resource))
    responses = {**_responses(builder, resource, kind), **builder.errors(FAMILY, ERRORS[kind])}
    return operation(
        f"restless_{slug(route.pattern)}_{method.lower()}",
        tag,
        summary(resource, kind, method),
        route.description,
        _security(builder, resource, method),
        params,
        request_body,
        responses,
    )


def _relation_operation(builder: Builder, route: Route, resource: Resource, name: str, tag: str) -> dict[str, Any]:
    """``GET /<collection>/<id>/<relation>``: the related object (to-one) or a page of items (to-many)."""
    one = title_of(resource).lower()
    params = [path_param("id", f"The {one}'s id.")]
    relation = resource.relations.get(name)
    if relation is not None:
        target = find_resource(relation.target)
        nested = _nested(resource, name, relation, None, set())
        shapes: list[dict[str, Any]] = [nested]
        if target is not None:
            _object_and_page(builder, target)
            shapes.insert(0, ref(_name(target)))
        schema: dict[str, Any] = {"anyOf": [*shapes, {"type": "null"}]}
        text, statuses = f"The {one}'s {name}: the related object (null when there is none).", ERRORS["retrieve"]
        title = f"Read a {one}'s {name}"
    else:
        other, via = reverse_relations(resource)[name]
        _object_and_page(builder, other)
        schema = ref(f"{_name(other)}Page")
        params.append(
            query(
                "page",
                {"type": "integer", "default": 1},
                "Page number (1-based; 0 is empty, negatives slice from the end).",
            )
        )
        text = f"The {name} whose `{via.name}` is this {one}, a page at a time ({other.results_per_page} per page)."
        statuses, title = ERRORS["relation"], f"List a {one}'s {name}"
    responses = {**builder.ok(200, schema, text, negotiable=True), **builder.errors(FAMILY, statuses)}
    return operation(
        f"restless_{slug(route.pattern)}_get",
        tag,
        title,
        route.description,
        _security(builder, resource, "GET"),
        params,
        None,
        responses,
    )


def _naive(schema: dict[str, Any]) -> dict[str, Any]:
    """Flask-Restless writes datetimes as naive ISO 8601 (UTC, no zone), which ``date-time`` does not allow."""
    if schema.get("format") == "date-time":
        schema = {k: v for k, v in schema.items() if k != "format"}
        schema["pattern"] = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"
        schema["description"] = "ISO 8601, UTC, without a zone (as Flask-Restless writes it)."
    return schema
