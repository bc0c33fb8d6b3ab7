"""Every representation of every movie operation, through the real handlers and committed events.

Suffixes (/movies.json, /movies/{id}.csv, with or without a trailing slash), ?format=,
Accept (q-values, a browser's header), 404 for a suffix no renderer has, 406 before any
write, and errors rendered in the negotiated format. Negotiation is DRF's: the suffix, else
?format=, filters the renderers and Accept chooses among them, so a request by suffix or
?format= sends an Accept that format satisfies (the committed events carry application/json).
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
ANY = {"Accept": "*/*"}
LIST_ALLOW = "GET, POST, HEAD, OPTIONS"
ITEM_ALLOW = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"


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
    # DRF's browsable page carries a CSRF token, so it also varies on Cookie.
    assert r.headers["vary"] == ("Accept, Cookie" if fmt == "api" else "Accept")
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
    r = invoke("resource_list", "movie_list", token=owner, query={}, path=f"/api/v1/movies.{fmt}{slash}", headers=ANY)
    assert_format(r, fmt)
    assert r.headers["allow"] == LIST_ALLOW


@pytest.mark.parametrize("fmt", ["json", "api", "html", "csv"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_element_suffix(invoke, owner, movie, fmt, slash):
    r = invoke("resource_get", "movie_get", token=owner, path_id=f"{movie['id']}.{fmt}", headers=ANY)
    if not slash:
        r = invoke(
            "resource_get",
            "movie_get",
            token=owner,
            path_id=f"{movie['id']}.{fmt}",
            path=f"/api/v1/movies/{movie['id']}.{fmt}",
            headers=ANY,
        )
    assert_format(r, fmt)
    assert r.headers["allow"] == ITEM_ALLOW


@pytest.mark.parametrize("fmt", ["json", "api", "html", "csv"])
def test_format_parameter(invoke, owner, movie, fmt):
    query = {"format": [fmt]}
    assert_format(invoke("resource_list", "movie_list", token=owner, query=query, headers=ANY), fmt)
    assert_format(invoke("resource_get", "movie_get", token=owner, path_id=movie["id"], query=query, headers=ANY), fmt)


def test_suffix_overrides_format_parameter_and_accept_must_allow_it(invoke, owner, movie):
    def get(accept: str):
        path_id, query = f"{movie['id']}.csv", {"format": ["json"]}
        return invoke(
            "resource_get", "movie_get", token=owner, path_id=path_id, query=query, headers={"Accept": accept}
        )

    assert_format(get("*/*"), "csv")  # the suffix wins over ?format=
    r = get("application/json")  # ... and Accept is negotiated among what the suffix left: nothing
    assert r.status == 406 and r.json() == {"detail": "Could not satisfy the request Accept header."}


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


def test_suffix_filters_what_accept_chooses_from(invoke, owner, movie):
    def get(accept: str):
        return invoke(
            "resource_get", "movie_get", token=owner, path_id=f"{movie['id']}.csv", headers={"Accept": accept}
        )

    assert_format(get("application/json, text/csv;q=0.1"), "csv")  # JSON preferred, but the suffix says csv
    r = get("application/json")  # a suffix no longer overrides an Accept it does not satisfy
    assert r.status == 406 and r.headers["content-type"] == "application/json"
    assert r.json() == {"detail": "Could not satisfy the request Accept header."}
    assert r.headers["allow"] == ITEM_ALLOW


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
    assert r.headers["allow"] == ITEM_ALLOW  # the suffix reaches the view, whose negotiation answers 404
    r = invoke(
        "resource_update", "movie_update", token=owner, path_id=f"{movie['id']}.{suffix}", body={**MOVIE, "year": 1943}
    )
    assert r.status == 404
    assert invoke("resource_get", "movie_get", token=owner, path_id=movie["id"]).json()["year"] == 1942  # no write
    r = invoke("resource_list", "movie_list", token=owner, query={}, path=f"/api/v1/movies.{suffix}")
    assert r.status == 404 and r.json() == {"detail": "Not found."}
    assert r.headers["allow"] == LIST_ALLOW


def test_unknown_format_parameter_is_404(invoke, owner):
    r = invoke("resource_list", "movie_list", token=owner, query={"format": ["xml"]})
    assert r.status == 404 and r.json() == {"detail": "Not found."}


def test_writes_through_suffixed_urls(invoke, owner):
    r = invoke("resource_create", "movie_create", token=owner, body=MOVIE, path="/api/v1/movies.json", headers=ANY)
    assert r.status == 201 and r.headers["content-type"] == "application/json"
    movie_id = r.json()["id"]
    assert r.headers["location"].endswith(f"/api/v1/movies/{movie_id}/")  # no suffix in the Location
    r = invoke("resource_create", "movie_create", token=owner, body=MOVIE, path="/api/v1/movies.api", headers=ANY)
    assert r.status == 201 and "HTTP 201 Created" in r.text
    r = invoke(
        "resource_update", "movie_patch", token=owner, path_id=f"{movie_id}.api", body={"year": 1943}, headers=ANY
    )
    assert r.status == 200 and "HTTP 200 OK" in r.text and "1943" in r.text
    r = invoke(
        "resource_update",
        "movie_update",
        token=owner,
        path_id=f"{movie_id}.csv",
        body={**MOVIE, "title": "Casa, Blanca"},
        headers=ANY,
    )
    assert r.status == 200 and '"Casa, Blanca"' in r.text
    r = invoke("resource_delete", "movie_delete", token=owner, path_id=f"{movie_id}.json", headers=ANY)
    assert r.status == 204 and r.text == ""
    assert invoke("resource_get", "movie_get", token=owner, path_id=movie_id).status == 404


def test_errors_are_rendered_in_the_negotiated_format(invoke, owner, movie):
    # anonymous: the 401 is a browsable page with the sign-in form
    r = invoke("resource_get", "movie_get", path_id=f"{movie['id']}.api", headers=ANY)
    assert r.status == 401 and r.headers["content-type"] == CONTENT_TYPES["api"]
    assert "www-authenticate" in r.headers and 'id="login-form"' in r.text
    assert "Authentication credentials were not provided." in r.text
    # a 404 asked for as HTML is an HTML page; as CSV, a small table
    r = invoke("resource_get", "movie_get", token=owner, path_id="nope", headers={"Accept": BROWSER_ACCEPT})
    assert r.status == 404 and "HTTP 404 Not Found" in r.text
    r = invoke("resource_get", "movie_get", token=owner, path_id="nope.csv", headers=ANY)
    assert r.status == 404 and r.text.startswith("detail\r\n") and r.text.count("\r\n") == 2
    # validation errors as CSV
    r = invoke(
        "resource_create", "movie_create", token=owner, body={"title": ""}, path="/api/v1/movies.csv", headers=ANY
    )
    assert r.status == 400 and r.headers["content-type"] == CONTENT_TYPES["csv"]
    assert next(csv.reader(io.StringIO(r.text)))[:1] == ["title"]


def test_csv_list_pages_link_in_a_header(invoke, owner):
    for year in (2001, 2002, 2003):
        assert invoke("resource_create", "movie_create", token=owner, body={**MOVIE, "year": year}).status == 201
    query = {"page_size": ["2"]}
    r = invoke("resource_list", "movie_list", token=owner, query=query, path="/api/v1/movies.csv", headers=ANY)
    assert r.status == 200
    assert len(list(csv.reader(io.StringIO(r.text)))) == 3
    assert 'rel="next"' in r.headers["link"] and "/api/v1/movies.csv?" in r.headers["link"]


def test_browsable_list_keeps_the_suffix_in_links(invoke, owner, movie):
    r = invoke("resource_list", "movie_list", token=owner, query={}, path="/api/v1/movies.api", headers=ANY)
    assert f"/dev/api/v1/movies/{movie['id']}.api" in r.text
    assert "/dev/api/v1/movies.api?creator__username=alice" in r.text
    r = invoke("resource_get", "movie_get", token=owner, path_id=movie["id"], headers={"Accept": BROWSER_ACCEPT})
    assert f"/dev/api/v1/movies/{movie['id']}/" in r.text


def test_undecodable_body_is_a_400_in_the_negotiated_format(invoke, owner):
    """The request is parsed before negotiation; a bad base64 body must still get an answer."""
    shared = invoke.__globals__  # tests/conftest.py's helpers ("conftest" is ambiguous under xdist)
    event = shared["make_event"]("movie_create", token=owner, path="/api/v1/movies.api", headers=ANY)
    event["isBase64Encoded"], event["body"] = True, "abc"
    r = shared["Reply"](shared["load_function"]("resource_create").lambda_handler(event, shared["FakeContext"]()))
    assert r.status == 400 and "Request body is not valid base64." in r.text
    assert r.headers["content-type"] == CONTENT_TYPES["api"]
