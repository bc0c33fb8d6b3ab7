"""Client JSON and filter values DynamoDB would refuse: the decoder's caps and the planner's choices (pure)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from moviesapi.catalog import MOVIE
from moviesapi.http import JSONTooDeep, json_depth_error, loads_json
from moviesapi.plans import plan, to_condition
from moviesapi.query import And, Cond, Or, Order, Query, bind, bind_order
from moviesapi.settings import get_settings
from moviesapi.storage import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES, sendable, storable_number


def test_depth_cap_is_the_setting_and_counts_arrays_and_objects():
    limit = get_settings().max_json_depth
    assert limit == 32
    assert loads_json("[" * limit + "]" * limit) is not None
    assert loads_json('{"a":' * limit + "1" + "}" * limit) is not None
    with pytest.raises(JSONTooDeep, match=f"deeper than {limit} levels"):
        loads_json("[" * (limit + 1) + "]" * (limit + 1))
    with pytest.raises(JSONTooDeep):
        loads_json('[{"a":' * 17 + "1" + "}]" * 17)  # 34 levels, mixed


def test_brackets_inside_strings_do_not_count():
    text = '["' + "[" * 5000 + '", "\\"' + "{" * 5000 + '"]'
    assert loads_json(text) == ["[" * 5000, '"' + "{" * 5000]
    assert json_depth_error('"\\\\"' + "[" * 40, 32) is not None  # an escaped backslash ends the string


def test_a_deep_body_is_refused_cheaply_and_as_a_value_error():
    body = "[" * 32_000 + "]" * 32_000  # just under 64 KiB
    start = time.perf_counter()
    with pytest.raises(ValueError):  # callers' existing ``except ValueError`` turns it into their 4xx
        loads_json(body)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("text", ['{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}', '{"x": 1e400}', "[-1e999]"])
def test_non_finite_numbers_are_refused(text):
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        loads_json(text)


def test_lone_surrogates_are_refused_and_pairs_kept():
    with pytest.raises(ValueError, match="Lone surrogate"):
        loads_json('{"title": "\\ud800"}')
    with pytest.raises(ValueError, match="Lone surrogate"):
        loads_json('{"\\udc00": 1}')
    with pytest.raises(ValueError, match="Lone surrogate"):
        loads_json('["\ud800"]')  # a raw one, as a query string in a hand-made event could carry
    assert loads_json('{"title": "\\ud83d\\ude00"}') == {"title": "\U0001f600"}


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, True),
        (1942, True),
        (-(10**125), True),
        (10**126, False),
        (10**200, False),
        (123456789012345678901234567890123456789012, False),  # 42 significant digits
        (10**40, True),  # one significant digit
        (1.5, True),
        (1e300, False),
        (1e-131, False),
        (Decimal("NaN"), False),
        (float("inf"), False),
    ],
)
def test_storable_numbers(value, ok):
    assert storable_number(value) is ok


def test_sendable_key_values():
    assert sendable("", None) and not sendable("", MAX_RANGE_KEY_BYTES)
    assert sendable("x" * 1024, MAX_RANGE_KEY_BYTES) and not sendable("x" * 1025, MAX_RANGE_KEY_BYTES)
    assert sendable("é" * 1024, MAX_HASH_KEY_BYTES) and not sendable("é" * 1025, MAX_HASH_KEY_BYTES)  # bytes count
    assert not sendable("\ud800") and not sendable(["a", "\ud800"])
    assert sendable(["", "a"]) and not sendable(["a"], MAX_HASH_KEY_BYTES)  # a list is never a key
    assert not sendable(10**200) and not sendable((1, 10**200))


NEWEST = (Order("created_at", True),)


def chosen(where, order=NEWEST):
    return plan(MOVIE, Query(where=bind(MOVIE, where), order=bind_order(MOVIE, order)), MOVIE.access_paths)


@pytest.mark.parametrize(
    "where",
    [
        Cond("id", "eq", ""),
        Cond("id", "eq", "x" * (MAX_HASH_KEY_BYTES + 1)),
        Cond("genre", "eq", ""),
        Cond("genre", "eq", "x" * 3000),
        Cond("creator.id", "eq", ""),
        Cond("creator.username", "eq", "u" * 3000),  # refused before the username lookup
        Cond("year", "between", [None, 2000]),
        Cond("year", "between", [2001, 1990]),
        And((Cond("genre", "eq", "Drama"), Cond("year", "between", [2001, 1990]))),
        And((Cond("title", "eq", "T"), Cond("id", "eq", ""))),
    ],
)
def test_a_key_value_no_item_can_hold_matches_nothing_and_is_never_sent(where):
    """As SQL answers ``id = ''`` (no rows), without the request DynamoDB refuses with a ValidationException."""
    assert chosen(where).empty


def test_values_past_dynamodb_stay_in_memory():
    # A sort key condition it cannot hold: the partition is read and the value compared in memory.
    p = chosen(And((Cond("genre", "eq", "Drama"), Cond("year", "lt", 10**200))), (Order("year"),))
    assert p.describe == "query:by_genre_year" and p.range_condition is None and not p.empty
    assert p.filter_condition is None and len(p.residual) == 1
    # An inverted pair of bounds is no BETWEEN (DynamoDB refuses one): the lower bound alone is sent.
    p = chosen(And((Cond("genre", "eq", "Drama"), Cond("year", "ge", 2001), Cond("year", "le", 1990))), ())
    assert p.range_condition is not None and len(p.residual) == 1
    # Inside an OR, an empty key value cannot empty the plan: nothing is pushed down, memory decides.
    p = chosen(Or((Cond("id", "eq", ""), Cond("title", "eq", "T"))))
    assert not p.empty and p.filter_condition is None
    assert to_condition(MOVIE, bind(MOVIE, Cond("id", "in", ["", "a"]))) is None
    assert to_condition(MOVIE, bind(MOVIE, Cond("year", "in", [1942, 10**200]))) is None
    assert to_condition(MOVIE, bind(MOVIE, Cond("title", "eq", ""))) is not None  # not a key: DynamoDB allows ""
    assert to_condition(MOVIE, bind(MOVIE, Cond("title", "icontains", ""))) is None


def test_an_unbound_non_text_key_matches_nothing():
    assert plan(MOVIE, Query(where=Cond("id", "eq", 5)), MOVIE.access_paths).empty
