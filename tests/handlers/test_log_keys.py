"""A container's log lines carry the same keys after any request: nothing a request adds outlives it.

The handler's Logger does not clear its keys between invocations (``clear_state``
rebuilt them on every one, ~7% of a get's own CPU): each invocation overwrites the
keys it sets (its Lambda context, cold start, correlation id). A request path that
appended a key of its own (a user id, a token's subject) would leak it into every
later request's log lines in that container; this test fails when one of the requests
below does, on its answer's path or its error handlers' (a 503, a 500), in either of
Powertools' key stores.
"""

from __future__ import annotations

from typing import Any

import pytest
from moviesapi.telemetry import logger
from pynamodb.connection.base import Connection

from tests.handlers.test_overload import _throttled
from tools.invoke import FakeContext, load_function, make_event


def _broken(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("a bug")


# Powertools' own keys and those each invocation sets.
KEYS = {"level", "location", "message", "timestamp", "service", "sampling_rate", "cold_start", "correlation_id"}
KEYS |= {"function_arn", "function_memory_size", "function_name", "function_request_id"}

REQUESTS = [
    ("resource_create", "movie_create", {"body": {"title": "Heat", "genre": "Crime", "year": 1995}}),
    ("resource_create", "movie_create", {"body": {"title": ""}}),  # 400
    ("resource_get", "movie_get", {"path_id": "no-such-movie"}),  # 404
    ("resource_list", "movie_list", {"query": {"genre": ["crime"]}}),
    ("resource_get", "movie_get", {"path_id": "no-such-movie", "token": "not-a-token"}),  # 401
    ("resource_list", "restless_list", {}),
    ("resource_list", "frappe_list", {}),
    ("token_obtain", None, {"body": {"username": "alice", "password": "wrong"}}),
    ("resource_list", "movie_list", {"query": {}, "failure": _throttled}),
    ("resource_list", "movie_list", {"query": {}, "failure": _broken}),
]


@pytest.fixture
def alice(signup) -> str:
    return signup()["access"]


def test_no_request_leaves_a_log_key_behind(aws, alice, monkeypatch):
    def call(n: int, function: str, event_name: str | None, **options: Any) -> tuple[int, dict[str, Any]]:
        event = make_event(event_name or function, **options)
        event["requestContext"]["requestId"] = f"request-{n}"
        status = load_function(function).lambda_handler(event, FakeContext())["statusCode"]
        assert logger.thread_safe_get_current_keys() == {}  # nothing in the per-thread store either
        return status, dict(logger.get_current_keys())

    _, first = call(0, "resource_get", "movie_get", token=alice, path_id="first")
    assert set(first) == KEYS
    for n, (function, event_name, options) in enumerate(REQUESTS, start=1):
        request = {"token": alice, **options}
        failure = request.pop("failure", None)
        with monkeypatch.context() as patched:
            if failure is not None:  # the error handlers' paths: a 503 (logged as a warning), a 500 (logged)
                patched.setattr(Connection, "query", failure)
            status, keys = call(n, function, event_name, **request)
        assert failure is None or status == (503 if failure is _throttled else 500)
        assert set(keys) == KEYS, (function, event_name)
        # The keys it does carry are this invocation's own.
        assert keys["correlation_id"] == f"request-{n}"
        assert keys["function_request_id"] != first["function_request_id"]
