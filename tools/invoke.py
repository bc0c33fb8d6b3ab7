"""A function's real handler, called in process with a committed API Gateway event.

The tests and ``make bench`` both drive the functions this way: ``load_function``
imports ``functions/<name>/app.py`` once per process (every entry file is ``app``),
``make_event`` adjusts one of ``events/*.json`` the way API Gateway would fill it
for another request, and ``FakeContext`` is enough of Lambda's context for
Powertools. Standard library only: the bench imports it without site-packages.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class FakeContext:
    """Enough of the Lambda context for Powertools."""

    function_name = "local-function"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local-function"
    log_group_name = "/aws/lambda/local-function"
    log_stream_name = "2026/11/24/[$LATEST]local"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


_LOADED: dict[str, ModuleType] = {}


def load_file(path: Path, name: str) -> ModuleType:
    """Import a file under a unique module name, once per process."""
    if name not in _LOADED:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _LOADED[name] = module
    return _LOADED[name]


def load_function(name: str, functions: Path = ROOT / "functions") -> ModuleType:
    """``<functions>/<name>/app.py`` (this tree's ``functions/`` unless told) under a unique module name."""
    return load_file(functions / name / "app.py", f"function_{name}")


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
