"""Structured hostile filters, per dialect, through the real handlers: never a 5xx, always the dialect's shape.

The generic fuzzer (test_no_server_errors.py) throws random text at every event; it rarely builds a
filter the engine accepts far enough to reach DynamoDB. These strategies build well-formed filters from
field, operator and hostile value (empty and oversize keys, numbers past DynamoDB's range, null and
inverted ``between`` bounds, lone surrogates, NaN/Infinity, deep nesting), in each dialect's syntax:
Flask-Restless ``q`` trees with nested ``and``/``or``/``has``, DRF django-filter parameters,
Frappe ``filters``/``or_filters`` lists and dicts on ``/api/resource`` and ``frappe.client.*``.

DynamoDB is moto, made as strict as DynamoDB by ``strict_dynamodb`` (moto accepts oversize keys and
numbers DynamoDB refuses). Bounded: derandomized (a fixed seed), a modest ``max_examples`` per test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from tests.conftest import PASSWORD, ROOT, FakeContext, Reply, load_function, make_event, routed_function
from tests.fuzz.strict_dynamodb import strict_dynamodb

BOUNDED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Values that have broken, or could break, a key condition, a number, a comparison or the decoder. The
# ``_OK`` ones are valid for their field's type (so the filter reaches the planner and DynamoDB); the
# ``_BAD`` ones are not (a 400/417 from the engine, or from the decoder for the non-JSON ones).
TEXT_OK: list[Any] = [
    "",
    " ",
    "x" * 1025,  # past a sort key's 1024 bytes
    "x" * 2049,  # past a partition key's 2048 bytes
    "\u00e9" * 1100,  # 2200 bytes in 1100 characters
    "\x00",
    "%",
    "_%",
    "\U0001f600",
    "Casablanca",
    "Drama",
    "drama",
    "hostile",
    "1942",
    "null",
]
TEXT_BAD: list[Any] = ["\ud800"]  # a lone surrogate: not UTF-8
NUMBER_OK: list[Any] = [
    0,
    -1,
    1942,
    2100,
    10**20,
    10**38,
    10**40,
    10**200,  # past DynamoDB's 1e126
    123456789012345678901234567890123456789012,  # 42 significant digits
    1e300,
    "1942",
]
NUMBER_BAD: list[Any] = [1.5, -1e-300, 5e-324, float("inf"), float("-inf"), float("nan"), "1e400"]
DATE_OK: list[Any] = ["2020-01-01", "2020-01-01T00:00:00Z", "0001-01-01", "9999-12-31T23:59:59Z"]
DATE_BAD: list[Any] = ["not a date", "", 1942]
OTHER_VALUES: list[Any] = [None, True, False, [], {}, {"a": 1}, [[1]]]
KINDS = {"text": (TEXT_OK, TEXT_BAD), "number": (NUMBER_OK, NUMBER_BAD), "date": (DATE_OK, DATE_BAD)}
LIST_OPS = frozenset({"in", "not_in", "not in"})
NULL_OPS = frozenset({"is_null", "is_not_null"})


def values(kind: str, op: str = "==") -> st.SearchStrategy[Any]:
    """A hostile value for ``op`` on a field of ``kind``: mostly one the engine accepts, sometimes not."""
    good, bad = KINDS[kind]
    scalar = st.sampled_from(good)
    anything = st.one_of(st.sampled_from(bad), st.sampled_from(OTHER_VALUES), st.text(max_size=8), st.floats())
    if op in LIST_OPS:
        big = st.just(list(range(101)))  # past the IN cap
        shaped = st.one_of(st.lists(scalar, max_size=4), st.lists(scalar, max_size=4), big)
    elif op == "between":
        shaped = st.lists(st.one_of(scalar, st.none()), min_size=2, max_size=2)  # [null, x], inverted ranges
    elif op in NULL_OPS:
        shaped = st.none()
    else:
        shaped = scalar
    return st.one_of(shaped, shaped, shaped, shaped, shaped, shaped, anything)


def _often(valid: list[str], invalid: list[str]) -> st.SearchStrategy[str]:
    """Mostly a valid name (so filters reach the engine), sometimes one that is not."""
    return st.sampled_from(valid * 6 + invalid)


RAW_TEXTS = ["", "[" * 9999, "{" * 5000, "[]", "{}", "null", "[1,", '"x"', "Infinity", '{"a": NaN}', "\ud800"]
RAW_TEXTS += ['[["name"]]', '[["name", "="]]', '[["Movie", "name", "=", "a", "extra"]]']  # short and long conditions

# Flask-Restless ``q``: field, operator, value; trees of and/or/not and has through the relation.
RESTLESS_FIELDS = {
    "id": "text",
    "title": "text",
    "genre": "text",
    "year": "number",
    "created_at": "date",
    "updated_at": "date",
    "creator__id": "text",
    "creator__username": "text",
}
RESTLESS_OPS = ["==", "eq", "!=", ">", "<", ">=", "<=", "in", "not_in", "is_null", "is_not_null", "like", "ilike"]
restless_ops = _often(RESTLESS_OPS, ["has", "any", "between", "bogus", ""])
restless_fields = _often(list(RESTLESS_FIELDS), ["creator", "creator_id", "creator__first_name", "password", ""])
restless_leaf = st.one_of(
    st.tuples(st.sampled_from(sorted(RESTLESS_FIELDS.items())), restless_ops).flatmap(
        lambda fo: st.fixed_dictionaries(
            {"name": st.just(fo[0][0]), "op": st.just(fo[1]), "val": values(fo[0][1], fo[1])}
        )
    ),
    st.fixed_dictionaries({"name": restless_fields, "op": restless_ops, "val": values("text")}),
    st.fixed_dictionaries(
        {"name": restless_fields, "op": st.sampled_from(["==", "<", ">="]), "field": restless_fields}
    ),
)
restless_tree = st.recursive(
    restless_leaf,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3).map(lambda items: {"or": items}),
        st.lists(kids, max_size=3).map(lambda items: {"and": items}),
        st.fixed_dictionaries(
            {
                "name": st.just("creator"),
                "op": st.just("has"),
                "val": st.fixed_dictionaries(
                    {"name": st.sampled_from(["id", "username"]), "op": restless_ops, "val": values("text")}
                ),
            }
        ),
    ),
    max_leaves=4,
)
restless_search = st.fixed_dictionaries({"filters": st.lists(restless_tree, min_size=1, max_size=2)})
restless_extras = st.fixed_dictionaries(
    {},
    optional={
        "order_by": st.lists(
            st.fixed_dictionaries(
                {"field": restless_fields}, optional={"direction": st.sampled_from(["asc", "desc", "up"])}
            ),
            max_size=2,
        ),
        "limit": values("number"),
        "offset": values("number"),
        "single": st.sampled_from([True, False, None]),
        "functions": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["count", "sum", "avg", "min", "max", "bogus"]), "field": restless_fields}
            ),
            max_size=3,
        ),
    },
)
# Mostly filters alone (so they reach the planner), sometimes with hostile order, page and functions.
restless_q = st.one_of(
    restless_search, restless_search, st.tuples(restless_search, restless_extras).map(lambda qe: qe[0] | qe[1])
)
# Mostly JSON (NaN/Infinity included, as json.dumps writes them), sometimes raw hostile text.
restless_q_text = st.one_of(*[restless_q.map(json.dumps)] * 5, st.sampled_from(RAW_TEXTS))

# DRF: the seed's FilterSet (and the page parameters, less often), each a hostile string.
DRF_NUMBERS = ["", "1e999999", "1e400", "-1e-200", "NaN", "Infinity", "9" * 60, " 1942 ", "0x10", "1942.0", "1942.5"]
DRF_NUMBERS += ["\uff11\uff19\uff14\uff12"]  # fullwidth digits: Decimal reads them
drf_number = st.one_of(
    st.sampled_from(DRF_NUMBERS), st.sampled_from(NUMBER_OK + NUMBER_BAD).map(str), st.integers().map(str)
)
drf_text = st.one_of(st.sampled_from(TEXT_OK + TEXT_BAD), st.text(max_size=12))
drf_filters = st.fixed_dictionaries(
    {},
    optional={
        "title": drf_text,
        "genre": drf_text,
        "creator__username": drf_text,
        "year": drf_number,
        "year__gt": drf_number,
        "year__lt": drf_number,
        "ordering": drf_text,
    },
)
drf_pages = st.fixed_dictionaries({}, optional={"page": drf_number, "page_size": drf_number})
drf_query = st.one_of(drf_filters, drf_filters, st.tuples(drf_filters, drf_pages).map(lambda fp: fp[0] | fp[1]))

# Frappe ``filters``: ``[[field, op, value]]``, ``[[doctype, field, op, value]]``, ``{field: value}``,
# ``{field: [op, value]}``.
FRAPPE_FIELDS = {
    "name": "text",
    "title": "text",
    "genre": "text",
    "year": "number",
    "owner": "text",
    "modified_by": "text",
    "creation": "date",
    "modified": "date",
    "idx": "number",
    "docstatus": "number",
}
FRAPPE_OPS = ["=", "!=", ">", "<", ">=", "<=", "like", "not like", "in", "not in", "is", "between"]
frappe_ops = _often(FRAPPE_OPS, ["descendants of", "bogus", ""])
frappe_fields = _often(list(FRAPPE_FIELDS), ["`tabMovie`.title", "creator", "nope", "password", ""])


FRAPPE_LIKE = {"in": "in", "not in": "not in", "between": "between", "is": "is_null"}


def frappe_value(kind: str, op: str = "=") -> st.SearchStrategy[Any]:
    """As ``values``, with Frappe's own forms: ``is`` takes set/not set, ``in`` a comma string too."""
    if op == "is":
        return st.sampled_from(["set", "not set", "", None, "maybe"])
    shaped = values(kind, FRAPPE_LIKE.get(op, op))
    return st.one_of(shaped, st.sampled_from(["a,b", ",", "Drama,Crime"])) if op in LIST_OPS else shaped


