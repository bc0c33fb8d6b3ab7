"""``make bench``: what list queries read from DynamoDB, and the movie-get cold start.

1. For tables of 10,000 and 100,000 movies (moto, in process), the items
   DynamoDB read (ScannedCount) and the access path for: the first newest-first
   page, one creator's page, a genre + year range page, and an unindexed
   filter — each with its exact total, as the DRF page needs.
2. The cold start of the get function (a movie): a fresh Python process importing
   ``functions/resource_get/app.py`` and answering one real event against a moto
   server over HTTP.
3. Counter contention: 50 concurrent creators against a model of DynamoDB's
   transactions (``benchmarks/contention.py``), one counter item versus shards.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "core" / "python"
SECRET = "bench-signing-key-that-is-long-enough-for-hs256-0123456789"

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "JWT_SECRET": SECRET,
        "JWT_SECRET_ARN": "",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
)

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


COLD_START = r"""
import importlib.util, json, sys, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
t1 = time.perf_counter()
class Ctx:
    function_name = "MovieGetFunction"; function_version = "$LATEST"; memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:MovieGetFunction"
    aws_request_id = "bench"; log_group_name = "g"; log_stream_name = "s"
    def get_remaining_time_in_millis(self): return 10000
reply = module.lambda_handler(json.loads(sys.argv[2]), Ctx())
t2 = time.perf_counter()
assert reply["statusCode"] == 200, reply
print(json.dumps({"import_ms": (t1 - t0) * 1000, "invoke_ms": (t2 - t1) * 1000}))
"""


def measure_cold_start(runs: int) -> dict[str, float]:
    from localapi.server import start_moto

    server = start_moto()
    endpoint = server.endpoint
    env = {**os.environ, "DYNAMODB_ENDPOINT": endpoint, "PYTHONPATH": str(LAYER)}
    setup = r"""
import json
from moviesapi.models import ensure_tables
from moviesapi import accounts, resources, tokens
from moviesapi.catalog import MOVIE
ensure_tables()
user = accounts.register({"username": "cold", "email": "cold@x.io", "password1": "Sup3r-secret-pass",
                          "password2": "Sup3r-secret-pass"})
movie = resources.create(MOVIE, {"title": "Cold", "genre": "Start", "year": 2000},
                         accounts.Principal(user.id, user.username))
print(json.dumps({"id": movie["id"], "token": tokens.issue_access(user.id)}))
"""
    made = json.loads(
        subprocess.run([sys.executable, "-c", setup], env=env, capture_output=True, text=True, check=True).stdout
    )
    event = json.loads((ROOT / "events" / "movie_get.json").read_text())
    event["pathParameters"] = {"collection": "movies", "id": made["id"]}
    event["path"] = f"/api/v1/movies/{made['id']}/"
    event["headers"]["Authorization"] = f"Bearer {made['token']}"
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", COLD_START, str(ROOT / "functions/resource_get/app.py"), json.dumps(event)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        total = (time.perf_counter() - t0) * 1000
        samples.append({**json.loads(out.stdout.strip().splitlines()[-1]), "process_ms": total})
    server.stop()
    return {key: round(statistics.median(s[key] for s in samples), 1) for key in samples[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()
    cold = measure_cold_start(args.cold_runs)
    print("movie-get cold start (median of", args.cold_runs, "fresh processes):", json.dumps(cold))
    rows = measure_queries([int(s) for s in args.sizes.split(",")])
    columns = ["table", "query", "access", "count_from", "scanned", "returned", "total", "ms"]
    print("\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    from benchmarks.contention import report

    print("\n" + report())


if __name__ == "__main__":
    main()
