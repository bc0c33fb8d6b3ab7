"""DynamoDB's attribute values written and read as botocore does, without walking their shape per value.

botocore's JSON parser reads every attribute of every item through the model: for each
value it visits all ten members of ``AttributeValue`` (S, N, B, SS, NS, BS, M, L, NULL,
BOOL) to find the one present. A Query page of 11 movies took ~320 µs to parse against
~35 µs to decode its JSON; a list page reads five. Its serializer, shape by shape, took
~65 µs to write a create's transaction that ``json.dumps`` writes in ~14. Here a value
holding one known member is read (and written) directly: a scalar as it is, a blob through
botocore's own blob reader (base64 writer), a map or list member by member. Anything else
(no member, several, an unknown one, a null, a container of another kind) goes to
botocore's own code, so every answer parses, and every request is written, to exactly what
botocore makes of it (``tests/unit/test_attribute_values.py`` holds them equal, failures
included). A client gets these only when its model's ``AttributeValue`` is the one described.
"""

from __future__ import annotations

from typing import Any

import botocore.parsers
import botocore.serialize

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
            elif type(inner) is list and None not in inner:  # a null in a set: botocore's reading varies by version
                if kind is SCALARS:
                    return {member: list(inner)}
                if kind is LIST:
                    return {member: [self._attribute_value(shape, item) for item in inner]}
                if kind is BLOBS:
                    return {member: [self._blob_parser(item) for item in inner]}
        return self._handle_structure(shape, value)


class AttributeValueSerializer(botocore.serialize.JSONSerializer):
    """botocore's JSON serializer, writing maps of AttributeValue directly."""

    def _serialize_type_map(self, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        if type(value) is dict and shape.value.name == SHAPE:
            member = shape.value
            write = self._attribute_value
            serialized[key] = {name: write(member, item) for name, item in value.items()}
            return
        super()._serialize_type_map(serialized, value, shape, key)

    def _attribute_value(self, shape: Any, value: Any) -> Any:
        if type(value) is dict and len(value) == 1:
            ((member, inner),) = value.items()
            kind = _KIND.get(member)
            if kind is SCALAR:
                return {member: inner}
            if kind is BLOB:
                return {member: self._get_base64(inner)}
            if type(inner) is dict:
                if kind is MAP:
                    return {member: {name: self._attribute_value(shape, item) for name, item in inner.items()}}
            elif type(inner) is list:
                if kind is SCALARS:
                    return {member: list(inner)}
                if kind is LIST:
                    return {member: [self._attribute_value(shape, item) for item in inner]}
                if kind is BLOBS:
                    return {member: [self._get_base64(item) for item in inner]}
        written: dict[str, Any] = {}
        self._serialize(written, value, shape, "__current__")  # botocore's own, as its list writer calls it
        return written["__current__"]


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
    # Strings and booleans go and come back as they are only while botocore's JSON parser and
    # serializer have no reader or writer for them.
    as_they_are = not any(
        hasattr(botocore.parsers.JSONParser, f"_handle_{t}")
        or hasattr(botocore.serialize.JSONSerializer, f"_serialize_type_{t}")
        for t in ("string", "boolean")
    )
    expected = {name: (type_name, name) for name, (type_name, _) in MEMBERS.items()}
    return found == expected and nested == ("string", SHAPE, SHAPE, "string", "string", "blob") and as_they_are


def install(client: Any) -> bool:
    """Write ``client``'s requests and read its answers with the classes above, when its model allows;
    whether its answers are read so (its requests are written so only with validation off, as PynamoDB's)."""
    if not described(client.meta.service_model):
        return False
    if type(getattr(client, "_serializer", None)) is botocore.serialize.JSONSerializer:  # validation off (PynamoDB)
        client._serializer.__class__ = AttributeValueSerializer  # same state: a subclass with methods only
    endpoint = getattr(client, "_endpoint", None)
    own = getattr(endpoint, "_response_parser_factory", None)
    if own is not None and not isinstance(own, ParserFactory):
        endpoint._response_parser_factory = own = ParserFactory(own)
    return isinstance(own, ParserFactory)
