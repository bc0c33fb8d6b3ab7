"""The OpenAPI 3.1 document of the whole API, assembled from what the code declares.

Every dialect in the ``dialects`` package contributes its paths, schemas, error shapes
and tags (``contribute_openapi(builder)``), reading the resource registry and its
own routes; this module adds the documentation endpoints and the document's
header. So the document follows the declarations instead of drifting from them.
Hidden values (password hashes, API secret digests, session ids) are never
declared readable, so no schema shows them.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import Response

from .. import sessions
from ..dialects import all_dialects
from ..http import Request
from ..registry import generation
from ..responses import SECURITY_HEADERS
from ..swagger import ASSETS, not_modified
from .builder import JSON, Builder, operation, path_param

OPENAPI_VERSION = "3.1.0"
API_VERSION = "0.1.0"  # pyproject.toml's version (a test keeps them equal)
# The product's name is the layer's package name: ``<name>api`` → "<Name> API".
API_TITLE = __package__.split(".")[0].removesuffix("api").title() + " API"
TAG_DOCS = "Documentation"
_MESSAGE = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}


def _docs(builder: Builder) -> None:
    """``/api/openapi.json``, the Swagger UI page and its files."""
    tag = builder.tag(TAG_DOCS, "This document and the Swagger UI page.")
    document = builder.ok(200, {"type": "object"}, "The OpenAPI 3.1 document.")
    builder.add(
        "/api/openapi.json",
        "GET",
        operation("docs_openapi_get", tag, "This OpenAPI document", "", [], [], None, document),
    )
    page = {"200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}}
    builder.add(
        "/api/docs",
        "GET",
        operation(
            "docs_swagger_ui_get",
            tag,
            "Swagger UI for this document",
            "Served by the API itself; it loads nothing from elsewhere.",
            [],
            [],
            None,
            page,
        ),
    )
    asset = path_param("asset", "One of the page's files.", {"type": "string", "enum": sorted(ASSETS)})
    files = {
        "200": {
            "description": "The file.",
            "content": {m: {"schema": {"type": "string"}} for m in sorted({t for _, t in ASSETS.values()})},
        },
        "404": {"description": "Not Found", "content": {JSON: {"schema": _MESSAGE}}},
    }
    builder.add(
        "/api/docs/{asset}",
        "GET",
        operation("docs_asset_get", tag, "A Swagger UI asset (cached for a year)", "", [], [asset], None, files),
    )


def _dialects_text(titles: list[str]) -> str:
    if len(titles) < 2:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


def build_document(server_url: str = "/") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document; ``server_url`` is the stage's base path (e.g. ``/dev``)."""
    builder = Builder(server_url)
    for dialect in all_dialects():
        dialect.contribute_openapi(builder)
    _docs(builder)
    count = {1: "one", 2: "two", 3: "three", 4: "four"}.get(len(builder.dialects), str(len(builder.dialects)))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "summary": f"One API in {count} dialects: {_dialects_text(builder.dialects)}.",
            "description": (
                "A client written for any of the dialects works against this API unchanged. "
                "Every dialect takes the same credentials (Bearer JWT, `token key:secret`, Basic key:secret, "
                f"the `{sessions.COOKIE_NAME}` cookie with CSRF on writes), `Idempotency-Key` on creates and "
                "`If-Match` on writes to an item; errors come in the dialect's own shape."
            ),
        },
        "servers": [{"url": server_url, "description": "This stage of the API."}],
        "tags": [{"name": name, "description": text} for name, text in builder.tags.items()],
        "paths": builder.paths,
        "components": builder.components(),
    }


def document_json(server_url: str = "/") -> str:
    """The document as JSON, built once per container, server URL and set of declarations."""
    return _document_json(server_url, generation())


@lru_cache(maxsize=8)
def _document_json(server_url: str, _generation: int) -> str:
    return json.dumps(build_document(server_url), ensure_ascii=False, separators=(",", ":"))


def server_url(request: Request) -> str:
    """The stage's base path as the client addressed it (``/dev`` on execute-api, ``/`` locally).

    Relative to the document's origin, so it also holds behind a proxy or a custom domain.
    """
    context, path = request.request_context_path, request.path
    if context and context != path and context.endswith(path):
        return context[: -len(path)] or "/"
    return "/"


def document_response(request: Request) -> Response:
    """``GET /api/openapi.json``: the document, revalidated with its ETag."""
    body = document_json(server_url(request))
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache", "ETag": etag}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers, body="")
    return Response(status_code=200, content_type=f"{JSON}; charset=utf-8", body=body, headers=headers)
