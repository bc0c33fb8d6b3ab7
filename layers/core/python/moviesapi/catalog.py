"""The declared resources: Movie and User. Import this module to register them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from .models import LISTING_MOVIES, MovieModel, UniqueModel, UserModel, utcnow
from .registry import AccessPath, Field, Relation, create_api

COUNT_MOVIES = "count#movies"
YEAR_MIN = 1888
YEAR_MAX = 2100

_USER_REF_FIELDS = {
    "id": Field("id", str, "creator_id", sortable=False),
    "username": Field("username", str, "creator_username", sortable=True),
}


def _creator_id_for(username: Any) -> str | None:
    """Resolve a username to a user id through its guard item (one GetItem)."""
    from .accounts import username_key

    try:
        return UniqueModel.get(username_key(str(username))).user_id
    except DoesNotExist:
        return None


def movie_record(item: MovieModel) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "genre": item.genre,
        "year": int(item.year),
        "creator": {"id": item.creator_id, "username": item.creator_username},
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "version": int(item.version or 0),
    }


def time_key(moment: datetime, item_id: str) -> str:
    """Sort key that orders by a timestamp, ties broken by id."""
    return f"{moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{item_id}"


def new_movie(clean: dict[str, Any], principal: Any) -> MovieModel:
    from .accounts import new_id

    now = utcnow()
    movie_id = new_id()
    item = MovieModel(
        movie_id,
        creator_id=principal.user_id,
        creator_username=principal.username,
        listing=LISTING_MOVIES,
        created_at=now,
        updated_at=now,
        created_key=time_key(now, movie_id),
    )
    apply_movie_changes(item, clean)
    return item


def apply_movie_changes(item: MovieModel, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        setattr(item, name, value)
    item.title_lc = item.title.casefold()
    item.genre_lc = item.genre.casefold()
    item.updated_at = utcnow()
    item.updated_key = time_key(item.updated_at, item.id)


MOVIE = create_api(
    name="movies",
    title="Movie",
    doctype="Movie",
    model=MovieModel,
    key="id",
    fields={
        "id": Field("id", str, "id", sortable=False),
        "title": Field(
            "title",
            str,
            "title",
            writable=True,
            required=True,
            min_length=1,
            max_length=100,
            search_attribute="title_lc",
        ),
        "genre": Field(
            "genre",
            str,
            "genre",
            writable=True,
            required=True,
            min_length=1,
            max_length=100,
            search_attribute="genre_lc",
        ),
        "year": Field(
            "year", int, "year", writable=True, required=True, min_value=YEAR_MIN, max_value=YEAR_MAX, aggregatable=True
        ),
        "created_at": Field("created_at", datetime, "created_at"),
        "updated_at": Field("updated_at", datetime, "updated_at"),
    },
    relations={"creator": Relation("creator", "users", _USER_REF_FIELDS)},
    owner_attribute="creator_id",
    default_order=(("created_at", True),),
    collection_name="movies",
    allow_patch_many=True,
    allow_functions=True,
    results_per_page=10,
    max_results_per_page=100,
    access_paths=(
        AccessPath(
            "by_creator",
            MovieModel.by_creator,
            "creator.id",
            order_field="created_at",
            counter=lambda creator_id: f"{COUNT_MOVIES}#creator#{creator_id}",
        ),
        AccessPath(
            "by_creator",
            MovieModel.by_creator,
            "creator.username",
            order_field="created_at",
            hash_value=_creator_id_for,
            counter=lambda creator_id: f"{COUNT_MOVIES}#creator#{creator_id}",
        ),
        AccessPath(
            "by_genre_year",
            MovieModel.by_genre_year,
            "genre",
            range_field="year",
            range_attribute="year",
            order_field="year",
        ),
        AccessPath(
            "by_created",
            MovieModel.by_created,
            None,
            order_field="created_at",
            constant_hash=LISTING_MOVIES,
            counter=lambda _: COUNT_MOVIES,
        ),
        AccessPath(
            "by_updated",
            MovieModel.by_updated,
            None,
            order_field="updated_at",
            constant_hash=LISTING_MOVIES,
            counter=lambda _: COUNT_MOVIES,
        ),
    ),
    counter_keys=lambda record: [COUNT_MOVIES, f"{COUNT_MOVIES}#creator#{record['creator']['id']}"],
    to_record=movie_record,
    new_item=new_movie,
    apply_changes=apply_movie_changes,
)


def user_record(item: UserModel) -> dict[str, Any]:
    """Public fields only: no password hash, email, API key or secret."""
    return {
        "id": item.id,
        "username": item.username,
        "first_name": item.first_name,
        "last_name": item.last_name,
        "date_joined": item.date_joined,
    }


USER = create_api(
    name="users",
    title="User",
    doctype="User",
    model=UserModel,
    key="id",
    fields={
        "id": Field("id", str, "id", sortable=False),
        "username": Field("username", str, "username"),
        "first_name": Field("first_name", str, "first_name"),
        "last_name": Field("last_name", str, "last_name"),
        "date_joined": Field("date_joined", datetime, "date_joined"),
    },
    default_order=(("date_joined", True),),
    methods=("GET",),
    collection_name="users",
    to_record=user_record,
)
