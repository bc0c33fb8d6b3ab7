"""Shared test set-up: a fake AWS environment (moto), the real events, the real handlers.

The environment is fixed before the layer is imported, because the layer reads
its settings once per process, as a Lambda container does.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

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


@pytest.fixture
def aws() -> Iterator[None]:
    """A fresh in-memory AWS with every table created from the models."""
    from moviesapi.models import ensure_tables

    with mock_aws():
        ensure_tables()
        yield


class FakeContext:
    """Enough of the Lambda context for Powertools' logger."""

    function_name = "test-function"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    log_group_name = "/aws/lambda/test-function"
    log_stream_name = "2026/11/24/[$LATEST]test"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


_HANDLERS: dict[str, ModuleType] = {}


def load_function(name: str) -> ModuleType:
    """Import ``functions/<name>/app.py`` under a unique module name (every entry file is ``app``)."""
    if name not in _HANDLERS:
        path = ROOT / "functions" / name / "app.py"
        spec = importlib.util.spec_from_file_location(f"function_{name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _HANDLERS[name] = module
    return _HANDLERS[name]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


def make_event(
    name: str,
    *,
    body: Any = None,
    token: str | None = None,
    path_id: str | None = None,
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
    path: str | None = None,
) -> dict[str, Any]:
    """One of the committed events, adjusted the way API Gateway would fill it for another request.

    ``path`` replaces the request path (e.g. ``/api/v1/movies.csv``), keeping the stage prefix.
    """
    event = copy.deepcopy(load_event(name))
    if path is not None:
        stage_prefix = event["requestContext"]["path"][: -len(event["path"])]
        event["path"] = path
        event["requestContext"]["path"] = stage_prefix + path
    if body is not None:
        event["body"] = json.dumps(body)
    if raw_body is not None:
        event["body"] = raw_body
    extra = dict(headers or {})
    if token:
        extra["Authorization"] = f"Bearer {token}"
    for key, value in extra.items():
        event["headers"][key] = value
        event["multiValueHeaders"][key] = [value]
    if path_id is not None:
        # The placeholder item id, wherever the route put it ({"collection": "movies", "id": "MOVIE_ID"}).
        params = event.get("pathParameters") or {}
        event["pathParameters"] = {k: path_id if v == "MOVIE_ID" else v for k, v in params.items()} or None
        event["path"] = event["path"].replace("MOVIE_ID", path_id)
        event["requestContext"]["path"] = event["requestContext"]["path"].replace("MOVIE_ID", path_id)
    if query is not None:
        event["multiValueQueryStringParameters"] = query or None
        event["queryStringParameters"] = {k: v[-1] for k, v in query.items()} or None
    return event


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
