"""The Frappe dialect's whitelisted methods in the OpenAPI document: ``/api/method/<name>`` and ``/``.

Each method's verbs and guest access come from the whitelist itself; what its
arguments and answer look like is described here. Arguments are Frappe's
``form_dict``: query parameters on a GET, a JSON or form body otherwise.
"""

from __future__ import annotations

from typing import Any

from ...openapi.builder import CSRF_HEADER, Builder, body, docstring, header_params, operation, query, served_at
from ...openapi.schemas import ref, slug
from . import methods, views
from .errors import METHOD_PREFIX

FAMILY = "Frappe"
TAG_METHODS = "Frappe: methods"
KEYS_METHOD = "frappe.core.doctype.user.user.generate_keys"
# Every method: 403 for a verb it does not take or a Guest where guests may not call it.
ALWAYS = (403,)

_TEXT: dict[str, Any] = {"type": "string"}
_JSON_TEXT: dict[str, Any] = {"description": "JSON, or a string holding JSON (as `frappe.parse_json` reads it)."}
_DOCTYPE: dict[str, Any] = {"type": "string", "description": "A declared DocType, e.g. `Movie`."}
_DOC: dict[str, Any] = {"type": ["object", "string"], "description": "A document with its `doctype`.", **_JSON_TEXT}
_LIST_ARGS: dict[str, Any] = {
    "doctype": _DOCTYPE,
    "fields": {"description": 'As on `/api/resource`: `["*"]`, names, `count(name) as n`.', **_JSON_TEXT},
    "filters": _JSON_TEXT,
    "or_filters": _JSON_TEXT,
    "group_by": _TEXT,
    "order_by": _TEXT,
    "limit_start": {"type": ["integer", "string"]},
    "limit_page_length": {"type": ["integer", "string"]},
    "as_dict": {"type": ["boolean", "string"]},
}

# (summary, arguments {name: schema}, required arguments, answer schema, error statuses, headers)
MethodDoc = tuple[str, dict[str, Any], tuple[str, ...], dict[str, Any], tuple[int, ...], tuple[str, ...]]
_MESSAGE_ANY: dict[str, Any] = {"type": "object", "properties": {"message": {}}}
_DOC_ANSWER: dict[str, Any] = {"type": "object", "properties": {"message": {"type": "object"}}}
METHOD_DOCS: dict[str, MethodDoc] = {
    "login": (
        "Log in with a password: a sid cookie session",
        {
            "usr": {"type": "string", "description": "Username or email."},
            "pwd": {"type": "string", "format": "password"},
        },
        ("usr", "pwd"),
        ref("FrappeLoggedIn"),
        (401, 413, 415, 417, 429),
        (CSRF_HEADER, "Set-Cookie"),
    ),
    "logout": ("Log out: end the cookie's session", {}, (), ref("FrappeEmpty"), (400,), ("Set-Cookie",)),
    "ping": ("Ping", {}, (), {"type": "object", "properties": {"message": {"const": "pong"}}}, (), ()),
    "frappe.auth.get_logged_user": (
        "The caller's username",
        {},
        (),
        {"type": "object", "properties": {"message": {"type": "string"}}},
        (400, 401),
        (CSRF_HEADER,),
    ),
    KEYS_METHOD: (
        "Generate the caller's API key and secret",
        {"user": {"type": "string", "description": "Only the caller's own username."}},
        (),
        ref("FrappeKeys"),
        (400, 401, 417),
        (),
    ),
    "frappe.client.get_list": (
        "List documents (the `/api/resource` list, as a method)",
        _LIST_ARGS,
        ("doctype",),
        {"type": "object", "properties": {"message": {"type": "array"}}},
        (401, 404, 417),
        (),
    ),
    "frappe.client.get_count": (
        "Count the documents matching filters",
        {"doctype": _DOCTYPE, "filters": _JSON_TEXT},
        ("doctype",),
        {"type": "object", "properties": {"message": {"type": "integer", "minimum": 0}}},
        (401, 404, 417),
        (),
    ),
    "frappe.client.get": (
        "One document, by name or by filters",
        {"doctype": _DOCTYPE, "name": _TEXT, "filters": _JSON_TEXT},
        ("doctype",),
        _DOC_ANSWER,
        (401, 404, 417),
        (),
    ),
    "frappe.client.get_value": (
        "Fields of the first document matching filters (or a name)",
        {
            "doctype": _DOCTYPE,
            "fieldname": _JSON_TEXT,
            "filters": _JSON_TEXT,
            "as_dict": {"type": ["boolean", "string"]},
        },
        ("doctype",),
        _MESSAGE_ANY,
        (401, 404, 417),
        (),
    ),
    "frappe.client.insert": ("Create a document", {"doc": _DOC}, ("doc",), _DOC_ANSWER, (400, 401, 404, 409, 417), ()),
    "frappe.client.insert_many": (
        "Create several documents, all or none; their names",
        {"docs": {"type": ["array", "string"], "items": {"type": "object"}, "maxItems": 50, **_JSON_TEXT}},
        ("docs",),
        {"type": "object", "properties": {"message": {"type": "array", "items": {"type": "string"}}}},
        (400, 401, 404, 409, 417),
        (),
    ),
    "frappe.client.set_value": (
        "Set one field (fieldname, value) or several (fieldname as a JSON object)",
        {"doctype": _DOCTYPE, "name": _TEXT, "fieldname": _JSON_TEXT, "value": {}},
        ("doctype", "name", "fieldname"),
        _DOC_ANSWER,
        (400, 401, 404, 409, 417),
        (),
    ),
    "frappe.client.save": (
        "Save a document (insert it when it has no name)",
        {"doc": _DOC},
        ("doc",),
        _DOC_ANSWER,
        (400, 401, 404, 409, 417),
        (),
    ),
    "frappe.client.bulk_update": (
        "Update several documents, each on its own; the ones that failed, with why",
        {"docs": {"type": ["array", "string"], "items": {"type": "object"}, "maxItems": 50, **_JSON_TEXT}},
        ("docs",),
        {"type": "object", "properties": {"message": {"type": "object", "properties": {"failed_docs": {}}}}},
        (400, 401, 417),
        (),
    ),
    "frappe.client.delete": (
        "Delete a document",
        {"doctype": _DOCTYPE, "name": _TEXT},
        ("doctype", "name"),
        ref("FrappeEmpty"),
        (400, 401, 404, 409),
        (),
    ),
    "frappe.client.rename_doc": (
        "Rename a document (no declared DocType allows it: 417)",
        {"doctype": _DOCTYPE, "old_name": _TEXT, "new_name": _TEXT, "merge": {"type": ["boolean", "string"]}},
        ("doctype", "old_name", "new_name"),
        _MESSAGE_ANY,
        (400, 401, 404, 417),
        (),
    ),
    "frappe.client.submit": (
        "Submit a document (no declared DocType is submittable: 403)",
        {"doc": _DOC},
        ("doc",),
        _DOC_ANSWER,
        (400, 401, 404),
        (),
    ),
    "frappe.client.cancel": (
        "Cancel a submitted document (none can be: 417)",
        {"doctype": _DOCTYPE, "name": _TEXT},
        ("doctype", "name"),
        _DOC_ANSWER,
        (400, 401, 404, 417),
        (),
    ),
}


