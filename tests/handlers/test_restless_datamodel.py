"""``/api/flask-restless-datamodel``: flask-restless-datamodel's document, derived from the registry.

flask-restless-client reads it first and builds one class per model from it
(``pk_name``, ``collection_name``, ``url_prefix``, ``attributes``, ``relations``,
``properties``, ``methods``; ``FlaskRestlessDatamodel`` carries the server version).
Served by the list function (a literal path beside ``/api/{collection}``), through
the real handler with a committed event re-pointed at it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from moviesapi import registry
from moviesapi.dialects.options import Restless
from moviesapi.registry import Field, Relation

from tests.conftest import FakeContext, Reply, load_event, load_function, routed_function
from tests.handlers.test_declared_resource import reviews  # noqa: F401  (the fixture)

PATH = "/api/flask-restless-datamodel"
META = "FlaskRestlessDatamodel"
MODEL_KEYS = {"pk_name", "collection_name", "url_prefix", "attributes", "relations", "properties", "methods"}
# What the Users table holds beside the declared fields: never named by the document.
HIDDEN = ("email", "password", "password_hash", "api_key", "api_secret", "api_secret_hash", "is_active", "last_login")


def datamodel_call(method: str = "GET", token: str | None = None, path: str = PATH) -> Reply:
    """The event API Gateway sends for the literal route, handled by the function the template routes it to."""
    event = copy.deepcopy(load_event("restless_list"))
    stage_prefix = event["requestContext"]["path"][: -len(event["path"])]
    event.update(
        resource=PATH,
        path=path,
        httpMethod=method,
        pathParameters=None,
        queryStringParameters=None,
        multiValueQueryStringParameters=None,
    )
    event["requestContext"].update(path=stage_prefix + path, resourcePath=PATH, httpMethod=method)
    if token:
        event["headers"]["Authorization"] = f"Bearer {token}"
        event["multiValueHeaders"]["Authorization"] = [f"Bearer {token}"]
    function = routed_function(method, PATH)
    return Reply(load_function(function).lambda_handler(event, FakeContext()))


@pytest.fixture
def alice(signup) -> str:
    return signup("alice")["access"]


def document(token: str) -> dict[str, Any]:
    r = datamodel_call(token=token)
    assert r.status == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def test_the_literal_route_goes_to_the_list_function():
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        assert routed_function(method, PATH) == "resource_list"


def test_the_document_has_the_companions_shape(alice):
    doc = document(alice)
    # flask-restless-client 0.4.14 recommends servers 0.2.1 … 0.3.0 and reads serialize_naively.
    assert doc[META] == {"server_version": "0.3.0", "serialize_naively": False}
    assert set(doc) == {META, "User", "Movie"}
    for entry in (doc["User"], doc["Movie"]):
        assert set(entry) == MODEL_KEYS
        assert entry["properties"] == {} and entry["methods"] == {}  # RPC entries: a declaration has none
    assert doc["Movie"] == {
        "pk_name": "id",
        "collection_name": "movies",
        "url_prefix": "/api",
        "attributes": {
            "id": "unicode",
            "title": "unicode",
            "genre": "unicode",
            "year": "integer",
            "created_at": "datetime",
            "updated_at": "datetime",
            "creator_id": "unicode",  # the foreign key column a SQLAlchemy model has (0.17 serializes it)
        },
        "relations": {
            "creator": {
                "foreign_model": "User",
                "relation_type": "MANYTOONE",
                "backref": "movies",
                "local_column": "creator_id",
            }
        },
        "properties": {},
        "methods": {},
    }
    assert doc["User"]["attributes"] == {
        "id": "unicode",
        "username": "unicode",
        "first_name": "unicode",
        "last_name": "unicode",
        "date_joined": "datetime",
    }
    assert doc["User"]["relations"] == {
        "movies": {"foreign_model": "Movie", "relation_type": "ONETOMANY", "backref": "creator"}
    }


def test_every_model_comes_from_the_registry(alice):
    doc = document(alice)
    served = registry.exposed("restless")
    assert len(doc) == 1 + len(served)
    by_collection = {entry["collection_name"]: entry for name, entry in doc.items() if name != META}
    for resource, _ in served:
        entry = by_collection[resource.collection]
        assert entry["pk_name"] == resource.key
        assert entry["url_prefix"] == resource.url_prefix
        assert set(resource.readable_fields()) <= set(entry["attributes"])
        assert set(resource.relations) <= set(entry["relations"])


def test_its_attributes_are_what_an_object_carries(alice, invoke):
    """The columns the client expects are the object's keys, plus the foreign key column."""
    doc = document(alice)
    body = {"title": "Casablanca", "genre": "Drama", "year": 1942}
    movie = invoke("resource_create", "restless_create", token=alice, body=body).json()
    relations = set(doc["Movie"]["relations"])
    assert set(doc["Movie"]["attributes"]) - {"creator_id"} == set(movie) - relations - {"creator_id"}
    creator = movie["creator"]
    assert set(creator) <= set(doc["User"]["attributes"])


