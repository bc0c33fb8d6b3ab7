"""Update and delete in one DynamoDB call: what a read-first flow checks becomes the write's condition.

Reading an item to see that it exists, that the caller may change it and that
its version is the one the client saw (``If-Match``), then writing it, is two
calls. Here those checks are the write's condition (the key exists, each
permission's ``write_condition``, the version), and when it fails DynamoDB
hands back the stored item (``ReturnValuesOnConditionCheckFailure=ALL_OLD``),
so the very checks a read-first flow makes run on it and answer 404, 403 or
412 as that flow would. A change to a counted attribute (a genre with a count
per genre) is sent assuming the count does not move; when it does, the stored
item returned says from where, and the caller moves it. ``plan`` says None
when a rule cannot be a condition (a permission class without
``write_condition``, a delete whose counters the condition does not pin down):
the caller then reads first (``resources``). A create's Put, conditioned on its new key being
free, is built here too (``create_request``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pynamodb.attributes import Attribute
from pynamodb.constants import ALL_NEW, ALL_OLD
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from . import counters, expressions
from .accounts import Principal
from .storage import (
    PARTITION_ATTRIBUTE,
    VERSION_ATTRIBUTE,
    apply_changes,
    changed_attributes,
    counted_attributes,
    counter_keys,
    fields_set_by,
)
from .stored_values import item_writer
from .writes import cancelled_by, retrying, transact

if TYPE_CHECKING:
    from .registry import Resource


class Refused(Exception):
    """The write's condition failed; ``stored`` is the item as it was (None: there is none)."""

    def __init__(self, stored: Model | None) -> None:
        super().__init__("condition failed")
        self.stored = stored


@dataclass(frozen=True)
class Plan:
    """What the stored item must hold for the write to go ahead: attribute → value, and the version.

    ``assumed``: counted attributes the change sets, required to already hold those values (an
    unchanged count, the usual PUT); when one does not, the stored item DynamoDB returns says
    which counts move (``moves``).
    """

    required: Mapping[str, Any]
    version: int | None
    assumed: Mapping[str, Any] = field(default_factory=dict)

    def moves(self, stored: Model) -> bool:
        """Whether ``stored`` differs from the change on a counted attribute (its counts must move)."""
        return any(getattr(stored, name, None) != value for name, value in self.assumed.items())


def plan(
    resource: Resource,
    method: str,
    principal: Principal | None,
    version: int | None,
    changing: Mapping[str, Any] | None,
) -> Plan | None:
    """The condition for ``method`` by ``principal``, or None when only a read-first flow can decide.

    ``changing`` is the validated change (None for a delete): a change to a counted
    partition's key needs the old value to move its count, and a delete must name
    every counter it leaves from what the condition pins down.
    """
    required: dict[str, Any] = {}
    for permission in resource.permissions or ():
        rule = getattr(permission, "write_condition", None)
        paths = None if rule is None else rule(method, principal, resource)
        if paths is None:
            return None
        for path, value in paths.items():
            f = resource.field_at(path)
            if f is None:
                return None
            required[f.attribute] = value
    counted = counted_attributes(resource)
    if changing is None:
        if not counted <= set(required):
            return None
        return Plan(required, version)
    assumed = {}
    for name, value in changing.items():
        relation = resource.relations.get(name)
        for f in fields_set_by(resource, name):
            if f.attribute in counted:
                if relation is not None:
                    return None  # a relation's counted key: read first
                assumed[f.attribute] = value
    return Plan(required, version, assumed)


def _condition(resource: Resource, plan: Plan) -> Any:
    model = resource.model
    assert model is not None
    condition = getattr(model, resource.fields[resource.key].attribute).exists()
    for attribute, value in _required(plan):
        condition &= getattr(model, attribute) == value
    return condition


def _required(plan: Plan) -> list[tuple[str, Any]]:
    """What the condition checks, in its order: the permissions' values, the version, the assumed counts."""
    version = [(VERSION_ATTRIBUTE, plan.version)] if plan.version is not None else []
    return [*plan.required.items(), *version, *plan.assumed.items()]


def _clauses(resource: Resource, plan: Plan, slots: expressions.Placeholders) -> list[str]:
    """``_condition``'s clauses written out (``expressions``): the key exists, then ``_required``."""
    attributes = resource.model.get_attributes()  # type: ignore[union-attr]
    clauses = [slots.exists(attributes[resource.fields[resource.key].attribute])]
    clauses += [slots.equals(attributes[name], value) for name, value in _required(plan)]
    return clauses


