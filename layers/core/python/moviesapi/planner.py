"""Turns a bound query into DynamoDB work, and runs it within a read budget.

The planner picks, in order: a GetItem when the key is fixed; a Query on the
index whose partition the filter pins by equality (with a sort-key range when
the filter has one); a Query on the resource's "everything, newest first"
partition (its write shards merged: ``shards``) when the order is the natural
one; otherwise a Scan. Translatable
conditions are pushed down as a FilterExpression; the whole tree is then
evaluated in memory too (``query.matches``), so the answer never depends on
what could be pushed down.

Totals are exact: a counter item when the filter is exactly a counted
partition, a ``Select=COUNT`` Query when key conditions capture the whole
filter, otherwise by reading the rest of the matches. Every request may read at
most ``MAX_READ_ITEMS`` items; one that would read more is refused (400),
never answered slowly or partially.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from . import counters, parallel, shards
from .errors import BadQuery
from .query import And, Cond, FieldRef, Node, Or, Order, Query, conjuncts, matches, sort_records
from .registry import AccessPath, Resource
from .signing import signing_key
from .storage import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES, sendable

MAX_READ_ITEMS = 50_000
DYNAMO_PAGE = 1000


@dataclass
class Stats:
    """What a request cost: the access path and the items DynamoDB read (ScannedCount)."""

    access: str = ""
    count_source: str = ""
    scanned: int = 0
    returned: int = 0


@dataclass
class Page:
    records: list[dict[str, Any]]
    count: int | None
    next_key: dict[str, Any] | None = None  # where the next page starts; None: this page is the last
    stats: Stats = field(default_factory=Stats)
    fingerprint: str = ""  # the query's, which the next page's cursor is bound to

    @cached_property
    def next_cursor(self) -> str | None:
        """The next page's signed cursor, made only for a dialect that asks (a key, an HMAC, base64)."""
        return encode_cursor(self.next_key, self.fingerprint) if self.next_key else None


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


def _too_big() -> BadQuery:
    return BadQuery(f"This query would read more than {MAX_READ_ITEMS} items; narrow it with an indexed filter.")


class _Reader:
    """Iterates a plan's items (a sharded partition's shards merged), keeping ScannedCount and the read budget."""

    def __init__(
        self,
        resource: Resource,
        p: Plan,
        stats: Stats,
        start_key: dict[str, Any] | None = None,
        wanted: int | None = None,
    ) -> None:
        self.resource, self.plan, self.stats = resource, p, stats
        self.merge: shards.Merge | None = None
        model = resource.model
        # Without a residual filter every item read is returned: read no more than the page needs.
        page_size = DYNAMO_PAGE if wanted is None or p.residual else max(1, min(DYNAMO_PAGE, wanted))
        if p.path is None:
            self.iterator = model.scan(
                filter_condition=p.filter_condition, page_size=page_size, last_evaluated_key=start_key
            )
        elif _partitions(p):
            self.merge = shards.read(model, p, start_key, wanted=wanted, page=DYNAMO_PAGE)
        else:
            self.iterator = p.path.index.query(
                p.hash_key,
                range_key_condition=p.range_condition,
                filter_condition=p.filter_condition,
                scan_index_forward=(not p.descending) if p.native_order else None,
                page_size=page_size,
                last_evaluated_key=start_key,
            )
        self.base = stats.scanned

    def skip(self, n: int) -> int:
        """Pass over up to ``n`` items without making models of them where the read allows (a merge)."""
        if self.merge is None or n <= 0:
            return 0
        skipped = 0
        while skipped < n:  # the read budget is checked as the skip reads, not only after it
            chunk = min(n - skipped, DYNAMO_PAGE)
            step = self.merge.skip(chunk)
            skipped += step
            self._account()
            if step < chunk:
                break
        return skipped

    def __iter__(self) -> Iterator[Model]:
        for item in self.merge if self.merge is not None else self.iterator:
            self._account()
            yield item
        self._account()

    def records(self) -> Iterator[dict[str, Any]]:
        """The items as records: a merge's raw items read straight into records where the resource
        allows it (``record_of_raw``: no model made), else each item's model's ``to_record``."""
        direct, to_record = self.resource.record_of_raw, self.resource.to_record
        assert to_record is not None
        if self.merge is None or direct is None:
            yield from (to_record(item) for item in self)
            return
        for raw in self.merge.raw():
            self._account()
            yield direct(raw)
        self._account()

    def _account(self) -> None:
        read = self.merge.scanned if self.merge is not None else self.iterator.page_iter.total_scanned_count
        self.stats.scanned = self.base + read
        if self.stats.scanned > MAX_READ_ITEMS:
            raise _too_big()

    @property
    def last_key(self) -> dict[str, Any] | None:
        return self.merge.cursor() if self.merge is not None else self.iterator.last_evaluated_key


