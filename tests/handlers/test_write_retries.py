"""Writes under a busy or flaky DynamoDB: conflicts retried, lost answers not mistaken for failures,
ETags that match what was stored, Idempotency-Key replays that outlive the object.

moto applies each request once and knows nothing of ``ClientRequestToken``; DynamoDB
does (a repeat of a successful TransactWriteItems with the same token succeeds and
changes nothing, for ten minutes). ``FlakyStore`` stands in front of PynamoDB's
connection and models what matters here, as DynamoDB documents it: transactions
that conflict a given number of times, answers lost after the write was applied,
and the token's idempotency.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pynamodb.connection.base import Connection
from pynamodb.exceptions import CancellationReason, PutError, TransactWriteError, VerboseClientError

MOVIE = {"title": "Casablanca", "genre": "Drama", "year": 1942}


def _conflict() -> TransactWriteError:
    error = {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}}
    reasons = [CancellationReason(code="TransactionConflict", message="Transaction is ongoing for the item")]
    return TransactWriteError(
        "Failed", cause=VerboseClientError(error, "TransactWriteItems", cancellation_reasons=reasons)
    )


def _lost(operation: str) -> ClientError:
    """What reaches the caller when DynamoDB's answer never arrives and botocore gives up: a 5xx."""
    return ClientError({"Error": {"Code": "InternalServerError", "Message": "answer lost"}}, operation)


@dataclass
class FlakyStore:
    """Transactions and puts as a DynamoDB that conflicts or loses answers, with token idempotency."""

    conflicts: int = 0  # the next N transactions are cancelled by a conflicting one
    lose_transaction_answers: int = 0  # the next N applied transactions lose their answer
    lose_put_answers: int = 0
    repeat_puts: int = 0  # the next N puts are applied, their answer lost, and botocore sends them again
    tokens: dict[str, str] = field(default_factory=dict)  # token → digest of the request it succeeded with
    tokens_seen: list[str | None] = field(default_factory=list)
    calls: int = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_transact = Connection.transact_write_items
        real_put = Connection.put_item
        store = self

        def transact(conn: Connection, *args: Any, **kwargs: Any) -> Any:
            store.calls += 1
            token = kwargs.get("client_request_token")
            store.tokens_seen.append(token)
            digest = hashlib.sha256(json.dumps([args, kwargs], sort_keys=True, default=str).encode()).hexdigest()
            if token is not None and token in store.tokens:
                assert store.tokens[token] == digest, "IdempotentParameterMismatchException"
                return {}
            if store.conflicts:
                store.conflicts -= 1
                raise _conflict()
            result = real_transact(conn, *args, **kwargs)
            if token is not None:
                store.tokens[token] = digest
            if store.lose_transaction_answers:
                store.lose_transaction_answers -= 1
                raise TransactWriteError("Failed", cause=_lost("TransactWriteItems"))
            return result

        def put(conn: Connection, *args: Any, **kwargs: Any) -> Any:
            result = real_put(conn, *args, **kwargs)
            if store.repeat_puts:
                store.repeat_puts -= 1
                return real_put(conn, *args, **kwargs)  # what botocore's own retry of a lost answer sees
            if store.lose_put_answers:
                store.lose_put_answers -= 1
                raise PutError("Failed", cause=_lost("PutItem"))
            return result

        monkeypatch.setattr(Connection, "transact_write_items", transact)
        monkeypatch.setattr(Connection, "put_item", put)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[FlakyStore]:
    from moviesapi import writes

    monkeypatch.setattr(writes.time, "sleep", lambda _s: None)  # the backoff is not what is tested here
    flaky = FlakyStore()
    flaky.install(monkeypatch)
    yield flaky


@pytest.fixture
def alice(signup) -> str:
    return signup("alice")["access"]


def movies() -> list[Any]:
    from moviesapi.registry import find_resource

    return list(find_resource("movies").model.scan())


def movie_count(invoke, token: str) -> int:
    return invoke("resource_list", "movie_list", token=token, query={}).json()["count"]


