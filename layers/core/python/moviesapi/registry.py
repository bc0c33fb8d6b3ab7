"""The resource registry: one declaration per resource, read by every dialect.

A declaration says which fields exist and what may be done with each (read,
write, filter, sort, aggregate), which relations it has and who owns an item,
its permission classes, how it is stored and read (access paths become the
table's indexes), the ``create_api``-style options (methods, prefixes,
collection name, pages, processors) and, per dialect, how that dialect names
and shapes it. Everything else (the table and its indexes, the template,
routes, OpenAPI, the dialects' behaviour) is derived from it.

The query engine refuses any field the declaration does not expose, so hidden
values (password hashes, secrets) can never be filtered, sorted, projected or
aggregated, directly or through a relation.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .errors import BadQuery

if TYPE_CHECKING:
    from pynamodb.models import Model

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CATALOG_ENV = "API_CATALOG"
DEFAULT_CATALOG = f"{__package__}.catalog"


@dataclass(frozen=True)
class Field:
    """One field of a resource as clients see it.

    ``attribute`` is the stored attribute (default: the field's name);
    ``search=True`` keeps a lower-cased shadow (``<attribute>_lc``) so
    case-insensitive matching can be pushed down to DynamoDB; ``auto`` marks a
    timestamp the server sets (``"create"``: once, ``"update"``: on every write).
    """

    name: str
    type: type
    attribute: str = ""
    readable: bool = True
    writable: bool = False
    required: bool = False
    filterable: bool = True
    sortable: bool = True
    aggregatable: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    search_attribute: str | None = None
    search: bool = False
    auto: str | None = None
    example: Any = None

    def __post_init__(self) -> None:
        if not self.attribute:
            object.__setattr__(self, "attribute", self.name)
        if self.search and not self.search_attribute:
            object.__setattr__(self, "search_attribute", f"{self.attribute}_lc")
        if self.auto not in (None, "create", "update"):
            raise ValueError(f"Field {self.name!r}: auto must be 'create' or 'update'")


@dataclass
class Relation:
    """A to-one relation to another declared resource, denormalised onto the item.

    ``fields`` names the target's fields copied onto the item (``id`` always
    among them) as ``<relation>_<field>`` attributes, so lists never join.
    ``writable``: clients set it by sending the target's id (``"movie": "<id>"``
    or ``{"id": ...}``); otherwise only the server sets it (an owner relation is
    filled from the caller). ``resolved`` maps each name to its Field once the
    target is known.
    """

    name: str
    target: str
    fields: Sequence[str] | Mapping[str, Field] = ("id",)
    writable: bool = False
    required: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.fields, Mapping):
            self.resolved: dict[str, Field] = dict(self.fields)
            self.names: tuple[str, ...] = tuple(self.fields)
        else:
            self.names = tuple(dict.fromkeys(("id", *self.fields)))
            self.resolved = {}

    def resolve_fields(self, target: Resource) -> None:
        if self.resolved:
            return
        out: dict[str, Field] = {}
        for name in self.names:
            source = target.fields.get(name)
            if source is None or not source.readable:
                raise ValueError(f"Relation {self.name!r}: {target.name} has no public field {name!r}")
            out[name] = Field(
                name,
                source.type,
                f"{self.name}_{name}",
                sortable=source.sortable and name != "id",
                filterable=source.filterable,
            )
        self.resolved = out
        self.fields = out  # from here on, name → Field like a resource's own fields


@dataclass
class AccessPath:
    """A way to read a resource in one partition; each distinct ``name`` becomes a table index.

    ``hash_field`` is the field whose equality picks the partition (None: one
    partition holding every item, which serves "everything in this order");
    ``range_field`` may take a key range; ``order_field`` is the order the index
    returns items in (default: ``range_field``). ``hash_value`` turns a filter
    value into the key value (e.g. a username into a user id; None = no match),
    for a second entry into an index declared before it. ``counted`` keeps an
    exact counter item per partition, changed in the same transaction as the
    items, so a total costs one read. ``same_order`` names fields that sort like
    ``order_field`` (a creation timestamp beside time-ordered ids), so ordering by
    them reads the index too.

    The storage layer fills in ``index``, ``range_attribute``, ``constant_hash``,
    ``partitions`` (a constant partition's write shards, merged on read),
    ``retired`` (those of them no write fills any more), ``fixed_order`` (an
    item's sort key in the index never changes: the key, or a creation time) and
    ``counter`` when it builds the table.
    """

    name: str
    hash_field: str | None = None
    range_field: str | None = None
    order_field: str | None = None
    hash_value: Callable[[Any], Any] | None = None
    counted: bool = False
    same_order: tuple[str, ...] = ()
    index: Any = None
    range_attribute: str | None = None
    constant_hash: Any = None
    partitions: tuple[Any, ...] = ()
    retired: tuple[Any, ...] = ()
    fixed_order: bool = False
    counter: Callable[[Any], str] | None = None

    def __post_init__(self) -> None:
        if self.order_field is None:
            self.order_field = self.range_field

    @property
    def orders(self) -> tuple[str, ...]:
        """The fields whose order is the index's: ``order_field`` and any declared ``same_order``
        (e.g. ``created_at`` beside time-ordered ids)."""
        return tuple(f for f in (self.order_field, *self.same_order) if f)


@dataclass
class Resource:
    """A resource declaration in the spirit of Flask-Restless's ``create_api``.

    ``dialects`` maps a dialect's name to its options for this resource (its
    collection or DocType name, field names, filters); a dialect not listed does
    not serve the resource. ``model`` may be given for a table whose items carry
    more than the declared fields (users: password hashes); otherwise the
    storage layer generates it from the declaration.
    """

    name: str
    fields: Mapping[str, Field]
    model: type[Model] | None = None
    key: str = "id"
    title: str | None = None
    description: str = ""
    relations: Mapping[str, Relation] = field(default_factory=dict)
    owner: str | None = None
    permissions: Sequence[Any] | None = None
    default_order: tuple[tuple[str, bool], ...] = ()
    methods: Sequence[str] = ALL_METHODS
    collection_name: str | None = None
    url_prefix: str = "/api"
    allow_patch_many: bool = False
    allow_functions: bool = False
    include_columns: Sequence[str] | None = None
    exclude_columns: Sequence[str] | None = None
    authentication_required_for: Sequence[str] = ALL_METHODS
    results_per_page: int = 10
    max_results_per_page: int = 100
    preprocessors: Mapping[str, Sequence[Callable[..., Any]]] = field(default_factory=dict)
    postprocessors: Mapping[str, Sequence[Callable[..., Any]]] = field(default_factory=dict)
    validation_exceptions: Sequence[type[Exception]] = ()
    access_paths: Sequence[AccessPath] = ()
    dialects: Mapping[str, Any] = field(default_factory=dict)
    to_record: Callable[[Any], dict[str, Any]] | None = None
    record_of_raw: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # to_record without the model
    new_item: Callable[[dict[str, Any], Any], Any] | None = None
    apply_changes: Callable[[Any, dict[str, Any]], None] | None = None
    counter_keys: Callable[[Any], list[str]] | None = None

    def __post_init__(self) -> None:
        if self.owner is not None and self.owner not in self.relations:
            raise ValueError(f"{self.name}: owner {self.owner!r} is not one of its relations")
        if self.permissions is None:
            from .permissions import default_permissions

            self.permissions = default_permissions(self)
        self.title = self.title or self.name.rstrip("s").title()

    @property
    def collection(self) -> str:
        return self.collection_name or self.name

    @property
    def owner_path(self) -> str | None:
        """The record path holding the owner's id (``creator.id``), or None for an ownerless resource."""
        return f"{self.owner}.id" if self.owner else None

    def options(self, dialect: str) -> Any:
        """This resource's options for ``dialect`` (None: the dialect does not serve it)."""
        return self.dialects.get(dialect)

    def allows(self, method: str) -> bool:
        return method in self.methods

    def blank_body(self) -> dict[str, Any]:
        """A create body with every writable field empty (``None`` for numbers): the browsable API's form."""
        body: dict[str, Any] = {
            n: (None if f.type in (int, float) else "") for n, f in self.fields.items() if f.writable
        }
        body.update({n: "" for n, r in self.relations.items() if r.writable})
        return body

    def readable_fields(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.readable]

    def writable_fields(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.writable]

    def field_at(self, path: str) -> Field | None:
        """The Field behind ``year`` / ``creator.username`` / ``creator__username``, readable or not."""
        parts = path.replace("__", ".").split(".")
        if len(parts) == 1:
            return self.fields.get(parts[0])
        if len(parts) == 2 and parts[0] in self.relations:
            return self.relations[parts[0]].resolved.get(parts[1])
        return None

    def resolve(self, path: str, purpose: str) -> Field:
        """The Field behind ``path`` (``year``, ``creator__username``, ``creator.username``).

        ``purpose`` is ``filter``, ``sort``, ``read`` or ``aggregate``; anything not
        declared for it is a BadQuery (400) that names the path, never the reason.
        """
        if not isinstance(path, str) or not path or len(path) > 100:
            raise BadQuery("Invalid field name.")
        found = self.field_at(path)
        allowed = (
            found is not None
            and found.readable
            and {
                "filter": found.filterable,
                "sort": found.sortable or path == self.key,  # the key always sorts: lists default to it
                "read": True,
                "aggregate": found.aggregatable,
            }.get(purpose, False)
        )
        if not allowed:
            raise BadQuery(f"Cannot {purpose} on field '{path}'.")
        assert found is not None
        return found


_REGISTRY: dict[str, Resource] = {}
_LOADED: list[str] = []
_LOADED_FOR: list[str | None] = [None]  # the API_CATALOG whose modules are all in _LOADED
_GENERATION = [0]


def generation() -> int:
    """Changes whenever a declaration is added or removed: caches derived from the registry key on it."""
    _load_catalog()
    return _GENERATION[0]


def _refuse_clashes(resource: Resource) -> None:
    """Two declarations may not share a name, a URL or a dialect's name for them."""
    if resource.name in _REGISTRY:
        raise ValueError(f"A resource named {resource.name!r} is already declared")
    if resource.url_prefix != "/api":
        raise ValueError(f"{resource.name}: url_prefix must be '/api' (the routes are /api/{{collection}})")
    for other in _REGISTRY.values():
        if other.collection == resource.collection:
            raise ValueError(f"{resource.name}: collection {resource.collection!r} is {other.name}'s")
        for dialect, options in resource.dialects.items():
            mine, theirs = getattr(options, "key", None), getattr(other.options(dialect), "key", None)
            if mine is not None and mine == theirs:
                raise ValueError(f"{resource.name}: {dialect} name {mine!r} is {other.name}'s")


def register(resource: Resource) -> Resource:
    """Add a declaration; relations resolve against resources declared before it."""
    _refuse_clashes(resource)
    for relation in resource.relations.values():
        target = resource if relation.target == resource.name else _REGISTRY.get(relation.target)
        if target is None:
            raise ValueError(f"{resource.name}: declare {relation.target!r} before relating to it")
        relation.resolve_fields(target)
    from .storage import bind_storage

    bind_storage(resource)
    _REGISTRY[resource.name] = resource
    _GENERATION[0] += 1
    return resource


def unregister(name: str) -> None:
    """Remove a declaration (tests declare throwaway resources and take them back)."""
    if _REGISTRY.pop(name, None) is not None:
        _GENERATION[0] += 1


def create_api(name: str, **options: Any) -> Resource:
    """Declare and register a resource, the way Flask-Restless's ``APIManager.create_api`` does."""
    return register(Resource(name=name, **options))


def catalog_modules() -> list[str]:
    """The modules that declare this API's resources: the catalog, plus any in ``API_CATALOG``.

    ``API_CATALOG`` (comma-separated module names) adds declarations without
    editing the layer, which is how tests declare a throwaway resource.
    """
    extra = [m.strip() for m in os.environ.get(CATALOG_ENV, "").split(",") if m.strip()]
    return [DEFAULT_CATALOG, *extra]


def _load_catalog() -> None:
    """Import the modules that declare this API's resources, so lookups never see an empty registry.

    Asked on every registry lookup: once ``API_CATALOG``'s modules are imported, only the variable
    is read again (a test may name another module at any time).
    """
    wanted = os.environ.get(CATALOG_ENV, "")
    if wanted == _LOADED_FOR[0]:
        return
    for module in catalog_modules():
        if module not in _LOADED:
            importlib.import_module(module)
            _LOADED.append(module)
    _LOADED_FOR[0] = wanted


def get_resource(name: str) -> Resource:
    _load_catalog()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"No resource named {name!r}") from None


