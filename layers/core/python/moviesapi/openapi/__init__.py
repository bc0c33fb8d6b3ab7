"""The OpenAPI 3.1 document: a dialect-neutral builder, to which every dialect contributes.

``builder`` holds the document and the shared components, ``schemas`` turns
declarations into JSON Schemas and examples, ``document`` assembles the whole
(each dialect's ``contribute_openapi``, then the docs endpoints) and serves it.
"""

from __future__ import annotations

from .builder import Builder
from .document import (
    API_TITLE,
    API_VERSION,
    OPENAPI_VERSION,
    build_document,
    document_json,
    document_response,
    server_url,
)

__all__ = [
    "API_TITLE",
    "API_VERSION",
    "OPENAPI_VERSION",
    "Builder",
    "build_document",
    "document_json",
    "document_response",
    "server_url",
]