@pytest.mark.parametrize(
    ("function", "event"), [("resource_create", "movie_create"), ("resource_create", "frappe_create")]
)
def test_a_conflict_that_clears_is_retried_once_written(invoke, alice, store, function, event):
    store.conflicts = 2
    r = invoke(function, event, token=alice, body=MOVIE)
    assert r.status in (200, 201), r.text
    assert len(movies()) == 1 and movie_count(invoke, alice) == 1  # the counter moved once
    # A conflict applied nothing: each retry is a new request (new token, maybe another counter shard).
    assert store.calls == 3 and len(set(store.tokens_seen)) == 3


def test_a_conflict_that_does_not_clear_is_a_503_and_writes_nothing(invoke, alice, store):
    store.conflicts = 100
    r = invoke("resource_create", "movie_create", token=alice, body=MOVIE)
    assert r.status == 503 and r.headers["retry-after"] == "1"
    assert movies() == [] and store.calls == 4  # bounded attempts


def test_a_create_whose_answer_was_lost_is_a_success_not_a_failure(invoke, alice, store):
    store.lose_transaction_answers = 1
    r = invoke("resource_create", "movie_create", token=alice, body=MOVIE)
    assert r.status == 201, r.text
    assert [m.id for m in movies()] == [r.json()["id"]]
    assert movie_count(invoke, alice) == 1  # DynamoDB applied the transaction once
    assert len(set(store.tokens_seen)) == 1 and len(store.tokens_seen) == 2


def test_a_delete_whose_answer_was_lost_is_a_success(invoke, alice, store):
    created = invoke("resource_create", "movie_create", token=alice, body=MOVIE).json()
    store.lose_transaction_answers = 1
    r = invoke("resource_delete", "movie_delete", token=alice, path_id=created["id"])
    assert r.status == 204, r.text
    assert movies() == [] and movie_count(invoke, alice) == 0


def test_an_update_whose_answer_was_lost_is_not_a_409(invoke, alice, store):
    """The retried PutItem fails its version condition because the first attempt applied it."""
    created = invoke("resource_create", "movie_create", token=alice, body=MOVIE).json()
    store.lose_put_answers = 1
    r = invoke("resource_update", "movie_patch", token=alice, path_id=created["id"], body={"year": 1943})
    assert r.status == 200, r.text
    assert r.json()["year"] == 1943
    stored = invoke("resource_get", "movie_get", token=alice, path_id=created["id"])
    assert stored.headers["etag"] == r.headers["etag"] == 'W/"2"'


def test_a_concurrent_update_is_still_a_409(invoke, alice):
    """Someone else's write in between is not ours: the version check still refuses a lost update."""
    from moviesapi.registry import find_resource

    created = invoke("resource_create", "movie_create", token=alice, body=MOVIE).json()
    tag = invoke("resource_get", "movie_get", token=alice, path_id=created["id"]).headers["etag"]
    item = find_resource("movies").model.get(created["id"])
    item.year = 1950
    item.save()
    r = invoke(
        "resource_update",
        "movie_patch",
        token=alice,
        path_id=created["id"],
        body={"year": 1943},
        headers={"If-Match": tag},
    )
    assert r.status == 412


@pytest.mark.parametrize(
    ("create", "update", "item_key"),
    [
        (("resource_create", "movie_create"), ("resource_update", "movie_patch"), "id"),
        (("resource_create", "frappe_create"), ("resource_update", "frappe_update"), None),
        (("resource_create", "restless_create"), ("resource_update", "restless_patch"), "id"),
    ],
)
def test_the_etag_a_create_returns_is_the_stored_one(invoke, alice, create, update, item_key):
    r = invoke(*create, token=alice, body=MOVIE)
    assert r.status in (200, 201)
    key = r.json()[item_key] if item_key else r.json()["data"]["name"]
    assert r.headers["etag"] == 'W/"1"'
    r = invoke(*update, token=alice, path_id=key, body={"year": 1943}, headers={"If-Match": r.headers["etag"]})
    assert r.status == 200, r.text


def test_an_idempotent_create_replays_after_the_object_is_deleted(invoke, alice):
    headers = {"Idempotency-Key": "create-casablanca-1"}
    first = invoke("resource_create", "movie_create", token=alice, body=MOVIE, headers=headers)
    assert first.status == 201
    assert invoke("resource_delete", "movie_delete", token=alice, path_id=first.json()["id"]).status == 204
    again = invoke("resource_create", "movie_create", token=alice, body=MOVIE, headers=headers)
    assert again.status == 201, again.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert movies() == []  # replayed, not created again