def _frappe_condition(field: str, kind: str, op: str) -> st.SearchStrategy[Any]:
    value = frappe_value(kind, op)
    return st.one_of(
        st.tuples(st.just(field), st.just(op), value).map(list),
        st.tuples(st.just(field), st.just(op), value).map(list),
        st.tuples(st.sampled_from(["Movie", "User"]), st.just(field), st.just(op), value).map(list),
        st.fixed_dictionaries({field: value})
        if op == "="
        else st.fixed_dictionaries({field: st.tuples(st.just(op), value).map(list)}),
    )


frappe_condition = st.tuples(st.sampled_from(sorted(FRAPPE_FIELDS.items())), frappe_ops).flatmap(
    lambda fo: _frappe_condition(fo[0][0], fo[0][1], fo[1])
)
frappe_conditions = st.lists(frappe_condition, min_size=1, max_size=3)
frappe_filters = st.one_of(
    frappe_conditions,
    frappe_conditions,
    frappe_conditions,
    frappe_conditions,
    st.lists(st.tuples(frappe_fields, frappe_ops, values("text")).map(list), max_size=2),
)
frappe_text = st.one_of(*[frappe_filters.map(json.dumps)] * 5, st.sampled_from(RAW_TEXTS))
frappe_fields_param = st.one_of(
    st.lists(frappe_fields, max_size=4).map(json.dumps),
    st.sampled_from(['["*"]', "*", "name,title", "count(name) as n", "sum(year)", "[", "[" * 9999, '"\\ud800"']),
)
frappe_search = st.fixed_dictionaries({"filters": frappe_text}, optional={"or_filters": frappe_text})
frappe_extras = st.fixed_dictionaries(
    {},
    optional={
        "fields": frappe_fields_param,
        "order_by": st.sampled_from(["year desc", "name asc", "nope", "year; drop", "", "x" * 300]),
        "limit_start": drf_number,
        "limit_page_length": drf_number,
    },
)
frappe_query = st.one_of(
    frappe_search, frappe_search, st.tuples(frappe_search, frappe_extras).map(lambda qe: qe[0] | qe[1])
)


