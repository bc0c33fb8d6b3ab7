"""Frappe authentication through the real handlers: API key pairs on every dialect, password sessions
(sid cookie, CSRF, logout, expiry), the shared login throttle, and the /api/method whitelist."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD
from tests.handlers.frappe_support import (
    basic_header,
    call,
    cookie,
    cookie_value,
    generate_keys,
    login,
    session_headers,
    token_header,
)

MOVIE = {"title": "Casablanca", "genre": "Drama", "year": 1942}


@pytest.fixture
def alice(signup):
    return signup("alice")["access"]


# One read and one write per dialect: (function, event, expected status).
DIALECT_READS = [
    ("resource_list", "movie_list", 200),
    ("resource_list", "frappe_list", 200),
    ("resource_list", "restless_list", 200),
]
DIALECT_WRITES = [
    ("resource_create", "movie_create", 201),
    ("resource_create", "frappe_create", 200),
    ("resource_create", "restless_create", 201),
]


# ---------------------------------------------------------------- API keys


def test_generate_keys_shows_secret_once_and_stores_a_hash(invoke, alice):
    from moviesapi.models import UniqueModel, UserModel

    key, secret = generate_keys(invoke, alice)
    assert len(key) >= 16 and len(secret) >= 32
    user = next(iter(UserModel.scan()))
    assert user.api_key == key
    assert user.api_secret_hash == "sha256$" + hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in user.api_secret_hash
    assert UniqueModel.get(f"apikey#{key}").user_id == user.id


def test_generate_keys_needs_a_signed_in_caller(invoke):
    r = invoke("generate_keys", "frappe_generate_keys")
    assert r.status == 403  # Frappe's whitelist refuses a Guest with PermissionError
    assert r.json()["exc_type"] == "PermissionError"


def test_generate_keys_only_for_oneself(invoke, alice, signup):
    signup("bob")
    r = invoke("generate_keys", "frappe_generate_keys", token=alice, body={"user": "bob"})
    assert r.status == 403 and r.json()["exc_type"] == "PermissionError"
    assert invoke("generate_keys", "frappe_generate_keys", token=alice, body={"user": "alice"}).status == 200


@pytest.mark.parametrize("scheme", [token_header, basic_header])
@pytest.mark.parametrize(("function", "event", "status"), DIALECT_READS + DIALECT_WRITES)
def test_key_pair_works_on_every_dialect(invoke, alice, scheme, function, event, status):
    key, secret = generate_keys(invoke, alice)
    r = invoke(function, event, headers=scheme(key, secret), query={})
    assert r.status == status, r.text


@pytest.mark.parametrize("scheme", [token_header, basic_header])
@pytest.mark.parametrize(("function", "event", "status"), DIALECT_READS)
def test_wrong_secret_is_401_on_every_dialect(invoke, alice, scheme, function, event, status):
    key, _ = generate_keys(invoke, alice)
    r = invoke(function, event, headers=scheme(key, "0" * 32), query={})
    assert r.status == 401, r.text
    if event.startswith("frappe"):
        assert r.json()["exc_type"] == "AuthenticationError"
    elif event == "movie_list":
        assert r.json() == {"detail": "Invalid API key or secret."}


@pytest.mark.parametrize(
    "authorization",
    [
        "token nokey",
        "token a:b:c",
        "token unknownkey0000:" + "0" * 32,
        "token",
        "token :",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic",
        "token " + "k" * 200 + ":s",
    ],
)
def test_malformed_or_unknown_pairs_are_401(invoke, alice, authorization):
    generate_keys(invoke, alice)
    r = invoke("resource_list", "frappe_list", headers={"Authorization": authorization})
    assert r.status == 401, r.text
    assert r.json()["exc_type"] == "AuthenticationError"


def test_unknown_key_and_wrong_secret_look_the_same(invoke, alice):
    key, _ = generate_keys(invoke, alice)
    wrong = invoke("resource_list", "frappe_list", headers=token_header(key, "f" * 32))
    unknown = invoke("resource_list", "frappe_list", headers=token_header("0123456789abcdef", "f" * 32))
    assert (wrong.status, wrong.text) == (unknown.status, unknown.text)


def test_regenerating_replaces_the_secret(invoke, alice):
    key, old = generate_keys(invoke, alice)
    same_key, new = generate_keys(invoke, alice)
    assert same_key == key and new != old
    assert invoke("resource_list", "frappe_list", headers=token_header(key, old)).status == 401
    assert invoke("resource_list", "frappe_list", headers=token_header(key, new)).status == 200


def test_keys_of_an_inactive_user_are_refused(invoke, alice):
    from moviesapi.models import UserModel

    key, secret = generate_keys(invoke, alice)
    user = next(iter(UserModel.scan()))
    user.update(actions=[UserModel.is_active.set(False)])
    assert invoke("resource_list", "frappe_list", headers=token_header(key, secret)).status == 401


def test_generate_keys_with_key_auth_itself(invoke, alice):
    key, secret = generate_keys(invoke, alice)
    r = invoke("generate_keys", "frappe_generate_keys", headers=token_header(key, secret))
    assert r.status == 200
    assert r.json()["message"]["api_key"] == key


# ---------------------------------------------------------------- password login and sessions


def test_login_sets_a_secure_session_cookie(invoke, alice):
    r = invoke("session_login", "frappe_login", body={"usr": "alice", "pwd": PASSWORD})
    assert r.status == 200, r.text
    assert r.json() == {"message": "Logged In", "home_page": "/app", "full_name": "alice"}
    sid = cookie(r, "sid")
    for flag in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age="):
        assert flag in sid
    assert "HttpOnly" not in cookie(r, "system_user") and cookie_value(r, "user_id") == "alice"
    assert r.headers["x-frappe-csrf-token"]


def test_session_cookie_is_secure_only_over_https(invoke, alice):
    """As Frappe sets it: over plain http (``make run``) a Secure cookie would never come back."""
    r = invoke(
        "session_login", "frappe_login", body={"usr": "alice", "pwd": PASSWORD}, headers={"X-Forwarded-Proto": "http"}
    )
    assert r.status == 200, r.text
    assert "Secure" not in cookie(r, "sid") and "HttpOnly" in cookie(r, "sid") and "SameSite=Lax" in cookie(r, "sid")


def test_session_is_stored_hashed_with_a_ttl(invoke, alice):
    from moviesapi.models import StateModel, utcnow

    sid, _ = login(invoke, "alice")
    items = [i for i in StateModel.scan() if i.pk.startswith("sid#")]
    assert len(items) == 1
    (item,) = items
    assert item.pk == "sid#" + hashlib.sha256(sid.encode()).hexdigest()
    assert sid not in item.pk and sid not in (item.data or "")
    assert utcnow() + timedelta(hours=11) < item.expires_at <= utcnow() + timedelta(hours=12, seconds=5)


def test_login_with_form_body_and_with_email(invoke, alice):
    r = invoke(
        "session_login",
        "frappe_login",
        raw_body=f"usr=alice&pwd={PASSWORD}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status == 200, r.text
    r = invoke("session_login", "frappe_login", body={"usr": "alice@example.com", "pwd": PASSWORD})
    assert r.status == 200, r.text


def test_bad_login_same_body_whether_or_not_the_user_exists(invoke, alice):
    wrong = invoke("session_login", "frappe_login", body={"usr": "alice", "pwd": "wrong-password-1"})
    ghost = invoke("session_login", "frappe_login", body={"usr": "ghost", "pwd": "wrong-password-1"})
    assert wrong.status == ghost.status == 401
    assert wrong.text == ghost.text
    body = wrong.json()
    assert body["message"] == "Invalid login credentials" and body["exc_type"] == "AuthenticationError"
    assert "Set-Cookie" not in (wrong.raw.get("multiValueHeaders") or {})


@pytest.mark.parametrize("body", [{}, {"usr": "alice"}, {"pwd": PASSWORD}, {"usr": 1, "pwd": PASSWORD}])
def test_incomplete_login(invoke, alice, body):
    r = invoke("session_login", "frappe_login", body=body)
    assert r.status == 401
    assert r.json()["message"] == "Incomplete login details"


@pytest.mark.parametrize(("function", "event", "status"), DIALECT_READS)
def test_session_cookie_works_on_every_dialect(invoke, alice, function, event, status):
    sid, _ = login(invoke, "alice")
    assert invoke(function, event, headers=session_headers(sid), query={}).status == status


def test_get_logged_user_returns_the_csrf_token(invoke, alice):
    sid, csrf = login(invoke, "alice")
    r = invoke("method_call", "frappe_logged_user", headers=session_headers(sid))
    assert r.status == 200
    assert r.json() == {"message": "alice"}
    assert r.headers["x-frappe-csrf-token"] == csrf
    r = invoke("method_call", "frappe_logged_user", token=alice)
    assert r.json() == {"message": "alice"} and "x-frappe-csrf-token" not in r.headers
    assert invoke("method_call", "frappe_logged_user").status == 403


def _refused_as_csrf(r, event: str) -> bool:
    if event.startswith("frappe"):
        return r.status == 400 and r.json()["exc_type"] == "CSRFTokenError"
    return r.status == 403


CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
]


@pytest.mark.parametrize(("function", "event", "status"), DIALECT_WRITES)
def test_cookie_writes_need_no_token_but_a_wrong_one_is_refused(invoke, alice, function, event, status):
    """Released Frappe asks API sessions for no token; one that is sent must be the session's."""
    sid, csrf = login(invoke, "alice")
    assert invoke(function, event, headers=session_headers(sid), body=MOVIE).status == status
    assert invoke(function, event, headers=session_headers(sid, csrf), body=MOVIE).status == status
    wrong = invoke(function, event, headers=session_headers(sid, "x" * 43), body=MOVIE)
    assert _refused_as_csrf(wrong, event), wrong.text


