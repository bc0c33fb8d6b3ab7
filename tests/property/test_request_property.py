"""Property: a request's headers and query are what API Gateway's two maps say, however they disagree.

API Gateway sends every header and query parameter twice: ``multiValueHeaders`` /
``multiValueQueryStringParameters`` (every value) and ``headers`` /
``queryStringParameters`` (the last one). ``Request.from_event`` reads the multi-value
side and walks the single-value side only when it names something the other lacks;
the reference below always walks both, written plainly from that rule.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from moviesapi.http import Request

NAMES = st.sampled_from(["Accept", "accept", "ACCEPT", "Origin", "X-Trace", "content-type", "page", "genre"])
VALUE = st.one_of(st.none(), st.sampled_from(["", "a", "b, c", "text/html"]))
VALUES = st.one_of(st.none(), st.lists(VALUE, max_size=3))
MAPS = st.one_of(st.none(), st.dictionaries(NAMES, VALUE, max_size=5))
MULTI_MAPS = st.one_of(st.none(), st.dictionaries(NAMES, VALUES, max_size=5))


def _reference_headers(multi: dict[str, Any] | None, single: dict[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, values in (multi or {}).items():
        if values:
            out[name.lower()] = ", ".join(v for v in values if v is not None)
    for name, value in (single or {}).items():
        if value is not None and not (multi or {}).get(name):
            out.setdefault(name.lower(), value)
    return out


def _reference_query(multi: dict[str, Any] | None, single: dict[str, Any] | None) -> dict[str, list[str]]:
    out = {name: [v for v in (values or []) if v is not None] for name, values in (multi or {}).items()}
    for name, value in (single or {}).items():
        if value is not None and name not in (multi or {}):
            out.setdefault(name, [value])
    return out


@settings(max_examples=400, deadline=None)
@given(multi_headers=MULTI_MAPS, headers=MAPS, multi_query=MULTI_MAPS, query=MAPS, same_names=st.booleans())
def test_headers_and_query_follow_both_maps(
    multi_headers: dict[str, Any] | None,
    headers: dict[str, Any] | None,
    multi_query: dict[str, Any] | None,
    query: dict[str, Any] | None,
    same_names: bool,
) -> None:
    if same_names and multi_headers is not None:  # API Gateway's usual case: the same names on both sides
        headers = {name: (values or [None])[-1] for name, values in multi_headers.items()}
    if same_names and multi_query is not None:
        query = {name: (values or [None])[-1] for name, values in multi_query.items()}
    event = {
        "httpMethod": "GET",
        "path": "/api/v1/movies/",
        "multiValueHeaders": multi_headers,
        "headers": headers,
        "multiValueQueryStringParameters": multi_query,
        "queryStringParameters": query,
    }
    request = Request.from_event(event)
    assert request.headers == _reference_headers(multi_headers, headers)
    assert request.query == _reference_query(multi_query, query)
