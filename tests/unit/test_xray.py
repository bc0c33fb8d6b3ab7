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
import contextlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from moviesapi import xray

from tests.conftest import run_fresh

FACADE = "53995c3f42cd8ad8"
ROOT_ID = "1-5759e988-bd862e3fe1be46a994272793"
SAMPLED = f"Root={ROOT_ID};Parent={FACADE};Sampled=1;Lineage=a87bd80c:1"
LAMBDA = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "_X_AMZN_TRACE_ID": SAMPLED,
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
    "pool threads": "a list page's partition reads run on a thread pool (moviesapi.parallel); the SDK's context is"
    " thread-local, so it hangs those calls on the function's segment, ours under ## handler like the others",
    "unsampled calls' header": "a call of an unsampled invocation: the SDK names a subsegment it never sends as"
    " its Parent; ours leaves botocore's (Lambda's own header), which says the same: not sampled",
    "connection failures recorded": "a call that got no answer (connection refused, timeout): the SDK records the"
    " subsegment without fault or cause; ours marks it a fault with the exception as its cause",
}

RUN = r"""
import json, os, sys
side = sys.argv[1]
from moviesapi import xray
if side == "sdk":
    xray.tracing_enabled = lambda: False  # ours stays out; the SDK patches botocore below
import itertools, random, types
import botocore.endpoint
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws
from moviesapi import ids
rng, clock = random.Random(13), itertools.count(1_800_000_000_000)
ids.secrets = types.SimpleNamespace(randbits=rng.getrandbits)  # the same ids (so listing shards) in both runs
ids.time = types.SimpleNamespace(time_ns=lambda: next(clock) * 1_000_000)
headers, unreachable = [], []
_own = botocore.endpoint.Endpoint._do_get_response
def _seen(self, request, *args, **kwargs):  # the prepared request, as it would go on the wire
    value = request.headers.get("X-Amzn-Trace-Id")
    headers.append(value.decode() if isinstance(value, bytes) else value)
    if unreachable:
        raise EndpointConnectionError(endpoint_url=request.url)
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
    from tools.invoke import FakeContext, load_function, make_event
    handlers = {n: load_function(n).lambda_handler for n in names}
    if side == "sdk":
        from aws_lambda_powertools import Tracer
        tracer = Tracer(patch_modules=("botocore",))
        handlers = {n: tracer.capture_lambda_handler(h, capture_response=False) for n, h in handlers.items()}
    body = {"title": "Traced", "genre": "Western", "year": 1951}
    def trace(n, sampled=True):  # each invocation its own trace, as Lambda gives it
        return os.environ["_X_AMZN_TRACE_ID"].replace("a994272793", f"a9942727{n:02}").replace(
            "Sampled=1", "Sampled=1" if sampled else "Sampled=0")
    requests = [  # (function, event, status, trace header, unreachable DynamoDB)
        ("resource_get", make_event("movie_get", token=token, path_id=movie), 200, trace(0, sampled=False), False),
        ("resource_get", make_event("movie_get", token=token, path_id=movie), 200, trace(1), False),
        ("resource_get", make_event("movie_get", token=token, path_id="0190a0a0-0000-7000-8000-000000000000"), 404,
         trace(2), False),
        ("resource_update", make_event("movie_update", token=token, path_id=movie, body=body,
                                       headers={"If-Match": '"999"'}), 412, trace(3), False),
        ("resource_list", make_event("movie_list", token=token, query={}), 200, trace(4), False),
        ("resource_create", make_event("movie_create", token=token, body=body), 201, trace(5), False),
        ("resource_get", make_event("movie_get", token=token, path_id=movie), 503, trace(6), True),
    ]
    del headers[:]
    statuses = []
    for name, event, _, trace, down in requests:
        os.environ["_X_AMZN_TRACE_ID"] = trace  # as Lambda's runtime sets it for each invocation
        unreachable[:] = [True] if down else []
        statuses.append(handlers[name](event, FakeContext())["statusCode"])
    assert statuses == [r[2] for r in requests], statuses
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
    found = run_fresh(RUN, side, **{**LAMBDA, "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}", **env})
    return _received(sock), found["headers"]


def _invocations(docs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each ## handler with the calls made during it (by time: the SDK sends pool threads' calls late)."""
    handlers = [d for d in docs if d["name"].startswith("## ")]
    groups: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [(h, []) for h in handlers]
    for call in (d for d in docs if not d["name"].startswith("## ")):
        during = [calls for h, calls in groups if h["start_time"] <= call["start_time"] <= h["end_time"]]
        assert len(during) == 1, f"a call was recorded outside any invocation: {call}"
        during[0].append(call)
    return groups


def _plain(doc: dict[str, Any], side: str) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    assert doc.pop("end_time") >= doc.pop("start_time")
    aws = doc.get("aws", {})
    if aws.get("request_id"):
        aws["request_id"] = "<request id>"
    if side == "sdk" and isinstance(aws.get("table_names"), str):  # "table_names as a list"
        aws["table_names"] = ast.literal_eval(aws["table_names"].removeprefix("dict_keys(").removesuffix(")"))
    exceptions = doc.get("cause", {}).get("exceptions", ())
    if side == "ours" and exceptions and not exceptions[0]["remote"] and "## " not in doc["name"]:
        assert doc.pop("fault") is True  # "connection failures recorded"
        assert doc.pop("cause")["exceptions"][0]["type"] == "EndpointConnectionError"
        exceptions = ()
    for exc in exceptions:
        exc["id"] = "<exception id>"
        stack = exc.pop("stack")  # "stack window": compared down to where the call was made
        assert stack and stack[-1]["label"] == "_make_api_call", stack
    return doc


