"""The request as the core sees it, built from an API Gateway proxy event.

Dialects and services read headers, query parameters and bodies from here so
the parsing rules (content types, base64, size caps, multi-value queries) live
in one place.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .errors import NotAnObject, ParseError, PayloadTooLarge, UnsupportedMediaType
from .settings import get_settings

if TYPE_CHECKING:
    from .formats import RouteMatch
    from .rendering import Renderer

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded",)
MULTIPART = "multipart/form-data"


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


@dataclass
class Request:
    """An HTTP request: method, path, case-insensitive headers, multi-value query, raw body."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, list[str]]
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)
    source_ip: str = ""
    request_context_path: str = ""
    stage: str = ""
    domain_name: str = ""  # API Gateway's requestContext.domainName: the host the client really called
    # Set by api.request_of / responses.negotiate: the suffix-aware route this path matched
    # (its ``format`` is the URL suffix) and the renderer content negotiation chose.
    route: RouteMatch | None = None
    accepted_renderer: Renderer | None = None
    # Set by auth.authenticate: ``(caller,)`` once known, so checking twice costs no second read.
    authenticated: tuple[Any] | None = None

    @property
    def format_suffix(self) -> str | None:
        """The format named by a URL suffix (``/movies.json`` → ``json``), if any."""
        return self.route.format if self.route else None

    @property
    def route_path(self) -> str:
        """The path without its format suffix: what Location headers and child URLs build on."""
        return self.route.path if self.route else self.path

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Request:
        """Build from a REST API (payload v1) proxy event; bad base64 is a 400, not a 500."""
        # API Gateway sends every header and query parameter twice (multi-value and last value):
        # a single value is read only where the multi-value side has none.
        # A single-value map is walked only when its names differ from the multi-value map's or a
        # multi-value header is empty (API Gateway sends both with the same names and values).
        headers: dict[str, str] = {}
        multi_headers = event.get("multiValueHeaders") or {}
        empty = False
        for name, values in multi_headers.items():
            if values:
                one = values[0] if len(values) == 1 else None  # nearly every header: no join to build
                headers[name.lower()] = one if one is not None else ", ".join(v for v in values if v is not None)
            else:
                empty = True
        single_headers = event.get("headers") or {}
        if empty or single_headers.keys() != multi_headers.keys():
            for name, value in single_headers.items():
                if value is not None and not multi_headers.get(name):
                    headers.setdefault(name.lower(), value)
        query: dict[str, list[str]] = {}
        multi_query = event.get("multiValueQueryStringParameters") or {}
        for name, values in multi_query.items():
            query[name] = [v for v in (values or []) if v is not None]
        single_query = event.get("queryStringParameters") or {}
        if single_query.keys() != multi_query.keys():
            for name, value in single_query.items():
                if value is not None and name not in multi_query:
                    query.setdefault(name, [value])
        raw = event.get("body") or ""
        if event.get("isBase64Encoded"):
            try:
                body = base64.b64decode(raw, validate=False)
            except (binascii.Error, ValueError) as exc:
                raise ParseError("Request body is not valid base64.") from exc
        else:
            body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        context = event.get("requestContext") or {}
        return cls(
            method=(event.get("httpMethod") or "GET").upper(),
            path=event.get("path") or "/",
            headers=headers,
            query=query,
            body=body,
            path_params=dict(event.get("pathParameters") or {}),
            source_ip=((context.get("identity") or {}).get("sourceIp") or ""),
            request_context_path=context.get("path") or "",
            stage=context.get("stage") or "",
            domain_name=context.get("domainName") or "",
        )

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def param(self, name: str) -> str | None:
        """Last value of a query parameter, as Django's QueryDict.get does."""
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def media_type(self) -> str:
        return media_type_of(self.header("content-type"))

    def data(self) -> dict[str, Any]:
        """The body as a dict: JSON or a urlencoded form; empty body → ``{}``.

        Raises ParseError for malformed input, UnsupportedMediaType for other
        content types and PayloadTooLarge past the configured cap.
        """
        if len(self.body) > get_settings().max_body_bytes:
            raise PayloadTooLarge()
        if not self.body.strip():
            return {}
        media_type = self.media_type
        if media_type in FORM_TYPES:
            try:
                text = self.body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ParseError("Form data is not valid UTF-8.") from exc
            return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        if media_type == MULTIPART:
            return _multipart_fields(self.header("content-type"), self.body)
        if media_type and media_type not in JSON_TYPES and not media_type.endswith("+json"):
            raise UnsupportedMediaType(media_type)
        try:
            value = loads_json(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if not isinstance(value, dict):
            raise NotAnObject(value)
        return value

    def absolute_url(self, path: str | None = None) -> str:
        """Absolute URL of ``path`` (default: this request's path) on the domain API Gateway served.

        Keeps the stage prefix API Gateway's default domain adds, so links work
        both deployed and locally.
        """
        proto = self.header("x-forwarded-proto", "https").split(",")[0].strip() or "https"
        # API Gateway's own record of the domain, not the client's Host header (which anyone can set, and
        # which would then end up in Location and page links).
        host = self.domain_name or self.header("host", "localhost")
        prefix = ""
        context_path = self.request_context_path
        if context_path and context_path != self.path and context_path.endswith(self.path):
            prefix = context_path[: -len(self.path)]
        return f"{proto}://{host}{prefix}{path if path is not None else self.path}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")  # DRF's JSONParser words


