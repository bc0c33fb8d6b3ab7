"""A Frappe client's view of ``make run``, over real HTTP: resources, key pairs and Basic auth on every
dialect, password sessions (cookie, CSRF, logout, expiry), the shared throttle and /api/method."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

TIMEOUT = 30
PASSWORD = "correct-horse-42"
MOVIES = [
    ("Casablanca", "Drama", 1942),
    ("Notorious", "Thriller", 1946),
    ("The Third Man", "Film-Noir", 1949),
    ("Vertigo", "Thriller", 1958),
    ("Psycho", "Horror", 1960),
]


class Client:
    """One user of the API: registers, then talks HTTP with whatever credentials a test gives."""

    def __init__(self, base: str, prefix: str = "e2e") -> None:
        self.base = base
        self.username = f"{prefix}{uuid.uuid4().hex[:10]}"
        r = self.post(
            "/api/v1/auth/register/",
            json={
                "email": f"{self.username}@example.com",
                "username": self.username,
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert r.status_code == 201, r.text
        r = self.post("/api/v1/auth/token/", json={"username": self.username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.jwt = {"Authorization": f"Bearer {r.json()['access']}"}

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.base + path, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def keys(self) -> tuple[str, str]:
        r = self.post("/api/method/frappe.core.doctype.user.user.generate_keys", headers=self.jwt)
        assert r.status_code == 200, r.text
        return r.json()["message"]["api_key"], r.json()["message"]["api_secret"]

    def login(self) -> tuple[str, str, requests.Response]:
        r = self.post("/api/method/login", json={"usr": self.username, "pwd": PASSWORD})
        assert r.status_code == 200, r.text
        return set_cookie_value(r, "sid"), r.headers["X-Frappe-CSRF-Token"], r


def set_cookies(response: requests.Response) -> list[str]:
    return response.raw.headers.getlist("Set-Cookie")


def set_cookie_value(response: requests.Response, name: str) -> str:
    line = next(c for c in set_cookies(response) if c.startswith(f"{name}="))
    return line.split(";", 1)[0].split("=", 1)[1]


def token(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": f"token {key}:{secret}"}


def basic(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def cookie(sid: str, csrf: str | None = None) -> dict[str, str]:
    headers = {"Cookie": f"sid={sid}"}  # sent by hand, as one client among several
    if csrf:
        headers["X-Frappe-CSRF-Token"] = csrf
    return headers


def server_messages(response: requests.Response) -> list[str]:
    return [json.loads(m)["message"] for m in json.loads(response.json()["_server_messages"])]


@pytest.fixture(scope="module")
def owner(api_url: str) -> Client:
    return Client(api_url, "owner")


@pytest.fixture(scope="module")
def catalog(owner: Client) -> dict[str, str]:
    """Five movies with a genre no other test uses; {title: name}."""
    tag = uuid.uuid4().hex[:8]
    names = {}
    for title, genre, year in MOVIES:
        r = owner.post(
            "/api/resource/Movie", headers=owner.jwt, json={"title": title, "genre": f"{genre}-{tag}", "year": year}
        )
        assert r.status_code == 200, r.text
        names[title] = r.json()["data"]["name"]
    names["_tag"] = tag
    return names


def frappe_list(client: Client, headers: dict[str, str], **params: Any) -> requests.Response:
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return client.get("/api/resource/Movie", headers=headers, params=encoded)


# ---------------------------------------------------------------- resources


def test_list_fields_filters_order_and_pages(owner: Client, catalog: dict[str, str]) -> None:
    tag = catalog["_tag"]
    mine = [["owner", "=", owner.username]]
    r = frappe_list(owner, owner.jwt, filters=mine)
    assert r.status_code == 200
    assert r.json()["data"][0] == {"name": catalog["Psycho"]}  # modified desc, names only
    r = frappe_list(
        owner,
        owner.jwt,
        fields=["title", "year"],
        filters=mine,
        order_by="year asc",
        limit_start="1",
        limit_page_length="2",
    )
    assert r.json()["data"] == [{"title": "Notorious", "year": 1946}, {"title": "The Third Man", "year": 1949}]
    r = frappe_list(
        owner, owner.jwt, fields=["title"], filters=mine, order_by="year desc", as_dict="0", limit_page_length="1"
    )
    assert r.json()["data"] == [["Psycho"]]
    r = frappe_list(owner, owner.jwt, fields=["*"], filters={"genre": f"Drama-{tag}"})
    (doc,) = r.json()["data"]
    assert doc["name"] == catalog["Casablanca"] and doc["owner"] == owner.username and doc["docstatus"] == 0


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([["year", "=", 1946]], ["Notorious"]),
        ([["year", "!=", 1946], ["year", "<", 1950]], ["Casablanca", "The Third Man"]),
        ([["year", ">", 1949]], ["Psycho", "Vertigo"]),
        ([["year", ">=", 1958]], ["Psycho", "Vertigo"]),
        ([["year", "<", 1946]], ["Casablanca"]),
        ([["year", "<=", 1946]], ["Casablanca", "Notorious"]),
        ([["title", "like", "%THIRD%"]], ["The Third Man"]),
        ([["title", "not like", "%O%"]], ["Casablanca", "The Third Man"]),
        ([["year", "in", [1942, 1960]]], ["Casablanca", "Psycho"]),
        ([["year", "not in", [1942, 1946, 1949]]], ["Psycho", "Vertigo"]),
        ([["genre", "is", "set"], ["year", "=", 1958]], ["Vertigo"]),
        ([["genre", "is", "not set"]], []),
        ([["year", "between", [1946, 1958]]], ["Notorious", "The Third Man", "Vertigo"]),
    ],
)
def test_every_operator(owner: Client, catalog: dict[str, str], filters: list[Any], expected: list[str]) -> None:
    mine = [["owner", "=", owner.username], *filters]
    r = frappe_list(owner, owner.jwt, fields=["title"], filters=mine)
    assert r.status_code == 200, r.text
    assert sorted(row["title"] for row in r.json()["data"]) == expected


def test_or_filters(owner: Client, catalog: dict[str, str]) -> None:
    r = frappe_list(
        owner,
        owner.jwt,
        fields=["title"],
        filters=[["owner", "=", owner.username]],
        or_filters=[["year", "=", 1942], ["title", "like", "psy%"]],
    )
    assert sorted(row["title"] for row in r.json()["data"]) == ["Casablanca", "Psycho"]


@pytest.mark.parametrize(
    "params",
    [
        {"fields": ["title", "password"]},
        {"fields": ["api_secret_hash"]},
        {"filters": [["password", "like", "%"]]},
        {"filters": {"api_key": "x"}},
        {"or_filters": [["year", "=", 1942], ["api_secret_hash", "like", "a%"]]},
        {"order_by": "password desc"},
        {"order_by": "year asc, email desc"},
    ],
)
def test_hidden_fields_refused(owner: Client, params: dict[str, Any]) -> None:
    r = frappe_list(owner, owner.jwt, **params)
    assert r.status_code == 417, r.text
    assert r.json()["exc_type"] == "DataError"
    assert server_messages(r)[0].startswith("Field not permitted in query: ")
    assert "exc" not in r.json()


def test_document_crud_and_ownership(api_url: str, owner: Client) -> None:
    r = owner.post("/api/resource/Movie", headers=owner.jwt, json={"title": "Rope", "genre": "Crime", "year": 1948})
    assert r.status_code == 200, r.text
    doc = r.json()["data"]
    name = doc["name"]
    assert doc["doctype"] == "Movie" and doc["owner"] == owner.username and doc["idx"] == 0
    r = owner.get(f"/api/resource/Movie/{name}", headers=owner.jwt)
    assert r.status_code == 200 and r.json()["data"]["title"] == "Rope"
    r = owner.request("PUT", f"/api/resource/Movie/{name}", headers=owner.jwt, json={"year": 1949})
    assert r.status_code == 200
    assert (r.json()["data"]["title"], r.json()["data"]["year"]) == ("Rope", 1949)

    other = Client(api_url, "other")
    r = other.request("PUT", f"/api/resource/Movie/{name}", headers=other.jwt, json={"year": 1950})
    assert r.status_code == 403 and r.json()["exc_type"] == "PermissionError"
    r = other.request("DELETE", f"/api/resource/Movie/{name}", headers=other.jwt)
    assert r.status_code == 403

    r = owner.request("DELETE", f"/api/resource/Movie/{name}", headers=owner.jwt)
    assert r.status_code == 202 and r.json() == {"message": "ok"}
    r = owner.get(f"/api/resource/Movie/{name}", headers=owner.jwt)
    assert r.status_code == 404
    body = r.json()
    assert body["exc_type"] == "DoesNotExistError"
    assert server_messages(r) == [f"Movie {name} not found"]
    assert "exc" not in body and "Traceback" not in r.text  # no traceback by default


def test_guest_is_403_bad_credentials_401_and_validation_417(owner: Client) -> None:
    r = owner.get("/api/resource/Movie")
    assert r.status_code == 403 and r.json()["exc_type"] == "PermissionError"
    r = owner.get("/api/resource/Movie", headers=token("nokey", "nosecret"))
    assert r.status_code == 401 and r.json()["exc_type"] == "AuthenticationError"
    r = owner.post("/api/resource/Movie", headers=owner.jwt, json={"genre": "Drama"})
    assert r.status_code == 417
    assert r.json()["exc_type"] == "MandatoryError"
    assert "Error: Value missing for Movie: Title" in server_messages(r)


def test_user_doctype_and_refusals(owner: Client) -> None:
    r = owner.get(f"/api/resource/User/{owner.username}", headers=owner.jwt)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["name"] == owner.username and "email" not in r.json()["data"]
    r = owner.post("/api/resource/User", headers=owner.jwt, json={"username": "x"})
    assert r.status_code == 403 and r.json()["exc_type"] == "PermissionError"
    r = owner.get("/api/resource/ToDo", headers=owner.jwt)
    assert r.status_code == 404 and r.json()["exc_type"] == "DoesNotExistError"
    r = owner.request("PATCH", "/api/resource/Movie/abc", headers=owner.jwt, json={})
    assert r.status_code == 405 and "PUT" in r.headers["Allow"]


def test_format_suffixes_on_frappe_routes(owner: Client, catalog: dict[str, str]) -> None:
    params = {"fields": '["title"]', "filters": json.dumps([["owner", "=", owner.username]])}
    r = owner.get("/api/resource/Movie.csv", headers=owner.jwt, params=params)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.text.splitlines()[0] == "title" and "Vertigo" in r.text
    r = owner.get(f"/api/resource/Movie/{catalog['Vertigo']}.json", headers=owner.jwt)
    assert r.status_code == 200 and r.json()["data"]["title"] == "Vertigo"
    assert owner.get("/api/resource/Movie.xml", headers=owner.jwt).status_code == 404


# ---------------------------------------------------------------- API keys on every dialect

DIALECT_LISTS = ["/api/v1/movies/", "/api/resource/Movie", "/api/movies"]


@pytest.mark.parametrize("path", DIALECT_LISTS)
def test_key_secret_and_basic_on_every_dialect(api_url: str, path: str) -> None:
    client = Client(api_url, "keys")
    key, secret = client.keys()
    assert client.get(path, headers=token(key, secret)).status_code == 200
    assert client.get(path, headers=basic(key, secret)).status_code == 200
    assert client.get(path, headers=token(key, "0" * 32)).status_code == 401
    assert client.get(path, headers=basic(key, "0" * 32)).status_code == 401
    assert client.get(path, headers=token("0" * 16, secret)).status_code == 401


def test_key_pair_writes_and_regeneration(api_url: str) -> None:
    client = Client(api_url, "regen")
    key, old = client.keys()
    r = client.post("/api/movies", headers=token(key, old), json={"title": "Rebecca", "genre": "Drama", "year": 1940})
    assert r.status_code == 201, r.text
    r = client.post("/api/method/frappe.core.doctype.user.user.generate_keys", headers=token(key, old))
    assert r.status_code == 200
    new = r.json()["message"]["api_secret"]
    assert r.json()["message"]["api_key"] == key and new != old
    r = client.get("/api/resource/Movie", headers=token(key, old))
    assert r.status_code == 401 and r.json()["exc_type"] == "AuthenticationError"
    assert client.get("/api/resource/Movie", headers=token(key, new)).status_code == 200
    assert client.get("/api/method/frappe.auth.get_logged_user", headers=basic(key, new)).json() == {
        "message": client.username
    }


# ---------------------------------------------------------------- password sessions


def test_login_cookie_csrf_and_logout(api_url: str) -> None:
    client = Client(api_url, "sess")
    sid, csrf, r = client.login()
    assert r.json() == {"message": "Logged In", "home_page": "/app", "full_name": client.username}
    sid_line = next(c for c in set_cookies(r) if c.startswith("sid="))
    for flag in ("HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in sid_line
    assert "Secure" not in sid_line  # plain http: a Secure cookie would never come back (Frappe: https only)

    r = client.get("/api/method/frappe.auth.get_logged_user", headers=cookie(sid))
    assert r.json() == {"message": client.username}
    assert r.headers["X-Frappe-CSRF-Token"] == csrf
    for path in DIALECT_LISTS:
        assert client.get(path, headers=cookie(sid)).status_code == 200, path

    movie = {"title": "Rope", "genre": "Crime", "year": 1948}
    r = client.post("/api/resource/Movie", headers=cookie(sid), json=movie)
    assert r.status_code == 200, r.text  # a login session needs no token, as in released Frappe
    r = client.post("/api/resource/Movie", headers={**cookie(sid), "Origin": "https://evil.example"}, json=movie)
    assert r.status_code == 400 and r.json()["exc_type"] == "CSRFTokenError"
    r = client.post("/api/v1/movies/", headers={**cookie(sid), "Sec-Fetch-Site": "cross-site"}, json=movie)
    assert r.status_code == 403
    r = client.post("/api/resource/Movie", headers=cookie(sid, "not-the-token"), json=movie)
    assert r.status_code == 400 and r.json()["exc_type"] == "CSRFTokenError"
    r = client.post("/api/resource/Movie", headers=cookie(sid, csrf), json=movie)
    assert r.status_code == 200, r.text

    r = client.post("/api/method/logout", headers=cookie(sid, csrf))
    assert r.status_code == 200
    assert any(c.startswith("sid=;") and "Max-Age=0" in c for c in set_cookies(r))
    r = client.get("/api/resource/Movie", headers=cookie(sid))
    assert r.status_code == 401 and r.json()["exc_type"] == "SessionExpired"  # the logged-out sid
    assert client.get("/api/method/frappe.auth.get_logged_user", headers=cookie(sid)).status_code == 401


def test_bad_login_is_the_same_for_unknown_users(api_url: str) -> None:
    client = Client(api_url, "badlogin")
    wrong = client.post("/api/method/login", json={"usr": client.username, "pwd": "wrong-password-1"})
    ghost = client.post("/api/method/login", json={"usr": f"ghost{uuid.uuid4().hex}", "pwd": "wrong-password-1"})
    assert wrong.status_code == ghost.status_code == 401
    assert wrong.json() == ghost.json()
    assert wrong.json()["message"] == "Invalid login credentials"


def test_login_throttle_shared_with_drf_token_endpoint(api_url: str) -> None:
    client = Client(api_url, "throttle")
    for _ in range(5):
        r = client.post("/api/method/login", data={"usr": client.username, "pwd": "wrong-password-1"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token/", json={"username": client.username, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    r = client.post("/api/method/login", json={"usr": client.username, "pwd": PASSWORD})
    assert r.status_code == 429 and r.json()["exc_type"] == "TooManyRequestsError"
    assert int(r.headers["Retry-After"]) > 0


class FromAddress(HTTPAdapter):
    """Connect from another loopback address (all of 127/8 is local): the same machine as a second client."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def test_login_throttle_holds_the_address_not_the_account(api_url: str) -> None:
    """Issue 12's lockout: wrong passwords from one address; the owner signs in from another."""
    client = Client(api_url, "lockout")
    for _ in range(5):
        r = client.post("/api/method/login", json={"usr": client.username, "pwd": "wrong-password-1"})
        assert r.status_code == 401
    owner = requests.Session()
    owner.mount("http://", FromAddress("127.0.0.2"))
    r = owner.post(f"{api_url}/api/method/login", json={"usr": client.username, "pwd": PASSWORD}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    r = owner.post(
        f"{api_url}/api/v1/auth/token/", json={"username": client.username, "password": PASSWORD}, timeout=TIMEOUT
    )
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/auth/token/", json={"username": client.username, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


# ---------------------------------------------------------------- /api/method


def test_methods_whitelist(owner: Client) -> None:
    for verb in ("GET", "POST", "PUT", "DELETE"):
        assert owner.request(verb, "/api/method/ping").json() == {"message": "pong"}
    r = owner.get("/api/method/frappe.desk.reportview.get_list")
    assert r.status_code == 404 and r.json()["exc_type"] == "DoesNotExistError"
    assert "exc" not in r.json()
    for method, path in [
        ("GET", "/api/method/login"),
        ("PATCH", "/api/method/ping"),
        ("GET", "/api/method/frappe.core.doctype.user.user.generate_keys"),
        ("GET", "/api/method/frappe.client.insert"),
        ("PATCH", "/api/method/logout"),
    ]:
        r = owner.request(method, path)
        assert r.status_code == 403, (method, path, r.text)  # Frappe's is_valid_http_method
        assert r.json()["exc_type"] == "PermissionError"


# ---------------------------------------------------------------- session expiry (own server and DynamoDB)


def test_session_past_expiry_refused_while_item_exists(
    start_localapi: Callable[..., Any], own_moto_server: str, own_moto_dynamodb: Any
) -> None:
    server = start_localapi(env={"DYNAMODB_ENDPOINT": own_moto_server})
    client = Client(server.url, "expiry")
    sid, _, _ = client.login()
    assert client.get("/api/resource/Movie", headers=cookie(sid)).status_code == 200
    dynamodb = own_moto_dynamodb
    key = {"pk": {"S": "sid#" + hashlib.sha256(sid.encode()).hexdigest()}}
    dynamodb.update_item(
        TableName="movies-api-state",
        Key=key,
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": "1000000000"}},
    )
    assert "Item" in dynamodb.get_item(TableName="movies-api-state", Key=key)
    r = client.get("/api/resource/Movie", headers=cookie(sid))
    assert r.status_code == 401 and r.json()["exc_type"] == "SessionExpired"
