"""``frappe.client.*``: the whitelisted document methods the real clients call.

frappe-js-sdk sends ``getCount``, ``getValue``, ``setValue``, ``renameDoc``,
``submit`` and ``cancel`` through them; frappe-client sends ``insert_many``,
``bulk_update``, ``delete``, ``get_value``, ``set_value`` and ``rename_doc``
(through ``/`` with ``cmd=``). Each runs in the function owning its kind of
work (reads in ``resource_list``/``resource_get``, inserts in
``resource_create``, changes in ``resource_update``, deletes in
``resource_delete``) and under the same permission and owner rules as
``/api/resource``. Arguments come as Frappe's ``form_dict`` (query string and
body); JSON arguments may be strings holding JSON, as ``frappe.parse_json``
accepts. Results are ``{"message": ...}``, as Frappe wraps a method's return.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ... import aggregates, batches, resources
from ...accounts import Principal
from ...errors import ApiError, PermissionDenied
from ...http import JSONTooDeep, Request, loads_json
from ...query import Query, bind
from ...responses import respond
from .doctypes import DocType, doctype_of
from .documents import STANDARD_FIELDS, delete_document, fields_of, record_of, update_document
from .errors import FrappeError, does_not_exist, no_permission, require_user
from .listing import Args, combine, list_rows, parse_columns, parse_filters, parse_json
from .methods import form_dict, whitelist

WRITE_VERBS = ("POST", "PUT")  # @frappe.whitelist(methods=["POST", "PUT"])
MAX_INSERTS = 50  # Frappe allows 200; one DynamoDB transaction holds 100 items, counters included
MAX_BULK_UPDATES = 50


def _message(request: Request, value: Any) -> Response:
    """A method's return value as Frappe sends it: ``{"message": value}``, ``{}`` for None."""
    return respond(request, 200, {} if value is None else {"message": value})


def _required(args: Args, name: str) -> Any:
    value = args.get(name)
    if value is None or value == "":
        raise FrappeError(f"{name} is required", exc_type="ValidationError")
    return value


def _doctype(args: Args, key: str = "doctype") -> DocType:
    name = _required(args, key)
    if not isinstance(name, str):
        raise FrappeError(f"{key} must be a DocType name")
    return doctype_of(name)


def _name(args: Args, key: str = "name") -> str:
    name = _required(args, key)
    if not isinstance(name, str | int) or isinstance(name, bool):
        raise FrappeError(f"{key} must be a document name")
    return str(name)


def _json_object(args: Args, key: str) -> dict[str, Any]:
    value = parse_json(args, key)
    if not isinstance(value, dict):
        raise FrappeError(f"{key} must be a JSON object")
    return value


def _json_list(args: Args, key: str) -> list[Any]:
    value = parse_json(args, key)
    if not isinstance(value, list):
        raise FrappeError(f"{key} must be a JSON list")
    return value


def _safe_filters(args: Args) -> Any:
    """``frappe.utils.get_safe_filters``: JSON filters, or the text itself (a document's name)."""
    raw = args.get("filters")
    if isinstance(raw, str):
        try:
            return loads_json(raw)
        except JSONTooDeep as exc:  # JSON, not a name: refused, never looked up
            raise FrappeError(f"filters is nested too deeply ({exc})") from None
        except ValueError:
            return raw
    return raw


def _first_name(doctype: DocType, filters: Any, principal: Principal) -> str | None:
    """The name of the first document matching Frappe filters (a dict, a list, or a name)."""
    if isinstance(filters, str | int) and not isinstance(filters, bool):
        return str(filters)
    where, empty = combine(parse_filters(doctype, filters), [])
    if empty:
        return None
    page = resources.search(doctype.resource, Query(where=where, limit=1, with_count=False), principal)
    return str(doctype.value(page.records[0], "name")) if page.records else None


# ------------------------------------------------------------------ reads


@whitelist("frappe.client.get_list", operation="resource_list")
def get_list(request: Request) -> Response:
    """The rows of ``/api/resource/<doctype>``, with the same arguments, as ``{"message": [...]}``."""
    principal = require_user(request)
    args = form_dict(request)
    return _message(request, list_rows(_doctype(args), args, principal))


@whitelist("frappe.client.get_count", operation="resource_list")
def get_count(request: Request) -> Response:
    """How many documents match ``filters`` (every document the caller may read without)."""
    principal = require_user(request)
    args = form_dict(request)
    doctype = _doctype(args)
    filters = _safe_filters(args)
    where, empty = combine(parse_filters(doctype, filters if not isinstance(filters, str) else {"name": filters}), [])
    if empty:
        return _message(request, 0)
    where = bind(doctype.resource, where)  # values coerced to their fields' types, as every list binds them
    key = doctype.resource.key
    return _message(
        request, aggregates.aggregate(doctype.resource, where, [("count", key)], principal)[f"count__{key}"]
    )


