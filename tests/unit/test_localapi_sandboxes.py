"""``make run``'s sandboxes: one invocation's timeout or crash fails that invocation only.

On Lambda every invocation runs in an execution environment of its own; a timeout or
a crash discards that one, invocations running in the function's other environments
carry on and the next invocation gets a fresh one. These tests hold invocations in
flight (the handler waits for a "release" file the test writes) while another
invocation of the same function times out or crashes, through SAM's own gateway (the
Flask test client), so no port is needed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from localapi import sandboxes
from localapi.runner import FunctionPool, FunctionSpec, InvokeFailed
from localapi.server import LocalApi, build

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:samcli"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:samtranslator"),
]

TIMEOUT_S = 5  # the function's Timeout: long enough to overlap invocations on a loaded machine
WAIT_S = 30  # upper bound of any wait in these tests

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  IsoFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Timeout: {timeout}
      CodeUri: iso/
      Handler: app.lambda_handler
      Environment:
        Variables: {{MARKS_DIR: "{marks}"}}
      Events:
        Iso: {{Type: Api, Properties: {{Path: /iso, Method: GET}}}}
"""

# mark=NAME: write this sandbox's pid to MARKS_DIR/NAME once the handler runs.
# hold=NAME: stay in flight until MARKS_DIR/NAME exists (or 1 s before the Timeout).
APP = """\
import json
import os
import time

MARKS = os.environ["MARKS_DIR"]


def lambda_handler(event, context):
    query = event.get("queryStringParameters") or {}
    started = time.time()
    if "mark" in query:
        path = os.path.join(MARKS, query["mark"])
        with open(path + ".tmp", "w") as fh:
            fh.write(str(os.getpid()))
        os.replace(path + ".tmp", path)
    if "crash" in query:
        os._exit(3)
    time.sleep(float(query.get("sleep", 0)))
    released = False
    while "hold" in query and context.get_remaining_time_in_millis() > 1000:
        if os.path.exists(os.path.join(MARKS, query["hold"])):
            released = True
            break
        time.sleep(0.02)
    body = {"pid": os.getpid(), "started": started, "ended": time.time(), "released": released}
    return {"statusCode": 200, "body": json.dumps(body)}
"""


@pytest.fixture(scope="module")
def marks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("marks")


@pytest.fixture(scope="module")
def local_api(tmp_path_factory: pytest.TempPathFactory, marks: Path) -> Iterator[LocalApi]:
    root = tmp_path_factory.mktemp("iso-project")
    (root / "iso").mkdir()
    (root / "iso" / "app.py").write_text(APP)
    (root / "template.yaml").write_text(TEMPLATE.format(timeout=TIMEOUT_S, marks=marks))
    environ = {"PATH": os.environ.get("PATH", ""), "DYNAMODB_ENDPOINT": "http://127.0.0.1:9"}
    api = build(root / "template.yaml", env_file=None, environ=environ)
    yield api
    api.close()


@pytest.fixture
def call(local_api: LocalApi) -> Iterator[Callable[[str], Future[tuple[int, dict[str, Any], float]]]]:
    """Send ``GET /iso?<query>`` from a thread; the future gives (status, body, time answered)."""
    threads = ThreadPoolExecutor(max_workers=8)

    def get(query: str) -> tuple[int, dict[str, Any], float]:
        response = local_api.service._app.test_client().get(f"/iso?{query}")
        answered = time.time()
        body = response.get_json() if response.status_code == 200 else {}
        return response.status_code, body or {}, answered

    yield lambda query: threads.submit(get, query)
    threads.shutdown(wait=True, cancel_futures=True)


def wait_for_mark(marks: Path, name: str) -> int:
    """The pid a handler wrote to ``marks/name`` (bounded wait)."""
    path = marks / name
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        assert time.monotonic() < deadline, f"no handler wrote {name} within {WAIT_S}s"
        time.sleep(0.02)
    return int(path.read_text())


