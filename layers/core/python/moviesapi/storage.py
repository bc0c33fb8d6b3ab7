"""How a declared resource is stored: its PynamoDB model, derived from the declaration.

One table per resource. Each declared field is an attribute; a ``search``
field gets a lower-cased shadow; a relation is denormalised into
``<relation>_<field>`` attributes; every distinct access path is a global
secondary index (a constant ``listing`` partition for "everything in this
order", write-sharded as ``<resource>#<k>`` and merged on read; a
``<field>_key`` sort key of ``value#id`` so ties keep a stable order);
``version`` guards every write (optimistic locking). The template, ``make run``
and the tests create tables from these same models.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.constants import NULL
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from . import stored_values
from .ids import new_id
from .models import StoredModel, utcnow
from .settings import get_settings, table_name
from .writes import CALL_RETRIES

if TYPE_CHECKING:
    from .registry import AccessPath, Field, Resource

PARTITION_ATTRIBUTE = "listing"
# A constant partition takes about 1,000 writes/s on DynamoDB: items spread over this many shards
# (``<resource>#<k>``, k fixed by the item's id) take 4,000/s; a page then reads about 4 items more.
LISTING_SHARDS = 4
VERSION_ATTRIBUTE = "version"
_ATTRIBUTE_TYPES: dict[type, type[Attribute[Any]]] = {
    str: UnicodeAttribute,
    int: NumberAttribute,
    float: NumberAttribute,
    bool: BooleanAttribute,
    datetime: UTCDateTimeAttribute,
}


# DynamoDB's limits on values (a partition key at most 2048 bytes, a sort key 1024, a key never empty; a
# number at most 38 significant digits, magnitude 1e-130..<1e126; text valid UTF-8). A request carrying a
# value outside them fails with a ValidationException, so nothing sends one (the planner, key lookups).
MAX_HASH_KEY_BYTES = 2048
MAX_RANGE_KEY_BYTES = 1024
_MAX_NUMBER_BITS = 420  # 2**420 > 1e126: a cheap bound before any decimal conversion


def storable_number(value: int | float | Decimal) -> bool:
    """Whether DynamoDB can hold ``value`` as a number (``year == 10**200`` cannot be sent)."""
    if isinstance(value, int) and value.bit_length() > _MAX_NUMBER_BITS:
        return False
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        return False
    if not number.is_finite():
        return False
    if number.is_zero():
        return True
    significant = "".join(map(str, number.as_tuple().digits)).strip("0")  # not normalize(): it rounds to 28
    return len(significant) <= 38 and -130 <= number.adjusted() <= 125


def sendable(value: Any, key_bytes: int | None = None) -> bool:
    """Whether DynamoDB accepts ``value`` in a request; ``key_bytes``: as a key value of at most that many bytes.

    Lists and tuples are sendable (never as a key) when every element is.
    """
    if isinstance(value, (list, tuple)):
        return key_bytes is None and all(sendable(v) for v in value)
    if value is None or isinstance(value, (bool, datetime)):
        return key_bytes is None or isinstance(value, datetime)
    if isinstance(value, (int, float, Decimal)):
        return storable_number(value)
    if isinstance(value, str):
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate
            return False
        return key_bytes is None or 0 < size <= key_bytes
    if isinstance(value, bytes):
        return key_bytes is None or 0 < len(value) <= key_bytes
    return True


def time_key(value: Any, item_id: str) -> str:
    """A sort key ordering by ``value`` (a timestamp or text), ties broken by id."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
        # strftime's "%Y-%m-%dT%H:%M:%S.%fZ", 4x faster; strftime itself below year 1000 (it does not pad %Y)
        if value.year >= 1000:
            value = value.isoformat(timespec="microseconds")[:-6] + "Z"
        else:
            value = value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{value}#{item_id}"


def _class_name(name: str) -> str:
    return "".join(part.title() for part in re.split(r"\W|_", name) if part)


def _attribute(f: Field, **options: Any) -> Attribute[Any]:
    try:
        return _ATTRIBUTE_TYPES[f.type](**options)
    except KeyError:
        raise ValueError(f"Field {f.name!r}: no stored type for {f.type.__name__}") from None


