"""Aggregates over the items of a resource that match a filter: SQL's COUNT/SUM/AVG/MIN/MAX and GROUP BY.

Flask-Restless's ``/api/eval`` and Frappe's aggregate ``fields`` with
``group_by`` both read through here: the matching items come from the planner
(within its read budget), a bare total from the counters.
"""

from __future__ import annotations

from typing import Any

from . import planner
from .accounts import Principal
from .permissions import check
from .query import Node, Query, bind, value_at
from .registry import Resource


def _number(value: Any) -> float | int:
    """SQL's arithmetic on a value: numbers as they are, anything else as 0.0 (SQLite's cast of text)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _compute(records: list[dict[str, Any]], functions: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """SQL's aggregates over ``records``: ``count`` of non-null values (``*``: of rows), sum/avg/min/max."""
    out: dict[tuple[str, str], Any] = {}
    for name, field in functions:
        if field == "*":
            out[name, field] = len(records)
            continue
        values = [v for v in (value_at(r, field) for r in records) if v is not None]
        if name == "count":
            out[name, field] = len(values)
        elif not values:
            out[name, field] = None
        elif name == "sum":
            out[name, field] = sum(_number(v) for v in values)
        elif name == "avg":
            out[name, field] = sum(_number(v) for v in values) / len(values)
        elif name == "min":
            out[name, field] = min(values)
        elif name == "max":
            out[name, field] = max(values)
    return out


def aggregate(
    resource: Resource, where: Node | None, functions: list[tuple[str, str]], principal: Principal | None
) -> dict[str, Any]:
    """``{"avg__year": ..., "count__id": ...}`` over the objects matching ``where``.

    A bare count uses the counter item; anything else reads the matching items
    (within the planner's read budget).
    """
    check(resource, "GET", principal)
    assert resource.to_record
    if where is None and all(name == "count" for name, _ in functions):
        total = planner.run(resource, Query(limit=0)).count or 0
        return {f"{name}__{field.replace('.', '__')}": total for name, field in functions}
    items, _ = planner.all_matching(resource, where)
    values = _compute([resource.to_record(i) for i in items], functions)
    return {f"{name}__{field.replace('.', '__')}": values[name, field] for name, field in functions}


Group = tuple[tuple[Any, ...], dict[tuple[str, str], Any]]


def grouped(
    resource: Resource,
    where: Node | None,
    group_by: list[str],
    functions: list[tuple[str, str]],
    principal: Principal | None,
) -> list[Group]:
    """SQL's ``GROUP BY``: per distinct value of ``group_by`` (one group when empty), the aggregates.

    ``where`` is bound against the declaration here; the groups come in the
    order their first member was read.
    """
    check(resource, "GET", principal)
    assert resource.to_record
    bound = bind(resource, where)
    items, _ = planner.all_matching(resource, bound)
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for item in items:
        record = resource.to_record(item)
        groups.setdefault(tuple(value_at(record, f) for f in group_by), []).append(record)
    if not group_by and not groups:
        groups[()] = []  # an aggregate over no rows is still one row (count 0, the others null)
    return [(values, _compute(records, functions)) for values, records in groups.items()]
