"""Request authentication: small authenticator classes, tried in order (DRF's style).

An authenticator returns a Principal, None when the request does not use its
scheme, or raises when it does but the credentials are bad.
"""

from __future__ import annotations

from typing import Protocol

from .accounts import Principal, get_user
from .errors import InvalidToken
from .http import Request
from .tokens import ACCESS, decode


class Authenticator(Protocol):
    scheme: str

    def authenticate(self, request: Request) -> Principal | None: ...


class JWTAuthentication:
    """``Authorization: Bearer <access token>`` (simplejwt's JWTAuthentication)."""

    scheme = "Bearer"
    header_types = ("bearer", "jwt")

    def authenticate(self, request: Request) -> Principal | None:
        parts = request.header("authorization").split()
        if len(parts) == 0 or parts[0].lower() not in self.header_types:
            return None
        if len(parts) != 2:
            raise InvalidToken("Authorization header must contain two space-delimited values",
                               token_type=ACCESS)
        try:
            claims = decode(parts[1], ACCESS)
        except InvalidToken as exc:
            raise InvalidToken("Given token not valid for any token type", token_type=ACCESS) from exc
        user = get_user(claims.user_id)
        if user is None:
            raise InvalidToken("User not found", token_type=ACCESS)
        if not user.is_active:
            raise InvalidToken("User is inactive", token_type=ACCESS)
        return Principal(user.id, user.username, "jwt")


AUTHENTICATORS: list[Authenticator] = [JWTAuthentication()]


def authenticate(request: Request) -> Principal | None:
    """The caller, or None when anonymous; bad credentials raise (401)."""
    for authenticator in AUTHENTICATORS:
        principal = authenticator.authenticate(request)
        if principal is not None:
            return principal
    return None


def www_authenticate() -> str:
    return 'Bearer realm="api"'
