"""Every representation over HTTP, against the real local server (template.yaml's routes).

Collections and elements in json, api, html and csv, by suffix (with and without a
trailing slash), by ?format= and by Accept; 406; 404 for a suffix that is not allowed.
Negotiation is DRF's: the suffix, else ?format=, filters the renderers and Accept chooses
among them (requests sends ``Accept: */*`` unless told otherwise).
"""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests

from tests.e2e.users import bearer

FORMATS = {
    "json": "application/json",
    "api": "text/html; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PASSWORD = "correct-horse-42"
LIST_ALLOW = "GET, POST, HEAD, OPTIONS"
ITEM_ALLOW = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"


@pytest.fixture(scope="module")
def session(api_url: str) -> requests.Session:
    """A signed-in client with one movie whose title needs CSV quoting and HTML escaping."""
    username, auth = bearer(api_url, "fmt")
    s = requests.Session()
    s.headers.update(auth)
    title = f'Crouching <Tiger>, "Hidden" Dragon {uuid.uuid4().hex[:6]}'
    r = s.post(f"{api_url}/api/v1/movies/", json={"title": title, "genre": "Wuxia", "year": 2000}, timeout=10)
    assert r.status_code == 201, r.text
    s.movie = r.json()  # type: ignore[attr-defined]
    s.username = username  # type: ignore[attr-defined]
    return s


def check(r: requests.Response, fmt: str, movie: dict, many: bool) -> None:
    assert r.status_code == 200, (r.url, r.status_code, r.text[:300])
    assert r.headers["Content-Type"] == FORMATS[fmt], r.url
    if fmt == "json":
        body = r.json()
        assert movie in body["results"] if many else body == movie
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert {
            "id": movie["id"],
            "title": movie["title"],
            "genre": "Wuxia",
            "year": "2000",
            "creator": movie["creator"],
        } in rows
        assert len(rows) >= 1 if many else len(rows) == 1
    else:
        assert r.text.startswith("<!doctype html>")
        assert "Crouching &lt;Tiger&gt;, \\&quot;Hidden\\&quot; Dragon" in r.text  # escaped, in the JSON view
        assert "<Tiger>" not in r.text
        assert "nonce-" in r.headers["Content-Security-Policy"]
        assert ("Movie List" if many else "Movie Instance") in r.text


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("slash", ["", "/"])
def test_collection_by_suffix(api_url, session, fmt, slash):
    r = session.get(f"{api_url}/api/v1/movies.{fmt}{slash}", params={"page_size": 100}, timeout=10)
    check(r, fmt, session.movie, many=True)
    assert r.headers["Allow"] == LIST_ALLOW


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("slash", ["", "/"])
def test_element_by_suffix(api_url, session, fmt, slash):
    r = session.get(f"{api_url}/api/v1/movies/{session.movie['id']}.{fmt}{slash}", timeout=10)
    check(r, fmt, session.movie, many=False)
    assert r.headers["Allow"] == ITEM_ALLOW


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_format_parameter(api_url, session, fmt):
    check(
        session.get(f"{api_url}/api/v1/movies/", params={"format": fmt, "page_size": 100}, timeout=10),
        fmt,
        session.movie,
        many=True,
    )
    check(
        session.get(f"{api_url}/api/v1/movies/{session.movie['id']}", params={"format": fmt}, timeout=10),
        fmt,
        session.movie,
        many=False,
    )
    # the suffix overrides ?format= (and Accept, here */*, chooses among what the suffix left)
    r = session.get(
        f"{api_url}/api/v1/movies/{session.movie['id']}.csv/",
        params={"format": fmt},
        headers={"Accept": "*/*"},
        timeout=10,
    )
    check(r, "csv", session.movie, many=False)


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/json", "json"),
        ("*/*", "json"),
        (BROWSER_ACCEPT, "api"),
        ("text/csv", "csv"),
        ("text/html;q=0.2, text/csv;q=0.3", "csv"),
        ("text/*;q=0.5, application/json;q=0.4", "api"),
    ],
)
def test_accept(api_url, session, accept, fmt):
    headers = {"Accept": accept}
    check(
        session.get(f"{api_url}/api/v1/movies", params={"page_size": 100}, headers=headers, timeout=10),
        fmt,
        session.movie,
        many=True,
    )
    check(
        session.get(f"{api_url}/api/v1/movies/{session.movie['id']}/", headers=headers, timeout=10),
        fmt,
        session.movie,
        many=False,
    )


