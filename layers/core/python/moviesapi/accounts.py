"""Users: registration with guaranteed-unique username and email, credential checks, throttling.

Uniqueness is enforced by one DynamoDB transaction that writes the user and a
guard item per unique value with ``attribute_not_exists``; a GSI could not stop
two concurrent registrations. Emails compare case-insensitively, usernames too
for the guard (so ``Alice`` cannot shadow ``alice``), while login matches the
username exactly as Django does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from .errors import AuthenticationFailed, Throttled, ValidationFailed
from .ids import new_id
from .models import StateModel, UniqueModel, UserModel, utcnow
from .passwords import MAX_LENGTH, hash_password, validate_password, verify_password
from .settings import get_settings
from .telemetry import count

USERNAME_RE = re.compile(r"^[\w.@+-]+\Z")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
USERNAME_MAX = 150
EMAIL_MAX = 254

LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)

REQUIRED = "This field is required."
BLANK = "This field may not be blank."
NOT_STRING = "Not a valid string."
USERNAME_TAKEN = "A user with that username already exists."
EMAIL_TAKEN = "A user is already registered with this e-mail address."
BAD_CREDENTIALS = "No active account found with the given credentials"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; what permissions and services need to know about them.

    ``profile`` holds the caller's other public fields (names, date joined), so an item
    they own can carry them without another read.
    """

    user_id: str
    username: str
    auth: str = "jwt"
    profile: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, user: UserModel, auth: str) -> Principal:
        profile = {"first_name": user.first_name, "last_name": user.last_name, "date_joined": user.date_joined}
        return cls(user.id, user.username, auth, profile)


def username_key(username: str) -> str:
    return f"username#{username.casefold()}"


def email_key(email: str) -> str:
    return f"email#{email.strip().casefold()}"


def _text(
    data: dict[str, Any],
    name: str,
    errors: dict[str, list[str]],
    *,
    required: bool = True,
    max_length: int | None = None,
    strip: bool = True,
) -> str:
    value = data.get(name)
    if value is None:
        if required:
            errors[name] = [REQUIRED]
        return ""
    if not isinstance(value, str):
        errors[name] = [NOT_STRING]
        return ""
    if strip:
        value = value.strip()
    if required and not value:
        errors[name] = [BLANK]
        return ""
    if max_length is not None and len(value) > max_length:
        errors[name] = [f"Ensure this field has no more than {max_length} characters."]
    return value


def validate_registration(data: dict[str, Any]) -> dict[str, str]:
    """Check a registration body (dj-rest-auth's RegisterSerializer rules); return clean values."""
    errors: dict[str, list[str]] = {}
    if "password1" not in data and "password" in data:
        data = {**data, "password1": data["password"]}
    username = _text(data, "username", errors, max_length=USERNAME_MAX)
    if username and "username" not in errors and not USERNAME_RE.match(username):
        errors["username"] = [
            "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
        ]
    email = _text(data, "email", errors, max_length=EMAIL_MAX)
    if email and "email" not in errors and not EMAIL_RE.match(email):
        errors["email"] = ["Enter a valid email address."]
    password1 = _text(data, "password1", errors, max_length=MAX_LENGTH, strip=False)
    password2 = _text(data, "password2", errors, max_length=MAX_LENGTH, strip=False)
    first_name = _text(data, "first_name", errors, required=False, max_length=150)
    last_name = _text(data, "last_name", errors, required=False, max_length=150)
    if password1 and "password1" not in errors:
        problems = validate_password(password1, username=username, email=email)
        if problems:
            errors["password1"] = problems
    both = password1 and password2 and "password1" not in errors and "password2" not in errors
    if both and password1 != password2:
        errors["non_field_errors"] = ["The two password fields didn't match."]
    if errors:
        raise ValidationFailed(errors)
    return {
        "username": username,
        "email": email,
        "password": password1,
        "first_name": first_name,
        "last_name": last_name,
    }


def register(data: dict[str, Any]) -> UserModel:
    """Create a user, or raise ValidationFailed naming the taken field(s)."""
    return create_user(validate_registration(data))


