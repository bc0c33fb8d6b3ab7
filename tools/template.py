"""Generate ``template.yaml`` from the registry: ``make template`` (``python -m tools.template --write``).

The stack is derived, never hand-kept:

- one ``AWS::DynamoDB::Table`` per model in ``moviesapi.models.all_models()``
  (the infrastructure tables and one per declared resource), its keys and
  indexes read from the PynamoDB model, and a ``<KEY>_TABLE`` variable for it;
- one function per operation (``moviesapi.operations.all_operations()``: shared and per dialect), its policies
  from the tables it may read or write, its events from the dialects'
  endpoints (plus the docs routes the docs operation declares);
- a fixed preamble (parameters, globals, the REST API, the layer, the secret).

Adding a resource adds a table and nothing else: the routes are parameterised
(``/api/v1/{collection}``), so no route, event or function is new.

Event order matters to SAM CLI (``sam local start-api`` and ``make run``): it
merges routes keyed by path and method, a later route erasing an earlier one,
so every ``ANY`` event is emitted before the specific-method events on the same
path (API Gateway itself prefers the specific method whatever the order). SAM
then shuffles the surviving routes (a set); ``localapi/routes.py`` gives
``make run`` API Gateway's precedence back, ``sam local start-api`` has no fix.

Run from the repository root: ``python -m tools.template`` prints the template,
``--write`` writes ``template.yaml``, ``--check`` fails when it is stale.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "core" / "python"
if str(LAYER) not in sys.path:
    sys.path.insert(0, str(LAYER))

TEMPLATE_PATH = ROOT / "template.yaml"
API = "MoviesApi"
LAYER_ID = "CoreLayer"
SECRET = "JwtSecret"
ANY = "ANY"
METHOD_ORDER = ("ANY", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
READ, WRITE = "read", "write"
DOCS_SOURCE = "docs"
# API Gateway decodes a base64 Lambda response to bytes only when the request's first Accept
# type is listed here. The Swagger UI assets are always base64 (gzip or raw bytes) and browsers
# fetch scripts with ``Accept: */*``, so nothing narrower than */* serves them (AWS's advice for
# browsers). Nothing is a mock integration any more (no Cors block), so */* breaks no OPTIONS.
BINARY_MEDIA_TYPES = ("*~1*",)
LINE_WIDTH = 120

HEADER = """\
# GENERATED FILE: do not edit by hand.
# `make template` (python -m tools.template --write) writes it from the resource registry
# (layers/core/python/moviesapi: catalog.py, models.py, operations.py and the dialects' endpoints).
# Change those and run `make template`; tests/unit/test_template.py fails while this file is stale.
"""

DESCRIPTION = (
    "Movies API: one resource registry and one query engine on DynamoDB, served in three wire dialects: "
    "Django REST framework (/api/v1, JWT access/refresh tokens), Frappe (/api/resource, /api/method) "
    "and Flask-Restless (/api)."
)


# ---------------------------------------------------------------- YAML values


@dataclass(frozen=True)
class Tag:
    """A CloudFormation short-form intrinsic: ``Tag("Ref", "X")`` is ``!Ref X``."""

    name: str
    value: Any


def ref(logical_id: str) -> Tag:
    return Tag("Ref", logical_id)


def to_cfn(value: Any) -> Any:
    """The value as a YAML loader returns it: tags become ``{"Ref": ...}`` / ``{"Fn::If": ...}``."""
    if isinstance(value, Tag):
        key = "Ref" if value.name == "Ref" else f"Fn::{value.name}"
        return {key: to_cfn(value.value)}
    if isinstance(value, Mapping):
        return {k: to_cfn(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_cfn(v) for v in value]
    return value


# ---------------------------------------------------------------- Names


def camel(name: str) -> str:
    """``resource_list`` → ``ResourceList``; ``frappe.auth.get_logged_user`` → ``FrappeAuthGetLoggedUser``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def function_id(operation: str) -> str:
    return f"{camel(operation)}Function"


def table_id(key: str) -> str:
    return f"{camel(key)}Table"


def event_name(source: str, pattern: str, method: str) -> str:
    """A stable, alphanumeric event name: dialect + path words + method (``DrfApiV1CollectionGet``)."""
    return camel(source) + camel(pattern) + camel(method.lower())


# ---------------------------------------------------------------- Routes


