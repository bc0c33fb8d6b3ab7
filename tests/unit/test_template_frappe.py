"""The template routes every Frappe path and verb somewhere, and each function gets only what it needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from moviesapi.dialects.frappe import methods
from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _functions():
    return {k: v for k, v in TEMPLATE["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def _routes() -> dict[tuple[str, str], str]:
    """(path, verb) → function, as API Gateway picks: a specific verb wins over the path's ANY."""
    specific: dict[tuple[str, str], str] = {}
    anys: dict[str, str] = {}
    for logical_id, fn in _functions().items():
        for event in fn["Properties"].get("Events", {}).values():
            props = event["Properties"]
            if props["Method"].upper() == "ANY":
                assert anys.get(props["Path"], logical_id) == logical_id, f"{props['Path']}: two ANY routes"
                anys[props["Path"]] = logical_id
            else:
                key = (props["Path"], props["Method"].upper())
                assert key not in specific, f"{key} mapped twice"
                specific[key] = logical_id
    for path, fn in anys.items():
        for verb in VERBS:
            specific.setdefault((path, verb), fn)
    return specific


def _policies(logical_id):
    out = set()
    for policy in _functions()[logical_id]["Properties"].get("Policies", []):
        ((kind, args),) = policy.items()
        table = args.get("TableName", {}).get("Ref") if isinstance(args, dict) else None
        out.add((kind, table))
    return out


def _function_of(operation: str) -> str:
    return "".join(part.title() for part in operation.split("_")) + "Function"


@pytest.mark.parametrize("name", sorted(methods.registered()))
def test_every_whitelisted_method_answers_every_verb(name):
    """The function running a method also refuses its other verbs (405 from its catch-all)."""
    routes = _routes()
    entry = methods.registered()[name]
    for verb in VERBS:
        fn = routes.get((f"/api/method/{name}", verb))
        assert fn == _function_of(entry.operation), (name, verb)


@pytest.mark.parametrize(
    "path",
    [
        "/api/resource/{doctype}",
        "/api/resource/{doctype}/{name}",
        "/api/method/{method}",
    ],
)
def test_every_frappe_path_answers_every_verb(path):
    routes = _routes()
    assert all((path, verb) in routes for verb in VERBS), path


def test_frappe_resource_routes_go_to_the_operation_functions():
    routes = _routes()
    assert routes[("/api/resource/{doctype}", "GET")] == "ResourceListFunction"
    assert routes[("/api/resource/{doctype}", "POST")] == "ResourceCreateFunction"
    assert routes[("/api/resource/{doctype}/{name}", "GET")] == "ResourceGetFunction"
    assert routes[("/api/resource/{doctype}/{name}", "PUT")] == "ResourceUpdateFunction"
    assert routes[("/api/resource/{doctype}/{name}", "DELETE")] == "ResourceDeleteFunction"
    assert routes[("/api/resource/{doctype}", "DELETE")] == "NotAllowedFunction"
    assert routes[("/api/resource/{doctype}/{name}", "PATCH")] == "NotAllowedFunction"
    assert routes[("/api/method/{method}", "POST")] == "MethodCallFunction"


@pytest.mark.parametrize(
    "logical_id",
    [
        "ResourceListFunction",
        "ResourceGetFunction",
        "ResourceCreateFunction",
        "ResourceUpdateFunction",
        "ResourceDeleteFunction",
        "GenerateKeysFunction",
        "MethodCallFunction",
    ],
)
def test_authenticating_functions_can_read_what_every_authenticator_needs(logical_id):
    """JWT (users), API keys (uniques guard, users), sessions (state, users)."""
    tables = {table for _, table in _policies(logical_id)}
    assert {"UsersTable", "UniquesTable", "StateTable"} <= tables, logical_id


@pytest.mark.parametrize(
    "logical_id", ["MethodCallFunction", "ResourceListFunction", "ResourceGetFunction", "NotAllowedFunction"]
)
def test_read_only_functions_cannot_write(logical_id):
    assert not any(kind == "DynamoDBCrudPolicy" for kind, _ in _policies(logical_id))


def test_auth_functions_least_privilege():
    assert _policies("SessionLogoutFunction") == {("DynamoDBCrudPolicy", "StateTable")}
    login = _policies("SessionLoginFunction")
    assert ("DynamoDBCrudPolicy", "StateTable") in login
    assert not {("DynamoDBCrudPolicy", "UsersTable"), ("DynamoDBCrudPolicy", "UniquesTable")} & login
