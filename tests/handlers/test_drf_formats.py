"""Every representation of every movie operation, through the real handlers and committed events.

Suffixes (/movies.json, /movies/{id}.csv, with or without a trailing slash), ?format=,
Accept (q-values, a browser's header), 404 for a suffix the route does not allow, 406
before any write, and errors rendered in the negotiated format.
"""

from __future__ import annotations

import csv
import io

import pytest

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CONTENT_TYPES = {
    "json": "application/json",
    "api": "text/html; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
MOVIE = {"title": "Casablanca", "genre": "Drama", "year": 1942}


@pytest.fixture
def owner(signup):
    return signup("alice")["access"]


@pytest.fixture
def movie(invoke, owner):
    r = invoke("resource_create", "movie_create", token=owner, body=MOVIE)
    assert r.status == 201, r.text
    return r.json()


def assert_format(r, fmt: str, title: str = "Casablanca") -> None:
    assert r.status == 200, r.text
    assert r.headers["content-type"] == CONTENT_TYPES[fmt]
    assert r.headers["vary"] == "Accept"
    if fmt == "json":
        assert title in r.json().get("title", "") or any(m["title"] == title for m in r.json()["results"])
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [row["title"] for row in rows] == [title]
    else:
        assert r.text.startswith("<!doctype html>") and title in r.text
        assert "nonce-" in r.headers["content-security-policy"]


@pytest.mark.parametrize("fmt", ["json", "api", "html", "csv"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_collection_suffix(invoke, owner, movie, fmt, slash):
    r = invoke("resource_list", "movie_list", token=owner, query={}, path=f"/api/v1/movies.{fmt}{slash}")
    assert_format(r, fmt)
    assert r.headers["allow"] == "GET, POST"


@pytest.mark.parametrize("fmt", ["json", "api", "html", "csv"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_element_suffix(invoke, owner, movie, fmt, slash):
    r = invoke("resource_get", "movie_get", token=owner, path_id=f"{movie['id']}.{fmt}")
    if not slash:
        r = invoke(
            "resource_get",
            "movie_get",
            token=owner,
            path_id=f"{movie['id']}.{fmt}",
            path=f"/api/v1/movies/{movie['id']}.{fmt}",
        )
    assert_format(r, fmt)
    assert r.headers["allow"] == "GET, PUT, PATCH, DELETE"


@pytest.mark.parametrize("fmt", ["json", "api", "html", "csv"])
def test_format_parameter(invoke, owner, movie, fmt):
    assert_format(invoke("resource_list", "movie_list", token=owner, query={"format": [fmt]}), fmt)
    assert_format(invoke("resource_get", "movie_get", token=owner, path_id=movie["id"], query={"format": [fmt]}), fmt)


def test_format_parameter_overrides_suffix_and_accept(invoke, owner, movie):
    r = invoke(
        "resource_get",
        "movie_get",
        token=owner,
        path_id=f"{movie['id']}.csv",
        query={"format": ["json"]},
        headers={"Accept": "text/html"},
    )
    assert_format(r, "json")


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/json", "json"),
        ("*/*", "json"),
        (BROWSER_ACCEPT, "api"),
        ("text/csv", "csv"),
        ("text/csv;q=0.9, application/json;q=0.8", "csv"),
        ("text/html;q=0.1, text/csv;q=0.2", "csv"),
    ],
)
def test_accept(invoke, owner, movie, accept, fmt):
    assert_format(invoke("resource_list", "movie_list", token=owner, query={}, headers={"Accept": accept}), fmt)
    assert_format(
        invoke("resource_get", "movie_get", token=owner, path_id=movie["id"], headers={"Accept": accept}), fmt
    )


def test_suffix_beats_accept(invoke, owner, movie):
    r = invoke(
        "resource_get", "movie_get", token=owner, path_id=f"{movie['id']}.csv", headers={"Accept": "application/json"}
    )
    assert_format(r, "csv")


def test_nothing_acceptable_is_406_in_json(invoke, owner, movie):
    for r in (
        invoke("resource_list", "movie_list", token=owner, query={}, headers={"Accept": "image/png"}),
        invoke("resource_get", "movie_get", token=owner, path_id=movie["id"], headers={"Accept": "application/xml"}),
    ):
        assert r.status == 406
        assert r.headers["content-type"] == "application/json"
        assert r.json() == {"detail": "Could not satisfy the request Accept header."}


def test_406_comes_before_the_write(invoke, owner):
    r = invoke(
        "resource_create",
        "movie_create",
        token=owner,
        body={**MOVIE, "title": "Never"},
        headers={"Accept": "image/png"},
    )
    assert r.status == 406
    listed = invoke("resource_list", "movie_list", token=owner, query={}).json()
    assert listed["count"] == 0


@pytest.mark.parametrize("suffix", ["xml", "yaml", "txt"])
def test_unknown_suffix_is_404_in_drf_shape(invoke, owner, movie, suffix):
    r = invoke("resource_get", "movie_get", token=owner, path_id=f"{movie['id']}.{suffix}")
    assert r.status == 404
    assert r.json() == {"detail": "Not found."}
    assert "allow" not in r.headers
    r = invoke(
        "resource_update", "movie_update", token=owner, path_id=f"{movie['id']}.{suffix}", body={**MOVIE, "year": 1943}
    )
    assert r.status == 404
    assert invoke("resource_get", "movie_get", token=owner, path_id=movie["id"]).json()["year"] == 1942  # no write
    r = invoke("resource_list", "movie_list", token=owner, query={}, path=f"/api/v1/movies.{suffix}")
    assert r.status == 404 and r.json() == {"detail": "Not found."}


def test_unknown_format_parameter_is_404(invoke, owner):
    r = invoke("resource_list", "movie_list", token=owner, query={"format": ["xml"]})
    assert r.status == 404 and r.json() == {"detail": "Not found."}


def test_writes_through_suffixed_urls(invoke, owner):
    r = invoke("resource_create", "movie_create", token=owner, body=MOVIE, path="/api/v1/movies.json")
    assert r.status == 201 and r.headers["content-type"] == "application/json"
    movie_id = r.json()["id"]
    assert r.headers["location"].endswith(f"/api/v1/movies/{movie_id}/")  # no suffix in the Location
    r = invoke("resource_create", "movie_create", token=owner, body=MOVIE, path="/api/v1/movies.api")
    assert r.status == 201 and "HTTP 201 Created" in r.text
    r = invoke("resource_update", "movie_patch", token=owner, path_id=f"{movie_id}.api", body={"year": 1943})
    assert r.status == 200 and "HTTP 200 OK" in r.text and "1943" in r.text
    r = invoke(
        "resource_update",
        "movie_update",
        token=owner,
        path_id=f"{movie_id}.csv",
        body={**MOVIE, "title": "Casa, Blanca"},
    )
    assert r.status == 200 and '"Casa, Blanca"' in r.text
    r = invoke("resource_delete", "movie_delete", token=owner, path_id=f"{movie_id}.json")
    assert r.status == 204 and r.text == ""
    assert invoke("resource_get", "movie_get", token=owner, path_id=movie_id).status == 404


def test_errors_are_rendered_in_the_negotiated_format(invoke, owner, movie):
    # anonymous: the 401 is a browsable page with the sign-in form
    r = invoke("resource_get", "movie_get", path_id=f"{movie['id']}.api")
    assert r.status == 401 and r.headers["content-type"] == CONTENT_TYPES["api"]
    assert "www-authenticate" in r.headers and 'id="login-form"' in r.text
    assert "Authentication credentials were not provided." in r.text
    # a 404 asked for as HTML is an HTML page; as CSV, a small table
    r = invoke("resource_get", "movie_get", token=owner, path_id="nope", headers={"Accept": BROWSER_ACCEPT})
    assert r.status == 404 and "HTTP 404 Not Found" in r.text
    r = invoke("resource_get", "movie_get", token=owner, path_id="nope.csv")
    assert r.status == 404 and r.text.startswith("detail\r\n") and r.text.count("\r\n") == 2
    # validation errors as CSV
    r = invoke("resource_create", "movie_create", token=owner, body={"title": ""}, path="/api/v1/movies.csv")
    assert r.status == 400 and r.headers["content-type"] == CONTENT_TYPES["csv"]
    assert next(csv.reader(io.StringIO(r.text)))[:1] == ["title"]


def test_csv_list_pages_link_in_a_header(invoke, owner):
    for year in (2001, 2002, 2003):
        assert invoke("resource_create", "movie_create", token=owner, body={**MOVIE, "year": year}).status == 201
    r = invoke("resource_list", "movie_list", token=owner, query={"page_size": ["2"]}, path="/api/v1/movies.csv")
    assert r.status == 200
    assert len(list(csv.reader(io.StringIO(r.text)))) == 3
    assert 'rel="next"' in r.headers["link"] and "/api/v1/movies.csv?" in r.headers["link"]


def test_browsable_list_keeps_the_suffix_in_links(invoke, owner, movie):
    r = invoke("resource_list", "movie_list", token=owner, query={}, path="/api/v1/movies.api")
    assert f"/dev/api/v1/movies/{movie['id']}.api" in r.text
    assert "/dev/api/v1/movies.api?creator__username=alice" in r.text
    r = invoke("resource_get", "movie_get", token=owner, path_id=movie["id"], headers={"Accept": BROWSER_ACCEPT})
    assert f"/dev/api/v1/movies/{movie['id']}/" in r.text


def test_undecodable_body_is_a_400_in_the_negotiated_format(invoke, owner):
    """The request is parsed before negotiation; a bad base64 body must still get an answer."""
    shared = invoke.__globals__  # tests/conftest.py's helpers ("conftest" is ambiguous under xdist)
    event = shared["make_event"]("movie_create", token=owner, path="/api/v1/movies.api")
    event["isBase64Encoded"], event["body"] = True, "abc"
    r = shared["Reply"](shared["load_function"]("resource_create").lambda_handler(event, shared["FakeContext"]()))
    assert r.status == 400 and "Request body is not valid base64." in r.text
    assert r.headers["content-type"] == CONTENT_TYPES["api"]
