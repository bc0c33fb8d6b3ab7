"""Helpers for the Frappe handler tests: calls on other paths, cookies, logins and key pairs."""

from __future__ import annotations

import base64
from typing import Any

from tests.conftest import PASSWORD, FakeContext, Reply, load_function, make_event


def call(function: str, event_name: str, *, path: str | None = None, method: str | None = None, **kwargs: Any) -> Reply:
    """Like ``invoke`` (the ``aws`` fixture must be active), with the path and verb overridable."""
    event = make_event(event_name, **kwargs)
    if path is not None:
        event["path"] = path
        event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"
    if method is not None:
        event["httpMethod"] = method
        event["requestContext"]["httpMethod"] = method
    return Reply(load_function(function).lambda_handler(event, FakeContext()))


def set_cookies(reply: Reply) -> list[str]:
    return list((reply.raw.get("multiValueHeaders") or {}).get("Set-Cookie") or [])


def cookie(reply: Reply, name: str) -> str:
    """The full Set-Cookie line for ``name``."""
    return next(c for c in set_cookies(reply) if c.startswith(f"{name}="))


def cookie_value(reply: Reply, name: str) -> str:
    return cookie(reply, name).split(";", 1)[0].split("=", 1)[1]


def login(invoke: Any, usr: str, pwd: str = PASSWORD) -> tuple[str, str]:
    """Log in through the Frappe login function; return ``(sid, csrf_token)``."""
    r = invoke("session_login", "frappe_login", body={"usr": usr, "pwd": pwd})
    assert r.status == 200, r.text
    return cookie_value(r, "sid"), r.headers["x-frappe-csrf-token"]


def session_headers(sid: str, csrf: str | None = None) -> dict[str, str]:
    headers = {"Cookie": f"sid={sid}; system_user=yes"}
    if csrf:
        headers["X-Frappe-CSRF-Token"] = csrf
    return headers


def generate_keys(invoke: Any, access: str) -> tuple[str, str]:
    r = invoke("generate_keys", "frappe_generate_keys", token=access)
    assert r.status == 200, r.text
    message = r.json()["message"]
    return message["api_key"], message["api_secret"]


def token_header(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": f"token {key}:{secret}"}


def basic_header(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}
