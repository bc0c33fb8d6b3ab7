"""Format suffixes and the negotiation rule (DRF's): suffix, else ?format=, filters; Accept chooses; 404 vs 406.

DRF's format_suffix_patterns semantics (allowed=, suffix_required=) on route declarations,
the one place a suffix is stripped from an API Gateway event, and responses.choose.
"""

from __future__ import annotations

import pytest
from moviesapi.errors import NotAcceptable, NotFound
from moviesapi.formats import FormatSuffixes, Route, format_suffix_patterns, match_path, strip_event_suffix
from moviesapi.http import Request
from moviesapi.responses import DEFAULT_RENDERERS, choose, negotiate

ROUTES = format_suffix_patterns(
    [
        Route("/api/v1/movies", ("GET", "POST"), "Movie List"),
        Route("/api/v1/movies/{id}", ("GET", "PUT", "PATCH", "DELETE"), "Movie Instance"),
    ],
    allowed=("json", "api", "html", "csv"),
)


def request(
    path: str, *, accept: str = "", query: dict[str, list[str]] | None = None, routes: tuple[Route, ...] = ROUTES
) -> Request:
    req = Request("GET", path, {"accept": accept} if accept else {}, query or {}, b"")
    req.route = match_path(routes, path)
    return req


# ------------------------------------------------------------------ suffix parsing


@pytest.mark.parametrize(
    ("path", "name", "params", "fmt", "stripped"),
    [
        ("/api/v1/movies", "Movie List", {}, None, "/api/v1/movies"),
        ("/api/v1/movies/", "Movie List", {}, None, "/api/v1/movies/"),
        ("/api/v1/movies.json", "Movie List", {}, "json", "/api/v1/movies"),
        ("/api/v1/movies.csv/", "Movie List", {}, "csv", "/api/v1/movies/"),
        ("/api/v1/movies/abc", "Movie Instance", {"id": "abc"}, None, "/api/v1/movies/abc"),
        ("/api/v1/movies/abc/", "Movie Instance", {"id": "abc"}, None, "/api/v1/movies/abc/"),
        ("/api/v1/movies/a-B_9.api", "Movie Instance", {"id": "a-B_9"}, "api", "/api/v1/movies/a-B_9"),
        ("/api/v1/movies/abc.html/", "Movie Instance", {"id": "abc"}, "html", "/api/v1/movies/abc/"),
        ("/api/v1/movies/abc.xml", "Movie Instance", {"id": "abc"}, "xml", "/api/v1/movies/abc"),
    ],
)
def test_match_path(path, name, params, fmt, stripped):
    found = match_path(ROUTES, path)
    assert found is not None
    assert (found.route.name, found.params, found.format, found.path) == (name, params, fmt, stripped)
    assert found.routes == ROUTES


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/movie",
        "/api/v1/movies/a/b",
        "/api/v1/movies/a.b.json",
        "/api/v1/movies/.json",
        "/api/v1/moviesXjson",
        "/api/v1/movies.json.csv",
    ],
)
def test_paths_that_are_not_the_routes(path):
    assert match_path(ROUTES, path) is None


def test_strip_event_suffix_rewrites_path_and_id_only():
    event = {"path": "/api/v1/movies/abc.json/", "pathParameters": {"id": "abc.json"}, "httpMethod": "GET"}
    routed = strip_event_suffix(event, ROUTES)
    assert routed["path"] == "/api/v1/movies/abc/"
    assert routed["pathParameters"] == {"id": "abc"}
    assert event["path"] == "/api/v1/movies/abc.json/"  # the original is kept for the request
    collection = strip_event_suffix({"path": "/api/v1/movies.api", "pathParameters": None}, ROUTES)
    assert collection["path"] == "/api/v1/movies" and collection["pathParameters"] is None
    plain = {"path": "/api/v1/movies/abc/", "pathParameters": {"id": "abc"}}
    assert strip_event_suffix(plain, ROUTES) == plain
    assert strip_event_suffix({"path": "/elsewhere.json"}, ROUTES)["path"] == "/elsewhere.json"


def test_request_route_path_drops_the_suffix():
    req = request("/api/v1/movies.json/")
    assert (req.format_suffix, req.route_path, req.path) == ("json", "/api/v1/movies/", "/api/v1/movies.json/")
    plain = Request("GET", "/x", {}, {}, b"")
    assert (plain.format_suffix, plain.route_path) == (None, "/x")


# ------------------------------------------------------------------ allowed / suffix_required


def test_format_suffixes_permits():
    anything = FormatSuffixes()
    assert anything.permits(None) and anything.permits("json") and anything.permits("whatever")
    only = FormatSuffixes(allowed=("json", "html"))
    assert only.permits(None) and only.permits("json") and not only.permits("csv")
    required = FormatSuffixes(suffix_required=True)
    assert not required.permits(None) and required.permits("csv")
    with pytest.raises(NotFound):
        required.check(None)