@pytest.mark.parametrize("browser", CROSS_SITE, ids=lambda h: "-".join(f"{k}={v}" for k, v in h.items()))
@pytest.mark.parametrize(("function", "event", "status"), DIALECT_WRITES)
def test_cross_site_cookie_writes_are_refused(invoke, alice, function, event, status, browser):
    """What a page on another site makes a browser send is refused, even with the session's own token."""
    from moviesapi.registry import find_resource

    sid, csrf = login(invoke, "alice")
    before = find_resource("movies").model.count()
    for headers in ({**session_headers(sid), **browser}, {**session_headers(sid, csrf), **browser}):
        r = invoke(function, event, headers=headers, body=MOVIE)
        assert _refused_as_csrf(r, event), r.text
    assert find_resource("movies").model.count() == before  # nothing written


@pytest.mark.parametrize(
    "browser",
    [{"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {"Origin": "https://HOST"}],
    ids=["same-origin", "typed-url", "own-origin"],
)
def test_same_origin_cookie_writes_pass(invoke, alice, browser):
    sid, _ = login(invoke, "alice")
    host = "1234567890.execute-api.us-east-1.amazonaws.com"  # the committed events' Host
    headers = {k: v.replace("HOST", host) for k, v in browser.items()}
    assert (
        invoke("resource_create", "frappe_create", headers={**session_headers(sid), **headers}, body=MOVIE).status
        == 200
    )


def test_token_checked_on_put_and_delete(invoke, alice):
    sid, csrf = login(invoke, "alice")
    name = invoke("resource_create", "frappe_create", token=alice).json()["data"]["name"]
    r = invoke(
        "resource_update", "frappe_update", headers=session_headers(sid, "y" * 43), path_id=name, body={"year": 1943}
    )
    assert r.status == 400
    r = invoke("resource_update", "frappe_update", headers=session_headers(sid), path_id=name, body={"year": 1943})
    assert r.status == 200 and r.json()["data"]["year"] == 1943
    r = invoke("resource_delete", "frappe_delete", headers=session_headers(sid, "y" * 43), path_id=name)
    assert r.status == 400
    assert invoke("resource_delete", "frappe_delete", headers=session_headers(sid, csrf), path_id=name).status == 202


def test_csrf_token_of_another_session_is_refused(invoke, alice, signup):
    signup("bob")
    sid, _ = login(invoke, "alice")
    _, bobs_csrf = login(invoke, "bob")
    r = invoke("resource_create", "frappe_create", headers=session_headers(sid, bobs_csrf))
    assert r.status == 400


def test_key_auth_needs_no_csrf_even_with_a_cookie(invoke, alice):
    key, secret = generate_keys(invoke, alice)
    sid, _ = login(invoke, "alice")
    r = invoke("resource_create", "frappe_create", headers={**session_headers(sid), **token_header(key, secret)})
    assert r.status == 200


def test_logout_ends_the_session_and_clears_cookies(invoke, alice):
    from moviesapi.models import StateModel

    sid, csrf = login(invoke, "alice")
    r = invoke("session_logout", "frappe_logout", headers=session_headers(sid, csrf))
    assert r.status == 200, r.text
    assert r.json() == {}
    for name in ("sid", "full_name", "user_id", "system_user"):
        assert "Max-Age=0" in cookie(r, name)
    assert not [i for i in StateModel.scan() if i.pk.startswith("sid#")]
    refused = invoke("resource_list", "frappe_list", headers=session_headers(sid))
    assert refused.status == 401 and refused.json()["exc_type"] == "SessionExpired"
    assert "_server_messages" not in refused.json()
    assert invoke("method_call", "frappe_logged_user", headers=session_headers(sid)).status == 401
    assert invoke("method_call", "frappe_logged_user").status == 403  # no cookie at all: a Guest


def test_cross_site_logout_is_refused_get_and_same_site_are_not(invoke, alice):
    sid, _ = login(invoke, "alice")
    r = invoke("session_logout", "frappe_logout", headers={**session_headers(sid), "Sec-Fetch-Site": "cross-site"})
    assert r.status == 400 and r.json()["exc_type"] == "CSRFTokenError"
    assert invoke("resource_list", "frappe_list", headers=session_headers(sid)).status == 200
    r = call("session_logout", "frappe_logout", method="GET", headers=session_headers(sid))
    assert r.status == 200
    assert invoke("resource_list", "frappe_list", headers=session_headers(sid)).status == 401


def test_logout_without_a_session_is_harmless(invoke):
    assert invoke("session_logout", "frappe_logout").status == 200
    assert invoke("session_logout", "frappe_logout", headers={"Cookie": "sid=Guest"}).status == 200


def test_session_past_expiry_is_refused_while_its_item_still_exists(invoke, alice):
    from moviesapi.models import StateModel, utcnow

    sid, _ = login(invoke, "alice")
    assert invoke("resource_list", "frappe_list", headers=session_headers(sid)).status == 200
    (item,) = [i for i in StateModel.scan() if i.pk.startswith("sid#")]
    item.update(actions=[StateModel.expires_at.set(utcnow() - timedelta(seconds=1))])
    assert StateModel.get(item.pk)  # DynamoDB's TTL has not removed it
    assert invoke("resource_list", "frappe_list", headers=session_headers(sid)).status == 401


def test_stale_cookie_does_not_block_login_or_public_methods(invoke, alice):
    stale = {"Cookie": "sid=" + "A" * 43}
    assert invoke("resource_list", "frappe_list", headers=stale).status == 401  # Frappe's SessionExpired
    assert invoke("method_call", "frappe_ping", headers=stale).status == 200
    r = invoke("session_login", "frappe_login", body={"usr": "alice", "pwd": PASSWORD}, headers=stale)
    assert r.status == 200


# ---------------------------------------------------------------- the shared throttle


def _fail(invoke, where, username="alice"):
    if where == "frappe":
        return invoke("session_login", "frappe_login", body={"usr": username, "pwd": "wrong-password-1"})
    return invoke("token_obtain", body={"username": username, "password": "wrong-password-1"})


@pytest.mark.parametrize(("fail_on", "check_on"), [("frappe", "drf"), ("drf", "frappe"), ("frappe", "frappe")])
def test_login_throttle_is_shared_with_the_drf_token_endpoint(invoke, alice, fail_on, check_on):
    from moviesapi.accounts import LOGIN_FAILURE_LIMIT

    for _ in range(LOGIN_FAILURE_LIMIT):
        assert _fail(invoke, fail_on).status == 401
    if check_on == "frappe":
        r = invoke("session_login", "frappe_login", body={"usr": "alice", "pwd": PASSWORD})
        assert r.json()["exc_type"] == "TooManyRequestsError"
    else:
        r = invoke("token_obtain", body={"username": "alice", "password": PASSWORD})
    assert r.status == 429, r.text
    assert int(r.headers["retry-after"]) > 0


def test_throttle_is_per_account(invoke, alice, signup):
    signup("bob")
    for _ in range(6):
        _fail(invoke, "frappe", "alice")
    assert invoke("session_login", "frappe_login", body={"usr": "bob", "pwd": PASSWORD}).status == 200


# ---------------------------------------------------------------- /api/method


def test_ping(invoke):
    r = invoke("method_call", "frappe_ping")
    assert r.status == 200 and r.json() == {"message": "pong"}
    for verb in ("POST", "PUT", "DELETE"):  # @frappe.whitelist() takes GET, POST, PUT and DELETE
        assert call("method_call", "frappe_ping", method=verb).json() == {"message": "pong"}


@pytest.mark.parametrize(
    ("function", "event", "method"),
    [
        ("method_call", "frappe_ping", "PATCH"),
        ("method_call", "frappe_logged_user", "PATCH"),
        ("session_login", "frappe_login", "GET"),
        ("session_logout", "frappe_logout", "PATCH"),
        ("generate_keys", "frappe_generate_keys", "GET"),
        ("generate_keys", "frappe_generate_keys", "PUT"),
        ("resource_create", "frappe_insert_many", "GET"),
        ("resource_delete", "frappe_client_delete", "PUT"),
    ],
)
def test_wrong_verb_is_403_as_frappe_answers_it(invoke, function, event, method):
    """Frappe's ``is_valid_http_method``: 403 ``PermissionError`` "Not permitted", not 405."""
    r = call(function, event, method=method)
    assert r.status == 403, r.text
    assert r.json()["exc_type"] == "PermissionError"
    assert "Not permitted" in r.json()["exception"]


@pytest.mark.parametrize(
    "name", ["frappe.desk.reportview.get_count", "nope", "x" * 300, "frappe.auth.get_logged_user.extra"]
)
def test_unknown_method_is_404(invoke, name):
    r = call("method_call", "frappe_method_unknown", path=f"/api/method/{name}")
    assert r.status == 404, r.text
    assert r.json()["exc_type"] == "DoesNotExistError"
    assert "exc" not in r.json() and "Traceback" not in r.text


def test_refusal_route_never_runs_a_method(invoke):
    r = call("not_allowed", "frappe_method_unknown", path="/api/method/ping", method="GET")
    assert r.status == 404
    assert "pong" not in r.text


def test_method_call_never_runs_a_method_another_function_serves(invoke, alice):
    """``/api/method/{method}`` reaches ``method_call``, which may not log in (no session writes)."""
    r = call("method_call", "frappe_method_unknown", path="/api/method/login", body={"usr": "alice", "pwd": PASSWORD})
    assert r.status == 404 and r.json()["exc_type"] == "DoesNotExistError"
    assert "sid=" not in str(r.raw.get("multiValueHeaders"))


def test_whitelist_declares_verbs():
    from moviesapi.dialects.frappe import methods

    table = {name: m.methods for name, m in methods.registered().items()}
    every = ("GET", "POST", "PUT", "DELETE")
    writes = ("POST", "PUT")
    assert table == {
        "ping": every,
        "frappe.auth.get_logged_user": every,
        "login": ("POST",),  # Frappe takes any verb; a password in a GET's URL ends up in logs
        "logout": every,
        "frappe.core.doctype.user.user.generate_keys": ("POST",),
        "frappe.client.get_list": every,
        "frappe.client.get_count": every,
        "frappe.client.get": every,
        "frappe.client.get_value": every,
        "frappe.client.insert": writes,
        "frappe.client.insert_many": writes,
        "frappe.client.set_value": writes,
        "frappe.client.save": writes,
        "frappe.client.bulk_update": writes,
        "frappe.client.delete": ("POST", "DELETE"),
        "frappe.client.rename_doc": writes,
        "frappe.client.submit": writes,
        "frappe.client.cancel": writes,
    }


def test_head_is_answered_like_get(invoke):
    assert call("method_call", "frappe_ping", method="HEAD").status == 200
    r = call("session_login", "frappe_login", method="HEAD")
    assert r.status == 403
