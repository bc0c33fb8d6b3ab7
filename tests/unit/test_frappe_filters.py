"""Frappe list parameters → the core query: fields, filters, or_filters, order_by, pages (no AWS)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from moviesapi.dialects.frappe import (
    MAX_PAGE_LENGTH,
    Filter,
    FrappeError,
    build_query,
    combine,
    doctype_of,
    parse_fields,
    parse_filters,
    parse_order_by,
)
from moviesapi.http import Request
from moviesapi.query import Cond, Or, Order, bind, matches

MOVIE = doctype_of("Movie")
USER = doctype_of("User")


def request(**params: str) -> Request:
    return Request(
        method="GET", path="/api/resource/Movie", headers={}, query={k: [v] for k, v in params.items()}, body=b""
    )


def nodes(filters: list[Filter]) -> list:
    return [f.node for f in filters]


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("=", "Drama", Cond("genre", "eq", "Drama")),
        ("!=", "Drama", Cond("genre", "ne", "Drama")),
        (">", "A", Cond("genre", "gt", "A")),
        ("<", "A", Cond("genre", "lt", "A")),
        (">=", "A", Cond("genre", "ge", "A")),
        ("<=", "A", Cond("genre", "le", "A")),
        ("like", "%ram%", Cond("genre", "ilike", "%ram%")),
        ("not like", "%ram%", Cond("genre", "not_ilike", "%ram%")),
        ("in", ["Drama", "War"], Cond("genre", "in", ["Drama", "War"])),
        ("in", "Drama, War", Cond("genre", "in", ["Drama", "War"])),
        ("not in", ["Drama"], Cond("genre", "not_in", ["Drama"])),
        ("is", "set", Cond("genre", "is_not_null", None)),
        ("is", "not set", Cond("genre", "is_null", None)),
        ("between", ["A", "M"], Cond("genre", "between", ["A", "M"])),
        ("LIKE", "%x%", Cond("genre", "ilike", "%x%")),
        (" Not In ", ["x"], Cond("genre", "not_in", ["x"])),
    ],
)
def test_every_operator(op, value, expected):
    assert nodes(parse_filters(MOVIE, [["genre", op, value]])) == [expected]


def test_four_element_form_and_field_mapping():
    parsed = parse_filters(
        MOVIE,
        [
            ["Movie", "owner", "=", "alice"],
            ["Movie", "name", "=", "x"],
            ["Movie", "creation", ">", "2024-01-01"],
            ["modified", "<", "2025-01-01"],
        ],
    )
    assert nodes(parsed) == [
        Cond("creator.username", "eq", "alice"),
        Cond("id", "eq", "x"),
        Cond("created_at", "gt", "2024-01-01"),
        Cond("updated_at", "lt", "2025-01-01"),
    ]


def test_dict_forms():
    parsed = parse_filters(MOVIE, {"genre": "Drama", "year": [">", 1990], "title": ["like", "%a%"]})
    assert nodes(parsed) == [Cond("genre", "eq", "Drama"), Cond("year", "gt", 1990), Cond("title", "ilike", "%a%")]
    assert nodes(parse_filters(MOVIE, [{"genre": "Drama"}])) == [Cond("genre", "eq", "Drama")]


def test_backticks_and_table_prefix():
    assert nodes(parse_filters(MOVIE, [["`tabMovie`.`year`", "=", 1942]])) == [Cond("year", "eq", 1942)]


def test_more_than_four_values_are_truncated_as_frappe_does():
    assert nodes(parse_filters(MOVIE, [["Movie", "year", "=", 1942, "ignored"]])) == [Cond("year", "eq", 1942)]


def test_between_date_only_upper_bound_covers_the_whole_day():
    (f,) = parse_filters(MOVIE, [["creation", "between", ["2024-01-01", "2024-01-31"]]])
    assert f.node.value[0] == "2024-01-01"
    assert f.node.value[1] == datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    [
        [["password", "=", "x"]],
        [["api_secret_hash", "=", "x"]],
        [["creator_id", "=", "x"]],
        [["email", "=", "x"]],
        [["User", "name", "=", "x"]],
        [["title; drop table", "=", "x"]],
        {"password": "x"},
    ],
)
def test_hidden_or_unknown_fields_are_a_data_error(bad):
    with pytest.raises(FrappeError) as info:
        parse_filters(MOVIE, bad)
    assert info.value.status == 417 and info.value.exc_type == "DataError"
    assert info.value.message.startswith("Field not permitted in query: ")


@pytest.mark.parametrize(
    "bad",
    [
        [["year", "~", 1]],
        [["year", "timespan", "last week"]],
        [["year", "=", 1, 2, 3][:2]],
        ["year > 1900"],
        "nope",
        [["genre", "is", "maybe"]],
        [["year", "between", [1]]],
        [[42, "=", 1]],
    ],
)
def test_malformed_filters_are_a_validation_error(bad):
    with pytest.raises(FrappeError) as info:
        parse_filters(MOVIE, bad)
    assert info.value.status == 417


def test_user_doctype_only_public_fields():
    assert nodes(parse_filters(USER, [["name", "=", "bob"]])) == [Cond("username", "eq", "bob")]
    for hidden in ("email", "password", "api_key", "api_secret_hash", "is_active", "last_login"):
        with pytest.raises(FrappeError):
            parse_filters(USER, [[hidden, "=", "x"]])


def test_constant_columns_are_evaluated_not_sent_to_the_engine():
    assert parse_filters(MOVIE, [["docstatus", "=", 0]]) == [Filter(None, True)]
    assert parse_filters(MOVIE, [["docstatus", "=", 1]]) == [Filter(None, False)]
    assert parse_filters(MOVIE, [["idx", "in", [0, 1]]]) == [Filter(None, True)]
    assert parse_filters(MOVIE, [["docstatus", "<", 2]]) == [Filter(None, True)]


def test_combine_filters_and_or_filters():
    year = parse_filters(MOVIE, [["year", ">", 1990]])
    ors = parse_filters(MOVIE, [["genre", "=", "Drama"], ["genre", "=", "War"]])
    where, empty = combine(year, ors)
    assert not empty
    bound = bind(MOVIE.resource, where)
    assert matches(bound, {"year": 2000, "genre": "War"})
    assert not matches(bound, {"year": 1980, "genre": "War"})
    assert not matches(bound, {"year": 2000, "genre": "Comedy"})
    assert where.items[1] == Or((Cond("genre", "eq", "Drama"), Cond("genre", "eq", "War")))


def test_combine_with_constants():
    false = parse_filters(MOVIE, [["docstatus", "=", 1]])
    true = parse_filters(MOVIE, [["docstatus", "=", 0]])
    genre = parse_filters(MOVIE, [["genre", "=", "War"]])
    assert combine(false + genre, [])[1] is True
    assert combine(true + genre, []) == (Cond("genre", "eq", "War"), False)
    assert combine([], genre + true) == (None, False)  # one alternative always true
    assert combine([], false) == (None, True)  # no alternative can be true
    assert combine([], genre + false) == (Cond("genre", "eq", "War"), False)


# ---------------------------------------------------------------- fields


def test_fields_default_star_alias_and_comma_string():
    assert parse_fields(MOVIE, None) == [("name", "name")]
    star = [f for f, _ in parse_fields(MOVIE, ["*"])]
    assert star == [
        "name",
        "owner",
        "creation",
        "modified",
        "modified_by",
        "idx",
        "docstatus",
        "title",
        "genre",
        "year",
    ]
    assert parse_fields(MOVIE, ["title as t", "year"]) == [("title", "t"), ("year", "year")]
    assert parse_fields(MOVIE, "name, title") == [("name", "name"), ("title", "title")]
    assert parse_fields(MOVIE, ["`tabMovie`.`title`"]) == [("title", "title")]


@pytest.mark.parametrize(
    "bad",
    [
        ["password"],
        ["api_secret_hash"],
        ["email"],
        ["title", "creator_id"],
        [{"a": 1}],
        ["items.item_code"],
    ],
)
def test_hidden_fields_refused(bad):
    with pytest.raises(FrappeError) as info:
        parse_fields(MOVIE, bad)
    assert info.value.exc_type == "DataError" and info.value.status == 417


def test_user_star_has_no_secrets():
    fields = [f for f, _ in parse_fields(USER, ["*"])]
    assert "email" not in fields and "password" not in fields and "name" in fields


# ---------------------------------------------------------------- order_by


def test_order_by():
    assert parse_order_by(MOVIE, None) == (Order("updated_at", True),)
    assert parse_order_by(MOVIE, "year desc, title asc") == (Order("year", True), Order("title", False))
    assert parse_order_by(MOVIE, "`tabMovie`.`creation` DESC") == (Order("created_at", True),)
    assert parse_order_by(MOVIE, "owner") == (Order("creator.username", False),)
    # Frappe sorts by ``name`` (its primary key; here the movie id, sortable like any column)
    assert parse_order_by(MOVIE, "name asc") == (Order("id", False),)
    assert parse_order_by(MOVIE, "`tabMovie`.`name` desc, year") == (Order("id", True), Order("year", False))
    assert parse_order_by(MOVIE, "idx desc") == ()


@pytest.mark.parametrize(
    "bad", ["password desc", "year sideways", "api_secret_hash", "(select 1)", "year desc limit 1"]
)
def test_order_by_refused(bad):
    with pytest.raises(FrappeError) as info:
        parse_order_by(MOVIE, bad)
    assert info.value.exc_type == "DataError"


# ---------------------------------------------------------------- the whole query


def test_build_query_pages_and_defaults():
    query, fields, empty = build_query(MOVIE, dict())
    assert (query.offset, query.limit, query.order, fields, empty) == (
        0,
        20,
        (Order("updated_at", True),),
        [("name", "name")],
        False,
    )
    query, _, _ = build_query(MOVIE, dict(limit_start="5", limit_page_length="7"))
    assert (query.offset, query.limit) == (5, 7)
    assert build_query(MOVIE, dict(limit_page_length="0"))[0].limit == MAX_PAGE_LENGTH
    assert build_query(MOVIE, dict(limit_page_length="100000"))[0].limit == MAX_PAGE_LENGTH
    assert build_query(MOVIE, dict(limit="3", start="2"))[0].limit == 3


@pytest.mark.parametrize(
    "params",
    [
        {"limit_start": "-1"},
        {"limit_start": "x"},
        {"limit_page_length": "ten"},
        {"filters": "[["},
        {"fields": '["title"'},
        {"filters": json.dumps([["year", "=", 1]] * 51)},
        {"group_by": "genre"},
        {"or_filters": '[["password", "=", "x"]]'},
        {"filters": "x" * 20_000},
    ],
)
def test_build_query_refuses(params):
    with pytest.raises(FrappeError) as info:
        build_query(MOVIE, dict(**params))
    assert info.value.status == 417
