"""The DRF conformance corpus: one stateful scenario of requests, written as code, saved as JSON.

The cases come from the seed project's README (register, token, refresh, the movie CRUD
and its owner rule), its code (the RegisterSerializer's fields and messages, the
FilterSet, PageNumberPagination with ``page_size``, IsOwnerOrReadOnly), the
format-suffix seed, and the behaviour DRF 3.12's and simplejwt 4.6's own test suites
pin down (test_generics, test_negotiation, test_renderers, test_parsers,
test_metadata, simplejwt's test_authentication/test_views/test_serializers):
missing/blank/null fields, coercion, non-object and malformed bodies, the three
default parsers, 405 with ``Allow``, HEAD and OPTIONS, ``Accept``/``?format=``/suffix
precedence, token types, expiry, malformed ``Authorization`` headers.

The scenario starts from an empty server: its first steps register users, obtain
tokens and create the movies every later step reads. See
``tools/conformance/drf/scenario.py`` for the step format and the placeholders.

``python tests/conformance/drf/corpus.py --write`` regenerates ``corpus.json`` (the
recorder replays that file); ``make record-drf`` does it first.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS_JSON = HERE / "corpus.json"

REG = "/api/v1/auth/register/"
TOK = "/api/v1/auth/token/"
REF = "/api/v1/auth/token/refresh/"
VER = "/api/v1/auth/token/verify/"
MOV = "/api/v1/movies/"
PW = "Qz7!mountain-lantern"
BAD_PW = "Qz7!wrong-lantern"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

# The seed data: (key, title, genre, year, owner). Newest last: lists show them reversed.
MOVIES = (
    ("casablanca", "Casablanca", "Drama", 1942, "alice"),
    ("godfather", "The Godfather", "Crime", 1972, "alice"),
    ("alien", "Alien", "Sci-Fi", 1979, "alice"),
    ("heat", "Heat", "Crime", 1995, "alice"),
    ("amelie", "Amélie", "Romance", 2001, "alice"),
    ("spirited", "Spirited Away", "Animation", 2001, "alice"),
    ("parasite", "Parasite", "Thriller", 2019, "alice"),
    ("drivemycar", "Drive My Car", "Drama", 2021, "alice"),
    ("roma", "Roma", "Drama", 2018, "bob"),
    ("nomadland", "Nomadland", "Drama", 2020, "bob"),
    ("soul", "Soul", "Animation", 2020, "bob"),
    ("tenet", "Tenet", "Sci-Fi", 2020, "bob"),
)


def item(key: str, suffix: str = "/") -> str:
    return f"/api/v1/movies/{{movie:{key}}}{suffix}"


def user_body(username: Any, /, **extra: Any) -> dict[str, Any]:
    """A registration as the seed's RegisterSerializer takes it (``password`` + ``password2``)."""
    body: dict[str, Any] = {"username": username, "email": f"{username}@example.com", "password": PW, "password2": PW}
    body.update(extra)
    return body


class Corpus:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.group = ""

    def add(self, name: str, method: str, path: str, **kw: Any) -> None:
        step: dict[str, Any] = {"name": f"{self.group}.{name}", "group": self.group, "method": method, "path": path}
        if kw.pop("variant", "seed") == "suffix":
            step["variant"] = "suffix"
        for key in ("query", "headers", "auth", "craft", "capture", "content_type"):
            if kw.get(key) is not None:
                step[key] = kw.pop(key)
            else:
                kw.pop(key, None)
        for key in ("json", "form", "multipart", "raw", "raw_b64"):
            if key in kw:
                step[key] = kw.pop(key)
        if kw:
            raise TypeError(f"unknown step keys {sorted(kw)}")
        if any(r["name"] == step["name"] for r in self.requests):
            raise ValueError(f"duplicate step name {step['name']}")
        self.requests.append(step)


def setup(c: Corpus) -> None:
    c.group = "setup"
    c.add(
        "register.alice",
        "POST",
        REG,
        json=user_body("alice", first_name="Alice", last_name="Liddell"),
    )
    for name in ("bob", "carol", "dave"):
        c.add(f"register.{name}", "POST", REG, json=user_body(name))
    for name in ("alice", "bob", "carol"):
        c.add(f"token.{name}", "POST", TOK, json={"username": name, "password": PW}, capture={"tokens": name})
    for key, title, genre, year, owner in MOVIES:
        c.add(
            f"create.{key}",
            "POST",
            MOV,
            auth=owner,
            json={"title": title, "genre": genre, "year": year},
            capture={"movie": key},
        )


