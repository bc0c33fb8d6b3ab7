"""Reading a write-sharded partition: every shard queried lazily, merged in the index's order.

One DynamoDB partition takes about 1,000 writes a second, so storage spreads a
constant "everything in this order" partition over shards (plus the unsharded
partition older writes used). A read first asks each shard for twice its share
of the page and one, then tops up a shard that runs dry while the page is not
full, and merges them by the index's sort key: with items spread evenly a page
is one Query per partition, reading about twice the page, never shards times it.
The first requests of all the shards are in flight together (``parallel``), so a
page costs one round trip, not one per partition; a top-up is one more.

A position is, per shard, the key of the last item taken from it (None: not
started; ``EXHAUSTED``: nothing left), so a cursor restarts each shard right
after what it returned, with ExclusiveStartKey.

A retired partition (the unsharded one: every write now picks a shard, and an
update keeps an item where it is) can only empty. Once a container has read one
empty from its start with no key condition (DynamoDB scanned nothing in it), it
takes it as exhausted, in every index of the table, for ``RECHECK_SECONDS``
instead of asking again on every page: one Query per page fewer. It learns that
only from an index whose sort key never changes (``fixed_order``): an update that
moves an item's sort key is a delete and a put in the index, and a read between
them could see the partition empty while it is not. The recheck bounds what a
container could miss while a version from before write sharding still runs
beside this one.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pynamodb.models import Model
from pynamodb.pagination import PageIterator

from . import parallel
from .errors import BadQuery

if TYPE_CHECKING:
    from .plans import Plan

EXHAUSTED = "x"
Position = dict[str, Any] | str | None
RECHECK_SECONDS = 300.0
_seen_empty: dict[Any, float] = {}  # (table, retired partition) → when this container read it empty
_clock = time.monotonic


def _known_empty(key: Any) -> bool:
    seen = _seen_empty.get(key)
    return seen is not None and _clock() - seen < RECHECK_SECONDS


class _Shard:
    """One partition's query: pages fetched one request at a time, buffered until merged."""

    def __init__(
        self, open_query: Callable[[Any, Any], PageIterator], partition: Any, start: Position, watch: Any = None
    ) -> None:
        self.watch = watch  # a retired partition read from its start: remember when it proves empty
        self.done = start == EXHAUSTED
        self.position: Position = start
        self.pages = None if self.done else open_query(partition, start)
        self.buffer: deque[tuple[Any, dict[str, Any]]] = deque()  # (sort value, raw item)
        self.scanned = 0
        self.requests = 0

    def fill(self, sort_key: Callable[[dict[str, Any]], Any], batch: int) -> None:
        """Fetch pages of ``batch`` items until one is buffered or the partition ends.

        Items stay raw, with only their sort value read: a page merges from twice
        what it returns, and making a model is most of a list page's CPU.
        """
        while not self.buffer and not self.done:
            assert self.pages is not None
            self.pages.page_size = batch
            self.requests += 1
            try:
                page = next(self.pages)
            except StopIteration:
                self.done = True
                break
            self.scanned += page.get("ScannedCount", 0)
            self.buffer.extend((sort_key(raw), raw) for raw in page.get("Items", ()))
            self.done = self.pages.last_evaluated_key is None
            if self.watch is not None and self.done and self.requests == 1 and not self.scanned:
                _seen_empty[self.watch] = _clock()

    def take(self) -> dict[str, Any]:
        """The next raw item (DynamoDB's attribute-value form), its position recorded."""
        _, raw = self.buffer.popleft()
        assert self.pages is not None
        if self.done and not self.buffer:
            self.position = EXHAUSTED
        else:
            self.position = {name: raw[name] for name in self.pages.key_names}
        return raw


