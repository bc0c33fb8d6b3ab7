"""Attribute values read from and written to DynamoDB as PynamoDB reads and writes them, faster.

A list page reads a dozen values of every item it returns; a create writes every
attribute of its item, an update each one it changes. PynamoDB's own readers and
writers of dates (``strptime``-like parsing, ``strftime``) and numbers (``json``)
were most of that. Here each has a fast path for the one shape PynamoDB itself
writes, and hands everything else to PynamoDB (its values, its errors). Exact
attribute types only: a subclass may read or write its values its own way.
``tests/unit/test_storage.py`` holds each equal to PynamoDB's, failures included,
and a created item's Put equal to ``TransactWrite.save``'s.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import (
    Attribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import AttributeNullError
from pynamodb.models import Model

_NUMBER = NumberAttribute()
_DATETIME = UTCDateTimeAttribute()


def _utc_datetime(text: str) -> datetime:
    """``UTCDateTimeAttribute.deserialize``: its one format read by the C ISO parser (4x faster), anything
    else (another shape, a date before year 1000) by PynamoDB's own parser, with its own errors."""
    if (
        len(text) == 31
        and text[26:] == "+0000"
        and text[4] == text[7] == "-"
        and text[10] == "T"
        and text[11:13] != "24"  # newer fromisoformat reads 24:00 as the next midnight; PynamoDB refuses it
        and text[13] == text[16] == ":"
        and text[19] == "."
    ):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    return UTCDateTimeAttribute._fast_parse_utc_date_string(text)


def _number(text: str) -> Any:
    """``NumberAttribute.deserialize`` (``json.loads``): a plain whole number by ``int`` (6x faster)."""
    if text.isdigit() and text.isascii() and (len(text) == 1 or text[0] != "0"):
        return int(text)
    return _NUMBER.deserialize(text)


def _utc_text(value: datetime) -> str:
    """``UTCDateTimeAttribute.serialize`` (``strftime``): a UTC time from year 1000 on by ``isoformat``, whose
    text is the same (below 1000 strftime does not pad the year; PynamoDB pads it: its own writer)."""
    if value.tzinfo is UTC and value.year >= 1000:
        return value.isoformat(timespec="microseconds")[:-6] + "+0000"
    return _DATETIME.serialize(value)


def _number_text(value: Any) -> Any:
    """``NumberAttribute.serialize`` (``json.dumps``): an ``int`` (not a bool) by ``str``, the same text."""
    return str(value) if type(value) is int else _NUMBER.serialize(value)


_READ: dict[type, Callable[[Any], Any]] = {
    UTCDateTimeAttribute: _utc_datetime,
    NumberAttribute: _number,
    VersionAttribute: lambda text: int(_number(text)),  # VersionAttribute.deserialize: the number as an int
}
_WRITE: dict[type, Callable[[Any], Any]] = {
    UTCDateTimeAttribute: _utc_text,
    NumberAttribute: _number_text,
    VersionAttribute: lambda value: _number_text(int(value)),  # VersionAttribute.serialize: the number as an int
}


def reader(attribute: Attribute[Any]) -> Callable[[Any], Any]:
    """What reads ``attribute``'s stored values: a fast reader above for its exact type, else its own."""
    return _READ.get(type(attribute), attribute.deserialize)


def writer(attribute: Attribute[Any]) -> Callable[[Any], Any]:
    """What writes ``attribute``'s values (not None): a fast writer above for its exact type, else its own."""
    return _WRITE.get(type(attribute), attribute.serialize)


@functools.cache
def item_writer(model: type[Model]) -> Callable[[Model], dict[str, dict[str, Any]]]:
    """``item.serialize(null_check=True)`` for ``model``'s items, with the writers above.

    PynamoDB reads each attribute through its descriptor (~50 reads a movie); here the
    values come straight from the item's ``attribute_values``. A model with list or map
    attributes (their own null checks, nested) keeps PynamoDB's own.
    """
    attributes = model.get_attributes()
    if any(isinstance(a, (ListAttribute, MapAttribute)) for a in attributes.values()):
        return lambda item: item.serialize(null_check=True)
    plan = [
        (name, model._dynamo_to_python_attrs.get(a.attr_name, a.attr_name), a.attr_name, a.attr_type, writer(a), a.null)
        for name, a in attributes.items()
    ]

    def write(item: Model) -> dict[str, dict[str, Any]]:
        values = item.attribute_values
        out: dict[str, dict[str, Any]] = {}
        for name, stored_as, attr_name, attr_type, write_value, nullable in plan:
            value = values.get(stored_as)
            written = None if value is None else write_value(value)
            if written is None:
                if not nullable:
                    raise AttributeNullError(name)
                continue
            out[attr_name] = {attr_type: written}
        return out

    return write
