"""Exact item counts that concurrent writers do not meet on: a counter is ``SHARDS`` items, summed on read.

Every create and delete changes its resource's counters in the same transaction
as the item, so totals stay exact. On DynamoDB, two transactions touching one
item at once conflict (``TransactionConflict``) and one item takes about 1,000
writes a second; a single ``count#movies`` item would make every pair of
concurrent creates collide. So each write adds to one of ``SHARDS`` shards
(``count#movies#s7``): the container's own, drawn at random once and again
after a conflict, so concurrent containers settle on different shards; a read
sums the shards with one ``BatchGetItem``
(the unsharded item, which older writes used, is read too). The shards are
drawn before the transaction is built, so a retry after a lost answer sends the
same request under the same ``ClientRequestToken``; after a conflict (nothing
was applied) they are drawn again.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from pynamodb.transactions import TransactWrite

from .models import CounterModel, batch_get

SHARDS = 64  # more than the concurrent containers that write one counter: they settle apart


def shard_keys(key: str) -> list[str]:
    """Every item holding part of counter ``key``: the shards and the unsharded item older writes used."""
    return [key, *(f"{key}#s{n}" for n in range(SHARDS))]


_container = threading.local()  # Lambda runs one invocation per container at a time: its own shard


def _sticky_shard(fresh: bool = False) -> int:
    """This container's shard: drawn once, kept while it works, drawn again after a conflict.

    Concurrent invocations run in different containers; once their shards differ
    they never meet again, so conflicts die out instead of recurring at random.
    """
    shard = getattr(_container, "shard", None)
    if fresh or shard is None or shard >= SHARDS:
        shard = random.randrange(SHARDS)  # noqa: S311 (load spreading, not secrets)
        _container.shard = shard
    return shard


class Plan:
    """The shard each changing counter of one write adds to; drawn again after a conflict.

    A transaction cancelled by a conflict was not applied, so its retry may pick
    other shards (with a new request token); a retry after a lost answer must not.
    """

    def __init__(self, deltas: Mapping[str, int]) -> None:
        self.deltas = {key: delta for key, delta in deltas.items() if delta}
        self.shards: dict[str, int] = {}
        self._assign(_sticky_shard())

    def _assign(self, shard: int) -> None:
        self.shards = {f"{key}#s{shard}": delta for key, delta in self.deltas.items()}

    def redraw(self) -> None:
        self._assign(_sticky_shard(fresh=True))

    def add(self, transaction: TransactWrite) -> None:
        """Add the deltas to their shards inside ``transaction``.

        Each is the request ``transaction.update(CounterModel(shard), actions=[value.add(delta)])``
        builds (``tests/unit/test_storage.py`` holds them equal), written out: PynamoDB's
        model and expression machinery made four of them a quarter of a create's own CPU.
        """
        for shard, delta in self.shards.items():
            transaction._update_items.append(counter_add(shard, delta))


def counter_add(shard: str, delta: int) -> dict[str, Any]:
    """The TransactWriteItems ``Update`` adding ``delta`` to counter item ``shard``."""
    return {
        "TableName": CounterModel.Meta.table_name,
        "Key": {CounterModel.key.attr_name: {"S": shard}},
        "UpdateExpression": "ADD #0 :0",
        "ExpressionAttributeNames": {"#0": CounterModel.value.attr_name},
        "ExpressionAttributeValues": {":0": {"N": str(int(delta))}},
    }


def plan(deltas: Mapping[str, int]) -> Plan:
    return Plan(deltas)


def deltas(before: Iterable[str], after: Iterable[str]) -> dict[str, int]:
    """The counter changes of an item moving from the counters ``before`` to those ``after``."""
    old, new = set(before), set(after)
    return {**dict.fromkeys(old - new, -1), **dict.fromkeys(new - old, 1)}


def total(key: str) -> int:
    """Counter ``key``'s value: its shards summed, in one BatchGetItem."""
    return totals([key])[key]


BATCH_GET_KEYS = 100  # DynamoDB's BatchGetItem limit


def totals(keys: Iterable[str]) -> dict[str, int]:
    """Several counters at once (one BatchGetItem per 100 shard items), read as raw numbers."""
    wanted = list(dict.fromkeys(keys))
    out: dict[str, int] = dict.fromkeys(wanted, 0)
    owner = {shard: key for key in wanted for shard in shard_keys(key)}
    shards = list(owner)
    table = CounterModel.Meta.table_name
    names = {"#k": CounterModel.key.attr_name, "#v": CounterModel.value.attr_name}
    for start in range(0, len(shards), BATCH_GET_KEYS):
        chunk = shards[start : start + BATCH_GET_KEYS]
        request = {"Keys": [{names["#k"]: {"S": k}} for k in chunk], "ProjectionExpression": "#k, #v"}
        for raw in batch_get({table: {**request, "ExpressionAttributeNames": names}}).get(table, []):
            out[owner[raw[names["#k"]]["S"]]] += int(raw.get(names["#v"], {}).get("N", "0"))
    return out
