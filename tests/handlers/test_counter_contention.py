"""Concurrent creators and deleters against a DynamoDB that cancels overlapping transactions.

moto applies requests one at a time; DynamoDB runs them concurrently and cancels a
transaction (``TransactionConflict``) that touches an item another in-flight
transaction holds. ``ContendedStore`` models exactly that in front of PynamoDB's
connection: each transaction holds its items for a short while before moto applies
it (moto itself is called one request at a time), and a transaction meeting a held
item is cancelled. Totals must stay exact whatever conflicts and retries happen.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.client import BaseClient
from pynamodb.connection.base import Connection
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

KEY_ATTRIBUTES = ("id", "key", "pk")
CREATORS = 50


def _item_key(operation: dict[str, Any]) -> tuple[str, str]:
    """(table, key) an operation of a TransactWriteItems request touches."""
    values = operation.get("Key") or operation.get("Item") or {}
    key = {k: v for k, v in values.items() if k in KEY_ATTRIBUTES}
    return operation["TableName"], json.dumps(key, sort_keys=True)


@dataclass
class ContendedStore:
    hold_s: float = 0.002
    in_flight: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    moto: threading.Lock = field(default_factory=threading.Lock)
    transactions: int = 0
    conflicts: int = 0
    touched: list[list[tuple[str, str]]] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = Connection.transact_write_items
        store = self

        def transact(conn: Connection, *args: Any, **kwargs: Any) -> Any:
            operations = [
                op
                for name in ("condition_check_items", "delete_items", "put_items", "update_items")
                for op in (kwargs.get(name) or [])
            ]
            keys = [_item_key(op) for op in operations]
            with store.lock:
                store.transactions += 1
                store.touched.append(keys)
                if any(k in store.in_flight for k in keys):
                    store.conflicts += 1
                    error = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}
                    reasons = [CancellationReason(code="TransactionConflict") for _ in keys]
                    cause = VerboseClientError(error, "TransactWriteItems", cancellation_reasons=reasons)
                    raise TransactWriteError("Failed", cause=cause)
                store.in_flight.update(keys)
            try:
                time.sleep(store.hold_s)  # DynamoDB holds the items while the transaction runs
                with store.moto:
                    return real(conn, *args, **kwargs)
            finally:
                with store.lock:
                    store.in_flight.difference_update(keys)

        monkeypatch.setattr(Connection, "transact_write_items", transact)
        serial = self.moto
        call = BaseClient._make_api_call

        # Every other call, through PynamoDB or straight to botocore, reaches moto one at a time.
        def one_at_a_time(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            if operation == "TransactWriteItems":  # held above, then applied under the same lock
                return call(client, operation, params)
            with serial:
                return call(client, operation, params)

        monkeypatch.setattr(BaseClient, "_make_api_call", one_at_a_time)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[ContendedStore]:
    contended = ContendedStore()
    contended.install(monkeypatch)
    yield contended


def _principal(signup) -> Any:
    from moviesapi.accounts import Principal, find_by_username

    signup("alice")
    return Principal.of(find_by_username("alice"), "jwt")


def _outcome(fn: Any) -> str:
    from moviesapi.overload import unavailable

    try:
        fn()
    except Exception as exc:
        if unavailable(exc) is None:
            raise
        return "busy"
    return "ok"


def test_concurrent_creates_and_deletes_keep_totals_exact(signup, store):
    from moviesapi import counters, resources
    from moviesapi.registry import find_resource

    movies = find_resource("movies")
    alice = _principal(signup)
    created: list[str] = []
    guard = threading.Lock()

    def create(n: int) -> str:
        def run() -> None:
            record = resources.create(movies, {"title": f"Film {n}", "genre": "Drama", "year": 1950}, alice)
            with guard:
                created.append(record["id"])

        return _outcome(run)

    with ThreadPoolExecutor(max_workers=CREATORS) as pool:
        outcomes = list(pool.map(create, range(CREATORS)))
    stored = {m.id for m in movies.model.scan()}
    assert stored == set(created)  # every acknowledged create is there, nothing else (no partial write)
    assert outcomes.count("ok") == len(created)
    assert counters.total("count#movies") == len(stored)
    assert counters.total(f"count#movies#by_creator#{alice.user_id}") == len(stored)

    doomed = sorted(stored)[: len(stored) // 2]
    with ThreadPoolExecutor(max_workers=CREATORS) as pool:
        list(pool.map(lambda key: _outcome(lambda: resources.destroy(movies, key, alice)), doomed))
    left = {m.id for m in movies.model.scan()}
    assert counters.total("count#movies") == len(left)
    assert counters.total(f"count#movies#by_creator#{alice.user_id}") == len(left)
    # Conflicts happened (the model is not idle) and each transaction touched every item once.
    assert store.transactions > len(stored) and all(len(keys) == len(set(keys)) for keys in store.touched)


def test_containers_keep_their_shard_and_spread_over_them(signup, store):
    """One container (here: a thread) keeps its shard; concurrent ones land on many."""
    from moviesapi import counters, resources
    from moviesapi.registry import find_resource

    movies = find_resource("movies")
    alice = _principal(signup)

    def shards_used() -> set[str]:
        return {key for keys in store.touched for _, key in keys if '"count#movies#s' in key}

    for n in range(5):
        resources.create(movies, {"title": f"Film {n}", "genre": "Drama", "year": 1950}, alice)
    assert len(shards_used()) == 1  # sequential writes from one container never conflict with themselves

    def create(n: int) -> str:
        return _outcome(lambda: resources.create(movies, {"title": f"F{n}", "genre": "Drama", "year": 1950}, alice))

    with ThreadPoolExecutor(max_workers=CREATORS) as pool:
        list(pool.map(create, range(CREATORS)))
    assert len(shards_used()) > 16  # 50 containers over 64 shards
    assert counters.total("count#movies") == len(list(movies.model.scan()))