def register(c: Corpus) -> None:
    c.group = "register"
    fields = ("username", "email", "password", "password2")
    for field in fields:
        body = user_body(f"miss{field.replace('2', 'two')}")
        del body[field]
        c.add(f"missing.{field}", "POST", REG, json=body)
    for field in fields:
        c.add(f"blank.{field}", "POST", REG, json=user_body(f"blank{field.replace('2', 'two')}", **{field: ""}))
    for field in fields:
        c.add(f"null.{field}", "POST", REG, json=user_body(f"null{field.replace('2', 'two')}", **{field: None}))
    c.add("empty-object", "POST", REG, json={})
    c.add("no-body", "POST", REG)
    c.add("empty-json-body", "POST", REG, raw="", content_type="application/json")
    # The seed's README registers with password1/password2; the seed's serializer wants password.
    c.add(
        "readme.password1",
        "POST",
        REG,
        json={"email": "readme@example.com", "username": "readme", "password1": PW, "password2": PW},
    )
    c.add("password1-and-password", "POST", REG, json=user_body("bothpw", password1=PW))
    c.add("mismatch", "POST", REG, json=user_body("mismatch", password2=PW + "x"))
    c.add("mismatch.password1", "POST", REG, json={**user_body("mismatch1"), "password1": PW, "password2": "other"})
    c.add("duplicate.username", "POST", REG, json=user_body("alice", email="alice2@example.com"))
    c.add("duplicate.email", "POST", REG, json=user_body("alice2", email="alice@example.com"))
    c.add("duplicate.both", "POST", REG, json=user_body("alice"))
    c.add("duplicate.username-case", "POST", REG, json=user_body("ALICE", email="alice.upper@example.com"))
    c.add("duplicate.email-case", "POST", REG, json=user_body("alicecase", email="ALICE@example.com"))
    c.add("whitespace.username", "POST", REG, json=user_body("  frank  ", email="frank@example.com"))
    c.add("whitespace.email", "POST", REG, json=user_body("grace", email="  grace@example.com  "))
    c.add(
        "whitespace.password",
        "POST",
        REG,
        json=user_body("heidi", password=f"  {PW}  ", password2=f"  {PW}  "),
    )
    c.add("whitespace.names", "POST", REG, json=user_body("ivan", first_name="  Ivan  ", last_name="  "))
    c.add("number.username", "POST", REG, json=user_body(12345, email="n12345@example.com"))
    c.add("number.first-name", "POST", REG, json=user_body("judy", first_name=42, last_name=4.5))
    c.add("number.password", "POST", REG, json=user_body("kevin", password=48151623, password2=48151623))
    c.add("bool.username", "POST", REG, json=user_body(True, email="bool@example.com"))
    c.add("list.username", "POST", REG, json=user_body(["x"], email="list@example.com"))
    c.add("object.email", "POST", REG, json=user_body("objemail", email={"a": 1}))
    c.add("invalid.email", "POST", REG, json=user_body("bademail", email="not-an-email"))
    c.add("invalid.username-chars", "POST", REG, json=user_body("bad name!", email="badname@example.com"))
    c.add("long.username", "POST", REG, json=user_body("u" * 151, email="longname@example.com"))
    c.add("long.first-name", "POST", REG, json=user_body("longfirst", first_name="f" * 151))
    c.add("password.short", "POST", REG, json=user_body("shorty", password="x7!", password2="x7!"))
    c.add("password.common", "POST", REG, json=user_body("commoner", password="password123", password2="password123"))
    c.add("password.numeric", "POST", REG, json=user_body("numeric", password="83746529", password2="83746529"))
    c.add(
        "password.similar-to-username",
        "POST",
        REG,
        json=user_body("henrietta", password="henrietta1", password2="henrietta1"),
    )
    long_pw = "Long-" + "x9" * 150
    c.add("password.300-chars", "POST", REG, json=user_body("longpass", password=long_pw, password2=long_pw))
    c.add("extra-fields-ignored", "POST", REG, json=user_body("mallory", is_staff=True, is_superuser=True, id=1))
    c.add("json.array", "POST", REG, json=[user_body("arr")])
    c.add("json.string", "POST", REG, json="alice")
    c.add("json.number", "POST", REG, json=42)
    c.add("json.null", "POST", REG, json=None)
    c.add("json.true", "POST", REG, json=True)
    c.add("bad-json.truncated", "POST", REG, raw='{"username": ', content_type="application/json")
    c.add("bad-json.trailing-comma", "POST", REG, raw='{"username": "x",}', content_type="application/json")
    c.add("bad-json.single-quotes", "POST", REG, raw="{'username': 'x'}", content_type="application/json")
    c.add("bad-json.nan", "POST", REG, raw='{"username": NaN}', content_type="application/json")
    c.add(
        "bad-json.invalid-utf8",
        "POST",
        REG,
        raw_b64=base64.b64encode(b'{"username": "\xff"}').decode(),
        content_type="application/json",
    )
    c.add(
        "json.charset",
        "POST",
        REG,
        json=user_body("charset"),
        content_type="application/json; charset=utf-8",
    )
    c.add("form.valid", "POST", REG, form=list(user_body("formuser").items()))
    c.add("form.missing", "POST", REG, form=[("username", "formmiss")])
    c.add("multipart.valid", "POST", REG, multipart=list(user_body("multiuser").items()))
    c.add("multipart.missing", "POST", REG, multipart=[("username", "multimiss")])
    c.add("text-plain", "POST", REG, raw=json.dumps(user_body("plain")), content_type="text/plain")
    c.add("xml", "POST", REG, raw="<user><username>x</username></user>", content_type="application/xml")
    c.add("invalid-bearer", "POST", REG, json=user_body("tokenuser"), headers={"Authorization": "Bearer abc.def.ghi"})
    c.add(
        "basic-auth-header", "POST", REG, json=user_body("basicuser"), headers={"Authorization": "Basic Zm9vOmJhcg=="}
    )
    c.add("authenticated", "POST", REG, json=user_body("authuser"), auth="alice")
    c.add("unslashed", "POST", REG.rstrip("/"), json=user_body("unslashed"))
    c.add("browsable.error", "POST", REG, json={}, headers={"Accept": "text/html"})
    c.add("accept-xml", "POST", REG, json=user_body("acceptxml"), headers={"Accept": "application/xml"})
    c.add("login-after-whitespace.trimmed", "POST", TOK, json={"username": "frank", "password": PW})
    c.add("login-after-whitespace.password-trimmed", "POST", TOK, json={"username": "heidi", "password": PW})
    c.add("login-after-number.username", "POST", TOK, json={"username": "12345", "password": PW})


