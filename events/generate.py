"""Regenerate the sample events: `sam local generate-event apigateway aws-proxy`, then each request's route.

Run from the repository root: `.venv/bin/python events/generate.py`. The files
are committed; tests and `sam local invoke -e events/<name>.json` use them.

Each request names a method and a concrete path; its ``resource`` (the route's
pattern, ``/api/v1/{collection}/{id}``) and ``pathParameters`` are what API Gateway
fills in for it, found among the routes the template is generated from (the
dialects' endpoints and the docs routes), so an event can never name a route
the API does not have. ``request_fields`` and ``build`` are pure; only
``base_event`` runs SAM CLI.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (ROOT, ROOT / "layers" / "core" / "python"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

BASE64_VARIANTS = {"movie_create_base64": "movie_create"}
"""Events whose body is sent base64-encoded, as API Gateway does for binary media types."""

# name: (method, concrete path, query, JSON body); the resource and path parameters come from the routes.
REQUESTS: dict[str, tuple[str, str, dict | None, dict | None]] = {
    "register": (
        "POST",
        "/api/v1/auth/register/",
        None,
        {
            "email": "email@email.com",
            "username": "USERNAME",
            "password1": "correct-horse-42",
            "password2": "correct-horse-42",
        },
    ),
    "token_obtain": ("POST", "/api/v1/auth/token/", None, {"username": "USERNAME", "password": "correct-horse-42"}),
    "token_refresh": ("POST", "/api/v1/auth/token/refresh/", None, {"refresh": "<refresh token>"}),
    "token_verify": ("POST", "/api/v1/auth/token/verify/", None, {"token": "<token>"}),
    "logout": ("POST", "/api/v1/auth/logout/", None, {"refresh": "<refresh token>"}),
    "movie_list": ("GET", "/api/v1/movies/", {"page": "1", "genre": "drama"}, None),
    "movie_create": ("POST", "/api/v1/movies/", None, {"title": "Casablanca", "genre": "Drama", "year": 1942}),
    "movie_get": ("GET", "/api/v1/movies/MOVIE_ID/", None, None),
    "movie_update": (
        "PUT",
        "/api/v1/movies/MOVIE_ID/",
        None,
        {"title": "Casablanca", "genre": "Romance", "year": 1942},
    ),
    "movie_patch": ("PATCH", "/api/v1/movies/MOVIE_ID/", None, {"genre": "Romance"}),
    "movie_delete": ("DELETE", "/api/v1/movies/MOVIE_ID/", None, None),
    "restless_list": (
        "GET",
        "/api/movies",
        {
            "q": '{"filters": [{"name": "year", "op": ">=", "val": 1940}], '
            '"order_by": [{"field": "year", "direction": "desc"}]}',
            "page": "1",
        },
        None,
    ),
    "restless_create": ("POST", "/api/movies", None, {"title": "Casablanca", "genre": "Drama", "year": 1942}),
    "restless_get": ("GET", "/api/movies/MOVIE_ID", None, None),
    "restless_patch": ("PATCH", "/api/movies/MOVIE_ID", None, {"genre": "Romance"}),
    "restless_delete": ("DELETE", "/api/movies/MOVIE_ID", None, None),
    "restless_patch_many": (
        "PATCH",
        "/api/movies",
        {"q": '{"filters": [{"name": "genre", "op": "==", "val": "Drama"}]}'},
        {"genre": "Classic drama"},
    ),
    "restless_eval": (
        "GET",
        "/api/eval/movies",
        {"q": '{"functions": [{"name": "count", "field": "id"}, {"name": "avg", "field": "year"}]}'},
        None,
    ),
    "restless_users": ("GET", "/api/users", None, None),
    "restless_user": ("GET", "/api/users/USER_ID", None, None),
    "restless_users_post": ("POST", "/api/users", None, {"username": "x"}),
    "restless_relation": ("GET", "/api/movies/MOVIE_ID/creator", None, None),
    "restless_datamodel": ("GET", "/api/flask-restless-datamodel", None, None),
    "movie_not_allowed": ("PUT", "/api/v1/movies/", None, None),
    "frappe_list": (
        "GET",
        "/api/resource/Movie",
        {
            "fields": '["name", "title", "year", "owner", "modified"]',
            "filters": '[["year", ">=", 1940], ["genre", "like", "%drama%"]]',
            "order_by": "year desc",
            "limit_start": "0",
            "limit_page_length": "20",
        },
        None,
    ),
    "frappe_create": ("POST", "/api/resource/Movie", None, {"title": "Casablanca", "genre": "Drama", "year": 1942}),
    "frappe_get": ("GET", "/api/resource/Movie/MOVIE_ID", None, None),
    "frappe_update": ("PUT", "/api/resource/Movie/MOVIE_ID", None, {"genre": "Romance"}),
    "frappe_delete": ("DELETE", "/api/resource/Movie/MOVIE_ID", None, None),
    "frappe_users": ("GET", "/api/resource/User", {"fields": '["name", "first_name", "last_name"]'}, None),
    "frappe_user": ("GET", "/api/resource/User/USERNAME", None, None),
    "frappe_doctype_unknown": ("GET", "/api/resource/ToDo", None, None),
    "frappe_login": ("POST", "/api/method/login", None, {"usr": "USERNAME", "pwd": "correct-horse-42"}),
    "frappe_logout": ("POST", "/api/method/logout", None, None),
    "frappe_generate_keys": ("POST", "/api/method/frappe.core.doctype.user.user.generate_keys", None, None),
    "frappe_ping": ("GET", "/api/method/ping", None, None),
    "frappe_logged_user": ("GET", "/api/method/frappe.auth.get_logged_user", None, None),
    "frappe_method_unknown": ("POST", "/api/method/frappe.desk.reportview.get_count", None, None),
    "frappe_get_count": (
        "GET",
        "/api/method/frappe.client.get_count",
        {"doctype": "Movie", "filters": '[["genre", "=", "Drama"]]'},
        None,
    ),
    "frappe_get_value": (
        "GET",
        "/api/method/frappe.client.get_value",
        {"doctype": "Movie", "fieldname": '["title", "year"]', "filters": '{"title": "Casablanca"}'},
        None,
    ),
    "frappe_insert_many": (
        "POST",
        "/api/method/frappe.client.insert_many",
        None,
        {"docs": [{"doctype": "Movie", "title": "Notorious", "genre": "Thriller", "year": 1946}]},
    ),
    "frappe_set_value": (
        "POST",
        "/api/method/frappe.client.set_value",
        None,
        {"doctype": "Movie", "name": "MOVIE_ID", "fieldname": "genre", "value": "Romance"},
    ),
    "frappe_client_delete": (
        "POST",
        "/api/method/frappe.client.delete",
        None,
        {"doctype": "Movie", "name": "MOVIE_ID"},
    ),
    "frappe_root_cmd": (
        "GET",
        "/",
        {"cmd": "frappe.client.get_value", "doctype": "Movie", "fieldname": "title", "filters": "MOVIE_ID"},
        None,
    ),
    "api_openapi": ("GET", "/api/openapi.json", None, None),
    "api_docs": ("GET", "/api/docs", None, None),
    "api_docs_asset": ("GET", "/api/docs/swagger-ui.css", None, None),
}


def request_fields(name: str) -> dict[str, Any]:
    """What API Gateway puts in the event for request ``name``: method, resource, path and path parameters."""
    from tools.template import all_routes, match

    method, path, _, _ = REQUESTS[BASE64_VARIANTS.get(name, name)]
    found = match(all_routes(), method, path)
    if found is None:
        raise ValueError(f"{name}: no route takes {method} {path}")
    route, params = found
    return {"httpMethod": method, "resource": route.pattern, "path": path, "pathParameters": params or None}


def base_event() -> dict[str, Any]:
    out = subprocess.run(
        ["sam", "local", "generate-event", "apigateway", "aws-proxy", "--stage", "dev"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def build(base: dict[str, Any], name: str) -> dict[str, Any]:
    """Event ``name`` made from SAM CLI's sample event ``base``."""
    fields = request_fields(name)
    _, _, query, body = REQUESTS[BASE64_VARIANTS.get(name, name)]
    method, resource, path = fields["httpMethod"], fields["resource"], fields["path"]
    event = json.loads(json.dumps(base))
    event.update(
        {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "pathParameters": fields["pathParameters"],
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "stageVariables": None,
            "isBase64Encoded": False,
            "body": json.dumps(body) if body is not None else None,
        }
    )
    headers = dict(event["headers"].items())
    headers["Accept"] = "application/json"
    headers["Host"] = "1234567890.execute-api.us-east-1.amazonaws.com"
    if body is not None:
        headers["Content-Type"] = "application/json"
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    ctx = event["requestContext"]
    ctx.update({"resourcePath": resource, "httpMethod": method, "path": f"/{ctx['stage']}{path}"})
    if name in BASE64_VARIANTS:
        event["isBase64Encoded"] = True
        event["body"] = base64.b64encode(event["body"].encode()).decode()
    return event


def names() -> list[str]:
    """Every committed event's name (its file is ``events/<name>.json``)."""
    return [*REQUESTS, *BASE64_VARIANTS]


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2) + "\n"


def main() -> None:
    base = base_event()
    for name in names():
        (HERE / f"{name}.json").write_text(render(build(base, name)))


if __name__ == "__main__":
    main()
