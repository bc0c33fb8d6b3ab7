"""DocTypes: every resource whose declaration lists ``Frappe`` options, seen the way Frappe shows it.

A DocType's fields map Frappe fieldnames to record paths in document order;
unless the declaration spells them out they are derived from it: ``name`` is
the key, ``owner`` and ``modified_by`` the owner's username, ``creation`` and
``modified`` the server-set timestamps, ``idx``/``docstatus`` constant 0, then
every readable field and each writable relation (as its id). The verbs a
DocType takes follow from the resource's declared ``methods``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from ...formats import Route
from ...query import value_at
from ...registry import Resource, exposed, generation
from ..options import Frappe
from .errors import RESOURCE_PREFIX, does_not_exist

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
LIST_PARAMETERS = "fields, filters, or_filters, order_by, limit_start, limit_page_length, as_dict"


def format_value(value: Any) -> Any:
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
    ``name_field`` is the path behind a document's ``name``; when it is not the
    resource's key, ``lookup`` (if declared) turns a name into the key.
    """

    name: str
    resource: Resource
    fields: Mapping[str, str | None]
    doc_fields: tuple[str, ...]
    writable: bool
    collection_methods: tuple[str, ...]
    element_methods: tuple[str, ...]
    name_field: str
    lookup: Callable[[str], str | None] | None = None

    @property
    def names_are_keys(self) -> bool:
        """Whether a document's name is the resource's key (so it never holds a dot)."""
        return self.name_field == self.resource.key

    @property
    def path(self) -> str:
        """``/api/resource/<DocType>``."""
        return f"{RESOURCE_PREFIX}{self.name}"

    def value(self, record: dict[str, Any], fieldname: str) -> Any:
        path = self.fields[fieldname]
        if path is None:
            return 0
        return format_value(value_at(record, path))

    def doc(self, record: dict[str, Any]) -> dict[str, Any]:
        out = {f: self.value(record, f) for f in self.doc_fields}
        out["doctype"] = self.name
        return out


def _owner_path(resource: Resource) -> str | None:
    """The owner's username (its id when the relation does not copy the username)."""
    if not resource.owner:
        return None
    relation = resource.relations[resource.owner]
    return f"{relation.name}.{'username' if 'username' in relation.resolved else 'id'}"


def _first_auto(resource: Resource, kind: str) -> str | None:
    return next((name for name, f in resource.fields.items() if f.auto == kind), None)


def derived_fields(resource: Resource) -> dict[str, str | None]:
    """The default fieldname → path mapping (see :class:`~moviesapi.dialects.options.Frappe`)."""
    out: dict[str, str | None] = {"name": resource.key}
    owner = _owner_path(resource)
    created = _first_auto(resource, "create")
    modified = _first_auto(resource, "update") or created
    if owner:
        out["owner"] = owner
    if created:
        out["creation"] = created
    if modified:
        out["modified"] = modified
    if owner:
        # Only the owner may change an item, so its last modifier is always its owner.
        out["modified_by"] = owner
    out["idx"] = None
    out["docstatus"] = None
    for name, f in resource.fields.items():
        if f.readable and name != resource.key and f.auto is None:
            out.setdefault(name, name)
    for name, relation in resource.relations.items():
        if relation.writable:
            out.setdefault(name, f"{name}.id")
    return out


def collection_methods(resource: Resource) -> tuple[str, ...]:
    return ("GET", "POST") if resource.allows("POST") else ("GET",)


def element_methods(resource: Resource) -> tuple[str, ...]:
    updates = resource.allows("PUT") or resource.allows("PATCH")
    return ("GET", *(("PUT",) if updates else ()), *(("DELETE",) if resource.allows("DELETE") else ()))


def build_doctype(resource: Resource, options: Frappe) -> DocType:
    """The DocType ``options`` declare for ``resource``."""
    fields = dict(options.fields) if options.fields is not None else derived_fields(resource)
    if "name" not in fields:
        raise ValueError(f"DocType {options.doctype}: its fields must include 'name'")
    return DocType(
        name=options.doctype,
        resource=resource,
        fields=fields,
        doc_fields=tuple(fields),
        writable=any(resource.allows(m) for m in WRITE_METHODS),
        collection_methods=collection_methods(resource),
        element_methods=element_methods(resource),
        name_field=options.name_field or resource.key,
        lookup=options.lookup,
    )


def doctypes() -> dict[str, DocType]:
    """Every declared DocType by name, from the registry (rebuilt when a declaration comes or goes)."""
    return _doctypes(generation())


@cache
def _doctypes(_generation: int) -> dict[str, DocType]:
    return {options.doctype: build_doctype(resource, options) for resource, options in exposed("frappe")}


def doctype_of(name: Any) -> DocType:
    """The DocType called ``name``; 404 ``DoesNotExistError`` when none is declared."""
    found = doctypes().get(name) if isinstance(name, str) else None
    if found is None:
        raise does_not_exist("DocType", str(name))
    return found


def _form(doctype: DocType) -> dict[str, Any]:
    """The blank body of the browsable API's create form: the writable fields under their Frappe names."""
    if not doctype.writable:
        return {}
    resource = doctype.resource
    form: dict[str, Any] = {}
    for fieldname, path in doctype.fields.items():
        f = resource.fields.get(path) if path else None
        if f is not None and f.writable and fieldname == path:
            form[fieldname] = None if f.type in (int, float) else ""
        elif path and path.endswith(".id") and getattr(resource.relations.get(path[:-3]), "writable", False):
            form[fieldname] = ""
    return form


def url_patterns() -> tuple[Route, ...]:
    """The suffix-aware routes of every DocType (format suffixes, ``Allow``, the browsable API).

    An item route exists only where names are keys: other names (usernames) may
    contain dots, which would read as a suffix.
    """
    return _url_patterns(generation())


@cache
def _url_patterns(_generation: int) -> tuple[Route, ...]:
    routes: list[Route] = []
    for doctype in doctypes().values():
        form = _form(doctype)
        creates = " and create" if "POST" in doctype.collection_methods else ""
        routes.append(
            Route(
                doctype.path,
                methods=doctype.collection_methods,
                name=f"{doctype.name} List",
                description=f"Frappe: list ({LIST_PARAMETERS}){creates} {doctype.name} documents.",
                form=form,
            )
        )
        if doctype.names_are_keys:
            verbs = {"GET": "read", "PUT": "update (only the fields sent)", "DELETE": "delete"}
            actions = [verbs[m] for m in doctype.element_methods]
            said = ", ".join(actions[:-1]) + " and " + actions[-1] if len(actions) > 1 else actions[0]
            routes.append(
                Route(
                    doctype.path + "/{name}",
                    methods=doctype.element_methods,
                    name=doctype.name,
                    description=f"Frappe: {said} one {doctype.name}.",
                    form=form,
                )
            )
    return tuple(routes)


def doctype_at(pattern: str) -> DocType | None:
    """The DocType whose suffix-aware route is ``pattern`` (``/api/resource/Movie/{name}``)."""
    name = pattern[len(RESOURCE_PREFIX) :].split("/", 1)[0] if pattern.startswith(RESOURCE_PREFIX) else ""
    return doctypes().get(name)
