"""Runs a bound query's plan (``plans``) as DynamoDB work, within a read budget.

The plan picks a GetItem, a Query (a sharded partition's shards merged: ``shards``)
or a Scan, with what it could push down; the whole filter tree is then evaluated in
memory too (``query.matches``), so the answer never depends on what could be pushed
down. Cursors are signed positions, bound to the query.

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
from collections.abc import Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from . import counters, parallel, shards
from .errors import BadQuery
from .plans import Plan, plan
from .query import Node, Order, Query, matches, sort_records
from .registry import Resource
from .signing import signing_key

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
