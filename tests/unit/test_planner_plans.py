"""Which DynamoDB access path the planner picks for a query (pure: no DynamoDB needed)."""

from __future__ import annotations

import pytest
from moviesapi.catalog import MOVIE
from moviesapi.plans import plan
from moviesapi.query import And, Cond, Not, Or, Order, Query, bind, bind_order

NEWEST = (Order("created_at", True),)


def chosen(where=None, order=NEWEST):
    q = Query(where=bind(MOVIE, where), order=bind_order(MOVIE, order))
    return plan(MOVIE, q, MOVIE.access_paths)


@pytest.mark.parametrize(
    ("where", "order", "access", "native"),
    [
        (None, (Order("created_at", True),), "query:by_created", True),
        (None, (Order("updated_at", True),), "query:by_updated", True),
        (None, (Order("year"),), "scan", False),
        (Cond("id", "eq", "abc"), (), "get", False),
        (Cond("creator.id", "eq", "u1"), (Order("created_at", True),), "query:by_creator", True),
        (Cond("genre", "eq", "Drama"), (Order("year"),), "query:by_genre_year", True),
        (
            And((Cond("genre", "eq", "Drama"), Cond("year", "between", [1950, 1960]))),
            (Order("year"),),
            "query:by_genre_year",
            True,
        ),
        (Cond("title", "icontains", "x"), (Order("created_at", True),), "query:by_created", True),
        (
            Or((Cond("genre", "eq", "Drama"), Cond("genre", "eq", "Crime"))),
            (Order("created_at", True),),
            "query:by_created",
            True,
        ),
        (Not(Cond("genre", "eq", "Drama")), (Order("title"),), "scan", False),
    ],
)
def test_access_path(where, order, access, native):
    p = chosen(where, order)
    assert p.describe == access
    assert p.native_order is native or access == "get"


def test_key_conditions_capture_terms():
    p = chosen(
        And((Cond("genre", "eq", "Drama"), Cond("year", "ge", 1950), Cond("year", "le", 1960))), (Order("year"),)
    )
    assert p.range_condition is not None and p.residual == [] and p.filter_condition is None
    p = chosen(And((Cond("genre", "eq", "Drama"), Cond("title", "icontains", "god"))), (Order("year"),))
    assert p.range_condition is None and len(p.residual) == 1 and p.filter_condition is not None


def test_not_is_never_pushed_down():
    p = chosen(Not(Cond("genre", "eq", "Drama")))
    assert p.filter_condition is None and len(p.residual) == 1
