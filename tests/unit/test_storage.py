"""A declaration is enough to store a resource: its table, indexes and item mapping are derived."""

from __future__ import annotations

from moviesapi.catalog import MOVIE, USER
from moviesapi.models import INFRA_MODELS, UserModel, all_models
from moviesapi.storage import counter_keys


def _indexes(model):
    return {
        g["index_name"]: sorted((k["AttributeName"], k["KeyType"]) for k in g["key_schema"])
        for g in model._get_schema()["global_secondary_indexes"]
    }


def test_movie_table_is_generated_from_its_access_paths():
    assert MOVIE.model is not None and MOVIE.model is not UserModel
    assert MOVIE.model.Meta.table_name.endswith("movies")
    assert _indexes(MOVIE.model) == {
        "by_creator": [("created_at_key", "RANGE"), ("creator_id", "HASH")],
        "by_genre_year": [("genre", "HASH"), ("year", "RANGE")],
        "by_created": [("created_at_key", "RANGE"), ("listing", "HASH")],
        "by_updated": [("listing", "HASH"), ("updated_at_key", "RANGE")],
    }
    types = {a["AttributeName"]: a["AttributeType"] for a in MOVIE.model._get_schema()["attribute_definitions"]}
    assert types["year"] == "N" and types["genre"] == "S"


def test_a_declared_model_is_kept():
    assert USER.model is UserModel
    assert all_models()[: len(INFRA_MODELS)] == list(INFRA_MODELS)
    assert MOVIE.model in all_models()


def test_new_items_get_keys_shadows_owner_and_counters():
    from moviesapi.accounts import Principal

    item = MOVIE.new_item({"title": "Casablanca", "genre": "Drama", "year": 1942}, Principal("u1", "alice"))
    assert item.title_lc == "casablanca" and item.genre_lc == "drama"
    assert item.creator_id == "u1" and item.creator_username == "alice"
    assert item.listing == "movies" and item.created_at_key.endswith(f"#{item.id}")
    assert counter_keys(MOVIE, item) == ["count#movies#by_creator#u1", "count#movies"]
    record = MOVIE.to_record(item)
    assert record["creator"] == {"id": "u1", "username": "alice"} and record["year"] == 1942
