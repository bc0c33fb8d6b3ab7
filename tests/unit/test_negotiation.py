"""Content negotiation: a format filters, Accept chooses; q-values, wildcards and specificity; 404 vs 406."""

from __future__ import annotations

from typing import ClassVar

import pytest
from moviesapi.errors import NotAcceptable, NotFound
from moviesapi.negotiation import parse_accept, select_renderer
from moviesapi.rendering import JSONRenderer, Renderer


class HTML(Renderer):
    media_type: ClassVar[str] = "text/html"
    format: ClassVar[str] = "html"


class CSV(Renderer):
    media_type: ClassVar[str] = "text/csv"
    format: ClassVar[str] = "csv"


RENDERERS = (JSONRenderer(), HTML(), CSV())


@pytest.mark.parametrize(
    ("accept", "fmt", "expected"),
    [
        ("", None, "json"),
        ("*/*", None, "json"),
        ("text/html", None, "html"),
        ("text/*", None, "html"),
        ("text/csv", None, "csv"),
        ("text/html;q=0.5, text/csv", None, "csv"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, "html"),
        ("application/json, */*;q=0.5", None, "json"),
        ("*/*;q=0.1, text/csv;q=0.2", None, "csv"),
        ("text/*;q=0.9, text/html;q=0", None, "csv"),
        ("text/html, */*;q=0.1", "json", "json"),  # the format filters out what Accept prefers
        ("text/html", "html", "html"),
        ("garbage, text/csv", None, "csv"),
    ],
)
def test_select(accept, fmt, expected):
    assert select_renderer(RENDERERS, accept=accept, format=fmt).format == expected


def test_nothing_acceptable_is_406():
    with pytest.raises(NotAcceptable):
        select_renderer(RENDERERS, accept="image/png")
    with pytest.raises(NotAcceptable):
        select_renderer(RENDERERS, accept="*/*;q=0")
    with pytest.raises(NotAcceptable):  # a format only filters: Accept must still take what is left
        select_renderer(RENDERERS, accept="text/html", format="json")


def test_unknown_format_is_404():
    with pytest.raises(NotFound):
        select_renderer(RENDERERS, accept="*/*", format="xml")


def test_parse_accept_lenient():
    ranges = parse_accept("text/html;level=1;q=0.7, bad, */*;q=x, *")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "html", 0.7), ("*", "*", 0.0), ("*", "*", 1.0)]
