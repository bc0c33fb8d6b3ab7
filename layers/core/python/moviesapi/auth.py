"""Request authentication: small authenticator classes, tried in order (DRF's style).

An authenticator returns a Principal, None when the request does not use its
scheme, or raises when it does but the credentials are bad.
"""

from __future__ import annotations

import base64
import binascii
from typing import Protocol

from . import apikeys, sessions
from .accounts import Principal, get_user
from .errors import AuthenticationFailed, InvalidToken
from .http import Request
from .tokens import ACCESS, decode


class Authenticator(Protocol):
    scheme: str

    def authenticate(self, request: Request) -> Principal | None: ...


class JWTAuthentication:
    """``Authorization: Bearer <access token>``, as simplejwt's JWTAuthentication answers it (its errors),
    authorising from the token's claims as its JWTStatelessUserAuthentication does (no user read)."""

    scheme = "Bearer"
    header_types = ("Bearer",)  # simplejwt's AUTH_HEADER_TYPES: any other scheme is not this one's

    def authenticate(self, request: Request) -> Principal | None:
        parts = request.header("authorization").split()
        if len(parts) == 0 or parts[0] not in self.header_types:
            return None
        if len(parts) != 2:
            raise InvalidToken(
                "Authorization header must contain two space-delimited values", code="bad_authorization_header"
            )
        try:
            claims = decode(parts[1], ACCESS)
        except InvalidToken as exc:
            reason = {"token_class": "AccessToken", "token_type": ACCESS, "message": exc.message}
            raise InvalidToken("Given token not valid for any token type", messages=[reason]) from exc
        if not claims.user_id:
            raise InvalidToken("Token contained no recognizable user identification")
        # Stateless, as simplejwt's JWTStatelessUserAuthentication: the token says who the caller is,
        # so no user read; a deactivated user keeps access until the token expires (5 minutes).
        stateless = Principal.from_identity(claims.user_id, claims.identity, "jwt")
        if stateless is not None:
            return stateless
        user = get_user(claims.user_id)  # a token issued before identity claims
        if user is None:
            raise InvalidToken("User not found", code="user_not_found")
        if not user.is_active:
            raise InvalidToken("User is inactive", code="user_inactive")
        return Principal.of(user, "jwt")


def _key_secret(pair: str) -> tuple[str, str]:
    api_key, sep, api_secret = pair.partition(":")
    if not sep:
        raise AuthenticationFailed(apikeys.BAD_PAIR)
    return api_key, api_secret


class TokenKeySecretAuthentication:
    """``Authorization: token <api_key>:<api_secret>`` (Frappe's token authentication)."""

    scheme = "token"

    def authenticate(self, request: Request) -> Principal | None:
        parts = request.header("authorization").split()
        if not parts or parts[0].lower() != "token":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(apikeys.BAD_PAIR)
        user = apikeys.verify(*_key_secret(parts[1]))
        return Principal.of(user, "token")


class BasicAuthentication:
    """``Authorization: Basic base64(api_key:api_secret)``: Frappe's Basic form carries the key pair,
    never a password, so passwords only ever go to the throttled login endpoints."""

    scheme = "Basic"

    def authenticate(self, request: Request) -> Principal | None:
        parts = request.header("authorization").split()
        if not parts or parts[0].lower() != "basic":
            return None
        if len(parts) != 2 or len(parts[1]) > 1024:
            raise AuthenticationFailed(apikeys.BAD_PAIR)
        try:
            pair = base64.b64decode(parts[1], validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise AuthenticationFailed("Failed to decode token, please provide a valid base64-encoded token.") from None
        user = apikeys.verify(*_key_secret(pair))
        return Principal.of(user, "basic")


class SessionCookieAuthentication:
    """The ``sid`` cookie set by ``/api/method/login``; unsafe methods also need the CSRF header.

    An unknown, ended or expired sid makes the caller a guest (as Frappe resumes
    such a request as Guest), so a stale cookie never blocks logging in again.
    """

    scheme = "Session"

    def authenticate(self, request: Request) -> Principal | None:
        found = sessions.from_request(request)
        if found is None:
            return None
        session, user = found
        if user is None or not user.is_active:
            return None
        sessions.check_csrf(session, request)
        return Principal.of(user, "session")


AUTHENTICATORS: list[Authenticator] = [
    JWTAuthentication(),
    TokenKeySecretAuthentication(),
    BasicAuthentication(),
    SessionCookieAuthentication(),
]


def authenticate(request: Request) -> Principal | None:
    """The caller, or None when anonymous; bad credentials raise (401). Known once per request."""
    if request.authenticated is not None:
        return request.authenticated[0]
    found: Principal | None = None
    for authenticator in AUTHENTICATORS:
        found = authenticator.authenticate(request)
        if found is not None:
            break
    request.authenticated = (found,)
    return found


def www_authenticate() -> str:
    return 'Bearer realm="api"'
