"""The query language: binding against the declaration, in-memory evaluation, ordering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from moviesapi.catalog import MOVIE, USER
from moviesapi.errors import BadQuery
from moviesapi.query import (
    MAX_CONDITIONS,
    MAX_DEPTH,
    And,
    Cond,
    Not,
    Or,
    Order,
    bind,
    bind_order,
    matches,
    project,
    sort_records,
)

REC = {
    "id": "a",
    "title": "The Godfather",
    "genre": "Crime",
    "year": 1972,
    "creator": {"id": "u1", "username": "alice"},
    "created_at": datetime(2024, 1, 1, tzinfo=UTC),
}


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Cond("year", "eq", "1972"), True),
        (Cond("year", "ne", 1972), False),
        (Cond("year", "between", [1970, 1975]), True),
        (Cond("year", "in", [1, 2]), False),
        (Cond("year", "not_in", [1, 2]), True),
        (Cond("title", "like", "The %"), True),
        (Cond("title", "like", "the %"), False),
        (Cond("title", "ilike", "the %"), True),
        (Cond("title", "ilike", "%FATHER"), True),
        (Cond("title", "like", "The Godfathe_"), True),
        (Cond("title", "not_like", "%x%"), True),
        (Cond("title", "icontains", "GOD"), True),
        (Cond("creator__username", "eq", "alice"), True),
        (Cond("creator.username", "eq", "bob"), False),
        (Cond("genre", "is_null"), False),
        (Cond("genre", "eq", None), False),
        (Or((Cond("year", "lt", 1900), Cond("genre", "eq", "Crime"))), True),
        (Not(Cond("genre", "eq", "Crime")), False),
        (And((Cond("year", "ge", 1972), Cond("year", "le", 1972))), True),
        (Cond("created_at", "gt", "2023-12-31T00:00:00Z"), True),
    ],
)
def test_matches(node, expected):
    assert matches(bind(MOVIE, node), REC) is expected


@pytest.mark.parametrize(
    "field",
    [
        "password",
        "creator__password",
        "creator.email",
        "creator__api_secret_hash",
        "title_lc",
        "version",
        "creator__id__x",
        "",
        "x" * 101,
        "api_key",
    ],
)
def test_hidden_and_unknown_fields_refused(field):
    with pytest.raises(BadQuery):
        bind(MOVIE, Cond(field, "eq", "x"))
    with pytest.raises(BadQuery):
        bind_order(MOVIE, [Order(field)])


def test_user_resource_hides_secrets():
    for field in ("password", "email", "api_key", "api_secret_hash", "is_active"):
        with pytest.raises(BadQuery):
            bind(USER, Cond(field, "eq", "x"))
        with pytest.raises(BadQuery):
            USER.resolve(field, "read")


def test_bad_values_and_operators_refused():
    with pytest.raises(BadQuery):
        bind(MOVIE, Cond("year", "eq", "nineteen"))
    with pytest.raises(BadQuery):
        bind(MOVIE, Cond("year", "regex", ".*"))
    with pytest.raises(BadQuery):
        bind(MOVIE, Cond("year", "like", "19%"))
    with pytest.raises(BadQuery):
        bind(MOVIE, Cond("year", "in", "1972"))
    with pytest.raises(BadQuery):
        bind(MOVIE, Cond("year", "between", [1]))


def test_depth_and_size_caps():
    node = Cond("year", "eq", 1)
    for _ in range(MAX_DEPTH):
        node = Not(node)
    with pytest.raises(BadQuery, match="nest"):
        bind(MOVIE, node)
    with pytest.raises(BadQuery, match="conditions"):
        bind(MOVIE, And(tuple(Cond("year", "eq", i) for i in range(MAX_CONDITIONS + 1))))


def test_sort_nulls_and_multi_key():
    records = [{"a": 2, "b": "x"}, {"a": None, "b": "y"}, {"a": 1, "b": "z"}, {"a": 2, "b": "a"}]
    assert [r["b"] for r in sort_records(records, [Order("a"), Order("b")])] == ["y", "z", "a", "x"]
    assert [r["b"] for r in sort_records(records, [Order("a", True), Order("b")])] == ["a", "x", "z", "y"]


def test_project_nested():
    assert project(REC, ["title", "creator.username"]) == {"title": "The Godfather", "creator": {"username": "alice"}}
