"""Frappe's list parameters, translated to the core query.

``fields`` (JSON list or comma string, ``*``, ``field as alias``), ``filters`` and
``or_filters`` (``[[f, op, v], [doctype, f, op, v], {f: v}, {f: [op, v]}]``),
``order_by``, ``limit_start``/``limit_page_length`` and ``as_dict``. Field names a
DocType does not declare, or declares hidden, are refused the way Frappe refuses
them: 417 ``DataError: Field not permitted in query: <field>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from ...errors import BadQuery
from ...http import Request
from ...query import Cond, Node, Or, Order, Query, all_of, matches
from ...registry import Field, coerce
from .doctypes import DocType
from .errors import FrappeError, not_permitted_field

DEFAULT_PAGE_LENGTH = 20
MAX_PAGE_LENGTH = 500  # Frappe's limit_page_length=0 ("all") is capped here too
MAX_PARAM_CHARS = 10_000
MAX_FIELDS = 50
MAX_FILTERS = 50
DEFAULT_ORDER_BY = "modified desc"

# Frappe's operators (lower case, as Frappe normalises them) → the core's.
OPERATORS: dict[str, str] = {
    "=": "eq",
    "!=": "ne",
    ">": "gt",
    "<": "lt",
    ">=": "ge",
    "<=": "le",
    # Frappe runs on MariaDB with a case-insensitive collation, so LIKE ignores case.
    "like": "ilike",
    "not like": "not_ilike",
    "in": "in",
    "not in": "not_in",
    "between": "between",
    "is": "is",
}
OPERATOR_LIST = "=, !=, >, <, >=, <=, like, not like, in, not in, is, between"


def _fieldname(doctype: DocType, raw: Any) -> str:
    """A declared Frappe fieldname (backticks and a ``tab<DocType>.`` prefix allowed), or DataError."""
    if not isinstance(raw, str):
        raise not_permitted_field(raw)
    name = raw.strip().replace("`", "")
    table = f"tab{doctype.name}."
    if name.startswith(table):
        name = name[len(table) :]
    if name not in doctype.fields:
        raise not_permitted_field(raw)
    return name


def _permit(doctype: DocType, fieldname: str, purpose: str) -> str | None:
    """The core path behind ``fieldname`` if the declaration allows ``purpose`` on it."""
    path = doctype.fields[fieldname]
    if path is not None:
        try:
            doctype.resource.resolve(path, purpose)
        except BadQuery:
            raise not_permitted_field(fieldname) from None
    return path


def _json_param(request: Request, name: str) -> Any:
    raw = request.param(name)
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_PARAM_CHARS:
        raise FrappeError(f"{name} is too long (at most {MAX_PARAM_CHARS} characters)")
    try:
        return json.loads(raw)
    except ValueError:
        raise FrappeError(f"{name} must be valid JSON") from None


_ALIAS = re.compile(r"^\s*(?P<field>\S+)\s+as\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]{0,63})\s*$", re.IGNORECASE)


def parse_fields(doctype: DocType, raw: Any) -> list[tuple[str, str]]:
    """``fields`` → ``[(fieldname, output key)]``: JSON list or comma string, ``*``, ``field as alias``."""
    if raw is None:
        return [("name", "name")]
    if isinstance(raw, str):
        items: list[Any] = [part for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list):
        items = raw
    else:
        raise FrappeError("fields must be a JSON list of field names")
    if len(items) > MAX_FIELDS:
        raise FrappeError(f"At most {MAX_FIELDS} fields may be requested")
    out: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str) and item.strip() in ("*", f"`tab{doctype.name}`.*", f"tab{doctype.name}.*"):
            out.extend((f, f) for f in doctype.doc_fields if _readable(doctype, f))
            continue
        alias = None
        if isinstance(item, str) and (m := _ALIAS.match(item)):
            item, alias = m.group("field"), m.group("alias")
        fieldname = _fieldname(doctype, item)
        _permit(doctype, fieldname, "read")
        out.append((fieldname, alias or fieldname))
    return out or [("name", "name")]


def _readable(doctype: DocType, fieldname: str) -> bool:
    try:
        _permit(doctype, fieldname, "read")
    except FrappeError:
        return False
    return True


def _as_list(value: Any) -> list[Any]:
    """``in`` / ``not in`` values: a list, or Frappe's comma-separated string."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [value]


