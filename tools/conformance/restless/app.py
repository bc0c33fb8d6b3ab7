"""The oracle application: real Flask-Restless 0.17.0 serving our catalog, mirrored as SQLAlchemy models.

``layers/core/python/moviesapi/catalog.py`` declares two resources; here they are the
models a Flask-SQLAlchemy application would have, registered with ``APIManager.create_api``
with the same options as our declarations:

- ``User``: ``id``, ``username``, ``first_name``, ``last_name``, ``date_joined``, plus the
  columns the real application has but never exposes (``email``, ``password``), left out
  with ``exclude_columns``; ``GET`` only, collection ``users``.
- ``Movie``: ``id``, ``title``, ``genre``, ``year``, ``created_at``, ``updated_at`` and the
  foreign key ``creator_id`` with its relationship ``creator`` (backref ``movies``);
  ``GET POST PUT PATCH DELETE``, ``allow_patch_many``, ``allow_functions``,
  ``results_per_page=10``, ``max_results_per_page=100``; the nested ``creator`` leaves out
  the same hidden columns (``creator.email``, ``creator.password``).

What is the application's and not the framework's, written to match our declarations:

- Authentication (SPEC: every request is a signed-in caller's): preprocessors on every
  method read ``Authorization: Bearer <username>`` and raise ``ProcessingException`` 401
  when it is missing, malformed or names nobody, with our wording for each case. The eval endpoint takes no
  preprocessors in 0.17, so it stays open here (the test lists that difference by name).
- Owner-only writes (SPEC): ``PATCH_SINGLE`` (PUT too)/``DELETE_SINGLE`` preprocessors
  answer 403 for another user's movie; ``PATCH_MANY`` adds a filter on the
  caller's ``creator_id`` to a well-formed search, as our patch-many touches only the
  caller's rows; ``POST`` sets ``creator_id`` to the caller, as our server sets the creator.
- Validation: ``validation_exceptions=[ValidationFailed]``, raised before a flush with
  ``errors = {field: message}`` for the rules our declaration states (required strings of
  1..100 characters, an integer year in 1888..2100), in our wording; 0.17 itself only
  shapes the answer (``{"validation_errors": ...}``).
- ``created_at``/``updated_at`` are set once per write (one clock reading, as ours).
- SQLite's ``LIKE`` is made case-sensitive (``PRAGMA case_sensitive_like``), as SQL's
  ``LIKE`` is and as 0.17's ``like``/``ilike`` pair intends (SQLite alone ignores case).

Python 3.7 (the recorder's virtualenv): keep this module so.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from flask import Flask, g, request
from flask_restless import APIManager, ProcessingException
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, backref

YEAR_MIN = 1888
YEAR_MAX = 2100
NOT_AUTHENTICATED = "Authentication credentials were not provided."
INVALID_TOKEN = "Given token not valid for any token type"
BAD_HEADER = "Authorization header must contain two space-delimited values"
BAD_KEY = "Invalid API key or secret."
FORBIDDEN = "You do not have permission to perform this action."


class ValidationFailed(Exception):
    """The application's validation error: Flask-Restless reads its ``errors``."""

    def __init__(self, errors: dict) -> None:
        super().__init__(errors)
        self.errors = errors


def _clean_string(value: Any, max_length: int) -> Any:
    if value is None:
        raise ValueError("This field may not be null.")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("Not a valid string.")
    value = str(value).strip()
    if not value:
        raise ValueError("This field may not be blank.")
    if len(value) > max_length:
        raise ValueError(f"Ensure this field has no more than {max_length} characters.")
    return value


def _clean_year(value: Any) -> Any:
    if value is None:
        raise ValueError("This field may not be null.")
    if isinstance(value, bool):
        raise ValueError("A valid integer is required.")
    try:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            number = int(value)
        else:
            number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError("A valid integer is required.") from None
    if number < YEAR_MIN:
        raise ValueError(f"Ensure this value is greater than or equal to {YEAR_MIN}.")
    if number > YEAR_MAX:
        raise ValueError(f"Ensure this value is less than or equal to {YEAR_MAX}.")
    return number


