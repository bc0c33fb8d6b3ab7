"""Replay a conformance corpus against our API at handler level, as API Gateway would call it.

Each request becomes a REST API (payload v1) proxy event for the function ``template.yaml``
routes it to: API Gateway's choice of a literal path segment over ``{param}`` and of a
route's own method over ``ANY``; ``resource``, ``pathParameters``, ``path`` and
``requestContext.path`` (with the stage prefix, as in ``events/movie_list.json``), headers
and multi-value headers, query strings, and a body that is base64 when its Content-Type is
one of the template's ``BinaryMediaTypes`` (multipart/form-data, application/octet-stream),
text otherwise. A path no route matches gets API Gateway's own answer (403 ``Missing
Authentication Token``).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from tests.conftest import ROOT, FakeContext, Reply, load_event, load_function
from tools.conformance.drf.scenario import Normaliser, Prepared, Scenario, Side, answer_of

STAGE = "dev"
HOST = "1234567890.execute-api.us-east-1.amazonaws.com"
BASE = f"https://{HOST}/{STAGE}"
GATEWAY_HEADERS = {
    "Host": HOST,
    "X-Forwarded-For": "203.0.113.7, 127.0.0.2",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
}
MISSING_MOVIE_ID = "01900000-0000-7000-8000-00000000dead"
MISSING_USER_ID = "01900000-0000-7000-8000-00000000beef"


class OurSide(Side):
    name = "ours"
    missing_movie_id = MISSING_MOVIE_ID
    missing_user_id = MISSING_USER_ID

    def __init__(self) -> None:
        self.signing_key = os.environ["JWT_SECRET"]


@cache
def _template() -> dict[str, Any]:
    from samcli.yamlhelper import yaml_parse

    return yaml_parse((ROOT / "template.yaml").read_text())


@cache
def binary_media_types() -> frozenset[str]:
    """The REST API's ``BinaryMediaTypes``, ``~1`` read as ``/``."""
    api = next(r for r in _template()["Resources"].values() if r["Type"] == "AWS::Serverless::Api")
    return frozenset(t.replace("~1", "/").lower() for t in api["Properties"].get("BinaryMediaTypes", []))


def _body(request: Prepared) -> tuple[str | None, bool]:
    """``(body, isBase64Encoded)`` as API Gateway passes it: base64 for a binary media type.

    A text body that is not UTF-8 (the corpus's invalid-UTF-8 JSON) is passed base64 too,
    so its bytes reach the function intact and its own answer is what gets compared.
    """
    if not request.body:
        return None, False
    media = (request.content_type or "").split(";", 1)[0].strip().lower()
    if media not in binary_media_types():
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode(), True


@cache
def routes() -> tuple[tuple[str, str, str], ...]:
    """``(method, pattern, function)`` for every Api event in the template."""
    template = _template()
    out = []
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        function = resource["Properties"]["CodeUri"].rstrip("/").rsplit("/", 1)[-1]
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                props = event["Properties"]
                out.append((props["Method"].upper(), props["Path"], function))
    return tuple(out)


def _match(pattern: str, segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    parts = pattern.strip("/").split("/")
    params: dict[str, str] = {}
    score: list[int] = []
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            if index >= len(segments):
                return None
            params[part[1:-2]] = "/".join(segments[index:])
            return (*score, -1), params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segments[index]
            score.append(0)
        elif part == segments[index]:
            score.append(1)
        else:
            return None
    if len(parts) != len(segments):
        return None
    return tuple(score), params


def route(method: str, path: str) -> tuple[str, str, dict[str, str]] | None:
    """``(function, pattern, path parameters)`` as API Gateway picks them, or None (no route)."""
    segments = path.strip("/").split("/")
    best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
    for pattern in dict.fromkeys(p for _, p, _ in routes()):
        found = _match(pattern, segments)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], pattern, found[1])
    if best is None:
        return None
    _, pattern, params = best
    by_method = {m: f for m, p, f in routes() if p == pattern}
    function = by_method.get(method) or by_method.get("ANY")
    return (function, pattern, params) if function else None


def event_for(request: Prepared, pattern: str, params: dict[str, str]) -> dict[str, Any]:
    base = load_event("movie_list")
    headers = {**GATEWAY_HEADERS, **request.headers}
    query: dict[str, list[str]] = {}
    for name, value in request.query:
        query.setdefault(name, []).append(value)
    context = copy.deepcopy(base["requestContext"])
    context.update(
        path=f"/{STAGE}{request.path}",
        resourcePath=pattern,
        httpMethod=request.method,
        stage=STAGE,
        requestId=str(uuid.uuid4()),
    )
    context["identity"]["sourceIp"] = "203.0.113.7"
    body, is_base64 = _body(request)
    return {
        "resource": pattern,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def send(request: Prepared, answer_of: Callable[..., dict[str, Any]] = answer_of) -> dict[str, Any]:
    """Our answer to one request, in the recorded form (``answer_of``: the oracle's recorder's)."""
    routed = route(request.method, request.path)
    if routed is None:
        body = json.dumps({"message": "Missing Authentication Token"})
        return answer_of(403, {"Content-Type": "application/json"}, body)
    function, pattern, params = routed
    raw = load_function(function).lambda_handler(event_for(request, pattern, params), FakeContext())
    reply = Reply(raw)
    text = reply.text
    if raw.get("isBase64Encoded"):
        text = base64.b64decode(text).decode("utf-8", "replace")
    headers = dict(reply.headers)
    return answer_of(reply.status, headers, text)


def replay(requests: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Normaliser]:
    """Run the whole scenario on our API (inside moto); answers in corpus order and their normaliser."""
    scenario = Scenario(OurSide())
    answers = []
    for step in requests:
        prepared = scenario.prepare(step)
        answer = send(prepared)
        scenario.observe(step, answer["status"], answer["body"] if answer["body_kind"] == "json" else None)
        answers.append(answer)
    return answers, Normaliser(scenario.values, BASE, MISSING_MOVIE_ID, MISSING_USER_ID)