def test_suffix_required_makes_the_unsuffixed_url_404():
    routes = format_suffix_patterns([Route("/items"), Route("/items/{id}")], suffix_required=True)
    assert choose(request("/items.json", routes=routes)).format == "json"
    assert choose(request("/items/1.csv/", routes=routes)).format == "csv"
    for path in ("/items", "/items/", "/items/1/"):
        with pytest.raises(NotFound):
            choose(request(path, accept="application/json", routes=routes))


def test_allowed_restricts_suffixes_but_not_format_parameter_or_accept():
    routes = format_suffix_patterns([Route("/items/{id}")], allowed=["json", "html"])
    assert choose(request("/items/1.html", routes=routes)).format == "html"
    with pytest.raises(NotFound):
        choose(request("/items/1.csv", routes=routes))
    with pytest.raises(NotFound):  # not a format at all
        choose(request("/items/1.xml", routes=routes))
    # DRF's allowed= only limits URL patterns; the renderers still answer ?format= and Accept.
    assert choose(request("/items/1", query={"format": ["csv"]}, routes=routes)).format == "csv"
    assert choose(request("/items/1", accept="text/csv", routes=routes)).format == "csv"


# ------------------------------------------------------------------ precedence


@pytest.mark.parametrize(
    ("path", "query", "accept", "expected"),
    [
        ("/api/v1/movies/", None, "", "json"),
        ("/api/v1/movies/", None, "*/*", "json"),
        ("/api/v1/movies/", None, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "api"),
        ("/api/v1/movies/", None, "text/csv", "csv"),
        ("/api/v1/movies/", None, "text/csv;q=0.4, application/json;q=0.5", "json"),
        ("/api/v1/movies/", None, "text/*", "api"),
        ("/api/v1/movies/", None, "text/html;q=0, text/*;q=0.5", "csv"),
        # a suffix filters the renderers; Accept chooses among what is left
        ("/api/v1/movies.csv", None, "application/json, text/csv;q=0.1", "csv"),
        ("/api/v1/movies/abc.html", None, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("/api/v1/movies.json", None, "", "json"),
        ("/api/v1/movies.api", None, "*/*", "api"),
        # the suffix beats ?format=, which filters only where there is no suffix
        ("/api/v1/movies.csv", {"format": ["json"]}, "*/*", "csv"),
        ("/api/v1/movies/", {"format": ["api"]}, "text/csv, */*;q=0.1", "api"),
        ("/api/v1/movies/abc/", {"format": ["json", "csv"]}, "", "csv"),  # the last value, as QueryDict
        ("/api/v1/movies/abc/", {"format": [""]}, "text/csv", "csv"),  # empty: ignored
    ],
)
def test_precedence(path, query, accept, expected):
    assert choose(request(path, accept=accept, query=query)).format == expected


def test_unknown_format_is_404_and_nothing_acceptable_is_406():
    with pytest.raises(NotFound):
        choose(request("/api/v1/movies/", query={"format": ["xml"]}))
    with pytest.raises(NotFound):
        choose(request("/api/v1/movies/abc.xml"))
    with pytest.raises(NotFound):  # a bad suffix is a 404 even when Accept also fails
        choose(request("/api/v1/movies.yaml", accept="image/png"))
    with pytest.raises(NotAcceptable):
        choose(request("/api/v1/movies/", accept="image/png"))
    with pytest.raises(NotAcceptable):
        choose(request("/api/v1/movies/", accept="application/json;q=0, text/*;q=0"))


@pytest.mark.parametrize(
    ("path", "query", "accept"),
    [
        ("/api/v1/movies.csv", None, "application/json"),
        ("/api/v1/movies/abc.html", None, "application/json"),
        ("/api/v1/movies.json", None, "image/png"),
        ("/api/v1/movies.csv", {"format": ["json"]}, "application/json"),  # the suffix wins, then Accept refuses it
        ("/api/v1/movies/", {"format": ["api"]}, "text/csv"),
    ],
)
def test_format_that_accept_refuses_is_406(path, query, accept):
    with pytest.raises(NotAcceptable):
        choose(request(path, accept=accept, query=query))


def test_negotiate_records_the_choice_for_respond():
    req = request("/api/v1/movies/abc.csv")
    renderer = negotiate(req)
    assert req.accepted_renderer is renderer and renderer in DEFAULT_RENDERERS


def test_default_renderers_one_per_format():
    assert [r.format for r in DEFAULT_RENDERERS] == ["json", "api", "html", "csv"]
    assert [r.media_type for r in DEFAULT_RENDERERS] == ["application/json", "text/html", "text/html", "text/csv"]
