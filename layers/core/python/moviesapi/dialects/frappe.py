"""The Frappe dialect (``/api/resource/<DocType>``, ``/api/method/<dotted.path>``), as Frappe's API v1 serves it.

Translates Frappe's list parameters (``fields``, ``filters``, ``or_filters``,
``order_by``, ``limit_start``, ``limit_page_length``, ``as_dict``), document
shape (``name``, ``owner``, ``creation``, ``modified``, ...), whitelisted methods,
password login with a ``sid`` cookie, API key generation and error bodies
(``exc_type``, ``exception``, ``_server_messages``) to and from the core. Field
names a DocType does not declare, or declares hidden, are refused the way
Frappe refuses them: 417 ``DataError: Field not permitted in query: <field>``.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from .. import accounts, apikeys, methods, resources, sessions
from ..accounts import Principal
from ..auth import authenticate, www_authenticate
from ..catalog import MOVIE, USER
from ..errors import (
    ApiError,
    AuthenticationFailed,
    BadQuery,
    Conflict,
    CSRFFailed,
    MethodNotAllowed,
    NotAcceptable,
    NotAuthenticated,
    NotFound,
    ParseError,
    PayloadTooLarge,
    PermissionDenied,
    PreconditionFailed,
    Throttled,
    UnsupportedMediaType,
    ValidationFailed,
)
from ..formats import Route
from ..http import Request
from ..query import Cond, Node, Or, Order, Query, all_of, matches
from ..registry import Field, Resource, coerce
from ..responses import respond
from ..settings import get_settings

PREFIXES = ("/api/resource/", "/api/method/")
DEFAULT_PAGE_LENGTH = 20
MAX_PAGE_LENGTH = 500  # Frappe's limit_page_length=0 ("all") is capped here too
MAX_PARAM_CHARS = 10_000
MAX_FIELDS = 50
MAX_FILTERS = 50
HOME_PAGE = "/app"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
DEFAULT_ORDER_BY = "modified desc"

# Frappe's operators (lower case, as Frappe normalises them) → the core's.
OPERATORS: dict[str, str] = {
    "=": "eq",
    "!=": "ne",
    ">": "gt",
    "<": "lt",
    ">=": "ge",
    "<=": "le",
    # Frappe runs on MariaDB with a case-insensitive collation, so LIKE ignores case.
    "like": "ilike",
    "not like": "not_ilike",
    "in": "in",
    "not in": "not_in",
    "between": "between",
    "is": "is",
}
OPERATOR_LIST = "=, !=, >, <, >=, <=, like, not like, in, not in, is, between"

# The suffix-aware routes (format suffixes and negotiation apply to these).
# ``User/{name}`` is left out: usernames may contain dots, which would read as a suffix.
URL_PATTERNS: tuple[Route, ...] = (
    Route(
        "/api/resource/Movie",
        methods=("GET", "POST"),
        name="Movie List",
        description="Frappe: list (fields, filters, or_filters, order_by, limit_start, "
        "limit_page_length, as_dict) and create Movie documents.",
        form={"title": "", "genre": "", "year": None},
    ),
    Route(
        "/api/resource/Movie/{name}",
        methods=("GET", "PUT", "DELETE"),
        name="Movie",
        description="Frappe: read, update (only the fields sent) and delete one Movie.",
        form={"title": "", "genre": "", "year": None},
    ),
    Route(
        "/api/resource/User", methods=("GET",), name="User List", description="Frappe: list users (public fields only)."
    ),
)


# ------------------------------------------------------------------ errors


class FrappeError(ApiError):
    """An error this dialect raises itself, with Frappe's exception class name and status."""

    def __init__(
        self, message: str, *, exc_type: str = "ValidationError", status: int = 417, response_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.exc_type = exc_type
        self.response_message = response_message


def _not_permitted_field(raw: Any) -> FrappeError:
    shown = raw if isinstance(raw, str) else json.dumps(raw, default=str)
    return FrappeError(f"Field not permitted in query: {shown[:100]}", exc_type="DataError")


def _label(fieldname: str) -> str:
    return fieldname.replace("_", " ").title()


def _doctype_in_path(path: str) -> str:
    if path.startswith("/api/resource/"):
        return path[len("/api/resource/") :].split("/", 1)[0].split(".", 1)[0] or "Document"
    return "Document"


def _classify(request: Request, exc: ApiError) -> tuple[int, str, str, list[str]]:
    """(status, Frappe exception class, its module, messages for ``_server_messages``)."""
    if isinstance(exc, FrappeError):
        return exc.status, exc.exc_type, "frappe.exceptions", [exc.message]
    if isinstance(exc, CSRFFailed):
        return 400, "CSRFTokenError", "frappe.exceptions", ["Invalid Request"]
    if isinstance(exc, (NotAuthenticated, AuthenticationFailed)):
        return 401, "AuthenticationError", "frappe.exceptions", [exc.message]
    if isinstance(exc, PermissionDenied):
        return 403, "PermissionError", "frappe.exceptions", [exc.message]
    if isinstance(exc, NotFound):
        return 404, "DoesNotExistError", "frappe.exceptions", [exc.message]
    if isinstance(exc, MethodNotAllowed):
        return 405, "MethodNotAllowed", "werkzeug.exceptions", [exc.message]
    if isinstance(exc, NotAcceptable):
        return 406, "NotAcceptable", "werkzeug.exceptions", [exc.message]
    if isinstance(exc, PreconditionFailed):
        return 412, "TimestampMismatchError", "frappe.exceptions", [exc.message]
    if isinstance(exc, Conflict):
        kind = "DuplicateEntryError" if exc.code == "duplicate" else "TimestampMismatchError"
        return 409, kind, "frappe.exceptions", [exc.message]
    if isinstance(exc, PayloadTooLarge):
        return 413, "RequestEntityTooLarge", "werkzeug.exceptions", [exc.message]
    if isinstance(exc, UnsupportedMediaType):
        return 415, "UnsupportedMediaType", "frappe.exceptions", [exc.message]
    if isinstance(exc, Throttled):
        return (
            429,
            "TooManyRequestsError",
            "frappe.exceptions",
            [f"Your account has been locked and will resume after {exc.wait} seconds"],
        )
    if isinstance(exc, ValidationFailed):
        doctype = _doctype_in_path(request.path)
        required = all(m == resources.REQUIRED for ms in exc.fields.values() for m in ms)
        messages = []
        for name, field_messages in exc.fields.items():
            for message in field_messages:
                if message == resources.REQUIRED:
                    messages.append(f"Error: Value missing for {doctype}: {_label(name)}")
                elif name == "non_field_errors":
                    messages.append(message)
                else:
                    messages.append(f"{_label(name)}: {message}")
        return 417, "MandatoryError" if required else "ValidationError", "frappe.exceptions", messages
    if isinstance(exc, BadQuery):
        return 417, "DataError", "frappe.exceptions", [exc.message]
    if isinstance(exc, ParseError):
        return 417, "ValidationError", "frappe.exceptions", [exc.message]
    if exc.status >= 500:
        return exc.status, "Exception", "builtins", [exc.message]
    return exc.status, "ValidationError", "frappe.exceptions", [exc.message]


def _server_messages(messages: Sequence[str], status: int) -> str:
    """Frappe's ``_server_messages``: a JSON list of JSON-encoded ``msgprint`` dicts."""
    title = "Not Permitted" if status == 403 else "Message"
    return json.dumps(
        [json.dumps({"message": m, "title": title, "indicator": "red", "raise_exception": 1}) for m in messages]
    )


def _debug_traceback(exc: BaseException) -> str:
    current = sys.exc_info()[1]
    return "".join(traceback.format_exception(current if current is not None else exc))


def error_response(request: Request, exc: ApiError) -> Response:
    """Frappe's error body: ``exc_type``, ``exception``, ``_server_messages``; ``exc`` only in debug mode."""
    status, exc_type, module, messages = _classify(request, exc)
    body: dict[str, Any] = {}
    if isinstance(exc, FrappeError) and exc.response_message:
        body["message"] = exc.response_message
    summary = "; ".join(messages)
    body["exc_type"] = exc_type
    body["exception"] = f"{module}.{exc_type}: {summary}" if summary else f"{module}.{exc_type}"
    if get_settings().debug:
        body["exc"] = json.dumps([_debug_traceback(exc)])
    if messages:
        body["_server_messages"] = _server_messages(messages, status)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = www_authenticate()
    if isinstance(exc, MethodNotAllowed) and exc.allowed:
        headers["Allow"] = ", ".join(exc.allowed)
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.wait)
    return respond(request, status, body, headers)


