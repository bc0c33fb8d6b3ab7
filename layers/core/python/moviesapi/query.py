"""The query language every dialect compiles to: a filter tree, an ordering and a page.

Dialects parse their own syntax (DRF query params, Frappe ``filters``,
Flask-Restless ``q``) into these nodes; ``bind`` checks every field against the
resource declaration and coerces values, and ``matches`` evaluates a tree on a
record in memory (the planner pushes what it can down to DynamoDB and uses
``matches`` for the rest, so both always agree).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .errors import BadQuery
from .registry import Resource, coerce

OPERATORS = frozenset(
    {
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "in",
        "not_in",
        "like",
        "not_like",
        "ilike",
        "not_ilike",
        "contains",
        "icontains",
        "startswith",
        "is_null",
        "is_not_null",
        "between",
    }
)
NO_VALUE = frozenset({"is_null", "is_not_null"})
LIST_VALUE = frozenset({"in", "not_in"})
TEXT_ONLY = frozenset({"like", "not_like", "ilike", "not_ilike", "contains", "icontains", "startswith"})

MAX_DEPTH = 8
MAX_CONDITIONS = 50
MAX_LIST_VALUES = 100


@dataclass(frozen=True)
class FieldRef:
    """A condition's value that is another field of the same record (``year > other_year``)."""

    path: str


FIELD_OPS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})


@dataclass(frozen=True)
class Cond:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Cond | And | Or | Not


@dataclass(frozen=True)
class Order:
    field: str
    descending: bool = False


@dataclass
class Query:
    """What to fetch: filter, order, page (offset or cursor) and whether a count is needed."""

    where: Node | None = None
    order: tuple[Order, ...] = ()
    offset: int = 0
    limit: int | None = 10
    with_count: bool = True
    fields: tuple[str, ...] | None = None
    cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def conjuncts(node: Node | None) -> list[Node]:
    """The top-level AND terms of a tree."""
    if node is None:
        return []
    if isinstance(node, And):
        out: list[Node] = []
        for item in node.items:
            out.extend(conjuncts(item))
        return out
    return [node]


def all_of(nodes: Iterable[Node | None]) -> Node | None:
    items = tuple(n for n in nodes if n is not None)
    if not items:
        return None
    return items[0] if len(items) == 1 else And(items)


def bind(resource: Resource, node: Node | None) -> Node | None:
    """Check fields/operators against the declaration and coerce values; BadQuery otherwise."""
    count = 0

    def walk(n: Node, depth: int) -> Node:
        nonlocal count
        if depth > MAX_DEPTH:
            raise BadQuery(f"Filters may nest at most {MAX_DEPTH} levels.")
        if isinstance(n, (And, Or)):
            return type(n)(tuple(walk(i, depth + 1) for i in n.items))
        if isinstance(n, Not):
            return Not(walk(n.item, depth + 1))
        count += 1
        if count > MAX_CONDITIONS:
            raise BadQuery(f"At most {MAX_CONDITIONS} filter conditions are allowed.")
        if n.op not in OPERATORS:
            raise BadQuery(f"Unknown operator '{n.op}'.")
        f = resource.resolve(n.field, "filter")
        path = canonical(resource, n.field)
        if isinstance(n.value, FieldRef):
            if n.op not in FIELD_OPS:
                raise BadQuery(f"Operator '{n.op}' cannot compare two fields.")
            resource.resolve(n.value.path, "filter")
            return Cond(path, n.op, FieldRef(canonical(resource, n.value.path)))
        if n.op in NO_VALUE:
            return Cond(path, n.op, None)
        if n.op in TEXT_ONLY:
            if f.type is not str or not isinstance(n.value, (str, int)) or isinstance(n.value, bool):
                raise BadQuery(f"Operator '{n.op}' needs a text field and a text value.")
            return Cond(path, n.op, str(n.value))
        if n.op in LIST_VALUE:
            if not isinstance(n.value, (list, tuple)) or len(n.value) > MAX_LIST_VALUES:
                raise BadQuery(f"Operator '{n.op}' needs a list of at most {MAX_LIST_VALUES} values.")
            return Cond(path, n.op, tuple(coerce(f, v) for v in n.value))
        if n.op == "between":
            if not isinstance(n.value, (list, tuple)) or len(n.value) != 2:
                raise BadQuery("Operator 'between' needs two values.")
            return Cond(path, n.op, (coerce(f, n.value[0]), coerce(f, n.value[1])))
        if n.value is None:
            if n.op in ("eq", "ne"):
                return Cond(path, "is_null" if n.op == "eq" else "is_not_null", None)
            raise BadQuery(f"Operator '{n.op}' needs a value.")
        return Cond(path, n.op, coerce(f, n.value))

    return None if node is None else walk(node, 1)