class Merge:
    """Items of several partitions of one index, in the index's order."""

    def __init__(
        self,
        model: type[Model],
        open_query: Callable[[Any, Any], PageIterator],
        partitions: Sequence[Any],
        sort_attribute: str,
        *,
        descending: bool = False,
        start: Sequence[Position] | None = None,
        wanted: int | None = None,
        filtered: bool = False,
        page: int = 1000,
        retired: Collection[Any] = (),
        scope: Any = None,
        learn: bool = False,
    ) -> None:
        """``retired`` partitions of the table ``scope`` names are skipped while known empty; ``learn``:
        this read's queries have no key condition and its index no moving sort key, so one that scans
        nothing proves its partition empty."""
        starts = list(start) if start is not None else [None] * len(partitions)
        if len(starts) != len(partitions) or not all(
            s is None or s == EXHAUSTED or isinstance(s, dict) for s in starts
        ):
            raise ValueError("positions do not match the partitions")
        watches = [(scope, p) if p in retired and s is None else None for p, s in zip(partitions, starts, strict=True)]
        starts = [EXHAUSTED if w is not None and _known_empty(w) else s for w, s in zip(watches, starts, strict=True)]
        self.model = model
        attribute = model.get_attributes().get(sort_attribute)
        if attribute is None:  # a declaration error, not a client's: never "Invalid cursor."
            raise RuntimeError(f"{model.__name__} has no sort attribute {sort_attribute!r}")
        self._sort_key = lambda raw: attribute.deserialize(attribute.get_value(raw[attribute.attr_name]))
        self.descending = descending
        self.shards = [
            _Shard(open_query, p, s, w if learn else None) for p, s, w in zip(partitions, starts, watches, strict=True)
        ]
        self.wanted, self.filtered, self.page = wanted, filtered, page
        self.taken = 0
        self._started = False

    @property
    def scanned(self) -> int:
        """Items DynamoDB read so far, over every shard (ScannedCount)."""
        return sum(s.scanned for s in self.shards)

    def cursor(self) -> dict[str, Any] | None:
        """Where each shard stands, for a cursor; None when no shard can hold another item."""
        if not any(s.buffer or not s.done for s in self.shards):
            return None
        return {"s": [s.position for s in self.shards]}

    def _batch(self, first: bool = False) -> int:
        """How many items the next request asks a shard for.

        While a page fills: the shard's share of what is still wanted, never more
        than the page still lacks over everything fetched (a lone look-ahead
        once it has it). After that (reading the rest, or no page): whole pages.
        A filtered read cannot know what a match costs: the shards share one page.
        """
        if self.wanted is None or self.taken >= self.wanted:
            return self.page
        live = sum(1 for s in self.shards if s.buffer or not s.done) or 1
        if self.filtered:
            return max(1, self.page // live)
        share = -(-(self.wanted - self.taken) // live)
        if first:
            # The first round: twice each shard's share and one, so a page usually needs one request per
            # shard (items spread evenly; a shard holding more than that is topped up below).
            return max(1, min(self.page, 2 * share + 1))
        lacking = self.wanted - self.taken - sum(len(s.buffer) for s in self.shards)
        return max(1, min(self.page, share, lacking))

    def _next_shard(self) -> _Shard | None:
        best: _Shard | None = None
        for shard in self.shards:
            if not shard.buffer and not shard.done:  # a request's size is worked out only when one is due
                shard.fill(self._sort_key, self._batch(first=shard.requests == 0))
            if not shard.buffer:
                continue
            if best is None or self._before(shard.buffer[0][0], best.buffer[0][0]):
                best = shard
        return best

    def _before(self, x: Any, y: Any) -> bool:
        """Whether sort value ``x`` comes strictly before ``y`` in the requested direction (ties: earlier shard)."""
        return bool(x > y) if self.descending else bool(x < y)

    def _first_round(self) -> None:
        """Every shard's first request at once (each fills only its own buffer).

        All ask for the same share: one after another, a shard that came back empty
        would have raised the next ones' share, so a small collection may now need a
        top-up request where it did not; one round trip instead of one per shard is
        the better price.
        """
        self._started = True
        waiting = [s for s in self.shards if s.requests == 0 and not s.done]
        if len(waiting) > 1:
            batch = self._batch(first=True)
            parallel.run_all([lambda s=s: s.fill(self._sort_key, batch) for s in waiting])

    def _take(self) -> dict[str, Any] | None:
        """The next raw item in the index's order, or None at the end."""
        if not self._started:
            self._first_round()
        shard = self._next_shard()
        if shard is None:
            return None
        self.taken += 1
        return shard.take()

    def skip(self, n: int) -> int:
        """Pass over up to ``n`` items without making them (an offset); how many there were."""
        skipped = 0
        while skipped < n and self._take() is not None:
            skipped += 1
        return skipped

    def raw(self) -> Iterator[dict[str, Any]]:
        """The items as DynamoDB returned them, in the index's order."""
        while (raw := self._take()) is not None:
            yield raw

    def __iter__(self) -> Iterator[Model]:
        return (self.model.from_raw_data(raw) for raw in self.raw())


def read(model: type[Model], p: Plan, cursor: dict[str, Any] | None, **options: Any) -> Merge:
    """A ``Merge`` of the plan's partitions, each queried alike, restarted from a cursor's positions."""
    path = p.path
    assert path is not None and path.range_attribute

    def open_query(partition: Any, position: Position) -> PageIterator:
        return path.index.query(
            partition,
            range_key_condition=p.range_condition,
            filter_condition=p.filter_condition,
            scan_index_forward=not p.descending,
            last_evaluated_key=position,
        ).page_iter

    try:
        start = None if cursor is None else cursor["s"]
        return Merge(
            model,
            open_query,
            path.partitions,
            path.range_attribute,
            descending=p.descending,
            filtered=bool(p.residual),
            start=start,
            retired=path.retired,
            scope=model.Meta.table_name,
            learn=p.range_condition is None and path.fixed_order,
            **options,
        )
    except (KeyError, ValueError, TypeError):
        raise BadQuery("Invalid cursor.") from None
