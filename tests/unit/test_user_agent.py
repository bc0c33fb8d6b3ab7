"""Every request still carries the User-Agent botocore would build, though each distinct one is built once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.context import start_as_current_context
from botocore.useragent import UserAgentString, register_feature_id
from moto import mock_aws
from moviesapi import aws, user_agent

CONFIGS = {
    "plain": Config(),
    "pynamodb's": Config(parameter_validation=False, retries={"total_max_attempts": 4, "mode": "standard"}),
    "app id": Config(user_agent_appid="movies/api#1"),
    "extra": Config(user_agent_extra="extra/1"),
    "legacy override": Config(user_agent="Legacy/1.0"),
}
FEATURES = [(), ("WAITER",), ("PAGINATOR", "WAITER"), ("GZIP_REQUEST_COMPRESSION",), ("WAITER",)]


@pytest.fixture
def session() -> Iterator[botocore.session.Session]:
    with mock_aws():
        made = botocore.session.get_session()
        made.set_config_variable("region", "us-east-1")
        yield made


POWERTOOLS = re.compile(r" PT/\S+ PTEnv/\S+$")  # its request-created hook, on every session


class Sent:
    """The User-Agent of each request a client sends, and botocore's own build of it at that moment."""

    def __init__(self, client: Any) -> None:
        self.headers: list[str] = []
        self.botocore_parts: list[str] = []  # the header without what Powertools appends after botocore
        self.botocores: list[str] = []
        self.creator = client._user_agent_creator
        client.meta.events.register("before-send.dynamodb", self._seen)  # ahead of moto's "before-send"

    def _seen(self, request: Any, **_: Any) -> None:
        sent = request.headers["User-Agent"]
        self.headers.append(sent.decode() if isinstance(sent, bytes) else sent)
        self.botocore_parts.append(POWERTOOLS.sub("", self.headers[-1]))
        self.botocores.append(UserAgentString.to_string(self.creator))  # the class's: unmemoized


def _requests(client: Any, features: tuple[str, ...]) -> None:
    """One request in a context that registered ``features`` (as a waiter or a paginator does)."""
    with start_as_current_context():
        for feature in features:
            register_feature_id(feature)
        client.list_tables()


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_the_header_is_botocores_and_built_once_per_feature_set(session, config, monkeypatch):
    builds: list[object] = []
    own = UserAgentString.to_string
    monkeypatch.setattr(UserAgentString, "to_string", lambda self: builds.append(self) or own(self))
    client = session.create_client("dynamodb", config=config)
    before = Sent(client)
    for features in FEATURES:
        _requests(client, features)
    unmemoized = list(before.headers)
    user_agent.memoize(client)
    after = Sent(client)
    builds.clear()
    for features in FEATURES:
        _requests(client, features)
    assert after.botocore_parts == after.botocores  # what botocore builds for this very request
    assert after.headers == unmemoized  # and what the client sent before it was memoized
    assert len(set(after.headers)) == (1 if config.user_agent else 4)  # the legacy one names no features
    built = [b for b in builds if b is after.creator]
    assert len(built) == 4 + 2 * len(FEATURES)  # 4 feature sets; then the checks in the two hooks


def test_the_features_are_in_the_header(session):
    client = session.create_client("dynamodb")
    user_agent.memoize(client)
    sent = Sent(client)
    _requests(client, ())
    _requests(client, ("WAITER",))
    code = "B"  # botocore's code for WAITER, on the header's m/ component
    assert code not in sent.headers[0].split(" m/")[-1].split(" ")[0].split(",")
    assert code in sent.headers[1].split(" m/")[-1].split(" ")[0].split(",")


def test_past_the_memo_size_each_header_is_still_botocores(session, monkeypatch):
    monkeypatch.setattr(user_agent, "MEMO_SIZE", 1)
    client = session.create_client("dynamodb")
    user_agent.memoize(client)
    sent = Sent(client)
    for features in FEATURES:
        _requests(client, features)
    assert sent.botocore_parts == sent.botocores
    assert len(set(sent.headers)) == 4


def test_memoized_once(session):
    client = session.create_client("dynamodb")
    user_agent.memoize(client)
    user_agent.memoize(client)
    assert type(client._user_agent_creator) is user_agent.MemoizedUserAgentString
    user_agent.memoize(object())  # a client without botocore's builder is left as it is


def test_a_copy_with_another_config_builds_its_own(session):
    """``with_client_config`` copies the builder: the copy's header names its own config."""
    client = session.create_client("dynamodb")
    user_agent.memoize(client)
    creator = client._user_agent_creator
    creator.to_string()
    copy = creator.with_client_config(Config(user_agent_appid="other"))
    assert copy.to_string() == UserAgentString.to_string(copy)
    assert "app/other" in copy.to_string() and "app/other" not in creator.to_string()


def test_the_layers_dynamodb_client_memoizes(invoke, signup):
    """The one client every table shares builds its header once per feature set, and sends botocore's."""
    alice = signup("alice")
    client = aws._CLIENTS[next(iter(aws._CLIENTS))]
    sent = Sent(client)
    for _ in range(3):
        assert invoke("resource_list", "movie_list", token=alice["access"]).status == 200
    assert type(client._user_agent_creator) is user_agent.MemoizedUserAgentString
    assert sent.headers and sent.botocore_parts == sent.botocores
