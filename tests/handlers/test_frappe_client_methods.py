"""``frappe.client.*`` and ``/?cmd=`` through the real handlers (moto DynamoDB): what each method answers,
the owner rules they share with ``/api/resource``, aggregates with ``group_by``, and the all-or-nothing
``insert_many``. The real clients drive the same methods over HTTP in tests/e2e."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.handlers.frappe_support import call

MOVIES = [
    ("Casablanca", "Drama", 1942),
    ("Notorious", "Thriller", 1946),
    ("Vertigo", "Thriller", 1958),
    ("Psycho", "Horror", 1960),
    ("Rear Window", "Thriller", 1954),
]


@pytest.fixture
def alice(signup):
    return signup("alice")["access"]


@pytest.fixture
def bob(signup):
    return signup("bob")["access"]


@pytest.fixture
def catalog(invoke, alice) -> dict[str, str]:
    names = {}
    for title, genre, year in MOVIES:
        r = invoke("resource_create", "frappe_create", token=alice, body={"title": title, "genre": genre, "year": year})
        assert r.status == 200, r.text
        names[title] = r.json()["data"]["name"]
    return names


def method(function: str, name: str, token: str | None, verb: str = "GET", /, **args: Any):
    """Call ``/api/method/<name>`` with ``args`` in the query (GET) or a JSON body."""
    path = f"/api/method/{name}"
    if verb == "GET":
        query = {k: [v if isinstance(v, str) else json.dumps(v)] for k, v in args.items()}
        return call(function, "frappe_get_count", path=path, method="GET", token=token, query=query)
    return call(function, "frappe_insert_many", path=path, method=verb, token=token, body=args)


def stored(invoke, token: str, name: str) -> dict[str, Any]:
    r = invoke("resource_get", "frappe_get", token=token, path_id=name)
    assert r.status == 200, r.text
    return r.json()["data"]


def movie_count(invoke, token: str) -> int:
    r = method("resource_list", "frappe.client.get_count", token, doctype="Movie")
    assert r.status == 200, r.text
    return r.json()["message"]


# ---------------------------------------------------------------- reads


def test_get_list_is_the_resource_list_as_a_message(invoke, alice, catalog):
    r = method(
        "resource_list",
        "frappe.client.get_list",
        alice,
        doctype="Movie",
        fields=["title", "year"],
        filters={"genre": "Thriller"},
        order_by="year asc",
    )
    assert r.status == 200, r.text
    assert r.json() == {
        "message": [
            {"title": "Notorious", "year": 1946},
            {"title": "Rear Window", "year": 1954},
            {"title": "Vertigo", "year": 1958},
        ]
    }


def test_fields_as_a_json_string(invoke, alice, catalog):
    """``fields='"*"'`` is what frappe.parse_json reads as ``*`` (the PyPI client's default)."""
    r = method("resource_list", "frappe.client.get_list", alice, doctype="Movie", fields='"*"', limit_page_length=1)
    assert r.status == 200, r.text
    assert {"name", "title", "genre", "year", "owner", "creation", "modified"} <= set(r.json()["message"][0])


@pytest.mark.parametrize(
    ("fields", "group_by", "order_by", "expected"),
    [
        (["count(name) as count"], None, None, [{"count": 5}]),
        (
            ["genre", "count(name) as n"],
            "genre",
            None,
            [
                {"genre": "Drama", "n": 1},
                {"genre": "Horror", "n": 1},
                {"genre": "Thriller", "n": 3},
            ],
        ),
        (
            ["genre", "count(name) as n"],
            "genre",
            "n desc",
            [
                {"genre": "Thriller", "n": 3},
                {"genre": "Drama", "n": 1},
                {"genre": "Horror", "n": 1},
            ],
        ),
        (
            ["genre", "min(year) as first", "max(year) as last", "sum(year)"],
            "genre",
            "genre desc",
            [
                {"genre": "Thriller", "first": 1946, "last": 1958, "sum(year)": 5858},
                {"genre": "Horror", "first": 1960, "last": 1960, "sum(year)": 1960},
                {"genre": "Drama", "first": 1942, "last": 1942, "sum(year)": 1942},
            ],
        ),
        (["avg(year) as mean"], None, None, [{"mean": (1942 + 1946 + 1958 + 1960 + 1954) / 5}]),
        (["count(*) as rows"], None, None, [{"rows": 5}]),
    ],
    ids=["count", "group", "group-ordered", "min-max-sum", "avg", "count-star"],
)
def test_aggregates_with_group_by(invoke, alice, catalog, fields, group_by, order_by, expected):
    args: dict[str, Any] = {"doctype": "Movie", "fields": fields}
    if group_by:
        args["group_by"] = group_by
    if order_by:
        args["order_by"] = order_by
    r = method("resource_list", "frappe.client.get_list", alice, **args)
    assert r.status == 200, r.text
    assert r.json()["message"] == expected
    query = {k: [v if isinstance(v, str) else json.dumps(v)] for k, v in args.items() if k != "doctype"}
    r = invoke("resource_list", "frappe_list", token=alice, query=query)  # the same on /api/resource
    assert r.status == 200 and r.json()["data"] == expected


def test_aggregates_respect_filters_and_as_list(invoke, alice, catalog):
    r = method(
        "resource_list",
        "frappe.client.get_list",
        alice,
        doctype="Movie",
        fields=["genre", "count(name) as n"],
        group_by="genre",
        filters=[["year", ">", 1950]],
        as_dict=0,
    )
    assert r.status == 200, r.text
    assert r.json()["message"] == [["Horror", 1], ["Thriller", 2]]


@pytest.mark.parametrize(
    ("fields", "group_by"),
    [
        (["title", "count(name) as n"], "genre"),  # a plain field outside group_by
        (["count(password) as n"], None),  # a hidden field inside an aggregate
        (["genre"], "password"),
        (["genre", "count(name)"], "nope"),
        (["median(year)"], None),
    ],
)
def test_aggregates_refuse_what_sql_would_not_answer_or_must_not(invoke, alice, catalog, fields, group_by):
    args: dict[str, Any] = {"doctype": "Movie", "fields": fields}
    if group_by:
        args["group_by"] = group_by
    r = method("resource_list", "frappe.client.get_list", alice, **args)
    assert r.status == 417, r.text
    assert r.json()["exc_type"] in ("DataError", "ValidationError")
    assert "hash" not in r.text and "argon2" not in r.text


def test_get_count(invoke, alice, catalog):
    assert movie_count(invoke, alice) == 5
    r = method("resource_list", "frappe.client.get_count", alice, doctype="Movie", filters=[["genre", "=", "Thriller"]])
    assert r.json() == {"message": 3}
    r = method("resource_list", "frappe.client.get_count", alice, doctype="Movie", filters={"title": "nothing"})
    assert r.json() == {"message": 0}


def test_get_by_name_and_by_filters(invoke, alice, catalog):
    r = method("resource_get", "frappe.client.get", alice, doctype="Movie", name=catalog["Psycho"])
    assert r.status == 200 and r.json()["message"]["title"] == "Psycho"
    r = method("resource_get", "frappe.client.get", alice, doctype="Movie", filters={"title": "Vertigo"})
    assert r.status == 200 and r.json()["message"]["name"] == catalog["Vertigo"]
    r = method("resource_get", "frappe.client.get", alice, doctype="Movie", filters={"title": "Nope"})
    assert r.status == 404 and r.json()["exc_type"] == "DoesNotExistError"
    r = method("resource_get", "frappe.client.get", alice, doctype="Movie", name="missing")
    assert r.status == 404


def test_get_value_shapes(invoke, alice, catalog):
    def value(**args: Any) -> Any:
        r = method("resource_list", "frappe.client.get_value", alice, doctype="Movie", **args)
        assert r.status == 200, r.text
        return r.json().get("message", "<none>")

    assert value(fieldname="year", filters={"title": "Vertigo"}) == {"year": 1958}
    assert value(fieldname=["title", "year"], filters=catalog["Psycho"]) == {"title": "Psycho", "year": 1960}
    assert value(fieldname="year", filters={"title": "Vertigo"}, as_dict="false") == 1958
    assert value(fieldname=["title", "year"], filters={"title": "Vertigo"}, as_dict=0) == ["Vertigo", 1958]
    assert value(fieldname="year", filters={"title": "Nope"}) == {}
    assert value(fieldname="year", filters={"title": "Nope"}, as_dict=0) == "<none>"  # Frappe: no message
    r = method("resource_list", "frappe.client.get_value", alice, doctype="Movie", fieldname="password")
    assert r.status == 417 and r.json()["exc_type"] == "DataError"


# ---------------------------------------------------------------- writes and the owner rules


def test_insert_and_insert_many(invoke, alice):
    doc = {"doctype": "Movie", "title": "Rope", "genre": "Crime", "year": 1948}
    r = method("resource_create", "frappe.client.insert", alice, "POST", doc=doc)
    assert r.status == 200, r.text
    assert r.json()["message"]["owner"] == "alice"
    docs = [{"doctype": "Movie", "title": f"Film {i}", "genre": "Test", "year": 1950 + i} for i in range(3)]
    r = method("resource_create", "frappe.client.insert_many", alice, "POST", docs=json.dumps(docs))
    assert r.status == 200, r.text
    names = r.json()["message"]
    assert [stored(invoke, alice, n)["title"] for n in names] == ["Film 0", "Film 1", "Film 2"]
    assert movie_count(invoke, alice) == 4


def test_insert_many_is_all_or_nothing(invoke, alice):
    docs = [
        {"doctype": "Movie", "title": "Good", "genre": "Test", "year": 1950},
        {"doctype": "Movie", "genre": "Test", "year": 1951},  # no title
        {"doctype": "Movie", "title": "Also good", "genre": "Test", "year": 1952},
    ]
    r = method("resource_create", "frappe.client.insert_many", alice, "POST", docs=docs)
    assert r.status == 417, r.text
    assert r.json()["exc_type"] == "MandatoryError"
    assert movie_count(invoke, alice) == 0
    too_many = [docs[0]] * 51
    r = method("resource_create", "frappe.client.insert_many", alice, "POST", docs=too_many)
    assert r.status == 417 and movie_count(invoke, alice) == 0


def test_insert_many_holds_what_one_transaction_holds(invoke, alice):
    """Every document may open its own genre and year counts: 32 Movies fill one 100-item transaction."""
    docs = [{"doctype": "Movie", "title": f"F{i}", "genre": f"G{i}", "year": 1900 + i} for i in range(33)]
    r = method("resource_create", "frappe.client.insert_many", alice, "POST", docs=docs)
    assert r.status == 417 and movie_count(invoke, alice) == 0, r.text
    assert "Only 32 inserts allowed" in r.text
    r = method("resource_create", "frappe.client.insert_many", alice, "POST", docs=docs[:32])
    assert r.status == 200, r.text
    assert movie_count(invoke, alice) == 32


def test_set_value_single_field_and_object(invoke, alice, catalog):
    name = catalog["Psycho"]
    r = method(
        "resource_update",
        "frappe.client.set_value",
        alice,
        "POST",
        doctype="Movie",
        name=name,
        fieldname="year",
        value=1961,
    )
    assert r.status == 200 and r.json()["message"]["year"] == 1961
    r = method(
        "resource_update",
        "frappe.client.set_value",
        alice,
        "PUT",
        doctype="Movie",
        name=name,
        fieldname=json.dumps({"genre": "Thriller", "title": "Psycho (1960)"}),
    )
    assert r.status == 200, r.text
    assert {k: stored(invoke, alice, name)[k] for k in ("title", "genre", "year")} == {
        "title": "Psycho (1960)",
        "genre": "Thriller",
        "year": 1961,
    }


@pytest.mark.parametrize("fieldname", ["owner", "name", "modified", json.dumps({"owner": "bob"})])
def test_set_value_refuses_standard_fields(invoke, alice, catalog, fieldname):
    r = method(
        "resource_update",
        "frappe.client.set_value",
        alice,
        "POST",
        doctype="Movie",
        name=catalog["Psycho"],
        fieldname=fieldname,
        value="" if fieldname.startswith("{") else "x",
    )
    assert r.status == 417 and "Cannot edit standard fields" in r.text
    assert stored(invoke, alice, catalog["Psycho"])["owner"] == "alice"


def test_save_checks_modified_and_inserts_without_a_name(invoke, alice, catalog):
    doc = stored(invoke, alice, catalog["Vertigo"])
    r = method("resource_update", "frappe.client.save", alice, "POST", doc={**doc, "year": 1959})
    assert r.status == 200 and r.json()["message"]["year"] == 1959
    r = method("resource_update", "frappe.client.save", alice, "POST", doc={**doc, "year": 1960})  # stale
    assert r.status == 409 and r.json()["exc_type"] == "TimestampMismatchError"
    assert stored(invoke, alice, catalog["Vertigo"])["year"] == 1959
    new = {"doctype": "Movie", "title": "Marnie", "genre": "Drama", "year": 1964}
    r = method("resource_update", "frappe.client.save", alice, "PUT", doc=json.dumps(new))
    assert r.status == 200 and r.json()["message"]["owner"] == "alice"


def test_bulk_update_reports_each_failure(invoke, alice, catalog):
    docs = [
        {"doctype": "Movie", "docname": catalog["Psycho"], "year": 1962},
        {"doctype": "Movie", "docname": "missing", "year": 1962},
        {"doctype": "Movie", "docname": catalog["Vertigo"], "year": 1},
    ]
    r = method("resource_update", "frappe.client.bulk_update", alice, "POST", docs=json.dumps(docs))
    assert r.status == 200, r.text
    failed = r.json()["message"]["failed_docs"]
    assert [f["doc"]["docname"] for f in failed] == ["missing", catalog["Vertigo"]]
    assert all("Traceback" not in f["exc"] for f in failed)
    assert stored(invoke, alice, catalog["Psycho"])["year"] == 1962
    assert stored(invoke, alice, catalog["Vertigo"])["year"] == 1958


def test_delete(invoke, alice, catalog):
    r = method("resource_delete", "frappe.client.delete", alice, "POST", doctype="Movie", name=catalog["Psycho"])
    assert r.status == 200 and r.json() == {}
    assert invoke("resource_get", "frappe_get", token=alice, path_id=catalog["Psycho"]).status == 404
    r = method("resource_delete", "frappe.client.delete", alice, "DELETE", doctype="Movie", name=catalog["Psycho"])
    assert r.status == 404 and r.json()["exc_type"] == "DoesNotExistError"


@pytest.mark.parametrize(
    ("function", "name", "args"),
    [
        ("resource_update", "frappe.client.set_value", {"fieldname": "year", "value": 2000}),
        ("resource_update", "frappe.client.save", None),
        ("resource_update", "frappe.client.bulk_update", None),
        ("resource_delete", "frappe.client.delete", {}),
    ],
)
def test_only_the_owner_may_change(invoke, alice, bob, catalog, function, name, args):
    target = catalog["Psycho"]
    if name == "frappe.client.save":
        body = {"doc": {**stored(invoke, alice, target), "year": 2000}}
    elif name == "frappe.client.bulk_update":
        body = {"docs": [{"doctype": "Movie", "docname": target, "year": 2000}]}
    else:
        body = {"doctype": "Movie", "name": target, **(args or {})}
    r = method(function, name, bob, "POST", **body)
    if name == "frappe.client.bulk_update":
        assert r.status == 200 and len(r.json()["message"]["failed_docs"]) == 1
    else:
        assert r.status == 403 and r.json()["exc_type"] == "PermissionError", r.text
    assert stored(invoke, alice, target)["year"] == 1960


def test_read_only_doctype_refuses_writes(invoke, alice):
    doc = {"doctype": "User", "username": "mallory"}
    r = method("resource_create", "frappe.client.insert", alice, "POST", doc=doc)
    assert r.status == 403 and r.json()["exc_type"] == "PermissionError"
    r = method("resource_delete", "frappe.client.delete", alice, "POST", doctype="User", name="alice")
    assert r.status == 403


def test_rename_submit_and_cancel_as_frappe_answers_for_such_a_doctype(invoke, alice, catalog):
    name = catalog["Psycho"]
    r = method(
        "method_call", "frappe.client.rename_doc", alice, "POST", doctype="Movie", old_name=name, new_name="psycho"
    )
    assert r.status == 417 and "Movie not allowed to be renamed" in r.json()["exception"]
    r = method("method_call", "frappe.client.submit", alice, "POST", doc={"doctype": "Movie", "name": name})
    assert r.status == 403 and r.json()["exc_type"] == "PermissionError"
    r = method("method_call", "frappe.client.cancel", alice, "POST", doctype="Movie", name=name)
    assert r.status == 417 and r.json()["exc_type"] == "DocstatusTransitionError"
    r = method("method_call", "frappe.client.cancel", alice, "POST", doctype="Movie", name="missing")
    assert r.status == 404
    assert stored(invoke, alice, name)["docstatus"] == 0


def test_a_guest_is_refused_before_anything_runs(invoke, alice, catalog):
    r = method("resource_create", "frappe.client.insert", None, "POST", doc={"doctype": "Movie", "title": "x"})
    assert r.status == 403 and r.json()["exc_type"] == "PermissionError"
    r = method("resource_list", "frappe.client.get_count", None, doctype="Movie")
    assert r.status == 403


# ---------------------------------------------------------------- / with cmd=


def test_root_runs_the_command_from_query_or_form(invoke, alice, catalog):
    r = invoke(
        "method_root",
        "frappe_root_cmd",
        token=alice,
        query={
            "cmd": ["frappe.client.get_value"],
            "doctype": ["Movie"],
            "fieldname": ["title"],
            "filters": [catalog["Vertigo"]],
        },
    )
    assert r.status == 200 and r.json() == {"message": {"title": "Vertigo"}}
    form = f"cmd=frappe.client.delete&doctype=Movie&name={catalog['Vertigo']}"
    r = call(
        "method_root",
        "frappe_root_cmd",
        method="POST",
        token=alice,
        query={},
        raw_body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status == 200, r.text
    assert invoke("resource_get", "frappe_get", token=alice, path_id=catalog["Vertigo"]).status == 404


def test_root_login_and_logout(invoke, alice):
    form = "cmd=login&usr=alice&pwd=correct-horse-42"
    r = call(
        "method_root",
        "frappe_root_cmd",
        method="POST",
        query={},
        raw_body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status == 200 and r.json()["message"] == "Logged In"
    sid = next(c for c in r.raw["multiValueHeaders"]["Set-Cookie"] if c.startswith("sid=")).split(";")[0][4:]
    r = invoke("method_root", "frappe_root_cmd", query={"cmd": ["logout"]}, headers={"Cookie": f"sid={sid}"})
    assert r.status == 200
    r = invoke("resource_list", "frappe_list", headers={"Cookie": f"sid={sid}"})
    assert r.status == 401 and r.json()["exc_type"] == "SessionExpired"


@pytest.mark.parametrize(
    ("query", "verb", "status"),
    [
        ({}, "GET", 404),
        ({"cmd": ["frappe.nope"]}, "GET", 404),
        ({"cmd": ["frappe.client.insert"]}, "GET", 403),
        ({"cmd": ["frappe.client.get_count"]}, "PATCH", 403),
        ({"cmd": ["frappe.client.get_count"], "doctype": ["Movie"]}, "GET", 403),  # a Guest
    ],
)
def test_root_refusals(invoke, query, verb, status):
    r = call("method_root", "frappe_root_cmd", method=verb, query=query)
    assert r.status == status, r.text
    assert "exc_type" in r.json()


def test_grouped_values_look_like_document_values(invoke, alice, bob, catalog):
    """Owners are usernames and timestamps Frappe's text, in a group as in a document."""
    invoke("resource_create", "frappe_create", token=bob, body={"title": "Rope", "genre": "Crime", "year": 1948})
    r = method(
        "resource_list",
        "frappe.client.get_list",
        alice,
        doctype="Movie",
        fields=["owner", "count(name) as n", "max(modified) as last"],
        group_by="owner",
    )
    assert r.status == 200, r.text
    rows = r.json()["message"]
    assert [(row["owner"], row["n"]) for row in rows] == [("alice", 5), ("bob", 1)]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}", row["last"]) for row in rows)
