"""Frappe's list parameters, translated to the core query, and the list itself.

``fields`` (JSON list, JSON string or comma string, ``*``, ``field as alias``,
aggregates ``count(name) as n``, ``sum/avg/min/max(field)``), ``group_by``,
``filters`` and ``or_filters`` (``[[f, op, v], [doctype, f, op, v], {f: v},
{f: [op, v]}]``), ``order_by``, ``limit_start``/``limit_page_length`` and
``as_dict``. The same arguments arrive as query parameters on
``/api/resource/<DocType>`` and as the query or body of
``frappe.client.get_list``, so they are read from a mapping. Field names a
DocType does not declare, or declares hidden, are refused the way Frappe
refuses them: 417 ``DataError: Field not permitted in query: <field>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from ... import aggregates, resources
from ...accounts import Principal
from ...errors import BadQuery
from ...http import JSONTooDeep, loads_json
from ...query import Cond, Node, Or, Order, Query, all_of, matches
from ...registry import Field, coerce
from .doctypes import DocType, format_value
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


Args = Mapping[str, Any]


def parse_json(args: Args, name: str) -> Any:
    """``frappe.parse_json``: a string argument holding JSON is decoded; anything else is as sent."""
    raw = args.get(name)
    if not isinstance(raw, str):
        return raw
    if not raw.strip():
        return None
    if len(raw) > MAX_PARAM_CHARS:
        raise FrappeError(f"{name} is too long (at most {MAX_PARAM_CHARS} characters)")
    try:
        return loads_json(raw)
    except JSONTooDeep as exc:
        raise FrappeError(f"{name} is nested too deeply ({exc})") from None
    except ValueError:
        raise FrappeError(f"{name} must be valid JSON") from None


_ALIAS = re.compile(r"^\s*(?P<field>\S+)\s+as\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]{0,63})\s*$", re.IGNORECASE)
_AGGREGATE = re.compile(
    r"^\s*(?P<fn>count|sum|avg|min|max)\s*\(\s*(?P<field>\*|[`A-Za-z_][`A-Za-z0-9_.]{0,100})\s*\)"
    r"(?:\s+as\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]{0,63}))?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Column:
    """One requested column: a field, or an aggregate (``fn``) of a field (``*`` for rows)."""

    fieldname: str
    key: str
    fn: str | None = None


def _column(doctype: DocType, item: Any) -> Column:
    if isinstance(item, str) and (m := _AGGREGATE.match(item)):
        fn, raw = m.group("fn").lower(), m.group("field")
        fieldname = "*" if raw == "*" else _fieldname(doctype, raw)
        if fieldname != "*":
            _permit(doctype, fieldname, "read")
        return Column(fieldname, m.group("alias") or f"{fn}({raw.replace('`', '')})", fn)
    alias = None
    if isinstance(item, str) and (m := _ALIAS.match(item)):
        item, alias = m.group("field"), m.group("alias")
    fieldname = _fieldname(doctype, item)
    _permit(doctype, fieldname, "read")
    return Column(fieldname, alias or fieldname)


def parse_columns(doctype: DocType, raw: Any) -> list[Column]:
    """``fields`` → columns: a JSON list, a JSON string (``"*"``) or a comma string; ``*`` is every field."""
    if raw is None or raw == "":
        return [Column("name", "name")]
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith(("[", '"')):
            try:
                raw = loads_json(text)  # frappe.parse_json, depth-capped
            except JSONTooDeep as exc:
                raise FrappeError(f"fields is nested too deeply ({exc})") from None
            except ValueError:
                raise FrappeError("fields must be valid JSON") from None
    if isinstance(raw, str):
        items: list[Any] = [part for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list):
        items = raw
    else:
        raise FrappeError("fields must be a JSON list of field names")
    if len(items) > MAX_FIELDS:
        raise FrappeError(f"At most {MAX_FIELDS} fields may be requested")
    out: list[Column] = []
    for item in items:
        if isinstance(item, str) and item.strip() in ("*", f"`tab{doctype.name}`.*", f"tab{doctype.name}.*"):
            out.extend(Column(f, f) for f in doctype.doc_fields if _readable(doctype, f))
            continue
        out.append(_column(doctype, item))
    return out or [Column("name", "name")]


def parse_fields(doctype: DocType, raw: Any) -> list[tuple[str, str]]:
    """``fields`` → ``[(fieldname, output key)]`` for plain fields (aggregates need :func:`parse_columns`)."""
    columns = parse_columns(doctype, raw)
    if any(c.fn for c in columns):
        raise FrappeError("Aggregate fields need a list request (with group_by for other fields)")
    return [(c.fieldname, c.key) for c in columns]


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


def _int_param(args: Args, names: Sequence[str], default: int) -> int:
    for name in names:
        raw = args.get(name)
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip():
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


def _group_by(doctype: DocType, raw: Any) -> list[str]:
    """``group_by`` → fieldnames (``genre``, ```tabMovie`.`genre```, comma-separated)."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, str):
        raise FrappeError("group_by must be a field name")
    names = [_fieldname(doctype, part) for part in raw.split(",") if part.strip()]
    if len(names) > 5:
        raise FrappeError("At most 5 group_by fields are allowed")
    for name in names:
        _permit(doctype, name, "filter")
    return names


