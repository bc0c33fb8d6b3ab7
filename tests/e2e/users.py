"""Signing users up over HTTP, for end-to-end tests: one way, used by every e2e module."""

from __future__ import annotations

import uuid

import requests

PASSWORD = "correct-horse-42"


def register(api_url: str, prefix: str) -> str:
    """Register a fresh user (``prefix`` + random suffix, so modules never collide); return the username."""
    username = f"{prefix}{uuid.uuid4().hex[:8]}"
    r = requests.post(
        f"{api_url}/api/v1/auth/register/",
        timeout=30,
        json={"username": username, "email": f"{username}@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert r.status_code == 201, r.text
    return username


def token(api_url: str, username: str) -> str:
    """An access token for ``username``."""
    r = requests.post(f"{api_url}/api/v1/auth/token/", json={"username": username, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["access"]


def bearer(api_url: str, prefix: str) -> tuple[str, dict[str, str]]:
    """A new user's name and the ``Authorization`` header that signs them in."""
    username = register(api_url, prefix)
    return username, {"Authorization": f"Bearer {token(api_url, username)}"}
