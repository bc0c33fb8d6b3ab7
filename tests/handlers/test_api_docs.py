"""The api_docs function (OpenAPI document, Swagger UI page and assets), and real answers checked against it.

The second half runs real operations of every dialect through their handlers and
validates each JSON body against the schema the document gives for that path, verb
and status, so the document describes what the API answers, not what it ought to.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from moviesapi import openapi, swagger
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tests.conftest import ROOT, FakeContext, Reply, load_event, load_function
from tests.handlers.frappe_support import call, login, session_headers

STATIC = "layers/core/python/moviesapi/static"
DOC = openapi.build_document()
MOVIE = {"title": "Casablanca", "genre": "Drama", "year": 1942}


def asset(invoke, name: str, **headers: str) -> Reply:
    return invoke("api_docs", "api_docs_asset", path=f"/api/docs/{name}", headers=headers)


# ---------------------------------------------------------------- the document and the page


def test_document_is_served_with_the_stage_as_server(invoke):
    r = invoke("api_docs", "api_openapi")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    doc = r.json()
    validate(doc)
    assert doc["servers"][0]["url"] == "/dev"  # the committed events come through the dev stage
    again = invoke("api_docs", "api_openapi", headers={"If-None-Match": r.headers["etag"]})
    assert again.status == 304 and again.text == ""


def test_document_ignores_accept_and_format(invoke):
    r = invoke("api_docs", "api_openapi", headers={"Accept": "application/xml"}, query={"format": ["csv"]})
    assert r.status == 200 and r.json()["openapi"] == "3.1.0"


def test_page_loads_only_its_own_files_under_a_strict_policy(invoke):
    r = invoke("api_docs")
    assert r.status == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe" not in csp and "http" not in csp
    assert "<script>" not in r.text  # no inline script: the init code is a file
    urls = re.findall(r'(?:src|href|data-spec-url)="([^"]*)"', r.text)
    assert urls and all(not u.startswith("/") and "//" not in u for u in urls), urls
    assert 'data-spec-url="openapi.json"' in r.text
    assert {u.split("?")[0] for u in urls if u.startswith("docs/")} == {
        "docs/swagger-ui.css",
        "docs/swagger-ui-bundle.js",
        "docs/swagger-init.js",
    }


def test_page_with_a_trailing_slash_still_finds_its_files(invoke):
    r = invoke("api_docs", path="/api/docs/")
    assert r.status == 200
    assert 'data-spec-url="../openapi.json"' in r.text and 'src="swagger-ui-bundle.js?v=' in r.text


@pytest.mark.parametrize(
    ("name", "file", "content_type"),
    [
        ("swagger-ui-bundle.js", "swagger/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "swagger/swagger-ui.css", "text/css; charset=utf-8"),
        ("swagger-init.js", "swagger-init.js", "text/javascript; charset=utf-8"),
    ],
)
def test_assets_are_text_identical_to_the_vendored_files_and_cached(invoke, name, file, content_type):
    """No base64 and no gzip from the function: API Gateway compresses (MinimumCompressionSize)."""
    original = (ROOT / STATIC / file).read_bytes()
    for encoding in ("identity", "gzip, deflate, br"):
        r = asset(invoke, name, **{"Accept-Encoding": encoding, "Accept": "*/*"})
        assert r.status == 200 and r.raw["isBase64Encoded"] is False, encoding
        assert r.text.encode("utf-8") == original
        assert "content-encoding" not in r.headers
        assert r.headers["content-type"] == content_type
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["vary"] == "Accept-Encoding"
        assert r.headers["etag"] == f'"{swagger._digest(name)}"'
    cached = asset(invoke, name, **{"If-None-Match": r.headers["etag"]})
    assert cached.status == 304 and cached.text == ""
    assert cached.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset(invoke, name, **{"If-None-Match": '"other"'}).status == 200


def test_the_largest_answer_fits_lambdas_response_limit(invoke):
    """The 1.7 MB bundle as text, serialised as the Lambda runtime does, stays inside the 6 MB limit."""
    raw = asset(invoke, "swagger-ui-bundle.js").raw
    size = len(json.dumps(raw).encode())
    assert size < 6 * 1024 * 1024, size
    assert size < 2 * 1024 * 1024, size  # headroom: a bundle three times larger would still fit


@pytest.mark.parametrize("name", ["swagger-ui.js", "..%2Ftemplate.yaml", "README.md", "LICENSE", "x" * 300])
def test_anything_else_under_docs_is_a_404(invoke, name):
    r = asset(invoke, name)
    assert r.status == 404
    assert r.json() == {"message": "No result found"}


# ---------------------------------------------------------------- real answers conform to the document


def _schema_for(path: str, method: str, status: int) -> dict[str, Any]:
    response = DOC["paths"][path][method.lower()]["responses"][str(status)]
    if "$ref" in response:
        response = DOC["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response["content"]["application/json"]["schema"]


def conforms(reply: Reply, path: str, method: str) -> Any:
    """Validate ``reply``'s JSON body against the document; return it."""
    schema = _schema_for(path, method, reply.status)
    body = reply.json()
    OAS31Validator({**schema, "components": DOC["components"]}).validate(body)
    op = DOC["paths"][path][method.lower()]
    for header in op["responses"][str(reply.status)].get("headers", {}):
        if header not in ("Idempotent-Replayed", "Set-Cookie", "Retry-After"):
            assert header.lower() in reply.headers, (path, method, header)
    return body


