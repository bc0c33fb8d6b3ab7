"""Permission classes in the spirit of DRF's ``permissions.py``: one rule each, composable.

A resource declares its classes (``permissions=(IsAuthenticated(), IsOwnerOrReadOnly())``);
the core checks them on every operation, whatever the dialect. A rule sees the
method, the caller and the resource (DRF's ``view``), and for object checks the record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from .accounts import Principal
from .errors import NotAuthenticated, PermissionDenied

if TYPE_CHECKING:
    from .registry import Resource

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Permission(Protocol):
    def has_permission(self, method: str, principal: Principal | None, resource: Resource) -> bool: ...

    def has_object_permission(
        self, method: str, principal: Principal | None, resource: Resource, record: dict[str, Any]
    ) -> bool: ...


class BasePermission:
    """Allows everything; subclasses override the checks they care about."""

    def has_permission(self, method: str, principal: Principal | None, resource: Resource) -> bool:
        return True

    def has_object_permission(
        self, method: str, principal: Principal | None, resource: Resource, record: dict[str, Any]
    ) -> bool:
        return True


class AllowAny(BasePermission):
    """No restriction."""


class IsAuthenticated(BasePermission):
    """Only signed-in callers (the seed: only authenticated users may create and see movies)."""

    def has_permission(self, method: str, principal: Principal | None, resource: Resource) -> bool:
        return principal is not None


class ReadOnly(BasePermission):
    """Only safe methods."""

    def has_permission(self, method: str, principal: Principal | None, resource: Resource) -> bool:
        return method in SAFE_METHODS


class IsOwnerOrReadOnly(BasePermission):
    """Anyone allowed to see an object may read it; only its owner (the declared ``owner``) may change it."""

    def has_object_permission(
        self, method: str, principal: Principal | None, resource: Resource, record: dict[str, Any]
    ) -> bool:
        if method in SAFE_METHODS:
            return True
        return principal is not None and owner_id(resource, record) == principal.user_id


def owner_id(resource: Resource, record: dict[str, Any]) -> str | None:
    """The id of the record's owner, read through the declared owner relation."""
    if not resource.owner:
        return None
    return (record.get(resource.owner) or {}).get("id")


def default_permissions(resource: Resource) -> tuple[BasePermission, ...]:
    """DRF's project default (``IsAuthenticated``), plus owner-only writes when an owner is declared."""
    return (IsAuthenticated(), IsOwnerOrReadOnly()) if resource.owner else (IsAuthenticated(),)


def check(resource: Resource, method: str, principal: Principal | None, record: dict[str, Any] | None = None) -> None:
    """Raise 401 for an anonymous caller a rule refuses, 403 for a signed-in one."""
    for permission in resource.permissions or ():
        allowed = (
            permission.has_permission(method, principal, resource)
            if record is None
            else permission.has_object_permission(method, principal, resource, record)
        )
        if not allowed:
            raise NotAuthenticated() if principal is None else PermissionDenied()
