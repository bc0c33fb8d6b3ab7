"""``GET /api/flask-restless-datamodel``: the document flask-restless-client builds itself from.

flask-restless-client (0.4.x) reads this first and makes one class per model
from it; the server-side companion flask-restless-datamodel (0.3.0) serves it
from the ``create_api`` registrations. Here it comes from the registry, so a
resource declared later appears without any change here. Its shape is the
companion's::

    {"FlaskRestlessDatamodel": {"server_version": "0.3.0", "serialize_naively": false},
     "Movie": {"pk_name": "id", "collection_name": "movies", "url_prefix": "/api",
               "attributes": {"id": "unicode", "title": "unicode", "year": "integer", ...,
                              "creator_id": "unicode"},
               "relations": {"creator": {"foreign_model": "User", "relation_type": "MANYTOONE",
                                         "backref": "movies", "local_column": "creator_id"}},
               "properties": {}, "methods": {}},
     "User": {..., "relations": {"movies": {"foreign_model": "Movie", "relation_type": "ONETOMANY",
                                             "backref": "creator"}}}}

- ``attributes``: the readable fields, shaped by ``include_columns`` /
  ``exclude_columns`` as the objects are (a field that is not declared, or not
  readable, is never named), with SQLAlchemy's lower-cased type names (the client
  casts ``date``/``datetime``/``boolean``), plus each to-one relation's foreign
  key column ``<relation>_id`` as a SQLAlchemy model has it.
- ``relations``: each to-one relation whose target this dialect serves
  (``MANYTOONE``) and each to-many one pointing back at the resource
  (``ONETOMANY``, the ``GET /api/<collection>/<id>/<relation>`` endpoints),
  with the companion's ``foreign_model``/``backref``/``local_column``.
- ``methods`` and ``properties`` are the companion's RPC entries (model methods
  and Python properties, which the client calls at ``/api/method/...`` and
  ``/api/property/...``): a declaration has none, so both are empty. The HTTP
  methods a resource allows are not part of the document: the client reads every
  key of ``methods`` as a remote function.

Who may read it: the companion serves it without authentication, but here every
route of every dialect needs a signed-in caller (a deliberate difference the SPEC
keeps), and the client sends its credentials on this call too: its sessions
(``BearerSession``, ``BasicAuthSession`` or one passed as ``session=``) sign in
when they are built, before the client fetches the document. So an anonymous
request gets Flask-Restless's 401, and any caller the API accepts gets the
document (it names only public fields, as ``/api/openapi.json`` does). It is
always JSON, as the companion's is.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ..auth import authenticate
from ..errors import MethodNotAllowed, NotAuthenticated
from ..http import Request
from ..registry import Resource, exposed, reverse_relations
from ..rendering import JSONRenderer
from ..responses import respond

PATH = "/api/flask-restless-datamodel"
# The companion release whose document this is; flask-restless-client 0.4.14 warns about any
# version outside its RECOMMENDED_SERVER_VERSION list (0.2.1 … 0.3.0).
SERVER_VERSION = "0.3.0"
META = "FlaskRestlessDatamodel"

# SQLAlchemy's column type class names, lower-cased, as the companion renders them.
TYPE_NAMES: dict[type, str] = {
    str: "unicode",
    int: "integer",
    float: "float",
    bool: "boolean",
    datetime: "datetime",
    date: "date",
}


def model_name(resource: Resource) -> str:
    """The class name the client gives the resource (``Movie``): its title as an identifier."""
    words = re.split(r"[^0-9A-Za-z]+", resource.title or resource.name)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    if not name or name[0].isdigit():
        name = "Model" + name
    return name


def _shown(resource: Resource, name: str) -> bool:
    """Whether ``include_columns``/``exclude_columns`` let a column or relation show, as on objects."""
    include = resource.include_columns
    return (include is None or name in include) and name not in (resource.exclude_columns or ())


def _type_name(kind: type) -> str:
    return TYPE_NAMES.get(kind, kind.__name__.lower())


def foreign_key(relation_name: str) -> str:
    return f"{relation_name}_id"


def _to_many(resource: Resource, models: dict[str, tuple[str, Resource]]) -> dict[str, tuple[Resource, Any]]:
    """The to-many relations pointing back at ``resource`` from resources this dialect serves."""
    return {name: (other, via) for name, (other, via) in reverse_relations(resource).items() if other.name in models}


def describe(resource: Resource, models: dict[str, tuple[str, Resource]]) -> dict[str, Any]:
    """One model's entry; ``models`` maps every served resource's name to its model name and itself."""
    attributes: dict[str, str] = {}
    for name in resource.readable_fields():
        if _shown(resource, name):
            attributes[name] = _type_name(resource.fields[name].type)
    relations: dict[str, dict[str, Any]] = {}
    for rel_name, relation in resource.relations.items():
        column = foreign_key(rel_name)
        id_field = relation.resolved.get("id")
        if _shown(resource, column) and column not in resource.fields:
            attributes[column] = _type_name(id_field.type if id_field is not None else str)
        if relation.target not in models or not _shown(resource, rel_name):
            continue
        target_model, target = models[relation.target]
        backrefs = [name for name, (other, via) in _to_many(target, models).items() if via is relation]
        relations[rel_name] = {
            "foreign_model": target_model,
            "relation_type": "MANYTOONE",
            "backref": backrefs[0] if backrefs else None,
            "local_column": column,
        }
    for rel_name, (other, via) in _to_many(resource, models).items():
        if rel_name not in relations and _shown(resource, rel_name):
            relations[rel_name] = {
                "foreign_model": models[other.name][0],
                "relation_type": "ONETOMANY",
                "backref": via.name,
            }
    return {
        "pk_name": resource.key,
        "collection_name": resource.collection,
        "url_prefix": resource.url_prefix,
        "attributes": attributes,
        "relations": relations,
        "properties": {},
        "methods": {},
    }


def datamodel() -> dict[str, Any]:
    """The whole document, from the resources the Flask-Restless dialect serves."""
    models: dict[str, tuple[str, Resource]] = {}
    taken: set[str] = {META}
    for resource, _ in exposed("restless"):
        name, n = model_name(resource), 1
        while name in taken:  # two titles making one class name: the later one gets a number
            n += 1
            name = f"{model_name(resource)}{n}"
        taken.add(name)
        models[resource.name] = (name, resource)
    document: dict[str, Any] = {META: {"server_version": SERVER_VERSION, "serialize_naively": False}}
    for name, resource in models.values():
        document[name] = describe(resource, models)
    return document


def contribute_openapi(builder: Any) -> None:
    """The document's path in the OpenAPI document (``GET`` and ``HEAD``, for a signed-in caller).

    Called from the Flask-Restless dialect's part of the document, after its own paths,
    so its tag and error shape already exist.
    """
    from ..openapi.builder import operation

    tag = builder.tag("Flask-Restless", "Flask-Restless dialect (`/api/<collection>`).")
    names = {"type": "object", "additionalProperties": {"type": "string"}}
    model = builder.schema(
        "RestlessDatamodelModel",
        {
            "type": "object",
            "required": ["pk_name", "collection_name", "url_prefix", "attributes", "relations", "methods"],
            "properties": {
                "pk_name": {"type": "string"},
                "collection_name": {"type": "string"},
                "url_prefix": {"type": "string"},
                "attributes": {**names, "description": "Column name → SQLAlchemy type name, lower-cased."},
                "relations": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["foreign_model", "relation_type"],
                        "properties": {
                            "foreign_model": {"type": "string"},
                            "relation_type": {"enum": ["MANYTOONE", "ONETOMANY"]},
                            "backref": {"type": ["string", "null"]},
                            "local_column": {"type": "string"},
                        },
                    },
                },
                "properties": {"type": "object", "maxProperties": 0},
                "methods": {"type": "object", "maxProperties": 0},
            },
        },
    )
    schema = {
        "type": "object",
        "required": [META],
        "properties": {
            META: {
                "type": "object",
                "required": ["server_version", "serialize_naively"],
                "properties": {"server_version": {"type": "string"}, "serialize_naively": {"type": "boolean"}},
            }
        },
        "additionalProperties": model,
    }
    example = datamodel()
    responses = builder.ok(200, schema, "The datamodel: one entry per model (resource) this dialect serves.")
    responses["200"]["content"]["application/json"]["example"] = example
    responses.update(builder.errors("Restless", [401, 405, 406]))
    op = operation(
        "restless_datamodel_get",
        tag,
        "The datamodel flask-restless-client builds itself from",
        "flask-restless-datamodel's document, derived from the declarations: each model's columns "
        "(public fields only), relations, primary key, collection name and URL prefix.",
        builder.authenticated,
        [],
        None,
        responses,
    )
    builder.add_read(PATH, op, head=True)


def serve(request: Request) -> Response:
    """``GET``/``HEAD`` → the document for a signed-in caller; any other method → 405 (``GET`` only)."""
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(request.method, ["GET"])
    if authenticate(request) is None:
        raise NotAuthenticated()
    return respond(request, 200, datamodel(), renderer=JSONRenderer())
