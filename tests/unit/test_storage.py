"""A declaration is enough to store a resource: its table, indexes and item mapping are derived."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from moviesapi.catalog import MOVIE, USER
from moviesapi.models import INFRA_MODELS, UserModel, all_models
from moviesapi.storage import LISTING_SHARDS, counter_keys, listing_partitions, listing_value


def _indexes(model):
    return {
        g["index_name"]: sorted((k["AttributeName"], k["KeyType"]) for k in g["key_schema"])
        for g in model._get_schema()["global_secondary_indexes"]
    }


def test_movie_table_is_generated_from_its_access_paths():
    assert MOVIE.model is not None and MOVIE.model is not UserModel
    assert MOVIE.model.Meta.table_name.endswith("movies")
    assert _indexes(MOVIE.model) == {
        # ids are UUIDv7 (creation order), so the creation-ordered indexes sort by the id itself
        "by_creator": [("creator_id", "HASH"), ("id", "RANGE")],
        "by_genre": [("genre", "HASH"), ("id", "RANGE")],
        "by_genre_updated": [("genre", "HASH"), ("updated_at_key", "RANGE")],
        "by_year": [("id", "RANGE"), ("year", "HASH")],
        "by_genre_year": [("genre", "HASH"), ("year", "RANGE")],
        "by_created": [("id", "RANGE"), ("listing", "HASH")],
        "by_updated": [("listing", "HASH"), ("updated_at_key", "RANGE")],
    }
    types = {a["AttributeName"]: a["AttributeType"] for a in MOVIE.model._get_schema()["attribute_definitions"]}
    assert types["year"] == "N" and types["genre"] == "S" and types["id"] == "S"
    assert "created_at_key" not in types and "created_at_key" not in MOVIE.model.get_attributes()


def test_a_declared_model_is_kept():
    assert USER.model is UserModel
    assert all_models()[: len(INFRA_MODELS)] == list(INFRA_MODELS)
    assert MOVIE.model in all_models()


def test_new_items_get_keys_shadows_owner_and_counters():
    from datetime import UTC, datetime

    from moviesapi.accounts import Principal

    joined = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    owner = Principal("u1", "alice", profile={"first_name": "Alice", "last_name": "Liddell", "date_joined": joined})
    item = MOVIE.new_item({"title": "Casablanca", "genre": "Drama", "year": 1942}, owner)
    assert item.title_lc == "casablanca" and item.genre_lc == "drama"
    assert item.creator_id == "u1" and item.creator_username == "alice" and item.creator_first_name == "Alice"
    assert item.listing == listing_value("movies", item.id) and item.updated_at_key.endswith(f"#{item.id}")
    assert item.listing in MOVIE.access_paths[-1].partitions[:LISTING_SHARDS]
    assert counter_keys(MOVIE, item) == [
        "count#movies#by_creator#u1",
        "count#movies#by_genre#Drama",
        "count#movies#by_year#1942",
        "count#movies",
    ]
    record = MOVIE.to_record(item)
    assert record["creator"] == {  # the owner's public fields, copied from the caller's profile
        "id": "u1",
        "username": "alice",
        "first_name": "Alice",
        "last_name": "Liddell",
        "date_joined": joined,
    }
    assert record["year"] == 1942


def test_a_time_key_is_the_timestamp_as_strftime_writes_it():
    """Sort keys already stored were written with strftime: the same text for every instant and zone."""
    from datetime import UTC, datetime, timedelta, timezone

    from moviesapi.storage import time_key

    instants = [datetime(2026, 11, 30, 19, 37, 39, 123456, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)]
    instants += [datetime(999, 12, 31, 23, 59, 59, 5, tzinfo=UTC), datetime(9999, 12, 31, 23, 0, tzinfo=UTC)]
    instants += [i.astimezone(timezone(timedelta(hours=-5, minutes=-30))) for i in instants[:2]]
    for instant in instants:
        expected = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert time_key(instant, "0190-id") == f"{expected}#0190-id"
    assert time_key("Casablanca", "0190-id") == "Casablanca#0190-id"


def test_listing_shards_are_stable_spread_and_kept_on_update():
    """An item's listing shard comes from its id alone: updates keep it, and ids spread over every shard."""
    from moviesapi.ids import new_id

    assert listing_partitions("movies") == (*(f"movies#{k}" for k in range(LISTING_SHARDS)), "movies")
    ids = [new_id() for _ in range(400)]
    assert {listing_value("movies", i) for i in ids} == set(listing_partitions("movies")[:LISTING_SHARDS])
    assert all(listing_value("movies", i) == listing_value("movies", i) for i in ids)
    item = MOVIE.model(ids[0])
    item.listing = "movies"  # written before the shards: stays where it is
    MOVIE.apply_changes(item, {"title": "Heat"})
    assert item.listing == "movies"


