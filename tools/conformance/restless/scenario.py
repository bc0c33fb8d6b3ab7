"""The Flask-Restless scenario: the DRF scenario's steps and placeholders, plus ``q`` and Restless's headers.

A step is the DRF corpus's (``tools/conformance/drf/scenario.py``: ``name``, ``group``,
``method``, ``path``, ``query``, ``headers``, ``auth``, one body, ``capture``) with one more
key: ``q``, a search object sent as the ``q`` query parameter (JSON), after its
placeholders are filled (a string that is only a placeholder becomes the raw id, so an
oracle id stays an integer inside the JSON).

``auth: <user>`` sends ``Authorization: Bearer <token:user.access>``: on our side the
user's JWT (``tests/conformance/restless/replay.py`` signs each user in), on the oracle's
side the user name itself, which its preprocessor reads (``app.py``).

Normalisation removes only what must differ between two servers (``RestlessNormaliser``):
ids (back to their placeholders: a movie's ``id`` and a user's, told apart by where the
object sits, ``creator_id``, ids in URLs), tokens, the scheme/host/stage of absolute URLs
(``{base}``, in ``Location``, ``Link`` and bodies), timestamp values (``<timestamp>``,
keeping whether the text carries a zone designator: that is a format a client sees), and
the order of the methods in ``Allow`` (a set; Werkzeug lists it in a set's order).

This module runs under the recorder's Python 3.7 as well as the project's: keep it so.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tools.conformance.drf.scenario import JWT_SHAPE, Prepared, Scenario, jwt_claims, parse_body

# The headers a Flask-Restless client reads; the only ones recorded and compared.
COMPARED_HEADERS = ("Content-Type", "Allow", "Location", "Link", "Vary")

ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?P<zone>Z|[+-]\d{2}:?\d{2})?$")
HTTP_DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")

# Where an object sits tells what its ``id`` is: a relation's objects are the related collection's.
RELATION_KINDS = {"creator": "user", "movies": "movie"}
COLLECTION_KINDS = {"movies": "movie", "users": "user"}


class RestlessScenario(Scenario):
    """The DRF scenario, with ``q`` (a search object) filled and sent as JSON in the query string."""

    def prepare(self, step: dict) -> Prepared:
        prepared = super().prepare(step)
        if "q" in step:
            prepared.query.append(("q", json.dumps(self.fill(step["q"]))))
        return prepared


def answer_of(status: int, headers: dict, text: str) -> dict:
    """The recorded form of an HTTP answer: status, the compared headers, the parsed body."""
    lowered = {k.lower(): v for k, v in headers.items()}
    kept = {name: lowered[name.lower()] for name in COMPARED_HEADERS if name.lower() in lowered}
    kind, body = parse_body(kept.get("Content-Type"), text)
    return {"status": status, "headers": kept, "body_kind": kind, "body": body}


def kind_of_path(path: str) -> str | None:
    """``movie``/``user``: what the objects of an answer to ``path`` are (None: not objects)."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) < 2 or parts[0] != "api" or parts[1] == "eval":
        return None
    collection = parts[1].split(".", 1)[0]
    if len(parts) >= 4:
        return RELATION_KINDS.get(parts[3].split(".", 1)[0])
    return COLLECTION_KINDS.get(collection)


class RestlessNormaliser:
    """Turns one side's answers into the comparable form."""

    def __init__(self, values: dict, base: str, missing_movie_id: Any, missing_user_id: Any) -> None:
        self.base = base.rstrip("/")
        self.ids = {
            "movie": {str(v): "{" + k + "}" for k, v in values.items() if k.startswith("movie:")},
            "user": {str(v): "{" + k + "}" for k, v in values.items() if k.startswith("user:")},
        }
        self.ids["movie"].setdefault(str(missing_movie_id), "{movie:missing}")
        self.ids["user"].setdefault(str(missing_user_id), "{user:missing}")

    def id(self, kind: str | None, value: Any) -> Any:
        if kind is None or value is None or isinstance(value, (bool, dict, list)):
            return value
        return self.ids[kind].get(str(value), value)

    def url(self, text: str) -> str:
        if self.base:
            text = text.replace(self.base + "/", "{base}/").replace(self.base + "?", "{base}?")
            if text == self.base:
                text = "{base}"

        def one(match: Any) -> str:
            kind = COLLECTION_KINDS[match.group(2)]
            return match.group(1) + str(self.id(kind, match.group(3)))

        return re.sub(r"(/api/(movies|users)/)([^/?#.>;,\s]+)", one, text)

    def scalar(self, value: Any) -> Any:
        if isinstance(value, str):
            stamp = ISO_TIMESTAMP.match(value)
            if stamp:
                return "<timestamp>" + ("Z" if stamp.group("zone") in ("Z", "+00:00", "+0000") else "")
            if HTTP_DATE.match(value):
                return "<http-date>"
            if JWT_SHAPE.match(value):
                return "<jwt:{}>".format(jwt_claims(value).get("token_type", "?"))
            return self.url(value)
        return value

    def value(self, value: Any, kind: str | None) -> Any:
        """``value`` with ids normalised; ``kind`` is what an object here is (``movie``/``user``/None)."""
        if isinstance(value, list):
            return [self.value(v, kind) for v in value]
        if not isinstance(value, dict):
            return self.scalar(value)
        out = {}
        for key, item in value.items():
            if key == "id":
                out[key] = self.scalar(self.id(kind, item))
            elif key == "creator_id":
                out[key] = self.scalar(self.id("user", item))
            elif key in RELATION_KINDS:
                out[key] = self.value(item, RELATION_KINDS[key])
            elif key == "objects":
                out[key] = self.value(item, kind)
            else:
                out[key] = self.value(item, None)
        return out

    def answer(self, answer: dict, path: str) -> dict:
        """``{"status", "headers", "body_kind", "body"}`` → the same, normalised (``path``: the request's)."""
        headers = {}
        for name in COMPARED_HEADERS:
            value = answer["headers"].get(name)
            if value is None:
                continue
            if name in ("Location", "Link"):
                value = self.url(value)
            elif name == "Allow":  # a set of methods: its order carries nothing (Werkzeug's is a set's)
                value = ", ".join(sorted(m.strip() for m in value.split(",") if m.strip()))
            headers[name] = value
        kind, body = answer["body_kind"], answer["body"]
        if kind == "json":
            body = self.value(body, kind_of_path(path))
        elif kind == "text":
            body = self.url(body)
        elif kind == "html":
            title = re.search(r"<title>(.*?)</title>", body, re.S)
            body = {"page": "html", "title": title.group(1).strip() if title else ""}
        return {"status": answer["status"], "headers": headers, "body_kind": kind, "body": body}