@dataclass(frozen=True)
class Route:
    """An API Gateway route as the template declares it: who declares it, the function, path and methods."""

    source: str
    operation: str
    pattern: str
    methods: tuple[str, ...]

    @property
    def event_methods(self) -> tuple[str, ...]:
        """One ``ANY`` event when the route takes any method; otherwise one per method."""
        if ANY in self.methods:
            return (ANY,)
        return tuple(sorted(dict.fromkeys(self.methods), key=METHOD_ORDER.index))


@dataclass(frozen=True)
class Event:
    function: str
    name: str
    pattern: str
    method: str


def dialect_routes() -> list[Route]:
    """Every dialect's endpoints (``moviesapi.dialects.endpoints()``) as routes."""
    from moviesapi.dialects import endpoints

    return [Route(d.name, e.operation, e.pattern, tuple(e.methods)) for d, e in endpoints()]


def operation_routes(operations: Sequence[Any]) -> list[Route]:
    """Routes that operations declare themselves (the docs), not through a dialect."""
    return [Route(DOCS_SOURCE, op.name, pattern, tuple(methods)) for op in operations for pattern, methods in op.routes]


def all_routes() -> list[Route]:
    """Every route of the API: the dialects' endpoints, then the operations' own (the docs)."""
    from moviesapi.operations import all_operations

    return [*dialect_routes(), *operation_routes(all_operations())]


def segments(pattern: str) -> list[str]:
    return [s for s in pattern.split("/") if s]


