"""What a declaration may say, and what the core does with it (no table needed)."""

from __future__ import annotations

from datetime import datetime

import pytest
from moviesapi import registry, resources
from moviesapi.dialects.options import DRF, Frappe
from moviesapi.errors import ValidationFailed
from moviesapi.registry import AccessPath, Field, Resource, create_api
from moviesapi.storage import build_model

TASK_FIELDS = {
    "id": Field("id", str),
    "code": Field("code", str, writable=True, min_length=3, max_length=8),
    "price": Field("price", float, writable=True, min_value=0),
    "done": Field("done", bool, writable=True),
    "due": Field("due", datetime, writable=True),
    "rank": Field("rank", int, writable=True),
}


def test_every_field_type_is_validated():
    task = Resource(name="tasks", fields=TASK_FIELDS)
    with pytest.raises(ValidationFailed) as caught:
        resources.validate(task, {"code": "ab", "price": "abc", "done": {"x": 1}, "due": [1]}, partial=True)
    assert caught.value.fields == {
        "code": ["Ensure this field has at least 3 characters."],
        "price": ["A valid number is required."],
        "done": ["Must be a valid boolean."],
        "due": [
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ],
    }
    clean = resources.validate(
        task, {"code": "abc", "price": "2.5", "done": "true", "due": "2026-01-02T03:04:05Z"}, partial=True
    )
    assert clean["price"] == 2.5 and clean["done"] is True and clean["due"].year == 2026
    with pytest.raises(ValidationFailed):
        resources.validate(task, {"price": -1}, partial=True)


def test_a_number_order_is_a_number_key():
    """Ordering by an int uses a number sort key (``"9" > "10"`` as text, not as numbers)."""
    task = Resource(name="tasks", fields=TASK_FIELDS, access_paths=(AccessPath("by_rank", order_field="rank"),))
    schema = build_model(task)._get_schema()
    index = next(i for i in schema["global_secondary_indexes"] if i["index_name"] == "by_rank")
    assert ("rank", "RANGE") in {(k["AttributeName"], k["KeyType"]) for k in index["key_schema"]}
    types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    assert types["rank"] == "N"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name": "movies"}, "already declared"),
        ({"name": "films", "collection_name": "movies"}, "collection 'movies'"),
        ({"name": "films", "dialects": {"drf": DRF(collection="movies")}}, "drf name 'movies'"),
        ({"name": "films", "dialects": {"frappe": Frappe(doctype="Movie")}}, "frappe name 'Movie'"),
        ({"name": "films", "url_prefix": "/v2"}, "url_prefix"),
    ],
)
def test_clashing_declarations_are_refused(options, message):
    before = registry.generation()
    with pytest.raises(ValueError, match=message):
        create_api(fields={"id": Field("id", str)}, **options)
    assert registry.find_resource("films") is None and registry.generation() == before
