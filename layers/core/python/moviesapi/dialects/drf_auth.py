"""The DRF dialect's auth views, answering as the seed's stack does.

Registration is the seed's ``RegisterSerializer`` (username, password, password2,
email, first_name, last_name; ``password1`` accepted for ``password``); the token
views are simplejwt's serializers. Fields follow DRF's ``CharField``: numbers
become strings, surrounding whitespace is trimmed (passwords too), and a
missing, null, blank or non-string value has DRF's own message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response

from .. import accounts, tokens
from ..auth import authenticate
from ..errors import ValidationFailed
from ..http import Request
from ..passwords import validate_password
from ..responses import respond

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
NOT_STRING = "Not a valid string."
INVALID_EMAIL = "Enter a valid email address."
INVALID_USERNAME = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
MISMATCH = "Password fields didn't match."
EMAIL_TAKEN = "This field must be unique."  # UniqueValidator's default message
USERNAME_RE = re.compile(r"^[\w.@+-]+\Z")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
NAME_MAX = 150
_MISSING = object()


def char(
    data: Mapping[str, Any],
    name: str,
    errors: dict[str, list[str]],
    *,
    required: bool = True,
    allow_blank: bool = False,
    max_length: int | None = None,
) -> str:
    """DRF's ``CharField``: the clean text, or '' with the field's message recorded in ``errors``."""
    value = data.get(name, _MISSING)
    if value is _MISSING:
        if required:
            errors[name] = [REQUIRED]
        return ""
    if value is None:
        errors[name] = [NULL]
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors[name] = [NOT_STRING]
        return ""
    text = str(value).strip()
    if not text and not allow_blank:
        errors[name] = [BLANK]
        return ""
    if max_length is not None and len(text) > max_length:
        errors[name] = [f"Ensure this field has no more than {max_length} characters."]
    return text


def _email(data: Mapping[str, Any], errors: dict[str, list[str]]) -> str:
    """DRF's ``EmailField``: any non-null value is read as text, then must look like an address."""
    value = data.get("email", _MISSING)
    if value is _MISSING:
        errors["email"] = [REQUIRED]
        return ""
    if value is None:
        errors["email"] = [NULL]
        return ""
    text = str(value).strip()
    if not text:
        errors["email"] = [BLANK]
    elif len(text) > accounts.EMAIL_MAX or not EMAIL_RE.match(text):
        errors["email"] = [INVALID_EMAIL]
    return text


def validate_registration(data: Mapping[str, Any]) -> tuple[dict[str, str], str]:
    """The seed's RegisterSerializer; returns the clean values and the key the first password came in."""
    password_key = "password1" if "password1" in data and "password" not in data else "password"
    errors: dict[str, list[str]] = {}
    username = char(data, "username", errors, max_length=NAME_MAX)
    if username and "username" not in errors and not USERNAME_RE.match(username):
        errors["username"] = [INVALID_USERNAME]
    password = char(data, password_key, errors)
    email_given = data.get("email") if isinstance(data.get("email"), str) else ""
    if password and password_key not in errors:
        # Django's validators; unlike the seed we also run the similarity check (a deliberate difference).
        problems = validate_password(password, username=username, email=str(email_given))
        if problems:
            errors[password_key] = problems
    password2 = char(data, "password2", errors)
    email = _email(data, errors)
    first_name = char(data, "first_name", errors, required=False, allow_blank=True, max_length=NAME_MAX)
    last_name = char(data, "last_name", errors, required=False, allow_blank=True, max_length=NAME_MAX)
    if not errors and password != password2:
        errors[password_key] = [MISMATCH]
    if errors:
        raise ValidationFailed(errors)
    clean = {"username": username, "email": email, "password": password, "first_name": first_name}
    return {**clean, "last_name": last_name}, password_key


def register(request: Request) -> Response:
    """``POST auth/register/``: DRF authenticates first (a bad Bearer token is a 401 even here)."""
    authenticate(request)
    clean, _ = validate_registration(request.data())
    user = accounts.create_user(clean, taken={"username": accounts.USERNAME_TAKEN, "email": EMAIL_TAKEN})
    public = accounts.public_user(user)
    return respond(request, 201, {k: public[k] for k in ("username", "email", "first_name", "last_name")})


def _fields(request: Request, *names: str) -> dict[str, str]:
    data = request.data()
    errors: dict[str, list[str]] = {}
    values = {name: char(data, name, errors) for name in names}
    if errors:
        raise ValidationFailed(errors)
    return values


def obtain_token(request: Request) -> Response:
    """simplejwt's TokenObtainPairView (``username``; ``password`` is a CharField, so trimmed too).

    Throttled per account and client address, shared with Frappe's login (see accounts.authenticate).
    """
    values = _fields(request, "username", "password")
    user = accounts.authenticate(values["username"], values["password"], address=request.source_ip)
    return respond(request, 200, tokens.issue_pair(user.id, identity=accounts.identity(user)))


def refresh_token(request: Request) -> Response:
    return respond(request, 200, tokens.refresh(_fields(request, "refresh")["refresh"]))


def verify_token(request: Request) -> Response:
    """simplejwt's TokenVerifyView: an UntypedToken, so any valid token of either type verifies."""
    tokens.verify(_fields(request, "token")["token"])
    return respond(request, 200, {})


def blacklist_token(request: Request) -> Response:
    tokens.blacklist(_fields(request, "refresh")["refresh"])
    return respond(request, 200, {})


VIEWS = {
    "register": register,
    "token_obtain": obtain_token,
    "token_refresh": refresh_token,
    "token_verify": verify_token,
    "logout": blacklist_token,
}
