"""DynamoDB calls per request, exactly: the floors of README "DynamoDB calls per request" in every dialect.

Counted by the layer's own botocore ``before-call`` hook (``moviesapi.aws``), which
every client of the container's one session carries; a regression that adds a
read fails here. Each list is the operations in the order they were made, except a list
page's, whose partition reads and counter read are sent together (``moviesapi.parallel``):
those compare as a multiset.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from moviesapi import aws, tokens

from tests.conftest import PASSWORD
from tests.handlers.frappe_support import generate_keys, login, session_headers, token_header

MOVIE = {"title": "Casablanca", "genre": "Drama", "year": 1942}
LISTING = ["Query"] * 5  # four listing shards and the unsharded partition older items live in
TOTAL = ["BatchGetItem"]  # the counter's shards, summed


@pytest.fixture
def world(invoke, signup) -> dict[str, Any]:
    alice, bob = signup("alice"), signup("bob")
    mine = invoke("resource_create", "movie_create", token=alice["access"], body=MOVIE).json()["id"]
    theirs = invoke("resource_create", "movie_create", token=bob["access"], body=MOVIE).json()["id"]
    key, secret = generate_keys(invoke, alice["access"])
    sid, _ = login(invoke, "alice")
    return {"alice": alice, "bob": bob, "mine": mine, "theirs": theirs, "key": (key, secret), "sid": sid}


def calls(invoke, *args: Any, status: int, **kwargs: Any) -> list[str]:
    reply = invoke(*args, **kwargs)
    assert reply.status == status, reply.text
    return aws.calls()


def test_drf_crud_is_one_call_each_but_delete(invoke, world):
    """Delete reads the item first: its genre names the per-genre count it leaves (README: the trade)."""
    access, mine = world["alice"]["access"], world["mine"]
    assert calls(invoke, "resource_get", "movie_get", token=access, path_id=mine, status=200) == ["GetItem"]
    assert calls(invoke, "resource_create", "movie_create", token=access, body=MOVIE, status=201) == [
        "TransactWriteItems"  # the movie and its counter shards, all or nothing
    ]
    body = {**MOVIE, "title": "Casablanca (1942)"}
    assert calls(invoke, "resource_update", "movie_update", token=access, path_id=mine, body=body, status=200) == [
        "UpdateItem"
    ]
    patch = {"title": "Casablanca!"}
    assert calls(invoke, "resource_update", "movie_patch", token=access, path_id=mine, body=patch, status=200) == [
        "UpdateItem"
    ]
    moved = {**body, "genre": "Film noir"}
    assert calls(invoke, "resource_update", "movie_update", token=access, path_id=mine, body=moved, status=200) == [
        "UpdateItem",  # refused: the genre is not the one assumed; the stored item comes back with the refusal
        "TransactWriteItems",  # the change and its per-genre counts moved, under the returned version
    ]
    assert calls(invoke, "resource_delete", "movie_delete", token=access, path_id=mine, status=204) == [
        "GetItem",
        "TransactWriteItems",
    ]


def test_a_genre_page_with_total_reads_the_page(invoke, world):
    """An equality on genre reads its own index partition in id order and its count: nothing else."""
    access = world["alice"]["access"]
    r = invoke(
        "resource_list",
        "restless_list",
        token=access,
        query={"q": ['{"filters": [{"name": "genre", "op": "==", "val": "Drama"}]}']},
    )
    assert r.status == 200 and r.json()["num_results"] == 2, r.text
    assert sorted(aws.calls()) == ["BatchGetItem", "Query"]  # the page and its count, sent together
    # A movie that changes genre moves its count: both totals stay exact.
    body = {**MOVIE, "genre": "Comedy"}
    r = invoke("resource_update", "movie_update", token=access, path_id=world["mine"], body=body)
    assert r.status == 200, r.text
    for genre, total in (("Drama", 1), ("Comedy", 1)):
        q = {"q": [f'{{"filters": [{{"name": "genre", "op": "==", "val": "{genre}"}}]}}']}
        r = invoke("resource_list", "restless_list", token=access, query=q)
        assert r.json()["num_results"] == total and len(r.json()["objects"]) == total, (genre, r.text)


def test_drf_list_page_with_total(invoke, world):
    access = world["alice"]["access"]
    made = calls(invoke, "resource_list", "movie_list", token=access, query={}, status=200)
    assert sorted(made) == sorted(LISTING + TOTAL)  # all sent together: one round trip


def test_a_retired_partition_read_empty_is_not_asked_again(invoke, world, monkeypatch):
    """No write fills the unsharded listing partition any more: once a container has read it empty, its
    pages read the four shards and the counter; after ``RECHECK_SECONDS`` it is asked again, and an item
    another writer put there (a version from before the shards) is listed again."""
    from moviesapi import shards
    from moviesapi.catalog import MOVIE as MOVIES

    access = world["alice"]["access"]

    def page(order: str) -> list[str]:  # Flask-Restless orders by any field (DRF's seed ignores ?ordering)
        q = json.dumps({"order_by": [{"field": order, "direction": "desc"}]})
        return sorted(calls(invoke, "resource_list", "restless_list", token=access, query={"q": [q]}, status=200))

    # An index whose sort key moves on update (updated_at) never teaches it: an update is a delete and
    # a put there, and a read between them could find the partition empty while it is not.
    assert page("updated_at") == page("updated_at") == sorted(LISTING + TOTAL)
    assert page("created_at") == sorted(LISTING + TOTAL)
    assert page("created_at") == page("updated_at") == sorted(LISTING[1:] + TOTAL)  # every index skips it
    MOVIES.model.get(world["mine"]).update(actions=[MOVIES.model.listing.set("movies")])
    later = shards._clock() + shards.RECHECK_SECONDS + 1
    monkeypatch.setattr(shards, "_clock", lambda: later)
    reply = invoke("resource_list", "movie_list", token=access, query={"ordering": "-created_at"})
    assert sorted(aws.calls()) == sorted(LISTING + TOTAL)
    assert world["mine"] in [m["id"] for m in reply.json()["results"]]
    assert reply.json()["count"] == 2


def test_refusals_cost_the_write_alone(invoke, world):
    """404, 403 and 412 come from the item DynamoDB returns with the failed condition: no read first."""
    access, theirs = world["alice"]["access"], world["theirs"]
    body = {**MOVIE, "title": "Mine now"}
    update = ("resource_update", "movie_update")
    assert calls(invoke, *update, token=access, path_id=theirs, body=body, status=403) == ["UpdateItem"]
    missing = "0190d1a0-0000-7000-8000-000000000000"
    assert calls(invoke, *update, token=access, path_id=missing, body=body, status=404) == ["UpdateItem"]
    stale = {"If-Match": 'W/"7"'}
    mine = world["mine"]
    assert calls(invoke, *update, token=access, path_id=mine, body=body, headers=stale, status=412) == ["UpdateItem"]
    assert calls(invoke, "resource_delete", "movie_delete", token=access, path_id=theirs, status=403) == ["GetItem"]
    # DRF finds the object and checks its permissions before validating: an invalid body reads first.
    assert calls(invoke, *update, token=access, path_id=theirs, body={"year": "x"}, status=403) == ["GetItem"]


def test_a_token_without_identity_claims_reads_the_user(invoke, world):
    """Access tokens issued before they carried the user's identity still work, at one read more."""
    user_id = tokens.decode(world["alice"]["access"]).user_id
    legacy = tokens.issue_access(user_id)
    assert calls(invoke, "resource_get", "movie_get", token=legacy, path_id=world["mine"], status=200) == [
        "GetItem",  # the user
        "GetItem",  # the movie
    ]


