"""DRF's answer to OPTIONS: ``SimpleMetadata`` (name, description, renders, parses, actions).

As DRF does it: authentication and the view's permissions first (an anonymous
OPTIONS on an authenticated view is a 401), then, for POST and PUT, the writable
shape of the serializer, only where the caller could make that request (an item's
PUT only for its owner).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response

from .. import resources
from ..errors import ApiError
from ..http import Request
from ..permissions import check
from ..registry import Field, Resource
from ..responses import respond
from .options import DRF

RENDERS = ["application/json", "text/html", "text/csv"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
TYPES = {str: "string", int: "integer", float: "float", bool: "boolean"}
_PASSWORD = {"type": "string", "required": True, "read_only": False}

# The auth views' serializers (dj-rest-auth-style register, simplejwt's token views), as DRF describes them.
AUTH_VIEWS: dict[str, tuple[str, str, dict[str, dict[str, Any]]]] = {
    "register": (
        "Register",
        "",
        {
            "username": {
                "type": "string",
                "required": True,
                "read_only": False,
                "label": "Username",
                "help_text": "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.",
                "max_length": 150,
            },
            "password": {**_PASSWORD, "label": "Password"},
            "password2": {**_PASSWORD, "label": "Password2"},
            "email": {"type": "email", "required": True, "read_only": False, "label": "Email"},
            "first_name": {
                "type": "string",
                "required": False,
                "read_only": False,
                "label": "First name",
                "max_length": 150,
            },
            "last_name": {
                "type": "string",
                "required": False,
                "read_only": False,
                "label": "Last name",
                "max_length": 150,
            },
        },
    ),
    "token": (
        "Token Obtain Pair",
        "Takes a set of user credentials and returns an access and refresh JSON web\n"
        "token pair to prove the authentication of those credentials.",
        {"username": {**_PASSWORD, "label": "Username"}, "password": {**_PASSWORD, "label": "Password"}},
    ),
    "refresh": (
        "Token Refresh",
        "Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.",
        {"refresh": {**_PASSWORD, "label": "Refresh"}},
    ),
    "verify": (
        "Token Verify",
        "Takes a token and indicates if it is valid.  This view provides no\n"
        "information about a token's fitness for a particular use.",
        {"token": {**_PASSWORD, "label": "Token"}},
    ),
    "blacklist": (
        "Token Blacklist",
        "Takes a token and blacklists it. Must be used with the\n"
        "`rest_framework_simplejwt.token_blacklist` app installed.",
        {"refresh": {**_PASSWORD, "label": "Refresh"}},
    ),
    "logout": ("Logout", "", {"refresh": {**_PASSWORD, "label": "Refresh"}}),
}


def _label(name: str) -> str:
    return "ID" if name == "id" else name.replace("_", " ").capitalize()


def field_info(resource: Resource, key: str, path: str) -> dict[str, Any]:
    """One serializer field as SimpleMetadata describes it."""
    if path == resource.key:
        return {"type": "string", "required": False, "read_only": True, "label": _label(key)}
    f: Field | None = resource.field_at(path)
    if f is None or not f.writable or "." in path:  # a relation's value or a server-set field
        kind = "field" if "." in path or f is None else TYPES.get(f.type, "datetime")
        return {"type": kind, "required": False, "read_only": True, "label": _label(key)}
    info: dict[str, Any] = {"type": TYPES.get(f.type, "datetime"), "required": f.required, "read_only": False}
    info["label"] = _label(key)
    if f.min_length not in (None, 0, 1):  # 1 is DRF's allow_blank=False, which it does not list
        info["min_length"] = f.min_length
    for name in ("max_length", "min_value", "max_value"):
        if getattr(f, name) is not None:
            info[name] = getattr(f, name)
    return info


def _writable_shape(resource: Resource, fields: Mapping[str, str]) -> dict[str, Any]:
    shape = {key: field_info(resource, key, path) for key, path in fields.items()}
    for name, relation in resource.relations.items():
        if relation.writable and name in shape:
            shape[name] = {"type": "field", "required": relation.required, "read_only": False, "label": _label(name)}
    return shape


def _metadata(name: str, description: str, actions: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "description": description, "renders": RENDERS, "parses": PARSES}
    if actions:
        body["actions"] = actions
    return body


def auth_options(request: Request, view: str) -> Response:
    name, description, fields = AUTH_VIEWS[view]
    return respond(request, 200, _metadata(name, description, {"POST": fields}))


def resource_options(
    request: Request, resource: Resource, options: DRF, fields: Mapping[str, str], key: str | None, principal: Any
) -> Response:
    """The list view's POST shape, or the detail view's PUT shape where the caller may PUT."""
    check(resource, "OPTIONS", principal)
    title = resource.title or resource.name
    actions: dict[str, Any] = {}
    if key is None:
        name = f"List Create {title} Api"
        if resource.allows("POST") and _may(resource, "POST", principal):
            actions["POST"] = _writable_shape(resource, fields)
    else:
        name = f"Retrieve Update Destroy {title} Api"
        if resource.allows("PUT") and _may(resource, "PUT", principal, key):
            actions["PUT"] = _writable_shape(resource, fields)
    return respond(request, 200, _metadata(name, "", actions))


def _may(resource: Resource, method: str, principal: Any, key: str | None = None) -> bool:
    """DRF's determine_actions: the permission checks (and, for PUT, get_object) on a cloned request."""
    try:
        check(resource, method, principal)
        if key is not None:
            check(resource, method, principal, resources.retrieve(resource, key, principal))
    except ApiError:
        return False
    return True
