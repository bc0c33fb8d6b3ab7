"""Users: registration with guaranteed-unique username and email, credential checks, login throttling.

Uniqueness is enforced by one DynamoDB transaction that writes the user and a
guard item per unique value with ``attribute_not_exists``; a GSI could not stop
two concurrent registrations. Emails compare case-insensitively, usernames too
for the guard (so ``Alice`` cannot shadow ``alice``), while login matches the
username exactly as Django does.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from .errors import AuthenticationFailed, Throttled, ValidationFailed
from .ids import new_id
from .models import StateModel, UniqueModel, UserModel, utcnow
from .passwords import MAX_LENGTH, hash_password, validate_password, verify_password
from .telemetry import count, logger
from .writes import cancelled_by, landed, transact

USERNAME_RE = re.compile(r"^[\w.@+-]+\Z")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
USERNAME_MAX = 150
EMAIL_MAX = 254

LOGIN_FAILURE_LIMIT = 5
"""Failed logins per account *and* client address in a window: only that address waits (no lockout)."""
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
ADDRESS_FAILURE_LIMIT = 30
"""Failed logins from one client address across all accounts in a window (password spraying)."""
ACCOUNT_FAILURE_CEILING = 100
"""Failed logins on one account from all addresses in ACCOUNT_FAILURE_WINDOW (distributed guessing;
NIST SP 800-63B caps failures per account at 100). The owner's known addresses are not held by it."""
ACCOUNT_FAILURE_WINDOW = timedelta(hours=24)
KNOWN_ADDRESS_LIFETIME = timedelta(days=30)
"""How long a successful sign-in makes its address one the account ceiling lets through."""

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

    @classmethod
    def from_identity(cls, user_id: str, claims: Mapping[str, Any], auth: str) -> Principal | None:
        """The caller as a token's ``identity`` claims describe them (see ``identity``); None if incomplete."""
        username, profile = claims.get("username"), claims.get("profile")
        if not isinstance(username, str) or not username or not isinstance(profile, dict):
            return None
        kept = {k: profile.get(k) for k in ("first_name", "last_name") if isinstance(profile.get(k), str)}
        try:
            kept["date_joined"] = datetime.fromisoformat(str(profile["date_joined"]))
        except (KeyError, ValueError):
            return None
        return cls(user_id, username, auth, kept)


def identity(user: UserModel) -> dict[str, Any]:
    """What a token says about its user, so a request can be authorised without reading the user.

    Public fields only (they are in every item the user owns): the username and the profile
    an owned item copies. A deactivated user's access token still works until it expires.
    """
    return {
        "username": user.username,
        "profile": {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat() if user.date_joined else None,
        },
    }


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

    def build(transaction: TransactWrite) -> None:
        for _, guard in guards:
            transaction.save(guard, condition=UniqueModel.key.does_not_exist())
        transaction.save(user, condition=UserModel.id.does_not_exist())

    try:
        transact(build)
    except TransactWriteError as exc:
        if landed(user):  # a retry of our own write, whose first answer was lost
            count("UserRegistered")
            return user
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


# ---------------------------------------------------------------- login throttle
#
# Three counts, each a state item whose window opens at its first attempt: per account and client
# address (the lockout, which only that address feels), per address (spraying) and per account (a
# ceiling for distributed guessing that the owner's known addresses pass). An attempt takes one slot
# from each *before* the password is checked, with one atomic ADD whose returned value decides, so N
# concurrent guesses get at most ``limit`` argon2 checks (a read, then a write after the check, let all
# 20 of 20 concurrent guesses through a limit of 5). A failure keeps its slots (and is counted in
# ``failures``); a right password, or an error before the check, gives them back: only failures count.


@dataclass(frozen=True)
class _Counter:
    """One throttle count: its state item, how many attempts its window holds, and for how long."""

    scope: str
    key: str
    limit: int
    window: timedelta


@dataclass(frozen=True)
class _Slot:
    """A slot taken in ``counter``'s window (its end identifies the window when the slot is given back)."""

    counter: _Counter
    window_end: datetime


def _account_key(username: str) -> str:
    return username.casefold()[:USERNAME_MAX]


