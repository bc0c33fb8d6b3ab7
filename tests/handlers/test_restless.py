"""The Flask-Restless dialect through the real handlers and committed events (moto DynamoDB)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.conftest import FakeContext, Reply, load_function, make_event


@pytest.fixture
def alice(signup):
    return signup("alice")["access"]


@pytest.fixture
def bob(signup):
    return signup("bob")["access"]


def q(**kwargs):
    return {"q": [json.dumps(kwargs)]}


def post(invoke, token, **fields):
    body = {"title": "Casablanca", "genre": "Drama", "year": 1942, **fields}
    r = invoke("resource_create", "restless_create", token=token, body=body)
    assert r.status == 201, r.text
    return r.json()


@pytest.fixture
def catalogue(invoke, alice, bob):
    post(invoke, alice, title="The Godfather", genre="Crime", year=1972)
    post(invoke, alice, title="Casablanca", genre="Drama", year=1942)
    post(invoke, alice, title="Vertigo", genre="Thriller", year=1958)
    post(invoke, bob, title="Godzilla", genre="Science Fiction", year=1954)
    post(invoke, bob, title="Heat", genre="Crime", year=1995)


def listing(invoke, token, **params):
    r = invoke("resource_list", "restless_list", token=token, query=params)
    return r


def titles(r):
    assert r.status == 200, r.text
    return [o["title"] for o in r.json()["objects"]]


def test_post_returns_object_with_nested_creator(invoke, alice):
    movie = post(invoke, alice, id="forged", creator={"username": "mallory"})
    assert movie["id"] != "forged"
    creator = movie["creator"]  # 0.17 nests every public field of the user, beside the foreign-key column
    assert set(creator) == {"id", "username", "first_name", "last_name", "date_joined"}
    assert creator["username"] == "alice" and movie["creator_id"] == creator["id"]
    assert set(movie) == {"id", "title", "genre", "year", "created_at", "updated_at", "creator", "creator_id"}
    event = make_event("restless_user", token=alice)
    event["pathParameters"] = {"id": creator["id"]}
    event["path"] = f"/api/users/{creator['id']}"
    user = Reply(load_function("resource_get").lambda_handler(event, FakeContext()))
    assert user.status == 200 and creator == user.json()  # the caller's own public fields, as /api/users answers
    for stamp in (movie["created_at"], movie["updated_at"], creator["date_joined"]):
        assert datetime.fromisoformat(stamp).tzinfo is None, stamp  # 0.17: naive ISO 8601, no zone suffix


def test_committed_list_event(invoke, alice, catalogue):
    r = invoke("resource_list", "restless_list", token=alice)
    assert r.status == 200
    body = r.json()
    assert body["num_results"] == 5 and body["page"] == 1 and body["total_pages"] == 1
    assert [o["year"] for o in body["objects"]] == [1995, 1972, 1958, 1954, 1942]


def test_filters_operators_and_aliases(invoke, alice, catalogue):
    assert titles(
        listing(
            invoke, alice, **q(filters=[{"name": "genre", "op": "==", "val": "Crime"}], order_by=[{"field": "year"}])
        )
    ) == ["The Godfather", "Heat"]
    assert titles(
        listing(
            invoke,
            alice,
            **q(
                filters=[{"name": "year", "op": "gte", "val": 1950}, {"name": "year", "op": "leq", "val": 1960}],
                order_by=[{"field": "year"}],
            ),
        )
    ) == ["Godzilla", "Vertigo"]
    assert titles(
        listing(
            invoke,
            alice,
            **q(filters=[{"name": "title", "op": "ilike", "val": "%GOD%"}], order_by=[{"field": "title"}]),
        )
    ) == ["Godzilla", "The Godfather"]
    assert titles(
        listing(
            invoke,
            alice,
            **q(filters=[{"name": "year", "op": "gte", "val": 1972}, {"name": "year", "op": "lt", "val": 1990}]),
        )
    ) == ["The Godfather"]
    assert titles(
        listing(
            invoke,
            alice,
            **q(
                filters=[{"name": "year", "op": "in", "val": [1942, 1954]}],
                order_by=[{"field": "year", "direction": "desc"}],
            ),
        )
    ) == ["Godzilla", "Casablanca"]
    crime_after_1990 = {
        "and": [{"name": "genre", "op": "eq", "val": "Crime"}, {"name": "year", "op": ">", "val": 1990}]
    }
    nested = {"or": [{"name": "genre", "op": "eq", "val": "Thriller"}, crime_after_1990]}
    assert titles(listing(invoke, alice, **q(filters=[nested], order_by=[{"field": "year"}]))) == ["Vertigo", "Heat"]
    assert titles(
        listing(
            invoke,
            alice,
            **q(filters=[{"name": "creator__username", "op": "==", "val": "bob"}], order_by=[{"field": "year"}]),
        )
    ) == ["Godzilla", "Heat"]
    has = {"name": "creator", "op": "has", "val": {"name": "username", "op": "eq", "val": "bob"}}
    assert len(titles(listing(invoke, alice, **q(filters=[has])))) == 2
    assert titles(listing(invoke, alice, **q(filters=[{"name": "genre", "op": "is_null"}]))) == []
    # 0.17 compares two fields of one object (``field`` instead of ``val``), and an empty or/and matches all
    same = {"name": "created_at", "op": "<=", "field": "updated_at"}
    assert len(titles(listing(invoke, alice, **q(filters=[same])))) == 5
    assert titles(listing(invoke, alice, **q(filters=[{"name": "year", "op": "==", "field": "genre"}]))) == []
    assert len(titles(listing(invoke, alice, **q(filters=[{"or": []}])))) == 5
    assert len(titles(listing(invoke, alice, **q(filters=[{"and": []}])))) == 5


def test_pages(invoke, alice, catalogue):
    r = listing(invoke, alice, page=["2"], results_per_page=["2"])
    body = r.json()
    assert body["num_results"] == 5 and body["total_pages"] == 3 and body["page"] == 2
    assert [o["year"] for o in body["objects"]] == [1958, 1954]  # primary key (oldest) first: created 3rd and 4th
    r = listing(invoke, alice, results_per_page=["100000"])
    assert r.status == 200 and len(r.json()["objects"]) == 5
    r = listing(invoke, alice, page=["0"])  # 0.17: page 0 exists, and is empty
    assert r.status == 200 and r.json()["objects"] == [] and r.json()["page"] == 0 and r.json()["num_results"] == 5
    r = listing(invoke, alice, page=["-1"], results_per_page=["2"])  # 0.17 slices as Python does: [-4:-2]
    assert r.status == 200 and [o["year"] for o in r.json()["objects"]] == [1942, 1958]
    for per_page in ("0", "-2", "abc", "3.5"):  # not a positive integer: the default (10)
        r = listing(invoke, alice, results_per_page=[per_page])
        assert r.status == 200 and len(r.json()["objects"]) == 5 and r.json()["total_pages"] == 1, per_page


@pytest.mark.parametrize("filters", [None, [{"name": "year", "op": "gt", "val": 0}]])
def test_a_page_past_the_limit_is_empty(invoke, alice, catalogue, filters):
    """Flask-Restless 0.17 cuts pages out of ``limit``'s result: limit 2, page 2 of 2 per page holds
    nothing (the query asks for an offset and 0 items: none may come back, filtered or not)."""
    extra = {} if filters is None else {"filters": filters}
    r = listing(invoke, alice, page=["2"], results_per_page=["2"], **q(limit=2, **extra))
    assert r.status == 200 and titles(r) == []


def test_limit_offset_single(invoke, alice, catalogue):
    r = listing(invoke, alice, **q(order_by=[{"field": "year"}], limit=2, offset=1))
    assert titles(r) == ["Godzilla", "Vertigo"] and r.json()["num_results"] == 2
    r = listing(invoke, alice, **q(filters=[{"name": "title", "op": "==", "val": "Heat"}], single=True))
    assert r.status == 200 and r.json()["title"] == "Heat"
    r = listing(invoke, alice, **q(filters=[{"name": "genre", "op": "==", "val": "Crime"}], single=True))
    assert r.status == 400 and r.json() == {"message": "Multiple results found"}
    r = listing(invoke, alice, **q(filters=[{"name": "title", "op": "==", "val": "None"}], single=True))
    assert r.status == 404 and r.json() == {"message": "No result found"}


@pytest.mark.parametrize(
    "params",
    [
        {"q": ["{not json"]},
        q(filters=[{"name": "year", "op": "regex", "val": "1"}]),
        q(filters=[{"name": "password", "op": "==", "val": "x"}]),
        q(filters=[{"name": "creator__password", "op": "==", "val": "x"}]),
        q(filters=[{"name": "creator__email", "op": "like", "val": "%"}]),
        q(filters=[{"name": "creator", "op": "has", "val": {"name": "api_secret_hash", "op": "is_not_null"}}]),
        q(order_by=[{"field": "creator__password"}]),
        q(order_by=[{"field": "year", "direction": "sideways"}]),
        q(filters=[{"name": "year", "op": "==", "val": "MCMXLII"}]),
        q(filters="year"),
        q(filters=[{"name": "year", "op": "between", "val": [1950, 1960]}]),  # not one of 0.17's operators
        q(filters=[{"name": "year", "op": "=="}]),  # 0.17 needs a value
        q(filters=[{"name": "year", "op": "==", "field": "creator__password"}]),
        q(filters=[{"name": "year", "op": "like", "field": "genre"}]),
    ],
)
def test_bad_queries_are_400_with_message(invoke, alice, catalogue, params):
    r = listing(invoke, alice, **params)
    assert r.status == 400, r.text
    assert set(r.json()) == {"message"}
    assert "argon2" not in r.text


def test_get_put_patch_delete_single(invoke, alice, bob):
    movie = post(invoke, alice)
    r = invoke("resource_get", "restless_get", token=bob, path_id=movie["id"])
    assert r.status == 200 and r.json() == movie
    r = invoke("resource_update", "restless_patch", token=alice, path_id=movie["id"], body={"genre": "Romance"})
    assert r.status == 200 and r.json()["genre"] == "Romance"
    r = invoke("resource_update", "restless_patch", token=bob, path_id=movie["id"], body={"genre": "Hijack"})
    assert r.status == 403 and set(r.json()) == {"message"}
    r = invoke("resource_delete", "restless_delete", token=bob, path_id=movie["id"])
    assert r.status == 403
    r = invoke("resource_delete", "restless_delete", token=alice, path_id=movie["id"])
    assert r.status == 204
    r = invoke("resource_get", "restless_get", token=alice, path_id=movie["id"])
    assert r.status == 404 and r.json() == {}  # 0.17's body for a missing item


def test_validation_errors_shape(invoke, alice):
    r = invoke("resource_create", "restless_create", token=alice, body={"title": "", "year": "x"})
    assert r.status == 400
    assert r.json() == {
        "validation_errors": {
            "title": "This field may not be blank.",
            "genre": "This field is required.",
            "year": "A valid integer is required.",
        }
    }
    r = invoke(
        "resource_create", "restless_create", token=alice, body={"title": "A", "genre": "B", "year": 2000, "budget": 10}
    )
    # 0.17 cannot map an unknown field onto the model when creating: no per-field errors
    assert r.status == 400 and r.json() == {"validation_errors": "Could not determine specific validation errors"}


def test_patch_many_only_touches_own(invoke, alice, bob, catalogue):
    r = invoke(
        "resource_patch_many",
        "restless_patch_many",
        token=alice,
        query=q(filters=[{"name": "genre", "op": "==", "val": "Crime"}]),
        body={"genre": "Noir"},
    )
    assert r.status == 200 and r.json() == {"num_modified": 1}
    noir = listing(invoke, alice, **q(filters=[{"name": "genre", "op": "==", "val": "Noir"}]))
    assert titles(noir) == ["The Godfather"]
    r = invoke(
        "resource_patch_many",
        "restless_patch_many",
        token=alice,
        query=q(filters=[{"name": "genre", "op": "==", "val": "Noir"}]),
        body={"year": "bad"},
    )
    assert r.status == 400 and "validation_errors" in r.json()


def test_eval_functions(invoke, alice, catalogue):
    r = invoke("resource_eval", "restless_eval", token=alice)
    assert r.status == 200
    assert r.json() == {"count__id": 5, "avg__year": (1972 + 1942 + 1958 + 1954 + 1995) / 5}
    r = invoke(
        "resource_eval",
        "restless_eval",
        token=alice,
        query=q(
            functions=[
                {"name": "min", "field": "year"},
                {"name": "max", "field": "year"},
                {"name": "sum", "field": "year"},
                {"name": "count", "field": "title"},
            ],
            filters=[{"name": "genre", "op": "==", "val": "Crime"}],  # 0.17 does not read them: the whole collection
        ),
    )
    assert r.json() == {"min__year": 1942, "max__year": 1995, "sum__year": 9821, "count__title": 5}
    r = invoke("resource_eval", "restless_eval", token=alice, query=q(functions=[{"name": "sum", "field": "title"}]))
    assert r.status == 200 and r.json() == {"sum__title": 0.0}  # 0.17 (SQLite) sums text as 0.0
    for bad in (
        [{"name": "median", "field": "year"}],
        [{"name": "max", "field": "creator__password"}],
        [{"name": "count", "field": "password"}],
    ):
        r = invoke("resource_eval", "restless_eval", token=alice, query=q(functions=bad))
        assert r.status == 400 and set(r.json()) == {"message"}, bad


def test_users_public_and_read_only(invoke, alice, bob):
    r = invoke("resource_list", "restless_users", token=alice)
    assert r.status == 200
    users = r.json()["objects"]
    assert {u["username"] for u in users} == {"alice", "bob"}
    for u in users:
        assert set(u) == {"id", "username", "first_name", "last_name", "date_joined"}
    event = make_event("restless_user", token=alice)
    event["pathParameters"] = {"id": users[0]["id"]}
    event["path"] = f"/api/users/{users[0]['id']}"
    reply = Reply(load_function("resource_get").lambda_handler(event, FakeContext()))
    assert reply.status == 200 and reply.json() == users[0]
    r = invoke("resource_create", "restless_users_post", token=alice)  # users declare GET only
    assert r.status == 405 and "GET" in r.headers["allow"]
    r = invoke(
        "resource_list", "restless_users", token=alice, query=q(filters=[{"name": "password", "op": "is_not_null"}])
    )
    assert r.status == 400


def test_anonymous_refused(invoke, catalogue):
    for fn, ev in [
        ("resource_list", "restless_list"),
        ("resource_eval", "restless_eval"),
        ("resource_list", "restless_users"),
    ]:
        r = invoke(fn, ev)
        assert r.status == 401 and "message" in r.json()


def test_include_and_exclude_columns_shape_objects(invoke, alice, monkeypatch):
    from moviesapi.catalog import MOVIE

    monkeypatch.setattr(MOVIE, "include_columns", ["id", "title", "creator", "creator.username"])
    movie = post(invoke, alice)
    assert set(movie) == {"id", "title", "creator"} and movie["creator"] == {"username": "alice"}
    monkeypatch.setattr(MOVIE, "include_columns", ["title", "creator.username"])  # relation itself not included
    assert set(post(invoke, alice)) == {"title"}
    monkeypatch.setattr(MOVIE, "include_columns", ["title", "creator", "creator.id", "creator_id"])
    movie = post(invoke, alice)
    assert set(movie) == {"title", "creator", "creator_id"} and movie["creator"] == {"id": movie["creator_id"]}
    monkeypatch.setattr(MOVIE, "include_columns", None)
    monkeypatch.setattr(MOVIE, "exclude_columns", ["created_at", "updated_at", "creator.id", "creator.first_name"])
    movie = post(invoke, alice)
    assert set(movie) == {"id", "title", "genre", "year", "creator", "creator_id"}
    assert set(movie["creator"]) == {"username", "last_name", "date_joined"} and movie["creator"]["username"] == "alice"
    monkeypatch.setattr(MOVIE, "exclude_columns", ["creator_id"])
    movie = post(invoke, alice)
    assert "creator_id" not in movie and movie["creator"]["username"] == "alice" and "id" in movie["creator"]


def test_processors_run_where_flask_restless_runs_them(invoke, alice, monkeypatch):
    from moviesapi.catalog import MOVIE
    from moviesapi.dialects.restless import ProcessingException

    calls = []

    def refuse_horror(data=None, **kw):
        calls.append(("POST", data))
        if data and data.get("genre") == "Horror":
            raise ProcessingException(description="No horror here", code=422)

    def seen(**kw):
        calls.append(("post", sorted(kw)))

    monkeypatch.setattr(
        MOVIE,
        "preprocessors",
        {"POST": [refuse_horror], "GET_MANY": [lambda **kw: calls.append(("GET_MANY", sorted(kw)))]},
    )
    monkeypatch.setattr(MOVIE, "postprocessors", {"POST": [seen], "GET_MANY": [seen]})
    r = invoke("resource_create", "restless_create", token=alice, body={"title": "It", "genre": "Horror", "year": 1990})
    assert r.status == 422 and r.json() == {"message": "No horror here"}
    assert invoke("resource_list", "restless_list", token=alice, query={}).json()["num_results"] == 0
    post(invoke, alice)
    assert ("post", ["result"]) in calls and ("GET_MANY", ["search_params"]) in calls
    assert ("post", ["result", "search_params"]) in calls


def test_idempotent_create(invoke, alice):
    body = {"title": "Once", "genre": "Drama", "year": 2001}
    first = invoke("resource_create", "restless_create", token=alice, body=body, headers={"Idempotency-Key": "r-1"})
    again = invoke("resource_create", "restless_create", token=alice, body=body, headers={"Idempotency-Key": "r-1"})
    assert first.status == again.status == 201 and first.json() == again.json()
    assert invoke("resource_eval", "restless_eval", token=alice).json()["count__id"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"year": 2000, "q": "not-an-object"},
        {"year": 2000, "q": None},
        {"year": 2000, "q": ["filters"]},
        {"year": 2000, "q": 1},
        {"year": 2000, "q": True},
        {"year": 2000, "q": {"filters": ""}},
        {"year": 2000, "q": {"filters": 0}},
        {"year": 2000, "q": {"filters": {"name": "year", "op": "eq", "val": 1}}},
        {"year": 2000, "q": {"filters": [{}]}},
        {"year": 2000, "q": {"filters": [None]}},
        {"year": 2000, "q": {"filters": [{"name": "year"}]}},
        {"year": 2000, "q": {"filters": [{"name": "year", "op": "nope", "val": 1}]}},
        {"year": 2000, "q": {"filters": [{"name": "password", "op": "is_not_null"}]}},
        {"year": 2000, "q": {"order_by": "year"}},
        {"year": 2000, "q": {"filters": [], "order_by": [{"field": 1}]}},
    ],
)
def test_malformed_patch_many_query_writes_nothing(invoke, alice, catalogue, body):
    """A ``q`` that does not parse into a valid search is a 400, and not one row changes."""
    before = invoke("resource_list", "restless_list", token=alice, query={}).json()["objects"]
    r = invoke("resource_patch_many", "restless_patch_many", token=alice, body=body, query={})
    assert r.status == 400 and "message" in r.json(), r.text
    after = invoke("resource_list", "restless_list", token=alice, query={}).json()["objects"]
    assert after == before


def test_patch_many_that_moves_counts_fits_one_transaction(invoke, alice):
    """The items and every count they move go in one transaction (100 at most): more is a 400, never half."""
    for i in range(99):
        post(invoke, alice, title=f"Bulk {i}", genre="Bulk", year=1950)
    bulk = q(filters=[{"name": "genre", "op": "==", "val": "Bulk"}])
    r = invoke("resource_patch_many", "restless_patch_many", token=alice, query=bulk, body={"genre": "Other"})
    assert r.status == 400 and "At most 98" in r.text, r.text  # 99 items + the Bulk and Other counts
    assert listing(invoke, alice, **bulk).json()["num_results"] == 99
    few = q(filters=[{"name": "genre", "op": "==", "val": "Bulk"}, {"name": "title", "op": "!=", "val": "Bulk 0"}])
    r = invoke("resource_patch_many", "restless_patch_many", token=alice, query=few, body={"genre": "Other"})
    assert r.status == 200 and r.json() == {"num_modified": 98}, r.text
    other = listing(invoke, alice, **q(filters=[{"name": "genre", "op": "==", "val": "Other"}]))
    assert other.json()["num_results"] == 98
    assert listing(invoke, alice, **bulk).json()["num_results"] == 1