def match(routes: Sequence[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway sends ``method path`` to, and the path parameters it fills.

    Level by level a literal child beats the (single) variable child, a trailing
    slash names the same resource, and on the resource found a route listing the
    method beats one taking ``ANY``. None where API Gateway answers 403.
    """
    prefix: list[str] = []
    params: dict[str, str] = {}
    shapes = [(route, segments(route.pattern)) for route in routes]
    for part in segments(path):
        depth = len(prefix)
        children = {s[depth] for _, s in shapes if len(s) > depth and s[:depth] == prefix}
        if part in children:
            prefix.append(part)
            continue
        variables = sorted(c for c in children if c.startswith("{"))
        if not variables:
            return None
        prefix.append(variables[0])
        params[variables[0][1:-1]] = part
    on_resource = [route for route, s in shapes if s == prefix]
    for wanted in (method, ANY):
        for route in on_resource:
            if wanted in route.methods:
                return route, params
    return None


def check_routes(routes: Sequence[Route]) -> None:
    """Refuse what API Gateway would refuse or resolve differently from the routes' intent.

    No greedy ``{proxy+}``; one variable child per path level (``/api/{a}`` beside
    ``/api/{b}`` is a deployment error); one function per path and method, and at
    most one ``ANY`` per path.
    """
    variable_children: dict[tuple[str, ...], set[str]] = {}
    owner: dict[tuple[str, str], str] = {}
    for route in routes:
        parts = segments(route.pattern)
        if not route.pattern.startswith("/") or any("+" in p for p in parts):
            raise ValueError(f"{route.pattern}: only plain /segments and {{param}} segments are allowed")
        for depth, part in enumerate(parts):
            if "{" in part or "}" in part:
                if not re.fullmatch(r"\{[A-Za-z_][A-Za-z0-9_]*\}", part):
                    raise ValueError(f"{route.pattern}: a parameter must be a whole segment, {{name}}")
                variable_children.setdefault(tuple(parts[:depth]), set()).add(part)
        for method in route.methods:
            key = (route.pattern, method)
            if key in owner and owner[key] != route.operation:
                raise ValueError(f"{method} {route.pattern} is routed to both {owner[key]} and {route.operation}")
            owner[key] = route.operation
    operations_at: dict[str, set[str]] = {}
    for route in routes:
        operations_at.setdefault(route.pattern, set()).add(route.operation)
    for route in routes:
        if ANY in route.methods and len(operations_at[route.pattern]) > 1:
            # API Gateway would let the specific methods win, but SAM CLI's local gateway picks by set order.
            raise ValueError(f"ANY {route.pattern} shares its path with other functions; list the methods instead")
    for parent, children in variable_children.items():
        if len(children) > 1:
            path = "/" + "/".join(parent)
            raise ValueError(f"{path}: API Gateway allows one variable child per path level, got {sorted(children)}")


def function_order(operations: Sequence[Any], routes: Sequence[Route], not_allowed: str) -> list[Any]:
    """Operations in template order: the 405 responder, then others with ``ANY`` routes, then the rest.

    SAM CLI keeps the last route it reads for a path and method, so an ``ANY`` must
    come before the specific methods on the same path; ``check_order`` verifies it.
    """
    with_any = {r.operation for r in routes if ANY in r.event_methods}
    position = {op.name: i for i, op in enumerate(operations)}

    def key(op: Any) -> tuple[int, int]:
        rank = 0 if op.name == not_allowed else 1 if op.name in with_any else 2
        return rank, position[op.name]

    return sorted(operations, key=key)


def function_events(operation: str, routes: Sequence[Route]) -> list[Event]:
    """One operation's events: ``ANY`` first, then by path and method; names unique within the function."""
    events: list[Event] = []
    for route in routes:
        if route.operation != operation:
            continue
        for method in route.event_methods:
            events.append(Event(operation, event_name(route.source, route.pattern, method), route.pattern, method))
    events.sort(key=lambda e: (e.method != ANY, e.pattern, METHOD_ORDER.index(e.method), e.name))
    names = [e.name for e in events]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{operation}: event names collide: {duplicates}")
    return events


def check_order(events: Sequence[Event]) -> None:
    """Every ``ANY`` event precedes every specific-method event on its path (SAM CLI's last-wins table)."""
    first_specific: dict[str, int] = {}
    for i, event in enumerate(events):
        if event.method != ANY:
            first_specific.setdefault(event.pattern, i)
    for i, event in enumerate(events):
        if event.method == ANY and first_specific.get(event.pattern, i) < i:
            raise ValueError(f"ANY {event.pattern} ({event.function}) comes after a specific method on that path")


# ---------------------------------------------------------------- Tables


@dataclass(frozen=True)
class Table:
    key: str
    model: Any

    @property
    def logical_id(self) -> str:
        return table_id(self.key)


def tables() -> list[Table]:
    """One table per model in ``all_models()``, named by its key (a resource's name, ``uniques``, ``state``)."""
    from moviesapi.models import all_models
    from moviesapi.registry import resources
    from moviesapi.settings import table_name

    candidates = [r.name for r in resources()] + ["users", "uniques", "state"]
    by_name = {table_name(key): key for key in reversed(candidates)}
    out: list[Table] = []
    for model in all_models():
        key = by_name.get(model.Meta.table_name)
        if key is None:
            raise ValueError(f"{model.__name__}: table {model.Meta.table_name!r} is no resource's and no known key's")
        out.append(Table(key, model))
    return out


def ttl_attribute(model: Any) -> str | None:
    from pynamodb.attributes import TTLAttribute

    for attribute in model.get_attributes().values():
        if isinstance(attribute, TTLAttribute):
            return str(attribute.attr_name)
    return None


def _key_schema(keys: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    ordered = sorted(keys, key=lambda k: (k["KeyType"] != "HASH", k["AttributeName"]))
    return [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in ordered]


def _indexes(schema_indexes: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for index in sorted(schema_indexes, key=lambda i: i["index_name"]):
        projection = {"ProjectionType": index["projection"]["ProjectionType"]}
        if index["projection"].get("NonKeyAttributes"):
            projection["NonKeyAttributes"] = sorted(index["projection"]["NonKeyAttributes"])
        out.append(
            {"IndexName": index["index_name"], "KeySchema": _key_schema(index["key_schema"]), "Projection": projection}
        )
    return out


def table_resource(table: Table) -> dict[str, Any]:
    """The table of a model: keys and indexes from its schema; data tables are retained and protected in prod."""
    schema = table.model._get_schema()
    key_schema = _key_schema(schema["key_schema"])
    key_names = [k["AttributeName"] for k in key_schema]
    definitions = sorted(
        schema["attribute_definitions"],
        key=lambda a: (
            key_names.index(a["AttributeName"]) if a["AttributeName"] in key_names else len(key_names),
            a["AttributeName"],
        ),
    )
    props: dict[str, Any] = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]} for a in definitions
        ],
        "KeySchema": key_schema,
    }
    if schema.get("global_secondary_indexes"):
        props["GlobalSecondaryIndexes"] = _indexes(schema["global_secondary_indexes"])
    if schema.get("local_secondary_indexes"):
        props["LocalSecondaryIndexes"] = _indexes(schema["local_secondary_indexes"])
    ttl = ttl_attribute(table.model)
    if ttl:
        props["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    props["SSESpecification"] = {"SSEEnabled": True}
    if ttl:
        # Short-lived state that expires by itself: nothing to keep when the stack goes.
        return {"Type": "AWS::DynamoDB::Table", "Properties": props}
    props["DeletionProtectionEnabled"] = Tag("If", ["IsProd", True, False])
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": props,
    }


