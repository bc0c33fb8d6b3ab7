"""A resource is one declaration: a throwaway ``reviews`` resource, declared only in
``tests/catalog_extra.py``, is served by the generic functions in every dialect.

Every request is a committed API Gateway event re-pointed at ``reviews`` the way
API Gateway fills it for the parameterised routes, handled by the real function.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moviesapi import registry

from tests.conftest import ROOT, FakeContext, Reply, load_event, load_function

LAYER = ROOT / "layers" / "core" / "python" / "moviesapi"


@pytest.fixture
def reviews(aws: None) -> Iterator[registry.Resource]:
    """Declare ``reviews`` (as an ``API_CATALOG`` module would), create its table, take it back afterwards."""
    module = importlib.import_module("tests.catalog_extra")
    if registry.find_resource("reviews") is None:
        importlib.reload(module)
    resource = registry.get_resource("reviews")
    assert resource.model is not None
    resource.model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
    yield resource
    registry.unregister("reviews")


def call(
    function: str,
    event_name: str,
    path: str,
    params: dict[str, str],
    *,
    token: str | None = None,
    body: Any = None,
    query: dict[str, str] | None = None,
) -> Reply:
    """A committed event for the same kind of route, with this path and path parameters."""
    event = copy.deepcopy(load_event(event_name))
    stage_prefix = event["requestContext"]["path"][: -len(event["path"])]
    event["path"] = path
    event["requestContext"]["path"] = stage_prefix + path
    event["pathParameters"] = params
    event["body"] = None if body is None else json.dumps(body)
    if token:
        event["headers"]["Authorization"] = f"Bearer {token}"
        event["multiValueHeaders"]["Authorization"] = [f"Bearer {token}"]
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()} or None
    return Reply(load_function(function).lambda_handler(event, FakeContext()))


@pytest.fixture
def movie(invoke, signup) -> dict[str, Any]:
    alice = signup("alice")["access"]
    r = invoke(
        "resource_create", "movie_create", token=alice, body={"title": "Casablanca", "genre": "Drama", "year": 1942}
    )
    assert r.status == 201, r.text
    return {**r.json(), "token": alice}


def test_no_layer_module_names_the_resource():
    """Only a declaration names a resource (the layer's catalog may declare one; this one lives in tests/)."""
    names = [
        p.relative_to(LAYER)
        for p in LAYER.rglob("*.py")
        if p.name != "catalog.py" and "review" in p.read_text().lower()
    ]
    assert names == []


def test_moving_an_item_to_another_parent_moves_its_count(reviews, movie, invoke):
    """Counters follow a changed relation (PATCH and patch-many), so totals stay exact."""
    alice = movie["token"]
    r = invoke(
        "resource_create", "movie_create", token=alice, body={"title": "Vertigo", "genre": "Thriller", "year": 1958}
    )
    other = r.json()["id"]
    collection = {"collection": "reviews"}
    made = [
        call(
            "resource_create",
            "movie_create",
            "/api/v1/reviews/",
            collection,
            token=alice,
            body={"movie": movie["id"], "rating": n, "text": "x"},
        ).json()
        for n in (1, 2, 3)
    ]

    def counted(movie_id: str) -> tuple[int, int]:
        page = call(
            "resource_list", "movie_list", "/api/v1/reviews/", collection, token=alice, query={"movie": movie_id}
        )
        return page.json()["count"], len(page.json()["results"])

    assert counted(movie["id"]) == (3, 3) and counted(other) == (0, 0)
    item = {"collection": "reviews", "id": made[0]["id"]}
    r = call(
        "resource_update", "movie_patch", f"/api/v1/reviews/{made[0]['id']}/", item, token=alice, body={"movie": other}
    )
    assert r.status == 200 and r.json()["movie"] == other
    assert counted(movie["id"]) == (2, 2) and counted(other) == (1, 1)
    q = {"filters": [{"name": "rating", "op": ">=", "val": 2}]}
    r = call(
        "resource_patch_many",
        "restless_patch_many",
        "/api/reviews",
        collection,
        token=alice,
        body={"movie": other, "q": q},
    )
    assert r.json() == {"num_modified": 2}
    assert counted(movie["id"]) == (0, 0) and counted(other) == (3, 3)


def test_drf(reviews, movie, signup):
    alice, bob = movie["token"], signup("bob")["access"]
    base = "/api/v1/reviews/"
    r = call("resource_create", "movie_create", base, {"collection": "reviews"}, token=alice, body={"rating": 4})
    assert r.status == 400 and r.json() == {"movie": ["This field is required."], "text": ["This field is required."]}
    r = call(
        "resource_create",
        "movie_create",
        base,
        {"collection": "reviews"},
        token=alice,
        body={"movie": "nope", "rating": 4, "text": "x"},
    )
    assert r.status == 400 and r.json() == {"movie": ['Invalid pk "nope" - object does not exist.']}
    r = call(
        "resource_create",
        "movie_create",
        base,
        {"collection": "reviews"},
        token=alice,
        body={"movie": movie["id"], "rating": 4, "text": "Fine", "author": "mallory"},
    )
    assert r.status == 201, r.text
    review = r.json()
    assert review["movie"] == movie["id"] and review["rating"] == 4 and review["text"] == "Fine"
    assert r.headers["location"].endswith(f"/api/v1/reviews/{review['id']}/")
    item = {"collection": "reviews", "id": review["id"]}
    r = call("resource_list", "movie_list", base, {"collection": "reviews"}, token=alice, query={"movie": movie["id"]})
    assert r.status == 200 and r.json()["count"] == 1 and r.json()["results"] == [review]
    r = call("resource_list", "movie_list", base, {"collection": "reviews"}, token=alice, query={"rating": "5"})
    assert r.json()["count"] == 0
    r = call("resource_get", "movie_get", f"{base}{review['id']}/", item, token=alice)
    assert r.status == 200 and r.json() == review
    assert r.headers["allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    r = call("resource_update", "movie_patch", f"{base}{review['id']}/", item, token=bob, body={"rating": 1})
    assert r.status == 403
    r = call("resource_update", "movie_patch", f"{base}{review['id']}/", item, token=alice, body={"rating": 6})
    assert r.status == 400 and r.json() == {"rating": ["Ensure this value is less than or equal to 5."]}
    r = call("resource_update", "movie_patch", f"{base}{review['id']}/", item, token=alice, body={"rating": 5})
    assert r.status == 200 and r.json()["rating"] == 5
    r = call("resource_delete", "movie_delete", f"{base}{review['id']}/", item, token=bob)
    assert r.status == 403
    r = call("resource_delete", "movie_delete", f"{base}{review['id']}/", item, token=alice)
    assert r.status == 204
    r = call("resource_get", "movie_get", f"{base}{review['id']}/", item, token=alice)
    assert r.status == 404 and r.json() == {"detail": "Not found."}


def test_drf_refuses_what_the_route_does_not_serve(reviews, movie):
    event = copy.deepcopy(load_event("movie_list"))
    event.update(httpMethod="DELETE", path="/api/v1/reviews/", pathParameters={"collection": "reviews"})
    event["headers"]["Authorization"] = f"Bearer {movie['token']}"
    r = Reply(load_function("not_allowed").lambda_handler(event, FakeContext()))
    assert r.status == 405 and r.headers["allow"] == "GET, POST, HEAD, OPTIONS"


def test_undeclared_collection_is_404_in_each_dialect(reviews, movie):
    token = movie["token"]
    r = call("resource_list", "movie_list", "/api/v1/critics/", {"collection": "critics"}, token=token)
    assert r.status == 404 and r.json() == {"detail": "Not found."}
    r = call("resource_list", "restless_list", "/api/critics", {"collection": "critics"}, token=token)
    assert r.status == 404 and "message" in r.json()
    r = call("resource_list", "frappe_list", "/api/resource/Critic", {"doctype": "Critic"}, token=token)
    assert r.status == 404 and r.json()["exc_type"] == "DoesNotExistError"


def test_restless(reviews, movie, signup):
    alice, bob = movie["token"], signup("bob")["access"]
    collection = {"collection": "reviews"}
    r = call(
        "resource_create",
        "restless_create",
        "/api/reviews",
        collection,
        token=alice,
        body={"movie": movie["id"], "rating": 3, "text": "Good"},
    )
    assert r.status == 201, r.text
    review = r.json()
    assert review["movie"] == {"id": movie["id"], "title": "Casablanca"}
    assert review["author"]["username"] == "alice"
    r = call(
        "resource_create",
        "restless_create",
        "/api/reviews",
        collection,
        token=bob,
        body={"movie": movie["id"], "rating": 5, "text": "Great"},
    )
    assert r.status == 201
    q = json.dumps(
        {"filters": [{"name": "movie__id", "op": "eq", "val": movie["id"]}], "order_by": [{"field": "rating"}]}
    )
    r = call("resource_list", "restless_list", "/api/reviews", collection, token=alice, query={"q": q})
    assert r.status == 200 and [o["rating"] for o in r.json()["objects"]] == [3, 5]
    item = {"collection": "reviews", "id": review["id"]}
    r = call("resource_get", "restless_get", f"/api/reviews/{review['id']}", item, token=alice)
    assert r.status == 200 and r.json() == review
    # to-one relation, and the reverse to-many from the movie
    r = call(
        "resource_relation",
        "restless_get",
        f"/api/reviews/{review['id']}/movie",
        {**item, "relation": "movie"},
        token=alice,
    )
    assert r.status == 200 and r.json()["title"] == "Casablanca" and r.json()["creator"]["username"] == "alice"
    r = call(
        "resource_relation",
        "restless_get",
        f"/api/movies/{movie['id']}/reviews",
        {"collection": "movies", "id": movie["id"], "relation": "reviews"},
        token=alice,
    )
    assert r.status == 200 and r.json()["num_results"] == 2
    # patch-many touches only what the caller may change (their own review)
    patch_q = json.dumps({"filters": [{"name": "rating", "op": ">=", "val": 1}]})
    r = call(
        "resource_patch_many",
        "restless_patch_many",
        "/api/reviews",
        collection,
        token=alice,
        body={"text": "Meh", "q": json.loads(patch_q)},
    )
    assert r.status == 200 and r.json() == {"num_modified": 1}
    functions = json.dumps({"functions": [{"name": "avg", "field": "rating"}, {"name": "count", "field": "id"}]})
    r = call("resource_eval", "restless_eval", "/api/eval/reviews", collection, token=alice, query={"q": functions})
    assert r.status == 200 and r.json() == {"avg__rating": 4.0, "count__id": 2}
    r = call("resource_update", "restless_patch", f"/api/reviews/{review['id']}", item, token=bob, body={"rating": 1})
    assert r.status == 403
    r = call("resource_delete", "restless_delete", f"/api/reviews/{review['id']}", item, token=alice)
    assert r.status == 204


def test_frappe(reviews, movie):
    alice = movie["token"]
    r = call(
        "resource_create",
        "frappe_create",
        "/api/resource/Review",
        {"doctype": "Review"},
        token=alice,
        body={"movie": movie["id"], "rating": 2, "text": "So-so"},
    )
    assert r.status == 200, r.text
    doc = r.json()["data"]
    assert doc["doctype"] == "Review" and doc["owner"] == "alice" and doc["rating"] == 2
    assert doc["movie"] == movie["id"]
    name = doc["name"]
    r = call(
        "resource_list",
        "frappe_list",
        "/api/resource/Review",
        {"doctype": "Review"},
        token=alice,
        query={"fields": '["name", "rating"]', "filters": json.dumps([["rating", "=", 2]])},
    )
    assert r.status == 200 and r.json() == {"data": [{"name": name, "rating": 2}]}
    element = {"doctype": "Review", "name": name}
    r = call(
        "resource_update", "frappe_update", f"/api/resource/Review/{name}", element, token=alice, body={"rating": 3}
    )
    assert r.status == 200 and r.json()["data"]["rating"] == 3
    r = call("resource_get", "frappe_get", f"/api/resource/Review/{name}", element, token=alice)
    assert r.status == 200 and r.json()["data"]["text"] == "So-so"
    r = call("resource_delete", "frappe_delete", f"/api/resource/Review/{name}", element, token=alice)
    assert r.status == 202 and r.json() == {"message": "ok"}


def test_layer_reads_only_declarations(reviews):
    """The registry gave ``reviews`` a table with its declared index, and every dialect lists it."""
    from moviesapi.dialects import all_dialects

    schema = reviews.model._get_schema()
    assert {i["index_name"] for i in schema["global_secondary_indexes"]} == {"by_movie", "by_created"}
    patterns = {route.pattern for d in all_dialects() for route in d.url_patterns()}
    assert {"/api/v1/reviews", "/api/v1/reviews/{id}", "/api/reviews", "/api/eval/reviews"} <= patterns
    assert Path(reviews.model.Meta.table_name).name.endswith("reviews")


def test_declared_permissions_decide(reviews, movie, monkeypatch):
    """The permission classes come from the declaration: here anyone may read, only the author write."""
    from moviesapi.permissions import AllowAny, IsOwnerOrReadOnly

    monkeypatch.setattr(reviews, "permissions", (AllowAny(), IsOwnerOrReadOnly()))
    collection = {"collection": "reviews"}
    r = call("resource_list", "movie_list", "/api/v1/reviews/", collection)
    assert r.status == 200 and r.json()["count"] == 0
    r = call("resource_create", "movie_create", "/api/v1/reviews/", collection, body={"movie": movie["id"]})
    assert r.status == 401 and r.json() == {"detail": "Authentication credentials were not provided."}
    r = call("resource_list", "movie_list", "/api/v1/reviews/", collection, token="not-a-token")
    assert r.status == 401  # DRF authenticates before it checks permissions, AllowAny or not
