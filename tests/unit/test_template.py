"""template.yaml is generated from the registry and current; tables match the models; the stack stays small.

The template is ``tools/template.py``'s output (``make template``). These tests
check the committed file against a fresh generation, then check the file itself
against the models, the functions on disk and CloudFormation's budget: the SAM
transform runs offline here (samtranslator, no AWS call) and its resource count
is pinned, for today's stack and for one more declared resource.
"""

from __future__ import annotations

import copy
import difflib
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from moviesapi.models import all_models
from moviesapi.operations import WRITE, all_operations
from moviesapi.registry import resources
from moviesapi.settings import table_env, table_name
from samcli.yamlhelper import yaml_parse

from tools import template as generator

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_TEXT = (ROOT / "template.yaml").read_text()
TEMPLATE = yaml_parse(TEMPLATE_TEXT)

# CloudFormation resources after the SAM transform: today's stack, and what one more declared
# resource adds (its table; routes are parameterised, so no function, event or permission).
# The README quotes both; change them only with it.
STACK_RESOURCES = 123  # today's catalog (users and movies); the README quotes it
TODAY_RESOURCES = 2
PER_RESOURCE = 1
MAX_STACK_RESOURCES = 140
MAX_PER_RESOURCE = 2

# SAM's template validation uses deprecated jsonschema APIs; that is SAM's business.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:samcli"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:samtranslator"),
]


def _resources_of(kind: str, template: dict[str, Any] = TEMPLATE) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _functions() -> dict[str, Any]:
    return _resources_of("AWS::Serverless::Function")


# ---------------------------------------------------------------- generated and current


def test_template_is_generated_and_current():
    expected = generator.generate()
    if expected != TEMPLATE_TEXT:
        diff = "".join(
            difflib.unified_diff(
                TEMPLATE_TEXT.splitlines(True), expected.splitlines(True), "template.yaml", "generated"
            )
        )
        pytest.fail(f"template.yaml is stale: run `make template`.\n{diff[:6000]}")


def test_template_says_it_is_generated():
    head = TEMPLATE_TEXT.split("\n", 4)[:4]
    assert any("make template" in line for line in head)
    assert any("do not edit by hand" in line.lower() for line in head)


def test_emitted_yaml_reads_back_as_built():
    """The hand-rolled emitter's quoting and flow style lose nothing: the loader sees the built document."""
    document = generator.build()
    assert yaml_parse(generator.render(document)) == document.as_dict()


# ---------------------------------------------------------------- tables


def _table_keys() -> dict[str, str]:
    """Table logical id → table key, read from the Globals variables the functions use (``MOVIES_TABLE``)."""
    candidates = [r.name for r in resources()] + ["users", "uniques", "state"]
    key_of_env = {table_env(key): key for key in candidates}
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    out = {}
    for env, value in variables.items():
        if env.endswith("_TABLE"):
            assert env in key_of_env, f"{env}: no resource or infrastructure table of that name"
            out[value["Ref"]] = key_of_env[env]
    return out


def _model_for(logical_id: str):
    name = table_name(_table_keys()[logical_id])
    return next(m for m in all_models() if m.Meta.table_name == name)


def test_every_model_has_its_table_and_every_table_its_model():
    tables = _resources_of("AWS::DynamoDB::Table")
    keys = _table_keys()
    assert set(keys) == set(tables), "every table has a <KEY>_TABLE variable, and every variable a table"
    assert sorted(_model_for(t).__name__ for t in tables) == sorted(m.__name__ for m in all_models())
    for logical_id in tables:
        assert TEMPLATE["Outputs"][f"{logical_id}Name"]["Value"] == {"Ref": logical_id}


def _pairs(items, *keys):
    return sorted(tuple(item[k] for k in keys) for item in items)


def _ttl(model) -> str | None:
    from pynamodb.attributes import TTLAttribute

    return next((a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)), None)


