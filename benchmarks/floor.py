"""The floor: plain boto3 Lambda handlers doing the minimal DynamoDB work of our requests, on our tables.

What a hand-written handler would do, and nothing more; the figures divide ours by these.
Imports boto3 and the standard library only (``floor_auth`` adds argon2 where a password is
involved), and makes its client at module level, as a plain Lambda handler does.

Every handler that needs a caller authenticates it as ours must: an HS256 JWT checked with
``hmac`` + ``base64`` + ``json`` (signature, ``exp``, ``token_type``); none validates fields
beyond what the write needs. Per request:

- get: JWT check, one GetItem of the movie by id, ``json.dumps`` of it.
- list page with total: JWT check, one Query (newest first, 10 items) on the ``by_created``
  index of one listing partition, one GetItem of a counter item, ``json.dumps``.
- create: JWT check, one TransactWriteItems (the item + one counter ADD).
- update: JWT check, one UpdateItem conditional on the item existing and the caller owning it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_client = boto3.client("dynamodb", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT") or None)
_SECRET = os.environ["JWT_SECRET"].encode()
MOVIES = os.environ.get("MOVIES_TABLE") or "movies-api-movies"
UNIQUES = os.environ.get("UNIQUES_TABLE") or "movies-api-uniques"
_des = TypeDeserializer()
_ser = TypeSerializer()


# ---------------------------------------------------------------------------------------------- JWT (stdlib)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any]) -> str:
    head = _b64(b'{"alg":"HS256","typ":"JWT"}') + "." + _b64(json.dumps(claims, separators=(",", ":")).encode())
    return head + "." + _b64(hmac.new(_SECRET, head.encode(), hashlib.sha256).digest())


def verify(event: dict[str, Any]) -> dict[str, Any] | None:
    """The access token's claims, or None (signature, expiry and type checked)."""
    header = (event.get("headers") or {}).get("Authorization") or ""
    if not header.startswith("Bearer "):
        return None
    try:
        head, payload, signature = header[7:].split(".")
        expected = hmac.new(_SECRET, f"{head}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        claims: dict[str, Any] = json.loads(_unb64(payload))
    except ValueError:
        return None
    if claims.get("exp", 0) < time.time() or claims.get("token_type") != "access":
        return None
    return claims


def _now() -> str:
    """A timestamp as our items store it (PynamoDB's UTCDateTimeAttribute format), so our reads parse it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def _reply(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: _des.deserialize(v) for k, v in item.items()}
    return {k: (int(v) if k in ("year", "version") else v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------- handlers


def get(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if verify(event) is None:
        return _reply(401, {"detail": "unauthenticated"})
    movie_id = (event.get("pathParameters") or {})["id"]
    item = _client.get_item(TableName=MOVIES, Key={"id": {"S": movie_id}}).get("Item")
    return _reply(200, _plain(item)) if item else _reply(404, {"detail": "Not found."})


def list_page(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if verify(event) is None:
        return _reply(401, {"detail": "unauthenticated"})
    page = _client.query(
        TableName=MOVIES,
        IndexName="by_created",
        KeyConditionExpression="listing = :p",
        ExpressionAttributeValues={":p": {"S": "movies#0"}},
        ScanIndexForward=False,
        Limit=10,
    )
    counter = _client.get_item(TableName=UNIQUES, Key={"key": {"S": "count#movies"}}).get("Item") or {}
    total = int(counter.get("value", {}).get("N", "0"))
    return _reply(200, {"count": total, "results": [_plain(i) for i in page.get("Items", [])]})


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    claims = verify(event)
    if claims is None:
        return _reply(401, {"detail": "unauthenticated"})
    body = json.loads(event.get("body") or "{}")
    movie_id = str(uuid.uuid4())
    now = _now()
    record = {
        "id": movie_id,
        "title": str(body["title"]),
        "genre": str(body["genre"]),
        "year": int(body["year"]),
        "creator_id": claims["user_id"],
        "listing": f"movies#{hash(movie_id) % 4}",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    _client.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": MOVIES,
                    "Item": {k: _ser.serialize(v) for k, v in record.items()},
                    "ConditionExpression": "attribute_not_exists(id)",
                }
            },
            {
                "Update": {
                    "TableName": UNIQUES,
                    "Key": {"key": {"S": f"count#movies#s{hash(movie_id) % 64}"}},
                    "UpdateExpression": "ADD #v :one",
                    "ExpressionAttributeNames": {"#v": "value"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )
    return _reply(201, record)


def update(event: dict[str, Any], context: Any) -> dict[str, Any]:
    claims = verify(event)
    if claims is None:
        return _reply(401, {"detail": "unauthenticated"})
    movie_id = (event.get("pathParameters") or {})["id"]
    body = json.loads(event.get("body") or "{}")
    try:
        reply = _client.update_item(
            TableName=MOVIES,
            Key={"id": {"S": movie_id}},
            UpdateExpression="SET title = :t, genre = :g, #y = :y, updated_at = :now ADD version :one",
            ConditionExpression="attribute_exists(id) AND creator_id = :me",
            ExpressionAttributeNames={"#y": "year"},
            ExpressionAttributeValues={
                ":t": {"S": str(body["title"])},
                ":g": {"S": str(body["genre"])},
                ":y": {"N": str(int(body["year"]))},
                ":now": {"S": _now()},
                ":one": {"N": "1"},
                ":me": {"S": claims["user_id"]},
            },
            ReturnValues="ALL_NEW",
        )
    except _client.exceptions.ConditionalCheckFailedException:
        return _reply(404, {"detail": "Not found."})
    return _reply(200, _plain(reply["Attributes"]))


HANDLERS = {"get": get, "list": list_page, "create": create, "update": update}
