"""The browsable API: every response as an HTML page a person can use in a browser.

One page per response, rendered on the server (DRF's BrowsableAPIRenderer): the
request line, status and headers, the body pretty-printed and highlighted with ids
and URLs as links, pagination, the allowed methods, raw-data forms and a DELETE
button, and sign-in. A small inline script (``static/browsable.js``) adds what HTML
alone cannot: it keeps the JWT in ``sessionStorage``, sends it with ``fetch()``,
and swaps in the page the server renders for that authorised request — so there
is a single renderer, and the page works although the browser's own navigation
never carries an ``Authorization`` header.

Nothing comes from the internet: CSS and JS are inline, allowed by a per-response
CSP nonce. Everything interpolated into HTML goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Mapping
from functools import cache
from http import HTTPStatus
from importlib.resources import files
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from .formats import Route, RouteMatch
from .http import Request
from .rendering import (  # noqa: F401 (the renderers are declared in rendering; kept importable here)
    LIST_KEYS,
    BrowsableAPIRenderer,
    HTMLRenderer,
    cell_text,
    rows_of,
    table_of,
    to_json,
)

# Where the page's sign-in form gets, refreshes and revokes JWTs (the DRF dialect's
# simplejwt endpoints; every dialect's page signs in the same way).
AUTH_ENDPOINTS = {
    "token": "/api/v1/auth/token/",
    "refresh": "/api/v1/auth/token/refresh/",
    "logout": "/api/v1/auth/logout/",
}
HIDDEN_HEADERS = {"content-security-policy"}
FORM_METHODS = ("POST", "PUT", "PATCH")
HTML_FORMATS = ("api", "html")
FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Crect width='16' height='16' rx='3' fill='%230b6bcb'/%3E%3Cpath d='M4 4h8v8H4z' "
    "fill='none' stroke='white' stroke-width='1.5'/%3E%3C/svg%3E"
)


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


@cache
def _asset(name: str) -> str:
    return files("moviesapi").joinpath("static", name).read_text(encoding="utf-8")


def content_security_policy(nonce: str) -> str:
    """Only this response's inline style and script run; fetch() only to this origin."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def render_page(data: Any, context: dict[str, Any], default_view: str) -> str:
    """The browsable page for ``data`` (``BrowsableAPIRenderer``/``HTMLRenderer`` in ``rendering``)."""
    nonce = secrets.token_urlsafe(18)
    headers = context.setdefault("headers", {})
    headers["Content-Security-Policy"] = content_security_policy(nonce)
    return Page(data, context, nonce, default_view).html()