def test_a_registration_whose_answer_was_lost_is_a_success(invoke, store):
    from tests.conftest import PASSWORD

    store.lose_transaction_answers = 1
    body = {"username": "carol", "email": "carol@example.com", "password1": PASSWORD, "password2": PASSWORD}
    r = invoke("register", body=body)
    assert r.status == 201, r.text
    r = invoke("token_obtain", body={"username": "carol", "password": PASSWORD})
    assert r.status == 200, r.text


def test_a_refresh_whose_answer_was_lost_keeps_the_session(invoke, signup, store):
    """The rotation's marker was written but its answer lost: the retry gets the same pair, no theft alarm."""
    pair = signup()
    store.lose_put_answers = 1
    r = invoke("token_refresh", body={"refresh": pair["refresh"]})
    assert r.status == 200, r.text
    assert invoke("token_refresh", body={"refresh": r.json()["refresh"]}).status == 200


def test_a_login_whose_session_put_was_repeated_is_a_session_not_a_500(invoke, signup, store):
    """botocore repeats the session's put after a lost answer; the repeat meets the session it wrote itself."""
    from tests.handlers.frappe_support import login, session_headers

    signup("dora")
    store.repeat_puts = 1  # the session's put (conditional); the known-address marker is in the sign-in transaction
    sid, csrf = login(invoke, "dora")
    assert store.repeat_puts == 0
    r = invoke("method_call", "frappe_logged_user", headers=session_headers(sid))
    assert r.status == 200 and r.json() == {"message": "dora"}, r.text
    assert r.headers["x-frappe-csrf-token"] == csrf


@pytest.mark.parametrize(
    ("event", "link"),
    [("movie_create", "location"), ("restless_create", "location")],
)
def test_links_name_the_domain_api_gateway_served_not_the_host_header(alice, event, link):
    """A client's Host header is not where the API lives: Location comes from requestContext.domainName."""
    from tests.conftest import FakeContext, Reply, load_function, make_event

    request = make_event(event, token=alice, body=MOVIE, headers={"Host": "evil.example"})
    request["requestContext"]["domainName"] = "api.example.com"
    r = Reply(load_function("resource_create").lambda_handler(request, FakeContext()))
    assert r.status == 201, r.text
    assert r.headers[link].startswith("https://api.example.com/")
    assert "evil.example" not in r.text


def test_page_links_name_the_domain_api_gateway_served(invoke, alice):
    from tests.conftest import FakeContext, Reply, load_function, make_event

    for n in range(3):
        invoke("resource_create", "movie_create", token=alice, body={**MOVIE, "title": f"Film {n}"})
    request = make_event("movie_list", token=alice, query={"page_size": ["1"]}, headers={"Host": "evil.example"})
    request["requestContext"]["domainName"] = "api.example.com"
    r = Reply(load_function("resource_list").lambda_handler(request, FakeContext()))
    assert r.status == 200, r.text
    assert r.json()["next"].startswith("https://api.example.com/")


def test_a_conditional_update_repeated_after_a_lost_answer_is_a_success_not_a_412(invoke, alice, monkeypatch):
    """botocore sends an UpdateItem again when its answer is lost; the repeat fails its own version
    condition (the first attempt moved the version) and DynamoDB returns the item: it is ours, a 200."""
    import botocore.client

    created = invoke("resource_create", "movie_create", token=alice, body=MOVIE).json()
    real = botocore.client.BaseClient._make_api_call
    repeated: list[str] = []

    def lose_first_answer(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "UpdateItem" and not repeated:
            repeated.append(operation)
            real(client, operation, params)  # applied; its answer never arrives
        return real(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", lose_first_answer)
    body = {**MOVIE, "title": "Sent twice"}
    r = invoke(
        "resource_update", "movie_update", token=alice, path_id=created["id"], body=body, headers={"If-Match": 'W/"1"'}
    )
    assert repeated == ["UpdateItem"]
    assert r.status == 200, r.text
    assert r.json()["title"] == "Sent twice" and r.headers["etag"] == 'W/"2"'
    # A different client's stale If-Match is still refused.
    r = invoke(
        "resource_update", "movie_update", token=alice, path_id=created["id"], body=body, headers={"If-Match": 'W/"1"'}
    )
    assert r.status == 412, r.text
