"""Permission classes in the spirit of DRF's ``permissions.py``: one rule each, composable.

A resource declares its classes (``permissions=(IsAuthenticated(), IsOwnerOrReadOnly())``);
the core checks them on every operation, whatever the dialect. A rule sees the
method, the caller and the resource (DRF's ``view``), and for object checks the record.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    """Allows everything; subclasses override the checks they care about.

    ``write_condition`` states the object check of a write as record path → required value,
    so the write itself can carry it (one DynamoDB call, ``guarded``); None means it cannot be
    stated so, and the item is read first. A subclass overriding ``has_object_permission``
    alone is read first.
    """

    def has_permission(self, method: str, principal: Principal | None, resource: Resource) -> bool:
        return True

    def has_object_permission(
        self, method: str, principal: Principal | None, resource: Resource, record: dict[str, Any]
    ) -> bool:
        return True

    def write_condition(self, method: str, principal: Principal | None, resource: Resource) -> Mapping[str, Any] | None:
        if type(self).has_object_permission is not BasePermission.has_object_permission:
            return None
        return {}


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

    def write_condition(self, method: str, principal: Principal | None, resource: Resource) -> Mapping[str, Any] | None:
        if method in SAFE_METHODS:
            return {}
        if principal is None or resource.owner_path is None:
            return None  # refused or unowned: let the read-first flow answer as it always has
        return {resource.owner_path: principal.user_id}


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
