"""Frappe's error bodies: ``exc_type``, ``exception``, ``_server_messages`` (``exc`` in debug mode).

Every core error is classified into the exception class Frappe would raise and
its status code (401, 403, 404, 409, 417, ...); errors this dialect raises
itself are :class:`FrappeError`, which carries its own class name and status.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ... import sessions, validation
from ...accounts import Principal
from ...auth import authenticate, www_authenticate
from ...errors import (
    ApiError,
    AuthenticationFailed,
    BadQuery,
    Conflict,
    CSRFFailed,
    MethodNotAllowed,
    NotAcceptable,
    NotAuthenticated,
    NotFound,
    ParseError,
    PayloadTooLarge,
    PermissionDenied,
    PreconditionFailed,
    Throttled,
    UnsupportedMediaType,
    ValidationFailed,
)
from ...http import Request
from ...responses import respond
from ...settings import get_settings

RESOURCE_PREFIX = "/api/resource/"
METHOD_PREFIX = "/api/method/"


class FrappeError(ApiError):
    """An error this dialect raises itself, with Frappe's exception class name and status."""

    def __init__(
        self, message: str, *, exc_type: str = "ValidationError", status: int = 417, response_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message  # may be empty: SessionExpired carries none
        self.status = status
        self.exc_type = exc_type
        self.response_message = response_message


def not_permitted_field(raw: Any) -> FrappeError:
    """Frappe's answer to a field a DocType does not declare (or hides): 417 DataError."""
    shown = raw if isinstance(raw, str) else json.dumps(raw, default=str)
    return FrappeError(f"Field not permitted in query: {shown[:100]}", exc_type="DataError")


def does_not_exist(what: str, name: str) -> FrappeError:
    """404 ``DoesNotExistError``: ``DocType ToDo not found``, ``Movie abc not found``."""
    return FrappeError(f"{what} {str(name)[:140]} not found", exc_type="DoesNotExistError", status=404)


def no_permission(action: str, doctype: str, name: str = "") -> FrappeError:
    """403 ``PermissionError``: ``No permission to write Movie abc``."""
    message = f"No permission to {action} {doctype} {name[:140]}".rstrip()
    return FrappeError(message, exc_type="PermissionError", status=403)


def not_permitted(message: str = "Not permitted") -> FrappeError:
    """403 ``PermissionError``: Frappe's ``throw_permission_error`` (a verb a method does not take, a Guest)."""
    return FrappeError(message, exc_type="PermissionError", status=403)


GUEST_REFUSED = "You are not permitted to access this resource."


def require_user(request: Request, doctype: str | None = None) -> Principal:
    """The authenticated caller. A Guest gets Frappe's 403 ``PermissionError`` (401 is for bad credentials):
    ``No permission for <DocType>`` on a document, the whitelist's refusal on a method."""
    principal = authenticate(request)
    if principal is None:
        if sessions.sid_of(request) not in (None, "Guest"):
            # A cookie whose session ended or expired: Frappe's 401 SessionExpired, with no message.
            raise FrappeError("", exc_type="SessionExpired", status=401)
        raise not_permitted(f"No permission for {doctype}" if doctype else GUEST_REFUSED)
    return principal


def _label(fieldname: str) -> str:
    return fieldname.replace("_", " ").title()


def _doctype_in_path(path: str) -> str:
    if path.startswith(RESOURCE_PREFIX):
        return path[len(RESOURCE_PREFIX) :].split("/", 1)[0].split(".", 1)[0] or "Document"
    return "Document"


def _classify(request: Request, exc: ApiError) -> tuple[int, str, str, list[str]]:
    """(status, Frappe exception class, its module, messages for ``_server_messages``)."""
    if isinstance(exc, FrappeError):
        return exc.status, exc.exc_type, "frappe.exceptions", [exc.message] if exc.message else []
    if isinstance(exc, CSRFFailed):
        return 400, "CSRFTokenError", "frappe.exceptions", ["Invalid Request"]
    if isinstance(exc, (NotAuthenticated, AuthenticationFailed)):
        return 401, "AuthenticationError", "frappe.exceptions", [exc.message]
    if isinstance(exc, PermissionDenied):
        return 403, "PermissionError", "frappe.exceptions", [exc.message]
    if isinstance(exc, NotFound):
        return 404, "DoesNotExistError", "frappe.exceptions", [exc.message]
    if isinstance(exc, MethodNotAllowed):
        return 405, "MethodNotAllowed", "werkzeug.exceptions", [exc.message]
    if isinstance(exc, NotAcceptable):
        return 406, "NotAcceptable", "werkzeug.exceptions", [exc.message]
    if isinstance(exc, PreconditionFailed):
        return 412, "TimestampMismatchError", "frappe.exceptions", [exc.message]
    if isinstance(exc, Conflict):
        kind = "DuplicateEntryError" if exc.code == "duplicate" else "TimestampMismatchError"
        return 409, kind, "frappe.exceptions", [exc.message]
    if isinstance(exc, PayloadTooLarge):
        return 413, "RequestEntityTooLarge", "werkzeug.exceptions", [exc.message]
    if isinstance(exc, UnsupportedMediaType):
        return 415, "UnsupportedMediaType", "frappe.exceptions", [exc.message]
    if isinstance(exc, Throttled):
        return (
            429,
            "TooManyRequestsError",
            "frappe.exceptions",
            [f"Your account has been locked and will resume after {exc.wait} seconds"],
        )
    if isinstance(exc, ValidationFailed):
        doctype = _doctype_in_path(request.path)
        required = all(m == validation.REQUIRED for ms in exc.fields.values() for m in ms)
        messages = []
        for name, field_messages in exc.fields.items():
            for message in field_messages:
                if message == validation.REQUIRED:
                    messages.append(f"Error: Value missing for {doctype}: {_label(name)}")
                elif name == "non_field_errors":
                    messages.append(message)
                else:
                    messages.append(f"{_label(name)}: {message}")
        return 417, "MandatoryError" if required else "ValidationError", "frappe.exceptions", messages
    if isinstance(exc, BadQuery):
        return 417, "DataError", "frappe.exceptions", [exc.message]
    if isinstance(exc, ParseError):
        return 417, "ValidationError", "frappe.exceptions", [exc.message]
    if exc.status >= 500:
        return exc.status, "Exception", "builtins", [exc.message]
    return exc.status, "ValidationError", "frappe.exceptions", [exc.message]


def _server_messages(messages: Sequence[str], status: int) -> str:
    """Frappe's ``_server_messages``: a JSON list of JSON-encoded ``msgprint`` dicts."""
    title = "Not Permitted" if status == 403 else "Message"
    return json.dumps(
        [json.dumps({"message": m, "title": title, "indicator": "red", "raise_exception": 1}) for m in messages]
    )


def _debug_traceback(exc: BaseException) -> str:
    current = sys.exc_info()[1]
    return "".join(traceback.format_exception(current if current is not None else exc))


def error_response(request: Request, exc: ApiError) -> Response:
    """Frappe's error body: ``exc_type``, ``exception``, ``_server_messages``; ``exc`` only in debug mode."""
    status, exc_type, module, messages = _classify(request, exc)
    body: dict[str, Any] = {}
    if isinstance(exc, FrappeError) and exc.response_message:
        body["message"] = exc.response_message
    summary = "; ".join(messages)
    body["exc_type"] = exc_type
    body["exception"] = f"{module}.{exc_type}: {summary}" if summary else f"{module}.{exc_type}"
    if get_settings().debug:
        body["exc"] = json.dumps([_debug_traceback(exc)])
    if messages:
        body["_server_messages"] = _server_messages(messages, status)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = www_authenticate()
    if isinstance(exc, MethodNotAllowed) and exc.allowed:
        headers["Allow"] = ", ".join(exc.allowed)
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.wait)
    return respond(request, status, body, headers)
