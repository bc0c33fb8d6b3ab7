"""Several new items in one DynamoDB transaction: all are written or none is.

Frappe's ``insert_many`` runs in one database transaction; here the items, their
uniqueness guards and every counter they move go into one ``TransactWriteItems``
(at most 100 entries), so a failure halfway leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import counters
from .accounts import Principal
from .errors import BadQuery, Conflict, NotAuthenticated, ValidationFailed
from .permissions import check
from .registry import Resource
from .validation import validate
from .writes import MAX_TRANSACTION_ITEMS, cancelled_by, transact


def max_batch(resource: Resource) -> int:
    """The most new items of ``resource`` one transaction holds with every counter they may move.

    A batch has one owner: the resource-wide counter and the owner's are one each; every other
    counted partition (genre, year...) may be a new counter per item.
    """
    counted = {p.name: p for p in resource.access_paths if p.counted}
    owner = f"{resource.owner}." if resource.owner else None
    shared = [n for n, p in counted.items() if p.hash_field is None or (owner and p.hash_field.startswith(owner))]
    per_item = len(counted) - len(shared)
    return (MAX_TRANSACTION_ITEMS - len(shared)) // (1 + per_item)


def create_all(batch: Sequence[tuple[Resource, dict[str, Any]]], principal: Principal | None) -> list[dict[str, Any]]:
    """Create every ``(resource, data)`` of ``batch`` or none; the new records, in order.

    Each is validated and permission-checked before anything is written; a
    validation error names the item by its position (``"2.title"``).
    """
    items: list[tuple[Resource, Any]] = []
    errors: dict[str, list[str]] = {}
    for position, (resource, data) in enumerate(batch):
        check(resource, "POST", principal)
        if principal is None and resource.owner:
            raise NotAuthenticated()
        try:
            clean = validate(resource, data, partial=False)
        except ValidationFailed as exc:
            errors.update({f"{position}.{name}": messages for name, messages in exc.fields.items()})
            continue
        assert resource.new_item
        items.append((resource, resource.new_item(clean, principal)))
    if errors:
        raise ValidationFailed(errors)
    counts: dict[str, int] = {}
    for resource, item in items:
        for key in resource.counter_keys(item) if resource.counter_keys else []:
            counts[key] = counts.get(key, 0) + 1
    if len(items) + len(counts) > MAX_TRANSACTION_ITEMS:
        raise BadQuery(f"Too many items for one transaction (at most {MAX_TRANSACTION_ITEMS}, counters included).")

    planned = counters.plan(counts)

    def build(transaction: TransactWrite) -> None:
        for resource, item in items:
            transaction.save(item, condition=getattr(resource.model, resource.key).does_not_exist())
        planned.add(transaction)

    if items:
        try:
            transact(build, on_conflict=planned.redraw)
        except TransactWriteError as exc:
            if cancelled_by(exc, "ConditionalCheckFailed"):
                raise Conflict() from exc
            raise
    return [resource.to_record(item) for resource, item in items if resource.to_record]
