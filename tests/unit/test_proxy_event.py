"""Each request's headers are made case-insensitive once, and read as Powertools reads them.

Powertools reads ``resolved_headers_field`` for CORS (``Origin``) and for compression
(``Accept-Encoding``) on every response; ``api.ProxyEvent`` builds it once. These tests
fail if Powertools stops reading events through ``_to_proxy_event`` (the override would
be silently lost) or if the cached dict ever differs from Powertools' own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes import common as powertools_common
from moviesapi.api import ProxyEvent

from tests.conftest import FakeContext, Reply, load_event, load_function, make_event

EVENTS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "events").glob("*.json"))


@pytest.mark.parametrize("name", EVENTS)
def test_the_headers_are_powertools_own(name: str) -> None:
    event = load_event(name)
    ours, theirs = ProxyEvent(event).resolved_headers_field, APIGatewayProxyEvent(event).resolved_headers_field
    assert type(ours) is type(theirs)
    assert ours == theirs


@pytest.mark.parametrize(
    "headers",
    [
        {"headers": None, "multiValueHeaders": None},
        {"headers": {"Origin": "https://a.example"}, "multiValueHeaders": None},
        {"headers": {"Origin": "https://a.example"}, "multiValueHeaders": {"ORIGIN": ["https://b.example"]}},
    ],
)
def test_the_headers_are_powertools_own_when_one_map_is_missing(headers: dict[str, Any]) -> None:
    event = {**make_event("movie_get"), **headers}
    ours, theirs = ProxyEvent(event).resolved_headers_field, APIGatewayProxyEvent(event).resolved_headers_field
    assert ours == theirs
    assert ours.get("origin") == theirs.get("origin")


def test_a_request_lowercases_its_headers_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused request (no DynamoDB) still runs CORS and the compression check on its response."""
    built: list[int] = []
    original = powertools_common.CaseInsensitiveDict.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(powertools_common.CaseInsensitiveDict, "__init__", counted)
    event = make_event(
        "movie_get",
        token="not-a-token",
        path_id="no-such-movie",
        headers={"Origin": "https://a.example", "Accept-Encoding": "gzip"},
    )
    reply = Reply(load_function("resource_get").lambda_handler(event, FakeContext()))
    assert reply.status == 401
    assert "access-control-allow-origin" in reply.headers  # CORS read the Origin header
    assert len(built) == 1