@pytest.fixture(scope="module")
def world() -> Iterator[dict[str, Any]]:
    """One strict moto account: two users and movies made through the handlers; the token of the first."""
    with mock_aws(), strict_dynamodb() as refused:
        from moviesapi.models import ensure_tables

        ensure_tables()
        tokens = []
        for name in ("hostile", "other"):
            body = {"username": name, "email": f"{name}@x.io", "password1": PASSWORD, "password2": PASSWORD}
            assert _call("register", "register", body=body).status == 201
            reply = _call("token_obtain", "token_obtain", body={"username": name, "password": PASSWORD})
            tokens.append(reply.json()["access"])
        movies = []
        for i, (title, genre, year) in enumerate(
            [("Casablanca", "Drama", 1942), ("Heat", "Crime", 1995), ("é" * 100, "😀", 2100), ("x", "Drama", 1888)]
        ):
            body = {"title": title, "genre": genre, "year": year}
            reply = _call("resource_create", "movie_create", token=tokens[i % 2], body=body)
            assert reply.status == 201, reply.text
            movies.append(reply.json()["id"])
        yield {"token": tokens[0], "movie": movies[0], "refused": refused}
        assert refused == [], refused  # each would have been a 500 on DynamoDB


def _call(function: str, event_name: str, **kwargs: Any) -> Reply:
    return Reply(load_function(function).lambda_handler(make_event(event_name, **kwargs), FakeContext()))