# ---------------------------------------------------------------- Functions


def _stronger(a: str | None, b: str | None) -> str | None:
    return WRITE if WRITE in (a, b) else a or b


def table_access(operation: Any, resources: Sequence[Any], table_keys: Sequence[str]) -> list[tuple[str, str]]:
    """``(table key, read|write)`` for every table ``operation`` may touch, in table order.

    ``resources`` access covers every declared resource's table; a write operation
    only reads the table of a resource that allows no write method (users).
    """
    access: dict[str, str | None] = {}
    if operation.resources:
        for resource in resources:
            level = operation.resources
            if level == WRITE and not any(resource.allows(m) for m in WRITE_METHODS):
                level = READ
            access[resource.name] = _stronger(access.get(resource.name), level)
    for key, level in operation.tables.items():
        access[key] = _stronger(access.get(key), level)
    unknown = sorted(set(access) - set(table_keys))
    if unknown:
        raise ValueError(f"{operation.name}: no table for {unknown}")
    return [(key, str(access[key])) for key in table_keys if access.get(key)]


def function_resource(operation: Any, events: Sequence[Event], access: Sequence[tuple[str, str]]) -> dict[str, Any]:
    props: dict[str, Any] = {
        "Description": operation.description,
        "CodeUri": f"functions/{operation.name}/",
        "Handler": "app.lambda_handler",
    }
    if operation.memory:
        props["MemorySize"] = operation.memory
    policies: list[dict[str, Any]] = [
        {"DynamoDBCrudPolicy" if level == WRITE else "DynamoDBReadPolicy": {"TableName": ref(table_id(key))}}
        for key, level in access
    ]
    if operation.secret:
        policies.append({"AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": ref(SECRET)}})
    if policies:
        props["Policies"] = policies
    props["Events"] = {
        e.name: {"Type": "Api", "Properties": {"RestApiId": ref(API), "Path": e.pattern, "Method": e.method}}
        for e in events
    }
    return {"Type": "AWS::Serverless::Function", "Properties": props}


# ---------------------------------------------------------------- The document


def preamble_parameters() -> dict[str, Any]:
    return {
        "Stage": {
            "Type": "String",
            "Default": "dev",
            "AllowedValues": ["dev", "staging", "prod"],
            "Description": "Deployment stage; also the API Gateway stage name.",
        },
        "AccessTokenLifetimeSeconds": {"Type": "Number", "Default": 300, "MinValue": 30, "MaxValue": 86400},
        "RefreshTokenLifetimeSeconds": {"Type": "Number", "Default": 86400, "MinValue": 300, "MaxValue": 2592000},
        "SessionLifetimeSeconds": {
            "Type": "Number",
            "Default": 43200,
            "MinValue": 60,
            "MaxValue": 2592000,
            "Description": "Absolute lifetime of a Frappe login session (sid cookie), enforced in code and by TTL.",
        },
        "LogLevel": {"Type": "String", "Default": "INFO", "AllowedValues": ["DEBUG", "INFO", "WARNING", "ERROR"]},
    }


def globals_section(table_list: Sequence[Table]) -> dict[str, Any]:
    from moviesapi.settings import table_env

    variables: dict[str, Any] = {table_env(t.key): ref(t.logical_id) for t in table_list}
    variables.update(
        {
            "JWT_SECRET_ARN": ref(SECRET),
            "ACCESS_TOKEN_LIFETIME": ref("AccessTokenLifetimeSeconds"),
            "REFRESH_TOKEN_LIFETIME": ref("RefreshTokenLifetimeSeconds"),
            "SESSION_LIFETIME": ref("SessionLifetimeSeconds"),
            "POWERTOOLS_SERVICE_NAME": "movies-api",
            "POWERTOOLS_METRICS_NAMESPACE": "MoviesApi",
            "POWERTOOLS_LOG_LEVEL": ref("LogLevel"),
            "POWERTOOLS_METRICS_DISABLED": "false",
        }
    )
    return {
        "Function": {
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "MemorySize": 512,
            "Timeout": 10,
            "Tracing": "Active",
            "Layers": [ref(LAYER_ID)],
            "Environment": {"Variables": variables},
        },
        # No Cors block: OPTIONS goes to the functions through the ANY routes (Powertools'
        # preflight), not to API Gateway mock integrations.
        "Api": {"OpenApiVersion": "3.0.1"},
    }


