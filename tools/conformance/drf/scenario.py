"""One stateful scenario, replayable against any server: the DRF seed project or our API.

A corpus step (see ``tests/conformance/drf/corpus.py``) is plain JSON:

``name``, ``group``, ``variant`` (``seed``: the seed project as it is; ``suffix``: the same
project with ``format_suffix_patterns``), ``method``, ``path``, ``query`` (``[[k, v], ...]``,
order and repeats kept), ``headers``, ``auth`` (a user name: their access token as
``Bearer``; or a crafted token, see :meth:`Scenario.craft`), one body (``json``, ``form``,
``multipart``, ``raw`` or ``raw_b64``, with ``content_type`` for the raw ones) and
``capture`` (what to remember from the answer: ``{"movie": name}``, ``{"tokens": name}``);
``craft`` makes a token for a body field written ``"{crafted}"``.

Strings may hold placeholders that a side fills from earlier answers:
``{movie:casablanca}`` (its id; an unknown name gives the side's id of a movie that does
not exist), ``{token:alice.access}``, ``{token:alice.refresh}``, ``{user:alice}``.
A string that is only a placeholder becomes the raw value (a seed id stays an int in JSON).

Normalisation removes only what must differ between two servers: ids (back to their
placeholders), tokens (``<jwt:access>``), the scheme/host/stage in absolute URLs
(``{base}``), and the parts of an HTML page that are not the response it shows.

This module runs under the recorder's Python 3.9 as well as the project's: keep it so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import time
from typing import Any
from urllib.parse import urlencode

PLACEHOLDER = re.compile(r"\{(movie|token|user):([A-Za-z0-9_.\-]+)\}")
JWT_SHAPE = re.compile(r"^eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*$")
MULTIPART_BOUNDARY = "ConformanceBoundary7MA4YWxkTrZu0gW"
# The headers clients read; the only ones compared.
COMPARED_HEADERS = ("Content-Type", "Allow", "WWW-Authenticate", "Location", "Vary")


class Side:
    """What differs between the servers a scenario runs against."""

    name = "side"
    signing_key = ""
    missing_movie_id: Any = None
    missing_user_id: Any = None


class Prepared:
    """A corpus step with its placeholders filled: ready to send."""

    def __init__(self, method: str, path: str, query: list, headers: dict, body: bytes | None) -> None:
        self.method = method
        self.path = path
        self.query = query  # [(name, value), ...]
        self.headers = headers  # {name: value}, Content-Type included when there is a body
        self.body = body

    @property
    def query_string(self) -> str:
        return urlencode(self.query)

    @property
    def content_type(self) -> str | None:
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return value
        return None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_claims(token: str) -> dict:
    """A JWT's payload, unverified (only to craft tokens and name their type)."""
    try:
        return json.loads(b64url_decode(token.split(".")[1]))
    except (IndexError, ValueError):
        return {}


def encode_jwt(claims: dict, key: str, alg: str = "HS256") -> str:
    """An HS256 JWT as PyJWT writes it (``alg: none`` for the unsigned variant)."""
    header = {"typ": "JWT", "alg": alg}
    signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
    signing_input += b64url(json.dumps(claims, separators=(",", ":")).encode())
    if alg == "none":
        return signing_input + "."
    digest = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(digest)