# ------------------------------------------------------------------ DocTypes


def _timestamp(value: Any) -> Any:
    """Frappe's ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC here; Frappe uses the site's time zone)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    return value


@dataclass(frozen=True)
class DocType:
    """A core resource seen as a Frappe DocType.

    ``fields`` maps each Frappe fieldname to the core path behind it (None: a
    standard column this API keeps constant, ``idx`` and ``docstatus``, always 0).
    ``doc_fields`` is the order of a document's keys and of ``fields=["*"]``.
    """

    name: str
    resource: Resource
    fields: Mapping[str, str | None]
    doc_fields: tuple[str, ...]
    writable: bool
    collection_methods: tuple[str, ...]
    element_methods: tuple[str, ...]

    def value(self, record: dict[str, Any], fieldname: str) -> Any:
        path = self.fields[fieldname]
        if path is None:
            return 0
        value: Any = record
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return _timestamp(value)

    def doc(self, record: dict[str, Any]) -> dict[str, Any]:
        out = {f: self.value(record, f) for f in self.doc_fields}
        out["doctype"] = self.name
        return out


MOVIE_DOCTYPE = DocType(
    name="Movie",
    resource=MOVIE,
    fields={
        "name": "id",
        "owner": "creator.username",
        "creation": "created_at",
        "modified": "updated_at",
        # Only the owner may change a movie, so the last modifier is always its owner.
        "modified_by": "creator.username",
        "idx": None,
        "docstatus": None,
        "title": "title",
        "genre": "genre",
        "year": "year",
    },
    doc_fields=("name", "owner", "creation", "modified", "modified_by", "idx", "docstatus", "title", "genre", "year"),
    writable=True,
    collection_methods=("GET", "POST"),
    element_methods=("GET", "PUT", "DELETE"),
)

USER_DOCTYPE = DocType(
    name="User",
    resource=USER,
    fields={
        # A User's name is its username, so a Movie's ``owner`` names its User document.
        "name": "username",
        "username": "username",
        "owner": "username",
        "modified_by": "username",
        "creation": "date_joined",
        "modified": "date_joined",
        "idx": None,
        "docstatus": None,
        "first_name": "first_name",
        "last_name": "last_name",
    },
    doc_fields=(
        "name",
        "owner",
        "creation",
        "modified",
        "modified_by",
        "idx",
        "docstatus",
        "username",
        "first_name",
        "last_name",
    ),
    writable=False,
    collection_methods=("GET",),
    element_methods=("GET",),
)

DOCTYPES: dict[str, DocType] = {d.name: d for d in (MOVIE_DOCTYPE, USER_DOCTYPE)}


def doctype_of(name: str) -> DocType:
    found = DOCTYPES.get(name) if isinstance(name, str) else None
    if found is None:
        raise FrappeError(f"DocType {str(name)[:140]} not found", exc_type="DoesNotExistError", status=404)
    return found


# ------------------------------------------------------------------ list parameters


def _fieldname(doctype: DocType, raw: Any) -> str:
    """A declared Frappe fieldname (backticks and a ``tab<DocType>.`` prefix allowed), or DataError."""
    if not isinstance(raw, str):
        raise _not_permitted_field(raw)
    name = raw.strip().replace("`", "")
    table = f"tab{doctype.name}."
    if name.startswith(table):
        name = name[len(table) :]
    if name not in doctype.fields:
        raise _not_permitted_field(raw)
    return name


def _permit(doctype: DocType, fieldname: str, purpose: str) -> str | None:
    """The core path behind ``fieldname`` if the declaration allows ``purpose`` on it."""
    path = doctype.fields[fieldname]
    if path is not None:
        try:
            doctype.resource.resolve(path, purpose)
        except BadQuery:
            raise _not_permitted_field(fieldname) from None
    return path


def _json_param(request: Request, name: str) -> Any:
    raw = request.param(name)
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_PARAM_CHARS:
        raise FrappeError(f"{name} is too long (at most {MAX_PARAM_CHARS} characters)")
    try:
        return json.loads(raw)
    except ValueError:
        raise FrappeError(f"{name} must be valid JSON") from None


_ALIAS = re.compile(r"^\s*(?P<field>\S+)\s+as\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]{0,63})\s*$", re.IGNORECASE)


def parse_fields(doctype: DocType, raw: Any) -> list[tuple[str, str]]:
    """``fields`` → ``[(fieldname, output key)]``: JSON list or comma string, ``*``, ``field as alias``."""
    if raw is None:
        return [("name", "name")]
    if isinstance(raw, str):
        items: list[Any] = [part for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list):
        items = raw
    else:
        raise FrappeError("fields must be a JSON list of field names")
    if len(items) > MAX_FIELDS:
        raise FrappeError(f"At most {MAX_FIELDS} fields may be requested")
    out: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str) and item.strip() in ("*", f"`tab{doctype.name}`.*", f"tab{doctype.name}.*"):
            out.extend((f, f) for f in doctype.doc_fields if _readable(doctype, f))
            continue
        alias = None
        if isinstance(item, str) and (m := _ALIAS.match(item)):
            item, alias = m.group("field"), m.group("alias")
        fieldname = _fieldname(doctype, item)
        _permit(doctype, fieldname, "read")
        out.append((fieldname, alias or fieldname))
    return out or [("name", "name")]


def _readable(doctype: DocType, fieldname: str) -> bool:
    try:
        _permit(doctype, fieldname, "read")
    except FrappeError:
        return False
    return True


def _as_list(value: Any) -> list[Any]:
    """``in`` / ``not in`` values: a list, or Frappe's comma-separated string."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [value]


