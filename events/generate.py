"""Regenerate the sample events: `sam local generate-event apigateway aws-proxy`, then each operation's route.

Run from the repository root: `.venv/bin/python events/generate.py`. The files
are committed; tests and `sam local invoke -e events/<name>.json` use them.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

HERE = Path(__file__).parent

# name: (method, resource, path, path parameters, query, JSON body)
OPERATIONS: dict[str, tuple[str, str, str, dict | None, dict | None, dict | None]] = {
    "register": (
        "POST",
        "/api/v1/auth/register",
        "/api/v1/auth/register/",
        None,
        None,
        {
            "email": "email@email.com",
            "username": "USERNAME",
            "password1": "correct-horse-42",
            "password2": "correct-horse-42",
        },
    ),
    "token_obtain": (
        "POST",
        "/api/v1/auth/token",
        "/api/v1/auth/token/",
        None,
        None,
        {"username": "USERNAME", "password": "correct-horse-42"},
    ),
    "token_refresh": (
        "POST",
        "/api/v1/auth/token/refresh",
        "/api/v1/auth/token/refresh/",
        None,
        None,
        {"refresh": "<refresh token>"},
    ),
    "token_verify": (
        "POST",
        "/api/v1/auth/token/verify",
        "/api/v1/auth/token/verify/",
        None,
        None,
        {"token": "<token>"},
    ),
    "logout": ("POST", "/api/v1/auth/logout", "/api/v1/auth/logout/", None, None, {"refresh": "<refresh token>"}),
    "movie_list": ("GET", "/api/v1/movies", "/api/v1/movies/", None, {"page": "1", "genre": "drama"}, None),
    "movie_create": (
        "POST",
        "/api/v1/movies",
        "/api/v1/movies/",
        None,
        None,
        {"title": "Casablanca", "genre": "Drama", "year": 1942},
    ),
    "movie_get": ("GET", "/api/v1/movies/{id}", "/api/v1/movies/MOVIE_ID/", {"id": "MOVIE_ID"}, None, None),
    "movie_update": (
        "PUT",
        "/api/v1/movies/{id}",
        "/api/v1/movies/MOVIE_ID/",
        {"id": "MOVIE_ID"},
        None,
        {"title": "Casablanca", "genre": "Romance", "year": 1942},
    ),
    "movie_patch": (
        "PATCH",
        "/api/v1/movies/{id}",
        "/api/v1/movies/MOVIE_ID/",
        {"id": "MOVIE_ID"},
        None,
        {"genre": "Romance"},
    ),
    "movie_delete": ("DELETE", "/api/v1/movies/{id}", "/api/v1/movies/MOVIE_ID/", {"id": "MOVIE_ID"}, None, None),
    "restless_list": (
        "GET",
        "/api/movies",
        "/api/movies",
        None,
        {
            "q": '{"filters": [{"name": "year", "op": ">=", "val": 1940}], '
            '"order_by": [{"field": "year", "direction": "desc"}]}',
            "page": "1",
        },
        None,
    ),
    "restless_create": (
        "POST",
        "/api/movies",
        "/api/movies",
        None,
        None,
        {"title": "Casablanca", "genre": "Drama", "year": 1942},
    ),
    "restless_get": ("GET", "/api/movies/{id}", "/api/movies/MOVIE_ID", {"id": "MOVIE_ID"}, None, None),
    "restless_patch": (
        "PATCH",
        "/api/movies/{id}",
        "/api/movies/MOVIE_ID",
        {"id": "MOVIE_ID"},
        None,
        {"genre": "Romance"},
    ),
    "restless_delete": ("DELETE", "/api/movies/{id}", "/api/movies/MOVIE_ID", {"id": "MOVIE_ID"}, None, None),
    "restless_patch_many": (
        "PATCH",
        "/api/movies",
        "/api/movies",
        None,
        {"q": '{"filters": [{"name": "genre", "op": "==", "val": "Drama"}]}'},
        {"genre": "Classic drama"},
    ),
    "restless_eval": (
        "GET",
        "/api/eval/movies",
        "/api/eval/movies",
        None,
        {"q": '{"functions": [{"name": "count", "field": "id"}, {"name": "avg", "field": "year"}]}'},
        None,
    ),
    "restless_users": ("GET", "/api/users", "/api/users", None, None, None),
    "restless_user": ("GET", "/api/users/{id}", "/api/users/USER_ID", {"id": "USER_ID"}, None, None),
    "restless_users_post": ("POST", "/api/users", "/api/users", None, None, {"username": "x"}),
    "frappe_list": (
        "GET",
        "/api/resource/Movie",
        "/api/resource/Movie",
        None,
        {
            "fields": '["name", "title", "year", "owner", "modified"]',
            "filters": '[["year", ">=", 1940], ["genre", "like", "%drama%"]]',
            "order_by": "year desc",
            "limit_start": "0",
            "limit_page_length": "20",
        },
        None,
    ),
    "frappe_create": (
        "POST",
        "/api/resource/Movie",
        "/api/resource/Movie",
        None,
        None,
        {"title": "Casablanca", "genre": "Drama", "year": 1942},
    ),
    "frappe_get": (
        "GET",
        "/api/resource/Movie/{name}",
        "/api/resource/Movie/MOVIE_ID",
        {"name": "MOVIE_ID"},
        None,
        None,
    ),
    "frappe_update": (
        "PUT",
        "/api/resource/Movie/{name}",
        "/api/resource/Movie/MOVIE_ID",
        {"name": "MOVIE_ID"},
        None,
        {"genre": "Romance"},
    ),
    "frappe_delete": (
        "DELETE",
        "/api/resource/Movie/{name}",
        "/api/resource/Movie/MOVIE_ID",
        {"name": "MOVIE_ID"},
        None,
        None,
    ),
    "frappe_users": (
        "GET",
        "/api/resource/User",
        "/api/resource/User",
        None,
        {"fields": '["name", "first_name", "last_name"]'},
        None,
    ),
    "frappe_user": (
        "GET",
        "/api/resource/User/{name}",
        "/api/resource/User/USERNAME",
        {"name": "USERNAME"},
        None,
        None,
    ),
    "frappe_doctype_unknown": ("GET", "/api/resource/{doctype}", "/api/resource/ToDo", {"doctype": "ToDo"}, None, None),
    "frappe_login": (
        "POST",
        "/api/method/login",
        "/api/method/login",
        None,
        None,
        {"usr": "USERNAME", "pwd": "correct-horse-42"},
    ),
    "frappe_logout": ("POST", "/api/method/logout", "/api/method/logout", None, None, None),
    "frappe_generate_keys": (
        "POST",
        "/api/method/frappe.core.doctype.user.user.generate_keys",
        "/api/method/frappe.core.doctype.user.user.generate_keys",
        None,
        None,
        None,
    ),
    "frappe_ping": ("GET", "/api/method/ping", "/api/method/ping", None, None, None),
    "frappe_logged_user": (
        "GET",
        "/api/method/frappe.auth.get_logged_user",
        "/api/method/frappe.auth.get_logged_user",
        None,
        None,
        None,
    ),
    "frappe_method_unknown": (
        "POST",
        "/api/method/{method}",
        "/api/method/frappe.client.get_count",
        {"method": "frappe.client.get_count"},
        None,
        None,
    ),
    "api_openapi": ("GET", "/api/openapi.json", "/api/openapi.json", None, None, None),
    "api_docs": ("GET", "/api/docs", "/api/docs", None, None, None),
    "api_docs_asset": ("GET", "/api/docs/{asset}", "/api/docs/swagger-ui.css", {"asset": "swagger-ui.css"}, None, None),
}


def base_event() -> dict:
    out = subprocess.run(
        ["sam", "local", "generate-event", "apigateway", "aws-proxy", "--stage", "dev"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def build(
    base: dict, method: str, resource: str, path: str, params: dict | None, query: dict | None, body: dict | None
) -> dict:
    event = json.loads(json.dumps(base))
    event.update(
        {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "pathParameters": params,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "stageVariables": None,
            "isBase64Encoded": False,
            "body": json.dumps(body) if body is not None else None,
        }
    )
    headers = {k: v for k, v in event["headers"].items()}
    headers["Accept"] = "application/json"
    headers["Host"] = "1234567890.execute-api.us-east-1.amazonaws.com"
    if body is not None:
        headers["Content-Type"] = "application/json"
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    ctx = event["requestContext"]
    ctx.update({"resourcePath": resource, "httpMethod": method, "path": f"/{ctx['stage']}{path}"})
    return event


def main() -> None:
    base = base_event()
    for name, spec in OPERATIONS.items():
        (HERE / f"{name}.json").write_text(json.dumps(build(base, *spec), indent=2) + "\n")
    # One body sent base64-encoded, as API Gateway does for binary media types.
    event = build(base, *OPERATIONS["movie_create"])
    event["isBase64Encoded"] = True
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    (HERE / "movie_create_base64.json").write_text(json.dumps(event, indent=2) + "\n")


if __name__ == "__main__":
    main()
