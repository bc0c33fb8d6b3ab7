"""Planning: which DynamoDB request answers a bound query, and what it can push down.

In order: a GetItem when the key is fixed; a Query on the index whose partition the
filter pins by equality (with a sort-key range when the filter has one); a Query on
the resource's "everything, newest first" partition (its write shards merged:
``shards``) when the order is the natural one; otherwise a Scan. Translatable
conditions become a FilterExpression; what cannot be sent stays ``residual`` and is
evaluated in memory (``planner`` runs the plan).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pynamodb.expressions.condition import Condition

from .query import And, Cond, FieldRef, Node, Or, Query, conjuncts
from .registry import AccessPath, Resource
from .storage import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES, sendable


@dataclass
class Plan:
    path: AccessPath | None
    hash_key: Any = None
    range_condition: Condition | None = None
    filter_condition: Condition | None = None
    residual: list[Node] = field(default_factory=list)
    native_order: bool = False
    descending: bool = False
    get_key: Any = None
    empty: bool = False

    @property
    def describe(self) -> str:
        if self.get_key is not None:
            return "get"
        return f"query:{self.path.name}" if self.path else "scan"


def _attr(resource: Resource, path: str, *, search: bool = False) -> Any:
    f = resource.field_at(path)
    assert f is not None, path
    name = f.search_attribute if search and f.search_attribute else f.attribute
    return getattr(resource.model, name)


def _like_pushdown(attr: Any, pattern: str) -> Condition | None:
    if "_" in pattern:
        return None
    inner = pattern.strip("%")
    if "%" in inner or not inner:
        return None
    if pattern.startswith("%") and pattern.endswith("%") and len(pattern) >= 2:
        return attr.contains(inner)
    if pattern.endswith("%") and not pattern.startswith("%"):
        return attr.startswith(inner)
    if "%" not in pattern:
        return attr == inner
    return None


def _key_attributes(resource: Resource) -> frozenset[str]:
    """The attributes that are a key of the table or of an index (DynamoDB refuses empty or oversize values)."""
    names = {f.attribute for f in (resource.field_at(resource.key),) if f is not None}
    for path in resource.access_paths:
        f = resource.field_at(path.hash_field) if path.hash_field else None
        names.update(n for n in (f.attribute if f else None, path.range_attribute) if n)
    return frozenset(names)


def _ordered(low: Any, high: Any) -> bool:
    """``low <= high`` for a range's bounds; a null or incomparable bound is no range (SQL: no rows)."""
    try:
        return low is not None and high is not None and bool(low <= high)
    except TypeError:
        return False


def _range_ok(value: Any) -> bool:
    """A ``between`` value that is a real range: two ordered, non-null bounds."""
    return isinstance(value, (tuple, list)) and len(value) == 2 and _ordered(value[0], value[1])


def _operands_sendable(node: Cond, key_bytes: int | None) -> bool:
    """Whether DynamoDB accepts each of the condition's values (each of an ``in`` list or ``between`` pair)."""
    many = node.op in ("in", "not_in", "between") and isinstance(node.value, tuple)
    return all(sendable(v, key_bytes) for v in (node.value if many else (node.value,)))


def _never_matches(node: Node) -> bool:
    """A top-level condition no item meets: ``between`` with a null or inverted range, as in SQL."""
    return isinstance(node, Cond) and node.op == "between" and not _range_ok(node.value)


def to_condition(resource: Resource, node: Node) -> Condition | None:
    """A DynamoDB condition that keeps at least every item ``node`` matches, or None.

    ``Not`` is never pushed down: its translation would have to be exact, not
    just a superset, and the in-memory pass handles it anyway. Neither is a
    value DynamoDB would refuse (a number past its range, an empty or oversize
    value on a key attribute, a null ``between`` bound): it would be a
    ValidationException, and the in-memory pass decides those exactly.
    """
    if isinstance(node, And):
        parts = [c for c in (to_condition(resource, i) for i in node.items) if c is not None]
        if not parts:
            return None
        out = parts[0]
        for p in parts[1:]:
            out = out & p
        return out
    if isinstance(node, Or):
        parts = [to_condition(resource, i) for i in node.items]
        if not parts or any(p is None for p in parts):
            return None
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out
    if not isinstance(node, Cond) or isinstance(node.value, FieldRef):
        return None  # field-to-field comparisons are evaluated in memory
    attr = _attr(resource, node.field)
    op, v = node.op, node.value
    key_bytes = MAX_RANGE_KEY_BYTES if attr.attr_name in _key_attributes(resource) else None
    if v is not None and not _operands_sendable(node, key_bytes):
        return None
    if op in ("contains", "icontains", "startswith") and v == "":
        return None  # every text contains "": nothing to push down
    if op == "eq":
        return attr == v
    if op == "ne":
        return attr != v
    if op in ("gt", "ge", "lt", "le"):
        return {"gt": attr > v, "ge": attr >= v, "lt": attr < v, "le": attr <= v}[op]
    if op == "is_null":
        return attr.does_not_exist()
    if op == "is_not_null":
        return attr.exists()
    if op == "contains":
        return attr.contains(v)
    if op == "startswith":
        return attr.startswith(v)
    if op == "between":
        return attr.between(v[0], v[1]) if _range_ok(v) else None
    if op == "in":
        return attr.is_in(*v) if v else None
    if op in ("icontains", "ilike"):
        # Case-insensitive matching can only be pushed down on a lower-cased shadow attribute;
        # on any other attribute a casefolded value would drop matching items.
        shadow = _attr(resource, node.field, search=True)
        if shadow is attr:
            return None
        if op == "icontains":
            return shadow.contains(v.casefold())
        return _like_pushdown(shadow, v.casefold())
    if op == "like":
        return _like_pushdown(attr, v)
    return None


