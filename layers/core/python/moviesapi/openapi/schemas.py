"""JSON Schemas and examples derived from a resource declaration, for every dialect.

A Field becomes a schema with its type and limits; a resource's writable fields
(and writable relations, sent as the target's id) become its ``<Title>Input``
and ``<Title>Patch`` bodies; examples come from ``Field.example`` only, so a new
resource documents itself by declaring examples beside its fields.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..errors import BadQuery
from ..registry import Field, Relation, Resource, find_resource

TYPES: dict[type, dict[str, str]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    datetime: {"type": "string", "format": "date-time"},
}
_LIMITS = (("min_length", "minLength"), ("max_length", "maxLength"), ("min_value", "minimum"), ("max_value", "maximum"))
# Operator names of the core query engine, in words (for parameter descriptions).
OPERATOR_TEXT = {
    "eq": "equals",
    "ne": "differs from",
    "gt": "greater than",
    "lt": "less than",
    "ge": "at least",
    "le": "at most",
    "icontains": "contains, ignoring case",
    "contains": "contains",
    "ilike": "matches (LIKE, ignoring case)",
    "like": "matches (LIKE)",
    "in": "is one of",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def title_of(resource: Resource) -> str:
    return resource.title or resource.name.title()


def type_schema(t: type) -> dict[str, Any]:
    return dict(TYPES.get(t, {}))


def field_schema(f: Field, *, read_only: bool | None = None, nullable: bool = False) -> dict[str, Any]:
    """A registry Field as a JSON Schema: type, length/value limits, read-only unless writable."""
    schema = type_schema(f.type)
    if nullable and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    for attr, key in _LIMITS:
        value = getattr(f, attr)
        if value is not None:
            schema[key] = value
    if (not f.writable) if read_only is None else read_only:
        schema["readOnly"] = True
    return schema


def relation_id_schema(relation: Relation) -> dict[str, Any]:
    """How a client sets a writable relation: the target's id, bare or as ``{"id": ...}``."""
    key = {"type": "string"}
    target = find_resource(relation.target)
    one = (target.title or target.name) if target is not None else relation.target
    return {
        "anyOf": [key, {"type": "object", "required": ["id"], "properties": {"id": key}}],
        "description": f"The {one.lower()}'s id (or an object holding it).",
    }


def field_paths(resource: Resource, purpose: str) -> list[str]:
    """Every field path the declaration allows for ``purpose`` (relations as ``rel__field``)."""
    candidates = [*resource.fields]
    for rel_name, relation in resource.relations.items():
        candidates += [f"{rel_name}__{name}" for name in relation.fields]
    return [path for path in candidates if permits(resource, path, purpose)]


def permits(resource: Resource, path: str, purpose: str) -> bool:
    try:
        resource.resolve(path, purpose)
    except BadQuery:
        return False
    return True


# ---------------------------------------------------------------- examples from the declaration


def writable_fields(resource: Resource) -> dict[str, Field]:
    return {n: f for n, f in resource.fields.items() if f.writable and f.readable}


def writable_relations(resource: Resource) -> dict[str, Relation]:
    return {n: r for n, r in resource.relations.items() if r.writable}


def example_object(resource: Resource) -> dict[str, Any] | None:
    """A create body from the writable fields' declared examples (None when none declares one)."""
    out = {n: f.example for n, f in writable_fields(resource).items() if f.example is not None}
    return out or None


def patch_example(resource: Resource) -> dict[str, Any] | None:
    """A partial update: the first writable field that declares an example."""
    return next(({n: f.example} for n, f in writable_fields(resource).items() if f.example is not None), None)


def examples(resource: Resource, purpose: str) -> list[tuple[str, Field]]:
    """``(path, field)`` for each field allowed for ``purpose`` that declares an example, in order."""
    out = []
    for path in field_paths(resource, purpose):
        f = resource.field_at(path)
        if f is not None and f.example is not None:
            out.append((path, f))
    return out


def filter_example(resource: Resource) -> tuple[str, Field] | None:
    """The first filterable field with an example: ``(path, field)``."""
    found = examples(resource, "filter")
    return found[0] if found else None


def validation_example(resource: Resource) -> str | None:
    """A field to show in a validation error: the first required writable one."""
    return next((n for n, f in writable_fields(resource).items() if f.required), None)


# ---------------------------------------------------------------- bodies every dialect accepts


def input_schemas(resource: Resource) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``<Title>Input`` and ``<Title>Patch``: the writable fields (None for a read-only resource)."""
    fields, relations = writable_fields(resource), writable_relations(resource)
    if not fields and not relations:
        return None
    props: dict[str, Any] = {n: field_schema(f, read_only=False) for n, f in fields.items()}
    props.update({n: relation_id_schema(r) for n, r in relations.items()})
    required = [n for n, f in fields.items() if f.required] + [n for n, r in relations.items() if r.required]
    example = example_object(resource)
    create: dict[str, Any] = {"type": "object", "properties": props, "required": required}
    if example:
        create["example"] = example
    patch: dict[str, Any] = {"type": "object", "properties": props, "description": "Only the fields sent change."}
    example = patch_example(resource)
    if example:
        patch["example"] = example
    return create, patch
