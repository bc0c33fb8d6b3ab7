"""Password hashing (argon2id, OWASP parameters) and Django's password validators.

Length is checked before hashing so a huge password cannot buy CPU time, and a
dummy hash is verified for unknown users so both failures take the same time.
"""

from __future__ import annotations

import gzip
import re
from difflib import SequenceMatcher
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    """argon2 (its cffi bindings) loads when a password is hashed or checked, not on every cold start.

    OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 is the minimum;
    we use m=19 MiB, t=2, p=1 with a 16-byte salt and 32-byte hash.
    """
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)


MIN_LENGTH = 8
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not-a-real-password-used-to-equalise-timing")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; verifies a dummy hash when there is no user."""
    if len(password) > MAX_LENGTH:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """Django's list of 20,000 common passwords (BSD licence), lower-cased."""
    data = files(__package__).joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode().splitlines() if line.strip())


def _too_similar(password: str, value: str, max_similarity: float = 0.7) -> bool:
    """Django's UserAttributeSimilarityValidator, for one attribute."""
    if not value:
        return False
    password = password.lower()
    parts = [*re.split(r"\W+", value.lower()), value.lower()]
    for part in parts:
        if not part:
            continue
        if SequenceMatcher(a=password, b=part).quick_ratio() < max_similarity:
            continue
        if SequenceMatcher(a=password, b=part).ratio() >= max_similarity:
            return True
    return False


def validate_password(password: str, *, username: str = "", email: str = "") -> list[str]:
    """Messages for every rule ``password`` breaks, in Django's words; empty when it is fine."""
    errors: list[str] = []
    if len(password) > MAX_LENGTH:
        return [f"Ensure this field has no more than {MAX_LENGTH} characters."]
    if _too_similar(password, username):
        errors.append("The password is too similar to the username.")
    elif _too_similar(password, email.split("@", 1)[0]) or _too_similar(password, email):
        errors.append("The password is too similar to the email address.")
    if len(password) < MIN_LENGTH:
        errors.append(f"This password is too short. It must contain at least {MIN_LENGTH} characters.")
    if password.lower().strip() in _common_passwords():
        errors.append("This password is too common.")
    if password.isdigit():
        errors.append("This password is entirely numeric.")
    return errors
