"""Schemathesis against ``/api/openapi.json`` on the real local server: not one server error (5xx).

Bounded so it fits ``make test``: Schemathesis's examples and coverage phases only (no random
fuzzing, no stateful runs), a fixed seed, every case it builds for an operation generated up front
(in process, a few seconds) and ``PER_OPERATION`` of them sent (an eighth of a search's many), spread
evenly over that operation's list so every parameter's variants are sampled; the request count is
capped (``MAX_REQUESTS``: about 1,500 today, 4 of them 500s before the planner's key checks).

The server is the one ``make run`` runs (``launch`` from the e2e conftest, as for ``api_url``), on
127.0.0.1 and of its own, so the movies Schemathesis creates never meet another test's; every request
carries a registered user's access token, so cases get past authentication to the code that parses
them. HEAD and format-suffixed paths are left out: the same functions, twice the cases.

Schemathesis's own pytest integration for a schema loaded at run time (``from_fixture``) fails on
pytest 9 (it sets ``Function._nodeid``), so the cases are built by the function that integration runs
per operation and sent here; the CLI has no per-operation cap on the coverage phase (about 6,600
cases, minutes).
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests  # what st's pytest plugin runs per operation (pinned 4.32)

from tests.e2e.conftest import launch
from tests.e2e.users import bearer

CONFIG = SchemathesisConfig.from_str(
    """
seed = 20261130
[phases.examples]
enabled = true
[phases.coverage]
enabled = true
[phases.fuzzing]
enabled = false
[phases.stateful]
enabled = false
[generation]
database = "none"
"""
)
PER_OPERATION = 16
MAX_REQUESTS = 2000
WORKERS = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh ``python -m localapi`` on a free loopback port, stopped after the module."""
    process = launch(tmp_path_factory.mktemp("schemathesis") / "server.log")
    assert process.url.startswith("http://127.0.0.1:")
    yield process.url
    assert process.stop() == 0, process.output()


def _cases(schema: Any) -> dict[str, list[Any]]:
    """Every case the examples and coverage phases build, per operation, in Schemathesis's order."""
    cases: dict[str, list[Any]] = collections.defaultdict(list)

    def collect(case: Any) -> None:
        cases[case.operation.label].append(case)

    for result in get_all_tests(schema=schema, test_func=collect, settings=None, given_kwargs=None):
        assert isinstance(result, Ok), f"the served OpenAPI document is invalid: {result.err()}"
        _operation, test = result.ok()
        test()
    return cases


def _share(cases: list[Any]) -> int:
    """How many of an operation's cases to send: ``PER_OPERATION``, or an eighth where the schema gives
    many (the searches: ``q``, ``filters``, ``fields``… are where hostile values reach the engine)."""
    return max(PER_OPERATION, len(cases) // 8)


def _spread(items: list[Any], count: int) -> list[Any]:
    """``count`` items evenly spaced over ``items`` (all of them when there are fewer)."""
    if len(items) <= count:
        return items
    return [items[i * len(items) // count] for i in range(count)]


def test_openapi_cases_get_no_server_error(server: str) -> None:
    _, auth = bearer(server, "st_")
    # HEAD runs the GET functions with no body to check, and a format suffix (``/api/movies.{format}``)
    # the same functions as the unsuffixed path: they would double the cases (and the time), not the code.
    schema = (
        schemathesis.openapi.from_url(f"{server}/api/openapi.json", config=CONFIG)
        .exclude(method="HEAD")
        .exclude(path_regex=r"\.\{format\}$")
    )
    generated = _cases(schema)
    chosen = [case for label in sorted(generated) for case in _spread(generated[label], _share(generated[label]))]
    assert len(generated) >= 50, sorted(generated)  # every dialect's operations, not a broken load
    assert len(chosen) <= MAX_REQUESTS, len(chosen)

    local = threading.local()  # one keep-alive session per sending thread

    def send(case: Any) -> tuple[Any, int, str]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        headers = {**(case.headers or {}), **auth}  # the token replaces any generated credentials
        response = case.call(base_url=server, session=local.session, headers=headers, timeout=60)
        return case, response.status_code, response.text[:300]

    with ThreadPoolExecutor(WORKERS) as pool:
        answers = list(pool.map(send, chosen))
    errors = [
        f"{status} {case.operation.label}: {case.as_curl_command(headers=auth)}\n  -> {text}"
        for case, status, text in answers
        if status >= 500
    ]
    statuses = collections.Counter(status for _, status, _ in answers)
    print(f"schemathesis: {len(answers)} requests over {len(generated)} operations; statuses {dict(statuses)}")
    assert not errors, f"{len(errors)} server errors of {len(answers)} requests:\n" + "\n".join(errors[:20])
