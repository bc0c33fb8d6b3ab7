"""Property: whatever access path the planner picks, its answer equals a plain in-memory evaluation.

The reference evaluator here is written independently of ``moviesapi.query``
(its own operator semantics), and the data lives in moto's DynamoDB, so the
test covers index choice, key conditions, FilterExpression pushdown, counter
and COUNT totals, offsets and cursors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moviesapi import resources
from moviesapi.accounts import Principal, register
from moviesapi.catalog import MOVIE
from moviesapi.query import And, Cond, Not, Or, Order, Query

GENRES = ["Drama", "Crime", "Comedy", "drama"]
USERS: list[Principal] = []
WORDS = ["Night", "Day", "god", "The", "Heat", "Blue"]


@pytest.fixture(scope="module")
def dataset() -> Iterator[list[dict[str, Any]]]:
    from moviesapi.models import ensure_tables

    with mock_aws():
        ensure_tables()
        USERS[:] = []
        for name in ("ann", "ben", "cy"):
            user = register(
                {
                    "username": name,
                    "email": f"{name}@example.com",
                    "password1": "correct-horse-42",
                    "password2": "correct-horse-42",
                }
            )
            USERS.append(Principal(user.id, user.username))
        records = []
        for i in range(40):
            title = f"{WORDS[i % len(WORDS)]} {WORDS[(i * 7) % len(WORDS)]} {i}"
            data = {"title": title, "genre": GENRES[(i * 3) % len(GENRES)], "year": 1930 + (i * 13) % 80}
            records.append(resources.create(MOVIE, data, USERS[i % len(USERS)]))
        for r in records[::8]:  # written before the listing shards: in the unsharded partition, still read
            MOVIE.model.get(r["id"]).update(actions=[MOVIE.model.listing.set("movies")])
        yield records


def ref_value(record: dict[str, Any], field: str) -> Any:
    field = field.replace("__", ".")
    if field.startswith("creator."):
        return record["creator"][field.split(".", 1)[1]]
    return record[field]


def ref_like(pattern: str, text: str, insensitive: bool) -> bool:
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.S | (re.I if insensitive else 0)) is not None


def ref_match(node: Any, r: dict[str, Any]) -> bool:
    if isinstance(node, And):
        return all(ref_match(n, r) for n in node.items)
    if isinstance(node, Or):
        return any(ref_match(n, r) for n in node.items)
    if isinstance(node, Not):
        return not ref_match(node.item, r)
    v, a = ref_value(r, node.field), node.value
    return {
        "eq": lambda: v == a,
        "ne": lambda: v != a,
        "gt": lambda: v > a,
        "ge": lambda: v >= a,
        "lt": lambda: v < a,
        "le": lambda: v <= a,
        "in": lambda: v in a,
        "not_in": lambda: v not in a,
        "between": lambda: a[0] <= v <= a[1],
        "icontains": lambda: a.lower() in v.lower(),
        "contains": lambda: a in v,
        "like": lambda: ref_like(a, v, False),
        "ilike": lambda: ref_like(a, v, True),
        "startswith": lambda: v.startswith(a),
    }[node.op]()


years = st.integers(1925, 2015)
conds = st.one_of(
    st.builds(Cond, st.just("year"), st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]), years),
    st.builds(Cond, st.just("year"), st.just("between"), st.tuples(years, years).map(sorted)),
    st.builds(Cond, st.just("year"), st.sampled_from(["in", "not_in"]), st.lists(years, max_size=4)),
    st.builds(Cond, st.just("genre"), st.sampled_from(["eq", "ne"]), st.sampled_from(GENRES)),
    st.builds(Cond, st.just("genre"), st.sampled_from(["icontains", "contains"]), st.sampled_from(["dra", "Cri", "o"])),
    st.builds(
        Cond,
        st.just("title"),
        st.sampled_from(["like", "ilike"]),
        st.sampled_from(["%god%", "The%", "%1", "N_ght%", "%Day 1%", "%"]),
    ),
    st.builds(Cond, st.just("title"), st.just("startswith"), st.sampled_from(["The", "god", "Blue Day"])),
    st.builds(
        Cond,
        st.sampled_from(["creator.username", "creator__username"]),
        st.just("eq"),
        st.sampled_from(["ann", "ben", "nobody"]),
    ),
)
trees = st.recursive(
    conds,
    lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(kids, min_size=1, max_size=3).map(lambda xs: Or(tuple(xs))),
        kids.map(Not),
    ),
    max_leaves=5,
)
orders = st.sampled_from(
    [
        (),
        (Order("created_at", True),),
        (Order("created_at"),),
        (Order("year"), Order("title")),
        (Order("title", True),),
        (Order("year", True), Order("title")),
    ]
)


def ref_sort(records: list[dict[str, Any]], order: tuple[Order, ...]) -> list[dict[str, Any]]:
    order = order or (Order("created_at", True),)
    out = list(records)
    for o in reversed(order):
        out.sort(key=lambda r, f=o.field: ref_value(r, f), reverse=o.descending)
    return out


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.one_of(st.none(), trees), order=orders, offset=st.integers(0, 12), limit=st.integers(1, 15))
def test_planner_equals_in_memory(dataset, where, order, offset, limit):
    expected = ref_sort([r for r in dataset if where is None or ref_match(where, r)], order)
    page = resources.search(MOVIE, Query(where=where, order=order, offset=offset, limit=limit), USERS[0])
    assert page.count == len(expected)
    assert [r["id"] for r in page.records] == [r["id"] for r in expected[offset : offset + limit]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    where=st.one_of(st.none(), conds),
    limit=st.integers(1, 9),
    order=st.sampled_from([(), (Order("created_at"),), (Order("created_at", True),)]),
)
def test_cursor_walk_visits_every_match_once(dataset, where, limit, order):
    expected = ref_sort([r for r in dataset if where is None or ref_match(where, r)], order)
    seen: list[str] = []
    cursor = None
    for _ in range(60):
        query = Query(where=where, order=order, limit=limit, with_count=False, cursor=cursor)
        page = resources.search(MOVIE, query, USERS[1])
        seen.extend(r["id"] for r in page.records)
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == [r["id"] for r in expected]