@whitelist("frappe.client.get", operation="resource_get")
def get(request: Request) -> Response:
    """One document by ``name``, or the first matching ``filters``."""
    principal = require_user(request)
    args = form_dict(request)
    doctype = _doctype(args)
    name = args.get("name")
    if name in (None, ""):
        filters = _safe_filters(args)
        if filters in (None, "", [], {}):
            raise FrappeError(f"{doctype.name} is not a Single DocType: name or filters is required")
        name = _first_name(doctype, filters, principal)
        if name is None:
            raise does_not_exist(doctype.name, json.dumps(filters)[:100])
    return _message(request, doctype.doc(record_of(doctype, str(name), principal)))


@whitelist("frappe.client.get_value", operation="resource_list")
def get_value(request: Request) -> Response:
    """Fields of the first document matching ``filters`` (a name, dict or list): a dict, or values.

    ``fieldname`` is a field or a JSON list of fields; nothing matching is ``{}``
    with ``as_dict`` and no message without.
    """
    principal = require_user(request)
    args = form_dict(request)
    doctype = _doctype(args)
    raw = args.get("fieldname") or "name"
    try:
        fields = loads_json(raw) if isinstance(raw, str) else raw
    except ValueError:
        fields = raw  # a bare field name, not JSON
    if isinstance(fields, str):
        fields = [fields]
    if not isinstance(fields, list) or not fields:
        fields = ["name"]
    parse_columns(doctype, fields)  # refuses undeclared or hidden fields (DataError)
    as_dict = args.get("as_dict", True) not in (False, 0, "0", "false", "False", "")
    filters = _safe_filters(args)
    name = _first_name(doctype, filters, principal) if filters not in (None, "", [], {}) else None
    if filters not in (None, "", [], {}) and name is None:
        return _message(request, {} if as_dict else None)
    rows = list_rows(
        doctype,
        {"fields": fields, "filters": [["name", "=", name]] if name is not None else None, "limit_page_length": 1},
        principal,
    )
    if not rows:
        return _message(request, {} if as_dict else None)
    row = rows[0]
    if as_dict:
        return _message(request, row)
    values = list(row.values())
    return _message(request, values if len(values) > 1 else values[0])


# ------------------------------------------------------------------ writes


def _insert(doc: Any, principal: Principal, request: Request) -> tuple[DocType, dict[str, Any]]:
    if not isinstance(doc, dict):
        raise FrappeError("doc must be a JSON object")
    doctype = doctype_of(_required(doc, "doctype"))
    if not doctype.writable:
        raise no_permission("create", doctype.name)
    record, _ = resources.create_from_request(doctype.resource, fields_of(doc), principal, request)
    return doctype, record


@whitelist("frappe.client.insert", methods=WRITE_VERBS, operation="resource_create")
def insert(request: Request) -> Response:
    """Create ``doc`` (it names its ``doctype``); the new document."""
    principal = require_user(request)
    doc = parse_json(form_dict(request), "doc")
    doctype, record = _insert(doc, principal, request)
    return _message(request, doctype.doc(record))


@whitelist("frappe.client.insert_many", methods=WRITE_VERBS, operation="resource_create")
def insert_many(request: Request) -> Response:
    """Create every document of ``docs`` or none (one transaction); their names, in order."""
    principal = require_user(request)
    docs = _json_list(form_dict(request), "docs")
    if len(docs) > MAX_INSERTS:
        raise FrappeError(f"Only {MAX_INSERTS} inserts allowed in one request")
    batch: list[tuple[Any, dict[str, Any]]] = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise FrappeError("Each doc must be a JSON object")
        doctype = doctype_of(_required(doc, "doctype"))
        if not doctype.writable:
            raise no_permission("create", doctype.name)
        batch.append((doctype.resource, fields_of(doc)))
    # One transaction holds the documents and every counter they move (Movie: 32 at most).
    limit = min((batches.max_batch(resource) for resource, _ in batch), default=MAX_INSERTS)
    if len(batch) > limit:
        raise FrappeError(f"Only {limit} inserts allowed in one request")
    records = batches.create_all(batch, principal)
    return _message(request, [str(r[res.key]) for (res, _), r in zip(batch, records, strict=True)])


@whitelist("frappe.client.set_value", methods=WRITE_VERBS, operation="resource_update")
def set_value(request: Request) -> Response:
    """Set ``fieldname`` to ``value``, or every field of a JSON object ``fieldname``; the document."""
    principal = require_user(request)
    args = form_dict(request)
    doctype, name = _doctype(args), _name(args)
    fieldname, value = _required(args, "fieldname"), args.get("value")
    if isinstance(fieldname, str) and fieldname in STANDARD_FIELDS:
        raise FrappeError("Cannot edit standard fields")
    if value in (None, ""):
        values = fieldname
        if isinstance(fieldname, str):
            try:
                values = loads_json(fieldname)
            except ValueError:
                values = {fieldname: ""}
    else:
        values = {fieldname: value}
    if not isinstance(values, dict) or any(k in STANDARD_FIELDS for k in values):
        raise FrappeError("Cannot edit standard fields")
    return _message(request, doctype.doc(update_document(doctype, name, values, principal)))


