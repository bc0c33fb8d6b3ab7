"""DynamoDB tables: one per PynamoDB model, keys and indexes read from the model itself.

Reading the schema from ``moviesapi.models.all_models()`` (not restating it) is what
lets a declared resource add its table and nothing else, and keeps the template's
keys, indexes and TTL from drifting from the code that queries them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tools.templating.cfn import Tag, table_id


@dataclass(frozen=True)
class Table:
    """A model's table and the key that names it (a resource's name, ``uniques``, ``state``)."""

    key: str
    model: Any

    @property
    def logical_id(self) -> str:
        return table_id(self.key)


def tables() -> list[Table]:
    """One table per model in ``all_models()``, named by its key (a resource's name, ``uniques``, ``state``)."""
    from moviesapi.models import all_models
    from moviesapi.registry import resources
    from moviesapi.settings import table_name

    candidates = [r.name for r in resources()] + ["users", "uniques", "state"]
    by_name = {table_name(key): key for key in reversed(candidates)}
    out: list[Table] = []
    for model in all_models():
        key = by_name.get(model.Meta.table_name)
        if key is None:
            raise ValueError(f"{model.__name__}: table {model.Meta.table_name!r} is no resource's and no known key's")
        out.append(Table(key, model))
    return out


def ttl_attribute(model: Any) -> str | None:
    """The attribute name of the model's ``TTLAttribute``, if it has one (its items expire by themselves)."""
    from pynamodb.attributes import TTLAttribute

    for attribute in model.get_attributes().values():
        if isinstance(attribute, TTLAttribute):
            return str(attribute.attr_name)
    return None


def _key_schema(keys: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    ordered = sorted(keys, key=lambda k: (k["KeyType"] != "HASH", k["AttributeName"]))
    return [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in ordered]


def _indexes(schema_indexes: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for index in sorted(schema_indexes, key=lambda i: i["index_name"]):
        projection = {"ProjectionType": index["projection"]["ProjectionType"]}
        if index["projection"].get("NonKeyAttributes"):
            projection["NonKeyAttributes"] = sorted(index["projection"]["NonKeyAttributes"])
        out.append(
            {"IndexName": index["index_name"], "KeySchema": _key_schema(index["key_schema"]), "Projection": projection}
        )
    return out


def table_resource(table: Table) -> dict[str, Any]:
    """The table of a model: keys and indexes from its schema; data tables are retained and protected in prod."""
    schema = table.model._get_schema()
    key_schema = _key_schema(schema["key_schema"])
    key_names = [k["AttributeName"] for k in key_schema]
    definitions = sorted(
        schema["attribute_definitions"],
        key=lambda a: (
            key_names.index(a["AttributeName"]) if a["AttributeName"] in key_names else len(key_names),
            a["AttributeName"],
        ),
    )
    props: dict[str, Any] = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]} for a in definitions
        ],
        "KeySchema": key_schema,
    }
    if schema.get("global_secondary_indexes"):
        props["GlobalSecondaryIndexes"] = _indexes(schema["global_secondary_indexes"])
    if schema.get("local_secondary_indexes"):
        props["LocalSecondaryIndexes"] = _indexes(schema["local_secondary_indexes"])
    ttl = ttl_attribute(table.model)
    if ttl:
        props["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    props["SSESpecification"] = {"SSEEnabled": True}
    if ttl:
        # Short-lived state that expires by itself: nothing to keep when the stack goes.
        return {"Type": "AWS::DynamoDB::Table", "Properties": props}
    props["DeletionProtectionEnabled"] = Tag("If", ["IsProd", True, False])
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": props,
    }
