"""One Frappe document by name: which DocType takes which verb, finding a document, reading a body.

Shared by the resource views (``/api/resource``) and the ``frappe.client``
methods, which address the same documents by ``doctype`` and ``name`` arguments.
"""

from __future__ import annotations

from typing import Any

from ... import resources
from ...accounts import Principal
from ...errors import MethodNotAllowed, NotFound, PermissionDenied
from ...http import Request, loads_json
from ...query import Cond, Query
from .doctypes import DocType, doctype_of
from .errors import FrappeError, does_not_exist, no_permission

# A read-only DocType answers the writes Frappe routes with 403, as Frappe's permission check does.
WRITES = {("POST", False): "create", ("PUT", True): "write", ("DELETE", True): "delete"}


def check_method(doctype: DocType, method: str, name: str | None = None) -> None:
    """403 for a write to a read-only DocType, 405 (with ``Allow``) for a verb it does not take.

    ``name`` is the document's name on an item URL (None on the collection).
    """
    element = name is not None
    verb = "GET" if method == "HEAD" else method
    if not doctype.writable and (verb, element) in WRITES:
        raise no_permission(WRITES[verb, element], doctype.name, name or "")
    allowed = doctype.element_methods if element else doctype.collection_methods
    if verb not in allowed:
        raise MethodNotAllowed(method, allowed)


def doctype_for(request: Request, doctype_name: str, name: str | None = None) -> DocType:
    """The DocType a view serves, if it takes this request's verb."""
    doctype = doctype_of(doctype_name)
    check_method(doctype, request.method, name)
    return doctype


def _key(doctype: DocType, name: str, principal: Principal) -> str | None:
    """The key of the document called ``name`` (None: there is none)."""
    if doctype.names_are_keys:
        return name
    if doctype.lookup is not None:
        return doctype.lookup(name)
    page = resources.search(
        doctype.resource, Query(where=Cond(doctype.name_field, "eq", name), limit=1, with_count=False), principal
    )
    return page.records[0][doctype.resource.key] if page.records else None


def record_of(doctype: DocType, name: str, principal: Principal) -> dict[str, Any]:
    key = _key(doctype, name, principal)
    if key is None:
        raise does_not_exist(doctype.name, name)
    try:
        record = resources.retrieve(doctype.resource, key, principal)
    except NotFound:
        raise does_not_exist(doctype.name, name) from None
    if not doctype.names_are_keys and str(doctype.value(record, "name")) != name:
        raise does_not_exist(doctype.name, name)  # names match exactly (a lookup may fold case)
    return record


def existing_key(doctype: DocType, name: str, principal: Principal) -> str:
    """The key of an existing document (404 when there is none)."""
    return name if doctype.names_are_keys else record_of(doctype, name, principal)[doctype.resource.key]


def update_document(
    doctype: DocType, name: str, values: dict[str, Any], principal: Principal, if_match: str | None = None
) -> dict[str, Any]:
    """Change the fields in ``values`` of document ``name`` (only its owner may): Frappe's 404 and 403."""
    try:
        return resources.update(
            doctype.resource,
            existing_key(doctype, name, principal),
            values,
            principal,
            partial=True,
            if_match=if_match,
            method="PUT" if doctype.resource.allows("PUT") else "PATCH",
        )
    except NotFound:
        raise does_not_exist(doctype.name, name) from None
    except PermissionDenied as exc:
        raise no_permission("write", doctype.name, name) from exc


def delete_document(doctype: DocType, name: str, principal: Principal, if_match: str | None = None) -> None:
    """Delete document ``name`` (only its owner may): Frappe's 404 and 403."""
    if not doctype.writable:
        raise no_permission("delete", doctype.name, name)
    try:
        resources.destroy(doctype.resource, existing_key(doctype, name, principal), principal, if_match=if_match)
    except NotFound:
        raise does_not_exist(doctype.name, name) from None
    except PermissionDenied as exc:
        raise no_permission("delete", doctype.name, name) from exc


# What a client may send but never sets: Frappe's standard fields (``frappe.model.default_fields``).
STANDARD_FIELDS = frozenset(
    {"doctype", "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx", "parent", "parentfield"}
    | {"parenttype"}
)


def fields_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The document fields of a body: the JSON object, or Frappe's ``data`` field holding JSON (form or JSON)."""
    if "data" in payload:
        inner = payload["data"]
        if isinstance(inner, str):
            try:
                inner = loads_json(inner)
            except ValueError:
                raise FrappeError("data must be a JSON object") from None
        if not isinstance(inner, dict):
            raise FrappeError("data must be a JSON object")
        payload = inner
    payload = dict(payload)
    payload.pop("doctype", None)
    return payload


def body_of(request: Request) -> dict[str, Any]:
    return fields_of(request.data())
