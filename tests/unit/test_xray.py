"""Our X-Ray documents are the X-Ray SDK's (issue 13: the SDK left the cold path, its traces did not).

The oracle runs live: the same requests, in two fresh interpreters, once with our
``moviesapi.xray`` and once with Powertools' Tracer and the X-Ray SDK patching
botocore (ours switched off), each sending to a UDP socket of this test as the
daemon. The documents and the ``X-Amzn-Trace-Id`` header of every outgoing call
must be the same, ids, times and request ids aside, except the differences named
in ``ALLOWED`` (README "Tracing").
"""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moviesapi import xray

ROOT = Path(__file__).resolve().parents[2]
FACADE = "53995c3f42cd8ad8"
LAMBDA = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "_X_AMZN_TRACE_ID": f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={FACADE};Sampled=1",
    "AWS_LAMBDA_FUNCTION_NAME": "ResourceGetFunction",
    "POWERTOOLS_TRACE_DISABLED": "false",
    "POWERTOOLS_SERVICE_NAME": "movies-api",
}
# Every allowed difference from the SDK's documents, by name, with its reason (README "Tracing").
ALLOWED = {
    "table_names as a list": "BatchGetItem's table names: the SDK sends str() of a dict_keys view"
    " (\"dict_keys(['movies-api-uniques'])\", its serialiser's fallback), ours the list of names",
    "stack window": "a failed call's cause lists the 10 innermost frames up to botocore's _make_api_call; the SDK's"
    " 10 innermost include its own wrapper frames and end on the line that raised, so it shows fewer callers",
}

RUN = r"""
import json, sys
side = sys.argv[1]
from moviesapi import xray
if side == "sdk":
    xray.tracing_enabled = lambda: False  # ours stays out; the SDK patches botocore below
import itertools, random, types
import botocore.endpoint
from moto import mock_aws
from moviesapi import ids
rng, clock = random.Random(13), itertools.count(1_800_000_000_000)
ids.secrets = types.SimpleNamespace(randbits=rng.getrandbits)  # the same ids (so listing shards) in both runs
ids.time = types.SimpleNamespace(time_ns=lambda: next(clock) * 1_000_000)
from tools.invoke import FakeContext, load_function, make_event
headers = []
_own = botocore.endpoint.Endpoint._do_get_response
def _seen(self, request, *args, **kwargs):  # the prepared request, as it would go on the wire
    value = request.headers.get("X-Amzn-Trace-Id")
    headers.append(value.decode() if isinstance(value, bytes) else value)
    return _own(self, request, *args, **kwargs)
botocore.endpoint.Endpoint._do_get_response = _seen
with mock_aws():
    from moviesapi.models import ensure_tables
    from moviesapi import accounts, resources, tokens
    from moviesapi.catalog import MOVIE
    ensure_tables()
    user = accounts.register({"username": "tracer", "email": "t@x.io", "password1": "S3cret-Passw0rd!",
                              "password2": "S3cret-Passw0rd!"})
    who = accounts.Principal(user.id, user.username)
    movie = resources.create(MOVIE, {"title": "Traced", "genre": "Western", "year": 1950}, who)["id"]
    token = tokens.issue_access(user.id, accounts.identity(user))
    names = ("resource_get", "resource_update", "resource_list", "resource_create")
    handlers = {n: load_function(n).lambda_handler for n in names}
    if side == "sdk":
        from aws_lambda_powertools import Tracer
        tracer = Tracer(patch_modules=("botocore",))
        handlers = {n: tracer.capture_lambda_handler(h, capture_response=False) for n, h in handlers.items()}
    body = {"title": "Traced", "genre": "Western", "year": 1951}
    requests = [
        ("resource_get", make_event("movie_get", token=token, path_id=movie), 200),
        ("resource_get", make_event("movie_get", token=token, path_id="0190a0a0-0000-7000-8000-000000000000"), 404),
        ("resource_update", make_event("movie_update", token=token, path_id=movie, body=body,
                                       headers={"If-Match": '"999"'}), 412),
        ("resource_list", make_event("movie_list", token=token, query={}), 200),
        ("resource_create", make_event("movie_create", token=token, body=body), 201),
    ]
    del headers[:]
    statuses = [handlers[n](event, FakeContext())["statusCode"] for n, event, _ in requests]
    assert statuses == [s for _, _, s in requests], statuses
print(json.dumps({"headers": headers}))
"""


