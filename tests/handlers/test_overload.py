"""An overloaded or conflicting DynamoDB is a 503 with Retry-After in the dialect's shape, never a 500.

The store's answers are forced at PynamoDB's connection (the layer below every model),
with the errors DynamoDB really sends: throttling on a read, a transaction cancelled
by a conflicting one on a write.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from pynamodb.connection.base import Connection
from pynamodb.exceptions import CancellationReason, QueryError, TransactWriteError, VerboseClientError

MOVIE = {"title": "Casablanca", "genre": "Drama", "year": 1942}


def _throttled(*_args: Any, **_kwargs: Any) -> Any:
    error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}
    raise QueryError("Failed to query items", cause=ClientError(error, "Query"))


def _conflict(*_args: Any, **_kwargs: Any) -> Any:
    # What PynamoDB's connection raises for DynamoDB's TransactionCanceledException (see Connection._make_api_call).
    error = {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}}
    reasons = [CancellationReason(code="TransactionConflict", message="Transaction is ongoing for the item")]
    cause = VerboseClientError(error, "TransactWriteItems", cancellation_reasons=reasons)
    raise TransactWriteError("Failed to write transaction items", cause=cause)


@pytest.fixture
def alice(signup) -> str:
    return signup("alice")["access"]


def test_a_conflicting_transaction_is_a_503_in_drf(invoke, alice, monkeypatch):
    monkeypatch.setattr(Connection, "transact_write_items", _conflict)
    r = invoke("resource_create", "movie_create", token=alice, body=MOVIE)
    assert r.status == 503 and r.headers["retry-after"] == "1"
    assert r.json() == {"detail": "The service is busy; retry shortly."}


def test_throttled_reads_are_a_503_in_every_dialect(invoke, alice, monkeypatch):
    monkeypatch.setattr(Connection, "query", _throttled)
    drf = invoke("resource_list", "movie_list", token=alice, query={})
    assert drf.status == 503 and drf.headers["retry-after"] == "1" and "detail" in drf.json()
    restless = invoke("resource_list", "restless_list", token=alice, query={})
    assert restless.status == 503 and restless.headers["retry-after"] == "1"
    assert restless.json() == {"message": "The service is busy; retry shortly."}
    frappe = invoke("resource_list", "frappe_list", token=alice, query={})
    assert frappe.status == 503 and frappe.headers["retry-after"] == "1" and "exc_type" in frappe.json()


@pytest.mark.parametrize(
    ("code", "status"),
    [("ProvisionedThroughputExceededException", 503), ("ThrottlingException", 503), ("ValidationException", 500)],
)
def test_a_gets_read_refused_by_dynamodb(invoke, alice, monkeypatch, code, status):
    """The get's GetItem goes straight to botocore: throttling is still a 503, anything else a 500."""
    created = invoke("resource_create", "movie_create", token=alice, body=MOVIE).json()
    call = BaseClient._make_api_call

    def refused(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "GetItem":
            raise ClientError({"Error": {"Code": code, "Message": "refused"}}, operation)
        return call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", refused)
    r = invoke("resource_get", "movie_get", token=alice, path_id=created["id"])
    assert r.status == status, r.text
    assert ("retry-after" in r.headers) == (status == 503)
    assert "refused" not in r.text  # DynamoDB's message stays in the logs


def test_a_busy_dynamodb_is_logged_with_the_requests_id(invoke, alice, monkeypatch, logged):
    """Log lines carry API Gateway's request id as ``correlation_id`` (Powertools' API_GATEWAY_REST path)."""
    from tools.invoke import make_event

    monkeypatch.setattr(Connection, "query", _throttled)
    assert invoke("resource_list", "movie_list", token=alice, query={}).status == 503
    busy = logged('"DynamoDB busy"')
    request_id = make_event("movie_list", token=alice, query={})["requestContext"]["requestId"]
    assert len(busy) == 1 and busy[0]["correlation_id"] == request_id


def test_a_throttled_read_on_a_pool_thread_is_a_503(invoke, alice):
    """A list page's partition reads run on pool threads (``moviesapi.parallel``): their failure keeps its type."""
    from moviesapi.catalog import MOVIE as MOVIES

    def throttle_pool_reads(model: Any, **_: Any) -> None:
        if threading.current_thread().name.startswith("dynamodb"):
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}
            raise ClientError(error, model.name)

    client = MOVIES.model._get_connection().connection.client
    client.meta.events.register("before-call.dynamodb", throttle_pool_reads)
    try:
        r = invoke("resource_list", "movie_list", token=alice, query={})
    finally:
        client.meta.events.unregister("before-call.dynamodb", throttle_pool_reads)
    assert r.status == 503 and r.headers["retry-after"] == "1", r.text


def test_a_real_server_error_is_still_a_500(invoke, alice, monkeypatch):
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Connection, "query", broken)
    r = invoke("resource_list", "movie_list", token=alice, query={})
    assert r.status == 500 and "retry-after" not in r.headers


@pytest.mark.parametrize(
    "lost",
    [
        ConnectionClosedError(endpoint_url="http://dynamodb"),
        ReadTimeoutError(endpoint_url="http://dynamodb"),
    ],
)
def test_a_connection_lost_after_botocores_retries_is_a_503(invoke, alice, monkeypatch, lost):
    """A dropped or timed-out connection to DynamoDB (botocore gave up) is "retry later", not a bug."""
    created = invoke("resource_create", "movie_create", token=alice, body=MOVIE).json()

    call = BaseClient._make_api_call

    def unreachable(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "GetItem":  # the get's read: botocore gave up on it
            raise lost
        return call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", unreachable)
    r = invoke("resource_get", "movie_get", token=alice, path_id=created["id"])
    assert r.status == 503 and r.headers["retry-after"] == "1", r.text