def _end_of_day(value: Any) -> Any:
    """Frappe's ``between`` on a datetime includes the whole of a date-only upper bound."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        day = datetime.fromisoformat(value.strip()).date()
        return datetime.combine(day, time.max, tzinfo=UTC)
    return value


_CONSTANT = Field("constant", int, "constant")


@dataclass(frozen=True)
class Filter:
    """One parsed Frappe filter; ``constant`` is set when it tests ``idx``/``docstatus`` (always 0)."""

    node: Node | None
    constant: bool | None = None


def _one_filter(doctype: DocType, parts: Sequence[Any]) -> Filter:
    parts = list(parts)
    if len(parts) > 4:
        parts = parts[:4]  # Frappe ignores anything after the value
    if len(parts) == 4:
        if parts[0] != doctype.name:
            raise _not_permitted_field(f"{parts[0]}.{parts[1]}")
        parts = parts[1:]
    if len(parts) != 3:
        raise FrappeError(
            "Filter must have 4 values (doctype, fieldname, operator, value): " + json.dumps(parts, default=str)[:200]
        )
    field, raw_op, value = parts
    if not isinstance(raw_op, str) or raw_op.strip().lower() not in OPERATORS:
        raise FrappeError(f"Operator must be one of {OPERATOR_LIST}")
    op = OPERATORS[raw_op.strip().lower()]
    fieldname = _fieldname(doctype, field)
    path = _permit(doctype, fieldname, "filter")
    if op == "is":
        flag = str(value).strip().lower() if isinstance(value, str) else ""
        if flag not in ("set", "not set"):
            raise FrappeError("Operator 'is' takes 'set' or 'not set'")
        op, value = ("is_not_null" if flag == "set" else "is_null"), None
    elif op in ("in", "not_in"):
        value = _as_list(value)
    elif op == "between":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise FrappeError("Operator 'between' needs a list of two values")
        value = [value[0], _end_of_day(value[1])]
    if path is None:
        return Filter(None, _constant_matches(op, value))
    return Filter(Cond(path, op, value))


def _constant_matches(op: str, value: Any) -> bool:
    """Evaluate a filter on ``idx``/``docstatus``, which are 0 for every document here."""
    if op in ("ilike", "not_ilike"):
        raise FrappeError(
            f"Operator '{'like' if op == 'ilike' else 'not like'}' needs a text field", exc_type="DataError"
        )
    try:
        if op in ("in", "not_in", "between"):
            bound: Any = tuple(coerce(_CONSTANT, v) for v in value)
        else:
            bound = coerce(_CONSTANT, value)
    except BadQuery:
        raise FrappeError("Invalid value for a numeric field", exc_type="DataError") from None
    if bound is None and op in ("eq", "ne"):
        op = "is_null" if op == "eq" else "is_not_null"
    return matches(Cond("constant", op, bound), {"constant": 0})


def parse_filters(doctype: DocType, raw: Any) -> list[Filter]:
    """Frappe's filter forms: ``[[f, op, v], [doctype, f, op, v], {f: v}, {f: [op, v]}]`` or one dict."""
    if raw is None or raw == "" or raw == [] or raw == {}:
        return []
    items: list[Any]
    if isinstance(raw, dict):
        items = [{k: v} for k, v in raw.items()]
    elif isinstance(raw, list):
        items = raw
    else:
        raise FrappeError("filters must be a JSON list or object")
    out: list[Filter] = []
    for item in items:
        if isinstance(item, dict):
            for key, value in item.items():
                if (
                    isinstance(value, (list, tuple))
                    and value
                    and isinstance(value[0], str)
                    and value[0].strip().lower() in OPERATORS
                ):
                    operand = value[1] if len(value) > 1 else None
                    out.append(_one_filter(doctype, [key, value[0], operand]))
                else:
                    out.append(_one_filter(doctype, [key, "=", value]))
        elif isinstance(item, (list, tuple)):
            out.append(_one_filter(doctype, item))
        else:
            # Frappe would paste a string into SQL as a raw condition; never here.
            raise FrappeError("Each filter must be a list [field, operator, value] or an object")
        if len(out) > MAX_FILTERS:
            raise FrappeError(f"At most {MAX_FILTERS} filters are allowed")
    return out