def _key_attribute(resource: Resource, path: AccessPath) -> tuple[str | None, Field | None]:
    """The sort-key attribute of ``path``'s index and the field behind it."""
    if path.range_field:
        f = resource.field_at(path.range_field)
        assert f is not None, f"{resource.name}.{path.name}: unknown range field {path.range_field!r}"
        return f.attribute, f
    if path.order_field:
        f = resource.field_at(path.order_field)
        assert f is not None, f"{resource.name}.{path.name}: unknown order field {path.order_field!r}"
        if f.type in (int, float) or path.order_field == resource.key:  # numbers, or the (unique) key itself
            return f.attribute, f
        return f"{f.attribute}_key", f
    return None, None


_LAYOUTS: dict[int, tuple[Resource, dict[str, dict[str, Any]]]] = {}


def _index_layout(resource: Resource) -> dict[str, dict[str, Any]]:
    """Each index (first access path of a name): hash attribute/field, sort attribute/field.

    Derived once per declaration (every write asks, several times): a declaration's access
    paths and fields are fixed when it is made, and its model is built from this layout.
    The entry holds the resource, so its id names no other while it is kept.
    """
    cached = _LAYOUTS.get(id(resource))
    if cached is None:
        cached = _LAYOUTS[id(resource)] = (resource, _derive_layout(resource))
    return cached[1]


def _derive_layout(resource: Resource) -> dict[str, dict[str, Any]]:
    layout: dict[str, dict[str, Any]] = {}
    for path in resource.access_paths:
        if path.name in layout:
            continue
        if path.hash_field is None:
            hash_attr, hash_field = PARTITION_ATTRIBUTE, None
        else:
            hash_field = resource.field_at(path.hash_field)
            assert hash_field is not None, f"{resource.name}.{path.name}: unknown hash field {path.hash_field!r}"
            hash_attr = hash_field.attribute
        range_attr, range_field = _key_attribute(resource, path)
        layout[path.name] = {
            "hash": hash_attr,
            "hash_field": hash_field,
            "range": range_attr,
            "range_field": range_field,
            "derived_range": bool(range_attr and range_field is not None and range_attr != range_field.attribute),
        }
    return layout


def build_model(resource: Resource) -> type[Model]:
    """A PynamoDB model for ``resource``: fields, shadows, relations, indexes, version."""
    settings = get_settings()
    meta = type(
        "Meta",
        (),
        {
            "table_name": table_name(resource.name),
            "region": settings.region,
            "host": settings.dynamodb_endpoint,
            "billing_mode": "PAY_PER_REQUEST",
            "max_retry_attempts": CALL_RETRIES,
        },
    )
    attrs: dict[str, Any] = {"Meta": meta, "__module__": __name__}
    for f in resource.fields.values():
        if f.name == resource.key:
            attrs[f.attribute] = UnicodeAttribute(hash_key=True)
            continue
        attrs[f.attribute] = _attribute(f, null=not (f.required or f.auto))
        if f.search_attribute:
            attrs[f.search_attribute] = UnicodeAttribute(null=not f.required)
    for relation in resource.relations.values():
        for name, f in relation.resolved.items():  # only the id is required: copied fields may be unknown
            attrs[f.attribute] = _attribute(f, null=not (relation.required and name == "id"))
    for name, layout in _index_layout(resource).items():
        index_meta = type("Meta", (), {"index_name": name, "projection": AllProjection()})
        index_attrs: dict[str, Any] = {"Meta": index_meta, "__module__": __name__}
        hash_field = layout["hash_field"]
        hash_type = UnicodeAttribute if hash_field is None else type(_attribute(hash_field))
        index_attrs[layout["hash"]] = hash_type(hash_key=True)
        if layout["hash"] not in attrs:
            attrs[layout["hash"]] = UnicodeAttribute()
        if layout["range"]:
            if layout["derived_range"]:
                index_attrs[layout["range"]] = UnicodeAttribute(range_key=True)
                attrs.setdefault(layout["range"], UnicodeAttribute())
            else:
                index_attrs[layout["range"]] = type(_attribute(layout["range_field"]))(range_key=True)
        index_class = type(f"{_class_name(name)}Index", (GlobalSecondaryIndex,), index_attrs)
        attrs[name] = index_class()
    attrs[VERSION_ATTRIBUTE] = VersionAttribute()
    return type(f"{_class_name(resource.name)}Model", (StoredModel,), attrs)


