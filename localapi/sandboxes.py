"""One function's warm "containers": individually managed sandbox processes, as on Lambda.

Each invocation runs in a sandbox of its own (a spawned process running
``localapi.worker``), one invocation at a time. A sandbox that times out or dies is
killed and forgotten alone, as Lambda discards only that execution environment:
invocations running in the function's other sandboxes carry on, and the next
invocation gets a fresh (cold) sandbox. A shared ``ProcessPoolExecutor`` could not
do this: losing one worker breaks the whole executor and every invocation in it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
import uuid
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any

from . import worker
from .worker import FunctionSpec

MAX_WORKERS = 4
# Lambda gives a cold start 10 s to initialise; a spawned interpreter on a loaded CI
# machine can be slower than a Lambda sandbox, so the local limit is more generous.
INIT_TIMEOUT_S = 30.0
STOP_GRACE_S = 2.0


class InvokeFailed(Exception):
    """The sandbox produced no response (timeout, crash, init hang): SAM then answers 502."""


class _Late(Exception):
    """The sandbox did not answer before its deadline."""


class _Gone(Exception):
    """The sandbox's process ended (or broke the protocol) before answering."""


class Sandbox:
    """One execution environment: a spawned worker process and the server's end of its pipe.

    The invoking thread that holds a sandbox owns its pipe; the pool may only signal
    and reap the process (``terminate``, ``reap``), which wakes that thread.
    """

    def __init__(self, spec: FunctionSpec, ctx: SpawnContext) -> None:
        conn, child_conn = ctx.Pipe(duplex=True)
        self.process: SpawnProcess = ctx.Process(
            target=worker.main, args=(child_conn, spec, os.getpid()), name=f"localapi-{spec.name}"
        )
        try:
            self.process.start()
        except BaseException:
            conn.close()
            raise
        finally:
            child_conn.close()  # only the worker may hold it, so its exit reads as EOF here
        self._conn: Connection = conn
        self._reap_lock = threading.Lock()
        self.initialised = False

    def _receive(self, deadline: float) -> Any:
        """The worker's next message; ``_Late`` at the deadline, ``_Gone`` if the process ended first."""
        ready = wait([self._conn, self.process.sentinel], timeout=max(deadline - time.monotonic(), 0.0))
        if not ready:
            raise _Late
        if self._conn not in ready:  # died with nothing left to read
            raise _Gone
        try:
            return self._conn.recv()
        except (EOFError, OSError) as exc:
            raise _Gone from exc

    def await_init(self, timeout_s: float) -> None:
        """Wait for the worker's "ready" (interpreter started, handler imported)."""
        if self._receive(time.monotonic() + timeout_s) != worker.READY:
            raise _Gone
        self.initialised = True

    def run(self, request_id: str, event: str, tenant_id: str | None, timeout_s: float) -> str:
        """Hand the worker one invoke and wait for its stdout document, at most ``timeout_s``.

        The worker is idle when it gets the event, so the Timeout counts from the
        handler's start, never from a queue.
        """
        deadline = time.monotonic() + timeout_s
        try:
            self._conn.send((request_id, event, tenant_id))
        except OSError as exc:
            raise _Gone from exc
        answer = self._receive(deadline)
        if not (isinstance(answer, tuple) and len(answer) == 2 and answer[0] == request_id):
            raise _Gone
        return str(answer[1])

    def alive(self) -> bool:
        """Whether the process still runs: an idle sandbox can die (a thread its handler left behind)."""
        return self.process.is_alive()

    def exit_description(self, wait_s: float = 0.5) -> str:
        """How the process ended, for the log ("exit code 3", "signal 9").

        Waits a little: the pipe's EOF can come before the exit status is there to read.
        """
        with self._reap_lock, contextlib.suppress(Exception):
            self.process.join(wait_s)
        code = self.process.exitcode
        if code is None:
            return "it answered out of turn"
        return f"signal {-code}" if code < 0 else f"exit code {code}"

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM) without waiting."""
        with contextlib.suppress(Exception):
            self.process.terminate()

    def reap(self, grace_s: float) -> None:
        """Wait up to ``grace_s`` for the process to end, then kill it; afterwards it is gone."""
        with self._reap_lock, contextlib.suppress(Exception):
            self.process.join(grace_s)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(1.0)

    def discard(self) -> None:
        """Kill the process at once and close the pipe (only its owner calls this)."""
        with contextlib.suppress(Exception):
            self.process.kill()
        self.reap(0.0)
        self._conn.close()


class FunctionPool:
    """A function's sandboxes: up to ``max_workers``, started on demand, each reused while it is healthy."""

    def __init__(self, spec: FunctionSpec, max_workers: int = MAX_WORKERS) -> None:
        self.spec = spec
        self.max_workers = max_workers
        self._ctx = multiprocessing.get_context("spawn")
        # At most one invoke per sandbox and at most max_workers sandboxes: whoever holds
        # a slot finds an idle sandbox or room for a new one, never a queue.
        self._slots = threading.BoundedSemaphore(max_workers)
        self._lock = threading.Lock()
        self._idle: list[Sandbox] = []  # a stack: the most recently used is the warmest
        self._sandboxes: set[Sandbox] = set()
        self._closing = False
        self._stop_reason = ""

    def invoke(self, event: str, tenant_id: str | None = None) -> str:
        """Run one invoke; return the runtime's stdout document or raise InvokeFailed."""
        with self._slots:
            sandbox = self._checkout()
            try:
                output = self._run(sandbox, event, tenant_id)
            except BaseException:
                # Timed out, crashed, or unknown state: this sandbox alone is discarded.
                self._forget(sandbox)
                raise
            self._checkin(sandbox)
            return output

    def _checkout(self) -> Sandbox:
        """A warm idle sandbox if there is one, else a new (cold) one."""
        dead: list[Sandbox] = []
        sandbox = None
        with self._lock:
            if self._closing:
                raise InvokeFailed(f"Function '{self.spec.name}' was stopped: {self._stop_reason}")
            while self._idle:
                candidate = self._idle.pop()
                if candidate.alive():
                    sandbox = candidate
                    break
                self._sandboxes.discard(candidate)  # died while idle (e.g. a thread it left behind)
                dead.append(candidate)
        for candidate in dead:
            candidate.discard()
        return sandbox or self._start()

    def _start(self) -> Sandbox:
        """A cold sandbox, registered so that close() stops it (or stopped here if close() won the race)."""
        try:
            sandbox = Sandbox(self.spec, self._ctx)
        except OSError as exc:
            raise InvokeFailed(f"Function '{self.spec.name}' could not be started: {exc}") from exc
        with self._lock:
            closing = self._closing
            if not closing:
                self._sandboxes.add(sandbox)
        if closing:  # close() ran while this one was starting: it never saw it
            sandbox.discard()
            raise InvokeFailed(f"Function '{self.spec.name}' was stopped: {self._stop_reason}")
        return sandbox

    def _run(self, sandbox: Sandbox, event: str, tenant_id: str | None) -> str:
        """Init (if cold, within INIT_TIMEOUT_S) then the invoke (within the Timeout); failures say which."""
        name = self.spec.name
        if not sandbox.initialised:
            try:
                sandbox.await_init(INIT_TIMEOUT_S)
            except _Late as exc:
                message = f"Function '{name}' did not finish initialising in {INIT_TIMEOUT_S:.0f} seconds"
                raise InvokeFailed(message) from exc
            except _Gone as exc:
                raise self._ended(sandbox, "while initialising") from exc
        try:
            return sandbox.run(str(uuid.uuid4()), event, tenant_id, self.spec.timeout)
        except _Late as exc:
            raise InvokeFailed(f"Function '{name}' timed out after {self.spec.timeout} seconds") from exc
        except _Gone as exc:
            raise self._ended(sandbox) from exc

    def _ended(self, sandbox: Sandbox, when: str = "") -> InvokeFailed:
        """The log line for a sandbox that ended before answering: stopped by us, or crashed."""
        with self._lock:
            stopped, reason = self._closing, self._stop_reason
        if stopped:
            return InvokeFailed(f"Function '{self.spec.name}' was stopped: {reason}")
        when = f" {when}" if when else ""
        return InvokeFailed(
            f"Function '{self.spec.name}' crashed{when}: its worker process exited unexpectedly "
            f"({sandbox.exit_description()})"
        )

    def _checkin(self, sandbox: Sandbox) -> None:
        """Keep a sandbox that answered warm for the next invoke, unless the pool is closing."""
        with self._lock:
            if not self._closing:
                self._idle.append(sandbox)
                return
        self._forget(sandbox)

    def _forget(self, sandbox: Sandbox) -> None:
        """Drop one sandbox from the pool and kill it; the others are untouched."""
        with self._lock:
            self._sandboxes.discard(sandbox)
        sandbox.discard()

    def processes(self) -> list[SpawnProcess]:
        """The worker processes alive or starting now (idle and busy)."""
        with self._lock:
            return [sandbox.process for sandbox in self._sandboxes]

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and diagnostics)."""
        return [process.pid for process in self.processes() if process.pid is not None]

    def shutdown(self) -> None:
        """Stop the pool because the server stops (in-flight invokes are abandoned, not "crashed")."""
        self.close(reason="the server is shutting down")

    def close(self, grace_s: float = STOP_GRACE_S, reason: str = "its pool was closed") -> None:
        """Stop every sandbox (politely, then by force); invokes in flight fail, later ones too."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._stop_reason = reason
            sandboxes = list(self._sandboxes)
            idle = list(self._idle)
            self._idle.clear()
        for sandbox in sandboxes:
            sandbox.terminate()
        deadline = time.monotonic() + grace_s
        for sandbox in sandboxes:
            sandbox.reap(max(deadline - time.monotonic(), 0.05))
        # Busy sandboxes' pipes belong to their invoking threads, which wake up and close them.
        for sandbox in idle:
            sandbox.discard()