def combine(filters: list[Filter], or_filters: list[Filter]) -> tuple[Node | None, bool]:
    """(where, empty): AND of ``filters`` with the OR of ``or_filters``; ``empty`` when nothing can match."""
    ands: list[Node] = []
    for f in filters:
        if f.constant is False:
            return None, True
        if f.node is not None:
            ands.append(f.node)
    if or_filters and not any(f.constant is True for f in or_filters):
        alternatives = [f.node for f in or_filters if f.node is not None]
        if not alternatives:
            return None, True
        ands.append(alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives)))
    return all_of(ands), False


def parse_order_by(doctype: DocType, raw: str | None) -> tuple[Order, ...]:
    """``"field asc|desc[, field2 ...]"`` (default ``modified desc``); refused fields are a DataError."""
    text = raw.strip() if isinstance(raw, str) and raw.strip() else DEFAULT_ORDER_BY
    terms = [t.strip() for t in text.split(",") if t.strip()]
    if len(terms) > 5:
        raise FrappeError("At most 5 order_by fields are allowed")
    order: list[Order] = []
    for term in terms:
        words = term.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise _not_permitted_field(term)
        fieldname = _fieldname(doctype, words[0])
        path = _permit(doctype, fieldname, "sort")
        if path is not None:  # ordering by a constant column changes nothing
            order.append(Order(path, len(words) == 2 and words[1].lower() == "desc"))
    return tuple(order)


