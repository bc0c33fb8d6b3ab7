"""The Frappe dialect (``/api/resource/<DocType>``, ``/api/method/<dotted.path>``), as Frappe's API v1 serves it.

Translates Frappe's list parameters, document shape (``name``, ``owner``,
``creation``, ``modified``, ...), whitelisted methods, password login with a
``sid`` cookie, API key generation and error bodies (``exc_type``,
``exception``, ``_server_messages``) to and from the core. Every DocType is a
declared resource listing ``Frappe`` options; nothing here names one.

- ``errors``: Frappe's exception classes, status codes and error bodies;
- ``doctypes``: the DocTypes derived from the registry and their routes;
- ``listing``: list parameters (fields, filters, order_by, pages) → the core query;
- ``views``: the resource views and the dialect's contract (``DIALECT``);
- ``methods``: the ``/api/method`` whitelist and its methods (ping, login, logout, keys).
"""

from __future__ import annotations

from .doctypes import DocType, doctype_of, doctypes, url_patterns
from .errors import FrappeError, error_response
from .listing import (
    DEFAULT_ORDER_BY,
    DEFAULT_PAGE_LENGTH,
    MAX_FIELDS,
    MAX_FILTERS,
    MAX_PAGE_LENGTH,
    OPERATOR_LIST,
    OPERATORS,
    Filter,
    build_query,
    combine,
    parse_fields,
    parse_filters,
    parse_order_by,
)
from .methods import call_method, refuse_method
from .views import (
    DIALECT,
    ENDPOINTS,
    PREFIXES,
    create_doc,
    delete_doc,
    get_doc,
    list_docs,
    refuse_resource,
    update_doc,
)

__all__ = [
    "DEFAULT_ORDER_BY",
    "DEFAULT_PAGE_LENGTH",
    "DIALECT",
    "ENDPOINTS",
    "MAX_FIELDS",
    "MAX_FILTERS",
    "MAX_PAGE_LENGTH",
    "OPERATORS",
    "OPERATOR_LIST",
    "PREFIXES",
    "DocType",
    "Filter",
    "FrappeError",
    "build_query",
    "call_method",
    "combine",
    "create_doc",
    "delete_doc",
    "doctype_of",
    "doctypes",
    "error_response",
    "get_doc",
    "list_docs",
    "parse_fields",
    "parse_filters",
    "parse_order_by",
    "refuse_method",
    "refuse_resource",
    "update_doc",
    "url_patterns",
]