def test_auth_endpoints(invoke, world):
    obtain = {"username": "alice", "password": PASSWORD}
    # Three throttle slots taken (an atomic ADD each, before argon2), the username guard, the user,
    # then the slots given back and the address remembered in one transaction.
    sign_in = ["UpdateItem"] * 3 + ["GetItem", "GetItem", "TransactWriteItems"]
    assert calls(invoke, "token_obtain", body=obtain, status=200) == sign_in
    refresh = {"refresh": world["alice"]["refresh"]}
    assert calls(invoke, "token_refresh", body=refresh, status=200) == ["BatchGetItem", "PutItem"]
    new = {"email": "c@example.com", "username": "carol", "password1": PASSWORD, "password2": PASSWORD}
    assert calls(invoke, "register", body=new, status=201) == ["TransactWriteItems"]
    frappe = {"usr": "alice", "pwd": PASSWORD}
    assert calls(invoke, "session_login", "frappe_login", body=frappe, status=200) == [*sign_in, "PutItem"]


def test_frappe_credentials_cost_one_read(invoke, world):
    """An API key names its user (one GetItem); a sid names its user too (session and user in one batch)."""
    key = token_header(*world["key"])
    mine = world["mine"]
    assert calls(invoke, "resource_get", "frappe_get", headers=key, path_id=mine, status=200) == [
        "GetItem",
        "GetItem",
    ]
    cookie = session_headers(world["sid"])
    assert calls(invoke, "resource_get", "frappe_get", headers=cookie, path_id=mine, status=200) == [
        "BatchGetItem",
        "GetItem",
    ]
    body = {"title": "Vertigo", "genre": "Thriller", "year": 1958}
    assert calls(invoke, "resource_create", "frappe_create", headers=key, body=body, status=200) == [
        "GetItem",
        "TransactWriteItems",
    ]
    same_genre = {**body, "genre": "Drama", "year": 1942}  # counted values unchanged: one write
    assert calls(
        invoke, "resource_update", "frappe_update", headers=key, path_id=mine, body=same_genre, status=200
    ) == ["GetItem", "UpdateItem"]
    assert calls(invoke, "resource_delete", "frappe_delete", headers=key, path_id=mine, status=202) == [
        "GetItem",
        "GetItem",
        "TransactWriteItems",
    ]


def test_restless_crud_is_one_call_each_but_delete(invoke, world):
    access, mine = world["alice"]["access"], world["mine"]
    assert calls(invoke, "resource_get", "restless_get", token=access, path_id=mine, status=200) == ["GetItem"]
    assert calls(invoke, "resource_create", "restless_create", token=access, body=MOVIE, status=201) == [
        "TransactWriteItems"
    ]
    assert calls(
        invoke, "resource_update", "restless_patch", token=access, path_id=mine, body={"title": "Vertigo"}, status=200
    ) == ["UpdateItem"]
    assert calls(invoke, "resource_delete", "restless_delete", token=access, path_id=mine, status=204) == [
        "GetItem",
        "TransactWriteItems",
    ]


def test_a_list_page_sends_its_reads_together(invoke, world):
    """The five partition reads and the counter read are in flight at once: a page costs one round trip.

    Each call waits, before it is sent, until all six are waiting: made one after
    another, the first would wait alone and the barrier would break (500).
    """
    from moviesapi.catalog import MOVIE as MOVIES

    barrier = threading.Barrier(len(LISTING + TOTAL), timeout=10)

    def meet(**_: Any) -> None:
        barrier.wait()

    client = MOVIES.model._get_connection().connection.client
    client.meta.events.register("before-call.dynamodb", meet)
    try:
        made = calls(invoke, "resource_list", "movie_list", token=world["alice"]["access"], query={}, status=200)
    finally:
        client.meta.events.unregister("before-call.dynamodb", meet)
    assert sorted(made) == sorted(LISTING + TOTAL)
