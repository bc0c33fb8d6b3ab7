"""Permission classes in the spirit of DRF's ``permissions.py``: one rule each, composable."""

from __future__ import annotations

from typing import Any, Protocol

from .accounts import Principal
from .errors import NotAuthenticated, PermissionDenied

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Permission(Protocol):
    def has_permission(self, method: str, principal: Principal | None) -> bool: ...

    def has_object_permission(self, method: str, principal: Principal | None, record: dict[str, Any]) -> bool: ...


class IsAuthenticated:
    """Only signed-in callers (the seed: only authenticated users may create and see movies)."""

    def has_permission(self, method: str, principal: Principal | None) -> bool:
        return principal is not None

    def has_object_permission(self, method: str, principal: Principal | None, record: dict[str, Any]) -> bool:
        return True


class IsOwnerOrReadOnly:
    """Anyone allowed to see an object may read it; only its creator may change or delete it."""

    def has_permission(self, method: str, principal: Principal | None) -> bool:
        return True

    def has_object_permission(self, method: str, principal: Principal | None, record: dict[str, Any]) -> bool:
        if method in SAFE_METHODS:
            return True
        owner = (record.get("creator") or {}).get("id")
        return principal is not None and owner == principal.user_id


def check(
    permissions: tuple[Any, ...], method: str, principal: Principal | None, record: dict[str, Any] | None = None
) -> None:
    """Raise 401 for an anonymous caller a rule refuses, 403 for a signed-in one."""
    for permission in permissions:
        allowed = (
            permission.has_permission(method, principal)
            if record is None
            else permission.has_object_permission(method, principal, record)
        )
        if not allowed:
            raise NotAuthenticated() if principal is None else PermissionDenied()


MOVIE_PERMISSIONS = (IsAuthenticated(), IsOwnerOrReadOnly())