def _normal(docs: list[dict[str, Any]], headers: list[str | None], side: str) -> tuple[list[Any], list[str]]:
    """Ids by role (``handler<n>``, ``call``), each invocation's calls in a fixed order, headers likewise."""
    invocations, call_ids = [], set()
    for n, (handler, calls) in enumerate(_invocations(docs)):
        assert handler["parent_id"] == FACADE
        plain_calls = []
        for call in calls:
            parent = call["parent_id"]
            if side == "sdk" and parent == FACADE:  # "pool threads"
                parent = handler["id"]
            assert parent == handler["id"], call
            call_ids.add(call["id"])
            plain_calls.append({**_plain(call, side), "id": "call", "parent_id": f"handler{n}"})
        plain = {**_plain(handler, side), "id": f"handler{n}", "parent_id": "facade"}
        invocations.append((plain, sorted(plain_calls, key=lambda d: json.dumps(d, sort_keys=True))))
    seen = []
    for header in headers:
        assert header is not None, "an AWS call went out without X-Amzn-Trace-Id"
        fields = dict(part.split("=", 1) for part in header.split(";"))
        parent = fields["Parent"]
        fields["Parent"] = "call" if parent in call_ids else "facade" if parent == FACADE else "unknown"
        if side == "sdk" and fields["Sampled"] == "0":  # "unsampled calls' header"
            fields["Parent"] = "facade"
        seen.append(";".join(f"{k}={v}" for k, v in fields.items()))
    return invocations, sorted(seen)


def test_our_documents_and_headers_are_the_x_ray_sdks(daemon):
    ours = _normal(*_run("ours", daemon), side="ours")
    sdk = _normal(*_run("sdk", daemon), side="sdk")
    assert len(ours[0]) == 6  # seven requests, the first not sampled
    assert ours[0] == sdk[0]
    assert ours[1] == sdk[1]
    handlers = [handler for handler, _ in ours[0]]
    # the first invocation (not sampled) was the cold one: Powertools counts it all the same
    assert [h["annotations"]["ColdStart"] for h in handlers] == [False] * 6
    operations = [call["aws"]["operation"] for _, calls in ours[0] for call in calls]
    assert operations.count("Query") == 5 and {"GetItem", "UpdateItem", "BatchGetItem"} <= set(operations)
    # every call's header names its own subsegment and carries Lambda's Lineage on
    sampled = [h for h in ours[1] if "Sampled=1" in h]
    assert len(sampled) == len(ours[1]) - 1  # the unsampled request's one call went out with Lambda's header
    assert all(h.endswith(";Parent=call;Sampled=1;Lineage=a87bd80c:1") for h in sampled), sampled


def test_nothing_is_sent_for_an_unsampled_request(daemon):
    docs, headers = _run("ours", daemon, _X_AMZN_TRACE_ID=f"Root={ROOT_ID};Parent={FACADE};Sampled=0")
    assert docs == []
    assert headers and all(f"Parent={FACADE}" in h for h in headers)  # botocore passes Lambda's own header on


@pytest.mark.parametrize("address", ["127.0.0.1:0", "127.0.0.1:99999", "udp:", "no-such-host.invalid:2000"])
def test_a_daemon_that_cannot_be_reached_costs_the_requests_nothing(daemon, address):
    docs, headers = _run("ours", daemon, AWS_XRAY_DAEMON_ADDRESS=address)  # the script checks every status
    assert docs == [] and headers


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


def _traced_once(daemon, monkeypatch, handler, **env: str) -> dict[str, Any]:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", SAMPLED)
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", f"127.0.0.1:{daemon.getsockname()[1]}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    wrapped = xray.traced(handler, service="svc")
    with contextlib.suppress(KeyError):
        wrapped({}, None)
    [doc] = _received(daemon)
    return doc


def test_a_raising_handler_is_a_fault_with_the_stack_down_to_the_raise(daemon, monkeypatch):
    def handler(event, context):
        raise KeyError("boom")

    doc = _traced_once(daemon, monkeypatch, handler)
    assert doc["name"] == "## handler" and doc["fault"] is True
    [exc] = doc["cause"]["exceptions"]
    assert (exc["type"], exc["message"], exc["remote"]) == ("KeyError", "'boom'", False)
    assert exc["stack"][-1]["label"] == "handler"  # the raising frame, as the SDK's extract_tb gives it
    assert doc["metadata"] == {"svc": {"handler error": "'boom'"}}  # Powertools' capture_error


def test_provisioned_concurrency_is_never_a_cold_start(daemon, monkeypatch):
    monkeypatch.setattr(xray, "_cold", True)
    doc = _traced_once(daemon, monkeypatch, lambda e, c: None, AWS_LAMBDA_INITIALIZATION_TYPE="provisioned-concurrency")
    assert doc["annotations"] == {"ColdStart": False, "Service": "svc"}
    monkeypatch.setattr(xray, "_cold", True)
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE")
    assert _traced_once(daemon, monkeypatch, lambda e, c: None)["annotations"]["ColdStart"] is True