def _call_event(event: dict[str, Any]) -> Reply:
    function = routed_function(event["httpMethod"], event["resource"])
    return Reply(load_function(function).lambda_handler(event, FakeContext()))


def _shape_ok(dialect: str, reply: Reply) -> None:
    """No 5xx; a 4xx in the dialect's own error shape."""
    assert reply.status < 500, reply.text[:2000]
    assert "Traceback" not in reply.text
    if reply.status < 400:
        return
    body = reply.json()
    assert isinstance(body, dict), reply.text
    if dialect == "drf":
        assert isinstance(body.get("detail"), str) or (
            body and all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body.values())
        ), reply.text
    elif dialect == "restless":
        assert "message" in body or "validation_errors" in body or (reply.status == 404 and body == {}), reply.text
    else:
        assert isinstance(body.get("exc_type"), str), reply.text


def _query(params: dict[str, str]) -> dict[str, list[str]]:
    return {k: [v] for k, v in params.items()}


def _movies_digest() -> str:
    from moviesapi.catalog import MOVIE

    assert MOVIE.model is not None
    items = sorted(json.dumps(item.serialize(), sort_keys=True, default=str) for item in MOVIE.model.scan())
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


@settings(BOUNDED, max_examples=150)
@given(q=restless_q_text, page=st.one_of(st.none(), st.none(), drf_number))
def test_restless_search(world, q, page):
    params = {"q": q} | ({} if page is None else {"page": page})
    _shape_ok("restless", _call("resource_list", "restless_list", token=world["token"], query=_query(params)))


@settings(BOUNDED, max_examples=40)
@given(q=restless_q_text)
def test_restless_eval(world, q):
    _shape_ok("restless", _call("resource_eval", "restless_eval", token=world["token"], query={"q": [q]}))