def bind_storage(resource: Resource) -> None:
    """Give ``resource`` its model, index handles, counters and record mapping."""
    if resource.model is None:
        resource.model = build_model(resource)
    layout = _index_layout(resource)
    for path in resource.access_paths:
        index_layout = layout[path.name]
        path.index = getattr(resource.model, path.name)
        path.range_attribute = index_layout["range"]
        if path.hash_field is None:
            path.constant_hash = resource.name
            path.partitions = listing_partitions(resource.name)
            path.retired = (resource.name,)  # the unsharded partition: every write now picks a shard
        sort_field = index_layout["range_field"]
        path.fixed_order = sort_field is not None and (
            sort_field is resource.fields.get(resource.key) or sort_field.auto == "create"
        )
        if path.counted:
            path.counter = _counter(resource, path)
    if resource.to_record is None:
        resource.to_record = lambda item: to_record(resource, item)
        resource.record_of_raw = record_reader(resource)
    if resource.new_item is None:
        resource.new_item = lambda clean, principal: new_item(resource, clean, principal)
    if resource.apply_changes is None:
        resource.apply_changes = lambda item, clean: apply_changes(resource, item, clean)
    if resource.counter_keys is None:
        resource.counter_keys = lambda item: counter_keys(resource, item)


def listing_partitions(name: str) -> tuple[str, ...]:
    """Every partition of a constant listing: its shards, then the unsharded one older writes used."""
    return (*(f"{name}#{k}" for k in range(LISTING_SHARDS)), name)


def listing_value(name: str, item_id: str) -> str:
    """The listing shard of an item: a stable hash of its id, so an update never moves it."""
    return f"{name}#{zlib.crc32(item_id.encode()) % LISTING_SHARDS}"


def _counter(resource: Resource, path: AccessPath) -> Any:
    if path.hash_field is None:
        return lambda _: f"count#{resource.name}"
    return lambda hash_key: f"count#{resource.name}#{path.name}#{hash_key}"


def counter_keys(resource: Resource, item: Model) -> list[str]:
    """The counter items an item belongs to (one per counted partition)."""
    keys: list[str] = []
    layout = _index_layout(resource)
    for path in resource.access_paths:
        if not path.counted or path.counter is None:
            continue
        value = None if path.hash_field is None else getattr(item, layout[path.name]["hash"])
        key = path.counter(value)
        if key not in keys:
            keys.append(key)
    return keys


def counted_attributes(resource: Resource) -> set[str]:
    """The attributes whose values name an item's counters (a counted partition's key)."""
    layout = _index_layout(resource)
    return {
        layout[p.name]["hash"]
        for p in resource.access_paths
        if p.counted and p.counter is not None and p.hash_field is not None
    }


def _value(f: Field, value: Any) -> Any:
    if value is not None and f.type is int:
        return int(value)
    return value


def to_record(resource: Resource, item: Model) -> dict[str, Any]:
    """The item as the core sees it: declared fields, nested relations, version."""
    record: dict[str, Any] = {name: _value(f, getattr(item, f.attribute, None)) for name, f in resource.fields.items()}
    for name, relation in resource.relations.items():
        nested = {n: _value(f, getattr(item, f.attribute, None)) for n, f in relation.resolved.items()}
        record[name] = nested if nested.get("id") is not None else None
    record[VERSION_ATTRIBUTE] = int(getattr(item, VERSION_ATTRIBUTE, None) or 0)
    return record


def record_reader(resource: Resource) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """``to_record(resource, model.from_raw_data(raw))`` straight from a stored item, without the model.

    A list page makes a record of each item it returns and nothing else of it; the
    model's other attributes (shadows, index keys, the owner's denormalised fields)
    were half its CPU. Each attribute is read as ``StoredModel._instantiate`` reads it
    (absent or NULL: its default). None where that reading would differ: a model that
    is not a plain ``StoredModel``, a field whose attribute converts what it is given
    (its own setter). ``tests/unit/test_storage.py`` holds the two equal.
    """
    model = resource.model
    assert model is not None
    if not issubclass(model, StoredModel) or model._discriminator:
        return None
    attributes = model.get_attributes()
    used = [attributes[f.attribute] for f in resource.fields.values()]
    used += [attributes[f.attribute] for r in resource.relations.values() for f in r.resolved.values()]
    if any(type(a).__set__ is not Attribute.__set__ for a in used):
        return None

    def reader(f: Field) -> tuple[str, Attribute[Any], Callable[[Any], Any], bool]:
        attribute = attributes[f.attribute]
        return attribute.attr_name, attribute, stored_values.reader(attribute), f.type is int

    fields = [(name, *reader(f)) for name, f in resource.fields.items()]
    relations = [(name, [(n, *reader(f)) for n, f in r.resolved.items()]) for name, r in resource.relations.items()]
    version = attributes.get(VERSION_ATTRIBUTE)  # a declared model may have none: version 0
    version_reader = (version.attr_name, version, stored_values.reader(version), False) if version else None

    def read(
        raw: dict[str, Any], stored: str, attribute: Attribute[Any], deserialize: Callable[[Any], Any], whole: bool
    ) -> Any:
        value = raw.get(stored)
        if not value or NULL in value:
            default = attribute.default
            return default() if callable(default) else default
        out = deserialize(attribute.get_value(value))
        return int(out) if whole and out is not None else out

    def record(raw: dict[str, Any]) -> dict[str, Any]:
        out = {name: read(raw, *how) for name, *how in fields}
        for name, nested_fields in relations:
            nested = {n: read(raw, *how) for n, *how in nested_fields}
            out[name] = nested if nested.get("id") is not None else None
        out[VERSION_ATTRIBUTE] = int(read(raw, *version_reader) or 0) if version_reader else 0
        return out

    return record