def _range_condition(resource: Resource, path: AccessPath, terms: list[Node]) -> tuple[Condition | None, list[Node]]:
    """The sort-key condition the terms allow on ``path``, and the terms it fully captures."""
    if not path.range_field or not path.range_attribute:
        return None, []
    attr = getattr(resource.model, path.range_attribute)
    lower: Cond | None = None
    upper: Cond | None = None
    for t in terms:
        if not _keyable(t) or t.field != path.range_field or not _operands_sendable(t, MAX_RANGE_KEY_BYTES):
            continue  # a value no sort key can hold stays a filter (evaluated in memory)
        if t.op == "eq":
            return attr == t.value, [t]
        if t.op == "between":
            if not _range_ok(t.value):
                continue  # DynamoDB refuses BETWEEN with its bounds inverted
            return attr.between(t.value[0], t.value[1]), [t]
        if t.op in ("gt", "ge") and lower is None:
            lower = t
        if t.op in ("lt", "le") and upper is None:
            upper = t
    if lower and upper and lower.op == "ge" and upper.op == "le" and _ordered(lower.value, upper.value):
        return attr.between(lower.value, upper.value), [lower, upper]
    if lower:
        return (attr > lower.value if lower.op == "gt" else attr >= lower.value), [lower]
    if upper:
        return (attr < upper.value if upper.op == "lt" else attr <= upper.value), [upper]
    return None, []


def _keyable(node: Node) -> bool:
    """A condition an index key can use: on a value, not on another field."""
    return isinstance(node, Cond) and not isinstance(node.value, FieldRef)


def plan(resource: Resource, query: Query, paths: Sequence[AccessPath]) -> Plan:
    """The cheapest way to read ``query``; an empty plan when a top-level condition can match nothing.

    An equality on a key with a value no key can hold (empty, oversize, a
    number past DynamoDB's range) matches nothing, as SQL would answer: it is
    never sent, since DynamoDB refuses it as a ValidationException.
    """
    terms = conjuncts(query.where)
    if any(_never_matches(t) for t in terms):
        return Plan(None, empty=True)
    for t in terms:
        if _keyable(t) and t.field == resource.key and t.op == "eq":
            if not isinstance(t.value, str) or not sendable(t.value, MAX_HASH_KEY_BYTES):
                return Plan(None, empty=True)  # table keys are text: nothing else equals one
            return Plan(None, get_key=t.value, residual=[x for x in terms if x is not t])
    wanted = query.order[0] if query.order else None
    best: tuple[int, Plan] | None = None
    for path in paths:
        captured: list[Node] = []
        if path.hash_field is None:
            hash_key = path.constant_hash
        else:
            eq = next((t for t in terms if _keyable(t) and t.field == path.hash_field and t.op == "eq"), None)
            if eq is None:
                continue
            if not sendable(eq.value, MAX_HASH_KEY_BYTES):  # no item's key (nor the lookup's) holds it
                return Plan(path, empty=True)
            hash_key = path.hash_value(eq.value) if path.hash_value else eq.value
            if hash_key is None or not sendable(hash_key, MAX_HASH_KEY_BYTES):
                return Plan(path, empty=True)
            captured.append(eq)
        native = wanted is None or (wanted.field in path.orders and len(query.order) == 1)
        if path.hash_field is None and not native:
            continue
        rng, used = _range_condition(resource, path, terms)
        captured.extend(used)
        score = (100 if path.hash_field else 0) + (20 if rng is not None else 0) + (10 if native else 0)
        candidate = Plan(
            path,
            hash_key=hash_key,
            range_condition=rng,
            native_order=native,
            descending=bool(wanted and wanted.descending),
            residual=[t for t in terms if not any(t is c for c in captured)],
        )
        if best is None or score > best[0]:
            best = (score, candidate)
    chosen = best[1] if best else Plan(None, residual=list(terms))
    chosen.filter_condition = to_condition(resource, And(tuple(chosen.residual))) if chosen.residual else None
    return chosen
