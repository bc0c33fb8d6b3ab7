"""DynamoDB's answers parsed as botocore parses them, without walking AttributeValue's shape per value.

botocore's JSON parser reads every attribute of every item through the model: for each
value it visits all ten members of ``AttributeValue`` (S, N, B, SS, NS, BS, M, L, NULL,
BOOL) to find the one present. A Query page of 11 movies took ~320 µs to parse against
~35 µs to decode its JSON; a list page reads five. Here a value holding one known member
is read directly: a scalar as it came, a blob through the parser's own blob reader, a map
or list member by member. Anything else (no member, several, an unknown one, a null, a
container of the wrong kind) goes to botocore's own code, so every answer parses to what
botocore would return (``tests/unit/test_attribute_values.py`` holds them equal). The
client gets this parser only when its model's ``AttributeValue`` is the one described.
"""

from __future__ import annotations

from typing import Any

import botocore.parsers

# AttributeValue's members, by how their value is read (each member's shape type in botocore's model).
SCALAR, BLOB, SCALARS, BLOBS, MAP, LIST = range(6)
MEMBERS = {
    "S": ("string", SCALAR),
    "N": ("string", SCALAR),
    "B": ("blob", BLOB),
    "SS": ("list", SCALARS),
    "NS": ("list", SCALARS),
    "BS": ("list", BLOBS),
    "M": ("map", MAP),
    "L": ("list", LIST),
    "NULL": ("boolean", SCALAR),
    "BOOL": ("boolean", SCALAR),
}
_KIND = {member: kind for member, (_, kind) in MEMBERS.items()}
SHAPE = "AttributeValue"


class AttributeValueParser(botocore.parsers.JSONParser):
    """botocore's JSON parser, reading maps of AttributeValue directly."""

    def _handle_map(self, shape: Any, value: Any) -> Any:
        if type(value) is dict and shape.value.name == SHAPE:
            member = shape.value
            read = self._attribute_value
            return {key: read(member, item) for key, item in value.items()}
        return super()._handle_map(shape, value)

    def _attribute_value(self, shape: Any, value: Any) -> Any:
        if type(value) is dict and len(value) == 1:
            ((member, inner),) = value.items()
            kind = _KIND.get(member)
            if inner is None or kind is None:
                pass
            elif kind is SCALAR:
                return {member: inner}
            elif kind is BLOB:
                return {member: self._blob_parser(inner)}
            elif type(inner) is dict:
                if kind is MAP:
                    return {member: {key: self._attribute_value(shape, item) for key, item in inner.items()}}
            elif type(inner) is list:
                if kind is SCALARS:
                    return {member: list(inner)}
                if kind is LIST:
                    return {member: [None if item is None else self._attribute_value(shape, item) for item in inner]}
                if kind is BLOBS:
                    return {member: [None if item is None else self._blob_parser(item) for item in inner]}
        return self._handle_structure(shape, value)


class ParserFactory:
    """botocore's parser factory, with ``AttributeValueParser`` where it would make a ``JSONParser``."""

    def __init__(self, own: Any) -> None:
        self._own = own

    def create_parser(self, protocol_name: str) -> Any:
        parser = self._own.create_parser(protocol_name)
        defaults = getattr(self._own, "_defaults", None)
        if type(parser) is botocore.parsers.JSONParser and isinstance(defaults, dict):
            return AttributeValueParser(**defaults)
        return parser


def described(service_model: Any) -> bool:
    """Whether this model's AttributeValue is the one ``AttributeValueParser`` reads (else: botocore's)."""
    try:
        members = service_model.shape_for(SHAPE).members
        found = {name: (m.type_name, m.serialization.get("name", name)) for name, m in members.items()}
        nested = (
            members["M"].key.type_name,
            members["M"].value.name,
            members["L"].member.name,
            members["SS"].member.type_name,
            members["NS"].member.type_name,
            members["BS"].member.type_name,
        )
    except Exception:
        return False
    # Strings and booleans come back as they came only while botocore's JSON parser has no reader for them.
    as_they_came = not any(hasattr(botocore.parsers.JSONParser, f"_handle_{t}") for t in ("string", "boolean"))
    expected = {name: (type_name, name) for name, (type_name, _) in MEMBERS.items()}
    return found == expected and nested == ("string", SHAPE, SHAPE, "string", "string", "blob") and as_they_came


def install(client: Any) -> None:
    """Parse ``client``'s answers with ``AttributeValueParser`` when its model allows."""
    endpoint = getattr(client, "_endpoint", None)
    own = getattr(endpoint, "_response_parser_factory", None)
    if own is None or isinstance(own, ParserFactory) or not described(client.meta.service_model):
        return
    endpoint._response_parser_factory = ParserFactory(own)
