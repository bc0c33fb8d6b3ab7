"""Turns a bound query into DynamoDB work, and runs it within a read budget.

The planner picks, in order: a GetItem when the key is fixed; a Query on the
index whose partition the filter pins by equality (using a sort-key range when
the filter has one); a Query on the resource's "everything, newest first"
partition when the order is the natural one; otherwise a Scan. Every
translatable top-level condition is pushed down as a FilterExpression; the
whole tree is then evaluated in memory too (``query.matches``), so the answer
never depends on what could be pushed down. Each request may read at most
``MAX_READ_ITEMS`` items; a query that would read more is refused (400) rather
than served slowly or partially.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from .errors import BadQuery
from .query import And, Cond, Node, Or, Order, Query, conjuncts, matches, sort_records
from .registry import AccessPath, Resource

MAX_READ_ITEMS = 50_000
DYNAMO_PAGE = 500


@dataclass
class Stats:
    """What a request cost: the access path and the items DynamoDB read (ScannedCount)."""

    access: str = ""
    scanned: int = 0
    returned: int = 0
    calls: int = 0


@dataclass
class Page:
    records: list[dict[str, Any]]
    count: int | None
    stats: Stats = field(default_factory=Stats)


@dataclass
class Plan:
    path: AccessPath | None
    hash_key: Any = None
    range_condition: Condition | None = None
    filter_condition: Condition | None = None
    key_only: bool = False
    native_order: bool = False
    descending: bool = False
    get_key: Any = None
    empty: bool = False


def _attr(resource: Resource, path: str, *, search: bool = False) -> Any:
    head, _, tail = path.partition(".")
    f = resource.relations[head].fields[tail] if tail else resource.fields[head]
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


def to_condition(resource: Resource, node: Node) -> Condition | None:
    """A DynamoDB condition that keeps at least every item ``node`` matches, or None."""
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
        if any(p is None for p in parts):
            return None
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out
    if not isinstance(node, Cond):
        return None
    attr = _attr(resource, node.field)
    op, v = node.op, node.value
    simple = {"eq": lambda: attr == v, "ne": lambda: attr != v, "gt": lambda: attr > v, "ge": lambda: attr >= v,
              "lt": lambda: attr < v, "le": lambda: attr <= v, "is_null": lambda: attr.does_not_exist(),
              "is_not_null": lambda: attr.exists(), "contains": lambda: attr.contains(v),
              "startswith": lambda: attr.startswith(v)}
    if op in simple:
        return simple[op]()
    if op == "between":
        return attr.between(v[0], v[1])
    if op == "in":
        return attr.is_in(*v) if v else None
    if op == "icontains":
        return _attr(resource, node.field, search=True).contains(v.casefold())
    if op == "like":
        return _like_pushdown(attr, v)
    if op == "ilike":
        return _like_pushdown(_attr(resource, node.field, search=True), v.casefold())
    return None


def _range_condition(resource: Resource, path: AccessPath, terms: list[Node]) -> Condition | None:
    if not path.range_field or not path.range_attribute:
        return None
    attr = getattr(type(path.index), path.range_attribute, None) or getattr(resource.model, path.range_attribute)
    lower = upper = None
    for t in terms:
        if not isinstance(t, Cond) or t.field != path.range_field:
            continue
        if t.op == "eq":
            return attr == t.value
        if t.op == "between":
            return attr.between(t.value[0], t.value[1])
        if t.op in ("gt", "ge") and lower is None:
            lower = (t.op, t.value)
        if t.op in ("lt", "le") and upper is None:
            upper = (t.op, t.value)
    if lower and upper and lower[0] == "ge" and upper[0] == "le":
        return attr.between(lower[1], upper[1])
    if lower:
        return attr > lower[1] if lower[0] == "gt" else attr >= lower[1]
    if upper:
        return attr < upper[1] if upper[0] == "lt" else attr <= upper[1]
    return None


def plan(resource: Resource, query: Query, paths: Sequence[AccessPath]) -> Plan:
    terms = conjuncts(query.where)
    for t in terms:
        if isinstance(t, Cond) and t.field == resource.key and t.op == "eq":
            return Plan(None, get_key=t.value)
    wanted = query.order[0] if query.order else None
    candidates: list[tuple[int, Plan]] = []
    for path in paths:
        if path.hash_field is None:
            hash_key = path.constant_hash
        else:
            eq = next((t for t in terms if isinstance(t, Cond) and t.field == path.hash_field and t.op == "eq"), None)
            if eq is None:
                continue
            hash_key = path.hash_value(eq.value) if path.hash_value else eq.value
            if hash_key is None:
                return Plan(path, empty=True)
        native = wanted is None or (wanted.field == path.order_field and len(query.order) == 1)
        rng = _range_condition(resource, path, terms)
        score = (100 if path.hash_field else 0) + (20 if rng is not None else 0) + (10 if native else 0)
        if path.hash_field is None and not native:
            continue
        candidates.append((score, Plan(path, hash_key=hash_key, range_condition=rng, native_order=native,
                                       descending=bool(wanted and wanted.descending))))
    if candidates:
        candidates.sort(key=lambda c: -c[0])
        chosen = candidates[0][1]
    else:
        chosen = Plan(None)
    chosen.filter_condition = to_condition(resource, And(tuple(terms))) if terms else None
    return chosen


class _Budget:
    def __init__(self, stats: Stats) -> None:
        self.stats = stats

    def charge(self, iterator: ResultIterator[Any]) -> None:
        self.stats.scanned = iterator.page_iter.total_scanned_count
        if self.stats.scanned > MAX_READ_ITEMS:
            raise BadQuery(
                f"This query would read more than {MAX_READ_ITEMS} items; narrow it with an indexed filter."
            )


def _iterate(resource: Resource, p: Plan, stats: Stats, base_scanned: int = 0) -> Iterator[Model]:
    model = resource.model
    if p.path is None:
        stats.access = "scan"
        it = model.scan(filter_condition=p.filter_condition, page_size=DYNAMO_PAGE)
    else:
        stats.access = f"query:{p.path.name}"
        it = p.path.index.query(
            p.hash_key,
            range_key_condition=p.range_condition,
            filter_condition=p.filter_condition,
            scan_index_forward=not p.descending if p.native_order else None,
            page_size=DYNAMO_PAGE,
        )
    budget = _Budget(stats)
    for item in it:
        budget.charge(it)
        stats.scanned = base_scanned + it.page_iter.total_scanned_count
        yield item
    stats.scanned = base_scanned + it.page_iter.total_scanned_count


def run(resource: Resource, query: Query, paths: Sequence[AccessPath],
        to_record: Callable[[Model], dict[str, Any]]) -> Page:
    """Execute ``query`` (already bound) and return one page, with an honest total when asked."""
    stats = Stats()
    p = plan(resource, query, paths)
    if p.empty:
        stats.access = "none"
        return Page([], 0 if query.with_count else None, stats)
    if p.get_key is not None:
        stats.access = "get"
        try:
            item = resource.model.get(p.get_key)
            stats.scanned = 1
            records = [to_record(item)]
        except DoesNotExist:
            records = []
        records = [r for r in records if matches(query.where, r)]
        return Page(records[query.offset:][: query.limit] if query.limit is not None else records[query.offset:],
                    len(records) if query.with_count else None, stats)
    limit = query.limit
    if p.native_order and p.path is not None:
        page: list[dict[str, Any]] = []
        seen = 0
        for item in _iterate(resource, p, stats):
            record = to_record(item)
            if not matches(query.where, record):
                continue
            if seen >= query.offset and (limit is None or len(page) < limit):
                page.append(record)
            seen += 1
            if not query.with_count and limit is not None and len(page) >= limit:
                break
        stats.returned = len(page)
        return Page(page, seen if query.with_count else None, stats)
    records = [r for r in (to_record(i) for i in _iterate(resource, p, stats)) if matches(query.where, r)]
    records = sort_records(records, query.order or _default(resource))
    stats.returned = len(records)
    window = records[query.offset:] if limit is None else records[query.offset: query.offset + limit]
    return Page(window, len(records) if query.with_count else None, stats)


def _default(resource: Resource) -> tuple[Order, ...]:
    return tuple(Order(f, d) for f, d in resource.default_order)


def all_matching(resource: Resource, query: Query, paths: Sequence[AccessPath],
                 to_record: Callable[[Model], dict[str, Any]]) -> tuple[list[Model], Stats]:
    """Every item matching ``query.where`` (bounded by the read budget), for patch-many and aggregates."""
    stats = Stats()
    p = plan(resource, Query(where=query.where), paths)
    if p.empty:
        return [], stats
    if p.get_key is not None:
        try:
            item = resource.model.get(p.get_key)
        except DoesNotExist:
            return [], stats
        return ([item] if matches(query.where, to_record(item)) else []), stats
    return [i for i in _iterate(resource, p, stats) if matches(query.where, to_record(i))], stats