def _finite_float(text: str) -> float:
    """``1e400`` decodes to ``inf``, which no field or DynamoDB number can hold: refused like ``Infinity``."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        _reject_constant(text)
    return value


class JSONTooDeep(ValueError):
    """Client JSON nested past ``max_json_depth``: refused before the (recursive) decoder sees it."""


# A JSON string (possibly unterminated: the decoder rejects it later) or one bracket; the string
# alternative is the unrolled ``(?:[^"\\]|\\.)*`` loop, linear on any input.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_depth_error(text: str, limit: int) -> str | None:
    """Why ``text`` nests arrays/objects deeper than ``limit`` (brackets inside strings do not count), or None.

    A cheap scan, so a 64 KiB body of ``[`` costs a regex pass rather than a RecursionError.
    """
    if text.count("[") + text.count("{") <= limit:
        return None  # cannot be deeper: the common case costs two C-level counts
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > limit:
                return f"Nesting deeper than {limit} levels: char {match.start()}"
        elif token == "]" or token == "}":
            depth -= 1
    return None


def _lone_surrogate(value: Any) -> str | None:
    """The first string in a decoded value that is not valid Unicode (a lone ``\\ud800``), if any."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                return f"Lone surrogate {item[exc.start]!r} is not a Unicode character"
    return None


def loads_json(text: str, *, max_depth: int | None = None) -> Any:
    """``json.loads`` for anything a client sends (bodies, ``q``, ``filters``, ``fields``, ``data``…).

    Refuses, with a ``ValueError`` (what callers already turn into their dialect's 4xx): nesting past
    ``max_depth`` (default: the ``max_json_depth`` setting) before decoding; ``NaN``, ``Infinity`` and
    overflowing numbers, which no field or DynamoDB number holds; and lone surrogates, which DynamoDB
    (UTF-8) cannot store or compare. So no client JSON can reach a RecursionError or a store error.
    """
    reason = json_depth_error(text, get_settings().max_json_depth if max_depth is None else max_depth)
    if reason:
        raise JSONTooDeep(reason)
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:  # not reachable under the depth cap; never a 500 if the cap is raised too far
        raise JSONTooDeep("Nesting too deep") from None
    if not text.isascii() or _SURROGATE_ESCAPE.search(text):
        reason = _lone_surrogate(value)
        if reason:
            raise ValueError(reason)
    return value


def _multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """The text fields of a ``multipart/form-data`` body (file parts are not data here); last value wins."""
    import email.parser
    import email.policy

    if "boundary=" not in content_type:
        raise ParseError("Multipart form parse error - Invalid boundary in multipart: None")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ParseError("Multipart form parse error - Invalid boundary in multipart: None")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True) or b""
        try:
            fields[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
        except (LookupError, UnicodeDecodeError) as exc:
            raise ParseError("Multipart form parse error - a field is not valid text.") from exc
    return fields
