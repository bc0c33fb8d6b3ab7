"""Cookie sessions (Frappe's ``sid``): stored in DynamoDB with a TTL, bound to a CSRF token.

The item key is ``sid#<sha256 of the sid>``, so whoever can read the table (a
backup, the console, a log of keys) still cannot use a session. Expiry is
absolute (``SESSION_LIFETIME``) and checked in code, since DynamoDB's TTL deletes
late; sliding it would make every read function write. Each session carries a
random CSRF token that cookie-authenticated unsafe requests must echo in
``X-Frappe-CSRF-Token`` (Frappe's header; Django's ``X-CSRFToken`` is accepted too).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from .errors import CSRFFailed
from .http import Request
from .models import StateModel, utcnow
from .settings import get_settings

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


def start(user_id: str) -> Session:
    """A new session for ``user_id``; the sid and CSRF token are only ever returned here."""
    sid = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=get_settings().session_lifetime)
    item = StateModel(_pk(sid), user_id=user_id, expires_at=expires_at, data=json.dumps({"csrf_token": csrf_token}))
    item.save(condition=StateModel.pk.does_not_exist())
    return Session(sid, user_id, csrf_token, expires_at)


def load(sid: str) -> Session | None:
    """The live session behind ``sid``, or None (unknown, ended or expired: the caller is a guest)."""
    if not _SID_RE.match(sid):
        return None
    try:
        item = StateModel.get(_pk(sid), consistent_read=True)
    except DoesNotExist:
        return None
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


def from_request(request: Request) -> Session | None:
    sid = sid_of(request)
    return load(sid) if sid else None


def check_csrf(session: Session, request: Request) -> None:
    """Unsafe methods must echo the session's CSRF token in a header (constant-time compare)."""
    if request.method in SAFE_METHODS:
        return
    supplied = next((v for v in (request.header(h) for h in CSRF_HEADERS) if v), "")
    if not supplied or not hmac.compare_digest(supplied.encode(), session.csrf_token.encode()):
        raise CSRFFailed()
