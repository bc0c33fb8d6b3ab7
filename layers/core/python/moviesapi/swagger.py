"""Swagger UI served by the API itself: the page and its vendored assets (no CDN, nothing external).

The page loads ``swagger-ui-bundle.js``, ``swagger-ui.css`` (swagger-ui-dist, vendored
unmodified in ``static/swagger/``) and ``swagger-init.js`` from ``/api/docs/``, all by
relative URLs so the stage prefix (``/dev``) needs no configuration. The init code is a
file rather than an inline script, so the Content-Security-Policy allows scripts from
this origin only. Asset URLs carry a content hash, so they can be cached for a year.

The assets are text and go out as text (``isBase64Encoded`` false, the bundle's 1.7 MB well
inside Lambda's 6 MB response limit): API Gateway's ``MinimumCompressionSize`` gzips them,
as every answer over 1 KB, for clients that accept it, so no base64 body depends on the
request's ``Accept`` matching a binary media type. The built layer stores the bundle and the
stylesheet gzipped (``tools/layer_build.py --gzip``: 1.4 MB less unzipped); they are
decompressed once per container, so the answers are the same from the source tree and the layer.
"""

from __future__ import annotations

import gzip
import hashlib
import html
from functools import cache
from importlib.resources import files

from aws_lambda_powertools.event_handler import Response

from .errors import NotFound
from .http import Request
from .responses import SECURITY_HEADERS

SWAGGER_UI_VERSION = "5.35.0"  # npm swagger-ui-dist; static/swagger/README.md says how to update it
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
# URL name → (file under static/, content type).
ASSETS: dict[str, tuple[str, str]] = {
    "swagger-ui-bundle.js": ("swagger/swagger-ui-bundle.js", JS),
    "swagger-ui.css": ("swagger/swagger-ui.css", CSS),
    "swagger-init.js": ("swagger-init.js", JS),
}
LONG_CACHE = "public, max-age=31536000, immutable"
# Scripts and styles from this origin only; images also as data: URIs (the stylesheet's icons);
# fetch() to this origin only (the document and "Try it out").
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Movies API · Swagger UI</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec}"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"""


@cache
def _read(name: str) -> bytes:
    """The vendored file's bytes: as committed, or as the built layer stores it (``<file>.gz``)."""
    static = files("moviesapi").joinpath("static")
    plain = static.joinpath(ASSETS[name][0])
    if plain.is_file():
        return plain.read_bytes()
    return gzip.decompress(static.joinpath(f"{ASSETS[name][0]}.gz").read_bytes())


@cache
def _text(name: str) -> str:
    """The file as the response body: UTF-8 text, decoded once per container."""
    return _read(name).decode("utf-8")


@cache
def _digest(name: str) -> str:
    return hashlib.sha256(_read(name)).hexdigest()[:16]


def not_modified(request: Request, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as for GET)."""
    wanted = request.header("if-none-match")
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
    return bool(wanted) and (etag.removeprefix("W/") in tags or "*" in tags)


def asset_url(name: str, base: str) -> str:
    """The URL of an asset with its content hash, so a new version is never served from a cache."""
    return f"{base}{name}?v={_digest(name)}"


def page_response(request: Request) -> Response:
    """``GET /api/docs``: the Swagger UI page, pointing at ``openapi.json`` by a relative URL."""
    # /api/docs → files at docs/<name>, the document at openapi.json; /api/docs/ → <name>, ../openapi.json.
    slash = request.path.endswith("/")
    base, spec = ("", "../openapi.json") if slash else ("docs/", "openapi.json")
    body = PAGE.format(
        css=html.escape(asset_url("swagger-ui.css", base)),
        bundle=html.escape(asset_url("swagger-ui-bundle.js", base)),
        init=html.escape(asset_url("swagger-init.js", base)),
        spec=html.escape(spec),
    )
    headers = {
        **SECURITY_HEADERS,
        "Cache-Control": "no-cache",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
    }
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=body, headers=headers)


def asset_response(request: Request, name: str) -> Response:
    """``GET /api/docs/<name>``: a vendored file as text; API Gateway compresses it when accepted."""
    if name not in ASSETS:
        raise NotFound()
    etag = f'"{_digest(name)}"'
    headers = {
        **SECURITY_HEADERS,
        "Cache-Control": LONG_CACHE,
        "ETag": etag,
        "Vary": "Accept-Encoding",  # API Gateway gzips it for clients that accept gzip
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers, body="")
    return Response(status_code=200, content_type=ASSETS[name][1], body=_text(name), headers=headers)
