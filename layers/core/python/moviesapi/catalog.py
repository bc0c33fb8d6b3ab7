"""The declared resources: User and Movie. Import this module to register them.

Each ``create_api`` call is the whole of a resource: its table, indexes,
routes in every dialect, OpenAPI entries and template entries follow from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from .dialects.options import DRF, Frappe, Restless
from .models import UniqueModel, UserModel
from .permissions import IsAuthenticated, IsOwnerOrReadOnly
from .registry import AccessPath, Field, Relation, create_api

YEAR_MIN = 1888
CREATED = ("created_at",)  # ids are UUIDv7: id order is creation order
YEAR_MAX = 2100


def user_id_for(username: Any) -> str | None:
    """Resolve a username to a user id through its guard item (one GetItem).

    A name no guard key can hold (empty, oversize, not valid text) names no user: None, never a
    GetItem that DynamoDB would refuse (a filter or a Frappe ``User`` name is any client text).
    """
    from .accounts import username_key
    from .storage import MAX_HASH_KEY_BYTES, sendable

    key = username_key(str(username))
    if username in (None, "") or not sendable(key, MAX_HASH_KEY_BYTES):
        return None
    try:
        guard = UniqueModel.get(key)
    except DoesNotExist:
        return None
    return guard.user_id


USER = create_api(
    name="users",
    title="User",
    description="Accounts, public fields only; read-only (register through the DRF auth endpoint).",
    # Users' items also hold password hashes and API secrets, which are never declared.
    model=UserModel,
    fields={
        "id": Field("id", str),
        "username": Field("username", str, example="alice"),
        "first_name": Field("first_name", str, example="Alice"),
        "last_name": Field("last_name", str, example="Liddell"),
        "date_joined": Field("date_joined", datetime, auto="create"),
    },
    permissions=(IsAuthenticated(),),
    default_order=(("date_joined", True),),
    methods=("GET",),
    collection_name="users",
    dialects={
        "restless": Restless(),
        "frappe": Frappe(
            doctype="User",
            # A User's name is its username, so a Movie's ``owner`` names its User document.
            fields={
                "name": "username",
                "owner": "username",
                "creation": "date_joined",
                "modified": "date_joined",
                "modified_by": "username",
                "idx": None,
                "docstatus": None,
                "username": "username",
                "first_name": "first_name",
                "last_name": "last_name",
            },
            name_field="username",
            lookup=user_id_for,
        ),
    },
)


MOVIE = create_api(
    name="movies",
    title="Movie",
    description="Movies; only signed-in users may see them and only a movie's creator may change it.",
    fields={
        "id": Field("id", str),  # UUIDv7: id order is creation order
        "title": Field(
            "title",
            str,
            writable=True,
            required=True,
            min_length=1,
            max_length=100,
            search=True,
            example="Casablanca",
        ),
        "genre": Field(
            "genre",
            str,
            writable=True,
            required=True,
            min_length=1,
            max_length=100,
            search=True,
            example="Drama",
        ),
        "year": Field(
            "year",
            int,
            writable=True,
            required=True,
            min_value=YEAR_MIN,
            max_value=YEAR_MAX,
            aggregatable=True,
            example=1942,
        ),
        "created_at": Field("created_at", datetime, auto="create"),
        "updated_at": Field("updated_at", datetime, auto="update"),
    },
    relations={"creator": Relation("creator", "users", ("id", "username", "first_name", "last_name", "date_joined"))},
    owner="creator",
    permissions=(IsAuthenticated(), IsOwnerOrReadOnly()),
    default_order=(("id", True),),  # the seed's Meta.ordering = ['-id']: newest first
    collection_name="movies",
    allow_patch_many=True,
    allow_functions=True,
    results_per_page=10,
    max_results_per_page=100,
    access_paths=(
        AccessPath("by_creator", "creator.id", order_field="id", same_order=CREATED, counted=True),
        AccessPath(
            "by_creator", "creator.username", order_field="id", same_order=CREATED, hash_value=user_id_for, counted=True
        ),
        # An equality on a filtered field reads its own partition, in the dialects' default orders (DRF and
        # Restless by id, Frappe by modified), with an exact count per value (DRF's and Restless's totals).
        AccessPath("by_genre", "genre", order_field="id", same_order=CREATED, counted=True),
        AccessPath("by_genre_updated", "genre", order_field="updated_at"),
        AccessPath("by_year", "year", order_field="id", same_order=CREATED, counted=True),
        AccessPath("by_genre_year", "genre", range_field="year"),
        AccessPath("by_created", order_field="id", same_order=CREATED, counted=True),
        AccessPath("by_updated", order_field="updated_at", counted=True),
    ),
    dialects={
        "drf": DRF(
            collection="movies",
            fields={"id": "id", "title": "title", "genre": "genre", "year": "year", "creator": "creator.username"},
            # The seed project's FilterSet.
            filters={
                "title": ("title", "icontains"),
                "genre": ("genre", "icontains"),
                "year": ("year", "eq"),
                "year__gt": ("year", "gt"),
                "year__lt": ("year", "lt"),
                "creator__username": ("creator.username", "icontains"),
            },
            # The seed has no OrderingFilter: ?ordering= is ignored, the list is newest first.
        ),
        "restless": Restless(),
        "frappe": Frappe(doctype="Movie"),
    },
)