def _sample(attr, variant: int):
    """A value of ``attr``'s type, different per variant (defaults and nulls come from leaving it out)."""
    from datetime import UTC, datetime, timedelta

    from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UTCDateTimeAttribute

    if isinstance(attr, TTLAttribute):
        return datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=variant)
    if isinstance(attr, UTCDateTimeAttribute):
        return datetime(2026, 11, 30, 12, 0, variant, 123456, tzinfo=UTC)
    if isinstance(attr, BooleanAttribute):
        return variant % 2 == 0
    if isinstance(attr, NumberAttribute):
        return variant * 7 + 1
    return f"value-{variant}-ü"


def test_an_item_read_is_what_pynamodb_would_make_of_it():
    """``StoredModel`` reads items in one pass: for every table's model, every attribute present,
    absent (its default applies), stored as NULL or unknown to the model, the instance holds exactly
    what PynamoDB's own ``_instantiate`` gives."""
    from moviesapi.models import StoredModel
    from pynamodb.attributes import TTLAttribute
    from pynamodb.models import Model

    for model in all_models():
        assert issubclass(model, StoredModel), model
        attributes = model.get_attributes().values()
        for variant in range(3):
            full = {a.attr_name: {a.attr_type: a.serialize(_sample(a, variant))} for a in attributes}
            for a in attributes:  # another writer's fractional expiry: PynamoDB's TTL setter drops the fraction
                if isinstance(a, TTLAttribute):
                    full[a.attr_name] = {"N": f"{1_893_456_000 + variant}.75"}
            cases = [full, {**full, "unknown": {"S": "extra"}}]
            cases += [{k: v for k, v in full.items() if k != name} for name in full]  # each one absent
            cases += [{**full, name: {"NULL": True}} for name in full]  # each one NULL
            for raw in cases:
                ours = model.from_raw_data(raw)
                theirs = Model._instantiate.__func__(model, raw)
                assert type(ours) is type(theirs) is model
                assert ours.attribute_values == theirs.attribute_values, (model, raw)


def test_a_counter_change_is_the_request_pynamodb_would_build():
    """``counters.Plan.add`` writes each shard's ADD out by hand; it must be exactly the Update that
    ``TransactWrite.update(CounterModel(shard), actions=[CounterModel.value.add(delta)])`` builds."""
    from moviesapi.counters import plan
    from moviesapi.models import CounterModel
    from pynamodb.transactions import TransactWrite

    deltas = {"count#movies": 1, "count#movies#by_genre#Film noir": -1, "count#movies#by_year#1950": 3}
    planned = plan(deltas)
    ours, theirs = TransactWrite(connection=None), TransactWrite(connection=None)
    planned.add(ours)
    for shard, delta in planned.shards.items():
        theirs.update(CounterModel(shard), actions=[CounterModel.value.add(delta)])
    assert len(ours._update_items) == len(deltas)
    assert ours._update_items == theirs._update_items


