"""CRUD over any declared resource: ownership, optimistic locking, counters, queries (values: ``validation``).

Dialects call these with a Principal and plain dicts; the functions return
records (dicts in the resource's field names) and raise core errors.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import counters, guarded, planner
from .accounts import Principal
from .errors import (
    ApiError,
    BadQuery,
    Conflict,
    NotAuthenticated,
    NotFound,
    PreconditionFailed,
    UnprocessableEntity,
    ValidationFailed,
)
from .http import Request
from .models import StateModel, get_raw, utcnow
from .overload import unavailable
from .permissions import check
from .query import Cond, Node, Order, Query, all_of, bind, bind_order
from .registry import Resource
from .validation import validate
from .writes import MAX_TRANSACTION_ITEMS, cancelled_by, landed, retrying, transact

ITEM_NOT_FOUND = "no_item"  # NotFound's code when the item itself is missing (not the URL)
_VERSION_TAG = re.compile(r'"(?:0|[1-9][0-9]{0,17})"')


def _stored_item(resource: Resource, key: str) -> dict[str, Any]:
    """The item as DynamoDB returns it: ``Model.get``'s request (consistent), without the model it makes."""
    if _valid_key(key):
        item = get_raw(resource.model, key)
        if item:
            return item
    raise NotFound(f"No {resource.title} matches the given query.", code=ITEM_NOT_FOUND)


def _load(resource: Resource, key: str) -> Any:
    return resource.model.from_raw_data(_stored_item(resource, key))


def _load_record(resource: Resource, key: str) -> dict[str, Any]:
    """The stored item's record; read straight from the item (``record_of_raw``) where the resource allows."""
    return _record_of(resource, _stored_item(resource, key))


def _record_of(resource: Resource, raw: dict[str, Any]) -> dict[str, Any]:
    """The record of an item as DynamoDB returned it: straight from it where the resource allows."""
    assert resource.to_record and resource.model
    return (
        resource.record_of_raw(raw) if resource.record_of_raw else resource.to_record(resource.model.from_raw_data(raw))
    )


def etag(record: dict[str, Any]) -> str:
    return f'W/"{record.get("version", 0)}"'


def _check_if_match(record: dict[str, Any], if_match: str | None) -> None:
    if not if_match:
        return
    tags = [t.strip() for t in if_match.split(",")]
    current = etag(record)
    if "*" not in tags and current not in tags and current.removeprefix("W/") not in tags:
        raise PreconditionFailed()


def create(resource: Resource, data: dict[str, Any], principal: Principal | None) -> dict[str, Any]:
    return create_once(resource, data, principal)[0]


IDEMPOTENCY_TTL = timedelta(hours=24)


def _idempotency_item(principal: Principal, key: str, data: dict[str, Any]) -> tuple[StateModel, str]:
    if not key or len(key) > 255 or not key.isprintable():
        raise ValidationFailed({"Idempotency-Key": ["Must be 1 to 255 printable characters."]})
    digest = hashlib.sha256(key.encode()).hexdigest()
    fingerprint = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return StateModel(f"idem#{principal.user_id}#{digest}"), fingerprint