def _address_key(address: str) -> str:
    """API Gateway's ``sourceIp`` (never X-Forwarded-For, which the client writes), ``-`` when absent.

    An IPv6 client is keyed by its /64: one subscriber holds a whole /64, and could otherwise
    take a fresh address for every few guesses.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "-"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _counts(username: str, address: str) -> tuple[_Counter, _Counter, _Counter]:
    """The account-and-address, address and account counts of one attempt (read at call time: tests patch)."""
    account, source = _account_key(username), _address_key(address)
    return (
        _Counter("account+address", f"login-failures#{source}#{account}", LOGIN_FAILURE_LIMIT, LOGIN_FAILURE_WINDOW),
        _Counter("address", f"login-address#{source}", ADDRESS_FAILURE_LIMIT, LOGIN_FAILURE_WINDOW),
        _Counter("account", f"login-account#{account}", ACCOUNT_FAILURE_CEILING, ACCOUNT_FAILURE_WINDOW),
    )


def _conditional(exc: UpdateError) -> None:
    """A failed condition is an answer; anything else (DynamoDB busy...) propagates."""
    if exc.cause_response_code != "ConditionalCheckFailedException":
        raise exc


def _take(counter: _Counter) -> _Slot | int:
    """Take a slot in ``counter``'s window, or return the seconds to wait (Retry-After).

    The ADD is atomic and its returned value decides: a value over the limit is refused (and given
    back), so no two attempts can both see the last slot. An expired window (TTL deletion is lazy) is
    reset by whichever attempt wins a condition on the old window's end; the others count again.
    """
    item = StateModel(counter.key)
    for _ in range(3):
        now = utcnow()
        opened = now + counter.window
        item.update(actions=[StateModel.count.add(1), StateModel.expires_at.set(StateModel.expires_at | opened)])
        if item.expires_at <= now:
            try:
                item.update(
                    actions=[StateModel.count.set(1), StateModel.failures.set(0), StateModel.expires_at.set(opened)],
                    condition=StateModel.expires_at == item.expires_at,
                )
            except UpdateError as exc:
                _conditional(exc)
                continue  # another attempt opened the new window: count in it
            return _Slot(counter, item.expires_at)
        if item.count <= counter.limit:
            return _Slot(counter, item.expires_at)
        _give_back(_Slot(counter, item.expires_at))
        if (item.failures or 0) < counter.limit:
            return 1  # the slots are held by attempts still in flight, not spent by failures
        return int((item.expires_at - now).total_seconds()) + 1
    return 1  # the window keeps turning over under us: refuse this once rather than count twice


def _settle_failed(exc: UpdateError | PutError) -> None:
    """Bookkeeping after the decision must not turn an answer into an error (a right password into a 503).

    A slot that could not be given back stays held until its window ends: stricter, never looser.
    """
    if exc.cause_response_code != "ConditionalCheckFailedException":
        logger.warning("Login throttle bookkeeping failed", extra={"error": exc.cause_response_code})


def _give_back(slot: _Slot) -> None:
    """Return a slot that was not a failure, to the window it was taken from (not a newer one)."""
    try:
        StateModel(slot.counter.key).update(
            actions=[StateModel.count.add(-1)],
            condition=(StateModel.expires_at == slot.window_end) & (StateModel.count > 0),
        )
    except UpdateError as exc:
        _settle_failed(exc)


def _spend(slot: _Slot) -> None:
    """Record a held slot as a failure: it stays taken, and Retry-After can say until when."""
    try:
        StateModel(slot.counter.key).update(
            actions=[StateModel.failures.add(1)], condition=StateModel.expires_at == slot.window_end
        )
    except UpdateError as exc:
        _settle_failed(exc)


def _known_key(username: str, address: str) -> str:
    return f"login-known#{_address_key(address)}#{_account_key(username)}"


def _is_known_address(username: str, address: str) -> bool:
    """Whether the account's owner has signed in from ``address`` within KNOWN_ADDRESS_LIFETIME."""
    try:
        return StateModel.get(_known_key(username, address)).is_live(utcnow())
    except DoesNotExist:
        return False


def _reserve(username: str, address: str) -> list[_Slot]:
    """A slot in every count for one attempt, or Throttled (429, Retry-After) with nothing kept.

    The account-wide ceiling does not stop an address the owner has signed in from: distributed
    guessing can fill it, but cannot use it to lock the owner out.
    """
    held: list[_Slot] = []
    for counter in _counts(username, address):
        try:
            taken = _take(counter)
        except Exception:
            _give_back_all(held)  # DynamoDB busy: the attempt never happened
            raise
        if isinstance(taken, _Slot):
            held.append(taken)
            continue
        if counter.scope == "account" and _is_known_address(username, address):
            continue
        _give_back_all(held)
        count("LoginThrottled")
        logger.warning("Login throttled", extra={"scope": counter.scope, "source_ip": _address_key(address)})
        raise Throttled(taken)
    return held


def _give_back_all(held: list[_Slot]) -> None:
    for slot in held:
        _give_back(slot)


def _remember_address(username: str, address: str) -> None:
    """Mark ``address`` as one the owner signs in from (refreshed on every sign-in)."""
    try:
        StateModel(_known_key(username, address), expires_at=utcnow() + KNOWN_ADDRESS_LIFETIME).save()
    except PutError as exc:
        _settle_failed(exc)


def authenticate(username: Any, password: Any, *, address: str) -> UserModel:
    """The active user with these credentials; one message for every failure.

    ``address`` is the client's (``Request.source_ip``): failures are throttled per account and
    address, per address and per account (see ``_reserve``) before any password is checked.
    """
    if not isinstance(username, str) or not isinstance(password, str):
        raise AuthenticationFailed(BAD_CREDENTIALS, code="no_active_account")
    held = _reserve(username, address)
    try:
        user = find_by_username(username)
        ok = verify_password(user.password if user else None, password)
    except Exception:
        _give_back_all(held)  # not a failed guess: the check never ran
        raise
    if not ok or user is None or not user.is_active:
        count("LoginFailed")
        for slot in held:
            _spend(slot)
        raise AuthenticationFailed(BAD_CREDENTIALS, code="no_active_account")
    _settle_success(held, username, address)
    return user


def _settle_success(held: list[_Slot], username: str, address: str) -> None:
    """After a right password: give every slot back and remember the address, in one transaction.

    If a window turned over meanwhile (a give-back's condition fails), each is settled on its own.
    """

    def build(transaction: TransactWrite) -> None:
        for slot in held:
            transaction.update(
                StateModel(slot.counter.key),
                actions=[StateModel.count.add(-1)],
                condition=(StateModel.expires_at == slot.window_end) & (StateModel.count > 0),
            )
        transaction.save(StateModel(_known_key(username, address), expires_at=utcnow() + KNOWN_ADDRESS_LIFETIME))

    try:
        transact(build)
    except TransactWriteError as exc:
        # A window that turned over, or DynamoDB busy past the retries: settle each on its own, where
        # a failure is logged and only makes the throttle stricter (never the answer an error).
        if not cancelled_by(exc, "ConditionalCheckFailed"):
            logger.warning("Login throttle bookkeeping failed", extra={"error": exc.cause_response_code})
        _give_back_all(held)
        _remember_address(username, address)


def public_user(user: UserModel) -> dict[str, Any]:
    """The fields of a user anyone signed in may see."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }
