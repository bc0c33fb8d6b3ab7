"""The real frappe-js-sdk 1.14.1 (npm, unchanged) against ``make run``'s server, call by call.

Frappe's own JavaScript client is what a Frappe front end uses; if it works here unchanged, so do
they. ``tests/clients/frappe-js/drive.mjs`` runs one named scenario of SDK calls in node and prints
one JSON line per call; each test below runs one scenario in one of two modes:

* ``token``: ``new FrappeApp(url, {useToken: true, token: () => "key:secret", type: "token"})``;
* ``cookie``: ``auth().loginWithUsernamePassword()`` first, then the session cookie, kept by a
  browser-like cookie jar on the SDK's axios instance (Secure cookies are not kept over http, as a
  browser does not keep them) with the Origin and Sec-Fetch-Site headers a same-origin page sends.

Each test checks what the SDK returned (or threw) against what real Frappe answers (frappe/client.py,
frappe/api/v1.py, frappe/handler.py, frappe/model/document.py are the oracle), then checks the
call's effect over plain HTTP with another user's credential. Every call works on movies of its own
(a tag in the genre), so the order of the tests does not matter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.e2e.users import PASSWORD, bearer

ROOT = Path(__file__).resolve().parents[2]
SDK_DIR = ROOT / "tests" / "clients" / "frappe-js"
DRIVER = SDK_DIR / "drive.mjs"
NODE = shutil.which("node")
NODE_TIMEOUT_S = 120  # one scenario is a handful of HTTP calls; a hang must not stall the suite
TIMEOUT = 30
MODES = ("token", "cookie")
MOVIES = [  # the read-only catalog of each mode, created in this order (so modified desc is the reverse)
    ("Casablanca", "Drama", 1942),
    ("Notorious", "Thriller", 1946),
    ("The Third Man", "Film-Noir", 1949),
    ("Vertigo", "Thriller", 1958),
    ("Psycho", "Horror", 1960),
]

_missing = (
    f"node is missing (install it: apt-get install -y nodejs; then npm ci --prefix {SDK_DIR.relative_to(ROOT)})"
    if NODE is None
    else f"{SDK_DIR.relative_to(ROOT)}/node_modules is missing (run: npm ci --prefix {SDK_DIR.relative_to(ROOT)})"
    if not (SDK_DIR / "node_modules" / "frappe-js-sdk").is_dir()
    else ""
)
pytestmark = []
if _missing:
    _message = "\n" + "!" * 78 + f"\n!! FRAPPE-JS-SDK TESTS SKIPPED: {_missing}\n" + "!" * 78
    warnings.warn(_message, stacklevel=1)
    pytestmark.append(pytest.mark.skip(reason=_message.strip()))


# ---------------------------------------------------------------------------------------------- set-up


@dataclass
class World:
    """One mode's signed-in SDK user, its read-only catalog, and a second user to check effects with."""

    api_url: str
    mode: str
    username: str
    jwt: dict[str, str]  # the SDK user's own Bearer header, for set-up over HTTP
    key: str
    secret: str
    reader: dict[str, str]  # another user's Authorization header: effects are checked with it
    tag: str
    catalog: dict[str, str] = field(default_factory=dict)  # title → name

    @property
    def catalog_filters(self) -> list[list[Any]]:
        return [["genre", "like", f"%-{self.tag}"]]

    def url(self, path: str) -> str:
        return self.api_url + path

    def doc_over_http(self, name: str) -> requests.Response:
        """``GET /api/resource/Movie/<name>`` as the reader."""
        return requests.get(
            self.url(f"/api/resource/Movie/{quote(name, safe='')}"), headers=self.reader, timeout=TIMEOUT
        )

    def doc(self, name: str) -> dict[str, Any]:
        r = self.doc_over_http(name)
        assert r.status_code == 200, f"GET Movie/{name} over HTTP: {r.status_code} {r.text}"
        return r.json()["data"]

    def list_over_http(self, **params: Any) -> list[Any]:
        """``GET /api/resource/Movie`` as the reader, with Frappe's canonical parameter names."""
        encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        r = requests.get(self.url("/api/resource/Movie"), headers=self.reader, params=encoded, timeout=TIMEOUT)
        assert r.status_code == 200, f"GET /api/resource/Movie {encoded} over HTTP: {r.status_code} {r.text}"
        return r.json()["data"]

    def create(self, title: str, genre: str | None = None, year: int = 1950) -> str:
        """A movie owned by the SDK user, made over HTTP (not through the SDK): the call under test gets it."""
        body = {"title": title, "genre": genre or f"Setup-{uuid.uuid4().hex[:8]}", "year": year}
        r = requests.post(self.url("/api/resource/Movie"), headers=self.jwt, json=body, timeout=TIMEOUT)
        assert r.status_code == 200, f"set-up POST /api/resource/Movie: {r.status_code} {r.text}"
        return r.json()["data"]["name"]

    def own_doc(self, name: str) -> dict[str, Any]:
        """The document as its owner reads it over HTTP (what a page would hold before saving it back)."""
        r = requests.get(self.url(f"/api/resource/Movie/{quote(name, safe='')}"), headers=self.jwt, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        return r.json()["data"]


def make_world(api_url: str, mode: str, reader: dict[str, str]) -> World:
    """Register the SDK's user, give it a key pair, and create its catalog over HTTP."""
    username, jwt = bearer(api_url, f"js{mode[:3]}")
    r = requests.post(f"{api_url}/api/method/frappe.core.doctype.user.user.generate_keys", headers=jwt, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    keys = r.json()["message"]
    world = World(api_url, mode, username, jwt, keys["api_key"], keys["api_secret"], reader, uuid.uuid4().hex[:8])
    for title, genre, year in MOVIES:
        world.catalog[title] = world.create(title, f"{genre}-{world.tag}", year)
    return world


@pytest.fixture(scope="module")
def worlds(api_url: str) -> Callable[[str], World]:
    """``worlds(mode)``: each mode's world, made once per module (per xdist worker) on first use."""
    _, reader = bearer(api_url, "jsreader")
    made: dict[str, World] = {}

    def get(mode: str) -> World:
        if mode not in made:
            made[mode] = make_world(api_url, mode, reader)
        return made[mode]

    return get


# ---------------------------------------------------------------------------------------------- the driver


@dataclass
class Run:
    """The JSON lines of one driver run; in cookie mode the first one is the login."""

    world: World
    lines: list[dict[str, Any]]

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The calls under test: not set-up, not the cookie mode's opening login."""
        lines = [line for line in self.lines if not line.get("setup")]
        return lines[1:] if self.world.mode == "cookie" else lines

    def one(self, call: str, label: str = "") -> dict[str, Any]:
        found = [line for line in self.calls if line["call"] == call and line.get("label", "") == label]
        assert len(found) == 1, f"expected one {call} {label!r} line, the driver printed:\n{self.dump()}"
        return found[0]

    def dump(self) -> str:
        return "\n".join(json.dumps(line) for line in self.lines)


def drive(world: World, scenario: str, ctx: dict[str, Any] | None = None) -> Run:
    """Run one scenario of drive.mjs in node (bounded); in cookie mode, insist its login gave a session."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env.update({"FRAPPE_URL": world.api_url, "FRAPPE_MODE": world.mode, "FRAPPE_CTX": json.dumps(ctx or {})})
    if world.mode == "token":
        env["FRAPPE_TOKEN"] = f"{world.key}:{world.secret}"
    else:
        env.update({"FRAPPE_USER": world.username, "FRAPPE_PASSWORD": PASSWORD})
    assert NODE is not None
    proc = subprocess.run(
        [NODE, str(DRIVER), scenario],
        cwd=SDK_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
        check=False,
    )
    assert proc.returncode == 0, f"drive.mjs {scenario} exited {proc.returncode}:\n{proc.stderr}\n{proc.stdout}"
    run = Run(world, [json.loads(line) for line in proc.stdout.splitlines() if line.strip()])
    assert run.lines, f"drive.mjs {scenario} printed nothing:\n{proc.stderr}"
    if world.mode == "cookie" and scenario != "auth.loginWithUsernamePassword":
        login = run.lines[0]
        assert login["call"] == "auth.loginWithUsernamePassword", run.dump()
        assert login["ok"], f"no cookie session (the login failed): {describe(login)}"
        assert "sid" in login["jar"]["cookies"], f"no cookie session (no sid kept): {describe(login)}"
    return run


def server_messages(body: dict[str, Any]) -> list[str]:
    try:
        return [json.loads(m).get("message", m) for m in json.loads(body.get("_server_messages") or "[]")]
    except (TypeError, ValueError):
        return [str(body.get("_server_messages"))]


def describe(line: dict[str, Any]) -> str:
    """One line's story for an assertion message: the requests it made, what came back."""
    http = ", ".join(f"{h['method']} {h['url']} → {h['status']}" for h in line.get("http", []))
    if line.get("ok"):
        told = f"ok: {json.dumps(line.get('result'))[:600]}"
    else:
        error = line.get("error") or {}
        told = (
            f"threw httpStatus={error.get('httpStatus')} exception={error.get('exception')!r}"
            f" message={str(error.get('message'))[:300]!r} server_messages={server_messages(error)}"
        )
    jar = f"; jar={line['jar']}" if "jar" in line else ""
    return f"{line['call']} {line.get('label', '')} [{http}] {told}{jar}"


def ok(line: dict[str, Any]) -> Any:
    """The call's result; fail with what the server answered when the SDK threw."""
    assert line["ok"], f"the SDK threw: {describe(line)}"
    return line["result"]


def frappe_error(line: dict[str, Any], status: int, exc_type: str) -> dict[str, Any]:
    """The SDK's error object (``getFrappeError``: ``httpStatus``, ``exception`` and the body) for a Frappe error."""
    assert not line["ok"], f"expected {status} {exc_type}, the SDK returned: {describe(line)}"
    error = line["error"]
    assert error.get("httpStatus") == status, f"expected HTTP {status} {exc_type}: {describe(line)}"
    assert exc_type in str(error.get("exception")), f"expected exception {exc_type}: {describe(line)}"
    return error


def assert_missing(world: World, name: str) -> None:
    r = world.doc_over_http(name)
    assert r.status_code == 404, f"Movie {name} should be gone, GET answers {r.status_code} {r.text}"
    assert r.json()["exc_type"] == "DoesNotExistError"


def unchanged(before: dict[str, Any], after: dict[str, Any]) -> None:
    for key in ("title", "genre", "year", "owner", "docstatus", "modified"):
        assert after[key] == before[key], f"{key} changed: {before[key]!r} → {after[key]!r}"


def session_user(world: World, sid: str) -> requests.Response:
    return requests.get(
        world.url("/api/method/frappe.auth.get_logged_user"), headers={"Cookie": f"sid={sid}"}, timeout=TIMEOUT
    )


# ---------------------------------------------------------------------------------------------- the calls


def check_login(w: World) -> None:
    """Frappe's login answer; over http the sid cookie is not Secure (Frappe sets Secure only on https)."""
    run = drive(w, "auth.loginWithUsernamePassword")
    line = run.lines[0]
    assert line["call"] == "auth.loginWithUsernamePassword"
    assert ok(line) == {"message": "Logged In", "home_page": "/app", "full_name": w.username}
    set_cookies = [c for h in line["http"] for c in h.get("set_cookie", [])]
    sid_line = next((c for c in set_cookies if c.startswith("sid=")), None)
    assert sid_line is not None, f"no sid cookie set: {describe(line)}"
    assert "secure" not in [a.strip().lower() for a in sid_line.split(";")[1:]], (
        f"sid is Secure over http, so a browser drops it: {sid_line}"
    )
    assert "sid" in line["jar"]["cookies"], f"the browser-like jar kept no sid: {describe(line)}"
    r = session_user(w, line["jar"]["cookies"]["sid"])
    assert r.status_code == 200 and r.json() == {"message": w.username}, r.text


def check_get_logged_in_user(w: World) -> None:
    assert ok(drive(w, "auth.getLoggedInUser").one("auth.getLoggedInUser")) == w.username


def check_logout(w: World) -> None:
    """After logout the jar has no sid, so the SDK is a Guest (Frappe: 403); the old sid is refused over HTTP."""
    run = drive(w, "auth.logout")
    sid = run.lines[0]["jar"]["cookies"]["sid"]
    assert ok(run.one("auth.getLoggedInUser", "before logout")) == w.username
    logout = run.one("auth.logout")
    assert ok(logout) is None  # FrappeAuth.logout resolves with nothing
    assert "sid" not in logout["jar"]["cookies"], f"logout left the sid cookie: {describe(logout)}"
    frappe_error(run.one("auth.getLoggedInUser", "after logout"), 403, "PermissionError")
    frappe_error(run.one("db.getDocList", "after logout"), 403, "PermissionError")
    # The ended session's cookie sent again: Frappe's TestSessionExpiry answers 401 SessionExpired.
    r = session_user(w, sid)
    assert r.status_code == 401 and r.json()["exc_type"] == "SessionExpired", r.text


def check_get_doc(w: World) -> None:
    name = w.catalog["Vertigo"]
    doc = ok(drive(w, "db.getDoc", {"name": name}).one("db.getDoc"))
    assert doc == w.doc(name)
    assert (doc["name"], doc["title"], doc["year"], doc["owner"]) == (name, "Vertigo", 1958, w.username)
    assert (doc["doctype"], doc["docstatus"]) == ("Movie", 0)


def check_get_doc_missing(w: World) -> None:
    name = f"missing-{uuid.uuid4().hex[:8]}"
    frappe_error(drive(w, "db.getDoc:missing", {"name": name}).one("db.getDoc", "missing"), 404, "DoesNotExistError")
    assert_missing(w, name)


def check_list_defaults(w: World) -> None:
    """No arguments: names only, modified desc, 20 at most: exactly the plain ``GET /api/resource/Movie``."""
    rows = ok(drive(w, "db.getDocList:defaults").one("db.getDocList", "defaults"))
    assert rows == w.list_over_http()
    assert rows and len(rows) <= 20 and all(set(row) == {"name"} for row in rows), rows


def check_list_fields_filters_order_limit(w: World) -> None:
    """The SDK sends ``limit`` (api/v1.py reads it as ``limit_page_length``) and ``as_dict=true``."""
    run = drive(w, "db.getDocList:fields-filters-orderBy-limit", {"tag": w.tag})
    rows = ok(run.one("db.getDocList", "fields-filters-orderBy-limit"))
    expected = [
        {"name": w.catalog[t], "title": t, "year": y}
        for t, y in [("Psycho", 1960), ("Vertigo", 1958), ("The Third Man", 1949)]
    ]
    assert rows == expected
    fields = ["name", "title", "year"]
    assert (
        w.list_over_http(fields=fields, filters=w.catalog_filters, order_by="year desc", limit_page_length="3")
        == expected
    )


def check_list_limit_start(w: World) -> None:
    rows = ok(drive(w, "db.getDocList:limit_start", {"tag": w.tag}).one("db.getDocList", "limit_start"))
    assert rows == [{"title": "The Third Man"}, {"title": "Vertigo"}]


def check_list_or_filters(w: World) -> None:
    """No orderBy: the SDK sends ``order_by=`` (empty), which Frappe treats as the default, modified desc."""
    rows = ok(drive(w, "db.getDocList:orFilters", {"tag": w.tag}).one("db.getDocList", "orFilters"))
    assert rows == [{"title": "Psycho"}, {"title": "Casablanca"}]
    or_filters = [["year", "=", 1942], ["title", "like", "%psy%"]]
    assert rows == w.list_over_http(fields=["title"], filters=w.catalog_filters, or_filters=or_filters)


def check_list_as_dict_false(w: World) -> None:
    rows = ok(drive(w, "db.getDocList:asDict-false", {"tag": w.tag}).one("db.getDocList", "asDict-false"))
    assert rows == [[title, year] for title, _, year in sorted(MOVIES, key=lambda m: m[2])]


def check_list_group_by_count(w: World) -> None:
    """``fields: ["genre", "count(name) as count"], groupBy: "genre"``: one row per genre with its count."""
    rows = ok(drive(w, "db.getDocList:groupBy-count", {"tag": w.tag}).one("db.getDocList", "groupBy-count"))
    genres = sorted({genre for _, genre, _ in MOVIES})
    assert rows == [{"genre": f"{g}-{w.tag}", "count": sum(1 for _, genre, _ in MOVIES if genre == g)} for g in genres]
    for row in rows:
        assert len(w.list_over_http(filters=[["genre", "=", row["genre"]]])) == row["count"]


def check_count_all(w: World) -> None:
    """Every Movie: the same number the DRF dialect's list reports (another view of the same table)."""
    count = ok(drive(w, "db.getCount:all").one("db.getCount", "all"))
    r = requests.get(w.url("/api/v1/movies/"), headers=w.reader, params={"page_size": 1}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert isinstance(count, int) and count == r.json()["count"]


def check_count_filters(w: World) -> None:
    count = ok(drive(w, "db.getCount:filters", {"tag": w.tag}).one("db.getCount", "filters"))
    assert count == len(MOVIES) == len(w.list_over_http(filters=w.catalog_filters, limit_page_length="500"))


def check_last_doc(w: World) -> None:
    """``getLastDoc``: the newest by ``creation`` of the filtered list, then that whole document."""
    doc = ok(drive(w, "db.getLastDoc", {"tag": w.tag}).one("db.getLastDoc"))
    assert doc == w.doc(w.catalog["Psycho"])


def check_value_string(w: World) -> None:
    name = w.catalog["Notorious"]
    line = drive(w, "db.getValue:fieldname-string", {"name": name}).one("db.getValue", "fieldname-string")
    assert ok(line) == {"message": {"title": w.doc(name)["title"]}} == {"message": {"title": "Notorious"}}


def check_value_list(w: World) -> None:
    ctx = {"filters": [["genre", "=", f"Drama-{w.tag}"]]}
    line = drive(w, "db.getValue:fieldname-list", ctx).one("db.getValue", "fieldname-list")
    assert ok(line) == {"message": {"title": "Casablanca", "year": 1942}}


def check_value_as_dict_false(w: World) -> None:
    """``as_dict=false`` with two fields: the first match's values as a list (client.get_value)."""
    ctx = {"filters": [["genre", "=", f"Horror-{w.tag}"]]}
    line = drive(w, "db.getValue:asDict-false", ctx).one("db.getValue", "asDict-false")
    assert ok(line) == {"message": ["Psycho", 1960]}


def check_create(w: World) -> None:
    body = {"title": "Rope", "genre": f"Crime-{uuid.uuid4().hex[:8]}", "year": 1948}
    line = drive(w, "db.createDoc", {"doc": body}).one("db.createDoc")
    doc = ok(line)
    assert line["status"] == 200  # api/v1.py create_doc: Frappe answers 200, not 201
    assert {k: doc[k] for k in body} == body and doc["owner"] == w.username and doc["doctype"] == "Movie"
    stored = w.doc(doc["name"])
    assert {k: stored[k] for k in body} == body and stored["owner"] == w.username


def check_update(w: World) -> None:
    name = w.create("Strangers on a Train", year=1950)
    before = w.doc(name)
    doc = ok(drive(w, "db.updateDoc", {"name": name, "value": {"year": 1951}}).one("db.updateDoc"))
    assert (doc["name"], doc["title"], doc["year"]) == (name, "Strangers on a Train", 1951)
    after = w.doc(name)
    assert (after["year"], after["title"], after["genre"]) == (1951, before["title"], before["genre"])


def check_delete(w: World) -> None:
    name = w.create("Lifeboat")
    line = drive(w, "db.deleteDoc", {"name": name}).one("db.deleteDoc")
    assert ok(line) == {"message": "ok"} and line["status"] == 202  # api/v1.py delete_doc
    assert_missing(w, name)


def check_rename(w: World) -> None:
    """Movie does not allow renaming (Frappe's ``allow_rename`` off: its names are keys whose order is the
    creation order the indexes rely on), so ``frappe.client.rename_doc`` answers as Frappe does for such a
    DocType (``validate_rename``): 417 ValidationError "Movie not allowed to be renamed"; nothing moves."""
    old = w.create("Saboteur", year=1942)
    before = w.doc(old)
    new = f"sdk-renamed-{uuid.uuid4().hex[:8]}"
    error = frappe_error(
        drive(w, "db.renameDoc", {"name": old, "new_name": new}).one("db.renameDoc"), 417, "ValidationError"
    )
    assert "Movie not allowed to be renamed" in str(error)
    unchanged(before, w.doc(old))
    assert_missing(w, new)


def check_set_value_single(w: World) -> None:
    name = w.create("Suspicion", year=1950)
    line = drive(w, "db.setValue:single", {"name": name, "value": 1941}).one("db.setValue", "single")
    message = ok(line)["message"]  # client.set_value answers the saved document
    assert (message["name"], message["title"], message["year"]) == (name, "Suspicion", 1941)
    after = w.doc(name)
    assert (after["year"], after["title"]) == (1941, "Suspicion")


def check_set_value_object(w: World) -> None:
    name = w.create("Foreign Correspondent", year=1940)
    values = {"title": "Rear Window", "genre": f"Mystery-{uuid.uuid4().hex[:8]}"}
    line = drive(w, "db.setValue:object", {"name": name, "values": values}).one("db.setValue", "object")
    message = ok(line)["message"]
    assert {k: message[k] for k in values} == values and message["name"] == name
    after = w.doc(name)
    assert {k: after[k] for k in values} == values and after["year"] == 1940


def check_submit(w: World) -> None:
    """A Movie is not submittable: Document.submit → check_permission("submit") → 403 PermissionError."""
    name = w.create("Topaz", year=1969)
    before = w.own_doc(name)
    frappe_error(drive(w, "db.submit", {"doc": before}).one("db.submit"), 403, "PermissionError")
    unchanged(before, w.doc(name))


def check_cancel(w: World) -> None:
    """A draft cannot be cancelled: check_docstatus_transition → 417 DocstatusTransitionError (0 → 2)."""
    name = w.create("Frenzy", year=1972)
    before = w.doc(name)
    frappe_error(drive(w, "db.cancel", {"name": name}).one("db.cancel"), 417, "DocstatusTransitionError")
    unchanged(before, w.doc(name))


def check_call_ping(w: World) -> None:
    assert ok(drive(w, "call.get:ping").one("call.get", "ping")) == {"message": "pong"}


def check_call_logged_user(w: World) -> None:
    line = drive(w, "call.get:frappe.auth.get_logged_user").one("call.get", "frappe.auth.get_logged_user")
    assert ok(line) == {"message": w.username}


def check_call_get_list(w: World) -> None:
    """``call.get`` JSON-encodes object parameters: ``fields`` and ``filters`` arrive as JSON strings."""
    run = drive(w, "call.get:frappe.client.get_list", {"tag": w.tag})
    expected = [{"title": "Psycho", "year": 1960}, {"title": "Vertigo", "year": 1958}]
    assert ok(run.one("call.get", "frappe.client.get_list")) == {"message": expected}
    over_http = w.list_over_http(
        fields=["title", "year"], filters=w.catalog_filters, order_by="year desc", limit_page_length="2"
    )
    assert over_http == expected


def check_call_get_count(w: World) -> None:
    line = drive(w, "call.get:frappe.client.get_count", {"tag": w.tag}).one("call.get", "frappe.client.get_count")
    filters = [*w.catalog_filters, ["year", ">", 1950]]
    assert ok(line) == {"message": 2} == {"message": len(w.list_over_http(filters=filters))}


def check_call_get(w: World) -> None:
    """``frappe.client.get`` answers ``doc.as_dict(no_nulls=True)``: every set field of the document."""
    name = w.catalog["The Third Man"]
    message = ok(drive(w, "call.get:frappe.client.get", {"name": name}).one("call.get", "frappe.client.get"))["message"]
    stored = {k: v for k, v in w.doc(name).items() if v is not None}
    assert {k: message.get(k) for k in stored} == stored
    assert (message["title"], message["owner"]) == ("The Third Man", w.username)


def check_call_insert(w: World) -> None:
    body = {"title": "Spellbound", "genre": f"Mystery-{uuid.uuid4().hex[:8]}", "year": 1945}
    line = drive(w, "call.post:frappe.client.insert", {"doc": {"doctype": "Movie", **body}}).one(
        "call.post", "frappe.client.insert"
    )
    message = ok(line)["message"]
    assert {k: message[k] for k in body} == body and message["owner"] == w.username
    stored = w.doc(message["name"])
    assert {k: stored[k] for k in body} == body and stored["owner"] == w.username


def check_call_insert_many(w: World) -> None:
    """``frappe.client.insert_many`` answers the new names, in order."""
    genre = f"Noir-{uuid.uuid4().hex[:8]}"
    docs = [{"doctype": "Movie", "title": t, "genre": genre, "year": y} for t, y in [("Laura", 1944), ("Gilda", 1946)]]
    line = drive(w, "call.post:frappe.client.insert_many", {"docs": docs}).one("call.post", "frappe.client.insert_many")
    names = ok(line)["message"]
    assert isinstance(names, list) and len(names) == 2 and all(isinstance(n, str) for n in names), names
    stored = [w.doc(n) for n in names]
    assert [(d["title"], d["year"], d["owner"]) for d in stored] == [
        ("Laura", 1944, w.username),
        ("Gilda", 1946, w.username),
    ]


def check_call_save(w: World) -> None:
    """``frappe.client.save`` takes the whole document back (its ``modified`` guards against lost updates)."""
    name = w.create("Marnie", year=1964)
    doc = {**w.own_doc(name), "title": "Marnie (saved)"}
    message = ok(drive(w, "call.put:frappe.client.save", {"doc": doc}).one("call.put", "frappe.client.save"))["message"]
    assert (message["name"], message["title"], message["year"]) == (name, "Marnie (saved)", 1964)
    after = w.doc(name)
    assert (after["title"], after["year"], after["genre"]) == ("Marnie (saved)", 1964, doc["genre"])


def check_call_bulk_update(w: World) -> None:
    name = w.create("The Birds", year=1962)
    line = drive(w, "call.put:frappe.client.bulk_update", {"name": name, "value": 1963}).one(
        "call.put", "frappe.client.bulk_update"
    )
    assert ok(line) == {"message": {"failed_docs": []}}
    after = w.doc(name)
    assert (after["year"], after["title"]) == (1963, "The Birds")


def check_call_delete(w: World) -> None:
    """``frappe.client.delete`` returns None, so Frappe's body is ``{}`` (handler.py sets no message)."""
    name = w.create("Torn Curtain", year=1966)
    line = drive(w, "call.delete:frappe.client.delete", {"name": name}).one("call.delete", "frappe.client.delete")
    assert ok(line) == {}
    assert_missing(w, name)


@dataclass(frozen=True)
class Case:
    check: Callable[[World], None]
    modes: tuple[str, ...] = MODES


CASES: dict[str, Case] = {
    "auth.loginWithUsernamePassword": Case(check_login, ("cookie",)),
    "auth.getLoggedInUser": Case(check_get_logged_in_user),
    "auth.logout": Case(check_logout, ("cookie",)),
    "db.getDoc": Case(check_get_doc),
    "db.getDoc:missing": Case(check_get_doc_missing),
    "db.getDocList:defaults": Case(check_list_defaults),
    "db.getDocList:fields-filters-orderBy-limit": Case(check_list_fields_filters_order_limit),
    "db.getDocList:limit_start": Case(check_list_limit_start),
    "db.getDocList:orFilters": Case(check_list_or_filters),
    "db.getDocList:asDict-false": Case(check_list_as_dict_false),
    "db.getDocList:groupBy-count": Case(check_list_group_by_count),
    "db.getCount:all": Case(check_count_all),
    "db.getCount:filters": Case(check_count_filters),
    "db.getLastDoc": Case(check_last_doc),
    "db.getValue:fieldname-string": Case(check_value_string),
    "db.getValue:fieldname-list": Case(check_value_list),
    "db.getValue:asDict-false": Case(check_value_as_dict_false),
    "db.createDoc": Case(check_create),
    "db.updateDoc": Case(check_update),
    "db.deleteDoc": Case(check_delete),
    "db.renameDoc": Case(check_rename),
    "db.setValue:single": Case(check_set_value_single),
    "db.setValue:object": Case(check_set_value_object),
    "db.submit": Case(check_submit),
    "db.cancel": Case(check_cancel),
    "call.get:ping": Case(check_call_ping),
    "call.get:frappe.auth.get_logged_user": Case(check_call_logged_user),
    "call.get:frappe.client.get_list": Case(check_call_get_list),
    "call.get:frappe.client.get_count": Case(check_call_get_count),
    "call.get:frappe.client.get": Case(check_call_get),
    "call.post:frappe.client.insert": Case(check_call_insert),
    "call.post:frappe.client.insert_many": Case(check_call_insert_many),
    "call.put:frappe.client.save": Case(check_call_save),
    "call.put:frappe.client.bulk_update": Case(check_call_bulk_update),
    "call.delete:frappe.client.delete": Case(check_call_delete),
}


@pytest.mark.parametrize(
    ("mode", "scenario"),
    [
        pytest.param(mode, name, id=f"{mode}:{name}")
        for mode in MODES
        for name, case in CASES.items()
        if mode in case.modes
    ],
)
def test_sdk_call(worlds: Callable[[str], World], mode: str, scenario: str) -> None:
    """One SDK call variant in one mode: its answer as Frappe's, and its effect over HTTP."""
    CASES[scenario].check(worlds(mode))


def test_driver_and_test_know_the_same_calls() -> None:
    """drive.mjs's scenarios (and the modes each runs in) are exactly the cases above: none goes untested."""
    assert NODE is not None
    proc = subprocess.run(
        [NODE, str(DRIVER), "--list"], cwd=SDK_DIR, capture_output=True, text=True, timeout=NODE_TIMEOUT_S, check=False
    )
    assert proc.returncode == 0, proc.stderr
    listed = dict(line.split("\t") for line in proc.stdout.splitlines() if line)
    assert {name: tuple(modes.split(",")) for name, modes in listed.items()} == {
        name: case.modes for name, case in CASES.items()
    }
