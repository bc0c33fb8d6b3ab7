"""Dialect-neutral errors. Each dialect maps them to its own wire shape in one place.

The core raises these; it never builds an error response itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ApiError(Exception):
    """Base of every error a client may see. ``message`` is safe to show."""

    status: int = 400
    code: str = "error"
    default_message: str = "Bad request."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(self.message)


class ValidationFailed(ApiError):
    """Input failed validation; ``fields`` maps a field (or ``non_field_errors``) to messages."""

    status = 400
    code = "invalid"
    default_message = "Invalid input."

    def __init__(self, fields: Mapping[str, Sequence[str]]) -> None:
        self.fields = {name: list(messages) for name, messages in fields.items()}
        first = next(iter(self.fields.items()), ("", ["Invalid input."]))
        super().__init__(f"{first[0]}: {first[1][0]}" if first[0] else first[1][0])


NON_FIELD = "non_field_errors"


class ParseError(ApiError):
    status = 400
    code = "parse_error"
    default_message = "Malformed request."


class NotAnObject(ParseError):
    """A JSON body that parsed but is not an object (a serializer needs a dictionary)."""

    def __init__(self, value: object) -> None:
        self.kind = type(value).__name__
        self.empty = value is None
        super().__init__(f"Invalid data. Expected a dictionary, but got {self.kind}.")


class BadQuery(ApiError):
    """A filter, ordering, projection or page parameter the engine refuses."""

    status = 400
    code = "bad_query"
    default_message = "Invalid query."


class NotAuthenticated(ApiError):
    status = 401
    code = "not_authenticated"
    default_message = "Authentication credentials were not provided."


class AuthenticationFailed(ApiError):
    status = 401
    code = "authentication_failed"
    default_message = "Incorrect authentication credentials."


class InvalidToken(AuthenticationFailed):
    """A JWT that is malformed, expired, revoked or of the wrong type."""

    code = "token_not_valid"
    default_message = "Token is invalid or expired"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, messages: list[dict[str, str]] | None = None
    ) -> None:
        self.messages = messages or []  # simplejwt's per-token-class reasons
        super().__init__(message, code=code)


class PermissionDenied(ApiError):
    status = 403
    code = "permission_denied"
    default_message = "You do not have permission to perform this action."


class CSRFFailed(PermissionDenied):
    """A cookie-authenticated unsafe request without its session's CSRF token (DRF: 403; Frappe: 400)."""

    code = "csrf_failed"
    default_message = "CSRF Failed: CSRF token missing or incorrect."


class NotFound(ApiError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"

    def __init__(self, method: str, allowed: Sequence[str] = ()) -> None:
        self.method = method.upper()
        self.allowed = list(allowed)
        super().__init__(f'Method "{self.method}" not allowed.')


class NotAcceptable(ApiError):
    status = 406
    code = "not_acceptable"
    default_message = "Could not satisfy the request Accept header."


class Conflict(ApiError):
    status = 409
    code = "conflict"
    default_message = "The resource was changed by another request."


class PreconditionFailed(ApiError):
    status = 412
    code = "precondition_failed"
    default_message = "The resource has changed since it was read (If-Match does not match)."


class UnprocessableEntity(ApiError):
    status = 422
    code = "unprocessable"
    default_message = "The request cannot be processed."


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    default_message = "Request body is too large."


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"

    def __init__(self, media_type: str, *, message: str | None = None) -> None:
        self.media_type = media_type
        super().__init__(message or f'Unsupported media type "{media_type}" in request.')


class ServiceUnavailable(ApiError):
    """The store is overloaded or busy (throttling, a transaction conflict): retry after ``wait`` seconds."""

    status = 503
    code = "service_unavailable"

    def __init__(self, wait_seconds: int = 1) -> None:
        self.wait = max(1, int(wait_seconds))
        super().__init__("The service is busy; retry shortly.")


class Throttled(ApiError):
    status = 429
    code = "throttled"

    def __init__(self, wait_seconds: int) -> None:
        self.wait = max(1, int(wait_seconds))
        unit = "second" if self.wait == 1 else "seconds"
        super().__init__(f"Request was throttled. Expected available in {self.wait} {unit}.")
