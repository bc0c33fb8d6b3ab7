"""flask-restless-client 0.4.14, unchanged, against ``make run``'s server.

The client first reads ``/api/flask-restless-datamodel`` and builds a class per
model; then every call below is its own HTTP: ``all()`` is ``GET /api/movies?q=``
(following ``total_pages``), ``one()`` adds ``single``, ``first()``/``last()`` are
``limit 1`` + ``order_by`` the primary key + ``single``, ``get(id)`` is
``GET /api/movies/<id>``, saving a new object is a ``POST`` (its id read back),
saving a changed one a ``PUT`` of the changed fields, ``Client.delete`` a
``DELETE``. It signs in through the ``session`` it is given (a
``restless_client.ext.auth`` session with our ``Authorization`` header, or its
own ``BasicAuthSession`` with an API key pair): nothing of the client is patched.

Every step is answered as 0.17 answers it (issue 10): the default order is the
primary key (oldest first), ordering on ``id`` works, and objects carry ``creator_id``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from restless_client import Client
from restless_client.ext.auth import BaseSession, BasicAuthSession

from tests.e2e.users import bearer

SEED = [  # (user, title, year), created in this order
    ("alice", "Casablanca", 1942),
    ("alice", "Vertigo", 1958),
    ("alice", "The Godfather", 1972),
    ("bob", "Heat", 1995),
]


@dataclass
class World:
    api_url: str
    genre: str  # every movie of this module carries it, so other modules' movies never match
    users: dict[str, tuple[str, dict[str, str]]]  # "alice" → (username, Authorization header)
    ids: dict[str, str]  # title → id
    user_ids: dict[str, str]  # "alice" → user id

    def client(self, who: str = "alice") -> Client:
        """A fresh client (its own object registry), signed in as ``who`` through a session it is given."""
        session = BaseSession()
        session.headers.update(self.users[who][1])
        return Client(url=self.api_url, session=session)


@pytest.fixture(scope="module")
def world(api_url: str) -> World:
    genre = f"frc-{uuid.uuid4().hex[:8]}"
    users = {who: bearer(api_url, f"frc{who}") for who in ("alice", "bob")}
    ids: dict[str, str] = {}
    user_ids: dict[str, str] = {}
    for who, title, year in SEED:
        r = requests.post(
            f"{api_url}/api/movies",
            json={"title": title, "genre": genre, "year": year},
            headers=users[who][1],
            timeout=30,
        )
        assert r.status_code == 201, r.text
        ids[title] = r.json()["id"]
        user_ids[who] = r.json()["creator"]["id"]
    return World(api_url, genre, users, ids, user_ids)


@pytest.fixture
def c(world: World) -> Client:
    return world.client()


def titles(objects: Any) -> list[str]:
    return [o.title for o in objects]


def mine(c: Client, world: World) -> Any:
    """This module's movies (the shared server holds other modules' too)."""
    return c.Movie.genre == world.genre


# ---------------------------------------------------------------- the datamodel


def test_the_client_builds_its_classes_from_the_datamodel(c, world):
    assert {"Movie", "User"} <= set(c._classes)
    assert c.Movie._rlc.base_url == f"{world.api_url}/api/movies"
    assert c.Movie._rlc.pk_name == "id"
    assert {"title", "genre", "year"} <= set(c.Movie._rlc.attributes())
    assert c.Movie._rlc.relations() == ["creator"]


def test_without_credentials_the_client_gets_401(world):
    """Its default session signs in only when given a username; our API answers the datamodel to callers only."""
    with pytest.raises(requests.HTTPError) as caught:
        Client(url=world.api_url)
    assert caught.value.response.status_code == 401


def test_the_datamodel_over_http(world):
    """The literal route beats ``/api/{collection}`` in the gateway, for every method."""
    url = f"{world.api_url}/api/flask-restless-datamodel"
    r = requests.get(url, headers=world.users["alice"][1], timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert r.json()["Movie"]["collection_name"] == "movies"
    r = requests.head(url, headers=world.users["alice"][1], timeout=30)
    assert r.status_code == 200 and r.content == b""
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        r = requests.request(method, url, headers=world.users["alice"][1], json={}, timeout=30)
        assert r.status_code == 405, (method, r.text)
        assert r.headers["Allow"] == "GET, HEAD, OPTIONS"  # Werkzeug's: with HEAD and OPTIONS, sorted
    r = requests.get(url, timeout=30)
    assert r.status_code == 401 and r.json() == {"message": "Authentication credentials were not provided."}


# ---------------------------------------------------------------- reading


def test_all(c, world):
    assert sorted(titles(c.Movie.query.filter(mine(c, world)).all())) == sorted(t for _, t, _ in SEED)


def test_all_follows_the_pages(c, world, api_url):
    """``all()`` reads ``total_pages`` and asks for each page (10 objects a page)."""
    genre = f"frc-pages-{uuid.uuid4().hex[:8]}"
    headers = world.users["alice"][1]
    for n in range(12):
        body = {"title": f"Page {n:02}", "genre": genre, "year": 1990 + n}
        assert requests.post(f"{api_url}/api/movies", json=body, headers=headers, timeout=30).status_code == 201
    found = c.Movie.query.filter(c.Movie.genre == genre).all()
    assert sorted(titles(found)) == [f"Page {n:02}" for n in range(12)]


def test_filter_and_or(c, world):
    old_or_new = (c.Movie.year < 1950) | (c.Movie.year > 1990)
    assert sorted(titles(c.Movie.query.filter(old_or_new, mine(c, world)).all())) == ["Casablanca", "Heat"]
    between = (c.Movie.year > 1950) & (c.Movie.year < 1980) & mine(c, world)
    assert sorted(titles(c.Movie.query.filter(between).all())) == ["The Godfather", "Vertigo"]
    assert titles(c.Movie.query.filter_by(title="Vertigo", genre=world.genre).all()) == ["Vertigo"]


def test_filter_has_through_creator(c, world):
    bob = world.users["bob"][0]
    by_bob = c.Movie.query.filter(c.Movie.creator.username == bob, mine(c, world)).all()
    assert titles(by_bob) == ["Heat"]
    alice = world.users["alice"][0]
    by_alice = c.Movie.query.filter(c.Movie.creator.has_(c.User.username == alice), mine(c, world)).all()
    assert sorted(titles(by_alice)) == ["Casablanca", "The Godfather", "Vertigo"]
    assert {m.creator.username for m in by_alice} == {alice}


def test_filter_in(c, world):
    found = c.Movie.query.filter(c.Movie.title.in_(["Heat", "Vertigo", "Alien"]), mine(c, world)).all()
    assert sorted(titles(found)) == ["Heat", "Vertigo"]
    found = c.Movie.query.filter(c.Movie.year.in_([1942, 1972]), mine(c, world)).all()
    assert sorted(titles(found)) == ["Casablanca", "The Godfather"]


def test_filter_like(c, world):
    assert titles(c.Movie.query.filter(c.Movie.title.like_("%God%"), mine(c, world)).all()) == ["The Godfather"]
    assert titles(c.Movie.query.filter(c.Movie.title.like_("H%"), mine(c, world)).all()) == ["Heat"]


def test_one_and_one_or_none(c, world):
    vertigo = c.Movie.query.filter(c.Movie.title == "Vertigo", mine(c, world)).one()
    assert (vertigo.id, vertigo.year) == (world.ids["Vertigo"], 1958)
    assert vertigo.creator.username == world.users["alice"][0]
    assert c.Movie.query.filter(c.Movie.title == "Vertigo", mine(c, world)).one_or_none().id == vertigo.id
    assert c.Movie.query.filter(c.Movie.title == "Nothing", mine(c, world)).one_or_none() is None
    with pytest.raises(requests.HTTPError) as caught:
        c.Movie.query.filter(mine(c, world)).one_or_none()
    assert caught.value.response.status_code == 400 and "Multiple results found" in str(caught.value)
    with pytest.raises(requests.HTTPError) as caught:
        c.Movie.query.filter(c.Movie.title == "Nothing", mine(c, world)).one()
    assert caught.value.response.status_code == 404


def test_first(c, world):
    assert c.Movie.query.filter(mine(c, world)).first().title == "Casablanca"


def test_last(c, world):
    assert c.Movie.query.filter(mine(c, world)).last().title == "Heat"


def test_limit_and_offset(c, world):
    def by_year() -> Any:
        return c.Movie.query.filter(mine(c, world)).order_by(year="asc")

    assert titles(by_year().limit(2).all()) == ["Casablanca", "Vertigo"]
    assert titles(by_year().offset(1).all()) == ["Vertigo", "The Godfather", "Heat"]
    assert titles(by_year().offset(1).limit(2).all()) == ["Vertigo", "The Godfather"]
    assert titles(c.Movie.query.filter(mine(c, world)).order_by(year="desc").limit(1).all()) == ["Heat"]


def test_limit_without_order_takes_the_oldest(c, world):
    assert titles(c.Movie.query.filter(mine(c, world)).limit(2).all()) == ["Casablanca", "Vertigo"]


def test_get(c, world):
    movie = c.Movie.query.get(world.ids["The Godfather"])
    assert (movie.title, movie.genre, movie.year) == ("The Godfather", world.genre, 1972)
    assert movie.creator.id == world.user_ids["alice"]
    assert movie.creator.username == world.users["alice"][0]
    assert c.Movie.query.get(world.ids["Heat"]).year == 1995
    user = c.User.query.get(world.user_ids["bob"])
    assert user.username == world.users["bob"][0]
    with pytest.raises(requests.HTTPError) as caught:
        c.Movie.query.get(str(uuid.uuid4()))
    assert caught.value.response.status_code == 404


def test_objects_carry_the_creator_id_column(c, world):
    movie = c.Movie.query.get(world.ids["Casablanca"])
    assert movie.creator_id == world.user_ids["alice"]


def test_filter_by_a_related_object(c, world):
    alice = c.User.query.get(world.user_ids["alice"])
    found = c.Movie.query.filter(c.Movie.creator == alice, mine(c, world)).all()
    assert sorted(titles(found)) == ["Casablanca", "The Godfather", "Vertigo"]


# ---------------------------------------------------------------- writing


def fetch(world: World, movie_id: str) -> requests.Response:
    return requests.get(f"{world.api_url}/api/movies/{movie_id}", headers=world.users["alice"][1], timeout=30)


def test_create_update_delete(c, world):
    movie = c.Movie(title="Alien", genre=world.genre + "-new", year=1979)
    assert movie.id.startswith("C")  # the client's mark for "not saved yet"
    c.save(movie)
    # Saved: the id is the server's, and never one the client would take for unsaved (ids starting with "C").
    assert not movie.id.startswith(("C", "c"))
    assert uuid.UUID(movie.id).version == 7
    assert not movie._rlc.is_new
    stored = fetch(world, movie.id).json()
    assert (stored["title"], stored["year"], stored["creator"]["username"]) == ("Alien", 1979, world.users["alice"][0])

    movie.year = 1980
    c.save(movie)  # a PUT of the changed field only
    assert fetch(world, movie.id).json()["year"] == 1980
    c.refresh(movie)
    assert (movie.title, movie.year) == ("Alien", 1980)
    again = world.client().Movie.query.get(movie.id)
    assert again.year == 1980 and again.creator.username == world.users["alice"][0]

    c.delete(movie)
    assert fetch(world, movie.id).status_code == 404
    fresh = world.client()
    assert fresh.Movie.query.filter(fresh.Movie.genre == world.genre + "-new").all() == []


def test_validation_errors_reach_the_caller(c, world):
    movie = c.Movie(title="Too old", genre=world.genre + "-bad", year=1500)
    with pytest.raises(requests.HTTPError) as caught:
        c.save(movie)
    assert caught.value.response.status_code == 400
    assert "year" in caught.value.response.json()["validation_errors"]


def test_only_the_creator_may_change_a_movie(world):
    bob = world.client("bob")
    heist = bob.Movie.query.get(world.ids["Casablanca"])
    heist.title = "Stolen"
    with pytest.raises(requests.HTTPError) as caught:
        bob.save(heist)
    assert caught.value.response.status_code == 403
    with pytest.raises(requests.HTTPError) as caught:
        bob.delete(heist)
    assert caught.value.response.status_code == 403
    assert fetch(world, world.ids["Casablanca"]).json()["title"] == "Casablanca"


def test_the_clients_own_basic_session_with_an_api_key_pair(world):
    """``BasicAuthSession`` sends ``Basic key:secret``, which the API takes as Frappe's key pair."""
    r = requests.post(
        f"{world.api_url}/api/method/frappe.core.doctype.user.user.generate_keys",
        headers=world.users["bob"][1],
        timeout=30,
    )
    assert r.status_code == 200, r.text
    pair = r.json()["message"]
    session = BasicAuthSession(url=world.api_url, username=pair["api_key"], password=pair["api_secret"])
    client = Client(url=world.api_url, session=session)
    by_bob = client.Movie.creator.username == world.users["bob"][0]
    assert titles(client.Movie.query.filter(by_bob, client.Movie.genre == world.genre).all()) == ["Heat"]