@settings(BOUNDED, max_examples=40)
@given(
    q=restless_q_text,
    body=st.fixed_dictionaries(
        {},
        optional={
            "genre": st.sampled_from(TEXT_OK + TEXT_BAD),
            "year": st.sampled_from(NUMBER_OK + NUMBER_BAD),
            "title": st.sampled_from(TEXT_OK),
        },
    ),
)
def test_restless_patch_many_is_all_or_nothing(world, q, body):
    before = _movies_digest()
    reply = _call(
        "resource_patch_many", "restless_patch_many", token=world["token"], query={"q": [q]}, raw_body=json.dumps(body)
    )
    _shape_ok("restless", reply)
    if reply.status >= 400:
        assert _movies_digest() == before, reply.text  # a refused patch-many wrote nothing


@settings(BOUNDED, max_examples=100)
@given(params=drf_query)
def test_drf_filterset(world, params):
    _shape_ok("drf", _call("resource_list", "movie_list", token=world["token"], query=_query(params)))


@settings(BOUNDED, max_examples=150)
@given(params=frappe_query)
def test_frappe_resource_list(world, params):
    _shape_ok("frappe", _call("resource_list", "frappe_list", token=world["token"], query=_query(params)))


@settings(BOUNDED, max_examples=80)
@given(
    method=st.sampled_from(["get_count", "get_value", "get_list", "get"]),
    filters=st.one_of(frappe_filters, frappe_text),
    fieldname=frappe_fields_param,
    as_json_body=st.booleans(),
)
def test_frappe_client_methods(world, method, filters, fieldname, as_json_body):
    """``frappe.client.*`` reads: filters as a query string, or as JSON values in a POST body (frappe-js-sdk)."""
    event = make_event("frappe_get_count", token=world["token"])
    path = f"/api/method/frappe.client.{method}"
    event["resource"] = event["path"] = path
    event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"
    args = {"doctype": "Movie", "filters": filters, "fieldname": fieldname, "fields": fieldname}
    if as_json_body:
        event["httpMethod"] = event["requestContext"]["httpMethod"] = "POST"
        event["body"] = json.dumps(args)
        event["headers"]["Content-Type"] = "application/json"
        event["multiValueHeaders"]["Content-Type"] = ["application/json"]
        event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
    else:
        text = {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()}
        event["queryStringParameters"] = text
        event["multiValueQueryStringParameters"] = _query(text)
    _shape_ok("frappe", _call_event(event))


