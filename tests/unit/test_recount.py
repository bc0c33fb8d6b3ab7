"""``tools.recount``: counters a new counted access path starts without are rebuilt from the table."""

from __future__ import annotations

import json

from moviesapi.models import CounterModel

from tools.recount import recount

MOVIES = [("Heat", "Crime", 1995), ("Ran", "Drama", 1985), ("Ikiru", "Drama", 1952)]


def test_recount_restores_the_totals_lists_report(invoke, signup):
    access = signup("rita")["access"]
    for title, genre, year in MOVIES:
        r = invoke("resource_create", "movie_create", token=access, body={"title": title, "genre": genre, "year": year})
        assert r.status == 201, r.text
    # As on a table whose items predate the per-genre counters: they were never written.
    for counter in list(CounterModel.scan()):
        if "#by_genre#" in counter.key:
            counter.delete()

    def drama_total() -> int:
        q = {"q": [json.dumps({"filters": [{"name": "genre", "op": "==", "val": "Drama"}]})]}
        reply = invoke("resource_list", "restless_list", token=access, query=q)
        assert reply.status == 200, reply.text
        return reply.json()["num_results"]

    assert drama_total() == 0  # what a missing counter makes of a real total
    assert recount("movies", write=False) == {
        "count#movies#by_genre#Crime": (0, 1),
        "count#movies#by_genre#Drama": (0, 2),
    }
    recount("movies", write=True)
    assert drama_total() == 2
    assert recount("movies", write=False) == {}  # every counter now agrees with the table
    # Later writes keep it exact on top of the recount.
    body = {"title": "Ugetsu", "genre": "Drama", "year": 1953}
    r = invoke("resource_create", "movie_create", token=access, body=body)
    assert r.status == 201 and drama_total() == 3
