"""The floor: plain boto3 Lambda handlers sending the same DynamoDB requests ours send.

What a hand-written handler would do for the same work, and nothing more; the figures
divide ours by these. The requests are ours, item for item (the attributes our indexes
need, the counter shards, the conditions), so a ratio measures our code, not our design:
the design's own price is a separate line (``list_one``: a page from one partition and
one counter item, no exact total over write shards). Imports boto3 and the standard
library only (``floor_auth`` adds argon2 where a password is involved), and makes its
client at module level, as a plain Lambda handler does.

Every handler that needs a caller authenticates it as ours must: an HS256 JWT checked with
``hmac`` + ``base64`` + ``json`` (signature, ``exp``, ``token_type``); none validates fields
beyond what the write needs. Per request:

- get: JWT check, one consistent GetItem of the movie by id, ``json.dumps`` of it.
- list page with total: JWT check, one Query (newest first) per listing partition on the
  ``by_created`` index (4 write shards and the unsharded one), merged newest first, and one
  BatchGetItem of the total's counter shards; ``json.dumps`` of the first 10.
- list_one: JWT check, one Query (newest first, 10 items) of one partition, one GetItem of a
  counter item, ``json.dumps``.
- create: JWT check, one TransactWriteItems: the item (with its search shadows, listing shard
  and derived sort key) and its four counter shards (total, creator, genre, year).
- update: JWT check, one UpdateItem conditioned on existence, owner and unchanged counted
  values, returning the new item (and the old one on a refusal).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import time
import uuid
import zlib
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
LISTING = ("movies#0", "movies#1", "movies#2", "movies#3", "movies")  # storage.listing_partitions
COUNTER = ["count#movies", *(f"count#movies#s{n}" for n in range(64))]  # counters.shard_keys
_legacy_empty_at: float | None = None  # when the unsharded partition was read empty (shards.RECHECK_SECONDS)
_SHARD = random.randrange(64)  # noqa: S311 (this container's counter shard, as ours draws it)


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


def _now(at: datetime | None = None) -> str:
    """A timestamp as our items store it (PynamoDB's UTCDateTimeAttribute format), so our reads parse it."""
    return (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


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
    item = _client.get_item(
        TableName=MOVIES, Key={"id": {"S": movie_id}}, ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
    ).get("Item")
    return _reply(200, _plain(item)) if item else _reply(404, {"detail": "Not found."})


def list_page(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if verify(event) is None:
        return _reply(401, {"detail": "unauthenticated"})
    global _legacy_empty_at
    items: list[dict[str, Any]] = []
    skip_legacy = _legacy_empty_at is not None and time.monotonic() - _legacy_empty_at < 300
    for partition in LISTING[:-1] if skip_legacy else LISTING:
        answer = _client.query(
            TableName=MOVIES,
            IndexName="by_created",
            KeyConditionExpression="listing = :p",
            ExpressionAttributeValues={":p": {"S": partition}},
            ScanIndexForward=False,
            Limit=5,
            ReturnConsumedCapacity="TOTAL",
        )
        items += answer.get("Items", [])
        if partition == LISTING[-1] and not answer.get("ScannedCount") and "LastEvaluatedKey" not in answer:
            _legacy_empty_at = time.monotonic()  # as shards: no write fills it now, skipped while known empty
    items.sort(key=lambda i: i["created_at"]["S"], reverse=True)
    counters = _client.batch_get_item(
        RequestItems={
            UNIQUES: {
                "Keys": [{"key": {"S": k}} for k in COUNTER],
                "ProjectionExpression": "#k, #v",
                "ExpressionAttributeNames": {"#k": "key", "#v": "value"},
            }
        }
    )
    total = sum(int(c.get("value", {}).get("N", "0")) for c in counters["Responses"].get(UNIQUES, []))
    return _reply(200, {"count": total, "results": [_plain(i) for i in items[:10]]})


def list_one(event: dict[str, Any], context: Any) -> dict[str, Any]:
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


def _counter_add(key: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": UNIQUES,
            "Key": {"key": {"S": f"{key}#s{_SHARD}"}},
            "UpdateExpression": "ADD #v :one",
            "ExpressionAttributeNames": {"#v": "value"},
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    claims = verify(event)
    if claims is None:
        return _reply(401, {"detail": "unauthenticated"})
    body = json.loads(event.get("body") or "{}")
    movie_id, now = str(uuid.uuid4()), datetime.now(UTC)
    stamp, key_stamp = _now(now), now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    title, genre, year, me = str(body["title"]), str(body["genre"]), int(body["year"]), claims["user_id"]
    profile = claims.get("profile") or {}
    record = {
        "id": movie_id,
        "title": title,
        "title_lc": title.casefold(),
        "genre": genre,
        "genre_lc": genre.casefold(),
        "year": year,
        "creator_id": me,
        "creator_username": claims.get("username", ""),
        "creator_first_name": profile.get("first_name", ""),
        "creator_last_name": profile.get("last_name", ""),
        "creator_date_joined": _now(datetime.fromisoformat(profile["date_joined"]))
        if profile.get("date_joined")
        else stamp,
        "listing": f"movies#{zlib.crc32(movie_id.encode()) % 4}",
        "created_at": stamp,
        "updated_at": stamp,
        "updated_at_key": f"{key_stamp}#{movie_id}",
        "version": 1,
    }
    _client.transact_write_items(
        ClientRequestToken=uuid.uuid4().hex,
        TransactItems=[
            {
                "Put": {
                    "TableName": MOVIES,
                    "Item": {k: _ser.serialize(v) for k, v in record.items()},
                    "ConditionExpression": "attribute_not_exists(id) AND attribute_not_exists(version)",
                }
            },
            _counter_add(f"count#movies#by_creator#{me}"),
            _counter_add(f"count#movies#by_genre#{genre}"),
            _counter_add(f"count#movies#by_year#{year}"),
            _counter_add("count#movies"),
        ],
    )
    return _reply(201, record)


def update(event: dict[str, Any], context: Any) -> dict[str, Any]:
    claims = verify(event)
    if claims is None:
        return _reply(401, {"detail": "unauthenticated"})
    movie_id = (event.get("pathParameters") or {})["id"]
    body = json.loads(event.get("body") or "{}")
    now = datetime.now(UTC)
    title, genre, year = str(body["title"]), str(body["genre"]), str(int(body["year"]))
    try:
        reply = _client.update_item(
            TableName=MOVIES,
            Key={"id": {"S": movie_id}},
            UpdateExpression=(
                "SET genre = :g, genre_lc = :glc, listing = if_not_exists(listing, :l), title = :t, "
                "title_lc = :tlc, updated_at = :now, updated_at_key = :k, #y = :y ADD version :one"
            ),
            ConditionExpression="attribute_exists(id) AND creator_id = :me AND genre = :g AND #y = :y",
            ExpressionAttributeNames={"#y": "year"},
            ExpressionAttributeValues={
                ":t": {"S": title},
                ":tlc": {"S": title.casefold()},
                ":g": {"S": genre},
                ":glc": {"S": genre.casefold()},
                ":y": {"N": year},
                ":l": {"S": f"movies#{zlib.crc32(movie_id.encode()) % 4}"},
                ":now": {"S": _now(now)},
                ":k": {"S": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "#" + movie_id},
                ":one": {"N": "1"},
                ":me": {"S": claims["user_id"]},
            },
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except _client.exceptions.ConditionalCheckFailedException:
        return _reply(404, {"detail": "Not found."})
    return _reply(200, _plain(reply["Attributes"]))


HANDLERS = {"get": get, "list": list_page, "list_one": list_one, "create": create, "update": update}
