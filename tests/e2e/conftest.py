"""End-to-end set-up: the real local server (``make run``'s ``python -m localapi``) on a free port.

Every test under tests/e2e is marked ``e2e``. ``api_url`` is one server per test session
(per xdist worker) serving template.yaml; ``start_localapi`` starts extra servers, e.g.
on a throwaway template, and stops them after the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30
JWT_SECRET = "e2e-signing-key-that-is-long-enough-for-hs256-0123456789abcdef"
# Only what an interpreter needs: the developer's shell (or the unit tests' conftest)
# must not change what the server's functions see.
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this directory ``e2e`` (``-m "not e2e"`` skips the slow ones)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class LocalApiProcess:
    """A running ``python -m localapi``, its URL and its captured output."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """Ctrl-C the server and wait for it; fail (after killing it) if it does not exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                pytest.fail(f"localapi ignored SIGINT for {STOP_TIMEOUT_S}s:\n{self.output()}")
        return self.process.returncode


def launch(log_path: Path, template: Path | None = None, env: dict[str, str] | None = None) -> LocalApiProcess:
    """Start the server and wait (bounded) until its port answers HTTP."""
    from localapi.server import free_port  # samcli-heavy: only when a server starts

    port = free_port()
    command = [sys.executable, "-m", "localapi", "--port", str(port)]
    if template is not None:
        command += ["--template", str(template)]
    base_env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
    full_env = {**base_env, "JWT_SECRET": JWT_SECRET, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    server = LocalApiProcess(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"localapi exited with {process.returncode} while starting:\n{server.output()}")
        try:
            requests.get(server.url, timeout=5)
            return server
        except (requests.ConnectionError, requests.Timeout):  # a cold function may answer slowly
            pass
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"localapi did not answer within {START_TIMEOUT_S}s:\n{server.output()}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the local API serving template.yaml, e.g. ``http://127.0.0.1:54321``."""
    server = launch(tmp_path_factory.mktemp("localapi") / "server.log")
    yield server.url
    returncode = server.stop()
    assert returncode == 0, f"localapi exited with {returncode}:\n{server.output()}"


@pytest.fixture
def start_localapi(tmp_path: Path) -> Iterator[Callable[..., LocalApiProcess]]:
    """Start extra servers (``start_localapi(template=..., env=...)``); each is stopped after the test."""
    started: list[LocalApiProcess] = []

    def start(template: Path | None = None, env: dict[str, str] | None = None) -> LocalApiProcess:
        server = launch(tmp_path / f"server-{len(started)}.log", template, env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.browsers import CHROMIUM, LAUNCH_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()
