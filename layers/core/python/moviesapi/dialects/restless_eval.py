"""Flask-Restless's ``/api/eval/<collection>``: aggregate functions, as 0.17 answers them."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response

from .. import aggregates
from ..errors import BadQuery, NotFound
from ..http import Request
from ..responses import respond
from .restless import FUNCTIONS, _no_content, _principal, column, resource_for
from .restless_query import parse_q


def evaluate(request: Request) -> Response:
    """GET /api/eval/<collection>?q={"functions": [{"name": "avg", "field": "..."}]}, as 0.17 answers it.

    0.17 applies the functions to the whole collection (its ``filters`` are not read), on any column:
    min/max of text or dates too; no function is a 204, a missing or empty ``q`` a 400.
    """
    resource = resource_for(request.route_path)
    if not resource.allow_functions:
        raise NotFound()
    principal = _principal(resource, request)
    if not request.param("q"):
        raise BadQuery("Empty query parameter")
    q = {} if request.param("q") == "null" else parse_q(request, allow_list=True)  # 0.17: null asks nothing
    functions = q.get("functions") if isinstance(q, dict) else None
    if not functions:
        return _no_content(request)
    if not isinstance(functions, list) or len(functions) > 20:
        raise BadQuery("'functions' must be a list of at most 20 functions.")
    wanted: list[tuple[str, str]] = []
    for fn in functions:
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not isinstance(fn.get("field"), str):
            raise BadQuery("Each function needs a 'name' and a 'field'.")
        if fn["name"] not in FUNCTIONS:
            raise BadQuery(f'No such function "{fn["name"]}"')
        field = column(resource, fn["field"])
        try:
            resource.resolve(field, "read")
        except BadQuery:
            raise BadQuery(f'No such field "{fn["field"]}"') from None
        wanted.append((fn["name"], field.replace("__", ".")))
    result = aggregates.aggregate(resource, None, wanted, principal)
    answer = {}
    for fn, (name, field) in zip(functions, wanted, strict=True):  # a function asked twice is answered once
        answer[f"{fn['name']}__{fn['field']}"] = _http_date(result[f"{name}__{field.replace('.', '__')}"])
    return respond(request, 200, answer)


def _http_date(value: Any) -> Any:
    """Flask's JSON encoder writes a datetime as an HTTP date (RFC 1123)."""
    return format_datetime(value.astimezone(UTC), usegmt=True) if isinstance(value, datetime) else value