def tokens(c: Corpus) -> None:
    c.group = "token"
    c.add("obtain.ok", "POST", TOK, json={"username": "alice", "password": PW}, capture={"tokens": "alice_r1"})
    c.add("obtain.ok.second", "POST", TOK, json={"username": "alice", "password": PW}, capture={"tokens": "alice_r2"})
    c.add("obtain.ok.third", "POST", TOK, json={"username": "bob", "password": PW}, capture={"tokens": "bob_r1"})
    c.add("obtain.ok.fourth", "POST", TOK, json={"username": "carol", "password": PW}, capture={"tokens": "carol_r1"})
    c.add("obtain.bad-password", "POST", TOK, json={"username": "alice", "password": BAD_PW})
    c.add("obtain.unknown-user", "POST", TOK, json={"username": "nobody", "password": PW})
    c.add("obtain.username-other-case", "POST", TOK, json={"username": "Bob", "password": PW})
    c.add("obtain.missing.username", "POST", TOK, json={"password": PW})
    c.add("obtain.missing.password", "POST", TOK, json={"username": "alice"})
    c.add("obtain.blank.username", "POST", TOK, json={"username": "", "password": PW})
    c.add("obtain.blank.password", "POST", TOK, json={"username": "alice", "password": ""})
    c.add("obtain.null.username", "POST", TOK, json={"username": None, "password": PW})
    c.add("obtain.null.password", "POST", TOK, json={"username": "alice", "password": None})
    c.add("obtain.number.password", "POST", TOK, json={"username": "carol", "password": 12345678})
    c.add("obtain.list.username", "POST", TOK, json={"username": ["alice"], "password": PW})
    c.add("obtain.empty-object", "POST", TOK, json={})
    c.add("obtain.no-body", "POST", TOK)
    c.add("obtain.json.array", "POST", TOK, json=[{"username": "alice", "password": PW}])
    c.add("obtain.json.string", "POST", TOK, json="alice")
    c.add("obtain.bad-json", "POST", TOK, raw='{"username": "alice"', content_type="application/json")
    c.add("obtain.form", "POST", TOK, form=[("username", "carol"), ("password", PW)])
    c.add("obtain.multipart", "POST", TOK, multipart=[("username", "carol"), ("password", PW)])
    c.add("obtain.text-plain", "POST", TOK, raw="username=carol", content_type="text/plain")
    c.add(
        "obtain.with-invalid-bearer",
        "POST",
        TOK,
        json={"username": "carol", "password": PW},
        headers={"Authorization": "Bearer abc.def.ghi"},
    )
    c.add("obtain.unslashed", "POST", TOK.rstrip("/"), json={"username": "carol", "password": PW})
    c.add("obtain.whitespace-username", "POST", TOK, json={"username": " carol ", "password": PW})
    # Login throttling (ours, deliberately): dave fails five times, then once more, then logs in.
    for n in range(1, 6):
        c.add(f"throttle.failure-{n}", "POST", TOK, json={"username": "dave", "password": BAD_PW})
    c.add("throttle.failure-6", "POST", TOK, json={"username": "dave", "password": BAD_PW})
    c.add("throttle.then-right-password", "POST", TOK, json={"username": "dave", "password": PW})

    c.add("refresh.ok", "POST", REF, json={"refresh": "{token:alice_r1.refresh}"})
    c.add("refresh.reuse", "POST", REF, json={"refresh": "{token:alice_r1.refresh}"})
    c.add("refresh.access-token", "POST", REF, json={"refresh": "{token:alice.access}"})
    c.add("refresh.garbage", "POST", REF, json={"refresh": "not-a-token"})
    c.add("refresh.jwt-shaped-garbage", "POST", REF, json={"refresh": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"})
    c.add("refresh.missing", "POST", REF, json={})
    c.add("refresh.blank", "POST", REF, json={"refresh": ""})
    c.add("refresh.null", "POST", REF, json={"refresh": None})
    c.add("refresh.number", "POST", REF, json={"refresh": 12345})
    c.add("refresh.list", "POST", REF, json={"refresh": ["{token:alice_r2.refresh}"]})
    c.add("refresh.no-body", "POST", REF)
    c.add("refresh.bad-json", "POST", REF, raw="{refresh}", content_type="application/json")
    c.add("refresh.form", "POST", REF, form=[("refresh", "{token:carol_r1.refresh}")])
    c.add("refresh.multipart", "POST", REF, multipart=[("refresh", "{token:bob_r1.refresh}")])
    for name, spec in refresh_crafts().items():
        c.add(f"refresh.crafted.{name}", "POST", REF, json={"refresh": "{crafted}"}, craft=spec)
    c.add("refresh.unslashed", "POST", REF.rstrip("/"), json={"refresh": "not-a-token"})

    for name, body in (
        ("access", {"token": "{token:alice.access}"}),
        ("refresh", {"token": "{token:alice_r2.refresh}"}),
        ("garbage", {"token": "not-a-token"}),
        ("missing", {}),
        ("blank", {"token": ""}),
        ("null", {"token": None}),
        ("number", {"token": 7}),
    ):
        c.add(f"verify.{name}", "POST", VER, variant="suffix", json=body)
    for name, spec in refresh_crafts().items():
        c.add(f"verify.crafted.{name}", "POST", VER, variant="suffix", json={"token": "{crafted}"}, craft=spec)
    c.add("verify.form", "POST", VER, variant="suffix", form=[("token", "{token:alice.access}")])


def refresh_crafts() -> dict[str, dict[str, Any]]:
    """Tokens made from a real refresh token: simplejwt's own test cases for a token's claims."""
    base = "alice_r2.refresh"
    return {
        "expired": {"from": base, "set": {"exp": {"now": -60}}},
        "wrong-key": {"from": base, "key": "wrong"},
        "alg-none": {"from": base, "alg": "none"},
        "no-type": {"from": base, "drop": ["token_type"]},
        "unknown-type": {"from": base, "set": {"token_type": "session"}},
        "no-jti": {"from": base, "drop": ["jti"]},
        "no-exp": {"from": base, "drop": ["exp"]},
    }


def access_crafts() -> dict[str, dict[str, Any]]:
    """Access tokens as simplejwt's JWTAuthentication tests vary them."""
    base = "alice.access"
    return {
        "expired": {"from": base, "set": {"exp": {"now": -60}}},
        "wrong-key": {"from": base, "key": "wrong"},
        "alg-none": {"from": base, "alg": "none"},
        "refresh-as-access": {"from": "alice_r2.refresh"},
        "no-type": {"from": base, "drop": ["token_type"]},
        "no-jti": {"from": base, "drop": ["jti"]},
        "no-user-id": {"from": base, "drop": ["user_id"]},
        "user-not-found": {"from": base, "set": {"user_id": {"missing_user": True}}},
        "other-users-id": {"from": base, "set": {"user_id": "{user:bob}"}},
    }


def auth_headers(c: Corpus) -> None:
    c.group = "auth"
    headers = {
        "no-header": None,
        "empty": "",
        "bearer-only": "Bearer",
        "bearer-space": "Bearer ",
        "three-parts": "Bearer {token:alice.access} extra",
        "lowercase-bearer": "bearer {token:alice.access}",
        "jwt-scheme": "JWT {token:alice.access}",
        "token-scheme": "Token {token:alice.access}",
        "basic": "Basic YWxpY2U6UXo3IW1vdW50YWluLWxhbnRlcm4=",
        "garbage-token": "Bearer not-a-token",
        "refresh-token": "Bearer {token:alice_r2.refresh}",
        "double-space": "Bearer  {token:alice.access}",
    }
    for name, value in headers.items():
        h = {"Authorization": value} if value is not None else None
        c.add(f"list.{name}", "GET", MOV, headers=h)
    for name in ("no-header", "bearer-only", "garbage-token", "refresh-token", "jwt-scheme"):
        value = headers[name]
        h = {"Authorization": value} if value is not None else None
        c.add(f"item.{name}", "GET", item("casablanca"), headers=h)
    for name, spec in access_crafts().items():
        c.add(f"list.crafted.{name}", "GET", MOV, auth=spec)
    for name in ("expired", "user-not-found", "no-user-id"):
        c.add(f"create.crafted.{name}", "POST", MOV, auth=access_crafts()[name], json={"title": "X"})
    c.add("other-users-id.sees-item", "GET", item("roma"), auth=access_crafts()["other-users-id"])


def listing(c: Corpus) -> None:
    c.group = "list"
    c.add("alice", "GET", MOV, auth="alice")
    c.add("carol-no-movies", "GET", MOV, auth="carol")
    c.add("anonymous", "GET", MOV)
    c.add("unslashed", "GET", MOV.rstrip("/"), auth="alice")
    c.add("unslashed.anonymous", "GET", MOV.rstrip("/"))
    c.add("unknown-param", "GET", MOV, auth="alice", query=[["foo", "bar"]])
    c.add("ordering.title", "GET", MOV, auth="alice", query=[["ordering", "title"]])
    c.add("ordering.-year", "GET", MOV, auth="alice", query=[["ordering", "-year"]])
    c.add("search", "GET", MOV, auth="alice", query=[["search", "casa"]])
    c.add("limit-offset", "GET", MOV, auth="alice", query=[["limit", "2"], ["offset", "1"]])

    c.group = "page"
    for value in ("1", "2", "3", "0", "-1", "abc", "last", "1.5", "", "999", " 2", "2 ", "02", "LAST"):
        c.add(f"page={value}", "GET", MOV, auth="alice", query=[["page", value]])
    c.add("page-twice", "GET", MOV, auth="alice", query=[["page", "2"], ["page", "1"]])
    for value in ("5", "1", "0", "-1", "abc", "", "12", "13", "100", "101", "1000", "2.5"):
        c.add(f"page_size={value}", "GET", MOV, auth="alice", query=[["page_size", value]])
    c.add("page_size=5&page=2", "GET", MOV, auth="alice", query=[["page_size", "5"], ["page", "2"]])
    c.add("page_size=5&page=3", "GET", MOV, auth="alice", query=[["page_size", "5"], ["page", "3"]])
    c.add("page_size=5&page=4", "GET", MOV, auth="alice", query=[["page_size", "5"], ["page", "4"]])
    c.add("page_size=5&page=last", "GET", MOV, auth="alice", query=[["page_size", "5"], ["page", "last"]])
    c.add("page=2&page_size=5", "GET", MOV, auth="alice", query=[["page", "2"], ["page_size", "5"]])
    c.add(
        "links-keep-filters",
        "GET",
        MOV,
        auth="alice",
        query=[["genre", "a"], ["page_size", "3"], ["page", "2"]],
    )
    c.add(
        "links-keep-unknown-params",
        "GET",
        MOV,
        auth="alice",
        query=[["z", "1"], ["a", "2"], ["page_size", "4"], ["page", "2"]],
    )
    c.add("anonymous.invalid-page", "GET", MOV, query=[["page", "99"]])


def filters(c: Corpus) -> None:
    c.group = "filter"
    cases = {
        "title=casa": [["title", "casa"]],
        "title=CASA": [["title", "CASA"]],
        "title=the": [["title", "the"]],
        "title=zzz": [["title", "zzz"]],
        "title=": [["title", ""]],
        "title=percent": [["title", "%"]],
        "title=underscore": [["title", "_"]],
        "title=unicode": [["title", "amé"]],
        "title=space": [["title", "drive my"]],
        "genre=drama": [["genre", "drama"]],
        "genre=DRAMA": [["genre", "DRAMA"]],
        "genre=sci": [["genre", "sci"]],
        "genre=a": [["genre", "a"]],
        "genre=": [["genre", ""]],
        "year=2020": [["year", "2020"]],
        "year=2020.0": [["year", "2020.0"]],
        "year=2020.5": [["year", "2020.5"]],
        "year=1942": [["year", "1942"]],
        "year=abc": [["year", "abc"]],
        "year=": [["year", ""]],
        "year=-5": [["year", "-5"]],
        "year=+2020": [["year", "+2020"]],
        "year=2e3": [["year", "2e3"]],
        "year=space": [["year", " 2020 "]],
        "year-twice": [["year", "1942"], ["year", "2020"]],
        "year__gt=2000": [["year__gt", "2000"]],
        "year__gt=2020": [["year__gt", "2020"]],
        "year__gt=abc": [["year__gt", "abc"]],
        "year__gt=1999.5": [["year__gt", "1999.5"]],
        "year__lt=1980": [["year__lt", "1980"]],
        "year__lt=1942": [["year__lt", "1942"]],
        "year__lt=x": [["year__lt", "x"]],
        "year__gt&year__lt": [["year__gt", "1990"], ["year__lt", "2010"]],
        "year__gt&year__lt.empty-range": [["year__gt", "2010"], ["year__lt", "1990"]],
        "year__gte=2020": [["year__gte", "2020"]],
        "year__in=1942,2020": [["year__in", "1942,2020"]],
        "year=abc&year__gt=x": [["year", "abc"], ["year__gt", "x"]],
        "creator__username=alice": [["creator__username", "alice"]],
        "creator__username=ALI": [["creator__username", "ALI"]],
        "creator__username=ali": [["creator__username", "ali"]],
        "creator__username=b": [["creator__username", "b"]],
        "creator__username=bob": [["creator__username", "bob"]],
        "creator__username=Bob": [["creator__username", "Bob"]],
        "creator__username=carol": [["creator__username", "carol"]],
        "creator__username=zzz": [["creator__username", "zzz"]],
        "creator__username=": [["creator__username", ""]],
        "creator=alice": [["creator", "alice"]],
        "creator__id=1": [["creator__id", "1"]],
        "id=1": [["id", "1"]],
        "genre=drama&year=2020": [["genre", "drama"], ["year", "2020"]],
        "genre=drama&creator__username=bob": [["genre", "drama"], ["creator__username", "bob"]],
        "title&genre&year__gt": [["title", "a"], ["genre", "r"], ["year__gt", "1990"]],
        "genre=drama&page_size=2": [["genre", "drama"], ["page_size", "2"]],
        "genre=drama&page_size=2&page=2": [["genre", "drama"], ["page_size", "2"], ["page", "2"]],
        "genre=drama&page=3": [["genre", "drama"], ["page", "3"]],
        "year=abc&page=99": [["year", "abc"], ["page", "99"]],
    }
    for name, query in cases.items():
        c.add(name, "GET", MOV, auth="alice", query=query)
    c.add("anonymous.year=abc", "GET", MOV, query=[["year", "abc"]])
    c.add("bob.creator__username=alice", "GET", MOV, auth="bob", query=[["creator__username", "alice"]])


def items(c: Corpus) -> None:
    c.group = "item"
    c.add("get.own", "GET", item("casablanca"), auth="alice")
    c.add("get.others", "GET", item("roma"), auth="alice")
    c.add("get.anonymous", "GET", item("casablanca"))
    c.add("get.missing", "GET", item("missing"), auth="alice")
    c.add("get.missing.anonymous", "GET", item("missing"))
    c.add("get.non-numeric-id", "GET", "/api/v1/movies/abc/", auth="alice")
    c.add("get.unslashed", "GET", item("casablanca", ""), auth="alice")
    c.add("get.unslashed.anonymous", "GET", item("casablanca", ""))
    c.add("get.query-ignored", "GET", item("casablanca"), auth="alice", query=[["page", "2"], ["year", "abc"]])
    c.add("get.nested-path", "GET", item("casablanca") + "extra/", auth="alice")


def creates(c: Corpus) -> None:
    c.group = "create"
    ok = {"title": "Whiplash", "genre": "Drama", "year": 2014}
    c.add("anonymous", "POST", MOV, json=ok)
    c.add("anonymous.invalid-body", "POST", MOV, json={})
    c.add("anonymous.bad-json", "POST", MOV, raw="{", content_type="application/json")
    c.add("anonymous.text-plain", "POST", MOV, raw="x", content_type="text/plain")
    for field in ("title", "genre", "year"):
        body = dict(ok)
        del body[field]
        c.add(f"missing.{field}", "POST", MOV, auth="carol", json=body)
        c.add(f"blank.{field}", "POST", MOV, auth="carol", json={**ok, field: ""})
        c.add(f"null.{field}", "POST", MOV, auth="carol", json={**ok, field: None})
    c.add("empty-object", "POST", MOV, auth="carol", json={})
    c.add("no-body", "POST", MOV, auth="carol")
    c.add("year.abc", "POST", MOV, auth="carol", json={**ok, "year": "abc"})
    c.add("year.float", "POST", MOV, auth="carol", json={**ok, "year": 2014.5})
    c.add("year.bool", "POST", MOV, auth="carol", json={**ok, "year": True})
    c.add("year.list", "POST", MOV, auth="carol", json={**ok, "year": [2014]})
    c.add("year.huge", "POST", MOV, auth="carol", json={**ok, "year": 3000000000}, capture={"movie": "huge"})
    c.add("year.huge.cleanup", "DELETE", item("huge"), auth="carol")
    c.add("title.too-long", "POST", MOV, auth="carol", json={**ok, "title": "t" * 101})
    c.add("title.list", "POST", MOV, auth="carol", json={**ok, "title": ["Whiplash"]})
    c.add("title.object", "POST", MOV, auth="carol", json={**ok, "title": {"a": 1}})
    c.add("genre.bool", "POST", MOV, auth="carol", json={**ok, "genre": False})
    c.add("all-invalid", "POST", MOV, auth="carol", json={"title": "", "genre": None, "year": "x"})
    c.add("json.array", "POST", MOV, auth="carol", json=[ok])
    c.add("json.string", "POST", MOV, auth="carol", json="Whiplash")
    c.add("json.null", "POST", MOV, auth="carol", json=None)
    c.add("bad-json", "POST", MOV, auth="carol", raw='{"title": "Whiplash"', content_type="application/json")
    c.add("bad-json.nan", "POST", MOV, auth="carol", raw='{"year": NaN}', content_type="application/json")
    c.add("text-plain", "POST", MOV, auth="carol", raw=json.dumps(ok), content_type="text/plain")
    c.add("csv", "POST", MOV, auth="carol", raw="title,genre,year\nX,Y,2000\n", content_type="text/csv")
    # Successful creates (carol's movies), each checked and later read.
    c.add("ok", "POST", MOV, auth="carol", json=ok, capture={"movie": "whiplash"})
    c.add(
        "coerced.year-string",
        "POST",
        MOV,
        auth="carol",
        json={"title": "Arrival", "genre": "Sci-Fi", "year": "2016"},
        capture={"movie": "arrival"},
    )
    c.add(
        "coerced.year-float-string",
        "POST",
        MOV,
        auth="carol",
        json={"title": "Moonlight", "genre": "Drama", "year": "2016.0"},
        capture={"movie": "moonlight"},
    )
    c.add("coerced.year-float-string.cleanup", "DELETE", item("moonlight"), auth="carol")
    c.add(
        "coerced.title-number",
        "POST",
        MOV,
        auth="carol",
        json={"title": 1917, "genre": "War", "year": 2019},
        capture={"movie": "n1917"},
    )
    c.add(
        "trimmed.title",
        "POST",
        MOV,
        auth="carol",
        json={"title": "  Her  ", "genre": " Romance ", "year": 2013},
        capture={"movie": "her"},
    )
    c.add(
        "read-only.creator-and-id",
        "POST",
        MOV,
        auth="carol",
        json={"title": "Gravity", "genre": "Sci-Fi", "year": 2013, "creator": "bob", "id": 1},
        capture={"movie": "gravity"},
    )
    c.add(
        "extra-fields",
        "POST",
        MOV,
        auth="carol",
        json={"title": "Up", "genre": "Animation", "year": 2009, "rating": 5},
        capture={"movie": "up"},
    )
    c.add(
        "form",
        "POST",
        MOV,
        auth="carol",
        form=[("title", "Coco"), ("genre", "Animation"), ("year", "2017")],
        capture={"movie": "coco"},
    )
    c.add("form.missing", "POST", MOV, auth="carol", form=[("title", "Coco")])
    c.add(
        "multipart",
        "POST",
        MOV,
        auth="carol",
        multipart=[("title", "Frozen"), ("genre", "Animation"), ("year", "2013")],
        capture={"movie": "frozen"},
    )
    c.add("multipart.cleanup", "DELETE", item("frozen"), auth="carol")
    c.add("multipart.invalid", "POST", MOV, auth="carol", multipart=[("title", "Frozen"), ("year", "x")])
    # Year range: the seed takes any integer, ours a sensible range; the seed's extra movie is removed.
    c.add(
        "year.out-of-range.low",
        "POST",
        MOV,
        auth="carol",
        json={"title": "Caveman", "genre": "Drama", "year": -5},
        capture={"movie": "caveman"},
    )
    c.add("year.out-of-range.low.cleanup", "DELETE", item("caveman"), auth="carol")
    c.add(
        "year.out-of-range.high",
        "POST",
        MOV,
        auth="carol",
        json={"title": "Far Future", "genre": "Sci-Fi", "year": 99999},
        capture={"movie": "farfuture"},
    )
    c.add("year.out-of-range.high.cleanup", "DELETE", item("farfuture"), auth="carol")
    c.add(
        "unslashed",
        "POST",
        MOV.rstrip("/"),
        auth="carol",
        json={"title": "Tár", "genre": "Drama", "year": 2022},
        capture={"movie": "tar"},
    )
    c.add(
        "browsable",
        "POST",
        MOV,
        auth="carol",
        json={"title": "Nope", "genre": "", "year": 2000},
        headers={"Accept": "text/html"},
    )
    c.add("to-item", "POST", item("casablanca"), auth="alice", json=ok)
    c.add("list.after-creates", "GET", MOV, auth="carol", query=[["creator__username", "carol"]])


def updates(c: Corpus) -> None:
    c.group = "update"
    full = {"title": "Whiplash (2014)", "genre": "Drama", "year": 2014}
    c.add("put.own", "PUT", item("whiplash"), auth="carol", json=full)
    c.add("put.own.missing-field", "PUT", item("whiplash"), auth="carol", json={"title": "Whiplash"})
    c.add("put.own.empty", "PUT", item("whiplash"), auth="carol", json={})
    c.add("put.own.no-body", "PUT", item("whiplash"), auth="carol")
    c.add("put.own.invalid-year", "PUT", item("whiplash"), auth="carol", json={**full, "year": "abc"})
    c.add("put.own.bad-json", "PUT", item("whiplash"), auth="carol", raw="{", content_type="application/json")
    c.add("put.own.array", "PUT", item("whiplash"), auth="carol", json=[full])
    c.add("put.own.text-plain", "PUT", item("whiplash"), auth="carol", raw="x", content_type="text/plain")
    c.add("put.own.form", "PUT", item("whiplash"), auth="carol", form=list(full.items()))
    c.add("put.own.multipart", "PUT", item("arrival"), auth="carol", multipart=list(full.items()))
    c.add("put.own.restore-arrival", "PUT", item("arrival"), auth="carol", json=arrival())
    c.add("put.own.set-creator-ignored", "PUT", item("whiplash"), auth="carol", json={**full, "creator": "bob"})
    c.add("put.own.set-id-ignored", "PUT", item("whiplash"), auth="carol", json={**full, "id": 1})
    c.add("put.others", "PUT", item("roma"), auth="carol", json=full)
    c.add("put.others.invalid-body", "PUT", item("roma"), auth="carol", json={"year": "x"})
    c.add("put.anonymous", "PUT", item("roma"), json=full)
    c.add("put.anonymous.invalid-body", "PUT", item("roma"), json={})
    c.add("put.missing", "PUT", item("missing"), auth="carol", json=full)
    c.add("put.missing.invalid-body", "PUT", item("missing"), auth="carol", json={})
    c.add("put.unslashed", "PUT", item("whiplash", ""), auth="carol", json=full)
    c.add("patch.own.title", "PATCH", item("whiplash"), auth="carol", json={"title": "Whiplash"})
    c.add("patch.own.year", "PATCH", item("whiplash"), auth="carol", json={"year": 2015})
    c.add("patch.own.year-string", "PATCH", item("whiplash"), auth="carol", json={"year": "2014"})
    c.add("patch.own.empty", "PATCH", item("whiplash"), auth="carol", json={})
    c.add("patch.own.no-body", "PATCH", item("whiplash"), auth="carol")
    c.add("patch.own.blank-title", "PATCH", item("whiplash"), auth="carol", json={"title": ""})
    c.add("patch.own.null-genre", "PATCH", item("whiplash"), auth="carol", json={"genre": None})
    c.add("patch.own.invalid-year", "PATCH", item("whiplash"), auth="carol", json={"year": "abc"})
    c.add("patch.own.long-title", "PATCH", item("whiplash"), auth="carol", json={"title": "t" * 101})
    c.add("patch.own.unknown-field", "PATCH", item("whiplash"), auth="carol", json={"rating": 5})
    c.add("patch.own.creator-ignored", "PATCH", item("whiplash"), auth="carol", json={"creator": "alice"})
    c.add("patch.own.bad-json", "PATCH", item("whiplash"), auth="carol", raw="[", content_type="application/json")
    c.add("patch.own.string-body", "PATCH", item("whiplash"), auth="carol", json="Whiplash")
    c.add("patch.own.form", "PATCH", item("whiplash"), auth="carol", form=[("genre", "Music")])
    c.add("patch.own.multipart", "PATCH", item("arrival"), auth="carol", multipart=[("genre", "Drama")])
    c.add("patch.own.restore-arrival", "PATCH", item("arrival"), auth="carol", json={"genre": "Sci-Fi"})
    c.add("patch.own.year-out-of-range", "PATCH", item("up"), auth="carol", json={"year": 1700})
    c.add("patch.own.year-out-of-range.restore", "PATCH", item("up"), auth="carol", json={"year": 2009})
    c.add("patch.others", "PATCH", item("roma"), auth="carol", json={"title": "Mine"})
    c.add("patch.others.empty", "PATCH", item("roma"), auth="carol", json={})
    c.add("patch.anonymous", "PATCH", item("roma"), json={"title": "Mine"})
    c.add("patch.missing", "PATCH", item("missing"), auth="carol", json={"title": "Mine"})
    c.add("patch.non-numeric-id", "PATCH", "/api/v1/movies/abc/", auth="carol", json={"title": "Mine"})
    c.add(
        "patch.browsable", "PATCH", item("whiplash"), auth="carol", json={"year": "x"}, headers={"Accept": "text/html"}
    )
    c.add("get.after-updates", "GET", item("whiplash"), auth="carol")


def arrival() -> dict[str, Any]:
    return {"title": "Arrival", "genre": "Sci-Fi", "year": 2016}


def methods(c: Corpus) -> None:
    """Every method on every endpoint, as an anonymous caller and as a signed-in non-owner."""
    c.group = "methods"
    endpoints = {
        "register": (REG, "seed"),
        "token": (TOK, "seed"),
        "refresh": (REF, "seed"),
        "verify": (VER, "suffix"),
        "list": (MOV, "seed"),
        "item": (item("roma"), "seed"),
    }
    for endpoint, (path, variant) in endpoints.items():
        for method in METHODS:
            for who in ("anonymous", "carol"):
                auth = "carol" if who == "carol" else None
                c.add(f"{endpoint}.{method}.{who}", method, path, variant=variant, auth=auth)
    c.add("item.OPTIONS.owner", "OPTIONS", item("roma"), auth="bob")
    c.add("item.HEAD.owner", "HEAD", item("roma"), auth="bob")
    c.add("list.OPTIONS.accept-html", "OPTIONS", MOV, auth="carol", headers={"Accept": "text/html"})
    c.add("item.TRACE", "TRACE", item("roma"), auth="carol")
    c.add(
        "list.OPTIONS.cors-preflight",
        "OPTIONS",
        MOV,
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    c.add(
        "item.OPTIONS.cors-preflight",
        "OPTIONS",
        item("roma"),
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"},
    )


def negotiation(c: Corpus) -> None:
    c.group = "negotiation"
    accepts = {
        "none": None,
        "json": "application/json",
        "html": "text/html",
        "any": "*/*",
        "application-any": "application/*",
        "text-any": "text/*",
        "xml": "application/xml",
        "html-q-low-json": "text/html;q=0.1, application/json",
        "json-q-low-html": "application/json;q=0.1, text/html",
        "json-q0": "application/json;q=0",
        "json-indent": "application/json; indent=4",
        "browser": BROWSER_ACCEPT,
        "garbage": "garbage",
        "json-and-html": "application/json, text/html",
        "csv": "text/csv",
    }
    targets = {
        "list": ("GET", MOV, "alice"),
        "item": ("GET", item("casablanca"), "alice"),
        "list.anonymous": ("GET", MOV, None),
        "item.missing": ("GET", item("missing"), "alice"),
    }
    for target, (method, path, auth) in targets.items():
        for name, accept in accepts.items():
            h = {"Accept": accept} if accept is not None else None
            c.add(f"{target}.accept.{name}", method, path, auth=auth, headers=h)
    c.add("register.accept.json-indent", "POST", REG, json={}, headers={"Accept": "application/json; indent=2"})
    formats = ("json", "api", "html", "csv", "xml", "JSON", "")
    for target in ("list", "item", "list.anonymous"):
        method, path, auth = targets[target]
        for fmt in formats:
            c.add(f"{target}.format={fmt}", method, path, auth=auth, query=[["format", fmt]])
    combos = {
        "format=json&accept=html": ("json", "text/html"),
        "format=api&accept=json": ("api", "application/json"),
        "format=json&accept=any": ("json", "*/*"),
        "format=api&accept=browser": ("api", BROWSER_ACCEPT),
        "format=json&accept=xml": ("json", "application/xml"),
        "format=xml&accept=json": ("xml", "application/json"),
        "format=csv&accept=csv": ("csv", "text/csv"),
    }
    for name, (fmt, accept) in combos.items():
        c.add(f"list.{name}", "GET", MOV, auth="alice", query=[["format", fmt]], headers={"Accept": accept})
    c.add("list.format-twice", "GET", MOV, auth="alice", query=[["format", "api"], ["format", "json"]])
    c.add("create.format=api", "POST", MOV, auth="carol", json={}, query=[["format", "api"]])
    c.add("create.accept.xml", "POST", MOV, auth="carol", json={}, headers={"Accept": "application/xml"})
    c.add("create.anonymous.accept.xml", "POST", MOV, json={}, headers={"Accept": "application/xml"})
    c.add(
        "token.accept.html", "POST", TOK, json={"username": "nobody", "password": PW}, headers={"Accept": "text/html"}
    )
    c.add("token.format=api", "POST", TOK, json={}, query=[["format", "api"]])


def suffixes(c: Corpus) -> None:
    c.group = "suffix"
    kw: dict[str, Any] = {"variant": "suffix"}
    for fmt in ("json", "api", "html", "csv", "xml", "JSON", "json/"):
        name = fmt.replace("/", "-slash")
        c.add(f"list.{name}", "GET", f"/api/v1/movies.{fmt}", auth="alice", **kw)
        c.add(f"item.{name}", "GET", item("casablanca", f".{fmt}"), auth="alice", **kw)
    c.add("list.json.anonymous", "GET", "/api/v1/movies.json", **kw)
    c.add("list.api.anonymous", "GET", "/api/v1/movies.api", **kw)
    c.add("item.json.missing", "GET", item("missing", ".json"), auth="alice", **kw)
    c.add("list.slash-then-suffix", "GET", "/api/v1/movies/.json", auth="alice", **kw)
    c.add("list.double-suffix", "GET", "/api/v1/movies.json.api", auth="alice", **kw)
    c.add("list.json+format=api", "GET", "/api/v1/movies.json", auth="alice", query=[["format", "api"]], **kw)
    c.add("list.api+format=json", "GET", "/api/v1/movies.api", auth="alice", query=[["format", "json"]], **kw)
    c.add("list.json+format=xml", "GET", "/api/v1/movies.json", auth="alice", query=[["format", "xml"]], **kw)
    c.add("list.json+accept=html", "GET", "/api/v1/movies.json", auth="alice", headers={"Accept": "text/html"}, **kw)
    c.add(
        "list.api+accept=json",
        "GET",
        "/api/v1/movies.api",
        auth="alice",
        headers={"Accept": "application/json"},
        **kw,
    )
    c.add("list.json+accept=any", "GET", "/api/v1/movies.json", auth="alice", headers={"Accept": "*/*"}, **kw)
    c.add(
        "list.json+accept=browser",
        "GET",
        "/api/v1/movies.json",
        auth="alice",
        headers={"Accept": BROWSER_ACCEPT},
        **kw,
    )
    c.add("list.json.filters", "GET", "/api/v1/movies.json", auth="alice", query=[["genre", "drama"]], **kw)
    c.add(
        "list.json.page-links",
        "GET",
        "/api/v1/movies.json",
        auth="alice",
        query=[["page_size", "4"], ["page", "2"]],
        **kw,
    )
    c.add("list.json.invalid-page", "GET", "/api/v1/movies.json", auth="alice", query=[["page", "9"]], **kw)
    c.add("list.unsuffixed", "GET", MOV, auth="alice", **kw)
    c.add("list.unslashed", "GET", MOV.rstrip("/"), auth="alice", **kw)
    c.add("list.HEAD.json", "HEAD", "/api/v1/movies.json", auth="alice", **kw)
    c.add("list.OPTIONS.json", "OPTIONS", "/api/v1/movies.json", auth="alice", **kw)
    c.add("list.OPTIONS.json.anonymous", "OPTIONS", "/api/v1/movies.json", **kw)
    c.add("list.DELETE.json", "DELETE", "/api/v1/movies.json", auth="alice", **kw)
    c.add(
        "create.json",
        "POST",
        "/api/v1/movies.json",
        auth="carol",
        json={"title": "Inception", "genre": "Sci-Fi", "year": 2010},
        capture={"movie": "inception"},
        **kw,
    )
    c.add("create.json.invalid", "POST", "/api/v1/movies.json", auth="carol", json={"title": ""}, **kw)
    c.add("create.api.invalid", "POST", "/api/v1/movies.api", auth="carol", json={"title": ""}, **kw)
    c.add(
        "put.json.own",
        "PUT",
        item("inception", ".json"),
        auth="carol",
        json={"title": "Inception", "genre": "Thriller", "year": 2010},
        **kw,
    )
    c.add("patch.json.own", "PATCH", item("inception", ".json"), auth="carol", json={"genre": "Sci-Fi"}, **kw)
    c.add("patch.json.others", "PATCH", item("inception", ".json"), auth="alice", json={"genre": "X"}, **kw)
    c.add("patch.csv.own", "PATCH", item("inception", ".csv"), auth="carol", json={"genre": "Sci-Fi"}, **kw)
    c.add("delete.json.others", "DELETE", item("inception", ".json"), auth="alice", **kw)
    c.add("item.POST.json", "POST", item("inception", ".json"), auth="carol", json={}, **kw)
    c.add("item.OPTIONS.json.owner", "OPTIONS", item("inception", ".json"), auth="carol", **kw)
    c.add("delete.json.own", "DELETE", item("inception", ".json"), auth="carol", **kw)
    c.add("item.json.after-delete", "GET", item("inception", ".json"), auth="carol", **kw)
    c.add("token.json-suffix", "POST", "/api/v1/auth/token.json", json={"username": "carol", "password": PW}, **kw)


def deletes(c: Corpus) -> None:
    c.group = "delete"
    c.add("others", "DELETE", item("whiplash"), auth="alice")
    c.add("anonymous", "DELETE", item("whiplash"))
    c.add("missing", "DELETE", item("missing"), auth="carol")
    c.add("non-numeric-id", "DELETE", "/api/v1/movies/abc/", auth="carol")
    c.add("with-body-ignored", "DELETE", item("n1917"), auth="carol", json={"title": "x"})
    c.add("own", "DELETE", item("whiplash"), auth="carol")
    c.add("own.again", "DELETE", item("whiplash"), auth="carol")
    c.add("get.deleted", "GET", item("whiplash"), auth="carol")
    c.add("put.deleted", "PUT", item("whiplash"), auth="carol", json={"title": "A", "genre": "B", "year": 2000})
    c.add("patch.deleted", "PATCH", item("whiplash"), auth="carol", json={"title": "A"})
    c.add("unslashed", "DELETE", item("arrival", ""), auth="carol")
    c.add("browsable", "DELETE", item("gravity"), auth="carol", headers={"Accept": "text/html"})
    c.add("list.after-deletes", "GET", MOV, auth="carol", query=[["creator__username", "carol"]])
    c.add("list.final", "GET", MOV, auth="alice", query=[["page_size", "100"]])


def routing(c: Corpus) -> None:
    c.group = "routing"
    c.add("api-root", "GET", "/api/v1/", auth="alice")
    c.add("unknown-collection", "GET", "/api/v1/films/", auth="alice")
    c.add("unknown-auth-endpoint", "POST", "/api/v1/auth/login/", json={"username": "alice", "password": PW})
    c.add("auth-root", "GET", "/api/v1/auth/", auth="alice")
    c.add("item.negative-id", "GET", "/api/v1/movies/-1/", auth="alice")
    c.add("item.zero-id", "GET", "/api/v1/movies/0/", auth="alice")
    c.add("item.uuid-id", "GET", "/api/v1/movies/0190a6c1-0000-7000-8000-000000000000/", auth="alice")
    c.add("token-refresh-unknown-child", "POST", "/api/v1/auth/token/refresh/extra/", json={})
    c.add("suffix-on-seed-variant", "GET", "/api/v1/movies.json", auth="alice")
    c.add("verify-on-seed-variant", "POST", VER, json={"token": "{token:alice.access}"})


def bulk(c: Corpus) -> None:
    """Enough movies (over 100) for ``page_size`` to meet our cap."""
    c.group = "bulk"
    for n in range(1, 91):
        c.add(
            f"create.{n:02d}",
            "POST",
            MOV,
            auth="bob",
            json={"title": f"Filler {n:02d}", "genre": "Filler", "year": 1990 + n % 30},
            capture={"movie": f"filler{n:02d}"},
        )
    for query in (
        [["page_size", "1000"]],
        [["page_size", "101"]],
        [["page_size", "100"]],
        [["page_size", "100"], ["page", "2"]],
        [["page_size", "1000"], ["page", "2"]],
        [["page", "last"]],
        [["page", "11"]],
        [["page", "12"]],
        [["genre", "filler"], ["page_size", "50"], ["page", "2"]],
    ):
        c.add("list." + "&".join(f"{k}={v}" for k, v in query), "GET", MOV, auth="carol", query=query)


def build() -> dict[str, Any]:
    c = Corpus()
    for section in (
        setup,
        register,
        tokens,
        auth_headers,
        listing,
        filters,
        items,
        negotiation,
        creates,
        updates,
        methods,
        suffixes,
        deletes,
        routing,
        bulk,
    ):
        section(c)
    return {
        "about": "DRF conformance corpus; generated by tests/conformance/drf/corpus.py, do not edit by hand",
        "requests": c.requests,
    }


def dumps(corpus: dict[str, Any]) -> str:
    return json.dumps(corpus, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = dumps(build())
    if "--write" in argv:
        CORPUS_JSON.write_text(text, encoding="utf-8")
        print(f"corpus: {len(build()['requests'])} requests → {CORPUS_JSON}")
    elif "--check" in argv:
        if not CORPUS_JSON.is_file() or CORPUS_JSON.read_text(encoding="utf-8") != text:
            print("corpus.json is stale: run python tests/conformance/drf/corpus.py --write", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
