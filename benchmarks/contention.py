"""Contention on counter items: 50 concurrent creators against a model of DynamoDB's transactions.

A discrete-event simulation (seeded, so the figures repeat): each creator writes one
movie after another; a create is a transaction holding its item, the total
counter's shard and its creator's counter's shard for ``TRANSACTION_MS``. As on
DynamoDB, a transaction that meets an item another in-flight transaction holds is
cancelled (``TransactionConflict``), and one item takes at most ``ITEM_WRITES_PER_S``
writes a second. Conflicts are retried as ``moviesapi.writes`` retries them (full
jitter, its base, cap and attempts); a create that runs out of attempts is a 503.
The shard of each counter is drawn by ``moviesapi.counters.plan`` (again for
each retry: a cancelled transaction applied nothing), with ``SHARDS = 1``
standing for the single counter item the design had before.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass

CREATORS = 50
SIMULATED_S = 20.0
TRANSACTION_MS = 15.0  # a TransactWriteItems of three items, as DynamoDB answers it
ITEM_WRITES_PER_S = 1000.0  # one item's write throughput on DynamoDB
CREATORS_PER_USER = 1  # every creator is its own user (its own per-creator counter)


@dataclass
class Figures:
    shards: int
    transactions: int
    conflicts: int
    throttled: int
    created: int
    failed: int

    @property
    def conflict_rate(self) -> float:
        return self.conflicts / self.transactions if self.transactions else 0.0

    @property
    def writes_per_s(self) -> float:
        return self.created / SIMULATED_S


def simulate(shards: int, seed: int = 7) -> Figures:
    from moviesapi import counters, writes

    rng = random.Random(seed)  # noqa: S311 (a repeatable simulation)
    random.seed(seed)  # counters.plan draws from the module's generator
    saved = counters.SHARDS
    counters.SHARDS = shards
    try:
        sticky: dict[int, int | None] = {}  # creator → its container's shard
        held: dict[str, float] = {}  # item key → when its transaction ends
        next_free: dict[str, float] = {}  # item key → when it may take its next write (throughput cap)
        gap = 1.0 / ITEM_WRITES_PER_S
        events: list[tuple[float, int, int, int]] = [(rng.uniform(0, 0.01), c, 0, 0) for c in range(CREATORS)]
        heapq.heapify(events)
        figures = Figures(shards, 0, 0, 0, 0, 0)
        serial = 0
        while events:
            now, creator, attempt, _ = heapq.heappop(events)
            if now > SIMULATED_S:
                continue
            counters._container.shard = sticky.get(creator)  # each creator is a container of its own
            planned = counters.plan({"count#movies": 1, f"count#movies#by_creator#u{creator}": 1})
            if attempt:
                planned.redraw()  # what writes.transact does after a conflict
            sticky[creator] = counters._container.shard
            keys = [f"movie#{creator}#{serial}", *planned.shards]
            serial += 1
            figures.transactions += 1
            busy = any(held.get(k, -1.0) > now for k in keys)
            throttled = any(next_free.get(k, -1.0) > now for k in keys)
            if busy or throttled:
                figures.conflicts += busy
                figures.throttled += throttled and not busy
                if attempt + 1 < writes.ATTEMPTS:
                    delay = rng.uniform(0, min(writes.MAX_DELAY_S, writes.BASE_DELAY_S * 2**attempt))
                    heapq.heappush(events, (now + delay, creator, attempt + 1, serial))
                else:
                    figures.failed += 1
                    heapq.heappush(events, (now + 0.001, creator, 0, serial))  # the client's next create
                continue
            end = now + TRANSACTION_MS / 1000
            for k in keys:
                held[k] = end
                next_free[k] = max(next_free.get(k, now), now) + gap
            figures.created += 1
            heapq.heappush(events, (end, creator, 0, serial))
        return figures
    finally:
        counters.SHARDS = saved


def report() -> str:
    from moviesapi import counters

    rows = [simulate(1), simulate(16), simulate(counters.SHARDS)]
    lines = [
        f"counter contention: {CREATORS} concurrent creators, {SIMULATED_S:.0f} s simulated, "
        f"{TRANSACTION_MS:.0f} ms transactions, {ITEM_WRITES_PER_S:.0f} writes/s per item",
        "",
        "| counter shards | transactions | conflict rate | created/s | 503s |",
        "|---|---|---|---|---|",
    ]
    for f in rows:
        lines.append(
            f"| {f.shards}{' (before)' if f.shards == 1 else ''} | {f.transactions} | {f.conflict_rate:.1%} | "
            f"{f.writes_per_s:.0f} | {f.failed} |"
        )
    return "\n".join(lines)