def _int_param(request: Request, names: Sequence[str], default: int) -> int:
    for name in names:
        raw = request.param(name)
        if raw is not None and raw.strip():
            try:
                return int(raw.strip())
            except ValueError:
                raise FrappeError(f"{name} must be an integer") from None
    return default


def _flag(raw: str | None, default: bool) -> bool:
    """Frappe's ``sbool``: "0", "false", "no", "off" (any case) are False."""
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off", "none", "null")


def build_query(doctype: DocType, request: Request) -> tuple[Query, list[tuple[str, str]], bool]:
    """The core Query for a list request, the output fields, and whether nothing can match."""
    if request.param("group_by"):
        raise FrappeError("group_by is not supported")
    fields_raw: Any = request.param("fields")
    if fields_raw is not None and fields_raw.strip().startswith("["):
        fields_raw = _json_param(request, "fields")
    fields = parse_fields(doctype, fields_raw)
    filters = parse_filters(doctype, _json_param(request, "filters"))
    or_filters = parse_filters(doctype, _json_param(request, "or_filters"))
    if len(filters) + len(or_filters) > MAX_FILTERS:
        raise FrappeError(f"At most {MAX_FILTERS} filters are allowed")
    where, empty = combine(filters, or_filters)
    order = parse_order_by(doctype, request.param("order_by"))
    start = _int_param(request, ("limit_start", "start"), 0)
    if start < 0:
        raise FrappeError("limit_start must not be negative")
    length = _int_param(request, ("limit_page_length", "limit", "page_length"), DEFAULT_PAGE_LENGTH)
    length = MAX_PAGE_LENGTH if length <= 0 else min(length, MAX_PAGE_LENGTH)
    query = Query(where=where, order=order, offset=start, limit=length, with_count=False)
    return query, fields, empty