def _end_of_day(value: Any) -> Any:
    """Frappe's ``between`` on a datetime includes the whole of a date-only upper bound."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        day = datetime.fromisoformat(value.strip()).date()
        return datetime.combine(day, time.max, tzinfo=UTC)
    return value


_CONSTANT = Field("constant", int, "constant")


@dataclass(frozen=True)
class Filter:
    """One parsed Frappe filter; ``constant`` is set when it tests ``idx``/``docstatus`` (always 0)."""

    node: Node | None
    constant: bool | None = None


def _one_filter(doctype: DocType, parts: Sequence[Any]) -> Filter:
    parts = list(parts)
    if len(parts) > 4:
        parts = parts[:4]  # Frappe ignores anything after the value
    if len(parts) == 4:
        if parts[0] != doctype.name:
            raise not_permitted_field(f"{parts[0]}.{parts[1]}")
        parts = parts[1:]
    if len(parts) != 3:
        raise FrappeError(
            "Filter must have 4 values (doctype, fieldname, operator, value): " + json.dumps(parts, default=str)[:200]
        )
    field, raw_op, value = parts
    if not isinstance(raw_op, str) or raw_op.strip().lower() not in OPERATORS:
        raise FrappeError(f"Operator must be one of {OPERATOR_LIST}")
    op = OPERATORS[raw_op.strip().lower()]
    fieldname = _fieldname(doctype, field)
    path = _permit(doctype, fieldname, "filter")
    if op == "is":
        flag = str(value).strip().lower() if isinstance(value, str) else ""
        if flag not in ("set", "not set"):
            raise FrappeError("Operator 'is' takes 'set' or 'not set'")
        op, value = ("is_not_null" if flag == "set" else "is_null"), None
    elif op in ("in", "not_in"):
        value = _as_list(value)
    elif op == "between":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise FrappeError("Operator 'between' needs a list of two values")
        value = [value[0], _end_of_day(value[1])]
    if path is None:
        return Filter(None, _constant_matches(op, value))
    return Filter(Cond(path, op, value))


def _constant_matches(op: str, value: Any) -> bool:
    """Evaluate a filter on ``idx``/``docstatus``, which are 0 for every document here."""
    if op in ("ilike", "not_ilike"):
        raise FrappeError(
            f"Operator '{'like' if op == 'ilike' else 'not like'}' needs a text field", exc_type="DataError"
        )
    try:
        if op in ("in", "not_in", "between"):
            bound: Any = tuple(coerce(_CONSTANT, v) for v in value)
        else:
            bound = coerce(_CONSTANT, value)
    except BadQuery:
        raise FrappeError("Invalid value for a numeric field", exc_type="DataError") from None
    if bound is None and op in ("eq", "ne"):
        op = "is_null" if op == "eq" else "is_not_null"
    return matches(Cond("constant", op, bound), {"constant": 0})


def parse_filters(doctype: DocType, raw: Any) -> list[Filter]:
    """Frappe's filter forms: ``[[f, op, v], [doctype, f, op, v], {f: v}, {f: [op, v]}]`` or one dict."""
    if raw is None or raw == "" or raw == [] or raw == {}:
        return []
    items: list[Any]
    if isinstance(raw, dict):
        items = [{k: v} for k, v in raw.items()]
    elif isinstance(raw, list):
        items = raw
    else:
        raise FrappeError("filters must be a JSON list or object")
    out: list[Filter] = []
    for item in items:
        if isinstance(item, dict):
            for key, value in item.items():
                if (
                    isinstance(value, (list, tuple))
                    and value
                    and isinstance(value[0], str)
                    and value[0].strip().lower() in OPERATORS
                ):
                    operand = value[1] if len(value) > 1 else None
                    out.append(_one_filter(doctype, [key, value[0], operand]))
                else:
                    out.append(_one_filter(doctype, [key, "=", value]))
        elif isinstance(item, (list, tuple)):
            out.append(_one_filter(doctype, item))
        else:
            # Frappe would paste a string into SQL as a raw condition; never here.
            raise FrappeError("Each filter must be a list [field, operator, value] or an object")
        if len(out) > MAX_FILTERS:
            raise FrappeError(f"At most {MAX_FILTERS} filters are allowed")
    return out


