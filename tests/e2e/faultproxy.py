"""A fault-injecting DynamoDB proxy for the e2e tests: what a busy or flaky DynamoDB does, in front of moto.

moto answers every request at once and never throttles, fails, conflicts or loses an
answer, so the retry and 503 paths would never run against ``make run``. This proxy
forwards DynamoDB's JSON protocol (``X-Amz-Target`` names the operation) and, with a
seeded RNG, answers a share of requests the way DynamoDB does when it is overloaded:
throttling (400), its own 500, a ``TransactionConflict`` cancellation, added latency,
and dropped connections before forwarding (nothing applied) or after it (applied, the
answer lost). moto does not implement ``ClientRequestToken``; DynamoDB does, and the
code under test relies on it, so the proxy remembers the tokens of transactions moto
applied and answers their repeat with success without applying them again.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

JSON_TYPE = "application/x-amz-json-1.0"
PREFIX = "com.amazonaws.dynamodb.v20120810#"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}


@dataclass(frozen=True)
class FaultMix:
    """The chance of each fault per request; their sum is the total fault rate."""

    throttling: float = 0.05
    throughput: float = 0.03
    server_error: float = 0.05
    conflict: float = 0.05  # TransactWriteItems only; other operations get a throttling error instead
    latency: float = 0.05
    drop_before: float = 0.035
    drop_after: float = 0.035
    latency_s: tuple[float, float] = (0.05, 0.3)

    def kinds(self) -> list[tuple[str, float]]:
        return [
            ("throttling", self.throttling),
            ("throughput", self.throughput),
            ("server_error", self.server_error),
            ("conflict", self.conflict),
            ("latency", self.latency),
            ("drop_before", self.drop_before),
            ("drop_after", self.drop_after),
        ]

    @property
    def total(self) -> float:
        return sum(p for _, p in self.kinds())


@dataclass
class FaultProxy:
    """The proxy's state: where it forwards, whether faults are on, what it injected and answered."""

    upstream: str
    mix: FaultMix = field(default_factory=FaultMix)
    seed: int = 12
    enabled: bool = False
    injected: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    replayed_tokens: int = 0
    _rng: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: dict[str, str] = field(default_factory=dict)  # ClientRequestToken → digest of the applied request
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # a fault schedule, not secrets

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def draw(self, operation: str, token: str | None = None) -> tuple[str | None, float]:
        """The fault for one request (None: forward as it is) and, for latency, the delay.

        A conflict only cancels a transaction DynamoDB would run: the repeat of an
        applied one (its token known) touches no item, so it gets throttled instead.
        """
        with self._lock:
            self.operations[operation] += 1
            if not self.enabled:
                return None, 0.0
            roll = self._rng.random()
            delay = self._rng.uniform(*self.mix.latency_s)
            for kind, chance in self.mix.kinds():
                if roll < chance:
                    if kind == "conflict" and (operation != "TransactWriteItems" or token in self._tokens):
                        kind = "throttling"
                    self.injected[kind] += 1
                    return kind, delay
                roll -= chance
            return None, 0.0

    def remembered(self, token: str | None, digest: str) -> str | None:
        """``"replay"`` for a repeat of an applied transaction, ``"mismatch"`` for its token with other items."""
        if token is None:
            return None
        with self._lock:
            known = self._tokens.get(token)
            if known is None:
                return None
            if known != digest:
                return "mismatch"
            self.replayed_tokens += 1
            return "replay"

    def remember(self, token: str, digest: str) -> None:
        with self._lock:
            self._tokens[token] = digest


class _Handler(BaseHTTPRequestHandler):
    """One DynamoDB request: maybe a fault, else forwarded to moto and its answer relayed."""

    owner: FaultProxy
    protocol_version = "HTTP/1.1"  # botocore keeps connections alive; a dropped one is closed

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports figures, not request lines."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        token, digest = None, ""
        if operation == "TransactWriteItems":
            request = json.loads(body or b"{}")
            token = request.pop("ClientRequestToken", None)
            digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
        fault, delay = self.owner.draw(operation, token)
        if fault == "drop_before":
            self._drop()
            return
        if fault in ("throttling", "throughput"):
            name = "ThrottlingException" if fault == "throttling" else "ProvisionedThroughputExceededException"
            self._answer(400, {"__type": PREFIX + name, "message": "Rate of requests exceeds the allowed throughput."})
            return
        if fault == "server_error":
            self._answer(500, {"__type": PREFIX + "InternalServerError", "message": "Internal server error"})
            return
        if fault == "conflict":
            items = len(json.loads(body).get("TransactItems") or [None])
            reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
            reasons += [{"Code": "None"}] * (items - 1)
            codes = ", ".join(r["Code"] for r in reasons)
            self._answer(
                400,
                {
                    "__type": PREFIX + "TransactionCanceledException",
                    "Message": f"Transaction cancelled, please refer cancellation reasons for specific reasons"
                    f" [{codes}]",
                    "CancellationReasons": reasons,
                },
            )
            return
        if fault == "latency":
            time.sleep(delay)
        seen = self.owner.remembered(token, digest)
        if seen == "replay":  # DynamoDB: a repeat of a successful request succeeds and changes nothing
            self._answer(200, {})
            return
        if seen == "mismatch":
            self._answer(
                400,
                {"__type": PREFIX + "IdempotentParameterMismatchException", "message": "token reused with other items"},
            )
            return
        status, headers, answer = self._forward(body)
        if status == 200 and token is not None:
            self.owner.remember(token, digest)
        if fault == "drop_after":  # applied by moto, the answer lost on the way
            self._drop()
            return
        self._relay(status, headers, answer)

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = urlsplit(self.owner.upstream)
        connection = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            connection.request("POST", self.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _relay(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP and name.lower() not in ("date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        self._relay(status, [("Content-Type", JSON_TYPE)], json.dumps(payload).encode())

    def _drop(self) -> None:
        """Close the socket without a word (a reset, as a dropped connection looks to the client)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