def bind_order(resource: Resource, order: Sequence[Order]) -> tuple[Order, ...]:
    if len(order) > 5:
        raise BadQuery("At most 5 ordering fields are allowed.")
    out = []
    for o in order:
        resource.resolve(o.field, "sort")
        out.append(Order(canonical(resource, o.field), o.descending))
    return tuple(out)


def canonical(resource: Resource, path: str) -> str:
    """``creator__username`` and ``creator.username`` both become ``creator.username``."""
    return path.replace("__", ".")


def value_at(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@lru_cache(maxsize=256)
def like_regex(pattern: str, insensitive: bool) -> re.Pattern[str]:
    """SQL LIKE (``%`` any run, ``_`` one character) as an anchored regex."""
    out = []
    for ch in pattern:
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("^" + "".join(out) + "$", re.DOTALL | (re.IGNORECASE if insensitive else 0))


def _compare(a: Any, op: str, b: Any) -> bool:
    if a is None or b is None:
        return False
    try:
        return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]
    except TypeError:
        return False


def matches(node: Node | None, record: dict[str, Any]) -> bool:
    """Evaluate a bound tree on one record, with SQL's idea of NULL for comparisons."""
    if node is None:
        return True
    if isinstance(node, And):
        return all(matches(i, record) for i in node.items)
    if isinstance(node, Or):
        return any(matches(i, record) for i in node.items)
    if isinstance(node, Not):
        return not matches(node.item, record)
    value = value_at(record, node.field)
    op, arg = node.op, node.value
    if isinstance(arg, FieldRef):
        arg = value_at(record, arg.path)
        if arg is None:
            return False
    if op == "is_null":
        return value is None
    if op == "is_not_null":
        return value is not None
    if op == "eq":
        return value is not None and value == arg
    if op == "ne":
        return value is not None and value != arg
    if op in ("gt", "ge", "lt", "le"):
        return _compare(value, op, arg)
    if op == "between":
        return _compare(value, "ge", arg[0]) and _compare(value, "le", arg[1])
    if op == "in":
        return value is not None and value in arg
    if op == "not_in":
        return value is not None and value not in arg
    if not isinstance(value, str):
        return False
    if op == "contains":
        return arg in value
    if op == "icontains":
        return arg.casefold() in value.casefold()
    if op == "startswith":
        return value.startswith(arg)
    if op in ("like", "not_like"):
        return bool(like_regex(arg, False).match(value)) == (op == "like")
    if op in ("ilike", "not_ilike"):
        return bool(like_regex(arg, True).match(value)) == (op == "ilike")
    raise BadQuery(f"Unknown operator '{op}'.")


def sort_records(records: list[dict[str, Any]], order: Sequence[Order]) -> list[dict[str, Any]]:
    """Stable multi-key sort; missing values sort first ascending, last descending (as NULLs in SQL)."""
    for o in reversed(order):
        present = [r for r in records if value_at(r, o.field) is not None]
        missing = [r for r in records if value_at(r, o.field) is None]
        present.sort(key=lambda r, f=o.field: value_at(r, f), reverse=o.descending)
        records = present + missing if o.descending else missing + present
    return records


def project(record: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    if fields is None:
        return record
    out: dict[str, Any] = {}
    for path in fields:
        head, _, tail = path.partition(".")
        if tail:
            sub = out.setdefault(head, {})
            if isinstance(sub, dict):
                sub[tail] = value_at(record, path)
        else:
            out[head] = record.get(head)
    return out