def new_item(resource: Resource, clean: dict[str, Any], principal: Any) -> Model:
    """A new item: a time-ordered id, server timestamps, the owner from the caller, then ``clean``."""
    assert resource.model is not None
    item = resource.model(new_id())
    now = utcnow()
    for f in resource.fields.values():
        if f.auto:
            setattr(item, f.attribute, now)
    if resource.owner:
        relation = resource.relations[resource.owner]
        owner = {"id": principal.user_id, "username": principal.username, **getattr(principal, "profile", {})}
        if any(name not in owner for name in relation.resolved):  # a field the caller's profile lacks: read it
            owner = {**_target_record(relation.target, principal.user_id), **owner}
        for name, f in relation.resolved.items():
            setattr(item, f.attribute, owner.get(name))
    apply_changes(resource, item, clean, now=now)
    return item


def _target_record(target_name: str, key: str) -> dict[str, Any]:
    from .registry import find_resource

    target = find_resource(target_name)
    if target is None or target.model is None or target.to_record is None:
        return {}
    try:
        return target.to_record(target.model.get(key))
    except target.model.DoesNotExist:
        return {}


def fields_set_by(resource: Resource, name: str) -> list[Field]:
    """The stored fields a writable ``name`` sets: a relation's copied fields, else the field itself."""
    relation = resource.relations.get(name)
    if relation is not None:
        return list(relation.resolved.values())
    return [resource.fields[name]] if name in resource.fields else []


def changed_attributes(resource: Resource, clean: dict[str, Any]) -> set[str]:
    """The attributes ``apply_changes`` sets for ``clean``: its values, the timestamps it stamps,
    and what is derived from either (search shadows, derived sort keys, the listing shard).

    A write that sends only these (``guarded.update``) leaves every other attribute, and
    everything derived from it, as stored.
    """
    sources = {f.attribute for name in clean for f in fields_set_by(resource, name)}
    sources |= {f.attribute for f in resource.fields.values() if f.auto == "update"}
    written = set(sources)
    written |= {f.search_attribute for f in resource.fields.values() if f.search_attribute and f.attribute in sources}
    for path_layout in _index_layout(resource).values():
        if path_layout["hash"] == PARTITION_ATTRIBUTE:
            written.add(PARTITION_ATTRIBUTE)
        if path_layout["derived_range"] and path_layout["range_field"].attribute in sources:
            written.add(path_layout["range"])
    return written


def apply_changes(resource: Resource, item: Model, clean: dict[str, Any], *, now: datetime | None = None) -> None:
    """Set validated values, then everything derived from them (shadows, timestamps, index keys)."""
    for name, value in clean.items():
        relation = resource.relations.get(name)
        if relation is not None:
            for n, f in relation.resolved.items():
                setattr(item, f.attribute, (value or {}).get(n))
        else:
            setattr(item, resource.fields[name].attribute, value)
    now = now or utcnow()
    for f in resource.fields.values():
        if f.auto == "update":
            setattr(item, f.attribute, now)
        if f.search_attribute:
            text = getattr(item, f.attribute, None)
            setattr(item, f.search_attribute, text.casefold() if isinstance(text, str) else None)
    item_id = getattr(item, resource.fields[resource.key].attribute)
    for path_layout in _index_layout(resource).values():
        if path_layout["hash"] == PARTITION_ATTRIBUTE and not getattr(item, PARTITION_ATTRIBUTE, None):
            setattr(item, PARTITION_ATTRIBUTE, listing_value(resource.name, item_id))  # kept once set
        if path_layout["derived_range"]:
            source = path_layout["range_field"]
            setattr(item, path_layout["range"], time_key(getattr(item, source.attribute), item_id))
