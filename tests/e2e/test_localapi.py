"""What a user of ``make run`` sees from the local runner, over real HTTP.

The real template is only used for behaviour every function owner agreed on (an
anonymous list is a 401 with a ``WWW-Authenticate`` header); the event details are
checked through an echo function in a throwaway template, served by its own server.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

TIMEOUT = 30

ECHO_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Timeout: 5
    Layers: [!Ref EchoLayer]
Resources:
  EchoLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: echo/
      Handler: app.lambda_handler
      Events:
        Echo: {Type: Api, Properties: {Path: /echo, Method: ANY}}
        EchoId: {Type: Api, Properties: {Path: "/echo/{id}", Method: GET}}
"""

ECHO_APP = """\
import json

import echolayer


def lambda_handler(event, context):
    if (event.get("queryStringParameters") or {}).get("raise"):
        raise ValueError("echo failed on purpose")
    body = {"event": event, "layer": echolayer.NAME}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
"""


@pytest.fixture(scope="module")
def echo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("echo-project")
    (root / "echo").mkdir()
    (root / "echo" / "app.py").write_text(ECHO_APP)
    (root / "layer" / "python" / "echolayer").mkdir(parents=True)
    (root / "layer" / "python" / "echolayer" / "__init__.py").write_text("NAME = 'echolayer'\n")
    (root / "template.yaml").write_text(ECHO_TEMPLATE)
    return root / "template.yaml"


def echo(url: str, **kwargs: Any) -> dict[str, Any]:
    response = requests.get(url, timeout=TIMEOUT, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


# ------------------------------------------------------------------ the real template


def test_unknown_route_answers_like_sam_local(api_url: str) -> None:
    response = requests.get(f"{api_url}/nope", timeout=TIMEOUT)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_route_is_answered_by_its_function(api_url: str) -> None:
    response = requests.get(f"{api_url}/api/v1/movies", timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    assert isinstance(response.json(), dict)
    assert response.headers["WWW-Authenticate"]


def test_trailing_slash_routes_the_same(api_url: str) -> None:
    plain = requests.get(f"{api_url}/api/v1/movies", timeout=TIMEOUT)
    slashed = requests.get(f"{api_url}/api/v1/movies/", timeout=TIMEOUT)
    assert slashed.status_code == plain.status_code == 401
    assert slashed.json() == plain.json()
    assert slashed.headers["WWW-Authenticate"] == plain.headers["WWW-Authenticate"]


# ------------------------------------------------------------------ an echo function


def test_event_carries_multi_value_query_strings_path_and_body(
    start_localapi: Callable[..., Any], echo_template: Path
) -> None:
    server = start_localapi(template=echo_template)
    body = echo(f"{server.url}/echo", params=[("tag", "a"), ("tag", "b"), ("q", "x y")])
    event = body["event"]
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": ["x y"]}
    assert event["queryStringParameters"] == {"tag": "b", "q": "x y"}
    assert event["httpMethod"] == "GET"
    assert event["resource"] == "/echo"
    assert body["layer"] == "echolayer"

    event = echo(f"{server.url}/echo/42/")["event"]
    assert event["pathParameters"] == {"id": "42"}
    assert event["resource"] == "/echo/{id}"

    response = requests.post(f"{server.url}/echo", json={"a": 1}, timeout=TIMEOUT)
    assert json.loads(response.json()["event"]["body"]) == {"a": 1}

    # /echo/{id} is GET only: another method is an unknown route, as in API Gateway.
    response = requests.delete(f"{server.url}/echo/42", timeout=TIMEOUT)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_handler_exception_is_a_502_and_its_traceback_is_logged(
    start_localapi: Callable[..., Any], echo_template: Path
) -> None:
    server = start_localapi(template=echo_template)
    response = requests.get(f"{server.url}/echo", params={"raise": "1"}, timeout=TIMEOUT)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    deadline = time.monotonic() + 5
    while "ValueError: echo failed on purpose" not in server.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "ValueError: echo failed on purpose" in server.output()


# ------------------------------------------------------------------ stopping

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), fields[0])
    return table


def _children(pid: int) -> set[int]:
    return {child for child, (parent, _state) in _processes().items() if parent == pid}


def _wait_gone(pids: set[int], seconds: float) -> set[int]:
    """Wait until none of ``pids`` is alive (zombies count as gone); return the survivors."""
    deadline = time.monotonic() + seconds
    while True:
        table = _processes()
        alive = {pid for pid in pids if pid in table and table[pid][1] != "Z"}
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


@linux_only
def test_sigint_stops_the_server_and_every_worker(start_localapi: Callable[..., Any], echo_template: Path) -> None:
    server = start_localapi(template=echo_template)
    echo(f"{server.url}/echo")
    children = _children(server.pid)
    assert children, "a request should have started a worker process"
    assert server.stop() == 0, server.output()
    assert not _wait_gone(children, 5), server.output()


@linux_only
def test_workers_exit_when_the_server_is_killed(start_localapi: Callable[..., Any], echo_template: Path) -> None:
    server = start_localapi(template=echo_template)
    echo(f"{server.url}/echo")
    children = _children(server.pid)
    assert children
    os.kill(server.pid, signal.SIGKILL)
    server.process.wait(TIMEOUT)
    assert not _wait_gone(children, 10), "orphaned workers survived their server"