def _schemas(builder: Builder) -> None:
    builder.schema(
        "FrappeLoggedIn",
        {
            "type": "object",
            "required": ["message", "home_page", "full_name"],
            "properties": {
                "message": {"const": "Logged In"},
                "home_page": {"type": "string"},
                "full_name": {"type": "string"},
            },
        },
    )
    builder.schema(
        "FrappeKeys",
        {
            "type": "object",
            "required": ["message"],
            "properties": {
                "message": {
                    "type": "object",
                    "required": ["api_key", "api_secret"],
                    "properties": {
                        "api_key": {"type": "string"},
                        "api_secret": {"type": "string", "description": "Shown once; stored only as a digest."},
                    },
                }
            },
        },
    )


def _arguments(args: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "properties": args, "required": list(required), "additionalProperties": False}


def contribute(builder: Builder) -> None:
    """Every whitelisted method with the verbs the whitelist allows it (and HEAD where GET is served),
    then ``/`` with ``cmd``."""
    tag = builder.tag(
        TAG_METHODS,
        "Frappe whitelisted methods (`/api/method/<dotted.path>`, or `/` with `cmd=<dotted.path>`): "
        "login, keys, ping and `frappe.client.*`.",
    )
    _schemas(builder)
    for name, entry in sorted(methods.registered().items()):
        summary, args, required, answer, errors, headers = METHOD_DOCS.get(name, (name, {}, (), {}, (401,), ()))
        security = builder.optional if entry.allow_guest else builder.authenticated
        path = f"{METHOD_PREFIX}{name}"
        for method in entry.methods:
            params = header_params(method, create=False, item=False)
            request_body = None
            if method == "GET":
                params = [*params, *(query(k, v, v.get("description", k)) for k, v in args.items())]
            elif args:
                request_body = body(_arguments(args, required), required=bool(required))
            responses = {**builder.ok(200, answer, "OK", headers=headers), **builder.errors(FAMILY, (*ALWAYS, *errors))}
            op = operation(
                f"frappe_method_{slug(name)}_{method.lower()}",
                tag,
                summary,
                docstring(entry.handler),
                security,
                params,
                request_body,
                responses,
            )
            if method == "GET":
                builder.add_read(path, op, head="HEAD" in served_at(views.ENDPOINTS, path))
            else:
                builder.add(path, method, op)
    _root(builder, tag)


def _root(builder: Builder, tag: str) -> None:
    """``/`` with ``cmd``: frappe-client's entry point to every method above."""
    cmd = {"type": "string", "enum": sorted(methods.registered()), "description": "The method to run."}
    for method in ("GET", "POST", "PUT", "DELETE"):
        params = header_params(method, create=False, item=False)
        request_body = None
        if method == "GET":
            params = [*params, query("cmd", cmd, "The method to run; its arguments are further query parameters.")]
        else:
            schema = {"type": "object", "required": ["cmd"], "properties": {"cmd": cmd}, "additionalProperties": True}
            request_body = body(schema, required=True)
        op = operation(
            f"frappe_root_{method.lower()}",
            tag,
            "Run a whitelisted method named by `cmd` (Frappe's older entry point)",
            docstring(methods.call_root),
            builder.optional,
            params,
            request_body,
            {**builder.ok(200, _MESSAGE_ANY, "OK"), **builder.errors(FAMILY, (*ALWAYS, 400, 401, 404, 409, 417))},
        )
        if method == "GET":
            builder.add_read("/", op, head="HEAD" in served_at(views.ENDPOINTS, "/"))
        else:
            builder.add("/", method, op)