def test_a_get_is_the_request_pynamodb_would_send(declared, monkeypatch):
    """A get's GetItem is written out (``models.get_request``, sent by ``get_raw``); for every table's model
    and key it must be exactly what ``Model.get(key, consistent_read=True)`` hands botocore."""
    from moviesapi.models import get_request
    from pynamodb.connection.base import Connection

    sent: list[tuple[str, dict]] = []

    def record(_connection: Connection, operation: str, kwargs: dict) -> dict:
        sent.append((operation, kwargs))
        return {}  # no such item

    monkeypatch.setattr(Connection, "_make_api_call", record)
    models = {*all_models(), *(r.model for r in declared)}
    for model in models:
        for key in ("0190-item", "ü-ß 1"):
            with pytest.raises(model.DoesNotExist):
                model.get(key, consistent_read=True)
            assert [("GetItem", get_request(model, key))] == sent, (model, key)
            sent.clear()
    assert {m.Meta.table_name for m in models} >= {r.model.Meta.table_name for r in declared}


@pytest.mark.parametrize(
    ("attribute", "text"),
    [
        *(("UTCDateTimeAttribute", t) for t in ("2026-11-30T19:37:39.123456+0000", "999-01-02T03:04:05.000006+0000")),
        *(("UTCDateTimeAttribute", t) for t in ("2026-11-30 19:37:39.123456+0000", "2026-11-30T19:37:39,123456+0000")),
        *(("UTCDateTimeAttribute", t) for t in ("2026-13-30T19:37:39.123456+0000", "2026-11-30T19:37:39.123456+0100")),
        ("UTCDateTimeAttribute", "2026-11-30T24:00:00.000000+0000"),  # Python 3.14's fromisoformat reads it
        *(("NumberAttribute", t) for t in ("0", "7", "1951", "-3", "7.5", "1E+3", "007", "١٢", "12345678901234567890")),
        *(("VersionAttribute", t) for t in ("1", "42", "-1", "3.0")),
    ],
)
def test_a_value_read_fast_is_what_pynamodb_reads(attribute, text):
    """``record_reader``'s own readers of dates and numbers give PynamoDB's value, or fail as it does."""
    from moviesapi.stored_values import reader

    _same_as_pynamodb(reader, "deserialize", attribute, text)


def _same_as_pynamodb(ours: Any, method: str, attribute: str, value: Any) -> None:
    """``ours(attribute)`` is a function of its own that gives ``attribute.<method>``'s value, type and
    zone for ``value``, or raises what it raises."""
    import pynamodb.attributes

    theirs_attribute = getattr(pynamodb.attributes, attribute)()
    theirs = getattr(theirs_attribute, method)
    assert ours(theirs_attribute) != theirs  # a fast path of its own
    outcomes = []
    for function in (ours(theirs_attribute), theirs):
        try:
            out = function(value)
            outcomes.append((type(out), out, getattr(out, "tzinfo", None)))
        except Exception as exc:
            outcomes.append((Exception, type(exc)))
    assert outcomes[0] == outcomes[1]


_ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8)), None]


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        *(
            ("UTCDateTimeAttribute", datetime(*when, tzinfo=zone))
            for when in ((2026, 11, 30, 19, 37, 39, 123456), (2026, 1, 1), (1000, 1, 1, 0, 0, 0, 1), (9999, 12, 31, 23))
            for zone in _ZONES
        ),
        *(("UTCDateTimeAttribute", datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=zone)) for zone in _ZONES),
        ("UTCDateTimeAttribute", datetime(1000, 1, 1, 2, tzinfo=timezone(timedelta(hours=5)))),  # year 999 in UTC
        ("UTCDateTimeAttribute", "2026-11-30"),
        *(("NumberAttribute", v) for v in (0, 7, -3, 1951, 10**30, True, False, 7.5, -0.0, 1e300, Decimal("1.10"))),
        *(("VersionAttribute", v) for v in (1, 42, 3.0, True)),
        ("NumberAttribute", "12"),
    ],
)
def test_a_value_written_fast_is_what_pynamodb_writes(attribute, value):
    """``stored_values``' writers of dates and numbers give PynamoDB's text, or fail as it does."""
    from moviesapi.stored_values import writer

    _same_as_pynamodb(writer, "serialize", attribute, value)