def update_request(resource: Resource, draft: Model, written: list[str], plan: Plan) -> dict[str, Any]:
    """The UpdateItem writing ``draft``'s ``written`` attributes under ``plan``'s condition.

    Written out (``expressions``) as ``TableConnection.get_operation_kwargs`` builds it from
    ``attribute.set(value)`` actions, ``version.add(1)`` and ``_condition``.
    """
    attributes = type(draft).get_attributes()
    slots = expressions.Placeholders()
    condition = expressions.all_of(_clauses(resource, plan, slots))
    # The listing shard is set once, by the item's first write: kept (``if_not_exists``).
    sets = [(attributes[name], getattr(draft, name), name == PARTITION_ATTRIBUTE) for name in written]
    key = resource.fields[resource.key].attribute
    return {
        "TableName": draft.Meta.table_name,
        "Key": {attributes[key].attr_name: expressions.serialize(attributes[key], getattr(draft, key))},
        "ConditionExpression": condition,
        "ReturnValues": ALL_NEW,
        "ReturnValuesOnConditionCheckFailure": ALL_OLD,
        "UpdateExpression": expressions.update(slots, sets, [(attributes[VERSION_ATTRIBUTE], 1)]),
        **slots.kwargs(),
    }


def create_request(item: Model, key: Attribute[Any]) -> dict[str, Any]:
    """The Put of a new item, on condition that its key is free: written out (``expressions``) as
    ``TransactWrite.save(item, condition=key.does_not_exist())`` builds it. The item is serialised as
    PynamoDB serialises it (``stored_values.item_writer``); a versioned one is written as version 1, on
    condition that it has none (PynamoDB's rule)."""
    model = type(item)
    slots = expressions.Placeholders()
    clauses = [slots.absent(key)]
    serialized = item_writer(model)(item)
    if model._version_attribute_name is not None:
        assert getattr(item, model._version_attribute_name) is None, "a new item has no version yet"
        version = model.get_attributes()[model._version_attribute_name]
        serialized[version.attr_name] = expressions.serialize(version, 1)
        clauses.append(slots.absent(version))
    return {
        "TableName": model.Meta.table_name,
        "Item": serialized,
        "ConditionExpression": expressions.all_of(clauses),
        **slots.kwargs(),
    }


def update(resource: Resource, key: str, clean: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """Apply ``clean`` to the stored item in one UpdateItem; return the item as stored after it (raw)."""
    model = resource.model
    assert model is not None
    draft = model(key)
    apply_changes(resource, draft, clean)  # values, shadows, timestamps, index keys, as a full write would
    # Only what this change sets: the draft knows nothing of the stored item's other attributes.
    written = sorted(changed_attributes(resource, clean))
    kwargs = update_request(resource, draft, written, plan)
    table = model._get_connection()
    try:
        # Straight to botocore: PynamoDB's update_item neither sends ReturnValuesOnConditionCheckFailure
        # nor keeps the item DynamoDB returns with the failure.
        answer = retrying(lambda: table.connection.client.update_item(**kwargs))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        stored = model.from_raw_data(exc.response["Item"]) if exc.response.get("Item") else None
        if stored is not None and _own_write(draft, stored, plan, written):
            return exc.response["Item"]  # botocore repeated our write after a lost answer: its first attempt landed
        raise Refused(stored) from exc
    return answer["Attributes"]


def _own_write(draft: Model, stored: Model, plan: Plan, names: list[str]) -> bool:
    """Whether ``stored`` is our write applied: the version we asked for plus one, our values."""
    if plan.version is None or getattr(stored, VERSION_ATTRIBUTE, None) != plan.version + 1:
        return False
    # The listing shard is written only if absent (an older item keeps its partition): not ours to compare.
    return all(getattr(draft, n) == getattr(stored, n, None) for n in names if n != PARTITION_ATTRIBUTE)


def delete(resource: Resource, key: str, plan: Plan) -> None:
    """Delete the item and move its counters in one transaction, conditioned on ``plan``."""
    model = resource.model
    assert model is not None
    ghost = model(key)
    for attribute, value in plan.required.items():
        setattr(ghost, attribute, value)  # what the condition guarantees: enough to name its counters
    planned = counters.plan(dict.fromkeys(counter_keys(resource, ghost), -1))
    kwargs = ghost.get_delete_kwargs_from_instance(
        condition=_condition(resource, plan), return_values_on_condition_failure=ALL_OLD, add_version_condition=False
    )

    def build(transaction: TransactWrite) -> None:
        # PynamoDB's TransactWrite.delete takes no return_values (its save and update do): add the
        # delete as built above, with ALL_OLD, so a refusal brings the stored item back.
        transaction._delete_items.append(kwargs)
        planned.add(transaction)

    try:
        transact(build, on_conflict=planned.redraw)
    except Exception as exc:
        if not cancelled_by(exc, "ConditionalCheckFailed"):
            raise
        reasons = [r for r in getattr(exc, "cancellation_reasons", None) or [] if r is not None]
        stored = next((r.raw_item for r in reasons if r.code == "ConditionalCheckFailed"), None)
        raise Refused(model.from_raw_data(stored) if stored else None) from exc
