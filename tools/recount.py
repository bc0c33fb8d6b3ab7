"""Recount a declared resource's counters from its table: ``python -m tools.recount movies [--write]``.

Counters are changed in the same transaction as the items they count, so they
stay exact; a counter that did not exist when its items were written does not.
Declaring a new counted access path (say ``by_genre``) on a table that already
holds items is that case: its counters start at nothing while the items exist.
This scans the table, derives every item's counter keys as a write would, and
with ``--write`` sets each counter to its true value (the whole total in one
shard, the other shards and the unsharded item to 0). Without ``--write`` it
prints what it would change.

Run it with the resource's writes paused (a create between the scan and the
write would be counted twice or not at all), e.g. right after the deploy that
adds the access path and before traffic returns. Counters no item names any
more (a genre nobody has) are left as they are.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence


def true_counts(resource_name: str) -> Counter[str]:
    """Every counter of ``resource_name`` as the table's items say it should be."""
    from moviesapi.registry import get_resource

    resource = get_resource(resource_name)
    assert resource.model is not None and resource.counter_keys is not None
    counts: Counter[str] = Counter()
    for item in resource.model.scan():
        counts.update(resource.counter_keys(item))
    return counts


def recount(resource_name: str, *, write: bool) -> dict[str, tuple[int, int]]:
    """``{counter: (stored, true)}`` for every counter whose stored total differs; ``write`` fixes them."""
    from moviesapi import counters
    from moviesapi.models import CounterModel

    wanted = true_counts(resource_name)
    stored = counters.totals(wanted)
    wrong = {key: (stored[key], value) for key, value in wanted.items() if stored[key] != value}
    if write:
        for key, (_, value) in wrong.items():
            with CounterModel.batch_write() as batch:
                for n, shard in enumerate(counters.shard_keys(key)):
                    batch.save(CounterModel(shard, value=value if n == 1 else 0))
    return wrong


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.recount", description=__doc__.splitlines()[0])
    parser.add_argument("resource", help="a declared resource's name (movies)")
    parser.add_argument("--write", action="store_true", help="set the counters (default: only report)")
    args = parser.parse_args(argv)
    wrong = recount(args.resource, write=args.write)
    for key, (stored, value) in sorted(wrong.items()):
        sys.stdout.write(f"{key}: {stored} -> {value}\n")
    verb = "set" if args.write else "would set"
    sys.stdout.write(f"{len(wrong)} counter(s) {verb}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
