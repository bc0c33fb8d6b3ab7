"""Renderers: one class per representation (media type, format name, render).

The negotiation module picks one per request; every response, errors included,
goes through a renderer. Negotiation needs only each renderer's media type and
format, so the HTML pages (``browsable.py``) and the ``csv`` module are imported
at the first response that uses them, not at cold start.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json(data: Any, *, indent: int | None = None) -> str:
    if indent:
        return json.dumps(data, ensure_ascii=False, indent=indent, default=_default)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default)


class Renderer:
    """One representation. ``render`` gets the response data and a context holding the
    ``request``, the ``status`` and the response ``headers`` dict, to which a renderer
    may add (a CSP nonce, a ``Link`` header).
    """

    media_type: ClassVar[str]
    format: ClassVar[str]
    charset: ClassVar[str | None] = "utf-8"

    def render(self, data: Any, context: dict[str, Any]) -> str | bytes:
        raise NotImplementedError

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset={self.charset}" if self.charset else self.media_type


class JSONRenderer(Renderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, context: dict[str, Any]) -> str:
        return "" if data is None else to_json(data)


class BrowsableAPIRenderer(Renderer):
    """``.api`` (and a browser's ``Accept: text/html``): the interactive page, JSON view first."""

    media_type = "text/html"
    format = "api"
    charset = "utf-8"
    default_view = "json"

    def render(self, data: Any, context: dict[str, Any]) -> str:
        from .browsable import render_page

        return render_page(data, context, self.default_view)


class HTMLRenderer(BrowsableAPIRenderer):
    """``.html``: the same page with the table view first, for reading rather than debugging.

    DRF splits HTML into a template renderer and the browsable API; here both are one
    page (the issue asks ``.html`` to be browsable too) and differ in the default tab.
    """

    format = "html"
    default_view = "table"


# ------------------------------------------------------------------ CSV

# Envelopes whose list is the payload: DRF's page, Flask-Restless's page, Frappe's list.
LIST_KEYS = ("results", "objects", "data")
LIST_SEPARATOR = "; "
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def rows_of(data: Any) -> list[Any]:
    """The objects a tabular representation shows: a page's list, a list, or one object."""
    if isinstance(data, Mapping):
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                return list(data[key])
        return [data]
    if isinstance(data, list | tuple):
        return list(data)
    return [] if data is None else [{"value": data}]


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``{"creator": {"username": "a"}}`` → ``("creator.username", "a")``; scalars keep their key."""
    if isinstance(value, Mapping):
        if not value and prefix:
            yield prefix, ""
        for key, inner in value.items():
            yield from flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix or "value", value


def cell_text(value: Any) -> str:
    """One cell: lists of scalars joined with ``; ``, nested lists/objects as JSON, no ``None``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return _default(value) if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, int | float | Decimal | str):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if all(not isinstance(v, Mapping | list | tuple) for v in items):
            return LIST_SEPARATOR.join(cell_text(v) for v in items)
    return to_json(value)


def table_of(data: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns (first-seen order over all rows) and flattened rows of ``data``."""
    columns: dict[str, None] = {}
    rows: list[dict[str, Any]] = []
    for obj in rows_of(data):
        row = dict(flatten(obj))
        columns.update(dict.fromkeys(row))
        rows.append(row)
    return list(columns), rows


class CSVRenderer(Renderer):
    """``text/csv``: a header row, then one row per object (a page renders its list).

    Nested objects become ``creator.username`` columns; text cells that a spreadsheet
    would evaluate as a formula get a leading ``'`` (OWASP's CSV-injection advice).
    A paginated list's next/previous links move to a ``Link`` header.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, context: dict[str, Any]) -> str:
        columns, rows = table_of(data)
        if isinstance(data, Mapping):
            links = [
                f'<{data[rel]}>; rel="{name}"'
                for rel, name in (("next", "next"), ("previous", "prev"))
                if isinstance(data.get(rel), str) and any(k in data for k in LIST_KEYS)
            ]
            if links and isinstance(context.get("headers"), dict):
                context["headers"]["Link"] = ", ".join(links)
        if not columns:
            return ""
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_safe_cell(cell_text(row.get(c))) if c in row else "" for c in columns])
        return out.getvalue()


def _safe_cell(text: str) -> str:
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
