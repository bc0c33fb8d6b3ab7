"""PynamoDB models: the one definition of every table, its keys and indexes.

``template.yaml`` declares the same tables for AWS; ``tests/test_template.py``
checks the two agree, and the local runner creates its tables from here.
Connections are opened lazily by PynamoDB on first use, once per container.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .settings import get_settings

_settings = get_settings()


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Meta:
    region = _settings.region
    host = _settings.dynamodb_endpoint
    billing_mode = "PAY_PER_REQUEST"


class UserModel(Model):
    """An account. ``password`` and ``api_secret_hash`` are hashes and never leave the layer."""

    class Meta(_Meta):
        table_name = _settings.users_table

    id = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    password = UnicodeAttribute()
    is_active = BooleanAttribute(default=True)
    date_joined = UTCDateTimeAttribute(default_for_new=utcnow)
    last_login = UTCDateTimeAttribute(null=True)
    api_key = UnicodeAttribute(null=True)
    api_secret_hash = UnicodeAttribute(null=True)


class UniqueModel(Model):
    """A guard item (``username#alice``, ``email#a@b.c``) that makes a value unique.

    Written in the same transaction as the user, with ``attribute_not_exists``,
    so two concurrent registrations of one value cannot both succeed.
    """

    class Meta(_Meta):
        table_name = _settings.uniques_table

    key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class CounterModel(Model):
    """An exact item count (``count#movies``, ``count#movies#creator#<id>``).

    Lives in the uniques table beside the guard items (same ``key`` hash key) and
    is changed in the same transaction as the items it counts, so list totals
    are honest and cost one read instead of a scan.
    """

    class Meta(_Meta):
        table_name = _settings.uniques_table

    key = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class CreatedIndex(GlobalSecondaryIndex["MovieModel"]):
    """All movies newest first: one partition (``listing``) sorted by creation."""

    class Meta:
        index_name = "by_created"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class UpdatedIndex(GlobalSecondaryIndex["MovieModel"]):
    """All movies by last change (Frappe's default ``modified desc``)."""

    class Meta:
        index_name = "by_updated"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    updated_key = UnicodeAttribute(range_key=True)


class CreatorIndex(GlobalSecondaryIndex["MovieModel"]):
    """One creator's movies newest first."""

    class Meta:
        index_name = "by_creator"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class GenreYearIndex(GlobalSecondaryIndex["MovieModel"]):
    """Movies of one genre by year."""

    class Meta:
        index_name = "by_genre_year"
        projection = AllProjection()

    genre = UnicodeAttribute(hash_key=True)
    year = NumberAttribute(range_key=True)


LISTING_MOVIES = "movie"


class MovieModel(Model):
    """A movie. ``*_lc`` shadow the text fields in lower case for case-insensitive search."""

    class Meta(_Meta):
        table_name = _settings.movies_table

    id = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute()
    genre = UnicodeAttribute()
    year = NumberAttribute()
    title_lc = UnicodeAttribute()
    genre_lc = UnicodeAttribute()
    creator_id = UnicodeAttribute()
    creator_username = UnicodeAttribute()
    listing = UnicodeAttribute(default=LISTING_MOVIES)
    created_key = UnicodeAttribute()
    updated_key = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    by_created = CreatedIndex()
    by_updated = UpdatedIndex()
    by_creator = CreatorIndex()
    by_genre_year = GenreYearIndex()


class StateModel(Model):
    """Short-lived server state keyed by a prefixed ``pk``; DynamoDB's TTL removes it.

    Holds revoked token ids (``jti#...``), login throttles, sessions and
    idempotency records. TTL deletion is lazy, so readers check
    ``expires_at`` themselves.
    """

    class Meta(_Meta):
        table_name = _settings.state_table

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()
    user_id = UnicodeAttribute(null=True)
    count = NumberAttribute(default=0)
    data = UnicodeAttribute(null=True)

    def is_live(self, now: datetime | None = None) -> bool:
        return self.expires_at > (now or utcnow())


ALL_MODELS: tuple[type[Model], ...] = (UserModel, UniqueModel, MovieModel, StateModel)
"""One model per table (CounterModel shares the uniques table)."""


def ensure_tables() -> list[str]:
    """Create every table (with its indexes) that does not exist yet; return the created names.

    Used by the local runner and tests; on AWS the template creates them.
    """
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
    return created
