"""DynamoDB calls per request: every dialect's common requests, in process under moto.

The entry point starts a fresh count per invocation (``moviesapi.aws.start_counting``),
so after ``lambda_handler`` returns, ``moviesapi.aws.calls()`` lists that request's
DynamoDB operations. Call ``in_process_env()`` before this module imports the layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from benchmarks.common import PASSWORD, FakeContext, load_function, make_event

# The list page with its exact total: each of the 4 listing shards and the legacy unsharded
# partition is one Query (5), and the total's counter shards are one BatchGetItem (1). Once a
# container has read the legacy partition empty it skips it (``shards``): its later pages are 5.
LIST_PAGE_GOAL = 6
LATER_PAGE_GOAL = 5
# Floors stated in README "DynamoDB calls per request": 3 throttle ADDs (atomic, before argon2, each
# deciding by its returned count), username guard -> user (2 dependent reads), 1 settling transaction;
# Frappe login adds the session; an API key or sid names its user: one read beside the item's.
TOKEN_OBTAIN_GOAL: int | None = 6
FRAPPE_LOGIN_GOAL: int | None = 7
API_KEY_GET_GOAL: int | None = 2
SESSION_GET_GOAL: int | None = 2
REGISTER_GOAL = 1  # user and guards in one transaction
REFRESH_GOAL = 2  # the blacklist entries (one batch), the rotation marker


@dataclass
class CallRow:
    request: str
    status: int
    calls: list[str]
    goal: int | None

    @property
    def met(self) -> str:
        return "-" if self.goal is None else ("yes" if len(self.calls) <= self.goal else "NO")


def _invoke(function: str, event_name: str | None = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    reply = load_function(function).lambda_handler(make_event(event_name or function, **kwargs), FakeContext())
    return int(reply["statusCode"]), reply


def _cookie(reply: dict[str, Any], name: str) -> str:
    lines = (reply.get("multiValueHeaders") or {}).get("Set-Cookie") or []
    line = next(c for c in lines if c.startswith(f"{name}="))
    return line.split(";", 1)[0].split("=", 1)[1]


def measure() -> list[CallRow]:
    """Run every request once on a fresh mock AWS and record its DynamoDB calls."""
    from moto import mock_aws

    with mock_aws():
        from moviesapi import aws
        from moviesapi.models import ensure_tables

        ensure_tables()
        rows: list[CallRow] = []

        def run(label: str, goal: int | None, function: str, event: str | None = None, **kw: Any) -> dict[str, Any]:
            status, reply = _invoke(function, event, **kw)
            rows.append(CallRow(label, status, aws.calls(), goal))
            return reply

        creds = {"username": "alice", "password": PASSWORD}
        signup = {"email": "alice@example.com", "username": "alice", "password1": PASSWORD, "password2": PASSWORD}
        run("register", REGISTER_GOAL, "register", body=signup)
        pair = json.loads(run("token obtain", TOKEN_OBTAIN_GOAL, "token_obtain", body=creds)["body"])
        access = pair["access"]
        movie = {"title": "A", "genre": "Drama", "year": 1950}
        created = run("DRF create (JWT)", 1, "resource_create", "movie_create", token=access, body=movie)
        mid = json.loads(created["body"])["id"]
        run("DRF get (JWT)", 1, "resource_get", "movie_get", token=access, path_id=mid)
        run("DRF list page with total (JWT)", LIST_PAGE_GOAL, "resource_list", "movie_list", token=access, query={})
        run(
            "DRF list page with total, again (JWT)",
            LATER_PAGE_GOAL,
            "resource_list",
            "movie_list",
            token=access,
            query={},
        )
        run("DRF PUT (JWT)", 1, "resource_update", "movie_update", token=access, path_id=mid, body=movie)
        run("DRF PATCH (JWT)", 1, "resource_update", "movie_patch", token=access, path_id=mid, body={"title": "B"})
        run("token refresh", REFRESH_GOAL, "token_refresh", body={"refresh": pair["refresh"]})
        keys = json.loads(
            run("Frappe generate_keys (JWT)", None, "generate_keys", "frappe_generate_keys", token=access)["body"]
        )
        key, secret = keys["message"]["api_key"], keys["message"]["api_secret"]
        login = run(
            "Frappe login", FRAPPE_LOGIN_GOAL, "session_login", "frappe_login", body={"usr": "alice", "pwd": PASSWORD}
        )
        sid = _cookie(login, "sid")
        api_key = {"Authorization": f"token {key}:{secret}"}
        run("Frappe get (API key)", API_KEY_GET_GOAL, "resource_get", "frappe_get", headers=api_key, path_id=mid)
        cookie = {"Cookie": f"sid={sid}; system_user=yes"}
        run("Frappe get (session sid)", SESSION_GET_GOAL, "resource_get", "frappe_get", headers=cookie, path_id=mid)
        run("Restless get (JWT)", 1, "resource_get", "restless_get", token=access, path_id=mid)
        run(
            "Restless PATCH (JWT)",
            1,
            "resource_update",
            "restless_patch",
            token=access,
            path_id=mid,
            body={"title": "C"},
        )
        run("DRF delete (JWT)", 1, "resource_delete", "movie_delete", token=access, path_id=mid)
        return rows


def report(rows: list[CallRow]) -> str:
    lines = ["| request | status | DynamoDB calls | count | goal | met? |", "|---|---|---|---|---|---|"]
    for r in rows:
        goal = "-" if r.goal is None else str(r.goal)
        lines.append(f"| {r.request} | {r.status} | {', '.join(r.calls)} | {len(r.calls)} | {goal} | {r.met} |")
    lines.append(
        f"\nlist page goal {LIST_PAGE_GOAL}: 4 listing shards + the legacy partition (a Query each)"
        f" + 1 BatchGetItem of the counter shards; {LATER_PAGE_GOAL} once the container has read the legacy"
        " partition empty"
    )
    return "\n".join(lines)
