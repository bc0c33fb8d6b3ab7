"""Cookie sessions (Frappe's ``sid``): stored in DynamoDB with a TTL, bound to a CSRF token.

The item key is ``sid#<sha256 of the sid>``, so whoever can read the table (a
backup, the console, a log of keys) still cannot use a session. Expiry is
absolute (``SESSION_LIFETIME``) and checked in code, since DynamoDB's TTL deletes
late; sliding it would make every read function write. Each session carries a
random CSRF token. As in released Frappe, a session from the password login
needs no token on writes (its token is only checked when a client sends one);
cross-site writes are refused instead, by ``SameSite=Lax`` on the cookie and
by the browser's own ``Sec-Fetch-Site`` / ``Origin`` headers (OWASP's
standard-header defence), which a page on another site cannot forge.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from pynamodb.exceptions import DoesNotExist, PutError

from .accounts import get_user
from .errors import CSRFFailed
from .http import Request
from .models import StateModel, UserModel, read_together, utcnow
from .settings import get_settings
from .writes import landed

COOKIE_NAME = "sid"
CSRF_HEADERS = ("x-frappe-csrf-token", "x-csrftoken")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SID_RE = re.compile(r"^[A-Za-z0-9_-]{32,128}\Z")


@dataclass(frozen=True)
class Session:
    sid: str
    user_id: str
    csrf_token: str
    expires_at: datetime


def _pk(sid: str) -> str:
    return f"sid#{hashlib.sha256(sid.encode()).hexdigest()}"


SECRET_PART = 43  # secrets.token_urlsafe(32)
_USER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def _owner_of(sid: str) -> str | None:
    """The user id a sid names after its secret part (public, as in every item they own), or None."""
    user_id = sid[SECRET_PART:]
    return user_id if _USER_ID.match(user_id) else None


def start(user_id: str) -> Session:
    """A new session for ``user_id``; the sid and CSRF token are only ever returned here.

    The sid is 256 random bits followed by the user id, so one BatchGetItem reads the
    session and its user together (``load_with_user``).
    """
    sid = secrets.token_urlsafe(32) + (user_id if _USER_ID.match(user_id) else "")
    csrf_token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=get_settings().session_lifetime)
    item = StateModel(_pk(sid), user_id=user_id, expires_at=expires_at, data=json.dumps({"csrf_token": csrf_token}))
    try:
        item.save(condition=StateModel.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException" or not landed(item):
            raise
    return Session(sid, user_id, csrf_token, expires_at)


def load(sid: str) -> Session | None:
    """The live session behind ``sid``, or None (unknown, ended or expired: the caller is a guest)."""
    if not _SID_RE.match(sid):
        return None
    try:
        item = StateModel.get(_pk(sid), consistent_read=True)
    except DoesNotExist:
        return None
    return _session(sid, item)


def load_with_user(sid: str) -> tuple[Session, UserModel | None] | None:
    """The live session behind ``sid`` and its user, in one call when the sid names the user."""
    user_id = _owner_of(sid) if _SID_RE.match(sid) else None
    if user_id is None:
        session = load(sid)
        return None if session is None else (session, get_user(session.user_id))
    state, user = read_together((StateModel, _pk(sid)), (UserModel, user_id))
    session = None if state is None else _session(sid, state)
    if session is None or session.user_id != user_id:
        return None
    return session, user  # type: ignore[return-value]


def _session(sid: str, item: StateModel) -> Session | None:
    if not item.is_live() or not item.user_id:
        return None
    try:
        csrf_token = json.loads(item.data or "{}").get("csrf_token")
    except (ValueError, AttributeError):
        return None
    if not isinstance(csrf_token, str) or not csrf_token:
        return None
    return Session(sid, item.user_id, csrf_token, item.expires_at)


def end(sid: str) -> None:
    """Delete the session server-side (idempotent)."""
    if _SID_RE.match(sid):
        StateModel(_pk(sid)).delete()


def sid_of(request: Request) -> str | None:
    """The ``sid`` cookie of the request, if any (the first one, as the most specific path comes first)."""
    for part in re.split(r"[;,]", request.header("cookie")):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip() == COOKIE_NAME:
            value = value.strip().strip('"')
            if value:
                return value
    return None


def from_request(request: Request) -> tuple[Session, UserModel | None] | None:
    """The request's live session and its user (None: no sid, or one that names no live session)."""
    sid = sid_of(request)
    return load_with_user(sid) if sid else None


# What a browser sends in ``Sec-Fetch-Site`` for a request its own page (or the user) made.
SAME_ORIGIN_SITES = frozenset({"same-origin", "none"})


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of a URL, default ports made explicit; None when it has none."""
    try:
        parts = urlsplit(url.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS.get(parts.scheme)


def own_origin(request: Request) -> tuple[str, str, int | None] | None:
    """The origin the client addressed: the scheme it used (``X-Forwarded-Proto``) and ``Host``."""
    scheme = "https" if over_https(request) else "http"
    return _origin(f"{scheme}://{request.header('host').strip()}")


def cross_site(request: Request) -> bool:
    """Whether a browser says another origin made this request: ``Sec-Fetch-Site``, else ``Origin``,
    else ``Referer`` (scheme, host and port must all be ours).

    Clients that are not browsers send none of them and are not CSRF victims:
    they hold the cookie themselves.
    """
    site = request.header("sec-fetch-site").strip().lower()
    if site:
        return site not in SAME_ORIGIN_SITES
    claimed = request.header("origin").strip() or request.header("referer").strip()
    if not claimed:
        return False
    if claimed.lower() == "null":
        return True  # sandboxed frames, file: pages and some redirects: never our own page
    origin = _origin(claimed)
    return origin is None or origin != own_origin(request)


def check_csrf(session: Session, request: Request) -> None:
    """Refuse a cookie-authenticated write another site made, or one carrying a wrong token.

    A token is not required (Frappe asks for it only from desk sessions); one
    that is sent must match the session's (constant-time compare).
    """
    if request.method in SAFE_METHODS:
        return
    supplied = next((v for v in (request.header(h) for h in CSRF_HEADERS) if v), "")
    if supplied and not hmac.compare_digest(supplied.encode(), session.csrf_token.encode()):
        raise CSRFFailed()
    if cross_site(request):
        raise CSRFFailed()


def over_https(request: Request) -> bool:
    """Whether the client reached us over https (API Gateway and SAM set ``X-Forwarded-Proto``)."""
    return request.header("x-forwarded-proto", "https").split(",")[0].strip().lower() == "https"
