"""What a user of ``make run`` sees from the local runner, over real HTTP.

The real template is only used for behaviour every function owner agreed on (an
anonymous list is a 401 with a ``WWW-Authenticate`` header); the event details are
checked through an echo function in a throwaway template, served by its own server.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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

# mark=PATH: write the sandbox's pid to PATH once the handler runs; sleep=S; hold=PATH: stay
# in flight until PATH exists (or 1 s before the Timeout).
ECHO_APP = """\
import json
import os
import time

import echolayer


def lambda_handler(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("raise"):
        raise ValueError("echo failed on purpose")
    started = time.time()
    if "mark" in query:
        with open(query["mark"] + ".tmp", "w") as fh:
            fh.write(str(os.getpid()))
        os.replace(query["mark"] + ".tmp", query["mark"])
    time.sleep(float(query.get("sleep", 0)))
    released = False
    while "hold" in query and context.get_remaining_time_in_millis() > 1000:
        if os.path.exists(query["hold"]):
            released = True
            break
        time.sleep(0.02)
    body = {"event": event, "layer": echolayer.NAME, "pid": os.getpid(), "started": started}
    body.update(ended=time.time(), released=released)
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


def wait_for_mark(path: Path) -> int:
    """The pid a handler wrote to ``path`` (bounded wait)."""
    deadline = time.monotonic() + TIMEOUT
    while not path.exists():
        assert time.monotonic() < deadline, f"no handler wrote {path} within {TIMEOUT}s"
        time.sleep(0.02)
    return int(path.read_text())


def test_a_timeout_fails_only_its_own_invocation(
    start_localapi: Callable[..., Any], echo_template: Path, tmp_path: Path
) -> None:
    """Lambda isolates invocations: the others in flight, and the next one, are answered (Timeout: 5)."""
    server = start_localapi(template=echo_template)
    url, release = f"{server.url}/echo", tmp_path / "release"

    def get(params: dict[str, str]) -> tuple[int, dict[str, Any], float]:
        response = requests.get(url, params=params, timeout=TIMEOUT)
        return response.status_code, response.json(), time.time()

    with ThreadPoolExecutor(max_workers=4) as threads:
        culprit = threads.submit(get, {"sleep": "60", "mark": str(tmp_path / "culprit")})
        culprit_pid = wait_for_mark(tmp_path / "culprit")
        time.sleep(2)  # the others start well after it, so they are running when its Timeout fires
        marks = [tmp_path / f"other-{i}" for i in range(3)]
        others = [threads.submit(get, {"hold": str(release), "mark": str(mark)}) for mark in marks]
        for mark in marks:
            wait_for_mark(mark)
        status, body, culprit_answered = culprit.result(TIMEOUT)
        assert (status, body) == (502, {"message": "Internal server error"})
        release.touch()
        answers = [future.result(TIMEOUT) for future in others]

    assert [status for status, _, _ in answers] == [200, 200, 200]
    for _, body, _ in answers:
        assert body["started"] < culprit_answered < body["ended"]  # in flight throughout
        assert body["released"]
        assert body["pid"] != culprit_pid
    assert echo(url)["pid"] != culprit_pid  # the next invocation is answered too
    log = server.output()
    assert log.count("Function 'EchoFunction' timed out after 5 seconds") == 1, log
    assert "crashed" not in log and "was stopped" not in log, log


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
def test_sigint_stops_invocations_in_flight(
    start_localapi: Callable[..., Any], echo_template: Path, tmp_path: Path
) -> None:
    """Ctrl-C while a handler runs: exit code 0 within the stop timeout, no sandbox left behind."""
    server = start_localapi(template=echo_template)
    with ThreadPoolExecutor(max_workers=1) as threads:
        busy = threads.submit(requests.get, f"{server.url}/echo", params={"sleep": "60", "mark": str(tmp_path / "m")})
        wait_for_mark(tmp_path / "m")
        children = _children(server.pid)
        started = time.monotonic()
        assert server.stop() == 0, server.output()
        assert time.monotonic() - started < 15
        with contextlib.suppress(requests.ConnectionError):  # or SAM's 502, if it got out in time
            assert busy.result(TIMEOUT).status_code == 502
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