def api_resource() -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::Api",
        "Properties": {
            "Name": Tag("Sub", "movies-api-${Stage}"),
            "StageName": ref("Stage"),
            "TracingEnabled": True,
            "BinaryMediaTypes": list(BINARY_MEDIA_TYPES),
            "MethodSettings": [
                {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}
            ],
        },
    }


def layer_resource() -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {
            "LayerName": Tag("Sub", "movies-api-core-${Stage}"),
            "Description": "Models, auth, permissions, query engine, registry, rendering and dialects.",
            "ContentUri": "layers/core/",
            "CompatibleRuntimes": ["python3.13"],
            "CompatibleArchitectures": ["arm64"],
            "RetentionPolicy": "Delete",
        },
        "Metadata": {"BuildMethod": "makefile", "BuildArchitecture": "arm64"},
    }


def secret_resource() -> dict[str, Any]:
    return {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Description": Tag("Sub", "HS256 signing key for the movies API (${Stage})."),
            "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
        },
    }


def outputs(table_list: Sequence[Table]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ApiUrl": {
            "Description": "Base URL of the API stage.",
            "Value": Tag("Sub", "https://${MoviesApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"),
        }
    }
    for t in table_list:
        out[f"{t.logical_id}Name"] = {"Value": ref(t.logical_id)}
    out["JwtSecretArn"] = {"Value": ref(SECRET)}
    return out


@dataclass
class Document:
    """The template: top-level sections, and Resources as commented groups (in emission order)."""

    sections: dict[str, Any]
    groups: list[tuple[str, dict[str, Any]]]

    def as_dict(self) -> dict[str, Any]:
        """The template as a YAML loader returns it (tags as intrinsic-function mappings)."""
        out = {}
        for key, value in self.sections.items():
            out[key] = to_cfn(value)
            if key == "Globals":
                out["Resources"] = {k: to_cfn(v) for _, group in self.groups for k, v in group.items()}
        return out


def build(routes: Sequence[Route] | None = None) -> Document:
    """The whole template; ``routes`` defaults to the dialects' endpoints plus the operations' own routes."""
    from moviesapi.operations import NOT_ALLOWED, all_operations

    operations = all_operations()
    from moviesapi.registry import resources

    if routes is None:
        routes = all_routes()
    unknown = sorted({r.operation for r in routes} - {op.name for op in operations})
    if unknown:
        raise ValueError(f"routes name operations that do not exist: {unknown}")
    check_routes(routes)
    table_list = tables()
    table_keys = [t.key for t in table_list]
    declared = resources()

    functions: dict[str, Any] = {}
    all_events: list[Event] = []
    for operation in function_order(operations, routes, NOT_ALLOWED):
        events = function_events(operation.name, routes)
        if not events:
            raise ValueError(f"operation {operation.name} has no route: no endpoint names it")
        all_events.extend(events)
        access = table_access(operation, declared, table_keys)
        functions[function_id(operation.name)] = function_resource(operation, events, access)
    check_order(all_events)

    sections: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": DESCRIPTION,
        "Parameters": preamble_parameters(),
        "Conditions": {"IsProd": Tag("Equals", [ref("Stage"), "prod"])},
        "Globals": globals_section(table_list),
        "Outputs": outputs(table_list),
    }
    groups = [
        ("API", {API: api_resource()}),
        ("Layer", {LAYER_ID: layer_resource()}),
        ("Functions: one per operation, serving every resource in every dialect", functions),
        (
            "Tables: one per model in moviesapi.models.all_models()",
            {t.logical_id: table_resource(t) for t in table_list},
        ),
        ("Secret", {SECRET: secret_resource()}),
    ]
    return Document(sections, groups)


# ---------------------------------------------------------------- YAML emission


