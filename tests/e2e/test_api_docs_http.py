"""The OpenAPI document and Swagger UI over HTTP, from the real local server (SAM's API Gateway emulation).

The page's files come back byte for byte as text (no base64, no gzip from the function: on
AWS, API Gateway's MinimumCompressionSize compresses them), with their content types, a year
of caching and an ETag; the document validates and names this server.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import requests
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "layers/core/python/moviesapi/static"
FILES = {
    "swagger-ui-bundle.js": ("swagger/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("swagger/swagger-ui.css", "text/css"),
    "swagger-init.js": ("swagger-init.js", "text/javascript"),
}


def test_page_and_every_file_it_loads(api_url: str) -> None:
    page = requests.get(f"{api_url}/api/docs", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    urls = re.findall(r'(?:src|href)="(docs/[^"]+)"', page.text)
    assert {u.split("?")[0].removeprefix("docs/") for u in urls} == set(FILES)
    for url in urls:
        name = url.split("?")[0].removeprefix("docs/")
        file, media_type = FILES[name]
        # Browsers fetch scripts and styles with Accept: */*: the answer is text, whatever the types.
        for encoding in ("gzip, deflate", "identity"):
            headers = {"Accept": "*/*", "Accept-Encoding": encoding}
            r = requests.get(urljoin(f"{api_url}/api/docs", url), headers=headers, timeout=30)
            assert r.status_code == 200, (url, r.text[:200])
            assert r.headers["Content-Type"] == f"{media_type}; charset=utf-8"
            assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert r.headers.get("Content-Encoding") is None  # SAM's gateway does not compress
            assert r.content == (STATIC / file).read_bytes(), url
        cached = requests.get(
            urljoin(f"{api_url}/api/docs", url), headers={"If-None-Match": r.headers["ETag"]}, timeout=30
        )
        assert cached.status_code == 304 and cached.content == b"", url
        assert cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert requests.get(f"{api_url}/api/docs/nothing.js", timeout=10).status_code == 404


def test_document_validates_and_points_at_this_server(api_url: str) -> None:
    r = requests.get(f"{api_url}/api/openapi.json", timeout=10, headers={"Origin": "https://tools.example.com"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.headers["Access-Control-Allow-Origin"] == "*"  # other tools may read it cross-origin
    doc = r.json()
    validate(doc)
    assert doc["servers"][0]["url"] == "/"
    assert "/api/v1/movies/" in doc["paths"] and "/api/resource/Movie" in doc["paths"]
    assert (
        requests.get(
            f"{api_url}/api/openapi.json", headers={"If-None-Match": r.headers["ETag"]}, timeout=10
        ).status_code
        == 304
    )
