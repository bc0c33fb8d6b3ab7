"""Condition and update expressions written out as PynamoDB writes them, for the hot writes.

PynamoDB builds an expression as a tree of operand, condition and action objects,
then serialises it; for an UpdateItem of a dozen attributes that was ~30% of the
request's own CPU (``guarded.update``). Here the same text comes straight from
the placeholders, in PynamoDB's numbering: names numbered on first use (``#0``,
``#1``, ... and reused), every value its own (``:0``, ``:1``, ...), the condition
before the update. Values are serialised as PynamoDB serialises them (``Value``,
the model's attributes, ``stored_values``' writers). ``tests/unit/test_storage.py`` holds every resource's
requests equal to what ``TableConnection.get_operation_kwargs`` builds.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.constants import LIST, MAP
from pynamodb.expressions.operand import Value

from .stored_values import writer


class Placeholders:
    """The names and values of one request, numbered as PynamoDB numbers them."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self.values: dict[str, dict[str, Any]] = {}

    def name(self, attribute: Attribute[Any]) -> str:
        """``#n`` for a top-level attribute (the first number it got in this request)."""
        attr_name = attribute.attr_name
        placeholder = self._names.get(attr_name)
        if placeholder is None:
            placeholder = self._names[attr_name] = f"#{len(self._names)}"
        return placeholder

    def value(self, serialized: dict[str, Any]) -> str:
        placeholder = f":{len(self.values)}"
        self.values[placeholder] = serialized
        return placeholder

    def equals(self, attribute: Attribute[Any], value: Any) -> str:
        """``attribute == value`` as a condition."""
        return f"{self.name(attribute)} = {self.value(serialize(attribute, value))}"

    def exists(self, attribute: Attribute[Any]) -> str:
        return f"attribute_exists ({self.name(attribute)})"

    def absent(self, attribute: Attribute[Any]) -> str:
        return f"attribute_not_exists ({self.name(attribute)})"

    def kwargs(self) -> dict[str, Any]:
        """``ExpressionAttributeNames`` and ``ExpressionAttributeValues``, as far as any were used."""
        out: dict[str, Any] = {}
        if self._names:
            out["ExpressionAttributeNames"] = {p: n for n, p in self._names.items()}
        if self.values:
            out["ExpressionAttributeValues"] = self.values
        return out


def serialize(attribute: Attribute[Any], value: Any) -> dict[str, Any]:
    """``{type: value}`` as PynamoDB's ``Value`` makes it (``None`` is ``NULL``; lists and maps as it wraps them).

    A scalar is ``Value``'s own last branch, taken directly (the class costs about three times the
    serialisation), with the attribute's writer (``stored_values``: dates and numbers written faster).
    """
    if value is not None and attribute.attr_type not in (LIST, MAP) and not isinstance(value, dict):
        return {attribute.attr_type: writer(attribute)(value)}
    return Value(value, attribute=attribute).value


def all_of(clauses: list[str]) -> str:
    """Conditions joined as ``a & b & c`` serialises: ``((a AND b) AND c)``."""
    condition = clauses[0]
    for clause in clauses[1:]:
        condition = f"({condition} AND {clause})"
    return condition


def update(
    slots: Placeholders, sets: list[tuple[Attribute[Any], Any, bool]], adds: list[tuple[Attribute[Any], Any]]
) -> str:
    """``SET …, REMOVE …, ADD …`` for ``sets`` (attribute, value, only if absent) and ``adds``.

    As ``Path.set``: a value whose attribute serialises it to nothing (an empty set) is a REMOVE.
    """
    assignments: list[str] = []
    removed: list[Attribute[Any]] = []
    for attribute, value, if_absent in sets:
        serialized = serialize(attribute, value)
        if not if_absent and next(iter(serialized.values())) is None:
            removed.append(attribute)
        elif if_absent:
            name = slots.name(attribute)
            assignments.append(f"{name} = if_not_exists ({name}, {slots.value(serialized)})")
        else:
            assignments.append(f"{slots.name(attribute)} = {slots.value(serialized)}")
    clauses = []
    if assignments:
        clauses.append("SET " + ", ".join(assignments))
    if removed:
        clauses.append("REMOVE " + ", ".join(slots.name(a) for a in removed))
    if adds:
        clauses.append("ADD " + ", ".join(f"{slots.name(a)} {slots.value(serialize(a, v))}" for a, v in adds))
    return " ".join(clauses)