def test_suffix_filters_what_accept_chooses_from(api_url, session):
    def get(accept: str) -> requests.Response:
        return session.get(
            f"{api_url}/api/v1/movies.csv", params={"page_size": 100}, headers={"Accept": accept}, timeout=10
        )

    check(get("application/json, text/csv;q=0.1"), "csv", session.movie, many=True)  # JSON preferred; suffix: csv
    r = get("application/json")  # a suffix no longer overrides an Accept it does not satisfy
    assert r.status_code == 406 and r.headers["Content-Type"] == "application/json"
    assert r.json() == {"detail": "Could not satisfy the request Accept header."}


def test_nothing_acceptable_is_406(api_url, session):
    for url in (f"{api_url}/api/v1/movies/", f"{api_url}/api/v1/movies/{session.movie['id']}/"):
        r = session.get(url, headers={"Accept": "image/png, application/xml;q=0.5"}, timeout=10)
        assert r.status_code == 406
        assert r.headers["Content-Type"] == "application/json"
        assert r.json() == {"detail": "Could not satisfy the request Accept header."}


@pytest.mark.parametrize(
    "path", ["/api/v1/movies.xml", "/api/v1/movies.yaml/", "/api/v1/movies/{id}.xml", "/api/v1/movies/{id}.txt/"]
)
def test_suffix_not_allowed_is_404_in_drf_shape(api_url, session, path):
    r = session.get(api_url + path.replace("{id}", session.movie["id"]), timeout=10)
    assert r.status_code == 404
    assert r.json() == {"detail": "Not found."}


def test_unknown_format_parameter_is_404(api_url, session):
    r = session.get(f"{api_url}/api/v1/movies/", params={"format": "xml"}, timeout=10)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}


def test_writes_through_suffixed_collection_and_element(api_url, session):
    r = session.post(
        f"{api_url}/api/v1/movies.json", json={"title": "Hero", "genre": "Wuxia", "year": 2002}, timeout=10
    )
    assert r.status_code == 201 and r.headers["Content-Type"] == "application/json"
    movie_id = r.json()["id"]
    assert r.headers["Location"] == f"{api_url}/api/v1/movies/{movie_id}/"
    r = session.patch(f"{api_url}/api/v1/movies/{movie_id}.api/", json={"year": 2003}, timeout=10)
    assert r.status_code == 200 and "HTTP 200 OK" in r.text
    r = session.delete(f"{api_url}/api/v1/movies/{movie_id}.json", timeout=10)
    assert r.status_code == 204
    r = session.get(f"{api_url}/api/v1/movies/{movie_id}.api", timeout=10)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    assert "HTTP 404 Not Found" in r.text


def test_anonymous_browsable_page_is_a_401_with_sign_in(api_url):
    r = requests.get(f"{api_url}/api/v1/movies.api", timeout=10)
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert 'id="login-form"' in r.text and f'data-token-url="{api_url}/api/v1/auth/token/"' in r.text


def test_csv_pages_link_in_a_header(api_url, session):
    r = session.post(f"{api_url}/api/v1/movies/", json={"title": "Red Cliff", "genre": "War", "year": 2008}, timeout=10)
    assert r.status_code == 201
    r = session.get(f"{api_url}/api/v1/movies.csv", params={"page_size": 1}, timeout=10)
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 2
    assert 'rel="next"' in r.headers["Link"] and f"{api_url}/api/v1/movies.csv?" in r.headers["Link"]


def test_head_and_options_as_drf_over_http(api_url, session):
    """Under `make run` (SAM's own gateway): HEAD is GET without a body, OPTIONS is DRF's metadata."""
    head = session.head(f"{api_url}/api/v1/movies/", timeout=10)
    get = session.get(f"{api_url}/api/v1/movies/", timeout=10)
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert head.headers["Allow"] == LIST_ALLOW and head.headers["Content-Type"] == get.headers["Content-Type"]
    assert requests.head(f"{api_url}/api/v1/movies/", timeout=10).status_code == 401
    meta = session.options(f"{api_url}/api/v1/movies/", timeout=10)
    assert meta.status_code == 200 and meta.headers["Allow"] == LIST_ALLOW
    assert meta.json()["name"] == "List Create Movie Api" and set(meta.json()["actions"]) == {"POST"}
    assert requests.options(f"{api_url}/api/v1/movies/", timeout=10).status_code == 401
    refused = requests.put(f"{api_url}/api/v1/auth/token/", json={}, timeout=10)
    assert refused.status_code == 405 and refused.headers["Allow"] == "POST, OPTIONS"
