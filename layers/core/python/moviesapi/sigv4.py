"""SigV4 signatures byte for byte as botocore's, without its two detours that cost ~20 µs a call.

botocore's ``SigV4Auth`` collects the headers to sign into an ``email.message.Message``
twice a request (for the canonical request, and again for the Authorization header), and
reads the body to hash through ``request.body``, which prepares the whole request (URL,
headers, content length) to hand the body back. Here the headers go into a plain dict of
lists when every value is text, and a body that is bytes is hashed as it is;
any other request takes botocore's own code. Everything else is botocore's ``SigV4Auth``
itself (``tests/unit/test_sigv4.py`` compares every header of requests signed both ways).
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha256
from typing import Any

import botocore.auth
import botocore.awsrequest

_RELIED_ON = ("_is_streaming_checksum_payload", "_should_sha256_sign_payload", "headers_to_sign", "payload")


class _Headers(dict[str, list[str]]):
    """The headers to sign, as botocore's canonical and signed headers read them (names lowercased)."""

    def add(self, name: str, value: str) -> None:
        self.setdefault(name, []).append(value)

    def get_all(self, name: str) -> list[str]:
        return self[name]


class QuickSigV4Auth(botocore.auth.SigV4Auth):
    """botocore's SigV4, with the headers and the body's hash gathered directly where they are plain."""

    def headers_to_sign(self, request: Any) -> Any:
        found = _Headers()
        unsigned = botocore.auth.SIGNED_HEADERS_BLACKLIST  # read per request, as botocore does
        for name, value in request.headers.items():
            if type(value) is not str:  # e.g. an email Header, for text with surrogates
                return super().headers_to_sign(request)
            lowered = name.lower()
            if lowered not in unsigned:
                found.add(lowered, value)
        if "host" not in found:
            found.add("host", botocore.auth._host_from_url(request.url))
        return found

    def payload(self, request: Any) -> str:
        data = request.data if type(request) is botocore.awsrequest.AWSRequest else None
        if (
            type(data) is bytes
            and not self._is_streaming_checksum_payload(request)
            and self._should_sha256_sign_payload(request)
        ):
            return sha256(data).hexdigest() if data else botocore.auth.EMPTY_SHA256_HASH  # prepare(): b"" is None
        return super().payload(request)


def available() -> bool:
    """Whether this botocore's SigV4 has the parts ``QuickSigV4Auth`` builds on."""
    auth = botocore.auth
    return all(hasattr(auth.SigV4Auth, name) for name in _RELIED_ON) and all(
        hasattr(auth, name) for name in ("_host_from_url", "EMPTY_SHA256_HASH", "SIGNED_HEADERS_BLACKLIST")
    )


def install(client: Any) -> bool:
    """Sign ``client``'s SigV4 requests with ``QuickSigV4Auth`` (any other signer stays botocore's);
    whether it does (with awscrt installed, botocore signs v4 with CRT instead: the venv's case)."""
    signer = getattr(client, "_request_signer", None)
    own: Callable[..., Any] | None = getattr(signer, "get_auth_instance", None)
    if own is None or not available():
        return False
    if "get_auth_instance" in vars(signer):
        return True

    def get_auth_instance(*args: Any, **kwargs: Any) -> Any:
        auth = own(*args, **kwargs)
        if type(auth) is botocore.auth.SigV4Auth:
            auth.__class__ = QuickSigV4Auth  # the same state: a subclass that only adds methods
        return auth

    signer.get_auth_instance = get_auth_instance
    return True
