"""The real Python frappe-client, unchanged, against ``make run``'s server over HTTP.

Two flavours of the client:

* ``official``: github.com/frappe/frappe-client @ aad36de, vendored byte for byte in
  ``tests/clients/frappe_client`` and imported as ``tests.clients.frappe_client.frappeclient``;
* ``pypi``: the PyPI fork ``frappe-client`` 0.1.0.dev0 (the ``dev`` group; module ``frappeclient``). Its only
  difference is ``get_list``'s default ``fields='"*"'`` (a JSON string, sent as is) where the official one
  sends ``fields=["*"]``.

Each is signed in two ways (``mode``): ``token`` (``authenticate(api_key, api_secret)``, which sends
``Authorization: Basic base64(key:secret)``) and ``session`` (``login(usr, pwd)``: ``POST /`` with
``cmd=login``, then the ``sid`` cookie its ``requests.Session`` keeps; no CSRF token, no Origin).

Every test makes one client call and checks what the client returns, then checks the call's effect with a
separate plain ``requests`` call signed ``token key:secret``. A response hook on the client's own
``requests.Session`` (configuration, not a patch) records what the server answered: the client's
``post_process`` returns ``message``, else ``data``, else None, and raises only when the body has an ``exc``
(a traceback, which this server sends only with ``API_DEBUG``), so an error and a call that returns nothing
look alike from the client's side.

The expected answers are Frappe's own (frappe/client.py, frappe/handler.py, frappe/api/v1.py, frappe/app.py,
frappe/auth.py): the ``/`` entry point runs ``frappe.handler.handle()`` for any ``cmd``, puts the return value
under ``message`` (nothing when it returns None), refuses a Guest with 403 ``PermissionError``, and the
``/api/resource/<doctype>/`` and ``/api/method/<name>/`` URLs the client builds are the same routes as without
the slash (``strict_slashes=False``; ``method.split("/")[0]``). One deliberate difference applies: where Frappe
answers a ``cmd`` error to an ``Accept: */*`` caller with an HTML page, this server answers JSON (SPEC).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import frappeclient.frappeclient as pypi_frappeclient
import pytest
import requests

import tests.clients.frappe_client.frappeclient.frappeclient as official_frappeclient
from tests.e2e.users import PASSWORD, register, token

TIMEOUT = 30
MODES = ("token", "session")
# What a document carries beside its fields (frappe.model.default_fields), and the Movie's fields.
DOC_KEYS = ("name", "owner", "creation", "modified", "modified_by", "idx", "docstatus", "doctype")
MOVIE_KEYS = ("title", "genre", "year")
ROW_KEYS = tuple(key for key in (*DOC_KEYS, *MOVIE_KEYS) if key != "doctype")  # the columns of `tabMovie`


# ---------------------------------------------------------------- the two clients


@dataclass(frozen=True)
class Flavour:
    """One copy of frappe-client: its ``FrappeClient`` and the exceptions its module defines."""

    name: str
    client_class: Any
    auth_error: type[Exception]
    frappe_exception: type[Exception]


FLAVOURS = {
    "official": Flavour(
        "official",
        official_frappeclient.FrappeClient,
        official_frappeclient.AuthError,
        official_frappeclient.FrappeException,
    ),
    "pypi": Flavour(
        "pypi", pypi_frappeclient.FrappeClient, pypi_frappeclient.AuthError, pypi_frappeclient.FrappeException
    ),
}


def test_the_flavours_are_two_distinct_copies() -> None:
    """The vendored official client and the PyPI fork are separate modules, with their own get_list default."""
    assert official_frappeclient is not pypi_frappeclient
    assert official_frappeclient.__name__ == "tests.clients.frappe_client.frappeclient.frappeclient"
    assert pypi_frappeclient.__name__ == "frappeclient.frappeclient"
    official_default = official_frappeclient.FrappeClient.get_list.__defaults__[0]
    pypi_default = pypi_frappeclient.FrappeClient.get_list.__defaults__[0]
    assert (official_default, pypi_default) == (["*"], '"*"')


# ---------------------------------------------------------------- accounts, plain checks, recorded answers


@dataclass(frozen=True)
class Account:
    """A registered user with an API key pair."""

    username: str
    api_key: str
    api_secret: str

    @property
    def token(self) -> dict[str, str]:
        return {"Authorization": f"token {self.api_key}:{self.api_secret}"}


def make_account(api_url: str, prefix: str) -> Account:
    """Register a user (DRF register), sign in (DRF token) and generate their key pair (Frappe's method)."""
    username = register(api_url, prefix)
    r = requests.post(
        f"{api_url}/api/method/frappe.core.doctype.user.user.generate_keys",
        headers={"Authorization": f"Bearer {token(api_url, username)}"},
        timeout=TIMEOUT,
    )
    assert r.status_code == 200, r.text
    keys = r.json()["message"]
    return Account(username, keys["api_key"], keys["api_secret"])


@dataclass(frozen=True)
class Plain:
    """Plain ``requests`` calls signed ``token key:secret``: how each test checks what a client call did."""

    base: str
    account: Account

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("headers", self.account.token)
        return requests.request(method, self.base + path, timeout=TIMEOUT, **kwargs)

    def movie(self, name: str) -> requests.Response:
        return self.request("GET", f"/api/resource/Movie/{quote(name, safe='')}")

    def doc(self, name: str) -> dict[str, Any]:
        r = self.movie(name)
        assert r.status_code == 200, f"GET Movie {name}: {r.status_code} {r.text}"
        return r.json()["data"]

    def create(self, title: str, genre: str, year: int) -> dict[str, Any]:
        r = self.request("POST", "/api/resource/Movie", json={"title": title, "genre": genre, "year": year})
        assert r.status_code == 200, r.text
        return r.json()["data"]

    def listing(self, **params: Any) -> list[Any]:
        encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        r = self.request("GET", "/api/resource/Movie", params=encoded)
        assert r.status_code == 200, r.text
        return r.json()["data"]

    def method(self, verb: str, name: str, headers: dict[str, str] | None = None) -> requests.Response:
        return self.request(verb, f"/api/method/{name}", headers=self.account.token if headers is None else headers)


@dataclass
class Recorder:
    """A ``requests`` response hook: every answer the client's session received, in order."""

    responses: list[requests.Response] = field(default_factory=list)

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.responses.append(response)

    @property
    def last(self) -> requests.Response:
        assert self.responses, "the client sent no request"
        return self.responses[-1]

    def describe(self) -> str:
        """The last answers, for assertion messages."""
        lines = [
            f"{r.request.method} {r.request.url} body={r.request.body!r} -> {r.status_code} {r.text[:500]}"
            for r in self.responses[-3:]
        ]
        return "\n".join(lines) or "the client sent no request"


@dataclass
class Connected:
    """A signed-in FrappeClient, how it signed in, and what its session received."""

    client: Any
    flavour: Flavour
    mode: str
    account: Account
    recorder: Recorder

    def describe(self) -> str:
        return f"[{self.flavour.name}/{self.mode}]\n{self.recorder.describe()}"


def recorded(client: Any) -> Recorder:
    """Attach a :class:`Recorder` to the client's ``requests.Session``."""
    recorder = Recorder()
    client.session.hooks["response"].append(recorder)
    return recorder


def new_genre() -> str:
    """A genre no other test uses, so a filter on it selects only this test's movies."""
    return f"fc-{uuid.uuid4().hex[:10]}"


def pick(doc: dict[str, Any], keys: tuple[str, ...] = (*DOC_KEYS, *MOVIE_KEYS)) -> dict[str, Any]:
    return {key: doc.get(key) for key in keys}


def as_dict(result: Any, conn: Connected) -> dict[str, Any]:
    assert isinstance(result, dict), f"the client returned {result!r}\n{conn.describe()}"
    return result


def as_json(obj: Any) -> str:
    """``frappe.as_json``, which the client's ``insert_many`` names without importing frappe."""
    return json.dumps(obj, indent=1, sort_keys=True, separators=(",", ": "))


def sid_of(client: Any) -> str | None:
    return client.session.cookies.get("sid")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def account(api_url: str) -> Account:
    return make_account(api_url, "fclient")


@pytest.fixture(scope="module")
def plain(api_url: str, account: Account) -> Plain:
    return Plain(api_url, account)


@pytest.fixture(params=sorted(FLAVOURS))
def flavour(request: pytest.FixtureRequest) -> Flavour:
    return FLAVOURS[request.param]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def conn(api_url: str, account: Account, flavour: Flavour, mode: str) -> Iterator[Connected]:
    """A FrappeClient signed in as ``account``: with its key pair (``token``) or by password (``session``)."""
    client = flavour.client_class(api_url)
    recorder = recorded(client)
    if mode == "token":
        client.authenticate(account.api_key, account.api_secret)
    else:
        try:
            client.login(account.username, PASSWORD)
        except Exception as exc:
            pytest.fail(f"password login (POST / cmd=login) failed: {exc!r}\n{recorder.describe()}")
    yield Connected(client, flavour, mode, account, recorder)
    client.session.close()


# ---------------------------------------------------------------- signing in and out


def test_login(api_url: str, account: Account, flavour: Flavour) -> None:
    """``login(usr, pwd)``: ``POST /`` ``cmd=login`` → "Logged In", and a ``sid`` cookie requests sends back."""
    client = flavour.client_class(api_url)
    recorder = recorded(client)
    result = client.login(account.username, PASSWORD)
    assert recorder.last.request.url == f"{api_url}/" and recorder.last.request.method == "POST"
    assert isinstance(result, dict) and result["message"] == "Logged In", recorder.describe()
    assert result["home_page"] == "/app"
    sid_cookie = next((c for c in client.session.cookies if c.name == "sid"), None)
    assert sid_cookie is not None and sid_cookie.value, f"no sid cookie\n{recorder.describe()}"
    assert not sid_cookie.secure, "the sid cookie is Secure over http: requests never sends it back"
    r = requests.get(
        f"{api_url}/api/method/frappe.auth.get_logged_user",
        headers={"Cookie": f"sid={sid_cookie.value}"},
        timeout=TIMEOUT,
    )
    assert r.status_code == 200 and r.json()["message"] == account.username, r.text


def test_login_wrong_password(api_url: str, flavour: Flavour) -> None:
    """A wrong password: 401 with a ``message`` other than "Logged In", so the client raises ``AuthError``."""
    username = register(api_url, "fcbad")
    client = flavour.client_class(api_url)
    recorder = recorded(client)
    with pytest.raises(flavour.auth_error):
        client.login(username, "not-" + PASSWORD)
    assert recorder.last.status_code == 401, recorder.describe()
    assert recorder.last.json()["exc_type"] == "AuthenticationError"
    sid = sid_of(client)
    if sid:  # whatever cookie came back must not sign anybody in
        r = requests.get(
            f"{api_url}/api/method/frappe.auth.get_logged_user", headers={"Cookie": f"sid={sid}"}, timeout=TIMEOUT
        )
        assert r.status_code == 403, r.text


def test_authenticate(api_url: str, account: Account, flavour: Flavour) -> None:
    """``FrappeClient(url, api_key=, api_secret=)``: the ``Basic`` header it sets is the key pair's."""
    client = flavour.client_class(api_url, api_key=account.api_key, api_secret=account.api_secret)
    header = client.session.headers["Authorization"]
    expected = base64.b64encode(f"{account.api_key}:{account.api_secret}".encode()).decode()
    assert header == f"Basic {expected}"
    r = requests.get(
        f"{api_url}/api/method/frappe.auth.get_logged_user", headers={"Authorization": header}, timeout=TIMEOUT
    )
    assert r.status_code == 200 and r.json() == {"message": account.username}, r.text


def test_guest_is_refused(api_url: str, flavour: Flavour) -> None:
    """No credentials: Frappe answers a Guest's list with 403 ``PermissionError`` (no ``message``: None)."""
    client = flavour.client_class(api_url)
    recorder = recorded(client)
    assert client.get_list("Movie") is None, recorder.describe()
    assert recorder.last.status_code == 403, recorder.describe()
    assert recorder.last.json()["exc_type"] == "PermissionError"
    r = requests.get(f"{api_url}/api/resource/Movie", timeout=TIMEOUT)
    assert r.status_code == 403 and r.json()["exc_type"] == "PermissionError", r.text


def test_logout(conn: Connected, plain: Plain) -> None:
    """``logout()``: ``GET /?cmd=logout``. The client drops the expired cookie and is a Guest (403
    ``PermissionError``); the ended session's cookie sent again is Frappe's 401 ``SessionExpired``
    (``TestSessionExpiry``). A key pair is not a session and keeps working."""
    sid = sid_of(conn.client)
    conn.client.logout()
    assert conn.recorder.last.status_code == 200, conn.describe()
    assert conn.recorder.last.request.url.endswith("/?cmd=logout")
    after = conn.client.get_api("frappe.auth.get_logged_user")
    if conn.mode == "session":
        assert sid, "the session had no sid"
        assert after is None, f"still signed in after logout: {after!r}\n{conn.describe()}"
        assert conn.recorder.last.status_code == 403, conn.describe()
        cookie = {"Cookie": f"sid={sid}"}
        r = plain.method("GET", "frappe.auth.get_logged_user", headers=cookie)
        assert r.status_code == 401 and r.json()["exc_type"] == "SessionExpired", r.text
        r = plain.request("GET", "/api/resource/Movie", headers=cookie)
        assert r.status_code == 401, r.text
    else:
        assert after == conn.account.username, conn.describe()
        assert plain.method("GET", "frappe.auth.get_logged_user").json() == {"message": conn.account.username}


# ---------------------------------------------------------------- get_list


def test_get_list_defaults(conn: Connected, plain: Plain) -> None:
    """``get_list("Movie")``: every field (``["*"]`` official, ``"*"`` fork), no limit sent (Frappe's 20),
    ``modified desc``."""
    created = plain.create("Defaults", new_genre(), 1950)
    result = conn.client.get_list("Movie")
    assert isinstance(result, list) and result, f"{result!r}\n{conn.describe()}"
    assert result == plain.listing(fields=["*"]), conn.describe()
    assert len(result) <= 20
    # The newest change first, with every column (a list row has no ``doctype``: it is not a column).
    assert pick(result[0], ROW_KEYS) == pick(created, ROW_KEYS) and "doctype" not in result[0]


def test_get_list_query(conn: Connected, plain: Plain) -> None:
    """``get_list`` with fields, list filters, order_by, limit_start and limit_page_length."""
    genre = new_genre()
    for i in range(4):
        plain.create(f"Query {i}", genre, 1950 + i)
    query = {
        "fields": ["title", "year"],
        "filters": [["genre", "=", genre]],
        "limit_start": 1,
        "limit_page_length": 2,
        "order_by": "year asc",
    }
    result = conn.client.get_list("Movie", **query)
    assert result == [{"title": "Query 1", "year": 1951}, {"title": "Query 2", "year": 1952}], conn.describe()
    assert result == plain.listing(**query)


def test_get_list_dict_filters(conn: Connected, plain: Plain) -> None:
    """``get_list`` with a dict filter: ``{field: value}`` and ``{field: [op, value]}`` (``like`` ignores case)."""
    genre = new_genre()
    names = [plain.create(f"Dict {i}", genre, 1950 + i)["name"] for i in range(4)]
    plain.create("Other", genre, 1960)
    filters = {"genre": genre, "year": [">", 1951], "title": ["like", "dict%"]}
    result = conn.client.get_list("Movie", fields=["name", "year"], filters=filters, order_by="year desc")
    assert result == [{"name": names[3], "year": 1953}, {"name": names[2], "year": 1952}], conn.describe()


# ---------------------------------------------------------------- documents


def test_get_doc(conn: Connected, plain: Plain) -> None:
    """``get_doc(doctype, name)``: ``GET /api/resource/Movie/<name>`` → the document."""
    created = plain.create("Got", new_genre(), 1955)
    result = as_dict(conn.client.get_doc("Movie", created["name"]), conn)
    assert result == plain.doc(created["name"])
    assert pick(result) == pick(created)


def test_get_doc_with_filters_and_fields(conn: Connected, plain: Plain) -> None:
    """``get_doc(doctype, filters=, fields=)`` with no name: ``GET /api/resource/Movie/`` is Frappe's list."""
    genre = new_genre()
    first = plain.create("Filtered A", genre, 1956)
    second = plain.create("Filtered B", genre, 1957)
    query = {"filters": [["genre", "=", genre]], "fields": ["name", "title"]}
    result = conn.client.get_doc("Movie", **query)
    expected = [{"name": second["name"], "title": "Filtered B"}, {"name": first["name"], "title": "Filtered A"}]
    assert result == expected, conn.describe()
    assert result == plain.listing(**query)


def test_insert(conn: Connected, plain: Plain) -> None:
    """``insert(doc)``: ``POST /api/resource/Movie`` with a form field ``data`` holding the JSON document."""
    genre = new_genre()
    result = as_dict(conn.client.insert({"doctype": "Movie", "title": "Inserted", "genre": genre, "year": 1961}), conn)
    stored = plain.doc(result["name"])
    assert {k: stored[k] for k in (*MOVIE_KEYS, "owner", "doctype", "docstatus")} == {
        "title": "Inserted",
        "genre": genre,
        "year": 1961,
        "owner": conn.account.username,
        "doctype": "Movie",
        "docstatus": 0,
    }
    assert pick(result) == pick(stored)


def test_insert_many(conn: Connected, plain: Plain) -> None:
    """``insert_many(docs)`` at aad36de raises ``NameError`` (it calls ``frappe.as_json``, never imported) before
    sending anything; its request, ``cmd=frappe.client.insert_many`` with ``docs``, goes through the client's own
    ``post_request`` → the new names, in order."""
    genre = new_genre()
    docs = [{"doctype": "Movie", "title": f"Many {i}", "genre": genre, "year": 1970 + i} for i in range(2)]
    sent = len(conn.recorder.responses)
    with pytest.raises(NameError, match="frappe"):
        conn.client.insert_many(docs)
    assert len(conn.recorder.responses) == sent
    names = conn.client.post_request({"cmd": "frappe.client.insert_many", "docs": as_json(docs)})
    assert isinstance(names, list) and len(names) == 2, f"{names!r}\n{conn.describe()}"
    for name, doc in zip(names, docs, strict=True):
        stored = plain.doc(name)
        assert {k: stored[k] for k in MOVIE_KEYS} == {k: doc[k] for k in MOVIE_KEYS}
        assert stored["owner"] == conn.account.username


def test_update(conn: Connected, plain: Plain) -> None:
    """``update(doc)``: ``PUT /api/resource/Movie/<name>`` with ``data`` = the whole document as read, two fields
    changed (Frappe's ``doc.update(data); doc.save()``)."""
    genre = new_genre()
    created = plain.create("Before", genre, 1962)
    doc = plain.doc(created["name"])
    doc.update(title="After", year=1963)
    result = as_dict(conn.client.update(doc), conn)
    stored = plain.doc(created["name"])
    assert (stored["title"], stored["genre"], stored["year"]) == ("After", genre, 1963)
    assert stored["modified"] != created["modified"]
    assert pick(result) == pick(stored)


def test_bulk_update(conn: Connected, plain: Plain) -> None:
    """``bulk_update(docs)``: ``cmd=frappe.client.bulk_update``, each doc naming its ``docname`` →
    ``{"failed_docs": []}``."""
    genre = new_genre()
    first = plain.create("Bulk A", genre, 1964)["name"]
    second = plain.create("Bulk B", genre, 1965)["name"]
    result = conn.client.bulk_update(
        [
            {"doctype": "Movie", "docname": first, "year": 1980},
            {"doctype": "Movie", "docname": second, "title": "Bulk B2"},
        ]
    )
    assert result == {"failed_docs": []}, conn.describe()
    assert (plain.doc(first)["title"], plain.doc(first)["year"]) == ("Bulk A", 1980)
    assert (plain.doc(second)["title"], plain.doc(second)["year"]) == ("Bulk B2", 1965)


def test_bulk_update_with_a_failure(conn: Connected, plain: Plain) -> None:
    """``bulk_update`` where one docname does not exist: the others are saved, the failed one is listed
    (``failed_docs: [{"doc": <as sent>, "exc": ...}]``)."""
    name = plain.create("Partial", new_genre(), 1966)["name"]
    missing = {"doctype": "Movie", "docname": f"fc-missing-{uuid.uuid4().hex}", "year": 1982}
    result = conn.client.bulk_update([{"doctype": "Movie", "docname": name, "year": 1981}, missing])
    assert isinstance(result, dict) and isinstance(result.get("failed_docs"), list), conn.describe()
    assert [failed["doc"] for failed in result["failed_docs"]] == [missing], conn.describe()
    assert plain.doc(name)["year"] == 1981
    assert plain.movie(missing["docname"]).status_code == 404


def test_delete(conn: Connected, plain: Plain) -> None:
    """``delete(doctype, name)``: ``cmd=frappe.client.delete`` → 200 with no ``message`` (None); then a 404."""
    name = plain.create("Doomed", new_genre(), 1967)["name"]
    result = conn.client.delete("Movie", name)
    assert result is None, f"{result!r}\n{conn.describe()}"
    assert conn.recorder.last.status_code == 200, conn.describe()
    r = plain.movie(name)
    assert r.status_code == 404 and r.json()["exc_type"] == "DoesNotExistError", r.text


def test_get_value(conn: Connected, plain: Plain) -> None:
    """``get_value(doctype, fieldname, filters)``: ``GET /?cmd=frappe.client.get_value`` → ``{fieldname: value}``."""
    created = plain.create("Valued", new_genre(), 1968)
    result = conn.client.get_value("Movie", "title", {"name": created["name"]})
    assert result == {"title": "Valued"}, conn.describe()
    assert conn.recorder.last.request.method == "GET"


def test_get_value_fields(conn: Connected, plain: Plain) -> None:
    """``get_value`` with a list of fields (sent as JSON) and list filters → a dict of those fields."""
    genre = new_genre()
    plain.create("Fields", genre, 1969)
    result = conn.client.get_value("Movie", ["title", "year", "owner"], [["genre", "=", genre]])
    assert result == {"title": "Fields", "year": 1969, "owner": conn.account.username}, conn.describe()


def test_set_value(conn: Connected, plain: Plain) -> None:
    """``set_value(doctype, name, fieldname, value)``: ``cmd=frappe.client.set_value`` (the value arrives as a
    form string) → the saved document."""
    created = plain.create("Settable", new_genre(), 1970)
    result = as_dict(conn.client.set_value("Movie", created["name"], "year", 1999), conn)
    stored = plain.doc(created["name"])
    assert (stored["title"], stored["year"]) == ("Settable", 1999)
    assert stored["modified"] != created["modified"]
    assert pick(result) == pick(stored)


def test_set_value_dict(conn: Connected, plain: Plain) -> None:
    """``set_value(doctype, name, {field: value, ...}, None)``: no ``value`` sent, ``fieldname`` is the JSON."""
    created = plain.create("Several", new_genre(), 1971)
    genre = new_genre()
    result = as_dict(conn.client.set_value("Movie", created["name"], {"title": "Set", "genre": genre}, None), conn)
    stored = plain.doc(created["name"])
    assert (stored["title"], stored["genre"], stored["year"]) == ("Set", genre, 1971)
    assert pick(result) == pick(stored)


def test_rename_doc(conn: Connected, plain: Plain) -> None:
    """``rename_doc(doctype, old, new)``: Movie does not allow renaming (Frappe's ``allow_rename`` off: its names
    are keys whose order is the creation order the indexes rely on), so the answer is Frappe's for such a DocType
    (``validate_rename``): 417 ValidationError "Movie not allowed to be renamed"; nothing moves."""
    old = plain.create("Renamed", new_genre(), 1972)
    new_name = f"fc-renamed-{uuid.uuid4().hex}"
    try:
        result = conn.client.rename_doc("Movie", old["name"], new_name)
    except conn.flavour.frappe_exception:
        result = None
    assert result is None, f"{result!r}\n{conn.describe()}"
    answer = conn.recorder.last
    assert answer.status_code == 417 and answer.json()["exc_type"] == "ValidationError", conn.describe()
    assert "Movie not allowed to be renamed" in answer.json()["exception"]
    assert plain.movie(new_name).status_code == 404
    assert plain.doc(old["name"])["modified"] == old["modified"]


def test_submit(conn: Connected, plain: Plain) -> None:
    """``submit(doc)`` (``cmd=frappe.client.submit``, ``doclist``=the document): a Movie is not submittable, so
    Frappe refuses it (an error with ``exc_type``; the client returns None or raises) and nothing changes."""
    created = plain.create("Unsubmittable", new_genre(), 1973)
    doc = plain.doc(created["name"])
    try:
        result = conn.client.submit(doc)
    except conn.flavour.frappe_exception:
        result = None
    assert result is None, f"{result!r}\n{conn.describe()}"
    answer = conn.recorder.last
    assert 400 <= answer.status_code < 500, conn.describe()
    assert answer.json().get("exc_type"), conn.describe()
    stored = plain.doc(created["name"])
    assert (stored["docstatus"], stored["modified"]) == (0, doc["modified"])


def test_cancel(conn: Connected, plain: Plain) -> None:
    """``cancel(doctype, name)`` of a draft: Frappe's 417 ``DocstatusTransitionError`` ("Cannot change docstatus
    from 0 (Draft) to 2 (Cancelled)"); the client returns None or raises; nothing changes."""
    created = plain.create("Uncancellable", new_genre(), 1974)
    try:
        result = conn.client.cancel("Movie", created["name"])
    except conn.flavour.frappe_exception:
        result = None
    assert result is None, f"{result!r}\n{conn.describe()}"
    answer = conn.recorder.last
    assert answer.status_code == 417, conn.describe()
    assert answer.json()["exc_type"] == "DocstatusTransitionError", conn.describe()
    stored = plain.doc(created["name"])
    assert (stored["docstatus"], stored["modified"]) == (0, created["modified"])


# ---------------------------------------------------------------- whitelisted methods


@pytest.mark.parametrize("method", ["frappe.auth.get_logged_user", "ping"])
def test_get_api(conn: Connected, plain: Plain, method: str) -> None:
    """``get_api(method)``: ``GET /api/method/<method>/`` (trailing slash) → its ``message``."""
    result = conn.client.get_api(method)
    expected = conn.account.username if method != "ping" else "pong"
    assert result == expected, conn.describe()
    assert conn.recorder.last.request.url.split("?")[0].endswith(f"/api/method/{method}/")
    assert plain.method("GET", method).json() == {"message": expected}


@pytest.mark.parametrize("method", ["frappe.auth.get_logged_user", "ping"])
def test_post_api(conn: Connected, plain: Plain, method: str) -> None:
    """``post_api(method)``: ``POST /api/method/<method>/`` with no body (and, in a session, no CSRF token)."""
    result = conn.client.post_api(method)
    expected = conn.account.username if method != "ping" else "pong"
    assert result == expected, conn.describe()
    assert conn.recorder.last.request.method == "POST"
    assert plain.method("POST", method).json() == {"message": expected}


def test_get_request_get_count(conn: Connected, plain: Plain) -> None:
    """``get_request({"cmd": "frappe.client.get_count", ...})`` → the number of matching documents."""
    genre = new_genre()
    for i in range(3):
        plain.create(f"Counted {i}", genre, 1975 + i)
    result = conn.client.get_request(
        {"cmd": "frappe.client.get_count", "doctype": "Movie", "filters": {"genre": genre}}
    )
    assert result == 3, conn.describe()
    assert len(plain.listing(filters={"genre": genre})) == 3


def test_get_request_get(conn: Connected, plain: Plain) -> None:
    """``get_request({"cmd": "frappe.client.get", "doctype", "name"})`` → the document."""
    created = plain.create("Fetched", new_genre(), 1978)
    result = as_dict(
        conn.client.get_request({"cmd": "frappe.client.get", "doctype": "Movie", "name": created["name"]}), conn
    )
    assert pick(result) == pick(plain.doc(created["name"]))


def test_post_request_save(conn: Connected, plain: Plain) -> None:
    """``post_request({"cmd": "frappe.client.save", "doc": <document as read, changed>})`` → the saved document."""
    created = plain.create("Saved", new_genre(), 1979)
    doc = plain.doc(created["name"])
    doc["year"] = 2001
    result = as_dict(conn.client.post_request({"cmd": "frappe.client.save", "doc": doc}), conn)
    stored = plain.doc(created["name"])
    assert (stored["title"], stored["year"]) == ("Saved", 2001)
    assert pick(result) == pick(stored)
