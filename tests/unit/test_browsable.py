"""The browsable page as HTML: escaping, CSP nonce, links, forms, pagination, sign-in."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from moviesapi.browsable import BrowsableAPIRenderer, HTMLRenderer
from moviesapi.formats import match_path
from moviesapi.http import Request
from moviesapi.responses import respond

from moviesapi.dialects.drf import url_patterns  # isort: skip

HOST = {"host": "api.example.com", "x-forwarded-proto": "https"}
MOVIE = {
    "id": "m1",
    "title": "<script>alert('x')</script> & \"Co\"",
    "genre": "Drama",
    "year": 1942,
    "creator": "o'brien",
}


def request(
    path: str, method: str = "GET", headers: dict[str, str] | None = None, query: dict[str, list[str]] | None = None
) -> Request:
    req = Request(method, path, {**HOST, **(headers or {})}, query or {}, b"", request_context_path=f"/dev{path}")
    req.route = match_path(url_patterns(), path)
    return req


def render(data, path="/api/v1/movies/m1.api", status=200, renderer=None, **kw) -> tuple[str, dict[str, str]]:
    headers: dict[str, str] = {"Allow": "GET, PUT, PATCH, DELETE", "ETag": 'W/"1"'}
    html = (renderer or BrowsableAPIRenderer()).render(
        data, {"request": request(path, **kw), "status": status, "headers": headers}
    )
    return html, headers


class Collect(HTMLParser):
    """Every tag and attribute, to check what the page would execute."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Collect()
    parser.feed(html)
    return parser.tags


def test_user_input_is_escaped_everywhere():
    html, _ = render(MOVIE)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; \\&quot;Co\\&quot;" in html
    scripts = [a for t, a in tags(html) if t == "script"]
    assert len(scripts) == 2 and all(a.get("nonce") for a in scripts)
    # The only event handlers are the page's own listeners: no inline on* attributes at all.
    assert not [a for _, attrs in tags(html) for a in attrs if a.startswith("on")]


def test_csp_nonce_matches_and_changes_per_response():
    html, headers = render(MOVIE)
    csp = headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "connect-src 'self'" in csp
    assert html.count(f'nonce="{nonce}"') == 3  # style, head script, body script
    _, again = render(MOVIE)
    assert again["Content-Security-Policy"] != csp


def test_detail_page_links_forms_and_delete():
    html, _ = render(MOVIE)
    assert "<h1>Movie Instance</h1>" in html
    # breadcrumbs: the list (keeping .api), then this page
    assert '<a href="https://api.example.com/dev/api/v1/movies.api">Movie List</a>' in html
    # the id links to its own detail page, the creator to the list filtered by creator
    assert '<a href="https://api.example.com/dev/api/v1/movies/m1.api"><span class="s">&quot;m1&quot;' in html
    assert 'href="https://api.example.com/dev/api/v1/movies.api?creator__username=o%27brien"' in html
    # raw-data form: PUT and PATCH, prefilled with the object minus id and creator
    assert 'value="PUT"' in html and 'value="PATCH"' in html and 'value="POST"' not in html
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert "&quot;title&quot;" in textarea and "&quot;id&quot;" not in textarea and "creator" not in textarea
    assert 'data-action="delete"' in html
    assert 'data-parent-url="https://api.example.com/dev/api/v1/movies.api"' in html
    # formats offered as suffix URLs
    for fmt in ("json", "api", "html", "csv"):
        assert f'href="https://api.example.com/dev/api/v1/movies/m1.{fmt}"' in html


def test_list_page_pagination_and_create_form():
    page = {
        "count": 25,
        "next": "https://api.example.com/dev/api/v1/movies.api?page=3",
        "previous": "https://api.example.com/dev/api/v1/movies.api?page=1",
        "results": [MOVIE],
    }
    html, _ = render(page, "/api/v1/movies.api", query={"page": ["2"]})
    assert "<h1>Movie List</h1>" in html
    assert 'rel="next" href="https://api.example.com/dev/api/v1/movies.api?page=3"' in html
    assert 'rel="prev" href="https://api.example.com/dev/api/v1/movies.api?page=1"' in html
    assert "Page 2 &middot; 25 results" in html
    assert 'value="POST"' in html and 'data-action="delete"' not in html
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert textarea.replace("&quot;", '"').split() == [
        "{",
        '"title":',
        '"",',
        '"genre":',
        '"",',
        '"year":',
        "null",
        "}",
    ]
    assert 'href="https://api.example.com/dev/api/v1/movies/m1.api"' in html  # row ids link
    assert "<table>" in html and 'data-label="title"' in html


def test_unsuffixed_page_links_with_slashes():
    html, _ = render({"results": [MOVIE], "count": 1, "next": None, "previous": None}, "/api/v1/movies/")
    assert 'href="https://api.example.com/dev/api/v1/movies/m1/"' in html
    assert "1 result</p>" in html


def test_401_page_has_the_sign_in_form_and_endpoints():
    html, _ = render({"detail": "Authentication credentials were not provided.", "id": "m1"}, status=401)
    assert 'data-status="401"' in html and 'data-authenticated="false"' in html
    assert 'id="login-form"' in html and 'id="token-form"' in html
    assert 'data-token-url="https://api.example.com/dev/api/v1/auth/token/"' in html
    assert 'data-refresh-url="https://api.example.com/dev/api/v1/auth/token/refresh/"' in html
    assert "HTTP 401 Unauthorized" in html
    # error bodies get no resource links
    assert '<a href="https://api.example.com/dev/api/v1/movies/m1.api"><span' not in html


def test_token_not_valid_code_is_exposed_for_the_refresh_logic():
    html, _ = render(
        {"detail": "Given token not valid", "code": "token_not_valid"},
        status=401,
        headers={"authorization": "Bearer x"},
    )
    assert 'data-code="token_not_valid"' in html and 'data-authenticated="true"' in html


def test_html_format_opens_the_table_view():
    api, _ = render(MOVIE)
    html, _ = render(MOVIE, "/api/v1/movies/m1.html", renderer=HTMLRenderer())
    assert 'id="view-json" checked' in api and 'id="view-table" checked' in html
    assert "aria-current=true>html<" in html


def test_urls_in_bodies_are_links_but_only_http():
    html, _ = render({"next": "https://x.example/a?b=1&c=2", "evil": "javascript:alert(1)"})
    assert '<a class="s" href="https://x.example/a?b=1&amp;c=2">' in html
    assert 'href="javascript' not in html


def test_respond_renders_errors_and_sets_allow():
    req = request("/api/v1/movies/m1.api")
    resp = respond(req, 404, {"detail": "Not found."})
    assert resp.status_code == 404 and resp.content_type.startswith("text/html")
    assert resp.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    assert "HTTP 404 Not Found" in resp.body
    csv = respond(request("/api/v1/movies/m1.csv"), 200, MOVIE)
    assert csv.content_type == "text/csv; charset=utf-8" and csv.body.startswith("id,title")
