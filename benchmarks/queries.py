"""List queries: what DynamoDB reads (ScannedCount) and the access path, on tables of N movies (moto, in process).

For the first newest-first page, one creator's page, a genre + year range page and an
unindexed filter, each with its exact total, as the DRF page needs. ``load`` writes
the movies straight to the table, as the API would store them.
"""

from __future__ import annotations

import sys
import time

GENRES = ["Drama", "Crime", "Comedy", "Horror", "Western", "Romance", "Thriller", "Animation", "War", "Musical"]


def load(n: int, creators: int = 200) -> dict[str, str]:
    """Write ``n`` movies straight to the table (as the API would store them) and their counters."""
    from collections import Counter
    from datetime import UTC, datetime, timedelta

    from moviesapi.accounts import Principal
    from moviesapi.catalog import MOVIE
    from moviesapi.models import CounterModel, UniqueModel
    from moviesapi.storage import apply_changes

    assert MOVIE.model is not None and MOVIE.new_item and MOVIE.counter_keys
    start = datetime(2020, 1, 1, tzinfo=UTC)
    counts: Counter[str] = Counter()
    with MOVIE.model.batch_write() as batch:
        for i in range(n):
            created = start + timedelta(seconds=i)
            creator = f"user{i % creators}"
            title = f"{['Night', 'Day', 'Blue', 'Red', 'Last'][i % 5]} movie {i}"
            clean = {"title": title, "genre": GENRES[i % len(GENRES)], "year": 1930 + (i * 7) % 91}
            item = MOVIE.new_item(clean, Principal(f"id-{creator}", creator))
            item.created_at = created
            apply_changes(MOVIE, item, {}, now=created)  # timestamps and index keys as of `created`
            item.version = 1
            counts.update(MOVIE.counter_keys(item))
            batch.save(item)
    with CounterModel.batch_write() as batch:
        for key, value in counts.items():
            batch.save(CounterModel(key, value=value))
    with UniqueModel.batch_write() as batch:
        for i in range(min(n, creators)):
            batch.save(UniqueModel(f"username#user{i}", user_id=f"id-user{i}"))
    return {"creator": "user7"}


def scenarios(creator: str) -> list[tuple[str, object]]:
    from moviesapi.query import And, Cond, Order, Query

    return [
        ("first newest-first page", Query(order=(Order("created_at", True),), limit=10)),
        (
            "one creator's page",
            Query(where=Cond("creator.username", "eq", creator), order=(Order("created_at", True),), limit=10),
        ),
        (
            "genre + year range page",
            Query(
                where=And((Cond("genre", "eq", "Western"), Cond("year", "between", [1950, 1960]))),
                order=(Order("year"),),
                limit=10,
            ),
        ),
        (
            "unindexed filter (title contains)",
            Query(where=Cond("title", "icontains", "night movie 1"), order=(Order("created_at", True),), limit=10),
        ),
    ]


def measure_queries(sizes: list[int]) -> list[dict[str, object]]:
    from moto import mock_aws

    rows: list[dict[str, object]] = []
    for n in sizes:
        with mock_aws():
            from moviesapi import resources
            from moviesapi.accounts import Principal
            from moviesapi.catalog import MOVIE
            from moviesapi.errors import BadQuery
            from moviesapi.models import ensure_tables

            ensure_tables()
            t0 = time.perf_counter()
            ctx = load(n)
            print(f"loaded {n} movies in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            for name, query in scenarios(ctx["creator"]):
                t0 = time.perf_counter()
                try:
                    page = resources.search(MOVIE, query, Principal("bench", "bench"))  # type: ignore[arg-type]
                    row = {
                        "table": n,
                        "query": name,
                        "access": page.stats.access,
                        "count_from": page.stats.count_source,
                        "scanned": page.stats.scanned,
                        "returned": len(page.records),
                        "total": page.count,
                    }
                except BadQuery as exc:
                    row = {
                        "table": n,
                        "query": name,
                        "access": "refused (400)",
                        "count_from": "-",
                        "scanned": "> budget",
                        "returned": 0,
                        "total": str(exc)[:60],
                    }
                row["ms"] = round((time.perf_counter() - t0) * 1000, 1)
                rows.append(row)
    return rows