@pytest.mark.parametrize("logical_id", sorted(_resources_of("AWS::DynamoDB::Table")))
def test_tables_match_models(logical_id):
    resource = TEMPLATE["Resources"][logical_id]
    props = resource["Properties"]
    model = _model_for(logical_id)
    schema = model._get_schema()
    assert props["KeySchema"] == sorted(schema["key_schema"], key=lambda k: k["KeyType"] != "HASH")
    assert _pairs(props["AttributeDefinitions"], "AttributeName", "AttributeType") == _pairs(
        schema["attribute_definitions"], "AttributeName", "AttributeType"
    )
    for kind, schema_key in (
        ("GlobalSecondaryIndexes", "global_secondary_indexes"),
        ("LocalSecondaryIndexes", "local_secondary_indexes"),
    ):
        in_template = {i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"]) for i in props.get(kind, [])}
        in_model = {
            i["index_name"]: (
                sorted(i["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
                i["projection"]["ProjectionType"],
            )
            for i in schema[schema_key]
        }
        assert in_template == in_model, kind
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    ttl = _ttl(model)
    if ttl:
        # Short-lived state: expires by itself, nothing to retain.
        assert props["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}
        assert "DeletionPolicy" not in resource
        assert "DeletionProtectionEnabled" not in props
    else:
        assert "TimeToLiveSpecification" not in props
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
        assert props["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}


def test_state_table_expires_items():
    assert TEMPLATE["Resources"]["StateTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }


# ---------------------------------------------------------------- functions


def test_one_function_per_operation_each_with_its_code():
    assert set(_functions()) == {generator.function_id(op.name) for op in all_operations()}
    for logical_id, fn in _functions().items():
        props = fn["Properties"]
        code = ROOT / props["CodeUri"]
        assert (code / "app.py").is_file(), f"{logical_id}: {props['CodeUri']}app.py is missing"
        assert props["Handler"] == "app.lambda_handler"
        assert props["Events"], logical_id
        for event in props["Events"].values():
            assert event["Type"] == "Api"
            assert event["Properties"]["RestApiId"] == {"Ref": "MoviesApi"}
            assert "+}" not in event["Properties"]["Path"], f"{logical_id}: no greedy path"


def _policies(logical_id: str) -> set[tuple[str, str | None]]:
    out = set()
    for policy in _functions()[logical_id]["Properties"].get("Policies", []):
        ((kind, args),) = policy.items()
        target = args.get("TableName") or args.get("SecretArn")
        out.add((kind, target["Ref"]))
    return out


def test_policies_name_real_tables_and_the_secret():
    tables = set(_resources_of("AWS::DynamoDB::Table"))
    for logical_id in _functions():
        for kind, target in _policies(logical_id):
            expected = {"JwtSecret"} if kind == "AWSSecretsManagerGetSecretValuePolicy" else tables
            assert target in expected, (logical_id, kind, target)


def _read_only(operation) -> bool:
    return operation.resources != WRITE and WRITE not in operation.tables.values()


@pytest.mark.parametrize("operation", [op for op in all_operations() if _read_only(op)], ids=lambda op: op.name)
def test_read_only_operations_cannot_write(operation):
    policies = _policies(generator.function_id(operation.name))
    assert not any(kind == "DynamoDBCrudPolicy" for kind, _ in policies)


@pytest.mark.parametrize("operation", [op for op in all_operations() if op.resources], ids=lambda op: op.name)
def test_resource_operations_reach_every_resource_table(operation):
    """A resource's table needs no policy of its own: every resource operation covers every declared table."""
    tables = {table for _, table in _policies(generator.function_id(operation.name))}
    assert {generator.table_id(r.name) for r in resources()} <= tables


def test_only_account_functions_write_users():
    """Users are declared read-only (GET), so the resource functions only read their table."""
    writers = {fn for fn in _functions() if ("DynamoDBCrudPolicy", "UsersTable") in _policies(fn)}
    # MethodRootFunction is Frappe's `/?cmd=` dispatcher: it may run generate_keys, so it has its access.
    assert writers == {"RegisterFunction", "GenerateKeysFunction", "MethodRootFunction"}


def test_secret_only_where_declared():
    for operation in all_operations():
        has = ("AWSSecretsManagerGetSecretValuePolicy", "JwtSecret") in _policies(generator.function_id(operation.name))
        assert has == operation.secret, operation.name


def test_no_api_gateway_cors_mock_integrations():
    """OPTIONS reaches the functions (Powertools' preflight) through the ANY routes."""
    assert "Cors" not in TEMPLATE["Globals"].get("Api", {})
    assert "Cors" not in TEMPLATE["Resources"]["MoviesApi"]["Properties"]


def test_only_binary_request_types_are_binary_and_api_gateway_compresses():
    """No ``*/*`` (issue #8): only bodies that carry bytes are base64; answers are text, gzipped by API Gateway."""
    api = TEMPLATE["Resources"]["MoviesApi"]["Properties"]
    assert api["BinaryMediaTypes"] == ["multipart~1form-data", "application~1octet-stream"]
    assert api["MinimumCompressionSize"] == 1024
    transformed = transform(TEMPLATE)["Resources"]
    (rest_api,) = (r["Properties"] for r in transformed.values() if r["Type"] == "AWS::ApiGateway::RestApi")
    # SAM writes the types into the OpenAPI body with ``~1`` read as ``/``.
    binary = rest_api["Body"]["x-amazon-apigateway-binary-media-types"]
    assert binary == ["multipart/form-data", "application/octet-stream"]
    assert rest_api["MinimumCompressionSize"] == 1024


def test_layer_requirements_match_pyproject():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [
        line.strip()
        for line in (ROOT / "layers/core/requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(project) == sorted(lines)


# ---------------------------------------------------------------- the stack after the SAM transform


def transform(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template ``sam deploy`` would submit, built offline by samtranslator.

    Code locations become S3 URIs (what ``sam package`` does); the region is given, so
    nothing asks AWS; SAM's managed policies (basic execution, X-Ray) need no lookup.
    """
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    packaged = copy.deepcopy(template)
    for logical_id, resource in packaged["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in props:
                props[key] = f"s3://bucket/{logical_id}.zip"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name="us-east-1"))
    return translator.translate(packaged, {}, get_managed_policy_map=dict)


def _events(template: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (logical_id, e["Properties"]["Path"], e["Properties"]["Method"])
        for logical_id, fn in _resources_of("AWS::Serverless::Function", template).items()
        for e in fn["Properties"]["Events"].values()
    }


@cache
def _stack_size() -> int:
    return len(transform(TEMPLATE)["Resources"])


def test_transformed_stack_fits_the_budget():
    size = _stack_size()
    print(f"\nCloudFormation resources after the SAM transform: {size} (budget {MAX_STACK_RESOURCES})")
    assert size <= MAX_STACK_RESOURCES
    expected = STACK_RESOURCES + PER_RESOURCE * (len(resources()) - TODAY_RESOURCES)
    assert size == expected, f"{size} resources, {expected} expected: update STACK_RESOURCES and the README"


def test_transformed_stack_has_one_permission_per_event():
    transformed = transform(TEMPLATE)["Resources"]
    permissions = [r for r in transformed.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert len(permissions) == len(_events(TEMPLATE))


def _extended_template() -> str:
    """The template generated with ``tests/catalog_extra.py``'s ``reviews`` declared too.

    The registry is process-global, so the generator runs in a subprocess.
    """
    env = dict(os.environ)
    env["API_CATALOG"] = "tests.catalog_extra"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers/core/python"), str(ROOT)])
    result = subprocess.run(
        [sys.executable, "-m", "tools.template"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_one_more_resource_is_one_more_table():
    extended = yaml_parse(_extended_template())
    reviews = extended["Resources"]["ReviewsTable"]["Properties"]
    assert "by_movie" in {i["IndexName"] for i in reviews["GlobalSecondaryIndexes"]}
    assert extended["Globals"]["Function"]["Environment"]["Variables"]["REVIEWS_TABLE"] == {"Ref": "ReviewsTable"}
    assert _events(extended) == _events(TEMPLATE), "a declared resource needs no new route"
    assert set(_functions()) == set(_resources_of("AWS::Serverless::Function", extended))
    growth = len(transform(extended)["Resources"]) - _stack_size()
    print(f"\nCloudFormation resources per declared resource: {growth} (budget {MAX_PER_RESOURCE})")
    assert growth <= MAX_PER_RESOURCE
    assert growth == PER_RESOURCE, f"a resource adds {growth} resources: update PER_RESOURCE and the README"


# ---------------------------------------------------------------- the generator's rules, on made-up routes


def _route(operation: str, pattern: str, *methods: str) -> generator.Route:
    return generator.Route("drf", operation, pattern, methods)


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ([_route("resource_list", "/api/{proxy+}", "GET")], "only plain"),
        (
            [_route("resource_list", "/api/{a}", "GET"), _route("resource_get", "/api/{b}/x", "GET")],
            "one variable child",
        ),
        ([_route("resource_list", "/api/x", "GET"), _route("resource_get", "/api/x", "GET", "HEAD")], "both"),
        ([_route("not_allowed", "/api/x", "ANY"), _route("resource_get", "/api/x", "POST", "ANY")], "both"),
        ([_route("resource_list", "/api/x{y}", "GET")], "whole segment"),
        ([_route("no_such_operation", "/api/x", "GET")], "do not exist"),
    ],
)
def test_generator_refuses_routes_api_gateway_would_not_take(routes, message):
    with pytest.raises(ValueError, match=message):
        generator.build(routes)


def test_generator_puts_any_routes_first_and_one_event_per_method():
    from moviesapi.operations import NOT_ALLOWED

    routes = [
        _route("resource_list", "/api/x", "HEAD", "GET"),
        _route("not_allowed", "/api/x", "ANY"),
        _route("register", "/api/r", "POST", "ANY"),
    ]
    ordered = [op.name for op in generator.function_order(all_operations(), routes, NOT_ALLOWED)]
    assert ordered[:2] == ["not_allowed", "register"]
    assert ordered.index("resource_list") > ordered.index("register")
    events = generator.function_events("resource_list", routes)
    assert [(e.name, e.method) for e in events] == [("DrfApiXGet", "GET"), ("DrfApiXHead", "HEAD")]
    assert [e.method for e in generator.function_events("register", routes)] == ["ANY"]
    late_any = [
        generator.Event("ResourceListFunction", "A", "/api/x", "GET"),
        generator.Event("NotAllowedFunction", "B", "/api/x", "ANY"),
    ]
    with pytest.raises(ValueError, match="comes after"):
        generator.check_order(late_any)


def test_route_matching_follows_api_gateway():
    routes = generator.all_routes()

    def resolve(method: str, path: str):
        found = generator.match(routes, method, path)
        return None if found is None else (found[0].operation, found[0].pattern, found[1])

    assert resolve("GET", "/api/v1/movies/") == ("resource_list", "/api/v1/{collection}", {"collection": "movies"})
    assert resolve("PUT", "/api/v1/movies") == ("not_allowed", "/api/v1/{collection}", {"collection": "movies"})
    assert resolve("GET", "/api/eval/movies")[1] == "/api/eval/{collection}"
    assert resolve("GET", "/api/method/ping") == ("method_call", "/api/method/ping", {})
    # The docs paths take ANY (their function refuses other methods), so no method falls to /api/{collection}.
    assert resolve("POST", "/api/docs") == ("api_docs", "/api/docs", {})