class Scenario:
    """The running state of one replay on one side."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.values: dict[str, Any] = {}
        self.crafted = ""  # the step's ``craft`` token, for a ``{crafted}`` string

    # ------------------------------------------------------------------ placeholders

    def value(self, kind: str, key: str) -> Any:
        full = f"{kind}:{key}"
        if full in self.values:
            return self.values[full]
        if kind == "movie":
            return self.side.missing_movie_id
        if kind == "user":
            return self.side.missing_user_id
        return "not-a-captured-token"

    def fill(self, obj: Any) -> Any:
        if isinstance(obj, str):
            if obj == "{crafted}":
                return self.crafted
            whole = PLACEHOLDER.fullmatch(obj)
            if whole:
                return self.value(whole.group(1), whole.group(2))
            return PLACEHOLDER.sub(lambda m: str(self.value(m.group(1), m.group(2))), obj)
        if isinstance(obj, list):
            return [self.fill(v) for v in obj]
        if isinstance(obj, dict):
            return {self.fill(k): self.fill(v) for k, v in obj.items()}
        return obj

    # ------------------------------------------------------------------ tokens

    def craft(self, spec: dict) -> str:
        """A token made from a captured one: ``{"from": "alice.access", "set": {...}, "drop": [...],
        "key": "side"|"wrong", "alg": "HS256"|"none"}``.

        ``set`` values: ``{"now": seconds}`` (a time relative to now), ``{"missing_user": true}``
        (an id no user has, in the side's own id type), or a literal.
        """
        claims = dict(jwt_claims(str(self.value("token", spec["from"]))))
        for name, value in self.fill(spec.get("set") or {}).items():
            if isinstance(value, dict) and "now" in value:
                value = int(time.time()) + int(value["now"])
            elif isinstance(value, dict) and value.get("missing_user"):
                value = self.side.missing_user_id
            claims[name] = value
        for name in spec.get("drop") or ():
            claims.pop(name, None)
        key = self.side.signing_key if spec.get("key", "side") == "side" else "a-key-that-is-not-the-servers-0123456789"
        return encode_jwt(claims, key, spec.get("alg", "HS256"))

    def authorization(self, auth: Any) -> str:
        if isinstance(auth, str):
            return "Bearer " + str(self.value("token", auth + ".access"))
        return "Bearer " + self.craft(auth)

    # ------------------------------------------------------------------ requests

    def prepare(self, step: dict) -> Prepared:
        self.crafted = self.craft(step["craft"]) if step.get("craft") else ""
        headers = {k: str(v) for k, v in self.fill(step.get("headers") or {}).items()}
        if step.get("auth") is not None:
            headers["Authorization"] = self.authorization(step["auth"])
        body: bytes | None = None
        content_type = step.get("content_type")
        if "json" in step:
            body = json.dumps(self.fill(step["json"])).encode("utf-8")
            content_type = content_type or "application/json"
        elif "form" in step:
            body = urlencode([(k, str(v)) for k, v in self.fill(step["form"])]).encode("utf-8")
            content_type = content_type or "application/x-www-form-urlencoded"
        elif "multipart" in step:
            body = multipart(self.fill(step["multipart"]))
            content_type = content_type or f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"
        elif "raw" in step:
            body = str(self.fill(step["raw"])).encode("utf-8")
        elif "raw_b64" in step:
            body = base64.b64decode(step["raw_b64"])
        if content_type is not None:
            headers["Content-Type"] = content_type
        query = [(str(k), str(v)) for k, v in self.fill(step.get("query") or [])]
        return Prepared(step["method"].upper(), self.fill(step["path"]), query, headers, body)

    def observe(self, step: dict, status: int, body: Any) -> None:
        """Remember what the step's ``capture`` asks for from a successful answer."""
        capture = step.get("capture") or {}
        if not isinstance(body, dict) or status >= 300:
            return
        if "movie" in capture and "id" in body:
            self.values["movie:" + capture["movie"]] = body["id"]
        if "tokens" in capture:
            name = capture["tokens"]
            for kind in ("access", "refresh"):
                if isinstance(body.get(kind), str):
                    self.values[f"token:{name}.{kind}"] = body[kind]
            user_id = jwt_claims(str(body.get("access", ""))).get("user_id")
            user = capture.get("user", name.split("_", 1)[0])
            if user_id is not None and f"user:{user}" not in self.values:
                self.values[f"user:{user}"] = user_id


def multipart(fields: list) -> bytes:
    """A multipart/form-data body with text fields, as a browser or ``requests`` would send it."""
    out = b""
    for name, value in fields:
        out += f"--{MULTIPART_BOUNDARY}\r\n".encode()
        out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += str(value).encode("utf-8") + b"\r\n"
    return out + f"--{MULTIPART_BOUNDARY}--\r\n".encode()


# ---------------------------------------------------------------------- answers


def parse_body(content_type: str | None, text: str) -> tuple[str, Any]:
    """``(kind, body)``: ``json`` (parsed), ``html``/``text`` (as is) or ``empty``."""
    if text == "":
        return "empty", ""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            return "json", json.loads(text)
        except ValueError:
            return "text", text
    if media == "text/html":
        return "html", text
    return "text", text


def _strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


def html_digest(page: str) -> dict:
    """What an HTML page shows a person, comparable across implementations.

    A browsable-API page (DRF's or ours) shows a response: its status line and its body;
    any other page is known by its title.
    """
    drf = re.search(r'<div class="response-info"[^>]*>\s*<pre class="prettyprint">(.*?)</pre>', page, re.S)
    if drf:
        meta, _, content = _strip_tags(drf.group(1)).partition("\n\n")
        return {"page": "browsable", "status": meta.strip().splitlines()[0], "content": _parsed(content)}
    meta = re.search(r'<pre class="meta">(.*?)</pre>', page, re.S)
    body = re.search(r'<pre class="panel panel-json body">(.*?)</pre>', page, re.S)
    if meta and body:
        status = _strip_tags(meta.group(1)).strip().splitlines()[0]
        return {"page": "browsable", "status": status, "content": _parsed(_strip_tags(body.group(1)))}
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    return {"page": "html", "title": _strip_tags(title.group(1)).strip() if title else ""}


class Normaliser:
    """Turns one side's answers into the comparable form."""

    def __init__(self, values: dict, base: str, missing_movie_id: Any, missing_user_id: Any) -> None:
        self.base = base.rstrip("/")
        self.movies = {str(v): "{" + k + "}" for k, v in values.items() if k.startswith("movie:")}
        self.users = {str(v): "{" + k + "}" for k, v in values.items() if k.startswith("user:")}
        self.movies.setdefault(str(missing_movie_id), "{movie:missing}")
        self.users.setdefault(str(missing_user_id), "{user:missing}")

    def url(self, text: str) -> str:
        if self.base and text.startswith(self.base):
            text = "{base}" + text[len(self.base) :]
        return re.sub(
            r"(/api/v1/movies/)([^/?#.]+)",
            lambda m: m.group(1) + self.movies.get(m.group(2), m.group(2)),
            text,
        )

    def value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if key == "id" and not isinstance(value, (bool, dict, list)) and value is not None:
            text = str(value)
            return self.movies.get(text) or self.users.get(text) or value
        if isinstance(value, str):
            if JWT_SHAPE.match(value):
                return f"<jwt:{jwt_claims(value).get('token_type', '?')}>"
            return self.url(value)
        return value

    def answer(self, answer: dict) -> dict:
        """``{"status", "headers", "body_kind", "body"}`` → the same, normalised."""
        headers = {}
        for name in COMPARED_HEADERS:
            value = answer["headers"].get(name)
            if value is None:
                continue
            headers[name] = self.url(value) if name == "Location" else value
        kind, body = answer["body_kind"], answer["body"]
        if kind == "html":
            body = self.value(html_digest(body))
        elif kind == "json":
            body = self.value(body)
        elif kind == "text":
            body = self.url(body)
        return {"status": answer["status"], "headers": headers, "body_kind": kind, "body": body}


def answer_of(status: int, headers: dict, text: str) -> dict:
    """The recorded form of an HTTP answer: status, the compared headers, the parsed body."""
    lowered = {k.lower(): v for k, v in headers.items()}
    kept = {name: lowered[name.lower()] for name in COMPARED_HEADERS if name.lower() in lowered}
    kind, body = parse_body(kept.get("Content-Type"), text)
    return {"status": status, "headers": kept, "body_kind": kind, "body": body}
