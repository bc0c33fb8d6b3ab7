"""One botocore session per container, shared by every DynamoDB connection and Secrets Manager.

PynamoDB opens one botocore session per model connection, and each session
loads and parses DynamoDB's service model and resolves credentials again: on
a cold start with several tables that is repeated work on the critical path.
Here every connection (``pynamodb.connection.base.get_session``) and the
signing-key client take the same session, created on first use, so the
service models are parsed once, and every table shares one DynamoDB client
(``_shared_client``: each client costs ~20 ms to build), whose User-Agent header is built
once per feature set, not twice a request (``user_agent``), whose attribute values are written
and read without walking their shape (``attribute_values``), and whose SigV4 signatures skip
botocore's two detours (``sigv4``): each is held byte for byte equal to botocore's by tests.

Every call through the session is traced (``xray``) when tracing is on. The
session also counts DynamoDB API calls (a ``before-call`` hook, registered
before any client exists, so every client copies it): ``calls()`` is how many
this invocation made. The entry point starts a count per invocation; tests assert
exact counts per request with it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, overload

import botocore
import botocore.loaders
import botocore.session
import pynamodb.connection.base

from . import attribute_values, sigv4, user_agent, xray
from .collector import built_to_last
from .telemetry import logger

_SESSION: botocore.session.Session | None = None
CLIENT_LOCK = threading.RLock()  # see _CLIENTS
_calls: ContextVar[list[str] | None] = ContextVar("dynamodb_calls", default=None)


def session() -> botocore.session.Session:
    """The container's botocore session, created once, with the call counter registered."""
    global _SESSION
    if _SESSION is None:
        with CLIENT_LOCK:
            if _SESSION is None:
                made = botocore.session.get_session()
                made.register_component("data_loader", CensusFreeLoader.for_session(made))
                made.register("before-call.dynamodb", _count)
                if xray.tracing_enabled():
                    xray.instrument(made)
                _SESSION = made
    return _SESSION


class CensusFreeLoader(botocore.loaders.Loader):
    """botocore's data loader, without its census of every service on the first client.

    Before loading a service's model botocore asks whether the service exists, and its
    answer lists every directory of its data (~420 services, every API version of each):
    ~12 ms of a cold start. Here the answer is a list that, asked whether it holds one
    service, looks at that service's directory alone; anything else it is asked (an
    unknown service's error message lists them all) takes botocore's census, cached.
    """

    @classmethod
    def for_session(cls, session: botocore.session.Session) -> CensusFreeLoader:
        """The loader ``botocore.loaders.create_loader`` would make for ``session`` (``AWS_DATA_PATH``)."""
        paths = session.get_config_variable("data_path")
        extra = [os.path.expanduser(os.path.expandvars(p)) for p in paths.split(os.pathsep)] if paths else None
        return cls(extra_search_paths=extra)

    def list_available_services(self, type_name: str) -> Sequence[str]:  # type: ignore[override]
        return _KnownServices(self, type_name)


class _KnownServices(Sequence[str]):
    def __init__(self, loader: CensusFreeLoader, type_name: str) -> None:
        self._loader, self._type_name = loader, type_name
        self._all: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        if self._all is None and isinstance(name, str) and os.sep not in name:
            try:
                return any(
                    self._loader.file_loader.exists(os.path.join(folder, version, self._type_name))
                    for root in self._loader.search_paths
                    if os.path.isdir(folder := os.path.join(root, name))
                    for version in os.listdir(folder)
                )
            except Exception:  # noqa: S110 (a botocore that differs from ours: its own census answers)
                pass
        return name in self._census()

    def _census(self) -> list[str]:
        if self._all is None:
            self._all = list(botocore.loaders.Loader.list_available_services(self._loader, self._type_name))
        return self._all

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._census()[index]

    def __len__(self) -> int:
        return len(self._census())


def _count(model: Any, **_: Any) -> None:
    made = _calls.get()
    if made is not None:
        made.append(model.name)


def start_counting() -> list[str]:
    """Start a fresh list of this invocation's DynamoDB operations (names, in order) and return it."""
    made: list[str] = []
    _calls.set(made)
    return made


def calls() -> list[str]:
    """The DynamoDB operations made since ``start_counting`` (empty when not counting)."""
    return list(_calls.get() or ())


_CLIENTS: dict[tuple[str | None, str | None], Any] = {}
# botocore builds sessions and clients unsafely across threads: the signing-key prefetch
# (``signing.prefetch``), the first request's DynamoDB client and the partition reads a list page
# sends together (``parallel``) take turns (``CLIENT_LOCK``, re-entrant: a client opens the session).
_own_client = pynamodb.connection.base.Connection.client


def _shared_client(connection: pynamodb.connection.base.Connection) -> Any:
    """One DynamoDB client per endpoint for every table's connection (each would build its own).

    PynamoDB's own property still makes it (same configuration for every connection here:
    ``writes.CALL_RETRIES``, default timeouts) and replaces it when its credentials went missing.
    """
    key = (connection.host, connection.region)
    client = _CLIENTS.get(key)
    if client is None or _lost_credentials(client):
        with CLIENT_LOCK:
            client = _CLIENTS.get(key)
            if client is None or _lost_credentials(client):  # another thread may have made it meanwhile
                connection._client = None
                with built_to_last():  # its service model: tens of thousands of objects, kept for good
                    client = _own_client.fget(connection)  # type: ignore[attr-defined]
                _cut_botocore_detours(client)
                _CLIENTS[key] = client
    connection._client = client
    return client


def _cut_botocore_detours(client: Any) -> None:
    """The client's per-call botocore work without its detours; a botocore they do not fit is said once."""
    missing = [
        name
        for name, installed in (
            ("user_agent", user_agent.memoize(client)),
            ("attribute_values", attribute_values.install(client)),
            ("sigv4", sigv4.install(client)),
        )
        if not installed
    ]
    if missing:  # the requests are botocore's own then, only slower: worth a line, not an error
        logger.warning(
            "botocore detours left to botocore: it lacks what they build on",
            extra={"botocore": botocore.__version__, "left_to_botocore": missing},
        )


def _lost_credentials(client: Any) -> bool:
    return bool(client._request_signer and not client._request_signer._credentials)


# Every PynamoDB connection opens its session through this name: hand it the shared one; and every
# table's connection uses the one client.
pynamodb.connection.base.get_session = session  # type: ignore[assignment]
pynamodb.connection.base.Connection.client = property(_shared_client)  # type: ignore[method-assign,assignment]