# ------------------------------------------------------------------ resource views


def _require_user(request: Request) -> Principal:
    principal = authenticate(request)
    if principal is None:
        raise NotAuthenticated()
    return principal


def _check_method(doctype: DocType, request: Request, element: bool) -> None:
    allowed = doctype.element_methods if element else doctype.collection_methods
    if request.method not in allowed:
        raise MethodNotAllowed(request.method, allowed)


def list_docs(request: Request, doctype_name: str) -> Response:
    """``GET /api/resource/<DocType>`` → ``{"data": [...]}`` (dicts, or lists with ``as_dict=0``)."""
    doctype = doctype_of(doctype_name)
    principal = _require_user(request)
    query, fields, empty = build_query(doctype, request)
    records = [] if empty else resources.search(doctype.resource, query, principal).records
    if _flag(request.param("as_dict"), True):
        data: list[Any] = [{key: doctype.value(r, f) for f, key in fields} for r in records]
    else:
        data = [[doctype.value(r, f) for f, _ in fields] for r in records]
    return respond(request, 200, {"data": data})


def _record(doctype: DocType, name: str, principal: Principal) -> dict[str, Any]:
    key = name
    if doctype is USER_DOCTYPE:
        user = accounts.find_by_username(name)
        if user is None:
            raise FrappeError(f"{doctype.name} {name[:140]} not found", exc_type="DoesNotExistError", status=404)
        key = user.id
    try:
        return resources.retrieve(doctype.resource, key, principal)
    except NotFound:
        raise FrappeError(f"{doctype.name} {name[:140]} not found", exc_type="DoesNotExistError", status=404) from None


def get_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``GET /api/resource/<DocType>/<name>`` → ``{"data": {doc}}``."""
    doctype = doctype_of(doctype_name)
    principal = _require_user(request)
    record = _record(doctype, name, principal)
    headers = {"ETag": resources.etag(record)} if "version" in record else {}
    return respond(request, 200, {"data": doctype.doc(record)}, headers)


def _body(request: Request) -> dict[str, Any]:
    """The document fields: the JSON body, or Frappe's ``data`` field holding JSON (form or JSON)."""
    payload = request.data()
    if "data" in payload:
        inner = payload["data"]
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError:
                raise FrappeError("data must be a JSON object") from None
        if not isinstance(inner, dict):
            raise FrappeError("data must be a JSON object")
        payload = inner
    payload = dict(payload)
    payload.pop("doctype", None)
    return payload