def create_user(clean: dict[str, str], *, taken: dict[str, str] | None = None) -> UserModel:
    """Write a validated user and its guard items in one transaction; a taken value is a 400 on its field.

    ``taken`` gives each dialect its own wording for a taken username or email.
    """
    messages = {"username": USERNAME_TAKEN, "email": EMAIL_TAKEN, **(taken or {})}
    user = UserModel(
        new_id(),
        username=clean["username"],
        email=clean["email"],
        first_name=clean["first_name"],
        last_name=clean["last_name"],
        password=hash_password(clean["password"]),
        date_joined=utcnow(),
    )
    guards = [
        ("username", UniqueModel(username_key(user.username), user_id=user.id)),
        ("email", UniqueModel(email_key(user.email), user_id=user.id)),
    ]
    try:
        with TransactWrite(connection=connection()) as transaction:
            for _, guard in guards:
                transaction.save(guard, condition=UniqueModel.key.does_not_exist())
            transaction.save(user, condition=UserModel.id.does_not_exist())
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        errors: dict[str, list[str]] = {}
        for (field, _), reason in zip(guards, reasons, strict=False):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                errors[field] = [messages[field]]
        if errors:
            raise ValidationFailed(errors) from exc
        raise
    count("UserRegistered")
    return user


_CONNECTION: Connection | None = None


def connection() -> Connection:
    """One low-level connection per container, created on first use."""
    global _CONNECTION
    if _CONNECTION is None:
        settings = get_settings()
        _CONNECTION = Connection(region=settings.region, host=settings.dynamodb_endpoint)
    return _CONNECTION


def get_user(user_id: str) -> UserModel | None:
    try:
        return UserModel.get(user_id)
    except DoesNotExist:
        return None


def find_by_username(username: str) -> UserModel | None:
    """The user whose username is exactly ``username``, or None."""
    if not username or len(username) > USERNAME_MAX:
        return None
    try:
        guard = UniqueModel.get(username_key(username))
    except DoesNotExist:
        return None
    user = get_user(guard.user_id)
    return user if user is not None and user.username == username else None


def find_by_email(email: str) -> UserModel | None:
    """The user registered with ``email`` (compared case-insensitively, as its guard item), or None."""
    if not email or len(email) > EMAIL_MAX:
        return None
    try:
        guard = UniqueModel.get(email_key(email))
    except DoesNotExist:
        return None
    return get_user(guard.user_id)


def _throttle_key(username: str) -> str:
    return f"login-failures#{username.casefold()[:USERNAME_MAX]}"


def check_throttle(username: str) -> None:
    """Refuse further attempts on an account after repeated failures (429 with Retry-After)."""
    try:
        item = StateModel.get(_throttle_key(username))
    except DoesNotExist:
        return
    now = utcnow()
    if item.is_live(now) and item.count >= LOGIN_FAILURE_LIMIT:
        count("LoginThrottled")
        raise Throttled(int((item.expires_at - now).total_seconds()) + 1)


def _record_failure(username: str) -> None:
    key = _throttle_key(username)
    now = utcnow()
    item = StateModel(key)
    try:
        # A fresh window when there is none or the old one has expired (TTL deletion is lazy).
        item.update(
            actions=[StateModel.count.set(1), StateModel.expires_at.set(now + LOGIN_FAILURE_WINDOW)],
            condition=StateModel.pk.does_not_exist() | (StateModel.expires_at < now),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        item.update(actions=[StateModel.count.add(1)])


def authenticate(username: Any, password: Any) -> UserModel:
    """The active user with these credentials; one message for every failure, throttled per account."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise AuthenticationFailed(BAD_CREDENTIALS, code="no_active_account")
    check_throttle(username)
    user = find_by_username(username)
    ok = verify_password(user.password if user else None, password)
    if not ok or user is None or not user.is_active:
        count("LoginFailed")
        _record_failure(username)
        raise AuthenticationFailed(BAD_CREDENTIALS, code="no_active_account")
    return user


def public_user(user: UserModel) -> dict[str, Any]:
    """The fields of a user anyone signed in may see."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }
