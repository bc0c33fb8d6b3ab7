"""``/api/method/<dotted.path>`` and ``/?cmd=<dotted.path>``: the whitelist and its own methods.

Frappe only runs functions decorated with ``@frappe.whitelist(methods=[...])``;
:func:`whitelist` is the same idea, with Frappe's default verbs (GET, POST, PUT,
DELETE). A name that is not registered is a 404; a verb the entry does not list,
or a Guest calling a method that does not allow guests, is Frappe's 403
``PermissionError``. Each entry names the operation (the Lambda function) that
runs it, so a method is served by the function holding the table access it
needs: ``frappe.client.insert`` by ``resource_create``, login by
``session_login``, the read-only rest by ``method_call``. Frappe's older entry
point, ``/`` with ``cmd=`` in the query or form, is one function that may run
any of them (its policy is the union of theirs, derived from this list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from ... import accounts, apikeys, sessions
from ...errors import AuthenticationFailed, NotFound
from ...http import Request
from ...responses import respond
from ...settings import get_settings
from .errors import FrappeError, not_permitted, require_user

Handler = Callable[[Request], Response]
MAX_NAME_LENGTH = 140
METHOD_CALL = "method_call"
ROOT_CALL = "method_root"
DEFAULT_VERBS = ("GET", "POST", "PUT", "DELETE")  # @frappe.whitelist() without methods=
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
    name: str,
    *,
    methods: tuple[str, ...] = DEFAULT_VERBS,
    allow_guest: bool = False,
    operation: str = METHOD_CALL,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as ``/api/method/<name>``, callable with ``methods`` only, run by ``operation``."""

    def register(handler: Handler) -> Handler:
        _WHITELIST[name] = Method(name, handler, tuple(m.upper() for m in methods), allow_guest, operation)
        return handler

    return register


def registered() -> dict[str, Method]:
    _load_modules()
    return dict(_WHITELIST)


def _load_modules() -> None:
    """The modules registering methods beside this one (imported here so the list is always whole)."""
    from . import client  # noqa: F401  (frappe.client.*)


def _shown(name: object) -> str:
    return name[:MAX_NAME_LENGTH] if isinstance(name, str) else ""


def resolve(name: str, http_method: str) -> Method:
    """The entry for ``name`` if ``http_method`` may call it: 404 unknown, 403 for another verb."""
    _load_modules()
    entry = _WHITELIST.get(name) if isinstance(name, str) and len(name) <= MAX_NAME_LENGTH else None
    if entry is None:
        raise NotFound(f"Failed to get method for command {_shown(name)}: it does not exist or is not whitelisted")
    verb = http_method.upper()
    if verb == "HEAD" and "GET" in entry.methods:
        verb = "GET"  # as werkzeug: a GET route answers HEAD (API Gateway drops the body)
    if verb not in entry.methods:
        raise not_permitted()  # Frappe's is_valid_http_method: 403, not 405
    return entry


def _run(entry: Method, request: Request) -> Response:
    """Run a resolved method; a Guest may only run those that allow guests (Frappe's is_whitelisted)."""
    if not entry.allow_guest:
        require_user(request)  # a Guest: 403; an ended session: 401 SessionExpired
    return entry.handler(request)


def call_method(request: Request, name: str, operation: str = METHOD_CALL) -> Response:
    """Run ``/api/method/<name>`` if whitelisted for this verb (404 unknown, 403 wrong verb or Guest).

    ``operation`` is the function serving the request: a method another function
    runs is never run here (it would lack that function's table access).
    """
    entry = resolve(name, request.method)
    if entry.operation != operation:
        raise NotFound(f"Failed to get method for command {_shown(name)}")
    return _run(entry, request)


def command_of(request: Request) -> str:
    """``cmd`` of a request to ``/``: from the form or JSON body, else the query string (Frappe's form_dict)."""
    value = form_dict(request).get("cmd")
    return value if isinstance(value, str) else ""


def call_root(request: Request) -> Response:
    """``/`` with ``cmd=<method>``, as frappe-client sends login, logout and ``frappe.client.*``."""
    name = command_of(request)
    if not name:
        raise NotFound("Failed to get method for command : it does not exist or is not whitelisted")
    return _run(resolve(name, request.method), request)


def refuse_method(request: Request, name: str) -> Response:
    """The catch-all and wrong-verb routes: 404 or 403 from the whitelist, never a call."""
    resolve(name, request.method)
    raise NotFound(f"Failed to get method for command {_shown(name)}")


def query_args(request: Request) -> dict[str, Any]:
    """The query string's arguments (the last value of each), as Frappe's ``form_dict`` holds them."""
    return {name: values[-1] for name, values in request.query.items() if values}


def form_dict(request: Request) -> dict[str, Any]:
    """A method's arguments as Frappe reads them: the query string, overlaid by the body's fields."""
    return {**query_args(request), **request.data()}


# ------------------------------------------------------------------ the whitelisted methods


@whitelist("ping", allow_guest=True)
def ping(request: Request) -> Response:
    return respond(request, 200, {"message": "pong"})


@whitelist("frappe.auth.get_logged_user")
def get_logged_user(request: Request) -> Response:
    """The caller's username; a cookie session also gets its CSRF token in ``X-Frappe-CSRF-Token``.

    Frappe puts the token in the desk page as ``frappe.csrf_token``; an API has no
    page, so it travels in this header (and on login).
    """
    principal = require_user(request)
    headers: dict[str, str] = {}
    if principal.auth == "session":
        sid = sessions.sid_of(request)
        session = sessions.load(sid) if sid else None
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


def _session_cookies(
    request: Request, session: sessions.Session | None, username: str = "", full_name: str = ""
) -> list[Cookie]:
    """``sid`` (HttpOnly) plus Frappe's readable ``system_user``/``full_name``/``user_id``/``user_image``.

    ``Secure`` when the request came over https, as Frappe sets it: over plain
    http (``make run``) a Secure cookie would never be sent back. With no
    session, the same cookies expired (logout).
    """
    secure = sessions.over_https(request)
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
            secure=secure,
            http_only=(name == "sid"),
            max_age=lifetime if name == "sid" or not session else None,
            same_site=SameSite.LAX_MODE,
        )
        for name, value in values.items()
    ]


@whitelist("login", methods=("POST",), allow_guest=True, operation="session_login")
def login(request: Request) -> Response:
    """``POST /api/method/login {usr, pwd}`` → "Logged In" and a ``sid`` cookie.

    ``usr`` and ``pwd`` come in a JSON or form body, or in the query string of the
    POST, as Frappe's own ``FrappeClient`` sends them (never a GET).

    Failures share one body whether or not the user exists, and count against the
    login throttle (per account and client address), the one the DRF token endpoint uses.
    """
    data = form_dict(request)  # Frappe's own FrappeClient posts them in the query string
    usr, pwd = data.get("usr"), data.get("pwd")
    if not isinstance(usr, str) or not isinstance(pwd, str) or not usr or not pwd:
        raise FrappeError(
            "Incomplete login details",
            exc_type="AuthenticationError",
            status=401,
            response_message="Incomplete login details",
        )
    try:
        user = accounts.authenticate(_login_username(usr.strip()), pwd, address=request.source_ip)
    except AuthenticationFailed:
        raise FrappeError(
            INVALID_LOGIN, exc_type="AuthenticationError", status=401, response_message=INVALID_LOGIN
        ) from None
    session = sessions.start(user.id)
    full_name = " ".join(n for n in (user.first_name, user.last_name) if n) or user.username
    body = {"message": "Logged In", "home_page": HOME_PAGE, "full_name": full_name}
    response = respond(request, 200, body, {"X-Frappe-CSRF-Token": session.csrf_token})
    response.cookies = _session_cookies(request, session, user.username, full_name)
    return response


@whitelist("logout", allow_guest=True, operation="session_logout")
def logout(request: Request) -> Response:
    """End the cookie's session server-side and expire the cookies (POST needs the CSRF token)."""
    sid = sessions.sid_of(request)
    session = sessions.load(sid) if sid else None
    if session is not None:
        sessions.check_csrf(session, request)
        sessions.end(session.sid)
    response = respond(request, 200, {})
    response.cookies = _session_cookies(request, None)
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