def _partitions(p: Plan) -> tuple[Any, ...]:
    """The write shards a plan's constant partition is spread over (empty: one partition)."""
    return p.path.partitions if p.path is not None and p.path.hash_field is None else ()


def _fingerprint(query: Query, p: Plan) -> str:
    text = repr((p.describe, p.hash_key, _partitions(p), query.where, query.order))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(key: dict[str, Any], fingerprint: str) -> str:
    """An opaque, signed cursor: clients cannot forge keys or reuse it for another query."""
    payload = json.dumps({"k": key, "f": fingerprint}, separators=(",", ":")).encode()
    mac = hmac.new(signing_key().encode(), payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        mac, payload = raw[:16], raw[16:]
        expected = hmac.new(signing_key().encode(), payload, hashlib.sha256).digest()[:16]
        if len(cursor) > 2048 or not hmac.compare_digest(mac, expected):
            raise ValueError
        data = json.loads(payload)
        if data.get("f") != fingerprint or not isinstance(data.get("k"), dict):
            raise ValueError
        return data["k"]
    except (ValueError, TypeError):
        raise BadQuery("Invalid cursor.") from None


def _counter_of(p: Plan) -> str | None:
    """The counter holding the plan's exact total, when one does (a whole partition, nothing filtered)."""
    if p.path is not None and not p.residual and p.range_condition is None and p.path.counter is not None:
        return p.path.counter(p.hash_key)
    return None


def _count(
    resource: Resource,
    p: Plan,
    query: Query,
    stats: Stats,
    matched_so_far: int,
    remaining: Iterator[dict[str, Any]] | None,
    counted: Future[int] | None = None,
) -> int:
    """Exact total for ``query``, as cheaply as the plan allows (``counted``: the counter, already asked)."""
    if counted is not None:
        stats.count_source = "counter"
        stats.scanned += 1  # one BatchGetItem of the counter's shards
        return counted.result()
    if p.path is not None and not p.residual:
        stats.count_source = "select-count"
        parts = _partitions(p) or (p.hash_key,)
        total = sum(p.path.index.count(k, range_key_condition=p.range_condition) for k in parts)
        stats.scanned += total
        if stats.scanned > MAX_READ_ITEMS:
            raise _too_big()
        return total
    stats.count_source = "read"
    if remaining is None:
        return matched_so_far
    return matched_so_far + sum(1 for record in remaining if matches(query.where, record))


def run(resource: Resource, query: Query) -> Page:
    """Execute a bound ``query`` and return one page, with an exact total when asked."""
    assert resource.to_record
    to_record = resource.to_record
    stats = Stats()
    p = plan(resource, query, resource.access_paths)
    stats.access = p.describe
    if p.empty:
        return Page([], 0 if query.with_count else None, stats=stats)
    if p.get_key is not None:
        try:
            item = resource.model.get(p.get_key)
            stats.scanned = 1
            records = [r for r in [to_record(item)] if matches(query.where, r)]
        except DoesNotExist:
            records = []
        end = None if query.limit is None else query.offset + query.limit
        return Page(records[query.offset : end], len(records) if query.with_count else None, stats=stats)
    if p.native_order and p.path is not None:
        return _run_native(resource, query, p, stats)
    _refuse_if_too_big(resource, p, stats)
    reader = _Reader(resource, p, stats)
    records = [r for r in reader.records() if matches(query.where, r)]
    records = sort_records(records, query.order or _default(resource))
    stats.returned = len(records)
    stats.count_source = "read"
    # Sorted in memory: a cursor is a signed position in this query's result.
    fingerprint = _fingerprint(query, p)
    offset = query.offset + (int(decode_cursor(query.cursor, fingerprint).get("o", 0)) if query.cursor else 0)
    end = None if query.limit is None else offset + query.limit
    next_key = {"o": end} if end is not None and end < len(records) else None
    return Page(records[offset:end], len(records) if query.with_count else None, next_key, stats, fingerprint)


def _known_size(resource: Resource, p: Plan, stats: Stats) -> int | None:
    """An upper bound on the items a plan reads, from counter items (one read), when one exists."""
    path, key = p.path, p.hash_key
    if path is None:  # a Scan reads everything: the resource's total bounds it
        path = next((a for a in resource.access_paths if a.hash_field is None and a.counter), None)
        key = path.constant_hash if path else None
    if path is None or path.counter is None:
        return None
    stats.scanned += 1  # one BatchGetItem of the counter's shards
    return counters.total(path.counter(key))


def _refuse_if_too_big(resource: Resource, p: Plan, stats: Stats) -> None:
    """Refuse up front (one read) a query whose total needs reading more than the budget."""
    if p.residual:
        size = _known_size(resource, p, stats)
        if size is not None and size > MAX_READ_ITEMS:
            raise _too_big()


def _run_native(resource: Resource, query: Query, p: Plan, stats: Stats) -> Page:
    """Stream the index in its own order: stop at the end of the page unless a total is needed."""
    assert resource.to_record
    if query.with_count and not query.cursor:
        _refuse_if_too_big(resource, p, stats)
    fingerprint = _fingerprint(query, p)
    start = decode_cursor(query.cursor, fingerprint) if query.cursor else None
    wanted = None if query.limit is None else query.offset + query.limit
    counter = _counter_of(p) if query.with_count and not query.cursor else None
    # The total's counter is read while the page is: one round trip for both.
    counted = parallel.start(lambda: counters.total(counter)) if counter is not None else None
    try:
        reader = _Reader(resource, p, stats, start, wanted)
        # Unfiltered, an offset's items are only counted: no model is made of them.
        matched = reader.skip(query.offset) if query.where is None else 0
        items = reader.records()
        page: list[dict[str, Any]] = []
        full = query.limit is not None and query.limit <= 0  # nothing wanted: read nothing more
        for record in () if full else items:
            if not matches(query.where, record):
                continue
            matched += 1
            if matched > query.offset:
                page.append(record)
            if query.limit is not None and len(page) >= query.limit:
                full = True
                break
        next_key = (reader.last_key or None) if full else None
        stats.returned = len(page)
        total = None
        if query.with_count and not query.cursor:
            total = _count(resource, p, query, stats, matched, items if full else None, counted)
            if total <= query.offset + len(page):
                next_key = None
    finally:
        if counted is not None:
            wait([counted])  # whatever failed, nothing of this request runs on into the next
    return Page(page, total, next_key, stats, fingerprint)


def _default(resource: Resource) -> tuple[Order, ...]:
    return tuple(Order(f, d) for f, d in resource.default_order)


def all_matching(resource: Resource, where: Node | None) -> tuple[list[Model], Stats]:
    """Every item matching ``where`` (within the read budget), for patch-many and aggregates."""
    assert resource.to_record
    stats = Stats()
    p = plan(resource, Query(where=where), resource.access_paths)
    stats.access = p.describe
    if p.empty:
        return [], stats
    if p.get_key is not None:
        try:
            item = resource.model.get(p.get_key)
        except DoesNotExist:
            return [], stats
        stats.scanned = 1
        return ([item] if matches(where, resource.to_record(item)) else []), stats
    _refuse_if_too_big(resource, p, stats)
    reader = _Reader(resource, p, stats)  # in index order: aggregates' groups come in the order first read
    return [i for i in reader if matches(where, resource.to_record(i))], stats