def test_drf_answers_conform(invoke, signup):
    assert conforms(invoke("resource_list", "movie_list", query={}), "/api/v1/movies/", "GET")["detail"]
    access = signup("alice")["access"]
    created = conforms(invoke("resource_create", "movie_create", token=access, body=MOVIE), "/api/v1/movies/", "POST")
    conforms(invoke("resource_create", "movie_create", token=access, body={"year": 1}), "/api/v1/movies/", "POST")
    conforms(
        invoke("resource_list", "movie_list", token=access, query={"year__gt": ["1900"]}), "/api/v1/movies/", "GET"
    )
    conforms(invoke("resource_list", "movie_list", token=access, query={"cursor": [""]}), "/api/v1/movies/", "GET")
    conforms(invoke("resource_list", "movie_list", token=access, query={"page": ["9"]}), "/api/v1/movies/", "GET")
    conforms(invoke("resource_get", "movie_get", token=access, path_id=created["id"]), "/api/v1/movies/{id}/", "GET")
    conforms(
        invoke(
            "resource_update",
            "movie_patch",
            token=access,
            path_id=created["id"],
            body={"year": 1943},
            headers={"If-Match": 'W/"0"'},
        ),
        "/api/v1/movies/{id}/",
        "PATCH",
    )
    assert invoke("resource_delete", "movie_delete", token=access, path_id=created["id"]).status == 204


def test_auth_answers_conform(invoke):
    body = {
        "email": "a@example.com",
        "username": "alice",
        "password1": "correct-horse-42",
        "password2": "correct-horse-42",
    }
    conforms(invoke("register", body=body), "/api/v1/auth/register/", "POST")
    conforms(invoke("register", body=body), "/api/v1/auth/register/", "POST")
    pair = conforms(
        invoke("token_obtain", body={"username": "alice", "password": "correct-horse-42"}),
        "/api/v1/auth/token/",
        "POST",
    )
    conforms(
        invoke("token_obtain", body={"username": "alice", "password": "wrong-password"}), "/api/v1/auth/token/", "POST"
    )
    conforms(invoke("token_verify", body={"token": pair["access"]}), "/api/v1/auth/token/verify/", "POST")
    rotated = conforms(
        invoke("token_refresh", body={"refresh": pair["refresh"]}), "/api/v1/auth/token/refresh/", "POST"
    )
    conforms(invoke("token_refresh", body={"refresh": pair["refresh"]}), "/api/v1/auth/token/refresh/", "POST")
    conforms(invoke("logout", body={"refresh": rotated.get("refresh", "x")}), "/api/v1/auth/logout/", "POST")


def test_restless_answers_conform(invoke, signup):
    access = signup("alice")["access"]
    created = conforms(invoke("resource_create", "restless_create", token=access, body=MOVIE), "/api/movies", "POST")
    conforms(invoke("resource_create", "restless_create", token=access, body={"year": "x"}), "/api/movies", "POST")
    conforms(invoke("resource_list", "restless_list", token=access), "/api/movies", "GET")
    conforms(
        invoke("resource_list", "restless_list", token=access, query={"q": ['{"filters": 1}']}), "/api/movies", "GET"
    )
    single = {"q": [json.dumps({"filters": [{"name": "id", "op": "==", "val": created["id"]}], "single": True})]}
    conforms(invoke("resource_list", "restless_list", token=access, query=single), "/api/movies", "GET")
    conforms(invoke("resource_get", "restless_get", token=access, path_id=created["id"]), "/api/movies/{id}", "GET")
    conforms(invoke("resource_get", "restless_get", token=access, path_id="nope"), "/api/movies/{id}", "GET")
    conforms(invoke("resource_eval", "restless_eval", token=access), "/api/eval/movies", "GET")
    conforms(invoke("resource_patch_many", "restless_patch_many", token=access), "/api/movies", "PATCH")
    conforms(invoke("resource_list", "restless_users", token=access), "/api/users", "GET")


def _relation(path: str, params: dict[str, str], token: str) -> Reply:
    """``GET /api/<collection>/<id>/<relation>`` as API Gateway fills the parameterised route's event."""
    event = copy.deepcopy(load_event("restless_get"))
    stage_prefix = event["requestContext"]["path"][: -len(event["path"])]
    event["path"], event["requestContext"]["path"] = path, stage_prefix + path
    event["pathParameters"] = params
    event["headers"]["Authorization"] = f"Bearer {token}"
    event["multiValueHeaders"]["Authorization"] = [f"Bearer {token}"]
    return Reply(load_function("resource_relation").lambda_handler(event, FakeContext()))


