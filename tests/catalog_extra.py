"""A throwaway resource declared only for tests: proof that a declaration is all a resource needs.

``API_CATALOG=tests.catalog_extra`` adds it to a process's registry (the template
generator and OpenAPI tests run that way in a subprocess); in-process tests take
it with the ``reviews`` fixture, which declares it and removes it afterwards.
No module of the layer names it.
"""

from __future__ import annotations

from datetime import datetime

from moviesapi.dialects.options import DRF, Frappe, Restless
from moviesapi.registry import AccessPath, Field, Relation, create_api

REVIEW = create_api(
    name="reviews",
    title="Review",
    description="Reviews of movies; only a review's author may change it.",
    fields={
        "id": Field("id", str, sortable=False),
        "rating": Field(
            "rating", int, writable=True, required=True, min_value=1, max_value=5, aggregatable=True, example=5
        ),
        "text": Field("text", str, writable=True, required=True, max_length=2000, search=True, example="Great"),
        "created_at": Field("created_at", datetime, auto="create"),
        "updated_at": Field("updated_at", datetime, auto="update"),
    },
    relations={
        "movie": Relation("movie", "movies", ("id", "title"), writable=True),
        "author": Relation("author", "users", ("id", "username")),
    },
    owner="author",
    default_order=(("created_at", True),),
    access_paths=(
        AccessPath("by_movie", "movie.id", order_field="created_at", counted=True),
        AccessPath("by_created", order_field="id", same_order=("created_at",), counted=True),  # ids are UUIDv7
    ),
    collection_name="reviews",
    allow_patch_many=True,
    allow_functions=True,
    dialects={
        "drf": DRF(
            collection="reviews",
            filters={"rating": ("rating", "eq"), "movie": ("movie.id", "eq")},
            ordering=("rating", "created_at"),
        ),
        "frappe": Frappe(doctype="Review"),
        "restless": Restless(),
    },
)
