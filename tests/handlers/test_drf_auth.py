"""Registration and tokens through the real handlers and committed events (moto DynamoDB)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.conftest import PASSWORD

SECRET = "test-signing-key-that-is-long-enough-for-hs256-0123456789"


def register_body(username="alice", email=None, p1=PASSWORD, p2=PASSWORD):
    return {"email": email or f"{username}@example.com", "username": username, "password1": p1, "password2": p2}


def test_register_returns_user_without_secrets(invoke):
    r = invoke("register", body=register_body())
    assert r.status == 201
    body = r.json()
    assert body["username"] == "alice" and body["email"] == "alice@example.com"
    assert set(body) == {"username", "email", "first_name", "last_name"}  # the seed's RegisterSerializer
    assert "argon2" not in r.text and PASSWORD not in r.text


def test_register_accepts_password_for_password1(invoke):
    body = {"email": "b@example.com", "username": "bob", "password": PASSWORD, "password2": PASSWORD}
    assert invoke("register", body=body).status == 201


def test_register_committed_event_as_is(invoke):
    r = invoke("register")
    assert r.status == 201, r.text
    assert r.json()["username"] == "USERNAME"


def test_register_base64_body(invoke):
    raw = base64.b64encode(json.dumps(register_body("carol")).encode()).decode()
    event_kwargs = {"raw_body": raw}
    from tests.conftest import FakeContext, load_function, make_event

    event = make_event("register", **event_kwargs)
    event["isBase64Encoded"] = True
    r = load_function("register").lambda_handler(event, FakeContext())
    assert r["statusCode"] == 201, r


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "username", "This field is required."),
        ({"username": ""}, "username", "This field may not be blank."),
        (
            {"username": "bad name!"},
            "username",
            "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
        ),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        (
            {"password1": "short1", "password2": "short1"},
            "password1",
            "This password is too short. It must contain at least 8 characters.",
        ),
        ({"password1": "password", "password2": "password"}, "password1", "This password is too common."),
        ({"password1": "8412375690", "password2": "8412375690"}, "password1", "This password is entirely numeric."),
        (
            {"username": "moviebuff", "password1": "moviebuff1", "password2": "moviebuff1"},
            "password1",
            "The password is too similar to the username.",
        ),
        ({"password2": "something-else-42"}, "password1", "Password fields didn't match."),  # keyed as sent
        (
            {"password1": "x" * 300, "password2": "x" * 300},
            "password1",
            "Ensure this field has no more than 256 characters.",
        ),
        ({"username": ["alice"]}, "username", "Not a valid string."),  # numbers are coerced, as DRF does
    ],
)
def test_register_validation(invoke, body, field, message):
    full = {**register_body(), **body} if body else {}
    r = invoke("register", body=full)
    assert r.status == 400, r.text
    assert message in r.json()[field]


def test_register_duplicate_username_and_email(invoke):
    assert invoke("register", body=register_body("alice")).status == 201
    r = invoke("register", body=register_body("ALICE", email="other@example.com"))
    assert r.status == 400 and r.json() == {"username": ["A user with that username already exists."]}
    r = invoke("register", body=register_body("alice2", email="Alice@Example.COM"))
    assert r.status == 400
    assert r.json() == {"email": ["This field must be unique."]}  # UniqueValidator's words, case-insensitively


@pytest.mark.parametrize(
    ("raw", "headers", "status", "detail"),
    [
        ("{not json", {}, 400, "JSON parse error"),
        ("[1, 2]", {}, 400, None),  # the serializer's complaint: {"non_field_errors": [...]}
        ("a=b", {"Content-Type": "text/plain"}, 415, 'Unsupported media type "text/plain" in request.'),
        ('{"x": NaN}', {}, 400, "JSON parse error"),
    ],
)
def test_register_malformed_bodies(invoke, raw, headers, status, detail):
    r = invoke("register", raw_body=raw, headers=headers)
    assert r.status == status
    if detail is None:
        assert r.json() == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    else:
        assert detail in r.json()["detail"]


def test_register_form_encoded(invoke):
    raw = "email=f%40example.com&username=frank&password1=correct-horse-42&password2=correct-horse-42"
    r = invoke("register", raw_body=raw, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 201, r.text


def test_oversized_body_is_413(invoke):
    r = invoke("register", raw_body=json.dumps({"username": "x" * 70_000}))
    assert r.status == 413
    assert "detail" in r.json()


def test_token_pair_claims(invoke, signup):
    pair = signup()
    assert set(pair) == {"refresh", "access"}
    access = jwt.decode(pair["access"], SECRET, algorithms=["HS256"])
    refresh = jwt.decode(pair["refresh"], SECRET, algorithms=["HS256"])
    assert access["token_type"] == "access" and refresh["token_type"] == "refresh"
    for claims in (access, refresh):
        assert {"exp", "iat", "jti", "user_id"} <= set(claims)
    assert access["exp"] - access["iat"] == 300
    assert refresh["exp"] - refresh["iat"] == 86_400
    assert jwt.get_unverified_header(pair["access"])["alg"] == "HS256"


def test_bad_credentials_same_answer(invoke, signup):
    signup()
    wrong = invoke("token_obtain", body={"username": "alice", "password": "wrong-password-1"})
    unknown = invoke("token_obtain", body={"username": "nobody", "password": "wrong-password-1"})
    assert wrong.status == unknown.status == 401
    assert wrong.json() == unknown.json() == {"detail": "No active account found with the given credentials"}
    assert wrong.headers["www-authenticate"] == 'Bearer realm="api"'


def test_token_missing_fields(invoke):
    r = invoke("token_obtain", body={})
    assert r.status == 400
    assert r.json() == {"username": ["This field is required."], "password": ["This field is required."]}


def test_login_throttled_after_repeated_failures(invoke, signup):
    signup()
    for _ in range(5):
        assert invoke("token_obtain", body={"username": "alice", "password": "nope-nope-1"}).status == 401
    r = invoke("token_obtain", body={"username": "alice", "password": PASSWORD})
    assert r.status == 429
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["detail"].startswith("Request was throttled.")
    for _ in range(5):
        invoke("token_obtain", body={"username": "ghost", "password": "nope-nope-1"})
    assert invoke("token_obtain", body={"username": "ghost", "password": "x"}).status == 429


def test_refresh_rotates_and_detects_reuse(invoke, signup, monkeypatch):
    from datetime import timedelta

    from moviesapi import tokens
    from moviesapi.models import utcnow

    pair = signup()
    r = invoke("token_refresh", body={"refresh": pair["refresh"]})
    assert r.status == 200
    rotated = r.json()
    assert set(rotated) == {"access", "refresh"} and rotated["refresh"] != pair["refresh"]
    # Past the reuse interval, the old refresh token is blacklisted ...
    later = utcnow() + timedelta(seconds=11)
    monkeypatch.setattr(tokens, "utcnow", lambda: later)
    r = invoke("token_refresh", body={"refresh": pair["refresh"]})
    assert r.status == 401
    assert r.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    # ... and presenting it again revoked the whole family, including the rotated token.
    assert invoke("token_refresh", body={"refresh": rotated["refresh"]}).status == 401


def test_refresh_retried_within_the_reuse_interval_gets_the_same_pair(invoke, signup):
    """A client whose answer was lost presents the same token again: the same new pair, no theft alarm."""
    pair = signup()
    first = invoke("token_refresh", body={"refresh": pair["refresh"]})
    again = invoke("token_refresh", body={"refresh": pair["refresh"]})
    assert first.status == again.status == 200, again.text
    assert again.json() == first.json()  # byte for byte
    r = invoke("token_refresh", body={"refresh": first.json()["refresh"]})  # the family is intact
    assert r.status == 200, r.text
    assert invoke("resource_list", "movie_list", token=first.json()["access"], query={}).status == 200


def test_a_refresh_token_blacklisted_by_logout_gets_no_reuse_interval(invoke, signup):
    pair = signup()
    assert invoke("logout", body={"refresh": pair["refresh"]}, token=pair["access"]).status in (200, 205)
    r = invoke("token_refresh", body={"refresh": pair["refresh"]})
    assert r.status == 401 and r.json()["detail"] == "Token is blacklisted"


def test_refresh_rejects_access_token_and_garbage(invoke, signup):
    pair = signup()
    r = invoke("token_refresh", body={"refresh": pair["access"]})
    assert r.status == 401 and r.json()["code"] == "token_not_valid"
    r = invoke("token_refresh", body={"refresh": "not.a.token"})
    assert r.status == 401 and r.json() == {"detail": "Token is invalid or expired", "code": "token_not_valid"}
    assert invoke("token_refresh", body={}).status == 400


def test_expired_and_forged_tokens_refused(invoke, signup):
    pair = signup()
    claims = jwt.decode(pair["refresh"], SECRET, algorithms=["HS256"])
    expired = jwt.encode({**claims, "exp": int(time.time()) - 5}, SECRET, algorithm="HS256")
    assert invoke("token_refresh", body={"refresh": expired}).status == 401
    forged = jwt.encode(claims, "another-key-another-key-another-key-42", algorithm="HS256")
    assert invoke("token_refresh", body={"refresh": forged}).status == 401
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert invoke("token_refresh", body={"refresh": unsigned}).status == 401
    missing_jti = jwt.encode({k: v for k, v in claims.items() if k != "jti"}, SECRET, algorithm="HS256")
    assert invoke("token_refresh", body={"refresh": missing_jti}).status == 401


def test_verify(invoke, signup):
    pair = signup()
    assert invoke("token_verify", body={"token": pair["access"]}).status == 200
    assert invoke("token_verify", body={"token": pair["access"]}).json() == {}
    r = invoke("token_verify", body={"token": pair["access"] + "x"})
    assert r.status == 401 and r.json()["code"] == "token_not_valid"


def test_logout_blacklists_refresh(invoke, signup):
    pair = signup()
    r = invoke("logout", body={"refresh": pair["refresh"]})
    assert r.status == 200 and r.json() == {}
    assert invoke("token_refresh", body={"refresh": pair["refresh"]}).status == 401
    assert invoke("token_verify", body={"token": pair["refresh"]}).status == 401


@pytest.mark.parametrize("gone", ["deactivated", "deleted"])
def test_refresh_stops_for_a_user_who_is_gone(invoke, signup, gone):
    """Access tokens are trusted without a user read for their 5 minutes; the refresh is where a
    deactivated or deleted user stops (simplejwt's TokenRefreshSerializer: no_active_account)."""
    from moviesapi import tokens
    from moviesapi.models import UserModel

    pair = signup("gone")
    user = UserModel.get(tokens.decode(pair["access"]).user_id)
    if gone == "deactivated":
        user.update(actions=[UserModel.is_active.set(False)])
    else:
        user.delete()
    r = invoke("token_refresh", body={"refresh": pair["refresh"]})
    assert r.status == 401, r.text
    assert r.json() == {"detail": "No active account found for the given token."}


def _decodes(monkeypatch) -> list[str]:
    """Count PyJWT verifications (the container caches what it verified)."""
    from moviesapi import tokens

    seen: list[str] = []
    real = tokens.jwt.decode

    def counted(token, *args, **kwargs):
        seen.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", counted)
    return seen


def test_a_token_is_verified_once_per_container_and_its_expiry_on_every_request(invoke, signup, monkeypatch):
    from moviesapi import tokens

    access = signup()["access"]
    seen = _decodes(monkeypatch)
    for _ in range(3):
        assert invoke("resource_list", "movie_list", token=access, query={}).status == 200
    assert seen == [access]
    exp = jwt.decode(access, SECRET, algorithms=["HS256"])["exp"]
    monkeypatch.setattr(tokens, "time", type("Clock", (), {"time": staticmethod(lambda: exp)}))
    r = invoke("resource_list", "movie_list", token=access, query={})
    assert r.status == 401 and r.json()["code"] == "token_not_valid"  # expired at exp, as PyJWT (no leeway)


def test_a_cached_token_proves_nothing_for_a_tampered_copy_or_under_a_new_key(invoke, signup, monkeypatch):
    from moviesapi import tokens

    access = signup()["access"]
    assert invoke("resource_list", "movie_list", token=access, query={}).status == 200
    head, body, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["user_id"] = "someone-else"
    other = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert invoke("resource_list", "movie_list", token=f"{head}.{other}.{signature}", query={}).status == 401
    monkeypatch.setattr(tokens, "signing_key", lambda: "a-rotated-signing-key-that-is-long-enough-0123456789")
    r = invoke("resource_list", "movie_list", token=access, query={})
    assert r.status == 401 and r.json()["code"] == "token_not_valid"


def test_the_verified_cache_is_bounded_and_keeps_the_tokens_in_use(invoke, signup, monkeypatch):
    from moviesapi import tokens

    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 2)
    first, second, third = (signup(f"user{i}")["access"] for i in range(3))
    for access in (first, second, first, third):  # the first was used again: the second is the least recent
        assert invoke("resource_list", "movie_list", token=access, query={}).status == 200
    assert len(tokens._verified) == 2
    seen = _decodes(monkeypatch)
    for access in (first, third, second):
        assert invoke("resource_list", "movie_list", token=access, query={}).status == 200
    assert seen == [second]
