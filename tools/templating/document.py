"""The template as data: the fixed preamble, then everything derived from the registry.

``build`` is the one place that puts routes, functions and tables together and
runs the checks, so the rendered text (``tools.templating.emit``) and the tests
see the same ``Document``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tools.templating.cfn import API, LAYER_ID, SECRET, Tag, function_id, ref, to_cfn
from tools.templating.functions import function_resource, table_access
from tools.templating.routes import Event, Route, all_routes, check_order, check_routes, function_events, function_order
from tools.templating.tables import Table, table_resource, tables

# Request bodies of these Content-Types reach the functions base64-encoded, byte for byte
# (moviesapi.http decodes them): multipart/form-data (DRF's MultiPartParser) and raw bytes.
# Only truly binary types: no response is base64 (the Swagger UI assets are text, compressed by
# API Gateway), and nothing that matches text (``*/*``, ``text/*``, JSON): with ``*/*`` every
# request and answer counts as binary, the known API Gateway failure for CORS preflights.
BINARY_MEDIA_TYPES = ("multipart~1form-data", "application~1octet-stream")
# API Gateway gzips (or deflates) any response of at least this many bytes for a client whose
# Accept-Encoding allows it: the 1.7 MB Swagger UI bundle, and JSON lists as well.
MINIMUM_COMPRESSION_SIZE = 1024

DESCRIPTION = (
    "Movies API: one resource registry and one query engine on DynamoDB, served in three wire dialects: "
    "Django REST framework (/api/v1, JWT access/refresh tokens), Frappe (/api/resource, /api/method) "
    "and Flask-Restless (/api)."
)


def preamble_parameters() -> dict[str, Any]:
    """The stack's parameters: stage, token and session lifetimes, log level."""
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
    """What every function shares: runtime, the layer, and a ``<KEY>_TABLE`` variable per table."""
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
        # No Cors block: OPTIONS is routed to the functions (an OPTIONS route or an ANY one), which
        # answer preflights with the path's methods; nothing goes to API Gateway mock integrations.
        "Api": {"OpenApiVersion": "3.0.1"},
    }


def api_resource() -> dict[str, Any]:
    """The REST API: one stage named after ``Stage``, tracing, binary media types, compression, throttling."""
    return {
        "Type": "AWS::Serverless::Api",
        "Properties": {
            "Name": Tag("Sub", "movies-api-${Stage}"),
            "StageName": ref("Stage"),
            "TracingEnabled": True,
            "BinaryMediaTypes": list(BINARY_MEDIA_TYPES),
            "MinimumCompressionSize": MINIMUM_COMPRESSION_SIZE,
            "MethodSettings": [
                {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}
            ],
        },
    }


def layer_resource() -> dict[str, Any]:
    """The core layer every function runs on (built by its own Makefile)."""
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
    """The generated HS256 signing key for the JWTs."""
    return {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Description": Tag("Sub", "HS256 signing key for the movies API (${Stage})."),
            "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
        },
    }


def outputs(table_list: Sequence[Table]) -> dict[str, Any]:
    """The API URL, every table's name and the secret's ARN."""
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