def test_restless_relation_answers_conform(invoke, signup):
    access = signup("alice")["access"]
    created = conforms(invoke("resource_create", "restless_create", token=access, body=MOVIE), "/api/movies", "POST")
    movie = {"collection": "movies", "id": created["id"], "relation": "creator"}
    creator = conforms(
        _relation(f"/api/movies/{created['id']}/creator", movie, access), "/api/movies/{id}/creator", "GET"
    )
    assert creator["username"] == "alice"
    conforms(_relation("/api/movies/nope/creator", {**movie, "id": "nope"}, access), "/api/movies/{id}/creator", "GET")
    user = {"collection": "users", "id": creator["id"], "relation": "movies"}
    page = conforms(_relation(f"/api/users/{creator['id']}/movies", user, access), "/api/users/{id}/movies", "GET")
    assert [o["id"] for o in page["objects"]] == [created["id"]]


def test_frappe_answers_conform(invoke, signup):
    access = signup("alice")["access"]
    doc = conforms(invoke("resource_create", "frappe_create", token=access, body=MOVIE), "/api/resource/Movie", "POST")
    conforms(invoke("resource_create", "frappe_create", token=access, body={"year": 1}), "/api/resource/Movie", "POST")
    conforms(invoke("resource_list", "frappe_list", token=access), "/api/resource/Movie", "GET")
    conforms(
        invoke("resource_list", "frappe_list", token=access, query={"as_dict": ["0"], "fields": ['["*"]']}),
        "/api/resource/Movie",
        "GET",
    )
    conforms(
        invoke("resource_list", "frappe_list", token=access, query={"fields": ['["password"]']}),
        "/api/resource/Movie",
        "GET",
    )
    name = doc["data"]["name"]
    conforms(invoke("resource_get", "frappe_get", token=access, path_id=name), "/api/resource/Movie/{name}", "GET")
    conforms(
        invoke("resource_update", "frappe_update", token=access, path_id=name, body={"genre": "Romance"}),
        "/api/resource/Movie/{name}",
        "PUT",
    )
    conforms(
        invoke("resource_delete", "frappe_delete", token=access, path_id=name), "/api/resource/Movie/{name}", "DELETE"
    )
    conforms(
        invoke("resource_get", "frappe_user", token=access, path="/api/resource/User/alice"),
        "/api/resource/User/{name}",
        "GET",
    )


def test_frappe_methods_conform(invoke, signup):
    access = signup("alice")["access"]
    conforms(invoke("method_call", "frappe_ping"), "/api/method/ping", "GET")
    conforms(
        invoke("generate_keys", "frappe_generate_keys", token=access),
        "/api/method/frappe.core.doctype.user.user.generate_keys",
        "POST",
    )
    conforms(invoke("session_login", "frappe_login", body={"usr": "alice", "pwd": "nope"}), "/api/method/login", "POST")
    conforms(
        invoke("session_login", "frappe_login", body={"usr": "alice", "pwd": "correct-horse-42"}),
        "/api/method/login",
        "POST",
    )
    sid, csrf = login(invoke, "alice")
    conforms(
        invoke("method_call", "frappe_logged_user", headers=session_headers(sid)),
        "/api/method/frappe.auth.get_logged_user",
        "GET",
    )
    conforms(call("session_logout", "frappe_logout", headers=session_headers(sid)), "/api/method/logout", "POST")
    conforms(call("method_call", "frappe_logged_user"), "/api/method/frappe.auth.get_logged_user", "GET")
    assert csrf


def test_docs_answer_head_options_and_refuse_writes(invoke):
    """The docs paths take ANY: HEAD is GET without a body, OPTIONS names GET/HEAD, a write is a 405."""
    from tests.conftest import FakeContext, Reply, load_function, make_event

    def send(method: str, event: str, **kwargs: Any) -> Reply:
        request = make_event(event, **kwargs)
        request["httpMethod"] = method
        return Reply(load_function("api_docs").lambda_handler(request, FakeContext()))

    head = send("HEAD", "api_openapi")
    assert head.status == 200 and head.text == "" and head.headers["content-type"].startswith("application/json")
    for event in ("api_openapi", "api_docs"):
        r = send("POST", event)
        assert r.status == 405 and r.headers["allow"] == "GET, HEAD, OPTIONS", event  # Restless's (Werkzeug's) 405
        assert r.json() == {"message": "The method is not allowed for the requested URL."}
    r = send("OPTIONS", "api_docs", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"})
    assert r.status == 204 and r.headers["access-control-allow-methods"] == "GET,HEAD,OPTIONS"