_RESERVED_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _plain_ok(text: str, flow: bool) -> bool:
    """Whether ``text`` reads back as the same string unquoted, under YAML 1.1 and 1.2 alike.

    Anything a resolver could take for a number, date, boolean or null is quoted
    (the decision must not depend on which loader tweaks are installed: SAM CLI's
    turns dates into strings); the structure is checked with PyYAML's BaseLoader.
    """
    import yaml

    if not text or text != text.strip() or any(c in text for c in "\n'\"\\"):
        return False
    if text[0] in "0123456789-+.!&*%@`|>?:#[]{},<=" or text.lower() in _RESERVED_WORDS:
        return False
    if any(c in text for c in "{}" if not flow) or (flow and any(c in text for c in ",[]{}")):
        return False  # braces are legal inside block scalars, but quoted paths never surprise a reader
    try:
        loaded = yaml.load(f"[{text}]" if flow else f"k: {text}", Loader=yaml.BaseLoader)  # noqa: S506
    except yaml.YAMLError:
        return False
    return loaded == ([text] if flow else {"k": text})


def scalar(value: Any, flow: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value if _plain_ok(value, flow) else json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot emit {value!r}")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, bool))


def flow(value: Any) -> str:
    """``value`` on one line: ``{A: 1, B: !Ref X}``, ``[a, b]``, ``!If [IsProd, true, false]``."""
    if isinstance(value, Tag):
        return f"!{value.name} {flow(value.value)}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{scalar(k, True)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value, True)


def _fits(prefix: str, value: Any) -> str | None:
    """``value`` in flow style when it is short enough on a line after ``prefix``; else None."""
    if _is_scalar(value):
        return scalar(value)
    if isinstance(value, (Mapping, list, tuple)) and not value:
        return flow(value)
    text = flow(value)
    return text if len(prefix) + len(text) <= LINE_WIDTH else None


def block(value: Any, indent: int) -> list[str]:
    """``value`` (a mapping or a list) in block style, flow style for parts that fit on their line."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            prefix = f"{pad}{scalar(key)}: "
            short = _fits(prefix, item)
            if short is not None:
                lines.append(prefix + short)
            elif isinstance(item, Tag):
                raise ValueError(f"{key}: intrinsic too long for one line")
            else:
                lines.append(f"{pad}{scalar(key)}:")
                lines.extend(block(item, indent + 2))
        return lines
    for item in value:
        prefix = f"{pad}- "
        short = None if isinstance(item, Mapping) and len(item) == 1 else _fits(prefix, item)
        if short is not None:
            lines.append(prefix + short)
        else:
            nested = block(item, indent + 2)
            lines.append(prefix + nested[0].lstrip())
            lines.extend(nested[1:])
    return lines


def render(document: Document) -> str:
    """The template text: the header, the sections, and Resources group by group with a comment each."""
    out = [HEADER.rstrip("\n")]
    for key, value in document.sections.items():
        if key == "Description":
            out += [f"{key}: >-", *_folded(value, "  ")]
        elif _is_scalar(value):
            out.append(f"{key}: {scalar(value)}")
        else:
            out += ["", f"{key}:", *block(value, 2)]
        if key == "Globals":
            out += ["", "Resources:"]
            for comment, group in document.groups:
                out.append(f"  # {'-' * 32} {comment}")
                for logical_id, resource in group.items():
                    out += [f"  {logical_id}:", *block(resource, 4), ""]
            out.pop()
    return "\n".join(out) + "\n"


def _folded(text: str, pad: str) -> list[str]:
    """A folded block scalar's lines (``>-``): words wrapped, read back joined by single spaces."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(pad) + len(line) + 1 + len(word) > 100:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(pad + line)
    return lines


def generate(routes: Sequence[Route] | None = None) -> str:
    return render(build(routes))


# ---------------------------------------------------------------- Command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.template", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write {TEMPLATE_PATH.name} (default: print it)")
    action.add_argument("--check", action="store_true", help=f"exit 1 when {TEMPLATE_PATH.name} is stale")
    args = parser.parse_args(argv)
    from moviesapi.registry import CATALOG_ENV

    extra = os.environ.get(CATALOG_ENV, "").strip()
    if extra and (args.write or args.check):
        parser.error(f"{CATALOG_ENV}={extra} declares resources the deployed layer does not: unset it")
    text = generate()
    if args.write:
        if not TEMPLATE_PATH.exists() or TEMPLATE_PATH.read_text() != text:
            TEMPLATE_PATH.write_text(text)
        return 0
    if args.check:
        current = TEMPLATE_PATH.read_text() if TEMPLATE_PATH.exists() else ""
        if current == text:
            return 0
        diff = difflib.unified_diff(current.splitlines(True), text.splitlines(True), "template.yaml", "generated")
        sys.stderr.writelines(diff)
        sys.stderr.write("template.yaml is stale: run `make template`\n")
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
