"""Frappe's /api/resource through the real handlers (moto DynamoDB): list parameters, CRUD, errors."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from tests.conftest import routed_function
from tests.handlers.frappe_support import call

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")
MOVIES = [
    ("Casablanca", "Drama", 1942),
    ("Notorious", "Thriller", 1946),
    ("The Third Man", "Film-Noir", 1949),
    ("Vertigo", "Thriller", 1958),
    ("Psycho", "Horror", 1960),
    ("Amélie", "Comedy", 2001),
]


@pytest.fixture
def alice(signup):
    return signup("alice")["access"]


@pytest.fixture
def catalog(invoke, alice):
    """Six movies owned by alice; returns {title: name}."""
    names = {}
    for title, genre, year in MOVIES:
        r = invoke("resource_create", "frappe_create", token=alice, body={"title": title, "genre": genre, "year": year})
        assert r.status == 200, r.text
        names[title] = r.json()["data"]["name"]
    return names


def listing(invoke, token, **params):
    query = {k: [v if isinstance(v, str) else json.dumps(v)] for k, v in params.items()}
    return invoke("resource_list", "frappe_list", token=token, query=query)


def titles(reply):
    assert reply.status == 200, reply.text
    return sorted(row["title"] for row in reply.json()["data"])


def server_messages(reply):
    return [json.loads(m)["message"] for m in json.loads(reply.json()["_server_messages"])]


# ---------------------------------------------------------------- list


def test_list_defaults_to_names_newest_modified_first(invoke, alice, catalog):
    r = listing(invoke, alice)
    assert r.status == 200
    data = r.json()["data"]
    assert [set(row) for row in data] == [{"name"}] * len(MOVIES)
    assert [row["name"] for row in data] == [catalog[t] for t, _, _ in reversed(MOVIES)]


def test_list_default_page_is_20_and_capped(invoke, alice):
    for i in range(23):
        invoke("resource_create", "frappe_create", token=alice, body={"title": f"M{i}", "genre": "G", "year": 1990})
    assert len(listing(invoke, alice).json()["data"]) == 20
    assert len(listing(invoke, alice, limit_page_length="0").json()["data"]) == 23
    page = listing(invoke, alice, fields=["title"], order_by="title asc", limit_start="20", limit_page_length="5")
    assert [row["title"] for row in page.json()["data"]] == ["M7", "M8", "M9"]


def test_fields_star_and_as_dict(invoke, alice, catalog):
    r = listing(invoke, alice, fields=["*"], filters=[["title", "=", "Casablanca"]])
    (doc,) = r.json()["data"]
    assert doc["name"] == catalog["Casablanca"] and doc["owner"] == "alice" and doc["modified_by"] == "alice"
    assert doc["year"] == 1942 and doc["idx"] == 0 and doc["docstatus"] == 0
    assert TIMESTAMP.match(doc["creation"]) and TIMESTAMP.match(doc["modified"])
    r = listing(invoke, alice, fields=["title", "year"], as_dict="0", order_by="year asc", limit_page_length="2")
    assert r.json()["data"] == [["Casablanca", 1942], ["Notorious", 1946]]
    r = listing(invoke, alice, fields='["title as movie"]', filters={"year": 1942})
    assert r.json()["data"] == [{"movie": "Casablanca"}]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([["year", "=", 1946]], ["Notorious"]),
        ([["genre", "!=", "Thriller"], ["year", "<", 1960]], ["Casablanca", "The Third Man"]),
        ([["year", ">", 1958]], ["Amélie", "Psycho"]),
        ([["year", ">=", 1958]], ["Amélie", "Psycho", "Vertigo"]),
        ([["year", "<", 1946]], ["Casablanca"]),
        ([["year", "<=", 1946]], ["Casablanca", "Notorious"]),
        ([["title", "like", "%THE%"]], ["The Third Man"]),
        ([["title", "like", "v%"]], ["Vertigo"]),
        ([["genre", "not like", "%r%"]], ["Amélie"]),
        ([["genre", "in", ["Horror", "Comedy"]]], ["Amélie", "Psycho"]),
        ([["genre", "in", "Horror,Comedy"]], ["Amélie", "Psycho"]),
        ([["genre", "not in", ["Thriller", "Drama", "Film-Noir"]]], ["Amélie", "Psycho"]),
        ([["genre", "is", "set"], ["year", "<", 1946]], ["Casablanca"]),
        ([["genre", "is", "not set"]], []),
        ([["year", "between", [1946, 1949]]], ["Notorious", "The Third Man"]),
        ([["Movie", "owner", "=", "alice"], ["year", ">", 1999]], ["Amélie"]),
        ([["owner", "like", "%LIC%"], ["year", ">", 1999]], ["Amélie"]),
        ({"genre": "Thriller", "year": [">", 1950]}, ["Vertigo"]),
        ([["docstatus", "=", 0], ["year", "=", 1942]], ["Casablanca"]),
        ([["docstatus", "=", 1]], []),
        ([["creation", ">", "2000-01-01"], ["year", "=", 1960]], ["Psycho"]),
        ([["modified", "between", ["2000-01-01", "2999-12-31"]], ["year", "=", 1960]], ["Psycho"]),
    ],
)
def test_filters_every_operator(invoke, alice, catalog, filters, expected):
    assert titles(listing(invoke, alice, fields=["title"], filters=filters)) == sorted(expected)


def test_or_filters(invoke, alice, catalog):
    r = listing(invoke, alice, fields=["title"], or_filters=[["year", "<", 1946], ["genre", "=", "Horror"]])
    assert titles(r) == ["Casablanca", "Psycho"]
    r = listing(
        invoke,
        alice,
        fields=["title"],
        filters=[["genre", "=", "Thriller"]],
        or_filters={"year": 1958, "title": ["like", "%psy%"]},
    )
    assert titles(r) == ["Vertigo"]


def test_filter_by_name(invoke, alice, catalog):
    r = listing(invoke, alice, fields=["title"], filters=[["name", "=", catalog["Vertigo"]]])
    assert titles(r) == ["Vertigo"]


def test_order_by(invoke, alice, catalog):
    r = listing(invoke, alice, fields=["title"], order_by="year desc", limit_page_length="3")
    assert [row["title"] for row in r.json()["data"]] == ["Amélie", "Psycho", "Vertigo"]
    r = listing(invoke, alice, fields=["title"], order_by="genre asc, year desc", limit_page_length="4")
    assert [row["title"] for row in r.json()["data"]] == ["Amélie", "Casablanca", "The Third Man", "Psycho"]


@pytest.mark.parametrize(
    "params",
    [
        {"fields": ["title", "password"]},
        {"fields": ["api_secret_hash"]},
        {"filters": [["password", "=", "x"]]},
        {"filters": {"api_key": "x"}},
        {"or_filters": [["title", "=", "x"], ["creator_id", "=", "x"]]},
        {"or_filters": [["Movie", "api_secret_hash", "like", "%"]]},
        {"order_by": "password desc"},
        {"order_by": "title asc, api_secret_hash desc"},
    ],
)
def test_hidden_fields_refused_everywhere(invoke, alice, catalog, params):
    r = listing(invoke, alice, **params)
    assert r.status == 417, r.text
    body = r.json()
    assert body["exc_type"] == "DataError"
    assert body["exception"].startswith("frappe.exceptions.DataError: Field not permitted in query: ")
    assert server_messages(r)[0].startswith("Field not permitted in query: ")
    assert "exc" not in body and "Traceback" not in r.text


@pytest.mark.parametrize(
    "params",
    [
        {"filters": "[[not json"},
        {"filters": [["year", "~", 1]]},
        {"limit_start": "-3"},
        {"limit_page_length": "many"},
        {"filters": ["year > 1"]},
        {"as_dict": "0", "group_by": "genre"},
    ],
)
def test_malformed_list_parameters_are_417(invoke, alice, params):
    r = listing(invoke, alice, **params)
    assert r.status == 417, r.text
    assert r.json()["exc_type"] in ("ValidationError", "DataError")


def test_list_requires_authentication(invoke, catalog):
    r = listing(invoke, None)
    assert r.status == 403  # a Guest, as Frappe answers it (401 is for bad credentials)
    assert r.json()["exc_type"] == "PermissionError"


# ---------------------------------------------------------------- documents


def test_create_returns_the_document(invoke, alice):
    r = invoke(
        "resource_create",
        "frappe_create",
        token=alice,
        body={
            "title": "Rope",
            "genre": "Crime",
            "year": 1948,
            "owner": "mallory",
            "doctype": "Movie",
            "name": "chosen-name",
        },
    )
    assert r.status == 200, r.text
    doc = r.json()["data"]
    assert list(doc) == [
        "name",
        "owner",
        "creation",
        "modified",
        "modified_by",
        "idx",
        "docstatus",
        "title",
        "genre",
        "year",
        "doctype",
    ]
    assert doc["owner"] == "alice" and doc["name"] != "chosen-name" and doc["doctype"] == "Movie"
    assert (doc["title"], doc["genre"], doc["year"]) == ("Rope", "Crime", 1948)


def test_create_from_form_data_field(invoke, alice):
    raw = "data=" + json.dumps({"title": "Rebecca", "genre": "Drama", "year": 1940})
    r = invoke(
        "resource_create",
        "frappe_create",
        token=alice,
        raw_body=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status == 200, r.text
    assert r.json()["data"]["title"] == "Rebecca"
    r = invoke(
        "resource_create",
        "frappe_create",
        token=alice,
        body={"data": {"title": "Spellbound", "genre": "Thriller", "year": 1945}},
    )
    assert r.json()["data"]["title"] == "Spellbound"


def test_create_missing_fields_is_mandatory_error(invoke, alice):
    r = invoke("resource_create", "frappe_create", token=alice, body={"genre": "Drama"})
    assert r.status == 417
    assert r.json()["exc_type"] == "MandatoryError"
    assert server_messages(r) == ["Error: Value missing for Movie: Title", "Error: Value missing for Movie: Year"]


def test_create_invalid_value_is_validation_error(invoke, alice):
    r = invoke("resource_create", "frappe_create", token=alice, body={"title": "x", "genre": "y", "year": 1500})
    assert r.status == 417
    assert r.json()["exc_type"] == "ValidationError"
    assert server_messages(r) == ["Year: Ensure this value is greater than or equal to 1888."]
    r = invoke("resource_create", "frappe_create", token=alice, raw_body="{nope")
    assert r.status == 417 and r.json()["exc_type"] == "ValidationError"
    r = invoke("resource_create", "frappe_create", token=alice, body={"data": "[1, 2]"})
    assert r.status == 417


def test_create_anonymous_is_403(invoke):
    r = invoke("resource_create", "frappe_create")
    assert r.status == 403 and r.json()["exc_type"] == "PermissionError"


def test_get_document(invoke, alice, catalog):
    r = invoke("resource_get", "frappe_get", token=alice, path_id=catalog["Psycho"])
    assert r.status == 200
    doc = r.json()["data"]
    assert doc["name"] == catalog["Psycho"] and doc["year"] == 1960 and doc["doctype"] == "Movie"
    assert TIMESTAMP.match(doc["creation"])
    assert r.headers["etag"]


def test_get_missing_is_does_not_exist(invoke, alice):
    r = invoke("resource_get", "frappe_get", token=alice, path_id="nope")
    assert r.status == 404
    body = r.json()
    assert body["exc_type"] == "DoesNotExistError"
    assert body["exception"] == "frappe.exceptions.DoesNotExistError: Movie nope not found"
    assert server_messages(r) == ["Movie nope not found"]
    assert "exc" not in body


def test_put_changes_only_the_fields_sent(invoke, alice, catalog):
    name = catalog["Vertigo"]
    before = invoke("resource_get", "frappe_get", token=alice, path_id=name).json()["data"]
    r = invoke("resource_update", "frappe_update", token=alice, path_id=name, body={"genre": "Mystery"})
    assert r.status == 200, r.text
    after = r.json()["data"]
    assert (after["title"], after["genre"], after["year"]) == ("Vertigo", "Mystery", 1958)
    assert after["creation"] == before["creation"] and after["modified"] > before["modified"]


def test_put_by_another_user_is_permission_error(invoke, signup, catalog):
    bob = signup("bob")["access"]
    r = invoke("resource_update", "frappe_update", token=bob, path_id=catalog["Vertigo"], body={"genre": "x"})
    assert r.status == 403
    assert r.json()["exc_type"] == "PermissionError"
    r = invoke("resource_delete", "frappe_delete", token=bob, path_id=catalog["Vertigo"])
    assert r.status == 403 and r.json()["exc_type"] == "PermissionError"


def test_put_missing_and_invalid(invoke, alice, catalog):
    assert invoke("resource_update", "frappe_update", token=alice, path_id="nope").status == 404
    r = invoke("resource_update", "frappe_update", token=alice, path_id=catalog["Psycho"], body={"title": ""})
    assert r.status == 417 and r.json()["exc_type"] == "ValidationError"


def test_delete_is_202_ok(invoke, alice, catalog):
    name = catalog["Psycho"]
    r = invoke("resource_delete", "frappe_delete", token=alice, path_id=name)
    assert r.status == 202
    assert r.json() == {"message": "ok"}
    assert invoke("resource_get", "frappe_get", token=alice, path_id=name).status == 404
    assert invoke("resource_delete", "frappe_delete", token=alice, path_id=name).status == 404


def test_anonymous_writes_are_403(invoke, catalog):
    assert invoke("resource_update", "frappe_update", path_id=catalog["Psycho"]).status == 403
    assert invoke("resource_delete", "frappe_delete", path_id=catalog["Psycho"]).status == 403


# ---------------------------------------------------------------- DocTypes come from the declarations


def test_doctypes_are_derived_from_the_declarations(invoke, alice, catalog):
    """Movie declares only ``Frappe(doctype="Movie")``: its document is the derived default; User spells
    its fields out (names are usernames). Nothing in the dialect names either."""
    from moviesapi.dialects.frappe import doctypes
    from moviesapi.registry import exposed, get_resource

    movies, users = get_resource("movies"), get_resource("users")
    assert movies.options("frappe").fields is None
    assert set(doctypes()) == {options.doctype for _, options in exposed("frappe")} >= {"Movie", "User"}

    r = invoke("resource_get", "frappe_get", token=alice, path_id=catalog["Psycho"])
    doc = r.json()["data"]
    derived = ["name", "owner", "creation", "modified", "modified_by", "idx", "docstatus", "title", "genre", "year"]
    assert list(doc) == [*derived, "doctype"]
    assert doc["name"] == catalog["Psycho"]  # the key
    assert doc["owner"] == doc["modified_by"] == "alice"  # the owner relation's username
    assert doc["creation"] <= doc["modified"] and (doc["idx"], doc["docstatus"]) == (0, 0)
    star = listing(invoke, alice, fields=["*"], limit_page_length="1").json()["data"][0]
    assert list(star) == derived

    r = call("resource_get", "frappe_user", path="/api/resource/User/alice", token=alice)
    assert r.status == 200, r.text
    assert list(r.json()["data"]) == [*users.options("frappe").fields, "doctype"]
    assert r.json()["data"]["name"] == "alice"


def test_names_that_are_not_keys_resolve_without_a_declared_lookup(invoke, signup, alice):
    """Without ``lookup``, a name is found by querying its ``name_field`` (exactly, case and all)."""
    from moviesapi.accounts import Principal, find_by_username
    from moviesapi.dialects.frappe import doctype_of, documents

    signup("bob")
    user = replace(doctype_of("User"), lookup=None)
    account = find_by_username("alice")
    assert account is not None
    caller = Principal(account.id, account.username)
    assert documents.record_of(user, "bob", caller)["username"] == "bob"
    for missing in ("nobody", "BOB"):
        with pytest.raises(documents.FrappeError) as info:
            documents.record_of(user, missing, caller)
        assert info.value.status == 404


def test_doctype_verbs_follow_the_declared_methods(invoke, alice):
    """User declares ``methods=("GET",)``: read-only (writes 403); Movie takes GET/POST and GET/PUT/DELETE."""
    from moviesapi.dialects.frappe import doctype_of

    assert (doctype_of("User").collection_methods, doctype_of("User").element_methods) == (("GET",), ("GET",))
    assert not doctype_of("User").writable
    movie = doctype_of("Movie")
    assert (movie.collection_methods, movie.element_methods) == (("GET", "POST"), ("GET", "PUT", "DELETE"))
    r = call("not_allowed", "frappe_doctype_unknown", path="/api/resource/Movie/abc", method="PATCH")
    assert r.status == 405 and r.headers["allow"] == "GET, PUT, DELETE"
    r = call("resource_create", "frappe_create", path="/api/resource/User", token=alice)
    assert r.status == 403 and r.json()["exc_type"] == "PermissionError"


# ---------------------------------------------------------------- the User DocType and refusals


def test_user_doctype_is_readable_public_fields_only(invoke, signup, alice):
    signup("bob")
    r = invoke("resource_list", "frappe_users", token=alice, query={"fields": ['["*"]'], "order_by": ["name asc"]})
    assert r.status == 200, r.text
    rows = r.json()["data"]
    assert [row["name"] for row in rows] == ["alice", "bob"]
    assert "email" not in r.text and "argon2" not in r.text and "@example.com" not in r.text
    r = call("resource_get", "frappe_user", path="/api/resource/User/bob", token=alice)
    assert r.status == 200, r.text
    doc = r.json()["data"]
    assert doc["name"] == "bob" and doc["doctype"] == "User" and "email" not in doc
    assert call("resource_get", "frappe_user", path="/api/resource/User/nobody", token=alice).status == 404
    r = invoke("resource_list", "frappe_users", token=alice, query={"filters": ['[["email", "like", "%"]]']})
    assert r.status == 417 and r.json()["exc_type"] == "DataError"
    assert invoke("resource_list", "frappe_users").status == 403


@pytest.mark.parametrize(
    ("method", "path", "status", "exc_type"),
    [
        ("POST", "/api/resource/User", 403, "PermissionError"),
        ("PUT", "/api/resource/User/alice", 403, "PermissionError"),
        ("DELETE", "/api/resource/User/alice", 403, "PermissionError"),
        ("PATCH", "/api/resource/User/alice", 405, "MethodNotAllowed"),
        ("PATCH", "/api/resource/Movie/abc", 405, "MethodNotAllowed"),
        ("POST", "/api/resource/Movie/abc", 405, "MethodNotAllowed"),
        ("DELETE", "/api/resource/Movie", 405, "MethodNotAllowed"),
        ("GET", "/api/resource/ToDo", 404, "DoesNotExistError"),
        ("POST", "/api/resource/ToDo", 404, "DoesNotExistError"),
        ("GET", "/api/resource/ToDo/x", 404, "DoesNotExistError"),
    ],
)
def test_refusals(invoke, method, path, status, exc_type):
    pattern = "/api/resource/{doctype}" + ("/{name}" if path.count("/") == 4 else "")
    r = call(routed_function(method, pattern), "frappe_doctype_unknown", path=path, method=method)
    assert r.status == status, r.text
    assert r.json()["exc_type"] == exc_type
    if status == 405:
        assert "GET" in r.headers["allow"]


def test_unknown_doctype_message(invoke):
    r = invoke("resource_list", "frappe_doctype_unknown")
    assert r.status == 404
    assert r.json()["exception"] == "frappe.exceptions.DoesNotExistError: DocType ToDo not found"


# ---------------------------------------------------------------- tracebacks


def test_server_error_reveals_nothing_by_default(invoke, alice, monkeypatch):
    from moviesapi import resources

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(resources, "search", explode)
    r = listing(invoke, alice)
    assert r.status == 500
    assert r.json()["exc_type"] == "Exception"
    assert "exc" not in r.json() and "secret internals" not in r.text and "Traceback" not in r.text


def test_traceback_only_in_debug_mode(invoke, alice, monkeypatch):
    from moviesapi.dialects.frappe import errors
    from moviesapi.settings import get_settings

    debug = replace(get_settings(), debug=True)
    monkeypatch.setattr(errors, "get_settings", lambda: debug)
    r = invoke("resource_get", "frappe_get", token=alice, path_id="nope")
    assert r.status == 404
    (trace,) = json.loads(r.json()["exc"])
    assert "Traceback" in trace and "FrappeError: Movie nope not found" in trace


# ---------------------------------------------------------------- format suffixes apply here too


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/api/resource/Movie.json", 200, "application/json"),
        ("/api/resource/Movie.csv", 200, "text/csv"),
        ("/api/resource/Movie.api", 200, "text/html"),
        ("/api/resource/Movie.xml", 404, "application/json"),
    ],
)
def test_list_format_suffixes(invoke, alice, catalog, path, status, content_type):
    # The suffix filters the renderers; the committed event's Accept (application/json) would refuse csv and api.
    query = {"fields": ['["title"]']}
    r = call("resource_list", "frappe_list", path=path, token=alice, query=query, headers={"Accept": "*/*"})
    assert r.status == status, r.text
    assert r.headers["content-type"].startswith(content_type)
    if path.endswith(".csv"):
        assert r.text.splitlines()[0] == "title" and "Casablanca" in r.text


def test_document_format_suffix(invoke, alice, catalog):
    name = catalog["Psycho"]
    r = call("resource_get", "frappe_get", path=f"/api/resource/Movie/{name}.json", token=alice)
    assert r.status == 200 and r.json()["data"]["name"] == name
    r = call("not_allowed", "frappe_doctype_unknown", path="/api/resource/Movie.json", method="PUT")
    assert r.status == 405