def gone(pid: int, seconds: float = 5) -> bool:
    """True once ``pid`` is no longer a live process (a reaped or zombie one counts as gone)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        except OSError:  # no /proc: ask the kernel
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(0.05)
    return False


def pool_pids(local_api: LocalApi) -> set[int]:
    return {pid for pool in local_api.runner._pools.values() for pid in pool.pids()}


def test_a_timeout_fails_only_its_own_invocation(local_api: LocalApi, call: Any, marks: Path) -> None:
    warmup = [call("sleep=0.5") for _ in range(4)]
    warm = {future.result(WAIT_S)[1]["pid"] for future in warmup}
    assert len(warm) == 4  # four warm sandboxes, one per concurrent invocation

    culprit = call("sleep=60&mark=t-culprit")
    culprit_pid = wait_for_mark(marks, "t-culprit")
    time.sleep(2)  # the others start well after it, so they are running when its Timeout fires
    others = [call(f"hold=t-release&mark=t-{i}") for i in range(3)]
    for i in range(3):
        wait_for_mark(marks, f"t-{i}")

    started = time.monotonic()
    status, _, culprit_answered = culprit.result(WAIT_S)
    assert status == 502
    assert time.monotonic() - started < TIMEOUT_S  # answered at its Timeout, not at its 60 s
    (marks / "t-release").touch()

    answers = [future.result(WAIT_S) for future in others]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    for _, body, _ in answers:
        # In flight when the culprit was answered, and still running after it: untouched.
        assert body["started"] < culprit_answered < body["ended"]
        assert body["released"]
        assert body["pid"] in warm  # the same warm sandboxes, not replacements
    assert culprit_pid in warm
    assert gone(culprit_pid)
    assert culprit_pid not in pool_pids(local_api)

    after = [call("sleep=0.5") for _ in range(4)]  # the three warm ones and a fresh one for the fourth
    assert [future.result(WAIT_S)[0] for future in after] == [200, 200, 200, 200]
    assert len(pool_pids(local_api)) == 4


def test_a_crash_fails_only_its_own_invocation(local_api: LocalApi, call: Any, marks: Path) -> None:
    others = [call(f"hold=c-release&mark=c-{i}") for i in range(3)]
    for i in range(3):
        wait_for_mark(marks, f"c-{i}")

    status, _, culprit_answered = call("crash=1&mark=c-culprit").result(WAIT_S)
    assert status == 502
    culprit_pid = wait_for_mark(marks, "c-culprit")
    (marks / "c-release").touch()

    answers = [future.result(WAIT_S) for future in others]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    for _, body, _ in answers:
        assert body["started"] < culprit_answered < body["ended"]
        assert body["released"]
    assert gone(culprit_pid)
    assert culprit_pid not in pool_pids(local_api)

    status, body, _ = call("").result(WAIT_S)
    assert status == 200
    assert body["pid"] != culprit_pid


# ------------------------------------------------------------------ the pool on its own


@pytest.fixture
def spec(tmp_path: Path) -> FunctionSpec:
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
            import os, time

            def lambda_handler(event, context):
                time.sleep(event.get("sleep", 0))
                return {"pid": os.getpid()}
            """
        )
    )
    (tmp_path / "slowinit.py").write_text(
        "import time\ntime.sleep(60)\n\ndef lambda_handler(event, context):\n    return {}\n"
    )
    return FunctionSpec(
        name="F",
        handler="app.lambda_handler",
        code_dir=str(tmp_path),
        layer_paths=(),
        env={"PATH": os.environ.get("PATH", "")},
        timeout=10,
    )


def test_concurrency_is_capped_at_max_workers(spec: FunctionSpec) -> None:
    pool = FunctionPool(spec, max_workers=2)
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.add(len(pool.pids()))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=5) as threads:
            futures = [threads.submit(pool.invoke, json.dumps({"sleep": 0.3})) for _ in range(5)]
            pids = {json.loads(future.result(WAIT_S))["pid"] for future in futures}
    finally:
        stop.set()
        watcher.join()
        pool.shutdown()
    assert len(pids) == 2  # five invocations, two sandboxes, each reused
    assert max(seen) == 2


def test_init_timeout_discards_that_sandbox_only(spec: FunctionSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandboxes, "INIT_TIMEOUT_S", 1.0)
    pool = FunctionPool(dataclasses.replace(spec, handler="slowinit.lambda_handler"))
    try:
        started = time.monotonic()
        with pytest.raises(InvokeFailed, match="did not finish initialising"):
            pool.invoke("{}")
        assert time.monotonic() - started < 10
        assert pool.pids() == []  # killed and forgotten; the next invoke starts a fresh one
    finally:
        pool.shutdown()


def test_shutdown_stops_invocations_in_flight(spec: FunctionSpec) -> None:
    pool = FunctionPool(spec, max_workers=2)
    with ThreadPoolExecutor(max_workers=2) as threads:
        futures = [threads.submit(pool.invoke, json.dumps({"sleep": 60})) for _ in range(2)]
        deadline = time.monotonic() + WAIT_S
        while len(pool.pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # let both reach their handlers (or stop them while they start: both fine)
        processes = pool.processes()
        started = time.monotonic()
        pool.shutdown()
        for future in futures:
            with pytest.raises(InvokeFailed, match="the server is shutting down"):
                future.result(WAIT_S)
        assert time.monotonic() - started < 5
    assert not any(process.is_alive() for process in processes)
    with pytest.raises(InvokeFailed, match="the server is shutting down"):
        pool.invoke("{}")
