"""The floor for the password requests: boto3 + argon2 (the CPU any handler verifying a password pays).

argon2id with our users' parameters (m=19 MiB, t=2, p=1, 32-byte hash, 16-byte salt;
``argon2-cffi``, as ``moviesapi.passwords``), so both sides hash and verify the same work.

- token obtain: GetItem of the username guard, GetItem of the user, argon2 verify, two JWTs signed.
- register: argon2 hash, one TransactWriteItems (user + username guard + email guard, each
  ``attribute_not_exists``).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import boto3
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from benchmarks.floor import _client, _now, _reply, sign

USERS = os.environ.get("USERS_TABLE") or "movies-api-users"
UNIQUES = os.environ.get("UNIQUES_TABLE") or "movies-api-uniques"
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)
assert boto3  # the client is the floor module's (one per container)


def token_obtain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = json.loads(event.get("body") or "{}")
    username, password = str(body.get("username", "")), str(body.get("password", ""))
    guard = _client.get_item(TableName=UNIQUES, Key={"key": {"S": f"username#{username.casefold()}"}}).get("Item")
    user = guard and _client.get_item(TableName=USERS, Key={"id": guard["user_id"]}).get("Item")
    try:
        ok = bool(user) and _hasher.verify(user["password"]["S"], password)  # type: ignore[index]
    except VerificationError:
        ok = False
    if not ok or not user:
        return _reply(401, {"detail": "No active account found with the given credentials"})
    now, user_id = int(time.time()), user["id"]["S"]
    common = {"iat": now, "user_id": user_id}
    return _reply(
        200,
        {
            "refresh": sign({**common, "token_type": "refresh", "exp": now + 86400, "jti": uuid.uuid4().hex}),
            "access": sign({**common, "token_type": "access", "exp": now + 300, "jti": uuid.uuid4().hex}),
        },
    )


def register(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = json.loads(event.get("body") or "{}")
    if body.get("password1") != body.get("password2"):
        return _reply(400, {"password2": ["The two password fields didn't match."]})
    user_id = str(uuid.uuid4())
    username, email = str(body["username"]), str(body["email"])
    user = {
        "id": {"S": user_id},
        "username": {"S": username},
        "email": {"S": email},
        "password": {"S": _hasher.hash(str(body["password1"]))},
        "is_active": {"BOOL": True},
        "date_joined": {"S": _now()},
    }
    guard = {"ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "key"}}
    _client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": USERS, "Item": user, "ConditionExpression": "attribute_not_exists(id)"}},
            {
                "Put": {
                    "TableName": UNIQUES,
                    "Item": {"key": {"S": f"username#{username.casefold()}"}, "user_id": {"S": user_id}},
                    **guard,
                }
            },
            {
                "Put": {
                    "TableName": UNIQUES,
                    "Item": {"key": {"S": f"email#{email.casefold()}"}, "user_id": {"S": user_id}},
                    **guard,
                }
            },
        ]
    )
    return _reply(201, {"id": user_id, "username": username, "email": email})


HANDLERS = {"token_obtain": token_obtain, "register": register}