@whitelist("frappe.client.save", methods=WRITE_VERBS, operation="resource_update")
def save(request: Request) -> Response:
    """Save ``doc`` over the stored document it names (a stale ``modified`` is Frappe's 409); a ``doc``
    without a name is new, and saving inserts it, as ``Document.save`` does."""
    principal = require_user(request)
    doc = _json_object(form_dict(request), "doc")
    doctype = doctype_of(_required(doc, "doctype"))
    if doc.get("name") in (None, ""):
        if not doctype.writable:
            raise no_permission("create", doctype.name)
        created = resources.create(doctype.resource, fields_of(doc), principal)
        return _message(request, doctype.doc(created))
    name = _name(doc)
    modified = doc.get("modified")
    if modified:
        current = doctype.doc(record_of(doctype, name, principal)).get("modified")
        if current and str(modified) != str(current):
            raise FrappeError(
                f"Error: Document has been modified after you have opened it ({modified}, {current}). "
                "Please refresh to get the latest document.",
                exc_type="TimestampMismatchError",
                status=409,
            )
    values = {k: v for k, v in fields_of(doc).items() if k not in STANDARD_FIELDS}
    return _message(request, doctype.doc(update_document(doctype, name, values, principal)))


@whitelist("frappe.client.bulk_update", methods=WRITE_VERBS, operation="resource_update")
def bulk_update(request: Request) -> Response:
    """Update each of ``docs`` (``doctype``, ``docname`` and fields) on its own; the failures, with why.

    As in Frappe, one document failing does not stop the others; each write is
    atomic. ``exc`` carries the error message, never a traceback.
    """
    principal = require_user(request)
    docs = _json_list(form_dict(request), "docs")
    if len(docs) > MAX_BULK_UPDATES:
        raise FrappeError(f"Only {MAX_BULK_UPDATES} updates allowed in one request")
    failed: list[dict[str, Any]] = []
    for doc in docs:
        try:
            if not isinstance(doc, dict):
                raise FrappeError("Each doc must be a JSON object")
            doctype = doctype_of(_required(doc, "doctype"))
            values = {k: v for k, v in doc.items() if k not in STANDARD_FIELDS and k != "docname"}
            update_document(doctype, _name(doc, "docname"), values, principal)
        except ApiError as exc:
            failed.append({"doc": doc, "exc": f"{type(exc).__name__}: {exc.message}"})
    return _message(request, {"failed_docs": failed})


@whitelist("frappe.client.delete", methods=("POST", "DELETE"), operation="resource_delete")
def delete(request: Request) -> Response:
    """Delete document ``name`` (only its owner may); Frappe returns nothing."""
    principal = require_user(request)
    args = form_dict(request)
    delete_document(_doctype(args), _name(args), principal)
    return _message(request, None)


@whitelist("frappe.client.rename_doc", methods=WRITE_VERBS, operation="method_call")
def rename_doc(request: Request) -> Response:
    """No declared DocType allows renaming (Frappe's ``allow_rename`` off): names are keys whose order is
    the creation order the indexes rely on. Answered as Frappe answers for such a DocType, after the
    same checks (the document exists, the caller may write it)."""
    principal = require_user(request)
    args = form_dict(request)
    doctype, name = _doctype(args), _name(args, "old_name")
    _required(args, "new_name")
    record = record_of(doctype, name, principal)
    _check_write(doctype, name, record, principal)
    raise FrappeError(f"{doctype.name} not allowed to be renamed")


def _check_write(doctype: DocType, name: str, record: dict[str, Any], principal: Principal) -> None:
    from ...permissions import check

    if not doctype.writable:
        raise no_permission("write", doctype.name, name)
    try:
        check(doctype.resource, "PUT" if doctype.resource.allows("PUT") else "PATCH", principal, record)
    except PermissionDenied as exc:
        raise no_permission("write", doctype.name, name) from exc


def _not_submittable() -> FrappeError:
    """Frappe's permission check for ``submit`` on a DocType that is not submittable (any user but Administrator)."""
    return FrappeError("Document Type is not submittable", exc_type="PermissionError", status=403)


@whitelist("frappe.client.submit", methods=WRITE_VERBS, operation="method_call")
def submit(request: Request) -> Response:
    """No declared DocType is submittable: Frappe refuses the submit permission, after finding the doc."""
    principal = require_user(request)
    doc = _json_object(form_dict(request), "doc")
    doctype = doctype_of(_required(doc, "doctype"))
    record_of(doctype, _name(doc), principal)
    raise _not_submittable()


@whitelist("frappe.client.cancel", methods=WRITE_VERBS, operation="method_call")
def cancel(request: Request) -> Response:
    """No declared DocType is submittable, so no document is submitted and none can be cancelled."""
    principal = require_user(request)
    args = form_dict(request)
    doctype, name = _doctype(args), _name(args)
    record_of(doctype, name, principal)
    raise FrappeError(
        "Cannot change docstatus from 0 (Draft) to 2 (Cancelled)", exc_type="DocstatusTransitionError", status=417
    )
