"""The anchor: the fixed choices alone (a Powertools resolver, Logger, PynamoDB) doing the floor's get.

What the design card's libraries cost before any code of ours runs: one route on an
``APIGatewayRestResolver``, Logger's ``inject_lambda_context`` with the API Gateway
correlation id (as ours), the floor's stdlib JWT check, one consistent ``Model.get``
of the movie through a minimal PynamoDB model of our table, the item as JSON. No
tracing (Powertools' Tracer would add the X-Ray SDK), no negotiation, no dialect.
``make bench`` prints it next to ours and the floor: where ours sits between the two
is what our code costs; where the anchor sits is what the fixed choices cost.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, UnauthorizedError
from aws_lambda_powertools.logging import correlation_paths
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from benchmarks.floor import MOVIES, verify


class Movie(Model):
    class Meta:
        table_name = MOVIES
        host = os.environ.get("DYNAMODB_ENDPOINT") or None
        region = os.environ.get("AWS_REGION", "us-east-1")

    id = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute()
    genre = UnicodeAttribute()
    year = NumberAttribute()
    creator_id = UnicodeAttribute()
    creator_username = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute()


app = APIGatewayRestResolver()
logger = Logger(service="anchor")


@app.get("/api/v1/movies/<movie_id>/")
def get_movie(movie_id: str) -> dict[str, Any]:
    if verify(app.current_event.raw_event) is None:
        raise UnauthorizedError("unauthenticated")
    try:
        movie = Movie.get(movie_id, consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("Not found.") from None
    return {
        "id": movie.id,
        "title": movie.title,
        "genre": movie.genre,
        "year": int(movie.year),
        "creator": {"id": movie.creator_id, "username": movie.creator_username},
        "created_at": movie.created_at.isoformat(),
        "updated_at": movie.updated_at.isoformat(),
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def get(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)


HANDLERS = {"get": get}