def create_once(
    resource: Resource, data: dict[str, Any], principal: Principal | None, idempotency_key: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Create an object; with an ``Idempotency-Key``, a retry returns the first result instead.

    The key's record is written in the same transaction as the object, so a
    crash cannot leave one without the other, and two concurrent requests with
    one key create one object. Returns ``(record, replayed)``. Reusing a key
    with a different body is a 422, as the IETF Idempotency-Key draft says.
    """
    check(resource, "POST", principal)
    if principal is None and (resource.owner or idempotency_key is not None):
        raise NotAuthenticated()  # an owned item needs its owner; a replay needs the caller it belongs to
    marker, fingerprint = (None, "") if idempotency_key is None else _idempotency_item(principal, idempotency_key, data)
    if marker is not None:
        replay = _replay(resource, marker, fingerprint, principal)
        if replay is not None:
            return replay, True
    clean = validate(resource, data, partial=False)
    assert resource.new_item and resource.to_record and resource.model
    item = resource.new_item(clean, principal)
    if marker is not None:
        marker.expires_at = utcnow() + IDEMPOTENCY_TTL
        marker.user_id = principal.user_id
        # The response is replayed from this snapshot, even after the object is gone (the version
        # is the one the write will give it).
        snapshot = {**item.serialize(), "version": {"N": "1"}}
        marker.data = json.dumps({"id": getattr(item, resource.key), "fingerprint": fingerprint, "item": snapshot})

    planned = counters.plan(dict.fromkeys(_counters(resource, item), 1))
    put = guarded.create_request(item, getattr(resource.model, resource.key))

    def build(transaction: TransactWrite) -> None:
        transaction._put_items.append(put)  # TransactWrite.save's Put, built once for every attempt
        planned.add(transaction)
        if marker is not None:
            transaction.save(marker, condition=StateModel.pk.does_not_exist())

    try:
        transact(build, on_conflict=planned.redraw)
    except TransactWriteError:
        replay = _replay(resource, marker, fingerprint, principal) if marker is not None else None
        if replay is not None:
            return replay, True
        if landed(item):  # a retry of our own write (a fresh UUIDv7 key is nobody else's)
            return resource.to_record(item), False
        raise
    item.update_local_version_attribute()  # as TransactWrite does after a save: the version written (the ETag)
    return resource.to_record(item), False


def create_from_request(
    resource: Resource, data: dict[str, Any], principal: Principal | None, request: Request
) -> tuple[dict[str, Any], dict[str, str]]:
    """Create honouring the request's ``Idempotency-Key``; return the record and its response headers."""
    record, replayed = create_once(resource, data, principal, request.header("idempotency-key") or None)
    headers = {"ETag": etag(record)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return record, headers


def _replay(
    resource: Resource, marker: StateModel, fingerprint: str, principal: Principal | None
) -> dict[str, Any] | None:
    try:
        stored = StateModel.get(marker.pk, consistent_read=True)
    except DoesNotExist:
        return None
    if not stored.is_live():
        return None
    saved = json.loads(stored.data or "{}")
    if saved.get("fingerprint") != fingerprint:
        raise UnprocessableEntity("Idempotency-Key was already used with a different request body.")
    if "item" not in saved:  # a marker written before snapshots were kept
        return retrieve(resource, saved["id"], principal)
    assert resource.model and resource.to_record
    snapshot = resource.model.from_raw_data(saved["item"])
    return resource.to_record(snapshot)  # the first response again, as the Idempotency-Key draft asks


def retrieve(resource: Resource, key: str, principal: Principal | None) -> dict[str, Any]:
    check(resource, "GET", principal)
    record = _load_record(resource, key)
    check(resource, "GET", principal, record)
    return record


def _valid_key(key: Any) -> bool:
    return isinstance(key, str) and bool(key) and len(key) <= 64


def _if_match_version(if_match: str | None) -> tuple[bool, int | None]:
    """``(expressible, version)``: the version an ``If-Match`` asks for, when a condition can say it.

    No header or ``*``: any version. One tag ``W/"N"`` / ``"N"``: version N. Anything else
    (several tags, a tag no version can match) is judged on the item read first.
    """
    if not if_match or if_match.strip() == "*":
        return True, None
    tag = if_match.strip().removeprefix("W/")
    if _VERSION_TAG.fullmatch(tag):  # exactly as ``etag`` writes it: ASCII digits, no leading zero
        return True, int(tag[1:-1])
    return False, None


def _judge(resource: Resource, stored: Any, principal: Principal | None, method: str, if_match: str | None) -> Any:
    """The checks of a read-first write, in DRF's order, on the stored item: 404, 403, then 412."""
    if stored is None:
        raise NotFound(f"No {resource.title} matches the given query.", code=ITEM_NOT_FOUND)
    assert resource.to_record
    record = resource.to_record(stored)
    check(resource, method, principal, record)
    _check_if_match(record, if_match)
    return record


def _checked(resource: Resource, key: str, principal: Principal | None, method: str, if_match: str | None) -> Any:
    """The stored item, read and judged (a write that cannot carry its checks in its condition)."""
    item = _load(resource, key)
    _judge(resource, item, principal, method, if_match)
    return item


def update(
    resource: Resource,
    key: str,
    data: dict[str, Any],
    principal: Principal | None,
    *,
    partial: bool,
    if_match: str | None = None,
    method: str | None = None,
) -> dict[str, Any]:
    """Apply a change in one conditional write (``guarded``); concurrent writers cannot lose updates.

    Without ``If-Match`` concurrent changes merge field by field (the last writer of a field
    wins, as in DRF); with it, a stale version is a 412. An invalid body on an item the caller
    may not see or change answers 404/403 first, as DRF does.
    """
    method = method or ("PATCH" if partial else "PUT")
    check(resource, method, principal)
    assert resource.to_record and resource.apply_changes
    try:
        clean = validate(resource, data, partial=partial)
    except ValidationFailed:
        _checked(resource, key, principal, method, if_match)
        raise
    expressible, version = _if_match_version(if_match)
    planned = guarded.plan(resource, method, principal, version, clean) if expressible else None
    if planned is None or not _valid_key(key):
        return _update_read_first(resource, key, clean, principal, method, if_match)
    try:
        stored = guarded.update(resource, key, clean, planned)
    except guarded.Refused as refused:
        _judge(resource, refused.stored, principal, method, if_match)
        if planned.moves(refused.stored):  # a counted value changes: move its count, from the item returned
            return _update_read_first(resource, key, clean, principal, method, if_match, item=refused.stored)
        raise Conflict() from refused
    return _record_of(resource, stored)


def _update_read_first(
    resource: Resource,
    key: str,
    clean: dict[str, Any],
    principal: Principal | None,
    method: str,
    if_match: str | None,
    *,
    item: Any = None,
) -> dict[str, Any]:
    """Read (unless ``item`` was just returned), judge, write guarded by its version: for rules a
    condition cannot state and for changes that move counts."""
    assert resource.to_record and resource.apply_changes
    item = item if item is not None else _checked(resource, key, principal, method, if_match)
    before = _counters(resource, item)
    resource.apply_changes(item, clean)
    after = _counters(resource, item)
    try:
        if after == before:
            retrying(item.save)  # VersionAttribute adds "version = expected" to the write
        else:  # a counted partition changed (an item related to another parent): move its count too
            planned = counters.plan(counters.deltas(before, after))

            def build(transaction: TransactWrite) -> None:
                transaction.save(item)
                planned.add(transaction)

            transact(build, on_conflict=planned.redraw)
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        if landed(item):  # a retry of our own write, whose first answer was lost
            return resource.to_record(item)
        raise (PreconditionFailed() if if_match else Conflict()) from exc
    except TransactWriteError as exc:
        if cancelled_by(exc, "ConditionalCheckFailed"):
            raise (PreconditionFailed() if if_match else Conflict()) from exc
        raise
    return resource.to_record(item)


def _counters(resource: Resource, item: Any) -> list[str]:
    return list(resource.counter_keys(item)) if resource.counter_keys else []


def destroy(resource: Resource, key: str, principal: Principal | None, *, if_match: str | None = None) -> None:
    """Delete in one transaction (the item and its counters) carrying its checks (``guarded``)."""
    check(resource, "DELETE", principal)
    expressible, version = _if_match_version(if_match)
    planned = guarded.plan(resource, "DELETE", principal, version, None) if expressible else None
    if planned is not None and _valid_key(key):
        try:
            guarded.delete(resource, key, planned)
        except guarded.Refused as refused:
            _judge(resource, refused.stored, principal, "DELETE", if_match)
            raise Conflict() from refused
        return
    item = _checked(resource, key, principal, "DELETE", if_match)
    planned_counts = counters.plan(dict.fromkeys(_counters(resource, item), -1))

    def build(transaction: TransactWrite) -> None:
        transaction.delete(item)  # conditioned on the version read above
        planned_counts.add(transaction)

    try:
        transact(build, on_conflict=planned_counts.redraw)
    except TransactWriteError as exc:
        if cancelled_by(exc, "ConditionalCheckFailed"):
            raise (PreconditionFailed() if if_match else Conflict()) from exc
        raise


def search(resource: Resource, query: Query, principal: Principal | None) -> planner.Page:
    """One page of records matching ``query`` (fields checked against the declaration)."""
    check(resource, "GET", principal)
    assert resource.to_record
    query.where = bind(resource, query.where)
    query.order = bind_order(resource, query.order) or tuple(Order(f, d) for f, d in resource.default_order)
    return planner.run(resource, query)


def update_many(
    resource: Resource, where: Node | None, data: dict[str, Any], principal: Principal | None, *, limit: int
) -> int:
    """Apply ``data`` to every object matching ``where`` that the caller may change, all or nothing.

    With a declared owner, the caller's ownership is part of the filter (so it
    uses the by-owner index); every object is also checked against the
    resource's permission classes. One transaction writes every item, each
    conditioned on the version that was read, so either all change or none does.
    """
    check(resource, "PATCH", principal)
    assert resource.to_record and resource.apply_changes
    clean = validate(resource, data, partial=True)
    if resource.owner_path and principal is None:
        raise NotAuthenticated()  # nothing is an anonymous caller's own
    mine = Cond(resource.owner_path, "eq", principal.user_id) if resource.owner_path and principal else None
    bound = bind(resource, all_of([where, mine]))
    items, _ = planner.all_matching(resource, bound)
    items = [i for i in items if _may(resource, "PATCH", principal, resource.to_record(i))]
    if len(items) > limit:
        raise BadQuery(f"At most {limit} objects can be changed at once; narrow the query.")
    if not items or not clean:
        return 0  # nothing to change: nothing modified
    moves: dict[str, int] = {}
    for item in items:
        before = _counters(resource, item)
        resource.apply_changes(item, clean)
        after = _counters(resource, item)
        for key in before:
            moves[key] = moves.get(key, 0) - (key not in after)
        for key in after:
            moves[key] = moves.get(key, 0) + (key not in before)

    moved = {key: delta for key, delta in moves.items() if delta}
    if len(items) + len(moved) > MAX_TRANSACTION_ITEMS:  # one transaction holds the items and their counts
        raise BadQuery(
            f"At most {MAX_TRANSACTION_ITEMS - len(moved)} of these objects can be changed at once; narrow the query."
        )
    planned = counters.plan(moved)

    def build(transaction: TransactWrite) -> None:
        for item in items:
            transaction.save(item)
        planned.add(transaction)

    try:
        transact(build, on_conflict=planned.redraw)
    except TransactWriteError as exc:
        if unavailable(exc) is not None:
            raise  # busy, not conflicting: a 503 with Retry-After
        raise Conflict() from exc
    return len(items)


def _may(resource: Resource, method: str, principal: Principal | None, record: dict[str, Any]) -> bool:
    try:
        check(resource, method, principal, record)
    except ApiError:
        return False
    return True