@dataclass
class Listing:
    """A parsed list request: the core query, its columns, grouping, and whether nothing can match."""

    query: Query
    columns: list[Column]
    group_by: list[str]
    empty: bool
    order_text: str | None

    @property
    def fields(self) -> list[tuple[str, str]]:
        return [(c.fieldname, c.key) for c in self.columns]

    @property
    def aggregated(self) -> bool:
        return bool(self.group_by) or any(c.fn for c in self.columns)


def parse_listing(doctype: DocType, args: Args) -> Listing:
    """Frappe's list arguments (query parameters or a method's form_dict) → a :class:`Listing`."""
    columns = parse_columns(doctype, args.get("fields"))
    group_by = _group_by(doctype, args.get("group_by"))
    if group_by or any(c.fn for c in columns):
        for column in columns:
            if column.fn is None and column.fieldname not in group_by:
                raise FrappeError(f"Field {column.fieldname} must be in group_by or inside an aggregate")
    filters = parse_filters(doctype, parse_json(args, "filters"))
    or_filters = parse_filters(doctype, parse_json(args, "or_filters"))
    if len(filters) + len(or_filters) > MAX_FILTERS:
        raise FrappeError(f"At most {MAX_FILTERS} filters are allowed")
    where, empty = combine(filters, or_filters)
    order_text = args.get("order_by") if isinstance(args.get("order_by"), str) else None
    grouped = bool(group_by) or any(c.fn for c in columns)
    order = () if grouped else parse_order_by(doctype, order_text)
    start = _int_param(args, ("limit_start", "start"), 0)
    if start < 0:
        raise FrappeError("limit_start must not be negative")
    length = _int_param(args, ("limit_page_length", "limit", "page_length"), DEFAULT_PAGE_LENGTH)
    length = MAX_PAGE_LENGTH if length <= 0 else min(length, MAX_PAGE_LENGTH)
    query = Query(where=where, order=order, offset=start, limit=length, with_count=False)
    return Listing(query, columns, group_by, empty, order_text)


def build_query(doctype: DocType, args: Args) -> tuple[Query, list[tuple[str, str]], bool]:
    """The core Query for a list request without aggregates, its output fields, and whether nothing can match."""
    listing = parse_listing(doctype, args)
    if listing.aggregated:
        raise FrappeError("Aggregate fields are not allowed here")
    return listing.query, listing.fields, listing.empty


def _group_order(listing: Listing, doctype: DocType) -> list[tuple[str, bool]]:
    """``order_by`` of a grouped list: output keys (aliases, group fields); default the group fields ascending."""
    text = (listing.order_text or "").strip()
    if not text or text.lower() == DEFAULT_ORDER_BY:
        return [(c.key, False) for c in listing.columns if c.fn is None]
    keys = {c.key for c in listing.columns} | {c.fieldname for c in listing.columns if c.fn is None}
    order = []
    for term in (t.strip() for t in text.split(",") if t.strip()):
        words = term.replace("`", "").split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise not_permitted_field(term)
        name = words[0].removeprefix(f"tab{doctype.name}.")
        if name not in keys:
            raise not_permitted_field(term)
        order.append((name, len(words) == 2 and words[1].lower() == "desc"))
    return order


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)  # NULLs first, as MariaDB sorts them ascending


def _path(doctype: DocType, column: Column) -> str:
    """The record path an aggregate reads (``*``: rows; a constant column counts rows too)."""
    return "*" if column.fieldname == "*" else str(doctype.fields[column.fieldname] or "*")


def _grouped_rows(doctype: DocType, listing: Listing, principal: Principal) -> list[dict[str, Any]]:
    """SQL's ``SELECT <group fields>, <aggregates> ... GROUP BY``: one row per group, ordered, then paged."""
    grouped_fields = [f for f in listing.group_by if doctype.fields[f]]
    functions = sorted({(str(c.fn), _path(doctype, c)) for c in listing.columns if c.fn})
    groups = aggregates.grouped(
        doctype.resource, listing.query.where, [str(doctype.fields[f]) for f in grouped_fields], functions, principal
    )
    rows: list[dict[str, Any]] = []
    for values, computed in groups:
        group = dict(zip(grouped_fields, values, strict=True))
        rows.append(
            {
                c.key: format_value(computed[c.fn, _path(doctype, c)])
                if c.fn
                else format_value(group.get(c.fieldname, 0))
                for c in listing.columns
            }
        )
    for key, descending in reversed(_group_order(listing, doctype)):
        rows.sort(key=lambda r, k=key: _sortable(r.get(k)), reverse=descending)
    start, length = listing.query.offset, listing.query.limit or MAX_PAGE_LENGTH
    return rows[start : start + length]


def list_rows(doctype: DocType, args: Args, principal: Principal) -> list[Any]:
    """The rows of a list request: dicts, or lists with ``as_dict=0`` (Frappe's ``as_list``)."""
    listing = parse_listing(doctype, args)
    if listing.empty:
        rows: list[dict[str, Any]] = []
    elif listing.aggregated:
        rows = _grouped_rows(doctype, listing, principal)
    else:
        records = resources.search(doctype.resource, listing.query, principal).records
        rows = [{key: doctype.value(r, f) for f, key in listing.fields} for r in records]
    as_dict = args.get("as_dict")
    if as_dict is False or (isinstance(as_dict, str) and not sbool(as_dict, True)) or as_dict == 0:
        return [list(r.values()) for r in rows]
    return rows
