"""JWT access and refresh tokens, shaped like djangorestframework-simplejwt's.

HS256 only (the algorithm list is pinned, so ``alg: none`` or RS/HS confusion
cannot pass), every claim required, a refresh token never accepted as an
access token. Refresh tokens are single-use when rotation is on: the old one is
blacklisted atomically, and presenting a rotated token again revokes its whole
family (reuse detection) — except within a short reuse interval, where the
same token gets the same new pair again: a client whose answer was lost (or
whose request was retried) is not mistaken for a thief. The pair a rotation
issues is derived from the old token's id and the rotation's time (HS256 is
deterministic), so nothing secret is stored to hand it out twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pynamodb.exceptions import PutError

from .errors import AuthenticationFailed, InvalidToken
from .models import StateModel, UserModel, read_together, utcnow
from .settings import get_settings
from .signing import signing_key
from .telemetry import count
from .writes import retrying

ALGORITHM = "HS256"
# simplejwt's TokenRefreshSerializer "no_active_account" (its USER_AUTHENTICATION_RULE: the user is active).
NO_ACTIVE_ACCOUNT = "No active account found for the given token."
ACCESS = "access"
REFRESH = "refresh"


@dataclass(frozen=True)
class TokenClaims:
    token_type: str
    user_id: str
    jti: str
    exp: int
    iat: int
    family: str
    # The user's public identity (``accounts.identity``): authorisation without a user read.
    identity: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.exp, tz=UTC)


IDENTITY_CLAIMS = ("username", "profile")

# Tokens this container has verified, with their claims. A client sends one access token with
# every request of its five minutes, and PyJWT's verification (a per-character check of the
# base64 alphabet, HMAC, JSON) was ~15% of a warm get's CPU. Keyed by the whole token, its
# signature included, and the key it was verified with (a rotated key verifies nothing cached
# under the old one); its expiry is checked again on every use, as PyJWT would (no leeway).
VERIFIED_CACHE_SIZE = 512
_verified: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()


def _verified_claims(token: str) -> dict[str, Any]:
    """PyJWT's ``decode`` (signature, ``exp``, ``nbf``, ``iat``), answered from the cache when it can."""
    cache_key = (token, signing_key())
    claims = _verified.get(cache_key)
    if claims is None:
        claims = jwt.decode(token, cache_key[1], algorithms=[ALGORITHM], options={"verify_signature": True})
        if isinstance(claims.get("exp"), int | float):  # simplejwt refuses the others (below)
            _verified[cache_key] = claims
            while len(_verified) > VERIFIED_CACHE_SIZE:
                _verified.popitem(last=False)
        return dict(claims)
    if int(claims["exp"]) <= time.time():  # PyJWT: int(exp) <= now is expired
        _verified.pop(cache_key, None)
        raise jwt.ExpiredSignatureError("Signature has expired")
    _verified.move_to_end(cache_key)
    return dict(claims)


def _encode(
    token_type: str,
    user_id: str,
    lifetime: int,
    family: str,
    *,
    jti: str | None = None,
    issued: int | None = None,
    identity: Mapping[str, Any] | None = None,
) -> str:
    issued_at = int(utcnow().timestamp()) if issued is None else issued
    claims: dict[str, Any] = {
        "token_type": token_type,
        "exp": issued_at + lifetime,
        "iat": issued_at,
        "jti": jti or uuid.uuid4().hex,
        "user_id": user_id,
        **{k: v for k, v in (identity or {}).items() if k in IDENTITY_CLAIMS},
    }
    if token_type == REFRESH:
        claims["fam"] = family
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM)


def issue_access(user_id: str, identity: Mapping[str, Any] | None = None) -> str:
    return _encode(ACCESS, user_id, get_settings().access_token_lifetime, "", identity=identity)


def _derived_jti(kind: str, old_jti: str) -> str:
    """The id of the ``kind`` token a rotation of ``old_jti`` issues: unguessable without the signing key."""
    return hmac.new(signing_key().encode(), f"{kind}:{old_jti}".encode(), hashlib.sha256).hexdigest()[:32]


def _rotated_pair(claims: TokenClaims, issued: int) -> dict[str, str]:
    """The pair the rotation of ``claims`` at ``issued`` hands out: the same bytes every time."""
    settings = get_settings()
    refresh_jti, access_jti = _derived_jti(REFRESH, claims.jti), _derived_jti(ACCESS, claims.jti)
    return {
        "refresh": _encode(
            REFRESH,
            claims.user_id,
            settings.refresh_token_lifetime,
            claims.family,
            jti=refresh_jti,
            issued=issued,
            identity=claims.identity,
        ),
        "access": _encode(
            ACCESS,
            claims.user_id,
            settings.access_token_lifetime,
            "",
            jti=access_jti,
            issued=issued,
            identity=claims.identity,
        ),
    }


def issue_pair(user_id: str, family: str | None = None, identity: Mapping[str, Any] | None = None) -> dict[str, str]:
    """A new ``{"refresh", "access"}`` pair; ``family`` links rotated refresh tokens.

    Both carry the user's ``identity`` (rotation copies it from the refresh token).
    """
    settings = get_settings()
    family = family or uuid.uuid4().hex
    return {
        "refresh": _encode(REFRESH, user_id, settings.refresh_token_lifetime, family, identity=identity),
        "access": issue_access(user_id, identity),
    }


