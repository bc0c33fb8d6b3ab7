"""DynamoDB's request validation that moto skips, so a fuzzer sees what DynamoDB would answer.

moto accepts requests DynamoDB refuses with a ``ValidationException`` (a 500 behind our API): key values
over 2048 bytes, numbers past 38 digits or 1e126, lone surrogates, ``BETWEEN`` with its bounds inverted,
``IN`` with more than 100 values, expressions over 4 KB. ``strict_dynamodb()`` checks every DynamoDB
request for these before moto sees it and raises the ``ClientError`` DynamoDB would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any
from unittest import mock

from botocore.client import BaseClient
from botocore.exceptions import ClientError

MAX_HASH_KEY = 2048
MAX_RANGE_KEY = 1024
MAX_EXPRESSION = 4096
MAX_IN_VALUES = 100
EXPRESSIONS = ("KeyConditionExpression", "FilterExpression", "ConditionExpression", "UpdateExpression")


def _invalid(message: str) -> ClientError:
    return ClientError({"Error": {"Code": "ValidationException", "Message": message}}, "DynamoDB")


def _number(text: str) -> None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _invalid(f"A value provided cannot be converted into a number: {text[:40]}") from None
    if not value.is_finite():
        raise _invalid("The parameter cannot be converted to a numeric value")
    if value.is_zero():
        return
    if len("".join(map(str, value.as_tuple().digits)).strip("0")) > 38:  # not normalize(): it rounds
        raise _invalid("Attempting to store more than 38 significant digits in a Number")
    if value.adjusted() > 125:
        raise _invalid("Number overflow. Attempting to store a number with magnitude larger than supported range")
    if value.adjusted() < -130:
        raise _invalid("Number underflow. Attempting to store a number with magnitude smaller than supported range")


def _value(av: Any) -> None:
    """One AttributeValue, recursively: numbers in range, text valid UTF-8."""
    if not isinstance(av, dict):
        return
    for kind, inner in av.items():
        if kind == "N":
            _number(inner)
        elif kind == "NS":
            for n in inner:
                _number(n)
        elif kind in ("S", "SS"):
            for s in [inner] if kind == "S" else inner:
                try:
                    s.encode("utf-8")
                except UnicodeEncodeError:
                    raise _invalid("One or more parameter values were invalid: a string is not valid UTF-8") from None
        elif kind == "L":
            for item in inner:
                _value(item)
        elif kind == "M":
            for item in inner.values():
                _value(item)


def _key_value(av: dict[str, Any], limit: int) -> None:
    _value(av)
    for kind in ("S", "B"):
        if kind in av:
            raw = av[kind]
            size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
            if size == 0:
                raise _invalid(
                    "One or more parameter values are not valid. The AttributeValue for a key attribute "
                    "cannot contain an empty string value."
                )
            if size > limit:
                raise _invalid(f"One or more parameter values were invalid: Size of key exceeds {limit} bytes")


def _keys(key: dict[str, Any] | None) -> None:
    for av in (key or {}).values():
        _key_value(av, MAX_HASH_KEY)


def _ordered(low: dict[str, Any], high: dict[str, Any]) -> bool:
    if "N" in low and "N" in high:
        return Decimal(low["N"]) <= Decimal(high["N"])
    if "S" in low and "S" in high:
        return low["S"].encode("utf-8") <= high["S"].encode("utf-8")
    return True


def _expressions(params: dict[str, Any]) -> None:
    values = params.get("ExpressionAttributeValues") or {}
    for av in values.values():
        _value(av)
    for name in EXPRESSIONS:
        text = params.get(name)
        if not text:
            continue
        if len(text.encode("utf-8")) > MAX_EXPRESSION:
            raise _invalid(f"Invalid {name}: The expression size exceeds 4 KB")
        for low, high in re.findall(r"BETWEEN\s+(:\w+)\s+AND\s+(:\w+)", text):
            if not _ordered(values[low], values[high]):
                raise _invalid(
                    f"Invalid {name}: The BETWEEN operator requires upper bound to be greater than or "
                    "equal to lower bound"
                )
        for operands in re.findall(r"\bIN\s*\(([^)]*)\)", text):
            if operands.count(",") + 1 > MAX_IN_VALUES:
                raise _invalid(f"Invalid {name}: The IN operator is provided with too many operands")
    condition = params.get("KeyConditionExpression")
    if condition:
        for position, placeholder in enumerate(re.findall(r":\w+", condition)):
            _key_value(values[placeholder], MAX_HASH_KEY if position == 0 else MAX_RANGE_KEY)


def check(operation: str, params: dict[str, Any]) -> None:
    """Raise what DynamoDB would for ``operation`` called with ``params`` (as botocore sends them)."""
    _expressions(params)
    _keys(params.get("Key"))
    _keys(params.get("ExclusiveStartKey"))
    for av in (params.get("Item") or {}).values():
        _value(av)
    for request in (params.get("RequestItems") or {}).values():
        for key in request.get("Keys", []) if isinstance(request, dict) else []:
            _keys(key)
    for item in params.get("TransactItems") or []:
        for inner in item.values():
            _keys(inner.get("Key"))
            for av in (inner.get("Item") or {}).values():
                _value(av)
            _expressions(inner)


@contextmanager
def strict_dynamodb() -> Iterator[list[str]]:
    """Validate every DynamoDB call as DynamoDB does; yields the refusals (each also raised to the caller)."""
    refused: list[str] = []
    original = BaseClient._make_api_call

    def call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            try:
                check(operation_name, api_params)
            except ClientError as exc:
                refused.append(f"{operation_name}: {exc.response['Error']['Message']}")
                raise
        return original(self, operation_name, api_params)

    with mock.patch.object(BaseClient, "_make_api_call", call):
        yield refused
