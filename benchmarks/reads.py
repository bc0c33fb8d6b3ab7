"""Items read ÷ returned for list filters, per dialect, through the real list function (moto, in process).

A table of 10,000 movies (``queries.load``); each request is a committed list event with
its filter replaced. Items read is the ``ScannedCount`` of every Query/Scan the request
made (``common.ReadCounter``); returned is the page's records. The goal (≤ 1.2) holds
for equalities on a declared field; a contains/like filter is not an equality, so no
index can answer it and it has no goal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from benchmarks.common import FakeContext, ReadCounter, load_function, make_event

GOAL = 1.2
WESTERN = '[{"name": "genre", "op": "==", "val": "Western"}]'


@dataclass(frozen=True)
class Filter:
    label: str
    event: str
    query: dict[str, list[str]] | None  # None: the committed event's own query
    equality: bool


FILTERS: tuple[Filter, ...] = (
    Filter("Restless genre == Western", "restless_list", {"q": [f'{{"filters": {WESTERN}}}']}, True),
    Filter("Frappe [[genre, =, Western]]", "frappe_list", {"filters": ['[["genre", "=", "Western"]]']}, True),
    Filter("DRF ?year=1951 (the load has no 1950)", "movie_list", {"year": ["1951"]}, True),
    Filter("DRF ?creator__username=user7 (icontains)", "movie_list", {"creator__username": ["user7"]}, False),
    Filter("events/movie_list.json (genre=drama, icontains)", "movie_list", None, False),
    Filter("events/frappe_list.json (year >= 1940, genre like)", "frappe_list", None, False),
    Filter("events/restless_list.json (year >= 1940, range)", "restless_list", None, False),
)


@dataclass
class ReadRow:
    label: str
    status: int
    read: int
    returned: int
    equality: bool
    calls: list[str]

    @property
    def ratio(self) -> float | None:
        return self.read / self.returned if self.returned else None

    @property
    def met(self) -> str:
        if not self.equality:
            return "-"
        return "yes" if self.ratio is not None and self.ratio <= GOAL else "NO"


def _records(body: Any) -> int:
    if isinstance(body, dict):
        for key in ("results", "objects", "data"):
            if isinstance(body.get(key), list):
                return len(body[key])
    return 0


def measure(counter: ReadCounter, n: int = 10_000) -> list[ReadRow]:
    from moto import mock_aws

    from benchmarks.queries import load

    with mock_aws():
        from moviesapi import accounts, tokens
        from moviesapi.models import ensure_tables

        ensure_tables()
        load(n)
        pw = "Sup3r-secret-reader-pass"
        reader = accounts.register({"username": "reader", "email": "r@x.io", "password1": pw, "password2": pw})
        token = tokens.issue_access(reader.id, accounts.identity(reader))
        handler = load_function("resource_list").lambda_handler
        rows: list[ReadRow] = []
        for f in FILTERS:
            event = make_event(f.event, token=token, query=f.query)
            counter.reset()
            reply = handler(event, FakeContext())
            try:
                body = json.loads(reply.get("body") or "null")
            except ValueError:
                body = None
            rows.append(
                ReadRow(f.label, reply["statusCode"], counter.scanned, _records(body), f.equality, counter.requests)
            )
        return rows


def report(rows: list[ReadRow], n: int = 10_000) -> str:
    lines = [
        f"items read ÷ returned, {n:,} movies (goal ≤ {GOAL} for an equality on a declared field)",
        "",
        "| filter | status | items read | returned | read ÷ returned | goal | met? | DynamoDB calls |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        goal = f"≤ {GOAL}" if r.equality else "not an equality — not indexable"
        lines.append(
            f"| {r.label} | {r.status} | {r.read} | {r.returned} | {ratio} | {goal} | {r.met} | {len(r.calls)} |"
        )
    return "\n".join(lines)