@pytest.mark.parametrize(
    ("dialect", "function", "event_name", "query", "status"),
    [
        # Equality on a key (table or index) with a value no key can hold matches nothing, as in SQL.
        (
            "restless",
            "resource_list",
            "restless_list",
            {"q": '{"filters": [{"name": "id", "op": "==", "val": ""}]}'},
            200,
        ),
        (
            "restless",
            "resource_list",
            "restless_list",
            {"q": json.dumps({"filters": [{"name": "genre", "op": "==", "val": "x" * 2100}]})},
            200,
        ),
        (
            "restless",
            "resource_list",
            "restless_list",
            {"q": json.dumps({"filters": [{"name": "creator__id", "op": "==", "val": ""}]})},
            200,
        ),
        (
            "restless",
            "resource_list",
            "restless_list",
            {"q": json.dumps({"filters": [{"name": "creator__username", "op": "==", "val": "u" * 2045}]})},
            200,
        ),
        (
            "restless",
            "resource_list",
            "restless_list",
            {"q": json.dumps({"filters": [{"name": "year", "op": "==", "val": 10**200}]})},
            200,
        ),
        (
            "restless",
            "resource_list",
            "restless_users",
            {"q": '{"filters": [{"name": "id", "op": "==", "val": ""}]}'},
            200,
        ),
        ("frappe", "resource_list", "frappe_list", {"filters": '[["name", "=", ""]]'}, 200),
        ("frappe", "resource_list", "frappe_list", {"filters": '{"name": ""}'}, 200),
        ("frappe", "resource_list", "frappe_list", {"filters": '[["genre", "=", ""]]'}, 200),
        ("frappe", "resource_list", "frappe_list", {"filters": '[["year", "between", [null, 2000]]]'}, 200),
        (
            "frappe",
            "resource_list",
            "frappe_list",
            {"filters": '[["genre", "=", "Drama"], ["year", "between", [2001, 1990]]]'},
            200,
        ),
        # Decoder-level refusals: 400/417 in the dialect's shape.
        ("restless", "resource_list", "restless_list", {"q": '{"offset": Infinity}'}, 400),
        ("restless", "resource_list", "restless_list", {"q": '{"offset": -Infinity}'}, 400),
        ("restless", "resource_list", "restless_list", {"q": '{"offset": NaN}'}, 400),
        ("restless", "resource_list", "restless_list", {"q": '{"offset": 1e400}'}, 400),
        (
            "restless",
            "resource_list",
            "restless_list",
            {"q": '{"filters": [{"name": "title", "op": "==", "val": "\\ud800"}]}'},
            400,
        ),
        ("restless", "resource_list", "restless_list", {"q": "[" * 8000}, 400),
        ("frappe", "resource_list", "frappe_list", {"filters": "[" * 9999}, 417),
        ("frappe", "resource_list", "frappe_list", {"or_filters": "[" * 9999}, 417),
        ("frappe", "resource_list", "frappe_list", {"fields": "[" * 9999}, 417),
        ("frappe", "resource_list", "frappe_list", {"filters": '[["title", "=", "\\ud800"]]'}, 417),
        ("drf", "resource_list", "movie_list", {"year": "1e999999"}, 400),
        ("drf", "resource_list", "movie_list", {"year__lt": "1" * 39}, 400),
    ],
)
def test_chosen_answers(world, dialect, function, event_name, query, status):
    """The answers decided for the issue's inputs: an empty page where SQL has no rows, else a 4xx."""
    reply = _call(function, event_name, token=world["token"], query=_query(query))
    _shape_ok(dialect, reply)
    assert reply.status == status, reply.text
    if status == 200:
        body = reply.json()
        rows = body["objects"] if dialect == "restless" else body["data"]
        assert rows == [], body


# Every committed event that sends a JSON body (the base64 one aside), and whether it needs no caller.
BODY_EVENTS = sorted(
    path.stem
    for path in (ROOT / "events").glob("*.json")
    if json.loads(path.read_text()).get("body") and not json.loads(path.read_text()).get("isBase64Encoded")
)
ANONYMOUS = {"register", "token_obtain", "token_refresh", "token_verify", "frappe_login"}
DEEP_BODIES = {"arrays": "[" * 12_000 + "]" * 12_000, "objects": '{"a":' * 6_000 + "1" + "}" * 6_000}


@pytest.mark.parametrize("shape", sorted(DEEP_BODIES))
@pytest.mark.parametrize("event_name", BODY_EVENTS)
def test_deep_json_bodies_are_refused_before_parsing(world, event_name, shape):
    """12,000 levels (under the 64 KiB cap) was a RecursionError, a 500, on every JSON endpoint: now 400/417."""
    body = DEEP_BODIES[shape]
    assert len(body) < 64 * 1024
    event = make_event(event_name, raw_body=body, token=None if event_name in ANONYMOUS else world["token"])
    params = event.get("pathParameters") or {}
    if "MOVIE_ID" in params.values():
        event = make_event(event_name, raw_body=body, token=world["token"], path_id=world["movie"])
    reply = _call_event(event)
    dialect = (
        "frappe" if event_name.startswith("frappe") else "restless" if event_name.startswith("restless") else "drf"
    )
    _shape_ok(dialect, reply)
    if event_name == "restless_users_post":  # users are read-only: refused before the body is read
        assert reply.status == 405, reply.text
        return
    assert reply.status in (400, 417), reply.text
    assert "deeper than 32 levels" in reply.text or dialect == "restless", reply.text  # 0.17 says "Unable to decode"
