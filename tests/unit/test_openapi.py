"""The OpenAPI document: valid 3.1, routed exactly as template.yaml routes, faithful to the declarations."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from moviesapi import accounts, auth, methods, openapi, swagger
from moviesapi.catalog import MOVIE, USER
from moviesapi.dialects import drf, frappe, restless
from moviesapi.models import UserModel
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


def _template_routes() -> set[tuple[str, str]]:
    """(path, verb) for every route a client can call; ANY is the whitelist's verbs for that method."""
    whitelist = methods.registered()
    routes = set()
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function" or logical_id == REFUSALS:
            continue
        for event in resource["Properties"]["Events"].values():
            path, verb = event["Properties"]["Path"], event["Properties"]["Method"].upper()
            if verb == "ANY":
                assert path.startswith("/api/method/"), f"{logical_id}: ANY on {path}"
                routes |= {(path, v) for v in whitelist[path.removeprefix("/api/method/")].methods}
            else:
                routes.add((path, verb))
    return routes


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
    missing = _template_routes() - _documented_routes()
    assert not missing, sorted(missing)


def test_every_documented_operation_is_routed():
    """Nothing in the document that the template would not route to a function (no invented paths)."""
    invented = _documented_routes() - _template_routes()
    assert not invented, sorted(invented)


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
        "creator": {"id": "u1", "username": "rick"},
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def test_read_schemas_match_what_each_dialect_answers():
    schemas = DOC["components"]["schemas"]
    record = _movie_record()
    assert list(schemas["DrfMovie"]["properties"]) == list(drf.movie_json(record))
    assert set(schemas["RestlessMovie"]["properties"]) == set(restless.to_object(MOVIE, record))
    assert set(schemas["RestlessMovie"]["properties"]["creator"]["properties"]) == {"id", "username"}
    assert set(schemas["FrappeMovie"]["properties"]) == set(frappe.MOVIE_DOCTYPE.doc(record))
    user = {
        "id": "u1",
        "username": "rick",
        "first_name": "Rick",
        "last_name": "Blaine",
        "date_joined": record["created_at"],
    }
    restless_user = set(schemas["RestlessUser"]["properties"])
    assert restless_user == set(restless.to_object(USER, user)) == set(USER.readable_fields())
    assert set(schemas["FrappeUser"]["properties"]) == set(frappe.USER_DOCTYPE.doc(user))
    registered = accounts.public_user(UserModel("u1", username="rick", email="r@x.io", first_name="", last_name=""))
    assert set(schemas["RegisteredUser"]["properties"]) == set(registered)


def _params(path: str, method: str) -> dict[str, dict[str, Any]]:
    op = DOC["paths"][path][method]
    return {p["name"]: p for p in (_resolve(p) for p in op.get("parameters", []))}


def test_list_parameters_are_the_dialects():
    drf_list = _params("/api/v1/movies/", "get")
    assert set(drf.MOVIE_FILTERS) | {"page", "page_size", "ordering", "cursor"} <= set(drf_list)
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
        "title",
        "genre",
        "year",
        "created_at",
        "updated_at",
        "creator__username",
    ]


def test_idempotency_key_on_creates_and_if_match_on_item_writes():
    for path, method, op in _operations():
        names = {p.get("$ref", "").rsplit("/", 1)[-1] for p in op.get("parameters", [])}
        creates = method == "POST" and (path.rstrip("/").endswith(("/movies", "/Movie", ".{format}")))
        assert ("IdempotencyKey" in names) == creates, (path, method)
        item_write = method in ("PUT", "PATCH", "DELETE") and path.rstrip("/").endswith(("{id}", "{name}"))
        assert ("IfMatch" in names) == item_write, (path, method)


def test_each_dialect_documents_its_error_shape():
    responses = DOC["components"]["responses"]
    assert responses["DrfError401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DrfError"
    }
    assert responses["RestlessError404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RestlessError"
    }
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


def test_api_gateway_passes_the_assets_as_binary_and_the_docs_function_reads_nothing():
    """Base64 answers become bytes only for BinaryMediaTypes; the docs function needs no table or secret."""
    assert "*~1*" in TEMPLATE["Resources"]["MoviesApi"]["Properties"]["BinaryMediaTypes"]
    docs = TEMPLATE["Resources"]["ApiDocsFunction"]["Properties"]
    assert "Policies" not in docs and docs["CodeUri"] == "functions/api_docs/"