class Page:
    """The parts of one browsable page, each a small method returning escaped HTML."""

    def __init__(self, data: Any, context: dict[str, Any], nonce: str, default_view: str) -> None:
        self.data = data
        self.request: Request = context["request"]
        self.status: int = int(context.get("status", 200))
        self.headers: dict[str, str] = dict(context.get("headers") or {})
        self.nonce = nonce
        self.default_view = default_view
        self.match: RouteMatch | None = self.request.route
        self.route: Route | None = self.match.route if self.match else None
        fmt = self.request.format_suffix
        self.suffix = f".{fmt}" if fmt in HTML_FORMATS else "/"

    # ---------------------------------------------------------------- URLs

    def url(self, path: str) -> str:
        return self.request.absolute_url(path)

    def page_url(self) -> str:
        """This resource as the client addressed it (suffix kept), without the query."""
        return self.url(self.request.path)

    def query_string(self, drop: tuple[str, ...] = ()) -> str:
        pairs = [(k, v) for k, values in self.request.query.items() if k not in drop for v in values]
        return f"?{urlencode(pairs)}" if pairs else ""

    def field_link(self, key: str, value: Any) -> str | None:
        """The URL a field's value points to (an id to its detail page), per the route's links."""
        if self.route is None or not 200 <= self.status < 300 or isinstance(value, bool):
            return None
        template = self.route.links.get(key)
        if template is None or not isinstance(value, str | int) or value == "":
            return None
        path = template.replace("{value}", quote(str(value), safe="")).replace("{suffix}", self.suffix)
        return self.url(path)

    def crumbs(self) -> list[tuple[str, str]]:
        """(name, url) from the outermost declared route that contains this one, down to this one."""
        if self.match is None or self.route is None:
            name = self.request.path.strip("/").rsplit("/", 1)[-1] or "API"
            return [(name, self.page_url())]
        out = []
        for route in sorted(self.match.routes, key=lambda r: len(r.pattern)):
            if route is self.route or not self.route.pattern.startswith(route.pattern.rstrip("/") + "/"):
                continue
            path = route.pattern
            for name, value in self.match.params.items():
                path = path.replace("{" + name + "}", quote(value, safe=""))
            if "{" not in path:
                out.append((route.name or path, self.url(path.rstrip("/") + self.suffix)))
        out.append((self.route.name or self.request.path, self.page_url()))
        return out

    def format_links(self) -> list[tuple[str, str]]:
        """One link per format this resource offers (suffix URLs where the route has them)."""
        from .responses import DEFAULT_RENDERERS

        formats = [r.format for r in DEFAULT_RENDERERS]
        query = self.query_string(drop=("format",))
        if self.match is None:
            return [(f, self.page_url() + "?" + urlencode({**_flat(self.request.query), "format": f})) for f in formats]
        allowed = [f for f in formats if self.route is not None and self.route.suffixes.permits(f)]
        base = self.match.path.rstrip("/")
        return [(f, self.url(f"{base}.{f}") + query) for f in allowed]

    # ---------------------------------------------------------------- JSON

    def json_html(self, value: Any, depth: int = 0, row_ids: frozenset[int] = frozenset()) -> str:
        """``json.dumps(value, indent=4)`` as highlighted HTML; URLs are links, and so are the
        route's linked fields (``id``, ``creator``) of the objects in ``row_ids``."""
        pad = "\t" * (depth + 1)  # tabs: CSS tab-size narrows the indent on a phone
        if isinstance(value, Mapping):
            if not value:
                return '<span class="p">{}</span>'
            fields = []
            for key, inner in value.items():
                rendered = self.json_html(inner, depth + 1, row_ids)
                target = self.field_link(str(key), inner) if id(value) in row_ids else None
                if target and not isinstance(inner, Mapping | list):
                    rendered = f'<a href="{esc(target)}">{rendered}</a>'
                fields.append(
                    f'{pad}<span class="k">{esc(to_json(str(key)))}</span><span class="p">:</span> {rendered}'
                )
            close = "\t" * depth
            return (
                '<span class="p">{</span>\n'
                + '<span class="p">,</span>\n'.join(fields)
                + f'\n{close}<span class="p">}}</span>'
            )
        if isinstance(value, list | tuple):
            if not value:
                return '<span class="p">[]</span>'
            items = [pad + self.json_html(v, depth + 1, row_ids) for v in value]
            close = "\t" * depth
            return (
                '<span class="p">[</span>\n'
                + '<span class="p">,</span>\n'.join(items)
                + f'\n{close}<span class="p">]</span>'
            )
        if value is None:
            return '<span class="n">null</span>'
        if isinstance(value, bool):
            return f'<span class="b">{"true" if value else "false"}</span>'
        if isinstance(value, int | float):
            return f'<span class="d">{esc(to_json(value))}</span>'
        text = esc(to_json(value))
        if isinstance(value, str) and _is_http_url(value):
            return f'<a class="s" href="{esc(value)}">{text}</a>'
        return f'<span class="s">{text}</span>'

    def body_html(self) -> str:
        if self.data is None:
            return ""  # DRF's page shows a 204's empty body as nothing at all
        rows = frozenset(id(r) for r in rows_of(self.data) if isinstance(r, Mapping))
        return self.json_html(self.data, 0, rows)

    def cell_html(self, column: str, value: Any) -> str:
        text = esc(cell_text(value))
        target = self.field_link(column, value)
        if target:
            return f'<a href="{esc(target)}">{text}</a>'
        if isinstance(value, str) and _is_http_url(value):
            return f'<a href="{esc(value)}">{text}</a>'
        return text

    def table_html(self) -> str:
        """Lists as one row per object; a single object as a field/value table."""
        columns, rows = table_of(self.data)
        if not rows:
            return '<p class="muted">Nothing to show.</p>'
        single = isinstance(self.data, Mapping) and not any(isinstance(self.data.get(k), list) for k in LIST_KEYS)
        if single:
            body = "".join(
                f'<tr><th scope="row">{esc(c)}</th><td>{self.cell_html(c, rows[0].get(c))}</td></tr>' for c in columns
            )
            return f'<div class="table-wrap"><table class="fields"><tbody>{body}</tbody></table></div>'
        head = "".join(f'<th scope="col">{esc(c)}</th>' for c in columns)
        body = []
        for row in rows:
            cells = []
            for column in columns:
                cells.append(f'<td data-label="{esc(column)}">{self.cell_html(column, row.get(column))}</td>')
            body.append("<tr>" + "".join(cells) + "</tr>")
        return (
            f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
        )

    # ---------------------------------------------------------------- sections

    def methods(self) -> tuple[str, ...]:
        return self.route.methods if self.route else (self.request.method,)

    def response_meta(self) -> str:
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = ""
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HIDDEN_HEADERS]
        allow = [(k, v) for k, v in headers if k.lower() == "allow"]
        # The body below is the JSON representation, so its headers read as a JSON client's would.
        shown = [("Content-Type", "application/json")] if self.data is not None else []
        rest = [(k, v) for k, v in headers if k.lower() != "allow"]
        lines = [f'<span class="hn">{esc(k)}:</span> <span class="hv">{esc(v)}</span>' for k, v in allow + shown + rest]
        status = f'<span class="status s{self.status // 100}xx">HTTP {self.status} {esc(phrase)}</span>'
        return status + "\n" + "\n".join(lines)

    def pager(self) -> str:
        data = self.data
        if not isinstance(data, Mapping) or not any(isinstance(data.get(k), list) for k in LIST_KEYS):
            return ""
        prev_url, next_url = data.get("previous"), data.get("next")
        if not (isinstance(prev_url, str) or isinstance(next_url, str)):
            count = data.get("count")
            return f'<p class="pager muted">{_results(count)}</p>' if isinstance(count, int) else ""
        page = self.request.param("page") or "1"
        parts = ['<nav class="pager" aria-label="Pagination">']
        parts.append(
            f'<a class="button" rel="prev" href="{esc(prev_url)}">&larr; Previous</a>'
            if isinstance(prev_url, str) and _is_http_url(prev_url)
            else '<span class="button disabled" aria-disabled="true">&larr; Previous</span>'
        )
        count = data.get("count")
        total = f" &middot; {_results(count)}" if isinstance(count, int) else ""
        parts.append(f'<span class="muted">Page {esc(page)}{total}</span>')
        parts.append(
            f'<a class="button" rel="next" href="{esc(next_url)}">Next &rarr;</a>'
            if isinstance(next_url, str) and _is_http_url(next_url)
            else '<span class="button disabled" aria-disabled="true">Next &rarr;</span>'
        )
        parts.append("</nav>")
        return "".join(parts)

    def form_prefill(self, methods: list[str]) -> Any:
        """A create form gets the blank object; an edit form the object minus read-only fields."""
        blank = dict(self.route.form) if self.route else {}
        editing = self.match is not None and bool(self.match.params) and "POST" not in methods
        if editing and isinstance(self.data, Mapping) and 200 <= self.status < 300:
            current = {k: self.data[k] for k in blank if k in self.data}
            if current:
                return {**blank, **current}
        return blank

    def raw_form(self) -> str:
        methods = [m for m in FORM_METHODS if m in self.methods()]
        if not methods or self.route is None:
            return ""
        prefill = to_json(self.form_prefill(methods), indent=4)
        buttons = "".join(
            f'<button type="submit" name="method" value="{m}" class="m-{m.lower()}">{m}</button>' for m in methods
        )
        return f"""
<section class="card" aria-labelledby="raw-title">
  <h2 id="raw-title">Send a request</h2>
  <form id="raw-form" data-url="{esc(self.page_url())}">
    <div class="row">
      <label for="content-type">Media type</label>
      <select id="content-type" name="content_type"><option>application/json</option></select>
    </div>
    <label for="raw-body" class="sr-only">Request body</label>
    <textarea id="raw-body" name="body" rows="8" spellcheck="false"
      autocapitalize="off">{esc(prefill)}</textarea>
    <div class="actions">{buttons}</div>
  </form>
</section>"""

    def signin(self) -> str:
        register = urlsplit(self.url("/api/v1/auth/register/")).path
        return f"""
<section id="signin" class="card signin" aria-labelledby="signin-title">
  <h2 id="signin-title">Sign in</h2>
  <p class="muted">Most resources are visible to signed-in users only. Your access token stays in this tab
  (<code>sessionStorage</code>) and is sent as <code>Authorization: Bearer</code>.</p>
  <form id="login-form" class="login" autocomplete="on">
    <label>Username <input name="username" autocomplete="username" required autocapitalize="off"></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
    <button type="submit" class="primary">Sign in</button>
    <p class="form-error" role="alert"></p>
  </form>
  <details>
    <summary>Or paste an access token</summary>
    <form id="token-form" class="token">
      <label for="token-input" class="sr-only">Access token</label>
      <input id="token-input" name="token" placeholder="eyJhbGciOi…" autocomplete="off"
        spellcheck="false" required>
      <button type="submit">Use token</button>
    </form>
  </details>
  <p class="muted small">No account? <code>POST {esc(register)}</code>
  with <code>{{"username", "email", "password1", "password2"}}</code>.</p>
</section>"""

    def html(self) -> str:
        request = self.request
        title = self.route.name if self.route and self.route.name else self.crumbs()[-1][0]
        crumbs = self.crumbs()
        last = len(crumbs) - 1
        crumb_html = "".join(
            f'<li><a href="{esc(url)}"{" aria-current=page" if i == last else ""}>{esc(name)}</a></li>'
            for i, (name, url) in enumerate(crumbs)
        )
        parent = crumbs[-2][1] if len(crumbs) > 1 else ""
        methods = "".join(f'<span class="badge m-{m.lower()}">{esc(m)}</span>' for m in self.methods())
        current = request.format_suffix or request.param("format") or self.default_format()
        formats = "".join(
            f'<a href="{esc(url)}"{" aria-current=true" if f == current else ""}>{esc(f)}</a>'
            for f, url in self.format_links()
        )
        delete = (
            '<button type="button" class="danger" data-action="delete">DELETE</button>'
            if "DELETE" in self.methods() and self.match and self.match.params
            else ""
        )
        about = self.route.description if self.route else ""
        description = f'<p class="desc">{esc(about)}</p>' if about else ""
        code = self.data.get("code", "") if isinstance(self.data, Mapping) and self.status >= 400 else ""
        authenticated = "true" if request.header("authorization") else "false"
        display_url = urlsplit(self.page_url()).path + self.query_string()
        view_json = " checked" if self.default_view == "json" else ""
        view_table = " checked" if self.default_view == "table" else ""
        attrs = {
            "data-status": self.status,
            "data-code": code if isinstance(code, str) else "",
            "data-authenticated": authenticated,
            "data-url": self.page_url(),
            "data-parent-url": parent,
            "data-token-url": self.url(AUTH_ENDPOINTS["token"]),
            "data-refresh-url": self.url(AUTH_ENDPOINTS["refresh"]),
            "data-logout-url": self.url(AUTH_ENDPOINTS["logout"]),
        }
        attr_html = " ".join(f'{k}="{esc(v)}"' for k, v in attrs.items())
        n = esc(self.nonce)
        return f"""<!doctype html>
<html lang="en" {attr_html}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>{esc(title)} · Movies API</title>
<link rel="icon" href="{FAVICON}">
<style nonce="{n}">{_asset("browsable.css")}</style>
<script nonce="{n}">{_asset("browsable-head.js")}</script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="{esc(crumbs[0][1])}">Movies API</a>
  <div class="auth">
    <span class="auth-in">Signed in as <strong id="who"></strong>
      <button type="button" class="link" data-action="signout">Sign out</button></span>
    <a class="auth-out button" href="#signin">Sign in</a>
  </div>
</header>
<div class="progress" aria-hidden="true"></div>
<main class="wrap">
  <nav class="crumbs" aria-label="Breadcrumb"><ol>{crumb_html}</ol></nav>
  <div id="flash" class="flash" role="status" hidden></div>
  <section class="head">
    <h1>{esc(title)}</h1>
    {description}
    <div class="toolbar">
      <div class="methods" aria-label="Allowed methods">{methods}</div>
      <div class="formats" aria-label="Formats">{formats}</div>
      {delete}
    </div>
  </section>
  {self.signin()}
  <section class="card exchange" aria-label="Request and response">
    <p class="loading muted">Loading with your token…</p>
    <div class="request"><span class="badge m-{esc(request.method.lower())}">{esc(request.method)}</span>
      <code>{esc(display_url)}</code></div>
    <pre class="meta">{self.response_meta()}</pre>
    <div class="tabs">
      <input type="radio" name="view" id="view-json"{view_json}><label for="view-json">JSON</label>
      <input type="radio" name="view" id="view-table"{view_table}><label for="view-table">Table</label>
      <pre class="panel panel-json body">{self.body_html()}</pre>
      <div class="panel panel-table">{self.table_html()}</div>
    </div>
    {self.pager()}
  </section>
  {self.raw_form()}
  <noscript><p class="muted">Signing in and the forms need JavaScript;
    everything above is plain HTML.</p></noscript>
</main>
<footer class="wrap muted small">Browsable API · formats: {", ".join(esc(f) for f, _ in self.format_links())}
  · <code>?format=</code> overrides the suffix and <code>Accept</code>.</footer>
<dialog id="confirm-delete" aria-labelledby="confirm-title">
  <form method="dialog">
    <h2 id="confirm-title">Delete this resource?</h2>
    <p><code>DELETE {esc(urlsplit(self.page_url()).path)}</code> cannot be undone.</p>
    <div class="actions"><button value="cancel">Cancel</button>
      <button value="confirm" class="danger">Delete</button></div>
  </form>
</dialog>
<script nonce="{n}">{_asset("browsable.js")}</script>
</body>
</html>
"""

    def default_format(self) -> str:
        return "api" if self.default_view == "json" else "html"


def _is_http_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and len(value) < 2048


def _results(count: int) -> str:
    return f"{count} result" if count == 1 else f"{count} results"


def _flat(query: Mapping[str, list[str]]) -> dict[str, str]:
    return {k: v[-1] for k, v in query.items() if v}
