"""PynamoDB models of the tables that are not generated from a declaration.

Users (whose items hold password hashes and API secrets beside the declared
public fields), guard and counter items, and short-lived state. Declared
resources get their models from ``storage``. ``template.yaml`` is generated from
these and the declarations (``make template``); the local runner and the tests
create their tables from the same models. Connections open lazily, once per container.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.constants import NULL
from pynamodb.exceptions import GetError
from pynamodb.models import Model

from . import expressions
from .settings import get_settings
from .settings import table_name as _table_name
from .writes import CALL_RETRIES, backoff, connection, retrying

_settings = get_settings()


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Meta:
    region = _settings.region
    host = _settings.dynamodb_endpoint
    billing_mode = "PAY_PER_REQUEST"
    max_retry_attempts = CALL_RETRIES


class StoredModel(Model):
    """A PynamoDB model that reads an item in one pass over its attributes.

    PynamoDB's ``_instantiate`` runs the constructor (defaults set), then sets the
    defaults again and every value through its descriptor; this sets each value once,
    where the plain descriptor would have put it (``attribute_values``, by Python name),
    and through the descriptor where its class has a setter of its own. Making
    items is most of a warm read's CPU after botocore; ``tests/unit/test_storage.py``
    checks the result equals PynamoDB's own for every model.
    """

    @classmethod
    def _instantiate(cls, attribute_values: dict[str, dict[str, Any]]) -> Any:
        if cls._discriminator:  # polymorphic models keep PynamoDB's path
            return super()._instantiate(attribute_values)
        instance = cls(_user_instantiated=False)
        values = instance.attribute_values
        for name, attr in cls.get_attributes().items():
            raw = attribute_values.get(attr.attr_name)
            if raw and NULL not in raw:
                value = attr.deserialize(attr.get_value(raw))
                if type(attr).__set__ is Attribute.__set__:
                    values[name] = value
                else:  # a setter of its own (TTL's whole seconds, a version's int): as PynamoDB does
                    setattr(instance, name, value)
        return instance


class UserModel(StoredModel):
    """An account. ``password`` and ``api_secret_hash`` are hashes and never leave the layer."""

    class Meta(_Meta):
        table_name = _table_name("users")

    id = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    password = UnicodeAttribute()
    is_active = BooleanAttribute(default=True)
    date_joined = UTCDateTimeAttribute(default_for_new=utcnow)
    last_login = UTCDateTimeAttribute(null=True)
    api_key = UnicodeAttribute(null=True)
    api_secret_hash = UnicodeAttribute(null=True)


class UniqueModel(StoredModel):
    """A guard item (``username#alice``, ``email#a@b.c``) that makes a value unique.

    Written in the same transaction as the user, with ``attribute_not_exists``,
    so two concurrent registrations of one value cannot both succeed.
    """

    class Meta(_Meta):
        table_name = _table_name("uniques")

    key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class CounterModel(StoredModel):
    """An exact item count (``count#movies``, ``count#movies#by_creator#<id>``).

    Lives in the uniques table beside the guard items (same ``key`` hash key) and
    is changed in the same transaction as the items it counts, so list totals
    are honest and cost one read instead of a scan.
    """

    class Meta(_Meta):
        table_name = _table_name("uniques")

    key = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class StateModel(StoredModel):
    """Short-lived server state keyed by a prefixed ``pk``; DynamoDB's TTL removes it.

    Holds revoked token ids (``jti#...``), login throttles, sessions and
    idempotency records. TTL deletion is lazy, so readers check
    ``expires_at`` themselves.
    """

    class Meta(_Meta):
        table_name = _table_name("state")

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()
    user_id = UnicodeAttribute(null=True)
    count = NumberAttribute(default=0)
    failures = NumberAttribute(null=True)  # login throttle: the failures among ``count``'s attempts
    data = UnicodeAttribute(null=True)

    def is_live(self, now: datetime | None = None) -> bool:
        return self.expires_at > (now or utcnow())


def get_request(model: type[Model], hash_key: Any) -> dict[str, Any]:
    """The GetItem ``model.get(hash_key, consistent_read=True)`` sends, written out.

    PynamoDB's path to it draws a UUID (a system call) and sends two signals per call, about
    4% of a warm get's own CPU. Its ``dispatch`` asks for the consumed capacity, which X-Ray
    records; so does this. ``tests/unit/test_storage.py`` holds the two equal for every table.
    """
    attribute = model._hash_key_attribute()
    return {
        "TableName": model.Meta.table_name,
        "Key": {attribute.attr_name: expressions.serialize(attribute, hash_key)},
        "ConsistentRead": True,
        "ReturnConsumedCapacity": "TOTAL",
    }


def get_raw(model: type[Model], hash_key: Any) -> dict[str, Any] | None:
    """The stored item, raw as DynamoDB returns it (None: no such item); botocore's own retries.

    A failure is raised as ``Model.get`` raises it (``GetError``, the botocore error its cause).
    """
    try:
        answer = model._get_connection().connection.client.get_item(**get_request(model, hash_key))
    except (BotoCoreError, ClientError) as exc:
        raise GetError(f"Failed to get item: {exc}", exc) from exc
    item: dict[str, Any] | None = answer.get("Item") or None
    return item


BATCH_GET_ROUNDS = 5


def batch_get(requests: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """One BatchGetItem (``RequestItems``), its unprocessed keys asked again; raw items per table.

    Raw items, not models: a count summed over 65 counter shards would otherwise build 65
    model instances per list page. Keys still unprocessed after a few rounds are DynamoDB
    throttling us: raised as such (a 503 with Retry-After), never answered as missing.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    for attempt in range(BATCH_GET_ROUNDS):
        if attempt:  # what DynamoDB left unprocessed, it was too busy to read: back off (full jitter)
            time.sleep(backoff(attempt))
        answer = retrying(partial(connection().client.batch_get_item, RequestItems=requests))
        for name, items in (answer.get("Responses") or {}).items():
            found.setdefault(name, []).extend(items)
        requests = answer.get("UnprocessedKeys") or {}
        if not requests:
            return found
    error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Keys left unprocessed"}}
    raise ClientError(error, "BatchGetItem")  # type: ignore[arg-type]


def read_together(*wanted: tuple[type[Model], str]) -> list[Model | None]:
    """Items of several tables by hash key in one consistent BatchGetItem (None: no such item).

    PynamoDB's ``batch_get`` reads one table; a request that needs, say, a session and its
    user reads both in one round trip here.
    """
    requests: dict[str, dict[str, Any]] = {}
    for model, key in wanted:
        name = model.Meta.table_name
        hash_key = model._hash_key_attribute().attr_name
        requests.setdefault(name, {"Keys": [], "ConsistentRead": True})["Keys"].append({hash_key: {"S": key}})
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for name, items in batch_get(requests).items():
        model = next(m for m, _ in wanted if m.Meta.table_name == name)
        hash_key = model._hash_key_attribute().attr_name
        for raw in items:
            found[(name, raw[hash_key]["S"])] = raw
    return [
        model.from_raw_data(found[(model.Meta.table_name, key)]) if (model.Meta.table_name, key) in found else None
        for model, key in wanted
    ]


INFRA_MODELS: tuple[type[Model], ...] = (UserModel, UniqueModel, StateModel)
"""Tables that exist whatever is declared (CounterModel shares the uniques table)."""


def all_models() -> list[type[Model]]:
    """One model per table: the infrastructure tables, then every declared resource's."""
    from .registry import resources

    models = list(INFRA_MODELS)
    for resource in resources():
        if resource.model is not None and resource.model not in models:
            models.append(resource.model)
    return models


def ensure_tables() -> list[str]:
    """Create every table (with its indexes) that does not exist yet; return the created names.

    Used by the local runner and tests; on AWS the template creates them.
    """
    created = []
    for model in all_models():
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
    return created