def test_an_item_is_written_as_pynamodb_serialises_it(declared):
    """``stored_values.item_writer`` is ``item.serialize(null_check=True)`` for every table's model: a full
    item, an emptied one (refused alike where an attribute may not be empty), each attribute emptied."""
    from moviesapi.stored_values import item_writer

    compared = 0
    for model in {*all_models(), *(r.model for r in declared)}:
        attributes = model.get_attributes()
        item = model()
        for name, attribute in attributes.items():
            setattr(item, name, _sample(attribute, 1))
        variants = [item, model(), *(_without(item, name) for name in attributes)]
        for variant in variants:
            outcomes = []
            for write in (item_writer(model), lambda i: i.serialize(null_check=True)):
                try:
                    outcomes.append(write(variant))
                except ValueError as exc:
                    outcomes.append((type(exc), str(exc)))
            assert outcomes[0] == outcomes[1], (model, variant.attribute_values)
            compared += 1
    assert compared > 50


def _without(item: Any, name: str) -> Any:
    emptied = type(item)()
    for other, value in item.attribute_values.items():
        if other != name:
            setattr(emptied, other, value)
    return emptied


@pytest.fixture
def declared() -> Iterator[list]:
    """Every declared resource, and the test-only ``reviews`` (a relation, a numeric counted path)."""
    import importlib

    from moviesapi import registry

    module = importlib.import_module("tests.catalog_extra")
    if registry.find_resource("reviews") is None:
        importlib.reload(module)
    yield registry.resources()
    registry.unregister("reviews")


def _changes(resource) -> list[dict]:
    """Validated changes of ``resource``: each writable field alone, all at once, the optional ones emptied."""
    from pynamodb.attributes import BooleanAttribute, NumberAttribute, UTCDateTimeAttribute

    attributes = resource.model.get_attributes()

    def value(f, variant: int):
        attr = attributes[f.attribute]
        if isinstance(attr, UTCDateTimeAttribute | BooleanAttribute | NumberAttribute):
            return _sample(attr, variant)
        return f"Value {variant} Ü"

    writable = {name: f for name, f in resource.fields.items() if f.writable}
    relations = {name: r for name, r in resource.relations.items() if r.writable}
    full = {name: value(f, 1) for name, f in writable.items()}
    full |= {name: {n: value(f, 2) for n, f in r.resolved.items()} for name, r in relations.items()}
    changes = [{name: v} for name, v in full.items()] + [full]
    changes.append({name: None for name, f in writable.items() if not f.required} | {n: None for n in relations})
    return [c for c in changes if c]


