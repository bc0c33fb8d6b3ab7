"""The "everything in this order" indexes are write-sharded and merged on read, exactly.

Items spread over ``LISTING_SHARDS`` listing partitions (plus the unsharded one
older writes used); every page, cursor walk, offset and total must read as if
there were one partition, and a page of n must read about n + shards items.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from moviesapi import planner, resources
from moviesapi.accounts import Principal, register
from moviesapi.catalog import MOVIE
from moviesapi.errors import BadQuery
from moviesapi.query import Cond, Order, Query
from moviesapi.storage import LISTING_SHARDS

PARTITIONS = LISTING_SHARDS + 1  # the shards and the legacy unsharded partition
NEWEST = (Order("created_at", True),)
OLDEST = (Order("created_at"),)


@pytest.fixture(scope="module")
def movies() -> Iterator[list[dict[str, Any]]]:
    """90 movies whose ids (so shards) are the same on every run: the per-page query bounds below are
    about the merge, not about how evenly 90 random ids happen to fall (a skewed draw tops up more)."""
    import itertools
    import random
    import types

    from moviesapi import ids
    from moviesapi.models import ensure_tables

    draw, clock = random.Random(13), itertools.count(1_800_000_000_000)
    patch = pytest.MonkeyPatch()
    patch.setattr(ids.secrets, "randbits", draw.getrandbits)
    patch.setattr(ids, "time", types.SimpleNamespace(time_ns=lambda: next(clock) * 1_000_000))
    with mock_aws():
        ensure_tables()
        user = register(
            {
                "username": "shard",
                "email": "shard@example.com",
                "password1": "correct-horse-42",
                "password2": "correct-horse-42",
            }
        )
        owner = Principal(user.id, user.username)
        records = [
            resources.create(MOVIE, {"title": f"Film {i}", "genre": "Drama", "year": 1950 + i % 40}, owner)
            for i in range(90)
        ]
        for r in records[::15]:  # written before the shards: the unsharded partition
            MOVIE.model.get(r["id"]).update(actions=[MOVIE.model.listing.set("movies")])
        patch.undo()
        yield records


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def _sorted(records: list[dict[str, Any]], field: str, descending: bool) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (r[field], r["id"]), reverse=descending)


def test_items_spread_over_every_partition_and_legacy_items_are_listed(movies):
    listings = {MOVIE.model.get(r["id"]).listing for r in movies}
    assert listings == set(MOVIE.access_paths[-1].partitions)
    page = planner.run(MOVIE, Query(limit=None))
    assert sorted(_ids(page.records)) == sorted(_ids(movies)) and page.count == len(movies)


@pytest.mark.parametrize("order", [NEWEST, OLDEST, (), (Order("updated_at", True),), (Order("updated_at"),)])
def test_pages_are_in_exact_order_across_shards(movies, order):
    field, descending = (order[0].field, order[0].descending) if order else ("created_at", False)  # index order
    key = "id" if field == "created_at" else field
    expected = _sorted(movies, key, descending)
    for offset in (0, 7, 41, 85):
        page = planner.run(MOVIE, Query(order=order, offset=offset, limit=10))
        assert page.stats.access.startswith("query:by_")
        assert _ids(page.records) == _ids(expected[offset : offset + 10])
        assert page.count == len(movies)


@pytest.mark.parametrize("order", [NEWEST, OLDEST])
@pytest.mark.parametrize("limit", [1, 5, 10, 25])
def test_a_page_costs_about_one_query_per_partition(movies, order, limit, monkeypatch):
    """Each partition is first asked for twice its share of the page (and one): with items spread evenly
    a page is one Query per partition, whatever its size; a skewed shard is topped up. Requests are what
    a page's latency is made of (they run one after another); items read stay about twice the page.
    """
    from pynamodb.connection.base import Connection

    queries = {"n": 0}
    real = Connection.query

    def counted(self: Connection, *args: Any, **kwargs: Any) -> Any:
        queries["n"] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "query", counted)
    pages, read, asked, cursor = 0, 0, 0, None
    while True:
        before = queries["n"]
        page = planner.run(MOVIE, Query(order=order, limit=limit, with_count=False, cursor=cursor))
        assert queries["n"] - before <= PARTITIONS + 2
        assert page.stats.scanned <= 2 * limit + 3 * PARTITIONS + 1
        pages, read, asked, cursor = (
            pages + 1,
            read + page.stats.scanned,
            asked + queries["n"] - before,
            page.next_cursor,
        )
        if not cursor:
            break
    assert asked / pages <= PARTITIONS + 1
    assert read / pages <= 2 * limit + 3 * PARTITIONS
    first = planner.run(MOVIE, Query(order=order, limit=limit))
    assert first.stats.count_source == "counter"


@pytest.mark.parametrize("order", [NEWEST, OLDEST])
@pytest.mark.parametrize("limit", [1, 10, 25])
def test_a_page_makes_records_only_of_what_it_returns(movies, order, limit, monkeypatch):
    """The merge reads about twice the page and compares raw sort keys: only the items a page
    returns become records, read straight from the stored items (no model: making one was most of a
    warm list page's CPU), not those an offset skips."""
    made = {"models": 0, "records": 0}
    real_model, real_record = MOVIE.model.from_raw_data.__func__, MOVIE.record_of_raw
    assert real_record is not None

    def model(cls: Any, data: Any) -> Any:
        made["models"] += 1
        return real_model(cls, data)

    def record(data: Any) -> Any:
        made["records"] += 1
        return real_record(data)

    monkeypatch.setattr(MOVIE.model, "from_raw_data", classmethod(model))
    monkeypatch.setattr(MOVIE, "record_of_raw", record)
    for offset in (0, 30):
        made.update(models=0, records=0)
        page = planner.run(MOVIE, Query(order=order, offset=offset, limit=limit))
        assert page.stats.scanned > limit + offset  # the shards read more than the page: this is the saving
        assert made == {"models": 0, "records": limit}  # an offset's items are passed over raw
        assert _ids(page.records) == _ids(_sorted(movies, "id", order[0].descending)[offset : offset + limit])


@pytest.mark.parametrize("where", [None, Cond("year", "ge", 0)])
@pytest.mark.parametrize("offset", [0, 1, 89])
def test_a_page_of_nothing_holds_nothing(movies, where, offset):
    page = planner.run(MOVIE, Query(where=where, order=NEWEST, offset=offset, limit=0))
    assert page.records == [] and page.count == len(movies)


@pytest.mark.parametrize("where", [None, Cond("year", "ge", 0)])
def test_an_offset_is_read_within_the_budget(movies, where, monkeypatch):
    """An offset is refused as soon as reading to it passes the read budget, not after reading it all
    (``?page=100001`` must not walk a large table before answering 400)."""
    from pynamodb.connection.base import Connection

    read = {"items": 0}
    real = Connection.query

    def counted(self: Connection, *args: Any, **kwargs: Any) -> Any:
        answer = real(self, *args, **kwargs)
        read["items"] += answer.get("ScannedCount", 0)
        return answer

    monkeypatch.setattr(Connection, "query", counted)
    monkeypatch.setattr(planner, "MAX_READ_ITEMS", 20)
    monkeypatch.setattr(planner, "DYNAMO_PAGE", 5)
    with pytest.raises(BadQuery):
        planner.run(MOVIE, Query(where=where, order=NEWEST, offset=85, limit=5, with_count=False))
    assert read["items"] <= 20 + PARTITIONS * 5  # the budget and at most one request per partition past it


FILTERS = {  # a filter and the same test in plain Python
    "none": (None, lambda r: True),
    "pushed down": (Cond("title", "like", "%1%"), lambda r: "1" in r["title"]),
    "range": (Cond("year", "ge", 1975), lambda r: r["year"] >= 1975),
}


@pytest.mark.parametrize("order", [NEWEST, OLDEST])
@pytest.mark.parametrize("name", list(FILTERS))
@pytest.mark.parametrize("limit", [1, 4, 13])
def test_cursor_walk_returns_every_item_once_in_order(movies, order, name, limit):
    where, keep = FILTERS[name]
    expected = _ids(_sorted([r for r in movies if keep(r)], "id", order[0].descending))
    seen: list[str] = []
    cursor = None
    for _ in range(200):
        page = planner.run(MOVIE, Query(where=where, order=order, limit=limit, with_count=False, cursor=cursor))
        assert len(page.records) <= limit
        seen.extend(_ids(page.records))
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == expected


def test_select_count_sums_the_shards(movies):
    """A key range over a constant partition is counted shard by shard (no catalog path has one yet)."""
    path = next(a for a in MOVIE.access_paths if a.name == "by_created")
    bound = sorted(_ids(movies))[29]
    p = planner.Plan(path, hash_key=path.constant_hash, range_condition=MOVIE.model.id > bound, native_order=True)
    stats = planner.Stats()
    assert planner._count(MOVIE, p, Query(), stats, 0, None) == 60
    assert stats.count_source == "select-count" and stats.scanned == 60


def test_all_matching_reads_every_shard_in_index_order(movies):
    """Patch-many and aggregates see the items in index order (groups come in the order first read)."""
    items, stats = planner.all_matching(MOVIE, Cond("year", "lt", 1960))
    assert [i.id for i in items] == sorted(r["id"] for r in movies if r["year"] < 1960)
    assert stats.scanned == len(movies) + 1  # every partition read once, plus the budget's counter read


def test_a_cursor_from_another_query_or_forged_is_refused(movies):
    page = planner.run(MOVIE, Query(order=NEWEST, limit=3, with_count=False))
    assert page.next_cursor
    with pytest.raises(BadQuery):
        planner.run(MOVIE, Query(order=OLDEST, limit=3, with_count=False, cursor=page.next_cursor))
    forged = planner.encode_cursor({"s": [None]}, "nope")
    with pytest.raises(BadQuery):
        planner.run(MOVIE, Query(order=NEWEST, limit=3, with_count=False, cursor=forged))
