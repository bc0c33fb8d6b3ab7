"""The CSV renderer: header row, one row per object, flattened nesting, quoting, envelopes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from moviesapi.rendering import CSVRenderer, cell_text, flatten, rows_of, table_of

RENDER = CSVRenderer()


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_paginated_envelope_renders_its_results_and_moves_links_to_a_header():
    headers: dict[str, str] = {}
    body = {
        "count": 12,
        "next": "https://h/api/v1/movies.csv?page=2",
        "previous": None,
        "results": [
            {"id": "a", "title": "Heat", "genre": "Crime", "year": 1995, "creator": "bob"},
            {"id": "b", "title": "Up", "genre": "Animation", "year": 2009, "creator": "ann"},
        ],
    }
    text = RENDER.render(body, {"headers": headers})
    assert parse(text) == [
        ["id", "title", "genre", "year", "creator"],
        ["a", "Heat", "Crime", "1995", "bob"],
        ["b", "Up", "Animation", "2009", "ann"],
    ]
    assert text.endswith("\r\n")
    assert headers["Link"] == '<https://h/api/v1/movies.csv?page=2>; rel="next"'


def test_other_envelopes_objects_and_data():
    assert parse(RENDER.render({"num_results": 1, "objects": [{"id": 1}]}, {}))[1] == ["1"]
    assert parse(RENDER.render({"data": [{"name": "x"}, {"name": "y"}]}, {})) == [["name"], ["x"], ["y"]]


def test_single_object_is_one_row_and_nested_objects_flatten():
    movie = {"id": 7, "title": "Heat", "creator": {"id": "u1", "username": "bob", "profile": {"city": "LA"}}}
    assert parse(RENDER.render(movie, {})) == [
        ["id", "title", "creator.id", "creator.username", "creator.profile.city"],
        ["7", "Heat", "u1", "bob", "LA"],
    ]


def test_quoting_of_commas_quotes_and_newlines():
    title = 'Crouching Tiger, Hidden "Dragon"\nPart 1'
    text = RENDER.render([{"title": title}], {})
    assert '"Crouching Tiger, Hidden ""Dragon""\nPart 1"' in text
    assert parse(text) == [["title"], [title]]


def test_lists_none_booleans_and_dates():
    row = {
        "tags": ["a", "b"],
        "none": None,
        "flag": True,
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "objs": [{"k": 1}],
    }
    assert parse(RENDER.render(row, {}))[1] == ["a; b", "", "true", "2026-01-02T03:04:05Z", '[{"k":1}]']


def test_rows_with_different_keys_share_one_header():
    assert parse(RENDER.render([{"a": 1}, {"b": 2}, {"a": 3, "c": 4}], {})) == [
        ["a", "b", "c"],
        ["1", "", ""],
        ["", "2", ""],
        ["3", "", "4"],
    ]


def test_error_bodies_render_as_a_small_table():
    assert parse(RENDER.render({"detail": "Not found."}, {})) == [["detail"], ["Not found."]]
    errors = {"title": ["This field is required."], "year": ["Enter a number.", "Too old."]}
    assert parse(RENDER.render(errors, {})) == [
        ["title", "year"],
        ["This field is required.", "Enter a number.; Too old."],
    ]


def test_formula_injection_is_neutralised_but_numbers_are_not():
    text = RENDER.render([{"title": '=HYPERLINK("http://evil")', "n": -5, "s": "-5", "at": "@SUM(A1)"}], {})
    assert parse(text)[1] == ['\'=HYPERLINK("http://evil")', "-5", "-5", "'@SUM(A1)"]


def test_empty_list_is_an_empty_body():
    assert RENDER.render({"count": 0, "next": None, "previous": None, "results": []}, {}) == ""
    assert RENDER.content_type == "text/csv; charset=utf-8"


def test_helpers():
    assert rows_of(None) == [] and rows_of(5) == [{"value": 5}] and rows_of([1]) == [1]
    assert list(flatten({"a": {}})) == [("a", "")]
    assert cell_text(1.5) == "1.5" and cell_text(False) == "false"
    assert table_of([{"x": {"y": 1}}]) == (["x.y"], [{"x.y": 1}])
