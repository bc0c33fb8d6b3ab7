"""Flask-Restless relations: ``has``/``any`` searches through them and the relation URLs.

``has`` on a to-one relation reads the fields copied onto the item; ``any`` on a
to-many (reverse) relation searches the related resource (at most ``MAX_RELATED``
matches) and filters this one by their parents. ``/api/<collection>/<id>/<relation>``
answers the related object, or a page of related objects ordered by key.
"""

from __future__ import annotations

import math
from typing import Any

from aws_lambda_powertools.event_handler import Response

from .. import resources
from ..accounts import Principal
from ..errors import BadQuery, MethodNotAllowed, NotFound
from ..http import Request
from ..query import Cond, Node, Not, Order, Query
from ..registry import Resource, find_resource, reverse_relations
from ..responses import respond
from .restless import MAX_RELATED, _begin, _page_params, column, to_object
from .restless_query import Related, prefixed


def foreign_keys(resource: Resource, node: Any, principal: Principal | None) -> Node | None:
    """Read ``creator_id``-style names as their relation's id, and resolve ``has``/``any`` through relations.

    ``has`` on a to-one relation reads the fields copied onto the item; ``any`` on a to-many
    (reverse) relation is a search of the related resource, whose matches' parents then filter
    this one (``id in (...)``), within the read budget.
    """
    if node is None:
        return None
    if isinstance(node, Related):
        return _related(resource, node, principal)
    if isinstance(node, Cond):
        return Cond(column(resource, node.field), node.op, node.value)
    if isinstance(node, Not):
        return Not(foreign_keys(resource, node.item, principal))
    return type(node)(tuple(foreign_keys(resource, i, principal) for i in node.items))


def _related(resource: Resource, node: Related, principal: Principal | None) -> Node | None:
    if node.relation in resource.relations:
        if node.op != "has":
            raise BadQuery("'any' is for to-many relations.")  # SQLAlchemy refuses any() on a to-one
        return prefixed(node.where, node.relation)
    reverse = reverse_relations(resource).get(node.relation)
    if reverse is None or node.op != "any":
        raise BadQuery(f"No to-many relation '{node.relation}'.")
    other, via = reverse
    inner = foreign_keys(other, node.where, principal)
    page = resources.search(other, Query(where=inner, limit=MAX_RELATED + 1, with_count=False), principal)
    if len(page.records) > MAX_RELATED:
        raise BadQuery("The related search matches too many objects; narrow it.")
    parents = sorted({(r.get(via.name) or {}).get("id") for r in page.records} - {None})
    return Cond(resource.key, "in", tuple(parents)) if parents else Cond(resource.key, "in", ("",))


def get_related(request: Request, instance_id: str, relation_name: str) -> Response:
    """``GET /api/<collection>/<id>/<relation>``: the related object, or (to-many) a page of them."""
    resource, principal = _begin(request, collection=False)
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(request.method, ["GET"])
    record = resources.retrieve(resource, instance_id, principal)
    relation = resource.relations.get(relation_name)
    if relation is not None:
        target = find_resource(relation.target)
        related = record.get(relation_name) or {}
        if target is None or not related.get("id"):
            return respond(request, 200, related or None)
        return respond(request, 200, to_object(target, resources.retrieve(target, related["id"], principal)))
    reverse = reverse_relations(resource).get(relation_name)
    if reverse is None:
        raise NotFound()
    other, via = reverse
    where = Cond(f"{via.name}.id", "eq", record[resource.key])
    per_page, number = _page_params(request, other)
    order = (Order(other.key, False),)  # 0.17: by primary key
    query = Query(where=where, order=order, offset=max(0, (number - 1) * per_page), limit=per_page if number else 0)
    page = resources.search(other, query, principal)
    total = page.count or 0
    result = {
        "num_results": total,
        "total_pages": math.ceil(total / per_page) if per_page else 0,
        "page": number,
        "objects": [to_object(other, r) for r in page.records],
    }
    return respond(request, 200, result)