def create_app(database_uri: str) -> Any:
    """``(app, db, User, Movie)``: the application, its database and its two models."""
    app = Flask("restless_oracle")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_uri,
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        DEBUG=False,
        TESTING=False,
        PROPAGATE_EXCEPTIONS=False,
        SERVER_NAME=None,
    )
    # Every 4xx/5xx is logged by Flask-Restless or Flask; the answers are the point here.
    app.logger.setLevel(logging.CRITICAL + 1)
    db = SQLAlchemy(app)

    class User(db.Model):
        __tablename__ = "user"
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.Unicode(150), unique=True, nullable=False)
        email = db.Column(db.Unicode(254), unique=True)
        password = db.Column(db.Unicode(128))
        first_name = db.Column(db.Unicode(150), nullable=False, default="")
        last_name = db.Column(db.Unicode(150), nullable=False, default="")
        date_joined = db.Column(db.DateTime, default=datetime.datetime.utcnow)

    class Movie(db.Model):
        __tablename__ = "movie"
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.Unicode(100), nullable=False)
        genre = db.Column(db.Unicode(100), nullable=False)
        year = db.Column(db.Integer, nullable=False)
        created_at = db.Column(db.DateTime)
        updated_at = db.Column(db.DateTime)
        creator_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
        creator = db.relationship(User, backref=backref("movies"))

    @event.listens_for(Session, "before_flush")
    def validate(session: Any, flush_context: Any, instances: Any) -> None:
        now = datetime.datetime.utcnow()
        for movie in list(session.new) + list(session.dirty):
            if not isinstance(movie, Movie):
                continue
            errors = {}
            for name in ("title", "genre", "year"):
                try:
                    value = _clean_year(movie.year) if name == "year" else _clean_string(getattr(movie, name), 100)
                except ValueError as exc:
                    message = str(exc)
                    sent_null = name in (getattr(g, "sent_null", None) or ())
                    if getattr(movie, name) is None and movie in session.new and not sent_null:
                        message = "This field is required."
                    errors[name] = message
                else:
                    setattr(movie, name, value)
            if errors:
                raise ValidationFailed(errors)
            if movie in session.new:
                movie.created_at = movie.updated_at = now
            else:
                movie.updated_at = now

    @event.listens_for(Engine, "connect")
    def case_sensitive_like(connection: Any, record: Any) -> None:
        connection.execute("PRAGMA case_sensitive_like = ON")

    def caller() -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, name = header.strip().partition(" ")
        if not header:
            raise ProcessingException(description=NOT_AUTHENTICATED, code=401)
        if scheme.lower() in ("basic", "token"):  # our API key pair's schemes: no pair here is valid
            raise ProcessingException(description=BAD_KEY, code=401)
        if scheme.lower() == "bearer" and not name.strip():
            raise ProcessingException(description=BAD_HEADER, code=401)
        user = User.query.filter_by(username=name.strip()).first() if scheme.lower() == "bearer" else None
        if user is None:
            raise ProcessingException(description=INVALID_TOKEN, code=401)
        return user

    def authenticated(**kw: Any) -> None:
        caller()

    def owner_only(instance_id: Any = None, **kw: Any) -> None:
        user = caller()
        movie = Movie.query.get(instance_id)
        if movie is not None and movie.creator_id != user.id:
            raise ProcessingException(description=FORBIDDEN, code=403)

    def own_rows_only(search_params: Any = None, **kw: Any) -> None:
        user = caller()
        if isinstance(search_params, dict):
            filters = search_params.setdefault("filters", [])
            if isinstance(filters, list):
                filters.append({"name": "creator_id", "op": "eq", "val": user.id})

    def created_by_caller(data: Any = None, **kw: Any) -> None:
        user = caller()
        if isinstance(data, dict):
            data["creator_id"] = user.id
            # The validator tells a null sent from a field left out (both are None on the row).
            g.sent_null = {name for name, value in data.items() if value is None}

    manager = APIManager(app, flask_sqlalchemy_db=db)
    manager.create_api(
        Movie,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        url_prefix="/api",
        collection_name="movies",
        allow_patch_many=True,
        allow_functions=True,
        results_per_page=10,
        max_results_per_page=100,
        exclude_columns=["creator.email", "creator.password"],
        validation_exceptions=[ValidationFailed],
        preprocessors={
            "GET_SINGLE": [authenticated],
            "GET_MANY": [authenticated],
            "POST": [created_by_caller],
            # 0.17 runs PATCH's processors for PUT too (PUT is an alias of PATCH).
            "PATCH_SINGLE": [owner_only],
            "PATCH_MANY": [own_rows_only],
            "DELETE_SINGLE": [owner_only],
            "DELETE_MANY": [authenticated],
        },
    )
    manager.create_api(
        User,
        methods=["GET"],
        url_prefix="/api",
        collection_name="users",
        exclude_columns=["email", "password"],
        preprocessors={"GET_SINGLE": [authenticated], "GET_MANY": [authenticated]},
    )
    with app.app_context():
        db.create_all()
    return app, db, User, Movie
