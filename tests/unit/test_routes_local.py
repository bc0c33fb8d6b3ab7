"""`make run` routes every request where API Gateway would, through SAM CLI's own route table.

The gateway is built from the committed template exactly as ``localapi.server.build``
builds it (``load_template``, SAM's ``ApiProvider``, ``LocalApigwService``),
with a stub in place of the Lambda runner that records which function SAM invoked
and with what event; requests go through the Flask test client, so no port is bound.

Each case is checked twice: against SAM's matching, and against a model of API
Gateway's (a literal path part beats a ``{param}`` sibling, a specific method beats
``ANY`` on the same resource, a trailing slash names the same resource). SAM CLI
picks between ``ANY`` and a specific method on one path by set order (it varies with
``PYTHONHASHSEED``), so the template never mixes them on a path: the 405 routes list
their methods one by one. The few requests where the two still differ are pinned at the end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.telemetry.event import EventTracker
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.yamlhelper import yaml_parse

from localapi.server import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
TEMPLATE = yaml_parse(TEMPLATE_PATH.read_text())

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:samcli"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:samtranslator"),
]


class RecordingRunner:
    """Stands in for the Lambda runner: answers 200 and remembers the function and event SAM built."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def is_debugging(self) -> bool:
        return False

    def invoke(self, function_identifier: str, event: str, tenant_id: str | None = None, stdout=None, stderr=None):
        self.calls.append((function_identifier, json.loads(event)))
        body = {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}
        stdout.write_str(json.dumps(body))


@pytest.fixture(scope="module")
def gateway():
    os.environ["SAM_CLI_TELEMETRY"] = "0"
    stacks, cwd = load_template(TEMPLATE_PATH)
    runner = RecordingRunner()
    service = LocalApigwService(api=ApiProvider(stacks, cwd=cwd).api, lambda_runner=runner, port=3000, host="127.0.0.1")
    service.create()
    service._app.teardown_request(lambda _exc: EventTracker.clear_trackers())
    return service._app.test_client(), runner


def sam_route(gateway, method: str, path: str) -> tuple[str | None, str | None, dict | None]:
    """(function, resource, pathParameters) of the event SAM CLI invokes for ``method path``; Nones if none."""
    client, runner = gateway
    runner.calls.clear()
    client.open(path, method=method)
    if not runner.calls:
        return None, None, None
    ((function, event),) = runner.calls
    assert event["path"] == path
    assert event["httpMethod"] == method
    return function, event["resource"], event["pathParameters"]


# ---------------------------------------------------------------- API Gateway's matching, modelled


def _template_routes() -> dict[str, dict[str, str]]:
    """Resource path → method (or ANY) → function logical id."""
    routes: dict[str, dict[str, str]] = {}
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"]["Events"].values():
            props = event["Properties"]
            methods = routes.setdefault(props["Path"], {})
            assert props["Method"] not in methods, f"{props['Method']} {props['Path']} is routed twice"
            methods[props["Method"]] = logical_id
    return routes


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def apigw_route(method: str, path: str) -> tuple[str | None, str | None, dict | None]:
    """The resource API Gateway picks, level by level (a literal child first, else the one variable child),
    then the method: the resource's own method for it, else its ANY; no match is its 403."""
    routes = _template_routes()
    resource_segments = {p: _segments(p) for p in routes}
    prefix: list[str] = []
    params: dict[str, str] = {}
    for part in _segments(path):
        children = {
            s[len(prefix)] for s in resource_segments.values() if s[: len(prefix)] == prefix and len(s) > len(prefix)
        }
        if part in children:
            prefix.append(part)
            continue
        variables = [c for c in children if c.startswith("{")]
        if not variables:
            return None, None, None
        (variable,) = variables
        prefix.append(variable)
        params[variable.strip("{}")] = part
    resource = "/" + "/".join(prefix)
    methods = routes.get(resource, {})
    function = methods.get(method) or methods.get("ANY")
    if function is None:
        return None, None, None
    return function, resource, params or None


# ---------------------------------------------------------------- the table

LIST, CREATE, GET, UPDATE, DELETE = (
    "ResourceListFunction",
    "ResourceCreateFunction",
    "ResourceGetFunction",
    "ResourceUpdateFunction",
    "ResourceDeleteFunction",
)
NOT_ALLOWED = "NotAllowedFunction"

# (method, concrete path) → (function, resource, pathParameters)
CASES: list[tuple[str, str, str, str, dict | None]] = [
    # DRF: /api/v1 is a literal beside Flask-Restless's /api/{collection}.
    ("GET", "/api/v1/movies", LIST, "/api/v1/{collection}", {"collection": "movies"}),
    ("GET", "/api/v1/movies/", LIST, "/api/v1/{collection}", {"collection": "movies"}),
    ("HEAD", "/api/v1/movies/", LIST, "/api/v1/{collection}", {"collection": "movies"}),
    ("POST", "/api/v1/movies/", CREATE, "/api/v1/{collection}", {"collection": "movies"}),
    ("PUT", "/api/v1/movies/", NOT_ALLOWED, "/api/v1/{collection}", {"collection": "movies"}),
    ("PATCH", "/api/v1/movies", NOT_ALLOWED, "/api/v1/{collection}", {"collection": "movies"}),
    ("DELETE", "/api/v1/movies", NOT_ALLOWED, "/api/v1/{collection}", {"collection": "movies"}),
    ("OPTIONS", "/api/v1/movies/", NOT_ALLOWED, "/api/v1/{collection}", {"collection": "movies"}),
    ("GET", "/api/v1/movies.json", LIST, "/api/v1/{collection}", {"collection": "movies.json"}),
    ("POST", "/api/v1/movies.api", CREATE, "/api/v1/{collection}", {"collection": "movies.api"}),
    ("GET", "/api/v1/movies/M1/", GET, "/api/v1/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("GET", "/api/v1/movies/M1.csv", GET, "/api/v1/{collection}/{id}", {"collection": "movies", "id": "M1.csv"}),
    ("HEAD", "/api/v1/movies/M1/", GET, "/api/v1/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("PUT", "/api/v1/movies/M1/", UPDATE, "/api/v1/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("PATCH", "/api/v1/movies/M1", UPDATE, "/api/v1/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("DELETE", "/api/v1/movies/M1/", DELETE, "/api/v1/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("POST", "/api/v1/movies/M1/", NOT_ALLOWED, "/api/v1/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("OPTIONS", "/api/v1/movies/M1/", NOT_ALLOWED, "/api/v1/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    # DRF auth: literals under /api/v1 beside {collection}; each function takes every verb (ANY).
    ("POST", "/api/v1/auth/register/", "RegisterFunction", "/api/v1/auth/register", None),
    ("GET", "/api/v1/auth/register/", "RegisterFunction", "/api/v1/auth/register", None),
    ("POST", "/api/v1/auth/token/", "TokenObtainFunction", "/api/v1/auth/token", None),
    ("OPTIONS", "/api/v1/auth/token", "TokenObtainFunction", "/api/v1/auth/token", None),
    ("POST", "/api/v1/auth/token/refresh/", "TokenRefreshFunction", "/api/v1/auth/token/refresh", None),
    ("POST", "/api/v1/auth/token/verify/", "TokenVerifyFunction", "/api/v1/auth/token/verify", None),
    ("POST", "/api/v1/auth/logout/", "LogoutFunction", "/api/v1/auth/logout", None),
    ("POST", "/api/v1/auth/token/blacklist/", "LogoutFunction", "/api/v1/auth/token/blacklist", None),
    # Flask-Restless.
    ("GET", "/api/movies", LIST, "/api/{collection}", {"collection": "movies"}),
    ("HEAD", "/api/movies", LIST, "/api/{collection}", {"collection": "movies"}),
    ("GET", "/api/movies.csv", LIST, "/api/{collection}", {"collection": "movies.csv"}),
    ("POST", "/api/movies", CREATE, "/api/{collection}", {"collection": "movies"}),
    ("PUT", "/api/movies", "ResourcePatchManyFunction", "/api/{collection}", {"collection": "movies"}),
    ("PATCH", "/api/movies", "ResourcePatchManyFunction", "/api/{collection}", {"collection": "movies"}),
    ("DELETE", "/api/movies", NOT_ALLOWED, "/api/{collection}", {"collection": "movies"}),
    ("OPTIONS", "/api/movies", NOT_ALLOWED, "/api/{collection}", {"collection": "movies"}),
    ("GET", "/api/users", LIST, "/api/{collection}", {"collection": "users"}),
    ("GET", "/api/movies/abc.csv", GET, "/api/{collection}/{id}", {"collection": "movies", "id": "abc.csv"}),
    ("GET", "/api/users/U1", GET, "/api/{collection}/{id}", {"collection": "users", "id": "U1"}),
    ("PUT", "/api/movies/M1", UPDATE, "/api/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("PATCH", "/api/movies/M1", UPDATE, "/api/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("DELETE", "/api/movies/M1", DELETE, "/api/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    ("POST", "/api/movies/M1", NOT_ALLOWED, "/api/{collection}/{id}", {"collection": "movies", "id": "M1"}),
    (
        "GET",
        "/api/movies/M1/creator",
        "ResourceRelationFunction",
        "/api/{collection}/{id}/{relation}",
        {"collection": "movies", "id": "M1", "relation": "creator"},
    ),
    (
        "DELETE",
        "/api/movies/M1/creator",
        "ResourceRelationFunction",  # one function on a read-only path takes ANY and refuses the rest
        "/api/{collection}/{id}/{relation}",
        {"collection": "movies", "id": "M1", "relation": "creator"},
    ),
    ("GET", "/api/eval/movies", "ResourceEvalFunction", "/api/eval/{collection}", {"collection": "movies"}),
    ("GET", "/api/eval/movies.json", "ResourceEvalFunction", "/api/eval/{collection}", {"collection": "movies.json"}),
    ("POST", "/api/eval/movies", "ResourceEvalFunction", "/api/eval/{collection}", {"collection": "movies"}),
    # Frappe: /api/resource and /api/method are literals beside {collection}.
    ("GET", "/api/resource/Movie", LIST, "/api/resource/{doctype}", {"doctype": "Movie"}),
    ("POST", "/api/resource/Movie", CREATE, "/api/resource/{doctype}", {"doctype": "Movie"}),
    ("DELETE", "/api/resource/Movie", NOT_ALLOWED, "/api/resource/{doctype}", {"doctype": "Movie"}),
    ("GET", "/api/resource/ToDo", LIST, "/api/resource/{doctype}", {"doctype": "ToDo"}),
    ("GET", "/api/resource/Movie/M1", GET, "/api/resource/{doctype}/{name}", {"doctype": "Movie", "name": "M1"}),
    ("PUT", "/api/resource/Movie/M1", UPDATE, "/api/resource/{doctype}/{name}", {"doctype": "Movie", "name": "M1"}),
    (
        "PATCH",
        "/api/resource/Movie/M1",
        NOT_ALLOWED,
        "/api/resource/{doctype}/{name}",
        {"doctype": "Movie", "name": "M1"},
    ),
    ("DELETE", "/api/resource/Movie/M1", DELETE, "/api/resource/{doctype}/{name}", {"doctype": "Movie", "name": "M1"}),
    ("GET", "/api/resource/User/a.b", GET, "/api/resource/{doctype}/{name}", {"doctype": "User", "name": "a.b"}),
    ("POST", "/api/method/login", "SessionLoginFunction", "/api/method/login", None),
    ("GET", "/api/method/login", "SessionLoginFunction", "/api/method/login", None),
    ("GET", "/api/method/logout", "SessionLogoutFunction", "/api/method/logout", None),
    ("POST", "/api/method/logout", "SessionLogoutFunction", "/api/method/logout", None),
    (
        "POST",
        "/api/method/frappe.core.doctype.user.user.generate_keys",
        "GenerateKeysFunction",
        "/api/method/frappe.core.doctype.user.user.generate_keys",
        None,
    ),
    ("GET", "/api/method/ping", "MethodCallFunction", "/api/method/ping", None),
    ("DELETE", "/api/method/ping", "MethodCallFunction", "/api/method/ping", None),
    (
        "GET",
        "/api/method/frappe.auth.get_logged_user",
        "MethodCallFunction",
        "/api/method/frappe.auth.get_logged_user",
        None,
    ),
    (
        "POST",
        "/api/method/frappe.desk.reportview.get_count",
        "MethodCallFunction",
        "/api/method/{method}",
        {"method": "frappe.desk.reportview.get_count"},
    ),
    # frappe.client methods run in the function owning their kind of work.
    (
        "GET",
        "/api/method/frappe.client.get_count",
        "ResourceListFunction",
        "/api/method/frappe.client.get_count",
        None,
    ),
    (
        "POST",
        "/api/method/frappe.client.insert_many",
        "ResourceCreateFunction",
        "/api/method/frappe.client.insert_many",
        None,
    ),
    ("POST", "/", "MethodRootFunction", "/", None),
    ("GET", "/", "MethodRootFunction", "/", None),
    # Docs: literals beside {collection} and {collection}/{id}.
    ("GET", "/api/docs", "ApiDocsFunction", "/api/docs", None),
    ("GET", "/api/docs/", "ApiDocsFunction", "/api/docs", None),
    ("GET", "/api/docs/swagger-ui.css", "ApiDocsFunction", "/api/docs/{asset}", {"asset": "swagger-ui.css"}),
    # The docs paths take ANY: other methods reach the docs function, never a {param} sibling.
    ("POST", "/api/docs", "ApiDocsFunction", "/api/docs", None),
    ("DELETE", "/api/openapi.json", "ApiDocsFunction", "/api/openapi.json", None),
    ("PUT", "/api/docs/swagger-ui.css", "ApiDocsFunction", "/api/docs/{asset}", {"asset": "swagger-ui.css"}),
    ("GET", "/api/openapi.json", "ApiDocsFunction", "/api/openapi.json", None),
]


@pytest.mark.parametrize(
    ("method", "path", "function", "resource", "params"), CASES, ids=[f"{m} {p}" for m, p, *_ in CASES]
)
def test_sam_local_routes_as_api_gateway_does(gateway, method, path, function, resource, params):
    expected = (function, resource, params)
    assert apigw_route(method, path) == expected, "the template routes this elsewhere on API Gateway"
    assert sam_route(gateway, method, path) == expected, "make run routes this elsewhere than API Gateway"


def test_sam_local_routing_does_not_depend_on_route_order():
    """SAM CLI shuffles its routes (a set): each path and method must have exactly one route to be deterministic."""
    stacks, cwd = load_template(TEMPLATE_PATH)
    seen: dict[tuple[str, str], str] = {}
    for route in ApiProvider(stacks, cwd=cwd).api.routes:
        for method in route.methods:
            key = (route.path, method)
            assert key not in seen, f"{method} {route.path}: {seen.get(key)} and {route.function_name}"
            seen[key] = route.function_name


# ---------------------------------------------------------------- what API Gateway allows


def test_one_variable_child_per_path_level_and_no_greedy_paths():
    """API Gateway refuses two {param} siblings under one parent (and we use no {proxy+})."""
    children: dict[tuple[str, ...], set[str]] = {}
    for path in _template_routes():
        parts = _segments(path)
        assert not any("+" in p for p in parts), path
        for depth, part in enumerate(parts):
            if part.startswith("{"):
                assert part.endswith("}") and part.count("{") == 1, f"{path}: a parameter is a whole segment"
                children.setdefault(tuple(parts[:depth]), set()).add(part)
    assert {parent: names for parent, names in children.items() if len(names) > 1} == {}


def test_every_any_route_comes_before_the_specific_methods_on_its_path():
    """SAM CLI's merge keeps the last route per path and method: a later ANY would erase the specific ones."""
    first_specific: dict[str, int] = {}
    order = []
    for resource in TEMPLATE["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            order += [e["Properties"] for e in resource["Properties"]["Events"].values()]
    for i, props in enumerate(order):
        if props["Method"] != "ANY":
            first_specific.setdefault(props["Path"], i)
    for i, props in enumerate(order):
        if props["Method"] == "ANY":
            assert first_specific.get(props["Path"], i) >= i, props["Path"]


# ---------------------------------------------------------------- where SAM CLI still differs

# A literal resource without the method asked for: API Gateway answers 403 ("Missing
# Authentication Token") and does not fall back to the {param} sibling; werkzeug does, so
# `make run` hands the request to a dialect, which answers 404/405 in its own shape.
SAM_ONLY: list[tuple[str, str, str | None]] = [
    ("GET", "/api/v1/auth", LIST),
    ("GET", "/api/v1", LIST),
    ("GET", "/api/resource", LIST),
]


@pytest.mark.parametrize(("method", "path", "local"), SAM_ONLY, ids=[f"{m} {p}" for m, p, _ in SAM_ONLY])
def test_where_sam_local_still_differs(gateway, method, path, local):
    assert apigw_route(method, path) == (None, None, None)
    assert sam_route(gateway, method, path)[0] == local
