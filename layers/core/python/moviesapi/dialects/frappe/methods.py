"""``/api/method/<dotted.path>``: the whitelist and the methods on it (ping, login, logout, keys).

Frappe only runs functions decorated with ``@frappe.whitelist(methods=[...])``;
:func:`whitelist` is the same idea. A name that is not registered is a 404 and a
verb the entry does not list is a 405, decided here so every function that
receives ``/api/method/...`` requests answers the same way. Each entry names the
operation (the Lambda function) that runs it: a method needing more than reads
(login, logout, key generation) has its own route and function; the others are
served by ``method_call``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from ... import accounts, apikeys, sessions
from ...errors import AuthenticationFailed, MethodNotAllowed, NotFound
from ...http import Request
from ...responses import respond
from ...settings import get_settings
from .errors import FrappeError, require_user

Handler = Callable[[Request], Response]
MAX_NAME_LENGTH = 140
METHOD_CALL = "method_call"
HOME_PAGE = "/app"
INVALID_LOGIN = "Invalid login credentials"


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler
    methods: tuple[str, ...]
    allow_guest: bool = False
    operation: str = METHOD_CALL


_WHITELIST: dict[str, Method] = {}


def whitelist(
    name: str, *, methods: tuple[str, ...], allow_guest: bool = False, operation: str = METHOD_CALL
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as ``/api/method/<name>``, callable with ``methods`` only, run by ``operation``."""

    def register(handler: Handler) -> Handler:
        _WHITELIST[name] = Method(name, handler, tuple(m.upper() for m in methods), allow_guest, operation)
        return handler

    return register


def registered() -> dict[str, Method]:
    return dict(_WHITELIST)


def resolve(name: str, http_method: str) -> Method:
    """The entry for ``name`` if ``http_method`` may call it; NotFound (404) or MethodNotAllowed (405)."""
    entry = _WHITELIST.get(name) if isinstance(name, str) and len(name) <= MAX_NAME_LENGTH else None
    if entry is None:
        shown = name[:MAX_NAME_LENGTH] if isinstance(name, str) else ""
        raise NotFound(f"Failed to get method for command {shown}: it does not exist or is not whitelisted")
    verb = http_method.upper()
    if verb == "HEAD" and "GET" in entry.methods:
        verb = "GET"  # as werkzeug: a GET route answers HEAD (API Gateway drops the body)
    if verb not in entry.methods:
        raise MethodNotAllowed(http_method, entry.methods)
    return entry


def call_method(request: Request, name: str, operation: str = METHOD_CALL) -> Response:
    """Run ``/api/method/<name>`` if whitelisted for this verb (404 unknown, 405 wrong verb).

    ``operation`` is the function serving the request: a method another function
    runs is never run here (it would lack that function's table access).
    """
    entry = resolve(name, request.method)
    if entry.operation != operation:
        raise NotFound(f"Failed to get method for command {name[:MAX_NAME_LENGTH]}")
    return entry.handler(request)


def refuse_method(request: Request, name: str) -> Response:
    """The catch-all and wrong-verb routes: 404 or 405 from the whitelist, never a call."""
    resolve(name, request.method)
    raise NotFound(f"Failed to get method for command {name[:MAX_NAME_LENGTH]}")


# ------------------------------------------------------------------ the whitelisted methods


@whitelist("ping", methods=("GET", "POST"), allow_guest=True)
def ping(request: Request) -> Response:
    return respond(request, 200, {"message": "pong"})


@whitelist("frappe.auth.get_logged_user", methods=("GET", "POST"))
def get_logged_user(request: Request) -> Response:
    """The caller's username; a cookie session also gets its CSRF token in ``X-Frappe-CSRF-Token``.

    Frappe puts the token in the desk page as ``frappe.csrf_token``; an API has no
    page, so it travels in this header (and on login).
    """
    principal = require_user(request)
    headers: dict[str, str] = {}
    if principal.auth == "session":
        session = sessions.from_request(request)
        if session is not None:
            headers["X-Frappe-CSRF-Token"] = session.csrf_token
    return respond(request, 200, {"message": principal.username}, headers)


def _login_username(usr: str) -> str:
    """Frappe logs in by username or email; an email resolves to its account's username."""
    if "@" in usr and accounts.find_by_username(usr) is None:
        user = accounts.find_by_email(usr)
        if user is not None:
            return user.username
    return usr


def _session_cookies(session: sessions.Session | None, username: str = "", full_name: str = "") -> list[Cookie]:
    """``sid`` (HttpOnly) plus Frappe's readable ``system_user``/``full_name``/``user_id``/``user_image``.

    With no session, the same cookies expired (logout).
    """
    lifetime = get_settings().session_lifetime if session else 0
    values = {
        "sid": session.sid if session else "",
        "system_user": "yes" if session else "",
        "full_name": quote(full_name),
        "user_id": quote(username),
        "user_image": "",
    }
    return [
        Cookie(
            name,
            value,
            path="/",
            secure=True,
            http_only=(name == "sid"),
            max_age=lifetime if name == "sid" or not session else None,
            same_site=SameSite.LAX_MODE,
        )
        for name, value in values.items()
    ]


@whitelist("login", methods=("POST",), allow_guest=True, operation="session_login")
def login(request: Request) -> Response:
    """``POST /api/method/login {usr, pwd}`` (JSON or form) → "Logged In" and a ``sid`` cookie.

    Failures share one body whether or not the user exists, and count against the
    account's throttle, the same one the DRF token endpoint uses.
    """
    data = request.data()
    usr, pwd = data.get("usr"), data.get("pwd")
    if not isinstance(usr, str) or not isinstance(pwd, str) or not usr or not pwd:
        raise FrappeError(
            "Incomplete login details",
            exc_type="AuthenticationError",
            status=401,
            response_message="Incomplete login details",
        )
    try:
        user = accounts.authenticate(_login_username(usr.strip()), pwd)
    except AuthenticationFailed:
        raise FrappeError(
            INVALID_LOGIN, exc_type="AuthenticationError", status=401, response_message=INVALID_LOGIN
        ) from None
    session = sessions.start(user.id)
    full_name = " ".join(n for n in (user.first_name, user.last_name) if n) or user.username
    body = {"message": "Logged In", "home_page": HOME_PAGE, "full_name": full_name}
    response = respond(request, 200, body, {"X-Frappe-CSRF-Token": session.csrf_token})
    response.cookies = _session_cookies(session, user.username, full_name)
    return response


@whitelist("logout", methods=("GET", "POST"), allow_guest=True, operation="session_logout")
def logout(request: Request) -> Response:
    """End the cookie's session server-side and expire the cookies (POST needs the CSRF token)."""
    sid = sessions.sid_of(request)
    session = sessions.load(sid) if sid else None
    if session is not None:
        sessions.check_csrf(session, request)
        sessions.end(session.sid)
    response = respond(request, 200, {})
    response.cookies = _session_cookies(None)
    return response


@whitelist("frappe.core.doctype.user.user.generate_keys", methods=("POST",), operation="generate_keys")
def generate_keys(request: Request) -> Response:
    """A new API secret (and key, the first time) for the caller; the secret is shown only here.

    Frappe lets a System Manager generate keys for any ``user``; there are no roles
    here, so ``user`` may only name the caller.
    """
    principal = require_user(request)
    data = request.data()
    user = data.get("user")
    if user not in (None, "", principal.username):
        raise FrappeError("Not permitted", exc_type="PermissionError", status=403)
    api_key, api_secret = apikeys.generate(principal.user_id)
    return respond(request, 200, {"message": {"api_key": api_key, "api_secret": api_secret}})