def decode(token: str, expected_type: str | None = None) -> TokenClaims:
    """Verify a token as simplejwt's ``Token(token)`` does, with its messages, in its order.

    The signature and expiry (PyJWT) first: "Token is invalid or expired"; then the
    claims simplejwt checks itself: ``exp``, ``jti``, and (when ``expected_type`` is
    given; ``None`` is simplejwt's UntypedToken) ``token_type``.
    """
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise InvalidToken()
    try:
        claims = _verified_claims(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    if "exp" not in claims:
        raise InvalidToken("Token has no 'exp' claim")
    if "jti" not in claims:
        raise InvalidToken("Token has no id")
    token_type = claims.get("token_type")
    if expected_type is not None:
        if "token_type" not in claims:
            raise InvalidToken("Token has no type")
        if token_type != expected_type:
            raise InvalidToken("Token has wrong type")
    user_id = claims.get("user_id")
    return TokenClaims(
        token_type=str(token_type or ""),
        user_id=user_id if isinstance(user_id, str) else "",
        jti=str(claims["jti"]),
        exp=int(claims["exp"]) if isinstance(claims["exp"], int | float) else 0,
        iat=int(claims.get("iat") or 0) if isinstance(claims.get("iat") or 0, int | float) else 0,
        family=str(claims.get("fam") or ""),
        identity={k: claims[k] for k in IDENTITY_CLAIMS if k in claims},
    )


def _revoked_key(jti: str) -> str:
    return f"jti#{jti}"


def _family_key(family: str) -> str:
    return f"family#{family}"


def _blacklist_keys(claims: TokenClaims, *, own: bool = True) -> list[str]:
    """The state items that revoke ``claims``: its own id (``own``) and its family."""
    return ([_revoked_key(claims.jti)] if own else []) + ([_family_key(claims.family)] if claims.family else [])


def is_revoked(claims: TokenClaims) -> bool:
    now = utcnow()
    return any(item.is_live(now) for item in StateModel.batch_get(_blacklist_keys(claims)))


def _revoke(key: str, until: datetime, user_id: str, *, only_once: bool, data: str | None = None) -> bool:
    """Write a revocation marker; with ``only_once`` return False if it already existed."""
    item = StateModel(key, expires_at=until, user_id=user_id, data=data)
    try:
        if only_once:
            retrying(lambda: item.save(condition=StateModel.pk.does_not_exist()))
        else:
            retrying(item.save)
    except PutError as exc:
        if only_once and exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def verify(token: str, expected_type: str | None = None) -> TokenClaims:
    """Decode (untyped unless ``expected_type``) and check the blacklist, as simplejwt's TokenVerifyView."""
    claims = decode(token, expected_type)
    if claims.token_type == REFRESH and is_revoked(claims):
        raise InvalidToken("Token is blacklisted")
    return claims


def refresh(token: str) -> dict[str, str]:
    """Exchange a refresh token for a new access token (and a rotated refresh token).

    Presenting an already used or blacklisted refresh token again is treated as
    theft: the whole family (every token rotated from the same login) is revoked.
    """
    settings = get_settings()
    claims = decode(token, REFRESH)
    # The blacklist entries and the user in one read: access tokens are trusted without a user read
    # for their 5 minutes, so this is where a deactivated or deleted user stops getting new ones.
    # With rotation a used token's own entry is the rotation marker, judged below (reuse interval).
    keys = _blacklist_keys(claims, own=not settings.rotate_refresh_tokens)
    *entries, user = read_together(*((StateModel, k) for k in keys), (UserModel, claims.user_id))
    if any(e is not None and e.is_live() for e in entries):
        raise InvalidToken("Token is blacklisted")
    if user is None or not user.is_active:
        raise AuthenticationFailed(NO_ACTIVE_ACCOUNT, code="no_active_account")
    from .accounts import identity

    claims = replace(claims, identity=identity(user))  # a rename or new name reaches the next tokens
    if not settings.rotate_refresh_tokens:
        return {"access": issue_access(claims.user_id, claims.identity)}
    issued = int(utcnow().timestamp())
    marker = json.dumps({"rotated_at": issued})
    if _revoke(_revoked_key(claims.jti), claims.expires_at, claims.user_id, only_once=True, data=marker):
        return _rotated_pair(claims, issued)
    rotated_at = _rotated_at(claims.jti)
    if rotated_at is not None and 0 <= issued - rotated_at <= settings.refresh_reuse_seconds:
        count("RefreshTokenRetried")
        return _rotated_pair(claims, rotated_at)  # the answer the first presentation got
    count("RefreshTokenReused")
    if claims.family:
        until = utcnow() + timedelta(seconds=settings.refresh_token_lifetime)
        _revoke(_family_key(claims.family), until, claims.user_id, only_once=False)
    raise InvalidToken("Token is blacklisted")


def _rotated_at(jti: str) -> int | None:
    """When ``jti`` was rotated (None: it was blacklisted another way, e.g. by logout)."""
    try:
        item = StateModel.get(_revoked_key(jti), consistent_read=True)
        value = json.loads(item.data or "{}").get("rotated_at")
    except (StateModel.DoesNotExist, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def blacklist(token: str) -> None:
    """Log out: revoke a refresh token (simplejwt's TokenBlacklistView)."""
    claims = verify(token, REFRESH)
    _revoke(_revoked_key(claims.jti), claims.expires_at, claims.user_id, only_once=False)