def _no_permission(action: str, doctype: DocType, name: str = "") -> FrappeError:
    return FrappeError(
        f"No permission to {action} {doctype.name} {name[:140]}".rstrip(), exc_type="PermissionError", status=403
    )


def create_doc(request: Request, doctype_name: str) -> Response:
    """``POST /api/resource/<DocType>`` → 200 ``{"data": {doc}}`` (Frappe answers 200, not 201)."""
    doctype = doctype_of(doctype_name)
    if not doctype.writable:
        raise _no_permission("create", doctype)
    principal = _require_user(request)
    record, headers = resources.create_from_request(doctype.resource, _body(request), principal, request)
    return respond(request, 200, {"data": doctype.doc(record)}, headers)


def update_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``PUT /api/resource/<DocType>/<name>``: only the fields sent change; only the owner may."""
    doctype = doctype_of(doctype_name)
    if not doctype.writable:
        raise _no_permission("write", doctype, name)
    principal = _require_user(request)
    data = _body(request)
    try:
        record = resources.update(
            doctype.resource,
            name,
            data,
            principal,
            partial=True,
            if_match=request.header("if-match") or None,
            method="PUT",
        )
    except NotFound:
        raise FrappeError(f"{doctype.name} {name[:140]} not found", exc_type="DoesNotExistError", status=404) from None
    except PermissionDenied as exc:
        raise _no_permission("write", doctype, name) from exc
    return respond(request, 200, {"data": doctype.doc(record)}, {"ETag": resources.etag(record)})


def delete_doc(request: Request, doctype_name: str, name: str) -> Response:
    """``DELETE /api/resource/<DocType>/<name>`` → 202 ``{"message": "ok"}``."""
    doctype = doctype_of(doctype_name)
    if not doctype.writable:
        raise _no_permission("delete", doctype, name)
    principal = _require_user(request)
    try:
        resources.destroy(doctype.resource, name, principal, if_match=request.header("if-match") or None)
    except NotFound:
        raise FrappeError(f"{doctype.name} {name[:140]} not found", exc_type="DoesNotExistError", status=404) from None
    except PermissionDenied as exc:
        raise _no_permission("delete", doctype, name) from exc
    return respond(request, 202, {"message": "ok"})


def refuse_resource(request: Request, doctype_name: str, name: str | None = None) -> Response:
    """What the refusal routes answer: unknown DocType 404, read-only DocType 403, other verbs 405."""
    doctype = doctype_of(doctype_name)
    element = name is not None
    if not doctype.writable and (request.method, element) in {("POST", False), ("PUT", True), ("DELETE", True)}:
        action = {"POST": "create", "PUT": "write", "DELETE": "delete"}[request.method]
        raise _no_permission(action, doctype, name or "")
    _check_method(doctype, request, element)
    raise NotFound()  # an allowed verb never reaches a refusal route; answer as for a missing route


# ------------------------------------------------------------------ whitelisted methods


def call_method(request: Request, name: str) -> Response:
    """Run ``/api/method/<name>`` if whitelisted for this verb (404 unknown, 405 wrong verb)."""
    return methods.resolve(name, request.method).handler(request)


def refuse_method(request: Request, name: str) -> Response:
    """The catch-all and wrong-verb routes: 404 or 405 from the whitelist, never a call."""
    methods.resolve(name, request.method)
    raise NotFound(f"Failed to get method for command {name[:140]}")


@methods.whitelist("ping", methods=("GET", "POST"), allow_guest=True)
def ping(request: Request) -> Response:
    return respond(request, 200, {"message": "pong"})


@methods.whitelist("frappe.auth.get_logged_user", methods=("GET", "POST"))
def get_logged_user(request: Request) -> Response:
    """The caller's username; a cookie session also gets its CSRF token in ``X-Frappe-CSRF-Token``.

    Frappe puts the token in the desk page as ``frappe.csrf_token``; an API has no
    page, so it travels in this header (and on login).
    """
    principal = _require_user(request)
    headers: dict[str, str] = {}
    if principal.auth == "session":
        session = sessions.from_request(request)
        if session is not None:
            headers["X-Frappe-CSRF-Token"] = session.csrf_token
    return respond(request, 200, {"message": principal.username}, headers)


INVALID_LOGIN = "Invalid login credentials"


def _login_username(usr: str) -> str:
    """Frappe logs in by username or email; an email resolves to its account's username."""
    if "@" in usr and accounts.find_by_username(usr) is None:
        from pynamodb.exceptions import DoesNotExist

        from ..models import UniqueModel

        try:
            user = accounts.get_user(UniqueModel.get(accounts.email_key(usr)).user_id)
        except DoesNotExist:
            user = None
        if user is not None:
            return user.username
    return usr


