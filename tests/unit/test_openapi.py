"""The OpenAPI document: valid 3.1, routed exactly as template.yaml routes, faithful to the declarations."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from moviesapi import accounts, auth, dialects, openapi, swagger
from moviesapi.catalog import MOVIE, USER
from moviesapi.dialects import drf, frappe, restless
from moviesapi.dialects.frappe import methods
from moviesapi.models import UserModel
from moviesapi.operations import all_operations
from openapi_spec_validator import validate
from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())
DOC = openapi.build_document()
VERBS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The NotAllowedFunction only refuses (404/405 in the dialect's shape): nothing there to call.
REFUSALS = "NotAllowedFunction"
# Names of stored secrets and server-side state: never a property, parameter or header of the document.
SECRET_NAMES = {
    "password_hash",
    "api_secret_hash",
    "sid_hash",
    "session_id",
    "session",
    "pk",
    "jti",
    "family",
    "csrf_token",
    "secret_hash",
    "is_active",
    "last_login",
}


def _operations(doc: dict[str, Any] = DOC):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in VERBS:
                yield path, method.upper(), op


def _template_routes() -> list[tuple[str, str, str]]:
    """(pattern, verb, function) for every event of template.yaml (verb may be ANY)."""
    routes = []
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"]["Events"].values():
            routes.append((event["Properties"]["Path"], event["Properties"]["Method"].upper(), logical_id))
    return routes


ROUTES = _template_routes()


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def _resolve_route(path: str) -> str | None:
    """The template path API Gateway routes ``path`` to: literal segments beat ``{parameters}``.

    A ``{parameter}`` of ``path`` itself (an id) stands for any value, so only a parameter matches it.
    """
    best: tuple[tuple[int, ...], str] | None = None
    for pattern in {p for p, _, _ in ROUTES}:
        a, b = _segments(pattern), _segments(path)
        if len(a) != len(b):
            continue
        if all(
            x == y or (x.startswith("{") and (y.startswith("{") or "{" not in y)) for x, y in zip(a, b, strict=True)
        ):
            rank = tuple(int(x.startswith("{")) for x in a)
            if best is None or rank < best[0]:
                best = (rank, pattern)
    return best[1] if best else None


def _function(pattern: str, verb: str) -> tuple[str, str] | None:
    """(function, the event's verb) serving ``verb`` at ``pattern``: the verb's own event, else ANY."""
    found = {m: fn for p, m, fn in ROUTES if p == pattern}
    for method in (verb, "ANY"):
        if method in found:
            return found[method], method
    return None


def _callable_routes() -> set[tuple[str, str]]:
    """(pattern, verb) a client can call: each verb event of a function that serves, and on a literal
    path routed with ANY, the verbs its endpoints serve (a whitelisted method: the verbs it is whitelisted for).

    The refusals (405/404) are the NotAllowedFunction's events, listed method by method.
    """
    whitelist = methods.registered()
    callable_ = set()
    for pattern, verb, fn in ROUTES:
        if fn == REFUSALS:
            continue
        if verb != "ANY":
            callable_.add((pattern, verb))
        elif pattern != "/api/method/{method}":  # that one only answers 404 for unknown methods
            served = dialects.methods_at(pattern) or next(
                (tuple(m for m in ms if m != "ANY") for op in all_operations() for p, ms in op.routes if p == pattern),
                (),
            )
            if pattern.startswith("/api/method/"):
                allowed = whitelist[pattern.removeprefix("/api/method/")].methods
                served = (*allowed, *(("HEAD",) if "GET" in allowed and "HEAD" in served else ()))
            callable_ |= {(pattern, v) for v in served}
    return callable_


def _documented_routes() -> set[tuple[str, str]]:
    """(path, verb) per operation; ``.{format}`` expanded to each format, trailing slashes dropped."""
    routes = set()
    for path, method, op in _operations():
        params = {p["name"]: p for p in op.get("parameters", []) if "name" in p}
        paths = [path]
        if "{format}" in path:
            paths = [path.replace("{format}", f) for f in params["format"]["schema"]["enum"]]
        routes |= {(p.rstrip("/") or "/", method) for p in paths}
    return routes


def _walk(node: Any, found: list[tuple[str, Any]], key: str = "") -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            found.append((k, v))
            _walk(v, found, k)
    elif isinstance(node, list):
        for v in node:
            _walk(v, found, key)


def test_document_is_valid_openapi_3_1():
    assert DOC["openapi"] == "3.1.0"
    validate(DOC)
    validate(openapi.build_document("/dev"))
    assert openapi.build_document("/dev")["servers"] == [{"url": "/dev", "description": "This stage of the API."}]


def test_every_route_a_client_can_call_is_documented():
    reached = {(_resolve_route(path), verb) for path, verb in _documented_routes()}
    missing = _callable_routes() - reached
    assert not missing, sorted(missing)


def test_every_documented_operation_is_routed():
    """Nothing in the document that the template would not route to a serving function (no invented paths)."""
    callable_ = _callable_routes()
    invented = []
    for path, verb in sorted(_documented_routes()):
        pattern = _resolve_route(path)
        served = _function(pattern, verb) if pattern else None
        if served is None or served[0] == REFUSALS or (pattern, verb) not in callable_:
            invented.append((path, verb, pattern, served))
    assert not invented, invented


def test_operation_ids_are_unique_and_every_operation_is_tagged():
    ids = [op["operationId"] for _, _, op in _operations()]
    assert len(ids) == len(set(ids))
    tags = {t["name"] for t in DOC["tags"]}
    assert all(set(op["tags"]) <= tags for _, _, op in _operations())


def test_security_schemes_are_the_authenticators():
    schemes = DOC["components"]["securitySchemes"]
    assert len(schemes) == len(auth.AUTHENTICATORS)
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["tokenAuth"]["in"] == "header" and schemes["tokenAuth"]["name"] == "Authorization"
    assert schemes["basicAuth"]["scheme"] == "basic"
    assert schemes["sidCookie"] == {**schemes["sidCookie"], "type": "apiKey", "in": "cookie", "name": "sid"}


def test_every_operation_says_who_may_call_it():
    everyone = [{name: []} for name in DOC["components"]["securitySchemes"]]
    for path, method, op in _operations():
        assert "security" in op, (path, method)
        if path.startswith("/api/v1/auth/") or path.startswith("/api/docs") or path == "/api/openapi.json":
            assert op["security"] == [], (path, method)
        elif path == "/":
            assert op["security"] == [{}, *everyone], (path, method)  # cmd= may name a method guests call
        elif path.startswith("/api/method/"):
            guest = methods.registered()[path.removeprefix("/api/method/")].allow_guest
            assert op["security"] == ([{}, *everyone] if guest else everyone), (path, method)
        else:
            assert op["security"] == everyone, (path, method)


def test_no_secret_field_appears_anywhere():
    text = json.dumps(DOC)
    for name in ("password_hash", "api_secret_hash", "argon2"):
        assert name not in text
    found: list[tuple[str, Any]] = []
    _walk(DOC, found)
    names = set()
    for key, value in found:
        if key == "properties" and isinstance(value, dict):
            names |= set(value)
        if key in ("parameters",) and isinstance(value, list):
            names |= {p.get("name") for p in value if isinstance(p, dict)}
        if key == "headers" and isinstance(value, dict):
            names |= {n.lower() for n in value}
    assert not names & SECRET_NAMES, names & SECRET_NAMES
    # A password is only ever sent, never answered.
    for path, method, op in _operations():
        for status, response in op["responses"].items():
            assert "password" not in json.dumps(_resolve(response)), (path, method, status)


def _resolve(node: Any, seen: frozenset[str] = frozenset()) -> Any:
    """``node`` with its $refs into components replaced (recursive schemas stop at the second visit)."""
    if isinstance(node, dict):
        if "$ref" in node and node["$ref"] not in seen:
            target: Any = DOC
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _resolve(target, seen | {node["$ref"]})
        return {k: _resolve(v, seen) for k, v in node.items() if k != "$ref"}
    if isinstance(node, list):
        return [_resolve(v, seen) for v in node]
    return node


def test_input_schemas_follow_the_registry():
    schemas = DOC["components"]["schemas"]
    movie_input, movie_patch = schemas["MovieInput"], schemas["MoviePatch"]
    assert set(movie_input["properties"]) == set(MOVIE.writable_fields()) == {"title", "genre", "year"}
    assert movie_input["required"] == [n for n, f in MOVIE.fields.items() if f.writable and f.required]
    assert "required" not in movie_patch
    year = movie_input["properties"]["year"]
    assert year == {
        "type": "integer",
        "minimum": MOVIE.fields["year"].min_value,
        "maximum": MOVIE.fields["year"].max_value,
    }
    assert movie_input["properties"]["title"] == {"type": "string", "minLength": 1, "maxLength": 100}
    assert "UserInput" not in schemas  # users are read-only everywhere


def _movie_record() -> dict[str, Any]:
    now = datetime(2026, 1, 2, 3, 4, 5, 678900, tzinfo=UTC)
    return {
        "id": "m1",
        "title": "Casablanca",
        "genre": "Drama",
        "year": 1942,
        "creator": {"id": "u1", "username": "rick", "first_name": "Rick", "last_name": "Blaine", "date_joined": now},
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def test_read_schemas_match_what_each_dialect_answers():
    schemas = DOC["components"]["schemas"]
    record = _movie_record()
    assert list(schemas["DrfMovie"]["properties"]) == list(drf.serialize(MOVIE, MOVIE.options("drf"), record))
    answered = restless.to_object(MOVIE, record)
    assert set(schemas["RestlessMovie"]["properties"]) == set(answered)
    assert answered["creator_id"] == "u1" and "creator_id" in schemas["RestlessMovie"]["required"]  # the foreign key
    creator = set(schemas["RestlessMovie"]["properties"]["creator"]["properties"])
    assert creator == set(answered["creator"]) == set(USER.readable_fields())  # every public field of the user
    assert set(schemas["FrappeMovie"]["properties"]) == set(frappe.doctype_of("Movie").doc(record))
    user = {
        "id": "u1",
        "username": "rick",
        "first_name": "Rick",
        "last_name": "Blaine",
        "date_joined": record["created_at"],
    }
    restless_user = set(schemas["RestlessUser"]["properties"])
    assert restless_user == set(restless.to_object(USER, user)) == set(USER.readable_fields())
    assert set(schemas["FrappeUser"]["properties"]) == set(frappe.doctype_of("User").doc(user))
    registered = accounts.public_user(UserModel("u1", username="rick", email="r@x.io", first_name="", last_name=""))
    assert set(schemas["RegisteredUser"]["properties"]) == set(registered) - {"id"}  # the seed answers no id


def _params(path: str, method: str) -> dict[str, dict[str, Any]]:
    op = DOC["paths"][path][method]
    return {p["name"]: p for p in (_resolve(p) for p in op.get("parameters", []))}


def test_list_parameters_are_the_dialects():
    drf_list = _params("/api/v1/movies/", "get")
    assert set(MOVIE.options("drf").filters) | {"page", "page_size", "cursor"} <= set(drf_list)
    assert "ordering" not in drf_list  # the seed has no OrderingFilter
    assert drf_list["year__gt"]["schema"] == {"type": "integer"}
    assert set(_params("/api/movies", "get")) >= {"q", "page", "results_per_page"}
    assert _params("/api/movies", "get")["results_per_page"]["schema"]["default"] == MOVIE.results_per_page
    assert set(_params("/api/resource/Movie", "get")) >= {
        "fields",
        "filters",
        "or_filters",
        "order_by",
        "limit_start",
        "limit_page_length",
        "as_dict",
    }
    q = _resolve(_params("/api/movies", "get")["q"]["content"]["application/json"]["schema"])
    assert q["properties"]["order_by"]["items"]["properties"]["field"]["enum"] == [
        "id",  # UUIDv7: creation order
        "title",
        "genre",
        "year",
        "created_at",
        "updated_at",
        "creator__username",
        "creator__first_name",  # the nested creator carries every public user field
        "creator__last_name",
        "creator__date_joined",
    ]


def test_idempotency_key_on_creates_and_if_match_on_item_writes():
    for path, method, op in _operations():
        names = {p.get("$ref", "").rsplit("/", 1)[-1] for p in op.get("parameters", [])}
        creates = method == "POST" and not path.startswith(("/api/v1/auth/", "/api/method/")) and path != "/"
        assert ("IdempotencyKey" in names) == creates, (path, method)
        item_write = method in ("PUT", "PATCH", "DELETE") and path.rstrip("/").endswith(("{id}", "{name}"))
        assert ("IfMatch" in names) == item_write, (path, method)


def test_each_dialect_documents_its_error_shape():
    responses = DOC["components"]["responses"]
    assert responses["DrfError401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DrfError"
    }
    assert responses["RestlessError401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RestlessError"
    }
    assert responses["RestlessError404"]["content"]["application/json"]["schema"] == {  # 0.17: {} for a missing item
        "anyOf": [{"$ref": "#/components/schemas/RestlessMissingItem"}, {"$ref": "#/components/schemas/RestlessError"}]
    }
    assert DOC["components"]["schemas"]["RestlessMissingItem"]["maxProperties"] == 0
    assert "FrappeError417" in responses and "FrappeError400" in responses
    frappe_list = DOC["paths"]["/api/resource/Movie"]["get"]["responses"]
    assert "417" in frappe_list and "400" not in frappe_list  # Frappe's ValidationError is a 417


def test_api_version_is_the_projects():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert DOC["info"]["version"] == openapi.API_VERSION == project["version"]


def test_vendored_swagger_ui_is_the_published_package():
    """The files under static/swagger/ are byte for byte the ones listed (with their checksums) in its README."""
    folder = ROOT / "layers/core/python/moviesapi/static/swagger"
    readme = (folder / "README.md").read_text()
    assert f"swagger-ui-dist@{swagger.SWAGGER_UI_VERSION}" in readme
    listed = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M))
    assert set(listed) == {p.name for p in folder.iterdir()} - {"README.md"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("name", sorted(swagger.ASSETS))
def test_every_asset_is_in_the_package(name):
    assert swagger._read(name)


def test_api_gateway_compresses_the_text_assets_and_the_docs_function_reads_nothing():
    """The assets are text (no binary media type needed) gzipped by API Gateway; no table or secret."""
    api = TEMPLATE["Resources"]["MoviesApi"]["Properties"]
    assert api["BinaryMediaTypes"] == ["multipart~1form-data", "application~1octet-stream"]
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):  # the init script is under 1 KB
        assert 0 < api["MinimumCompressionSize"] < len(swagger._read(name)), name
    docs = TEMPLATE["Resources"]["ApiDocsFunction"]["Properties"]
    assert "Policies" not in docs and docs["CodeUri"] == "functions/api_docs/"


# ---------------------------------------------------------------- one core, a contribution per dialect

OPENAPI = ROOT / "layers/core/python/moviesapi/openapi"
DIALECTS = ROOT / "layers/core/python/moviesapi/dialects"


@pytest.mark.parametrize("module", sorted(p.name for p in OPENAPI.glob("*.py")))
def test_the_core_names_no_resource_and_no_dialect(module):
    """Resources and dialects come from the registry and the dialects' contributions, never from the core."""
    text = (OPENAPI / module).read_text().lower().replace("moviesapi", "")
    found = [word for word in ("movie", "drf", "frappe", "restless", "django", "flask") if word in text]
    assert not found, found


def test_each_dialect_contributes_through_its_own_module():
    modules = {d.name: type(d).contribute_openapi.__code__.co_names for d in dialects.all_dialects()}
    assert set(modules) == {"drf", "frappe", "restless"}
    for name, names in modules.items():
        assert "contribute" in names, name
    for path in (DIALECTS / "drf_openapi.py", DIALECTS / "restless_openapi.py", DIALECTS / "frappe" / "openapi.py"):
        assert len(path.read_text().splitlines()) < 500, path
    for path in OPENAPI.glob("*.py"):
        assert len(path.read_text().splitlines()) < 500, path


def test_a_function_importing_a_dialect_does_not_load_the_document_code():
    """Cold starts of the other functions stay free of the OpenAPI contributions (imported lazily)."""
    code = (
        "import sys\n"
        "import moviesapi.dialects.drf, moviesapi.dialects.restless, moviesapi.dialects.frappe\n"
        "from moviesapi import dialects\n"
        "[d.url_patterns() for d in dialects.all_dialects()]\n"
        "loaded = sorted(m for m in sys.modules if 'openapi' in m and m.startswith('moviesapi'))\n"
        "assert not loaded, loaded\n"
    )
    _run(code)


def test_examples_come_from_the_declaration():
    schemas = DOC["components"]["schemas"]
    declared = {n: f.example for n, f in MOVIE.fields.items() if f.writable and f.example is not None}
    assert declared and schemas["MovieInput"]["example"] == declared
    first = next(iter(declared))
    assert schemas["MoviePatch"]["example"] == {first: declared[first]}
    drf_create = DOC["paths"]["/api/v1/movies/"]["post"]["requestBody"]["content"]["application/json"]
    assert drf_create["example"] == declared
    restless_create = DOC["paths"]["/api/movies"]["post"]["requestBody"]["content"]["application/json"]
    assert restless_create["example"] == declared
    frappe_create = DOC["paths"]["/api/resource/Movie"]["post"]["requestBody"]["content"]["application/json"]
    assert frappe_create["example"] == declared
    # Filter examples: the first filterable field that declares an example.
    q = schemas["RestlessMovieQuery"]["example"]
    assert q["filters"][0]["name"] == first and q["filters"][0]["val"] == declared[first]
    assert schemas["FrappeMovieFilters"]["example"][0][0] == first
    assert not hasattr(openapi, "EXAMPLES")


@pytest.mark.parametrize("doctype", ["Movie", "User"])
def test_frappe_fields_example_names_only_that_doctypes_own_readable_fields(doctype):
    from moviesapi.dialects.frappe import doctype_of

    (fields,) = [p for p in DOC["paths"][f"/api/resource/{doctype}"]["get"]["parameters"] if p.get("name") == "fields"]
    shown = json.loads(fields["schema"]["examples"][0])
    own = doctype_of(doctype)
    assert shown[0] == "name" and len(shown) == len(set(shown)) == 3
    assert all(f in own.fields and f not in ("owner", "modified_by") for f in shown)


def test_restless_relations_are_documented():
    creator = DOC["paths"]["/api/movies/{id}/creator"]["get"]
    schema = creator["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/RestlessUser"} in schema["anyOf"] and {"type": "null"} in schema["anyOf"]
    movies = DOC["paths"]["/api/users/{id}/movies"]["get"]
    schema = movies["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/RestlessMoviePage"}
    assert "page" in {p["name"] for p in movies["parameters"]}
    for path in ("/api/movies/{id}/creator", "/api/users/{id}/movies"):
        assert set(DOC["paths"][path]) == {"get", "head"}


def test_head_is_documented_where_get_is_served_and_answers_no_body():
    for path, item in DOC["paths"].items():
        if "head" not in item:
            continue
        assert "get" in item, path
        head, get = item["head"], item["get"]
        assert set(head["responses"]) == set(get["responses"]), path
        assert all("content" not in r and "$ref" not in r for r in head["responses"].values()), path
    for path in ("/api/v1/movies/", "/api/v1/movies/{id}/", "/api/movies", "/api/resource/Movie", "/api/eval/movies"):
        assert "head" in DOC["paths"][path], path


def _run(code: str, **env: str) -> str:
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/core/python"), str(ROOT)]),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_declared_resource_appears_in_every_dialect():
    """``tests/catalog_extra.py`` declares ``reviews``; the document follows with no other change.

    The registry is process-global, so the document is built in a process of its own.
    """
    code = (
        "import json\n"
        "from moviesapi.openapi import build_document\n"
        "from openapi_spec_validator import validate\n"
        "doc = build_document()\n"
        "validate(doc)\n"
        "print(json.dumps(doc))\n"
    )
    doc = json.loads(_run(code, API_CATALOG="tests.catalog_extra"))
    paths, schemas = doc["paths"], doc["components"]["schemas"]
    # DRF: the serializer, pages, FilterSet and OrderingFilter from the declaration.
    assert {"get", "head", "post"} <= set(paths["/api/v1/reviews/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/reviews/{id}/"])
    assert "/api/v1/reviews.{format}" in paths
    assert set(schemas["DrfReview"]["properties"]) == {
        "id",
        "rating",
        "text",
        "created_at",
        "updated_at",
        "movie",
        "author",
    }
    params = {p["name"]: p for p in paths["/api/v1/reviews/"]["get"]["parameters"] if "name" in p}
    assert params["rating"]["schema"] == {"type": "integer"} and params["movie"]["schema"] == {"type": "string"}
    assert "rating" in params["ordering"]["description"] and "year" not in params["ordering"]["description"]
    assert schemas["ReviewInput"]["required"] == ["rating", "text", "movie"]
    assert schemas["ReviewInput"]["example"] == {"rating": 5, "text": "Great"}
    # Frappe: the Review DocType.
    assert {"get", "post"} <= set(paths["/api/resource/Review"])
    assert {"get", "put", "delete"} <= set(paths["/api/resource/Review/{name}"])
    assert {"name", "owner", "rating", "text", "movie", "doctype"} <= set(schemas["FrappeReview"]["properties"])
    assert schemas["FrappeReviewFilters"]["example"][0] == ["rating", ">=", 5]
    # Flask-Restless: collection, item, patch-many, eval, and the relations both ways.
    assert {"get", "post", "put", "patch"} <= set(paths["/api/reviews"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/reviews/{id}"])
    assert "get" in paths["/api/eval/reviews"]
    for path in ("/api/reviews/{id}/movie", "/api/reviews/{id}/author", "/api/movies/{id}/reviews"):
        assert "get" in paths[path], path
    assert set(schemas["RestlessReview"]["properties"]["movie"]["properties"]) == {"id", "title"}
    assert schemas["RestlessReviewFunctions"]["example"]["functions"][-1] == {"name": "avg", "field": "rating"}
    tags = {t["name"] for t in doc["tags"]}
    assert "DRF: reviews" in tags


def _accepts(schema_name: str, value: Any) -> bool:
    """Whether the document's schema ``schema_name`` (with its references) accepts ``value``."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resource("urn:doc", Resource.from_contents({**DOC, "$schema": DRAFT_2020_12}))
    schema = {"$ref": f"urn:doc#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=registry).is_valid(value)


DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(("values", "accepted"), [(100, True), (101, False)])
def test_filter_schemas_cap_in_lists_as_the_server_does(values, accepted):
    """The server refuses an ``in`` list past ``MAX_LIST_VALUES``; the document says so too."""
    from moviesapi.query import MAX_LIST_VALUES

    assert values - 1 <= MAX_LIST_VALUES
    years = list(range(1900, 1900 + values))
    assert _accepts("RestlessMovieFilter", {"name": "year", "op": "in", "val": years}) is accepted
    assert _accepts("RestlessMovieFilter", {"name": "year", "op": "==", "val": 1942})
    assert _accepts("FrappeMovieFilters", [["year", "in", years]]) is accepted
    assert _accepts("FrappeMovieFilters", [["Movie", "year", "not in", years]]) is accepted
    assert _accepts("FrappeMovieFilters", [["year", "in", "1942, 1946"]])


def test_restless_bodies_refuse_unknown_fields_as_the_server_does():
    path = DOC["paths"]["/api/movies"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert path["unevaluatedProperties"] is False
    item = DOC["paths"]["/api/movies/{id}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert item["unevaluatedProperties"] is False
    drf = DOC["paths"]["/api/v1/movies/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "unevaluatedProperties" not in drf  # DRF's serializers ignore unknown fields
