"""Flask-Restless's ``q`` search language, parsed into the core's query tree.

``{"filters": [{"name", "op", "val"}, {"name", "op", "field"}, {"or": [...]}], "order_by": [...],
"limit", "offset", "single"}`` with Flask-Restless's operator names and aliases,
relation filters with ``has``/``any``. Fields are checked later, against the
declaration, by the core's ``bind``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import BadQuery
from ..http import Request, loads_json
from ..query import FIELD_OPS, And, Cond, FieldRef, Node, Not, Or, Order, all_of
from ..registry import Resource

MAX_Q_LENGTH = 8192

# Flask-Restless's operator names and aliases → the core's operators.
OPERATORS: dict[str, str] = {
    "==": "eq",
    "eq": "eq",
    "equals": "eq",
    "equal_to": "eq",
    "!=": "ne",
    "ne": "ne",
    "neq": "ne",
    "not_equal_to": "ne",
    "does_not_equal": "ne",
    ">": "gt",
    "gt": "gt",
    "<": "lt",
    "lt": "lt",
    ">=": "ge",
    "ge": "ge",
    "gte": "ge",
    "geq": "ge",
    "<=": "le",
    "le": "le",
    "lte": "le",
    "leq": "le",
    "in": "in",
    "not_in": "not_in",
    "is_null": "is_null",
    "is_not_null": "is_not_null",
    "like": "like",
    "ilike": "ilike",
}


def parse_q(request: Request, body_q: Any = None, *, allow_list: bool = False) -> dict[str, Any]:
    raw = request.param("q")
    if body_q is not None and raw is None:
        if not isinstance(body_q, dict):  # never read as "no filter": that would patch everything
            raise BadQuery("Unable to decode data")
        return body_q
    if raw is None or raw == "":
        return {}
    if len(raw) > MAX_Q_LENGTH:
        raise BadQuery(f"The q parameter is longer than {MAX_Q_LENGTH} characters.")
    try:
        value = loads_json(raw)  # depth-capped: a RecursionError would be a 500
    except ValueError:
        raise BadQuery("Unable to decode data") from None
    if isinstance(value, list) and allow_list:
        return {}  # eval reads functions from an object; a list has none
    if not isinstance(value, dict):
        raise BadQuery("Unable to decode data")
    return value


def parse_filter(spec: Any, depth: int = 0) -> Node | None:
    if depth > 8:
        raise BadQuery("Filters may nest at most 8 levels.")
    if not isinstance(spec, dict):
        raise BadQuery("Each filter must be an object.")
    for key, cls in (("or", Or), ("and", And)):
        if key in spec:
            items = spec[key]
            if not isinstance(items, list):
                raise BadQuery(f"'{key}' needs a list of filters.")
            if not items:
                return None  # 0.17: an empty or/and constrains nothing
            nodes = tuple(n for n in (parse_filter(i, depth + 1) for i in items) if n is not None)
            return cls(nodes) if nodes else None
    name, op = spec.get("name"), spec.get("op")
    if not isinstance(name, str) or not isinstance(op, str):
        raise BadQuery("A filter needs 'name' and 'op'.")
    if "field" in spec:  # {"name", "op", "field"}: compare two columns
        if not isinstance(spec["field"], str) or OPERATORS.get(op) not in FIELD_OPS:
            raise BadQuery("Comparing two fields needs a field name and a comparison.")
        return Cond(name, OPERATORS[op], FieldRef(spec["field"]))
    if op in ("has", "any"):
        inner = spec.get("val")
        if "__" in name and not isinstance(inner, dict):  # the legacy form: relation__field and a value
            relation, _, field = name.partition("__")
            return Related(relation, op, Cond(field, "eq", inner))
        if not isinstance(inner, dict):
            raise BadQuery(f"Operator '{op}' needs a filter object as 'val'.")
        sub = parse_filter(inner, depth + 1)
        return None if sub is None else Related(name, op, sub)
    core = OPERATORS.get(op)
    if core is None:
        raise BadQuery(f"Unknown operator '{op}'.")
    if core not in ("is_null", "is_not_null") and spec.get("val") is None:
        raise BadQuery(f"Operator '{op}' needs a value.")  # 0.17 cannot build the query without one
    return Cond(name, core, spec.get("val"))


@dataclass(frozen=True)
class Related:
    """``has`` (to-one) or ``any`` (to-many) through a relation; the dialect resolves it against the registry."""

    relation: str
    op: str
    where: Any


def prefixed(node: Any, relation: str) -> Node:
    """``node``'s conditions on ``relation``'s copied fields (``username`` → ``creator.username``)."""
    if isinstance(node, Related):
        raise BadQuery("Relations of a related object cannot be searched.")  # the copies hold no relations
    if isinstance(node, (And, Or)):
        return type(node)(tuple(prefixed(i, relation) for i in node.items))
    if isinstance(node, Not):
        return Not(prefixed(node.item, relation))
    value = FieldRef(f"{relation}.{node.value.path}") if isinstance(node.value, FieldRef) else node.value
    return Cond(f"{relation}.{node.field}", node.op, value)


def parse_search(resource: Resource, q: Mapping[str, Any]) -> tuple[Node | None, tuple[Order, ...]]:
    filters = q.get("filters", [])
    if not isinstance(filters, list):  # a present but malformed filter list is a 400, never "match all"
        raise BadQuery("'filters' must be a list.")
    where = all_of(parse_filter(f) for f in filters)
    order: list[Order] = []
    order_by = q.get("order_by", [])
    if not isinstance(order_by, list):
        raise BadQuery("'order_by' must be a list.")
    for item in order_by:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise BadQuery("Each order_by entry needs a 'field'.")
        direction = str(item.get("direction", "asc")).lower()
        if direction not in ("asc", "desc"):
            raise BadQuery("'direction' must be 'asc' or 'desc'.")
        order.append(Order(item["field"], direction == "desc"))
    return where, tuple(order)


def int_param(value: Any, name: str, minimum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # int(inf) overflows
        raise BadQuery(f"'{name}' must be an integer.") from None
    if number < minimum:
        raise BadQuery(f"'{name}' must be at least {minimum}.")
    return number
