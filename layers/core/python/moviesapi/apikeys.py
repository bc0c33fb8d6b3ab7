"""API key pairs (Frappe's ``token <api_key>:<api_secret>``): generation and verification.

The key is an identifier: the user's id without dashes (public, like the id), so a
request reads only the user (one GetItem); older random keys are found through their
guard item ``apikey#<key>`` → user id in the uniques table (one more GetItem). The
guard item is written for every key, so a key belongs to one user. The secret is shown once and stored only
as ``sha256$<hex digest>``: it is 128 random bits, so unlike a password it cannot be
guessed offline and a slow hash (argon2) would only add ~50 ms and 19 MiB to every
API call. A pepper would add nothing against a 128-bit secret and would tie every
key's validity to another secret's rotation. Digests are compared in constant
time, and an unknown key still costs one digest and comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import partial
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from .accounts import get_user
from .errors import AuthenticationFailed, Conflict
from .models import UniqueModel, UserModel
from .overload import unavailable
from .writes import transact

HASH_SCHEME = "sha256"
KEY_BYTES = 8  # 16 hex characters: an identifier, not a secret (keys made before they named the user)
SECRET_BYTES = 16  # 32 hex characters: 128 bits
MAX_LENGTH = 128
_PRINTABLE = re.compile(r"^[\x21-\x7e]+\Z")
_HEX32 = re.compile(r"^[0-9a-f]{32}\Z")
_DUMMY = f"{HASH_SCHEME}${'0' * 64}"

BAD_PAIR = "Invalid API key or secret."


def guard_key(api_key: str) -> str:
    return f"apikey#{api_key}"


def hash_secret(secret: str) -> str:
    return f"{HASH_SCHEME}${hashlib.sha256(secret.encode('utf-8')).hexdigest()}"


def _secret_matches(stored: str | None, secret: str) -> bool:
    """Constant-time check; a missing hash still computes and compares one digest."""
    candidate = hash_secret(secret).encode()
    same = hmac.compare_digest((stored or _DUMMY).encode(), candidate)
    return same and stored is not None


def key_for(user_id: str) -> str:
    """A new key: the user's id without dashes (public like the id), so a request reads only the user."""
    compact = user_id.replace("-", "")
    return compact if _HEX32.match(compact) else secrets.token_hex(KEY_BYTES)


def _owner_of(api_key: str) -> str | None:
    """The user id a key made by ``key_for`` names, or None (an older random key)."""
    if not _HEX32.match(api_key):
        return None
    k = api_key
    return f"{k[:8]}-{k[8:12]}-{k[12:16]}-{k[16:20]}-{k[20:]}"


def _well_formed(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_LENGTH and bool(_PRINTABLE.match(value))


def verify(api_key: object, api_secret: object) -> UserModel:
    """The active user owning this key pair; AuthenticationFailed (401) for anything else."""
    if not _well_formed(api_key) or not _well_formed(api_secret):
        raise AuthenticationFailed(BAD_PAIR)
    assert isinstance(api_key, str) and isinstance(api_secret, str)
    user: UserModel | None = None
    owner = _owner_of(api_key)
    try:
        # A key naming its user is one read; an older random key is found through its guard item.
        user = get_user(owner) if owner is not None else get_user(UniqueModel.get(guard_key(api_key)).user_id)
    except DoesNotExist:
        user = None
    stored = user.api_secret_hash if user is not None and user.api_key == api_key else None
    if not _secret_matches(stored, api_secret) or user is None or not user.is_active:
        raise AuthenticationFailed(BAD_PAIR)
    return user


def _save_keys(
    guard: UniqueModel,
    guard_condition: Any,
    user: UserModel,
    actions: list[Any],
    condition: Any,
    transaction: TransactWrite,
) -> None:
    """The key's guard item and the user's new key and secret digest, together."""
    transaction.save(guard, condition=guard_condition)
    transaction.update(user, actions=actions, condition=condition)


def generate(user_id: str, attempts: int = 3) -> tuple[str, str]:
    """Give the user a new secret (and a key if they have none); return ``(api_key, api_secret)``.

    As in Frappe, an existing key is kept and only the secret is replaced, so the
    old secret stops working at once. The guard item and the user are written in
    one transaction, conditioned on the key the user had when read, so two
    concurrent calls cannot leave a key without its guard or two users one key.
    """
    for _ in range(attempts):
        try:
            user = UserModel.get(user_id, consistent_read=True)
        except DoesNotExist:
            raise AuthenticationFailed("User not found") from None
        previous = user.api_key
        api_key = previous or key_for(user.id)
        api_secret = secrets.token_hex(SECRET_BYTES)
        guard = UniqueModel(guard_key(api_key), user_id=user.id)
        same_key = UserModel.api_key.does_not_exist() if previous is None else UserModel.api_key == previous
        free_or_mine = UniqueModel.key.does_not_exist() | (UniqueModel.user_id == user.id)
        actions = [UserModel.api_key.set(api_key), UserModel.api_secret_hash.set(hash_secret(api_secret))]
        try:
            transact(partial(_save_keys, guard, free_or_mine, user, actions, UserModel.id.exists() & same_key))
        except TransactWriteError as exc:
            if unavailable(exc) is not None:
                raise  # busy: a 503 with Retry-After
            continue  # a key collision or a concurrent change: read again and retry
        return api_key, api_secret
    raise Conflict("Could not generate keys; try again.")