def find_resource(name: str) -> Resource | None:
    _load_catalog()
    return _REGISTRY.get(name)


def resources() -> list[Resource]:
    _load_catalog()
    return list(_REGISTRY.values())


def exposed(dialect: str) -> list[tuple[Resource, Any]]:
    """Every resource ``dialect`` serves, with its options for that dialect."""
    return [(r, r.options(dialect)) for r in resources() if r.options(dialect) is not None]


def reverse_relations(resource: Resource) -> dict[str, tuple[Resource, Relation]]:
    """To-many relations pointing at ``resource``: ``{"movies": (Movie, Movie.creator)}``."""
    out: dict[str, tuple[Resource, Relation]] = {}
    for other in resources():
        for relation in other.relations.values():
            if relation.target == resource.name:
                out.setdefault(other.collection, (other, relation))
    return out


def coerce(f: Field, value: Any) -> Any:
    """Convert a filter value to the field's type; BadQuery when it cannot be."""
    if value is None:
        return None
    try:
        if f.type is int:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(str(value).strip()) if isinstance(value, str) else int(value)
        if f.type is float:
            if isinstance(value, bool):
                raise ValueError
            return float(str(value).strip()) if isinstance(value, str) else float(value)
        if f.type is str:
            if isinstance(value, (dict, list)):
                raise ValueError
            return str(value)
        if f.type is datetime:
            if isinstance(value, datetime):
                return value
            if not isinstance(value, str):
                raise ValueError  # a number is not a date (0.17 cannot compare one either)
            text = value.strip()
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
            except ValueError:  # "2nd Jan 2000", "Jan 2 2000 10:00": as Flask-Restless reads dates (dateutil)
                from dateutil import parser as dateparser

                if len(text) > 64:
                    raise
                parsed = dateparser.parse(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed
        if f.type is bool:
            if isinstance(value, bool):
                return value
            if str(value).lower() in {"1", "true", "yes"}:
                return True
            if str(value).lower() in {"0", "false", "no"}:
                return False
            raise ValueError
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        raise BadQuery(f"Invalid value for field '{f.name}'.") from None
    return value