def test_a_resource_declared_later_appears(reviews, alice):  # noqa: F811
    doc = document(alice)
    assert doc["Review"]["collection_name"] == "reviews"
    assert doc["Review"]["attributes"] == {
        "id": "unicode",
        "rating": "integer",
        "text": "unicode",
        "created_at": "datetime",
        "updated_at": "datetime",
        "movie_id": "unicode",
        "author_id": "unicode",
    }
    assert doc["Review"]["relations"] == {
        "movie": {
            "foreign_model": "Movie",
            "relation_type": "MANYTOONE",
            "backref": "reviews",
            "local_column": "movie_id",
        },
        "author": {
            "foreign_model": "User",
            "relation_type": "MANYTOONE",
            "backref": "reviews",
            "local_column": "author_id",
        },
    }
    # The to-many side appears on both targets (GET /api/movies/<id>/reviews, /api/users/<id>/reviews).
    assert doc["Movie"]["relations"]["reviews"] == {
        "foreign_model": "Review",
        "relation_type": "ONETOMANY",
        "backref": "movie",
    }
    assert doc["User"]["relations"]["reviews"]["backref"] == "author"


@pytest.fixture
def notes(aws: None) -> Iterator[registry.Resource]:
    """A throwaway declaration with a field that is not readable and include/exclude columns."""
    registry.resources()
    resource = registry.create_api(
        name="notes",
        title="private note",
        fields={
            "id": Field("id", str, sortable=False),
            "body": Field("body", str, writable=True),
            "pin": Field("pin", str, readable=False, filterable=False, sortable=False),
            "internal": Field("internal", str),
            "starred": Field("starred", bool),
            "weight": Field("weight", float),
        },
        relations={
            "author": Relation("author", "users", ("id", "username")),
            "movie": Relation("movie", "movies", ("id",), writable=True),
        },
        owner="author",
        exclude_columns=("internal", "movie_id", "author"),
        collection_name="notes",
        dialects={"restless": Restless()},
    )
    yield resource
    registry.unregister("notes")


def test_hidden_and_excluded_columns_are_never_named(notes, alice):
    doc = document(alice)
    entry = doc["PrivateNote"]  # the title as a class name
    assert entry["attributes"] == {
        "id": "unicode",
        "body": "unicode",
        "starred": "boolean",
        "weight": "float",
        "author_id": "unicode",
    }
    assert set(entry["relations"]) == {"movie"}  # author is excluded
    assert entry["relations"]["movie"]["local_column"] == "movie_id"
    text = json.dumps(doc)
    assert '"pin"' not in text and '"internal"' not in text


def test_no_hidden_user_value_is_named(alice):
    text = datamodel_call(token=alice).text
    for name in HIDDEN:
        assert f'"{name}"' not in text, name
    for entry in json.loads(text).values():
        for name in entry.get("attributes", {}):
            assert name not in HIDDEN


def test_anonymous_gets_flask_restless_401():
    """Sign-in is required on every route (a deliberate difference); the client signs in before asking."""
    r = datamodel_call()
    assert r.status == 401
    assert r.json() == {"message": "Authentication credentials were not provided."}
    assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.usefixtures("aws")
def test_a_bad_token_is_401():
    r = datamodel_call(token="not-a-token")
    assert r.status == 401


def test_head_and_trailing_slash(alice):
    r = datamodel_call("HEAD", token=alice)
    assert r.status == 200 and r.text == ""
    assert datamodel_call(token=alice, path=PATH + "/").json() == document(alice)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_other_methods_are_405(alice, method):
    r = datamodel_call(method, token=alice)
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD, OPTIONS"  # Werkzeug's: the rule's GET plus HEAD and OPTIONS, sorted
    assert r.json() == {"message": "The method is not allowed for the requested URL."}


def test_the_real_client_builds_itself_from_it(alice):
    """flask-restless-client 0.4.14's own constructor reads the document (no HTTP: the handler answers)."""
    import restless_client
    from restless_client.ext.auth import BaseSession

    class HandlerSession(BaseSession):
        def request(self, method, url, **kwargs):
            assert method.upper() == "GET" and url.endswith(PATH), url
            r = datamodel_call(token=alice)
            response = _requests_response(r)
            return self.validate_response(response)

    client = restless_client.Client(url="http://api.invalid", session=HandlerSession())
    assert {"User", "Movie"} <= set(client._classes)
    movie = restless_client.inspect(client.Movie)
    assert movie.base_url == "http://api.invalid/api/movies"
    assert movie.pk_name == "id"
    assert "creator" in movie.relations() and "year" in movie.attributes()
    # A filter through the relation is the has-filter 0.17 takes.
    f = client.Movie.creator.username == "alice"
    assert f.to_raw_filter() == {
        "name": "creator",
        "op": "has",
        "val": {"name": "username", "op": "==", "val": "alice"},
    }


def _requests_response(reply: Reply) -> Any:
    import requests

    response = requests.Response()
    response.status_code = reply.status
    response._content = reply.text.encode()
    response.headers.update(reply.headers)
    response.reason = "OK" if reply.status < 400 else "Error"
    return response