def combine(filters: list[Filter], or_filters: list[Filter]) -> tuple[Node | None, bool]:
    """(where, empty): AND of ``filters`` with the OR of ``or_filters``; ``empty`` when nothing can match."""
    ands: list[Node] = []
    for f in filters:
        if f.constant is False:
            return None, True
        if f.node is not None:
            ands.append(f.node)
    if or_filters and not any(f.constant is True for f in or_filters):
        alternatives = [f.node for f in or_filters if f.node is not None]
        if not alternatives:
            return None, True
        ands.append(alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives)))
    return all_of(ands), False


def parse_order_by(doctype: DocType, raw: str | None) -> tuple[Order, ...]:
    """``"field asc|desc[, field2 ...]"`` (default ``modified desc``); refused fields are a DataError."""
    text = raw.strip() if isinstance(raw, str) and raw.strip() else DEFAULT_ORDER_BY
    terms = [t.strip() for t in text.split(",") if t.strip()]
    if len(terms) > 5:
        raise FrappeError("At most 5 order_by fields are allowed")
    order: list[Order] = []
    for term in terms:
        words = term.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise not_permitted_field(term)
        fieldname = _fieldname(doctype, words[0])
        path = _permit(doctype, fieldname, "sort")
        if path is not None:  # ordering by a constant column changes nothing
            order.append(Order(path, len(words) == 2 and words[1].lower() == "desc"))
    return tuple(order)


def _int_param(request: Request, names: Sequence[str], default: int) -> int:
    for name in names:
        raw = request.param(name)
        if raw is not None and raw.strip():
            try:
                return int(raw.strip())
            except ValueError:
                raise FrappeError(f"{name} must be an integer") from None
    return default


def sbool(raw: str | None, default: bool) -> bool:
    """Frappe's ``sbool``: "0", "false", "no", "off" (any case) are False."""
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off", "none", "null")


def build_query(doctype: DocType, request: Request) -> tuple[Query, list[tuple[str, str]], bool]:
    """The core Query for a list request, the output fields, and whether nothing can match."""
    if request.param("group_by"):
        raise FrappeError("group_by is not supported")
    fields_raw: Any = request.param("fields")
    if fields_raw is not None and fields_raw.strip().startswith("["):
        fields_raw = _json_param(request, "fields")
    fields = parse_fields(doctype, fields_raw)
    filters = parse_filters(doctype, _json_param(request, "filters"))
    or_filters = parse_filters(doctype, _json_param(request, "or_filters"))
    if len(filters) + len(or_filters) > MAX_FILTERS:
        raise FrappeError(f"At most {MAX_FILTERS} filters are allowed")
    where, empty = combine(filters, or_filters)
    order = parse_order_by(doctype, request.param("order_by"))
    start = _int_param(request, ("limit_start", "start"), 0)
    if start < 0:
        raise FrappeError("limit_start must not be negative")
    length = _int_param(request, ("limit_page_length", "limit", "page_length"), DEFAULT_PAGE_LENGTH)
    length = MAX_PAGE_LENGTH if length <= 0 else min(length, MAX_PAGE_LENGTH)
    query = Query(where=where, order=order, offset=start, limit=length, with_count=False)
    return query, fields, empty
