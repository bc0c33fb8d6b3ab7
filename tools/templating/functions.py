"""Functions: one per operation, with least-privilege policies and its API events.

Policies are derived from what the operation declares it reads or writes, so a
function gets exactly the tables (and the JWT secret) its code may touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tools.templating.cfn import API, SECRET, ref, table_id
from tools.templating.routes import Event

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
READ, WRITE = "read", "write"


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
    """An operation's ``AWS::Serverless::Function``: its code, memory, policies and events."""
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