def test_an_update_is_the_request_pynamodb_would_build(declared):
    """``guarded.update_request`` writes the UpdateItem out (``expressions``); for every resource, change
    and condition it must be exactly what ``get_operation_kwargs`` builds from PynamoDB's own actions
    (``attribute.set``, ``|`` for the kept listing shard, ``version.add(1)``) and ``guarded._condition``."""
    from moviesapi import guarded
    from moviesapi.storage import PARTITION_ATTRIBUTE, VERSION_ATTRIBUTE, apply_changes, changed_attributes
    from pynamodb.constants import ALL_NEW, ALL_OLD, KEY

    seen: set[str] = set()  # what the cases covered
    for resource in declared:
        model = resource.model
        # Any stored text attribute can stand for what a permission requires (the owner's id).
        owner = next(f.attribute for n, f in resource.fields.items() if f.type is str and n != resource.key)
        for clean in _changes(resource):
            draft = model("0190-item")
            apply_changes(resource, draft, clean)
            written = sorted(changed_attributes(resource, clean))
            counted = {name: getattr(draft, name) for name in written if name != PARTITION_ATTRIBUTE}
            plans = [
                guarded.Plan({}, None),
                guarded.Plan({owner: "u-1"}, 7),
                guarded.Plan({owner: "u-1"}, None, dict(list(counted.items())[:2])),
                guarded.Plan({}, 0, {name: None for name in list(counted)[:1]}),
            ]
            for plan in plans:
                actions = []
                for name in written:
                    attribute, value = getattr(model, name), getattr(draft, name)
                    actions.append(
                        attribute.set(attribute | value) if name == PARTITION_ATTRIBUTE else attribute.set(value)
                    )
                actions.append(getattr(model, VERSION_ATTRIBUTE).add(1))
                theirs = model._get_connection().get_operation_kwargs(
                    draft._get_hash_range_key_serialized_values()[0],
                    key=KEY,
                    actions=actions,
                    condition=guarded._condition(resource, plan),
                    return_values=ALL_NEW,
                    return_values_on_condition_failure=ALL_OLD,
                )
                ours = guarded.update_request(resource, draft, written, plan)
                assert ours == theirs, (resource.name, clean, plan)
                text = json.dumps(ours)
                seen |= {k for k in ("NULL", "if_not_exists", '"N"') if k in text}
    assert {r.name for r in declared} >= {"movies", "users", "reviews"}
    assert seen == {"NULL", "if_not_exists", '"N"'}  # nulls, the kept shard, numbers


def test_a_create_is_the_put_pynamodb_would_build(declared):
    """A create's Put is written out (``guarded.create_request``); for every resource and new item it must be
    exactly what ``TransactWrite.save(item, condition=key.does_not_exist())`` builds, version 1 included."""
    from datetime import UTC, datetime

    from moviesapi import guarded
    from moviesapi.accounts import Principal
    from pynamodb.transactions import TransactWrite

    joined = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    caller = Principal("u1", "alice", profile={"first_name": "A", "last_name": "L", "date_joined": joined})
    compared = []
    for resource in declared:
        key = getattr(resource.model, resource.key)
        changes = _changes(resource)
        if not changes:
            continue  # nothing a client writes (users are made by registration)
        full, emptied = max(changes, key=len), changes[-1]  # every writable value; the optional ones emptied
        for clean in [full, {**full, **emptied}, *({**full, name: None} for name in emptied)]:
            item = resource.new_item(clean, caller)
            theirs = TransactWrite(connection=None)
            try:
                theirs.save(item, condition=key.does_not_exist())
            except ValueError:  # an attribute that may not be empty is: PynamoDB refuses to serialise it
                with pytest.raises(ValueError):
                    guarded.create_request(item, key)
                compared.append((resource.name, "refused"))
                continue
            assert [guarded.create_request(item, key)] == theirs._put_items, (resource.name, clean)
            compared.append((resource.name, "equal"))
    assert {("movies", "equal"), ("reviews", "equal")} <= set(compared)
    assert len(compared) >= 8  # all, emptied, each emptied: equal or refused alike


def test_a_record_read_from_an_item_is_what_its_model_gives(declared):
    """A list page reads records straight from stored items (``storage.record_reader``); for every resource
    whose records it reads, each field present, absent, NULL or unknown, the record equals
    ``to_record(model.from_raw_data(raw))``."""
    from moviesapi.storage import record_reader, to_record

    readers = {r.name: record_reader(r) for r in declared}
    assert {name for name, reader in readers.items() if reader is not None} >= {"movies", "reviews", "users"}
    for resource in declared:
        read = readers[resource.name]
        if read is None:
            continue
        model = resource.model
        attributes = model.get_attributes().values()
        for variant in range(3):
            full = {a.attr_name: {a.attr_type: a.serialize(_sample(a, variant))} for a in attributes}
            cases = [full, {**full, "unknown": {"S": "extra"}}, {}]
            cases += [{k: v for k, v in full.items() if k != name} for name in full]
            cases += [{**full, name: {"NULL": True}} for name in full]
            for raw in cases:
                assert read(raw) == to_record(resource, model.from_raw_data(raw)), (resource.name, raw)