@pytest.fixture
def daemon() -> Iterator[socket.socket]:
    """A UDP socket standing in for the X-Ray daemon on 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    yield sock
    sock.close()


def _received(sock: socket.socket) -> list[dict[str, Any]]:
    docs = []
    sock.settimeout(0.5)
    while True:
        try:
            data, _ = sock.recvfrom(65536)
        except TimeoutError:
            return docs
        header, _, body = data.partition(b"\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        docs.append(json.loads(body))


def _run(side: str, sock: socket.socket, **env: str) -> tuple[list[dict[str, Any]], list[str | None]]:
    port = sock.getsockname()[1]
    out = subprocess.run(
        [sys.executable, "-c", RUN, side],
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "core" / "python"), str(ROOT)]),
            **LAMBDA,
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}",
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return _received(sock), json.loads(out.stdout.strip().splitlines()[-1])["headers"]


class _Labels:
    """Random ids → labels in order of appearance, so two runs' documents compare."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {FACADE: "facade"}

    def __call__(self, value: str) -> str:
        return self.seen.setdefault(value, f"id{len(self.seen)}")


def _normal(docs: list[dict[str, Any]], headers: list[str | None]) -> tuple[list[dict[str, Any]], list[str]]:
    label = _Labels()
    out = []
    for doc in docs:
        doc = json.loads(json.dumps(doc))
        assert doc.pop("end_time") >= doc.pop("start_time")
        doc["id"], doc["parent_id"] = label(doc["id"]), label(doc["parent_id"])
        aws = doc.get("aws", {})
        if aws.get("request_id"):
            aws["request_id"] = "<request id>"
        if isinstance(aws.get("table_names"), str):  # "table_names as a list"
            aws["table_names"] = ast.literal_eval(aws["table_names"].removeprefix("dict_keys(").removesuffix(")"))
        for exc in doc.get("cause", {}).get("exceptions", ()):
            exc["id"] = "<exception id>"
            stack = exc.pop("stack")
            assert stack and stack[-1]["label"] == "_make_api_call", stack  # "stack window": compared this far
        out.append(doc)
    seen = []
    for header in headers:
        assert header is not None, "an AWS call went out without X-Amzn-Trace-Id"
        fields = dict(part.split("=", 1) for part in header.split(";"))
        seen.append(f"Root={fields['Root']};Parent={label(fields['Parent'])};Sampled={fields['Sampled']}")
    return out, seen


def test_our_documents_and_headers_are_the_x_ray_sdks(daemon):
    ours = _normal(*_run("ours", daemon))
    sdk = _normal(*_run("sdk", daemon))
    assert [d["name"] for d in ours[0]].count("## handler") == 5
    assert ours[0] == sdk[0]
    assert ours[1] == sdk[1]
    calls = [d for d in ours[0] if d["namespace"] == "aws"]
    assert {d["aws"]["operation"] for d in calls} >= {"GetItem", "UpdateItem", "Query", "BatchGetItem"}
    # one process plays the container: its first invocation is the cold one, as Powertools counts
    assert [d["annotations"]["ColdStart"] for d in ours[0] if d["name"] == "## handler"] == [True] + [False] * 4
    assert set(ALLOWED) == {"stack window", "table_names as a list"}


def test_nothing_is_sent_for_an_unsampled_request(daemon):
    docs, headers = _run(
        "ours", daemon, _X_AMZN_TRACE_ID=f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={FACADE};Sampled=0"
    )
    assert docs == []
    assert all("Parent=" + FACADE in h for h in headers if h)  # botocore passes Lambda's own header on


def test_an_unreachable_daemon_costs_the_request_nothing(daemon):
    docs, _ = _run("ours", daemon, AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:0")
    assert docs == []  # and every request answered as usual (the script asserts the statuses)


@pytest.mark.parametrize(
    ("value", "address"),
    [
        (None, ("127.0.0.1", 2000)),
        ("169.254.79.129:2000", ("169.254.79.129", 2000)),
        ("tcp:127.0.0.1:2000 udp:127.0.0.2:2001", ("127.0.0.2", 2001)),
        ("udp:127.0.0.2:2001 tcp:127.0.0.1:2000", ("127.0.0.2", 2001)),
        ("nonsense", ("127.0.0.1", 2000)),
    ],
)
def test_daemon_address_as_the_sdk_reads_it(value, address):
    assert xray.daemon_address(value) == address


@pytest.mark.parametrize(
    ("name", "snake"),
    [("ConsumedCapacity", "consumed_capacity"), ("IndexName", "index_name"), ("TableName", "table_name")],
)
def test_snake_case_is_the_sdks(name, snake):
    from aws_xray_sdk.ext.util import to_snake_case

    assert xray.snake_case(name) == to_snake_case(name) == snake
