"""Validating a client's values against a declaration, as DRF's serializer fields do.

Writable fields are cleaned (type, range, blank), a writable relation is resolved to its
target's copied fields; read-only and unknown keys are ignored; every error is reported at
once, by field (``ValidationFailed``, each dialect's 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from .errors import BadQuery, ValidationFailed
from .registry import Field, Relation, Resource, coerce, find_resource

REQUIRED = "This field is required."
_ZERO_DECIMALS = re.compile(r"\.0*\s*$")


def _clean_value(f: Field, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, "This field may not be null."
    if f.type is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return None, "Not a valid string."
        value = str(value).strip()
        if not value:
            return None, "This field may not be blank."
        if f.max_length is not None and len(value) > f.max_length:
            return None, f"Ensure this field has no more than {f.max_length} characters."
        if f.min_length is not None and len(value) < f.min_length:
            return None, f"Ensure this field has at least {f.min_length} characters."
        return value, None
    if f.type is float:
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 40:
                raise ValueError
            number = float(value)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            return None, "A valid number is required."
        return _in_range(f, number)
    if f.type is bool:
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower() if isinstance(value, (str, int)) else ""
        if text in ("true", "1", "yes", "on"):
            return True, None
        if text in ("false", "0", "no", "off"):
            return False, None
        return None, "Must be a valid boolean."
    if f.type is datetime:
        try:
            if not isinstance(value, str) or len(value) > 40:
                raise ValueError
            return coerce(f, value), None
        except (ValueError, BadQuery):
            return (
                None,
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
            )
    if f.type is int:
        if isinstance(value, bool):
            return None, "A valid integer is required."
        try:
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                number = int(value)
            else:
                # DRF's IntegerField: "2016.0" is 2016 (trailing zero decimals are dropped), "2016.5" is not
                number = int(_ZERO_DECIMALS.sub("", str(value).strip())) if len(str(value)) < 20 else int("x")
        except (TypeError, ValueError):
            return None, "A valid integer is required."
        return _in_range(f, number)
    return None, "Unsupported field type."


def _in_range(f: Field, number: Any) -> tuple[Any, str | None]:
    if f.min_value is not None and number < f.min_value:
        return None, f"Ensure this value is greater than or equal to {f.min_value}."
    if f.max_value is not None and number > f.max_value:
        return None, f"Ensure this value is less than or equal to {f.max_value}."
    return number, None


def _clean_relation(relation: Relation, value: Any) -> tuple[Any, str | None]:
    """A writable relation is set by the target's id (or ``{"id": ...}``); its fields are copied from the target."""
    if value is None:
        return None, "This field may not be null."
    key = value.get("id") if isinstance(value, dict) else value
    if not isinstance(key, str) or not key or len(key) > 64:
        return None, f"Incorrect type. Expected pk value, received {type(key).__name__}."
    target = find_resource(relation.target)
    assert target is not None and target.model is not None and target.to_record
    try:
        record = target.to_record(target.model.get(key))
    except DoesNotExist:
        return None, f'Invalid pk "{key}" - object does not exist.'
    return {name: record.get(name) for name in relation.resolved}, None


def validate(resource: Resource, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Writable fields of ``data``, cleaned; read-only and unknown keys are ignored as DRF does.

    Relations first, then fields: the order their errors are reported in.
    """
    writable: list[tuple[str, Relation | Field, Callable[[Any, Any], tuple[Any, str | None]]]] = [
        *((name, r, _clean_relation) for name, r in resource.relations.items() if r.writable),
        *((name, f, _clean_value) for name, f in resource.fields.items() if f.writable),
    ]
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, declared, clean_one in writable:
        if name not in data:
            if declared.required and not partial:
                errors[name] = [REQUIRED]
            continue
        value, error = clean_one(declared, data[name])
        if error:
            errors[name] = [error]
        else:
            clean[name] = value
    if errors:
        raise ValidationFailed(errors)
    return clean
