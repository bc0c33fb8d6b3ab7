"""The resource registry: one declaration per resource, read by every dialect.

A declaration says which fields exist and what may be done with each (read,
write, filter, sort, aggregate), which relation fields are reachable, and the
``create_api``-style options (methods, prefixes, collection name, pages,
processors). The query engine refuses any field the declaration does not
expose, so hidden values (password hashes, secrets) can never be filtered,
sorted, projected or aggregated, directly or through a relation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pynamodb.models import Model

from .errors import BadQuery

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Field:
    """One field of a resource as clients see it.

    ``attribute`` is the model attribute holding it; ``search_attribute`` a
    lower-cased shadow used for case-insensitive matching.
    """

    name: str
    type: type
    attribute: str
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


@dataclass(frozen=True)
class Relation:
    """A to-one relation whose exposed fields are stored on the item itself (denormalised)."""

    name: str
    target: str
    fields: Mapping[str, Field]


@dataclass(frozen=True)
class AccessPath:
    """A way to read a resource in one partition, declared beside the resource.

    ``hash_field`` is the field whose equality picks the partition (None: a
    constant partition holding every item); ``hash_value`` turns the filter
    value into the key value (e.g. a username into a user id; None = no match);
    ``range_field`` may take a key range; ``order_field`` is the order the
    index returns items in; ``counter`` names the counter item that holds the
    exact size of a partition (so a total costs one read).
    """

    name: str
    index: Any
    hash_field: str | None
    range_field: str | None = None
    range_attribute: str | None = None
    order_field: str | None = None
    constant_hash: Any = None
    hash_value: Callable[[Any], Any] | None = None
    counter: Callable[[Any], str] | None = None


@dataclass
class Resource:
    """A resource declaration in the spirit of Flask-Restless's ``create_api``."""

    name: str
    model: type[Model]
    key: str
    fields: Mapping[str, Field]
    relations: Mapping[str, Relation] = field(default_factory=dict)
    owner_attribute: str | None = None
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
    doctype: str | None = None
    title: str | None = None
    access_paths: Sequence[AccessPath] = ()
    to_record: Callable[[Any], dict[str, Any]] | None = None
    new_item: Callable[[dict[str, Any], Any], Any] | None = None
    apply_changes: Callable[[Any, dict[str, Any]], None] | None = None
    counter_keys: Callable[[dict[str, Any]], list[str]] | None = None

    @property
    def collection(self) -> str:
        return self.collection_name or self.name

    def readable_fields(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.readable]

    def writable_fields(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.writable]

    def resolve(self, path: str, purpose: str) -> Field:
        """The Field behind ``path`` (``year``, ``creator__username``, ``creator.username``).

        ``purpose`` is ``filter``, ``sort``, ``read`` or ``aggregate``; anything not
        declared for it is a BadQuery (400) that names the path, never the reason.
        """
        if not isinstance(path, str) or not path or len(path) > 100:
            raise BadQuery("Invalid field name.")
        parts = path.replace("__", ".").split(".")
        if len(parts) == 1:
            found = self.fields.get(parts[0])
        elif len(parts) == 2 and parts[0] in self.relations:
            found = self.relations[parts[0]].fields.get(parts[1])
        else:
            found = None
        allowed = (
            found is not None
            and found.readable
            and {
                "filter": found.filterable,
                "sort": found.sortable,
                "read": True,
                "aggregate": found.aggregatable,
            }.get(purpose, False)
        )
        if not allowed:
            raise BadQuery(f"Cannot {purpose} on field '{path}'.")
        assert found is not None
        return found


_REGISTRY: dict[str, Resource] = {}


def register(resource: Resource) -> Resource:
    _REGISTRY[resource.name] = resource
    return resource


def create_api(name: str, model: type[Model], **options: Any) -> Resource:
    """Declare and register a resource, the way Flask-Restless's ``APIManager.create_api`` does."""
    return register(Resource(name=name, model=model, **options))


def _load_catalog() -> None:
    """Import the module that declares this API's resources, so lookups never see an empty registry."""
    import importlib

    importlib.import_module(f"{__package__}.catalog")


def get_resource(name: str) -> Resource:
    _load_catalog()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"No resource named {name!r}") from None


def resources() -> list[Resource]:
    _load_catalog()
    return list(_REGISTRY.values())


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
        if f.type is str:
            if isinstance(value, (dict, list)):
                raise ValueError
            return str(value)
        if f.type is datetime:
            if isinstance(value, datetime):
                return value
            text = str(value).strip().replace("Z", "+00:00").replace(" ", "T", 1)
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                from datetime import UTC

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
    except (TypeError, ValueError, OverflowError):
        raise BadQuery(f"Invalid value for field '{f.name}'.") from None
    return value