def _session_cookies(session: sessions.Session | None, username: str = "", full_name: str = "") -> list[Cookie]:
    """``sid`` (HttpOnly) plus Frappe's readable ``system_user``/``full_name``/``user_id``/``user_image``.

    With no session, the same cookies expired (logout).
    """
    lifetime = get_settings().session_lifetime if session else 0
    values = {
        "sid": session.sid if session else "",
        "system_user": "yes" if session else "",
        "full_name": quote(full_name),
        "user_id": quote(username),
        "user_image": "",
    }
    return [
        Cookie(
            name,
            value,
            path="/",
            secure=True,
            http_only=(name == "sid"),
            max_age=lifetime if name == "sid" or not session else None,
            same_site=SameSite.LAX_MODE,
        )
        for name, value in values.items()
    ]


@methods.whitelist("login", methods=("POST",), allow_guest=True)
def login(request: Request) -> Response:
    """``POST /api/method/login {usr, pwd}`` (JSON or form) → "Logged In" and a ``sid`` cookie.

    Failures share one body whether or not the user exists, and count against the
    account's throttle, the same one the DRF token endpoint uses.
    """
    data = request.data()
    usr, pwd = data.get("usr"), data.get("pwd")
    if not isinstance(usr, str) or not isinstance(pwd, str) or not usr or not pwd:
        raise FrappeError(
            "Incomplete login details",
            exc_type="AuthenticationError",
            status=401,
            response_message="Incomplete login details",
        )
    try:
        user = accounts.authenticate(_login_username(usr.strip()), pwd)
    except AuthenticationFailed:
        raise FrappeError(
            INVALID_LOGIN, exc_type="AuthenticationError", status=401, response_message=INVALID_LOGIN
        ) from None
    session = sessions.start(user.id)
    full_name = " ".join(n for n in (user.first_name, user.last_name) if n) or user.username
    body = {"message": "Logged In", "home_page": HOME_PAGE, "full_name": full_name}
    response = respond(request, 200, body, {"X-Frappe-CSRF-Token": session.csrf_token})
    response.cookies = _session_cookies(session, user.username, full_name)
    return response


@methods.whitelist("logout", methods=("GET", "POST"), allow_guest=True)
def logout(request: Request) -> Response:
    """End the cookie's session server-side and expire the cookies (POST needs the CSRF token)."""
    sid = sessions.sid_of(request)
    session = sessions.load(sid) if sid else None
    if session is not None:
        sessions.check_csrf(session, request)
        sessions.end(session.sid)
    response = respond(request, 200, {})
    response.cookies = _session_cookies(None)
    return response


@methods.whitelist("frappe.core.doctype.user.user.generate_keys", methods=("POST",))
def generate_keys(request: Request) -> Response:
    """A new API secret (and key, the first time) for the caller; the secret is shown only here.

    Frappe lets a System Manager generate keys for any ``user``; there are no roles
    here, so ``user`` may only name the caller.
    """
    principal = _require_user(request)
    data = request.data()
    user = data.get("user")
    if user not in (None, "", principal.username):
        raise FrappeError("Not permitted", exc_type="PermissionError", status=403)
    api_key, api_secret = apikeys.generate(principal.user_id)
    return respond(request, 200, {"message": {"api_key": api_key, "api_secret": api_secret}})
