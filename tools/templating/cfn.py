"""CloudFormation vocabulary shared by every part: logical ids and short-form intrinsics.

Names are derived from operation and table keys in one place, so a function's
policies, the Globals variables and the Outputs can never spell an id differently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

API = "MoviesApi"
LAYER_ID = "CoreLayer"
SECRET = "JwtSecret"


@dataclass(frozen=True)
class Tag:
    """A CloudFormation short-form intrinsic: ``Tag("Ref", "X")`` is ``!Ref X``."""

    name: str
    value: Any


def ref(logical_id: str) -> Tag:
    """``!Ref logical_id``."""
    return Tag("Ref", logical_id)


def to_cfn(value: Any) -> Any:
    """The value as a YAML loader returns it: tags become ``{"Ref": ...}`` / ``{"Fn::If": ...}``."""
    if isinstance(value, Tag):
        key = "Ref" if value.name == "Ref" else f"Fn::{value.name}"
        return {key: to_cfn(value.value)}
    if isinstance(value, Mapping):
        return {k: to_cfn(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_cfn(v) for v in value]
    return value


def camel(name: str) -> str:
    """``resource_list`` → ``ResourceList``; ``frappe.auth.get_logged_user`` → ``FrappeAuthGetLoggedUser``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def function_id(operation: str) -> str:
    """The logical id of an operation's function (``resource_list`` → ``ResourceListFunction``)."""
    return f"{camel(operation)}Function"


def table_id(key: str) -> str:
    """The logical id of a table, by its key (``movies`` → ``MoviesTable``)."""
    return f"{camel(key)}Table"


def event_name(source: str, pattern: str, method: str) -> str:
    """A stable, alphanumeric event name: dialect + path words + method (``DrfApiV1CollectionGet``)."""
    return camel(source) + camel(pattern) + camel(method.lower())
