"""What a resource declaration says to each dialect: its names and shapes there.

Plain data, imported by declarations (the catalog) without loading any dialect.
A resource is served by a dialect only when its declaration lists that
dialect's options; anything left out here is derived from the resource's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DRF:
    """Django REST framework (``/api/v1/<collection>/``): a ModelViewSet with a FilterSet.

    ``fields`` maps each serializer key to a record path (default: every
    readable field, relations as their ``id``); ``filters`` maps a query
    parameter to ``(path, operator)`` as a django-filter FilterSet does;
    ``ordering`` lists OrderingFilter's fields.
    """

    collection: str
    fields: Mapping[str, str] | None = None
    filters: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    ordering: Sequence[str] = ()

    @property
    def key(self) -> str:
        """The name two resources may not share in this dialect."""
        return self.collection


@dataclass(frozen=True)
class Frappe:
    """Frappe (``/api/resource/<DocType>``): a DocType.

    ``fields`` maps Frappe fieldnames to record paths in document order (None:
    a standard column kept constant, ``idx``/``docstatus``); by default the
    standard columns come from the key, the owner and the timestamps, then every
    readable field. ``name_field`` is the path behind a document's ``name``;
    when it is not the key, ``lookup`` turns a name into the key (None: no such
    document) and names may contain dots, so item URLs take no format suffix.
    """

    doctype: str
    fields: Mapping[str, str | None] | None = None
    name_field: str | None = None
    lookup: Callable[[str], str | None] | None = None

    @property
    def key(self) -> str:
        """The name two resources may not share in this dialect."""
        return self.doctype


@dataclass(frozen=True)
class Restless:
    """Flask-Restless (``<url_prefix>/<collection_name>``): the ``create_api`` options are the resource's own."""
