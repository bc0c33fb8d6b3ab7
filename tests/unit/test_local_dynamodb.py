"""The embedded DynamoDB of ``make run`` and the bench keeps connections open, as DynamoDB does.

werkzeug's server, under moto, closes every connection after its answer, so every botocore
call connected again, which DynamoDB never makes a client do. These send requests over one
connection, as botocore's pool does.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

TARGET = "DynamoDB_20120810."
JSON_TYPE = "application/x-amz-json-1.0"
SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"


@pytest.fixture
def connection(own_moto_server: str) -> Iterator[http.client.HTTPConnection]:
    where = urlsplit(own_moto_server)
    conn = http.client.HTTPConnection(where.hostname or "", where.port)
    yield conn
    conn.close()


def _headers(operation: str) -> dict[str, str]:
    return {"X-Amz-Target": TARGET + operation, "Content-Type": JSON_TYPE, "Authorization": SIGNED}


def _call(conn: http.client.HTTPConnection, operation: str, body: dict[str, object]) -> tuple[int, dict, bool]:
    conn.request("POST", "/", body=json.dumps(body), headers=_headers(operation))
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read() or b"{}"), answer.will_close


def test_one_connection_carries_every_call(connection: http.client.HTTPConnection) -> None:
    table = {
        "TableName": "kept",
        "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    assert _call(connection, "CreateTable", table)[::2] == (200, False)
    item = {"k": {"S": "one"}, "v": {"S": "x" * 5000}}  # a body larger than one read of the socket
    assert _call(connection, "PutItem", {"TableName": "kept", "Item": item})[::2] == (200, False)
    status, answer, closes = _call(connection, "GetItem", {"TableName": "kept", "Key": {"k": {"S": "one"}}})
    assert (status, answer["Item"], closes) == (200, item, False)
    assert connection.sock is not None  # none of the three answers closed it


def test_an_unread_body_or_a_refusal_leaves_the_connection_ready(connection: http.client.HTTPConnection) -> None:
    """A body moto never reads (its own ``/moto-api/`` pages) is not left for the next request to start in,
    and an error answer keeps the connection as a success does."""
    connection.request("GET", "/moto-api/data.json", body=b'{"unread": "' + b"x" * 3000 + b'"}')
    answer = connection.getresponse()
    answer.read()
    assert (answer.status, answer.will_close) == (200, False)
    status, answer, closes = _call(connection, "GetItem", {"TableName": "absent", "Key": {"k": {"S": "1"}}})
    assert (status, answer["__type"].rsplit("#", 1)[-1], closes) == (400, "ResourceNotFoundException", False)
    assert _call(connection, "ListTables", {})[:1] == (200,)


def test_a_chunked_body_closes_the_connection(connection: http.client.HTTPConnection) -> None:
    """Only a body with a length is read whole before moto answers; a chunked one keeps werkzeug's close."""
    connection.request("POST", "/", body=iter([b"{}"]), headers=_headers("ListTables"))
    answer = connection.getresponse()
    answer.read()
    assert answer.getheader("Connection") == "close"
    assert answer.will_close


def test_botocore_reuses_its_connection(own_moto_dynamodb: Any) -> None:
    """A botocore client's calls arrive on the one connection its pool keeps."""
    pools = own_moto_dynamodb._endpoint.http_session._manager.pools
    ports = []
    for _ in range(3):
        own_moto_dynamodb.list_tables()
        (pool,) = [pools[key] for key in list(pools.keys())]
        (kept,) = (conn for conn in pool.pool.queue if conn is not None)
        ports.append(kept.sock.getsockname()[1] if kept.sock is not None else None)
    assert ports[0] is not None
    assert ports == ports[:1] * 3  # one socket, still open, carried the three calls
