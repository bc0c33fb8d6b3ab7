"""Shared test set-up: a fake AWS environment (moto), the real events, the real handlers.

The environment is fixed before the layer is imported, because the layer reads
its settings once per process, as a Lambda container does.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.invoke import FakeContext, load_event, load_function, make_event  # noqa: F401 (the tests' helpers)

ROOT = Path(__file__).resolve().parent.parent

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "JWT_SECRET": "test-signing-key-that-is-long-enough-for-hs256-0123456789",
        "JWT_SECRET_ARN": "",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "movies-api-tests",
        "POWERTOOLS_METRICS_NAMESPACE": "MoviesApiTests",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "DYNAMODB_ENDPOINT": "",
    }
)

from moto import mock_aws  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_container_memory() -> None:
    """What a container learns of its tables (a retired listing partition read empty) is per test."""
    from moviesapi import shards

    shards._seen_empty.clear()


@pytest.fixture
def own_moto_server() -> Iterator[str]:
    """A moto server of this test's own (``make run``'s kind), reached over real HTTP: its endpoint."""
    from localapi.server import start_moto

    server = start_moto()
    yield server.endpoint
    server.stop()


@pytest.fixture
def own_moto_dynamodb(own_moto_server: str) -> Any:
    """A plain boto3 DynamoDB client of that server, to look at or change the tables behind the API."""
    import boto3

    return boto3.client(
        "dynamodb",
        endpoint_url=own_moto_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[dict[str, Any]]]:
    """The handlers' Logger lines from here on, as CloudWatch gets them: those that name ``text``, parsed."""
    from moviesapi.telemetry import logger

    written = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", written)
    return lambda text: [json.loads(line) for line in written.getvalue().splitlines() if text in line]


@pytest.fixture
def aws() -> Iterator[None]:
    """A fresh in-memory AWS with every table created from the models."""
    from moviesapi.models import ensure_tables

    with mock_aws():
        ensure_tables()
        yield


def routed_function(method: str, pattern: str) -> str:
    """The function ``template.yaml`` routes ``method pattern`` to (its own method's event, else ANY)."""
    from samcli.yamlhelper import yaml_parse

    template = yaml_parse((ROOT / "template.yaml").read_text())
    for wanted in (method, "ANY"):
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            for event in resource["Properties"]["Events"].values():
                if event["Properties"]["Path"] == pattern and event["Properties"]["Method"].upper() == wanted:
                    return Path(resource["Properties"]["CodeUri"]).name
    raise LookupError(f"{method} {pattern} is not routed")


class Reply:
    """A handler's proxy response, decoded."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.status: int = raw["statusCode"]
        self.headers: dict[str, str] = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        for key, values in (raw.get("multiValueHeaders") or {}).items():
            self.headers.setdefault(key.lower(), ", ".join(values))
        self.text: str = raw.get("body") or ""

    def json(self) -> Any:
        return json.loads(self.text)


Invoke = Callable[..., Reply]


@pytest.fixture
def invoke(aws: None) -> Invoke:
    """Call a function's real handler with a committed event: ``invoke("resource_get", "movie_get", path_id=...)``."""

    def call(function: str, event_name: str | None = None, **kwargs: Any) -> Reply:
        event = make_event(event_name or function, **kwargs)
        return Reply(load_function(function).lambda_handler(event, FakeContext()))

    return call


PASSWORD = "correct-horse-42"


LAMBDA_VARIABLES = ("LAMBDA_TASK_ROOT", "_X_AMZN_TRACE_ID", "AWS_LAMBDA_FUNCTION_NAME", "AWS_EXECUTION_ENV")


def run_fresh(script: str, *args: str, **env: str) -> Any:
    """Run ``script`` in a new interpreter, as a new container would (the layer and the repository on
    the path, from the repository, our environment without Lambda's own variables and with ``env``
    over it); its last stdout line is JSON."""
    path = os.pathsep.join([str(ROOT / "layers" / "core" / "python"), str(ROOT)])
    base = {k: v for k, v in os.environ.items() if k not in LAMBDA_VARIABLES}
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**base, "PYTHONPATH": path, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_own_movie_get(handler: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A new user's new movie read through ``handler`` (resource_get's) with their token: in a fresh
    process under moto (``run_fresh``), a container's first get."""
    from moviesapi import accounts, resources, tokens
    from moviesapi.catalog import MOVIE

    form = {"username": "kim", "email": "kim@example.com", "password1": PASSWORD, "password2": PASSWORD}
    user = accounts.register(form)
    movie = resources.create(
        MOVIE, {"title": "Ran", "genre": "Drama", "year": 1985}, accounts.Principal(user.id, user.username)
    )
    access = tokens.issue_pair(user.id, identity=accounts.identity(user))["access"]
    return handler(make_event("movie_get", token=access, path_id=movie["id"]), FakeContext())


@pytest.fixture
def signup(invoke: Invoke) -> Callable[..., dict[str, str]]:
    """Register a user and return their token pair."""

    def make(username: str = "alice", password: str = PASSWORD) -> dict[str, str]:
        r = invoke(
            "register",
            body={
                "email": f"{username}@example.com",
                "username": username,
                "password1": password,
                "password2": password,
            },
        )
        assert r.status == 201, r.text
        r = invoke("token_obtain", body={"username": username, "password": password})
        assert r.status == 200, r.text
        return r.json()

    return make
