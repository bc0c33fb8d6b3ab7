"""The OpenAPI document builder: what every dialect's contribution is written with.

It holds the paths, schemas, responses, tags and the shared components (headers,
parameters, security schemes from ``auth.AUTHENTICATORS``), and the helpers a
contributor needs: operations, parameters, bodies, success and error responses,
format-suffix copies and ``HEAD`` twins. It names no resource and no dialect:
each dialect adds its own paths, schemas, error shapes and tags (see
``contribute_openapi`` in the ``dialects`` package).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from .. import auth, sessions
from ..formats import Route
from ..registry import Resource
from ..responses import DEFAULT_RENDERERS
from .schemas import input_schemas, ref, title_of

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# Format-suffix paths (``<collection>.json``) exist for reads and creates only.
SUFFIX_METHODS = ("GET", "POST")
TAG_SUFFIXES = "Format suffixes"
# Error statuses each kind of operation may answer (a dialect may translate them).
ERRORS: dict[str, tuple[int, ...]] = {
    "list": (400, 401, 404, 406),
    "retrieve": (401, 404, 406),
    "create": (400, 401, 403, 406, 409, 413, 415, 422),
    "update": (400, 401, 403, 404, 406, 409, 412, 413, 415),
    "delete": (401, 403, 404, 406, 412),
    "eval": (400, 401, 404, 406),
    "patch_many": (400, 401, 403, 406, 409, 413, 415),
    "relation": (400, 401, 404, 406),
}
# Response headers a status implies.
_STATUS_HEADERS = {401: "WWW-Authenticate", 429: "Retry-After"}


def _header_name(lower: str) -> str:
    """``x-some-csrf-token`` → ``X-Some-CSRF-Token`` (how the header is usually spelled)."""
    return "-".join(p.upper() if p in ("x", "csrf") else p.capitalize() for p in lower.split("-"))


CSRF_HEADER = _header_name(sessions.CSRF_HEADERS[0])

# What each authenticator is, as an OpenAPI security scheme (keyed by its ``scheme``); the
# dialect that hands out the credential adds where it comes from (``Builder.describe``).
SECURITY_SCHEMES: dict[str, tuple[str, dict[str, Any]]] = {
    "Bearer": (
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A JWT access token (HS256)."},
    ),
    "token": (
        "tokenAuth",
        {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`token <api_key>:<api_secret>`; type the whole value, `token ` included.",
        },
    ),
    "Basic": (
        "basicAuth",
        {
            "type": "http",
            "scheme": "basic",
            "description": "The API key as user name and the API secret as password (never an account password).",
        },
    ),
    "Session": (
        "sidCookie",
        {
            "type": "apiKey",
            "in": "cookie",
            "name": sessions.COOKIE_NAME,
            "description": f"The session cookie. Cookie-authenticated writes also send the session's CSRF token "
            f"in `{CSRF_HEADER}`.",
        },
    ),
}

HEADERS: dict[str, tuple[str, dict[str, Any]]] = {
    "ETag": ("The item's version, for `If-Match`.", {"type": "string", "examples": ['W/"1"']}),
    "Location": ("The new item's URL.", {"type": "string", "format": "uri"}),
    "Idempotent-Replayed": (
        "`true` when this answer replays an earlier request with the same Idempotency-Key.",
        {"type": "string", "enum": ["true"]},
    ),
    "Retry-After": ("Seconds to wait before trying again.", {"type": "integer"}),
    "WWW-Authenticate": ("How to authenticate.", {"type": "string"}),
}

PARAMETERS: dict[str, dict[str, Any]] = {
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": "Retrying with the same key returns the first result (kept 24 hours) "
        "instead of creating twice; the same key with another body is a 422.",
    },
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "The ETag read earlier: a stale version answers 412 and changes nothing.",
    },
    "CsrfToken": {
        "name": CSRF_HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": f"Required with the `{sessions.COOKIE_NAME}` cookie (not with an Authorization header): "
        "the session's CSRF token.",
    },
}


# ---------------------------------------------------------------- plain helpers


def docstring(fn: Callable[..., Any]) -> str:
    return inspect.cleandoc(fn.__doc__ or "")


def kind_of(method: str, item: bool) -> str:
    """The kind of operation a verb is on a collection or an item."""
    if item:
        return {"GET": "retrieve", "HEAD": "retrieve", "PUT": "update", "PATCH": "update", "DELETE": "delete"}[method]
    return {"GET": "list", "HEAD": "list", "POST": "create", "PUT": "update", "PATCH": "update"}[method]


def summary(resource: Resource, kind: str, method: str) -> str:
    one = title_of(resource).lower()
    return {
        "list": f"List {resource.collection}",
        "create": f"Create a {one}",
        "retrieve": f"Read a {one}",
        "update": f"Replace a {one}" if method == "PUT" else f"Partially update a {one}",
        "delete": f"Delete a {one}",
        "patch_many": f"Patch every matching {one} you own" + (" (PUT)" if method == "PUT" else ""),
        "eval": f"Evaluate functions over {resource.collection}",
    }[kind]


def path_param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def json_query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A query parameter holding JSON (a search language, a filter list)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "content": {JSON: {"schema": schema}},
    }


def body(schema: dict[str, Any], *, form: bool = True, required: bool = True, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    content = {JSON: media}
    if form:
        content[FORM] = {"schema": schema}
    return {"required": required, "content": content}


def operation(
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    security: list[dict[str, list[str]]],
    parameters: list[dict[str, Any]],
    request_body: dict[str, Any] | None,
    responses: Mapping[str, Any],
) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": operation_id, "tags": [tag], "summary": summary}
    if description:
        op["description"] = description
    op["security"] = list(security)
    if parameters:
        op["parameters"] = list(parameters)
    if request_body is not None:
        op["requestBody"] = request_body
    op["responses"] = dict(responses)
    return op


def header_params(method: str, *, create: bool, item: bool) -> list[dict[str, str]]:
    """Idempotency-Key on creates, If-Match on item writes, the CSRF header on every write."""
    params = []
    if create:
        params.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if item and method in ("PUT", "PATCH", "DELETE"):
        params.append({"$ref": "#/components/parameters/IfMatch"})
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        params.append({"$ref": "#/components/parameters/CsrfToken"})
    return params


def _segments_match(pattern: str, path: str) -> bool:
    """Whether route ``pattern`` (``/api/{collection}``) serves ``path`` (``/api/things/{id}``) segment-wise."""
    a, b = pattern.strip("/").split("/"), path.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))


def served_at(endpoints: Iterable[Any], path: str) -> tuple[str, ...]:
    """The methods the most specific of ``endpoints`` matching ``path`` serves (API Gateway's choice)."""
    best: tuple[int, ...] | None = None
    methods: list[str] = []
    for endpoint in endpoints:
        if not _segments_match(endpoint.pattern, path):
            continue
        rank = tuple(int(s.startswith("{")) for s in endpoint.pattern.strip("/").split("/"))
        if best is None or rank < best:
            best, methods = rank, []
        if rank == best:
            methods += [m for m in endpoint.served if m not in methods]
    return tuple(methods)


# ---------------------------------------------------------------- the builder


class Builder:
    """Collects schemas, responses, tags and paths while the dialects walk their declarations."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.schemas: dict[str, Any] = {"Empty": {"type": "object", "maxProperties": 0}}
        self.responses: dict[str, Any] = {}
        self.paths: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, str] = {}
        self.dialects: list[str] = []
        self.headers = {name: {"description": d, "schema": s} for name, (d, s) in HEADERS.items()}
        self.parameters = copy.deepcopy(PARAMETERS)
        self.security_schemes = {name: copy.deepcopy(s) for name, s in SECURITY_SCHEMES.values()}
        self._error_shapes: dict[str, tuple[dict[str, Any], dict[int, dict[str, Any]], dict[int, str]]] = {}
        self.formats = tuple(r.format for r in DEFAULT_RENDERERS)
        self.media_types = tuple(dict.fromkeys(r.media_type for r in DEFAULT_RENDERERS))
        names = [SECURITY_SCHEMES[a.scheme][0] for a in auth.AUTHENTICATORS]
        self.authenticated: list[dict[str, list[str]]] = [{name: []} for name in names]
        self.optional: list[dict[str, list[str]]] = [{}, *self.authenticated]

    # ------------------------------------------------------------ registering

    def dialect(self, title: str) -> None:
        """Name a dialect in the document's summary."""
        self.dialects.append(title)

    def tag(self, name: str, description: str) -> str:
        self.tags.setdefault(name, description)
        return name

    def add(self, path: str, method: str, op: dict[str, Any]) -> None:
        self.paths.setdefault(path, {})[method.lower()] = op

    def schema(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        self.schemas[name] = schema
        return ref(name)

    def header(self, name: str, description: str, schema: dict[str, Any]) -> None:
        self.headers[name] = {"description": description, "schema": schema}

    def describe(self, component: str, name: str, text: str) -> None:
        """Append ``text`` to a shared component's description: where a credential comes from, say.

        ``component`` is ``securitySchemes`` (keyed by the authenticator's scheme, ``Bearer``),
        ``parameters`` or ``headers``.
        """
        table = {"securitySchemes": self.security_schemes, "parameters": self.parameters, "headers": self.headers}
        if component == "securitySchemes":
            name = SECURITY_SCHEMES[name][0]
        entry = table[component][name]
        entry["description"] = f"{entry.get('description', '')} {text}".strip()

    def resource_inputs(self, resource: Resource) -> tuple[dict[str, str], dict[str, str]] | None:
        """``<Title>Input``/``<Title>Patch`` refs (added on first use); None for a read-only resource."""
        title = title_of(resource)
        if f"{title}Input" not in self.schemas:
            found = input_schemas(resource)
            if found is None:
                return None
            self.schema(f"{title}Input", found[0])
            self.schema(f"{title}Patch", found[1])
        return ref(f"{title}Input"), ref(f"{title}Patch")

    # ------------------------------------------------------------ responses

    def error_shape(
        self,
        family: str,
        schema: dict[str, Any],
        *,
        by_status: Mapping[int, dict[str, Any]] | None = None,
        notes: Mapping[int, str] | None = None,
    ) -> None:
        """Declare a dialect's error body: ``schema``, or ``by_status[status]``; ``notes`` amend a phrase."""
        self._error_shapes[family] = (schema, dict(by_status or {}), dict(notes or {}))

    def error(self, family: str, status: int) -> dict[str, str]:
        """The shared ``<family>Error<status>`` response (added to components on first use)."""
        name = f"{family}Error{status}"
        if name not in self.responses:
            schema, by_status, notes = self._error_shapes[family]
            description = HTTPStatus(status).phrase + (f" ({notes[status]})" if status in notes else "")
            response: dict[str, Any] = {
                "description": description,
                "content": {JSON: {"schema": by_status.get(status, schema)}},
            }
            header = _STATUS_HEADERS.get(status)
            if header:
                response["headers"] = {header: {"$ref": f"#/components/headers/{header}"}}
            self.responses[name] = response
        return {"$ref": f"#/components/responses/{name}"}

    def errors(self, family: str, statuses: Iterable[int]) -> dict[str, Any]:
        return {str(s): self.error(family, s) for s in sorted(set(statuses))}

    def ok(
        self,
        status: int,
        schema: dict[str, Any] | None,
        description: str,
        *,
        headers: Sequence[str] = (),
        negotiable: bool = False,
    ) -> dict[str, Any]:
        response: dict[str, Any] = {"description": description}
        if schema is not None:
            content: dict[str, Any] = {JSON: {"schema": schema}}
            if negotiable:  # the route's renderers: the browsable API (HTML) and CSV as well
                content.update({m: {"schema": {"type": "string"}} for m in self.media_types if m != JSON})
            response["content"] = content
        if headers:
            response["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in headers}
        return {str(status): response}

    # ------------------------------------------------------------ derived operations

    def head_of(self, get: dict[str, Any]) -> dict[str, Any]:
        """The ``HEAD`` twin of a ``GET``: the same answers, headers only."""
        op = copy.deepcopy(get)
        op["operationId"] += "_head"
        op["summary"] += " (headers only)"
        responses = {}
        for status, response in op["responses"].items():
            if "$ref" in response:
                response = self.responses[response["$ref"].rsplit("/", 1)[-1]]
            responses[status] = {k: v for k, v in response.items() if k != "content"}
        op["responses"] = responses
        return op

    def add_read(self, path: str, op: dict[str, Any], *, head: bool) -> None:
        """A ``GET`` and, when the route serves it, its ``HEAD`` twin."""
        self.add(path, "GET", op)
        if head:
            self.add(path, "HEAD", self.head_of(op))

    def add_suffixed(self, route: Route, method: str, op: dict[str, Any]) -> None:
        """The same operation at ``<pattern>.{format}`` (``formats.format_suffix_patterns``)."""
        formats = list(route.suffixes.allowed or self.formats)
        suffixed = copy.deepcopy(op)
        suffixed["operationId"] += "_format"
        suffixed["tags"] = [self.tag(TAG_SUFFIXES, "Collections with a format suffix (`.json`, `.api`, ...).")]
        suffixed["parameters"] = [
            path_param(
                "format", "The representation: " + ", ".join(formats) + ".", {"type": "string", "enum": formats}
            ),
            *suffixed.get("parameters", []),
        ]
        self.add(f"{route.pattern}.{{format}}", method, suffixed)

    # ------------------------------------------------------------ the result

    def components(self) -> dict[str, Any]:
        return {
            "schemas": self.schemas,
            "responses": self.responses,
            "parameters": self.parameters,
            "headers": self.headers,
            "securitySchemes": self.security_schemes,
        }
