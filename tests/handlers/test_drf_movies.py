"""The movies CRUD in DRF's dialect through the real handlers (moto DynamoDB)."""

from __future__ import annotations

import jwt
import pytest

SECRET = "test-signing-key-that-is-long-enough-for-hs256-0123456789"
MOVIE = {"title": "Casablanca", "genre": "Drama", "year": 1942}


@pytest.fixture
def alice(signup):
    return signup("alice")["access"]


@pytest.fixture
def bob(signup):
    return signup("bob")["access"]


def create(invoke, token, **fields):
    r = invoke("resource_create", "movie_create", token=token, body={**MOVIE, **fields})
    assert r.status == 201, r.text
    return r.json()


def test_anonymous_gets_401_with_challenge(invoke):
    for function, kwargs in [
        ("movie_list", {"query": {}}),
        ("movie_create", {}),
        ("movie_get", {"path_id": "x"}),
        ("movie_update", {"path_id": "x"}),
        ("movie_delete", {"path_id": "x"}),
    ]:
        r = invoke(function.replace("movie_", "resource_"), function, **kwargs)
        assert r.status == 401, function
        assert r.json() == {"detail": "Authentication credentials were not provided."}
        assert r.headers["www-authenticate"] == 'Bearer realm="api"'


def test_refresh_token_is_not_an_access_token(invoke, signup):
    pair = signup()
    r = invoke("resource_list", "movie_list", token=pair["refresh"], query={})
    assert r.status == 401
    body = r.json()
    assert body["code"] == "token_not_valid"
    assert body["detail"] == "Given token not valid for any token type"


def test_unsigned_token_refused(invoke, signup):
    pair = signup()
    claims = jwt.decode(pair["access"], SECRET, algorithms=["HS256"])
    r = invoke("resource_list", "movie_list", token=jwt.encode(claims, None, algorithm="none"), query={})
    assert r.status == 401


def test_create_sets_creator_and_ignores_id(invoke, alice):
    r = invoke("resource_create", "movie_create", token=alice, body={**MOVIE, "id": "mine", "creator": "mallory"})
    assert r.status == 201
    movie = r.json()
    assert set(movie) == {"id", "title", "genre", "year", "creator"}
    assert movie["creator"] == "alice" and movie["id"] != "mine"
    assert r.headers["location"].endswith(f"/api/v1/movies/{movie['id']}/")


def test_committed_create_event_and_base64(invoke, alice):
    assert invoke("resource_create", "movie_create", token=alice).status == 201
    r = invoke("resource_create", "movie_create_base64", token=alice)
    assert r.status == 201 and r.json()["title"] == "Casablanca"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {},
            {
                "title": ["This field is required."],
                "genre": ["This field is required."],
                "year": ["This field is required."],
            },
        ),
        ({**MOVIE, "title": ""}, {"title": ["This field may not be blank."]}),
        ({**MOVIE, "title": "x" * 101}, {"title": ["Ensure this field has no more than 100 characters."]}),
        ({**MOVIE, "year": "nineteen"}, {"year": ["A valid integer is required."]}),
        ({**MOVIE, "year": 1500}, {"year": ["Ensure this value is greater than or equal to 1888."]}),
        ({**MOVIE, "year": 3000}, {"year": ["Ensure this value is less than or equal to 2100."]}),
        ({**MOVIE, "genre": None}, {"genre": ["This field may not be null."]}),
        ({**MOVIE, "title": {"x": 1}}, {"title": ["Not a valid string."]}),
    ],
)
def test_create_validation(invoke, alice, body, errors):
    r = invoke("resource_create", "movie_create", token=alice, body=body)
    assert r.status == 400
    assert r.json() == errors
    assert invoke("resource_list", "movie_list", token=alice, query={}).json()["count"] == 0


def test_get_and_404(invoke, alice):
    movie = create(invoke, alice)
    r = invoke("resource_get", "movie_get", token=alice, path_id=movie["id"])
    assert r.status == 200 and r.json() == movie
    assert r.headers["etag"]
    r = invoke("resource_get", "movie_get", token=alice, path_id="does-not-exist")
    assert r.status == 404
    assert r.json() == {"detail": "Not found."}


def test_any_user_sees_any_movie(invoke, alice, bob):
    movie = create(invoke, alice)
    assert invoke("resource_get", "movie_get", token=bob, path_id=movie["id"]).json() == movie


def test_owner_updates_put_and_patch(invoke, alice):
    movie = create(invoke, alice)
    r = invoke(
        "resource_update",
        "movie_update",
        token=alice,
        path_id=movie["id"],
        body={"title": "Casablanca", "genre": "Romance", "year": 1943},
    )
    assert r.status == 200
    assert r.json() == {**movie, "genre": "Romance", "year": 1943}
    r = invoke("resource_update", "movie_patch", token=alice, path_id=movie["id"], body={"title": "Casablanca (1942)"})
    assert r.status == 200 and r.json()["title"] == "Casablanca (1942)" and r.json()["genre"] == "Romance"
    assert invoke("resource_get", "movie_get", token=alice, path_id=movie["id"]).json()["title"] == "Casablanca (1942)"


def test_a_patch_keeps_the_other_fields_findable(invoke, alice):
    """A PATCH writes only what it changes: the title and genre filters still find a movie whose year moved."""
    movie = create(invoke, alice, title="Casablanca", genre="Drama", year=1942)
    r = invoke("resource_update", "movie_patch", token=alice, path_id=movie["id"], body={"year": 1943})
    assert r.status == 200, r.text
    for query in ({"title": ["casab"]}, {"genre": ["DRAMA"]}, {"year": ["1943"]}):
        r = invoke("resource_list", "movie_list", token=alice, query=query)
        assert [m["id"] for m in r.json()["results"]] == [movie["id"]], query
    r = invoke("resource_list", "movie_list", token=alice, query={"year": ["1942"]})
    assert r.json()["results"] == []


def test_put_requires_every_field(invoke, alice):
    movie = create(invoke, alice)
    r = invoke("resource_update", "movie_update", token=alice, path_id=movie["id"], body={"title": "Only title"})
    assert r.status == 400
    assert r.json() == {"genre": ["This field is required."], "year": ["This field is required."]}


def test_only_creator_changes_or_deletes(invoke, alice, bob):
    movie = create(invoke, alice)
    denied = {"detail": "You do not have permission to perform this action."}
    r = invoke("resource_update", "movie_update", token=bob, path_id=movie["id"], body=MOVIE)
    assert r.status == 403 and r.json() == denied
    r = invoke("resource_update", "movie_patch", token=bob, path_id=movie["id"], body={"title": "Hijacked"})
    assert r.status == 403
    r = invoke("resource_delete", "movie_delete", token=bob, path_id=movie["id"])
    assert r.status == 403
    assert invoke("resource_get", "movie_get", token=alice, path_id=movie["id"]).json() == movie


def test_delete(invoke, alice):
    movie = create(invoke, alice)
    r = invoke("resource_delete", "movie_delete", token=alice, path_id=movie["id"])
    assert r.status == 204 and r.text == ""
    assert invoke("resource_get", "movie_get", token=alice, path_id=movie["id"]).status == 404
    assert invoke("resource_delete", "movie_delete", token=alice, path_id=movie["id"]).status == 404


def test_if_match_prevents_lost_update(invoke, alice):
    movie = create(invoke, alice)
    tag = invoke("resource_get", "movie_get", token=alice, path_id=movie["id"]).headers["etag"]
    r = invoke(
        "resource_update",
        "movie_patch",
        token=alice,
        path_id=movie["id"],
        body={"year": 1950},
        headers={"If-Match": tag},
    )
    assert r.status == 200 and r.headers["etag"] != tag
    r = invoke(
        "resource_update",
        "movie_patch",
        token=alice,
        path_id=movie["id"],
        body={"year": 1960},
        headers={"If-Match": tag},
    )
    assert r.status == 412
    assert invoke("resource_get", "movie_get", token=alice, path_id=movie["id"]).json()["year"] == 1950


def test_list_pages_newest_first(invoke, alice):
    ids = [create(invoke, alice, title=f"Movie {i}")["id"] for i in range(13)]
    r = invoke("resource_list", "movie_list", token=alice, query={})
    page = r.json()
    assert page["count"] == 13
    assert [m["id"] for m in page["results"]] == ids[::-1][:10]
    assert page["previous"] is None
    assert page["next"] == "https://1234567890.execute-api.us-east-1.amazonaws.com/dev/api/v1/movies/?page=2"
    r = invoke("resource_list", "movie_list", token=alice, query={"page": ["2"]})
    page2 = r.json()
    assert [m["id"] for m in page2["results"]] == ids[::-1][10:]
    assert page2["next"] is None
    assert page2["previous"] == "https://1234567890.execute-api.us-east-1.amazonaws.com/dev/api/v1/movies/"
    r = invoke("resource_list", "movie_list", token=alice, query={"page_size": ["5"], "page": ["3"]})
    assert len(r.json()["results"]) == 3
    assert "page_size=5" in r.json()["previous"]


def test_page_size_is_capped_and_bad_pages_404(invoke, alice):
    create(invoke, alice)
    r = invoke("resource_list", "movie_list", token=alice, query={"page_size": ["100000"]})
    assert r.status == 200
    assert invoke("resource_list", "movie_list", token=alice, query={"page": ["9"]}).json() == {
        "detail": "Invalid page."
    }
    assert invoke("resource_list", "movie_list", token=alice, query={"page": ["abc"]}).status == 404
    assert invoke("resource_list", "movie_list", token=alice, query={"page": ["0"]}).status == 404
    assert invoke("resource_list", "movie_list", token=alice, query={"page": ["last"]}).status == 200


def test_page_size_cap_value(invoke, alice):
    for i in range(3):
        create(invoke, alice, title=f"M{i}")
    import moviesapi.settings as settings

    assert settings.get_settings().max_page_size == 100
    assert len(invoke("resource_list", "movie_list", token=alice, query={"page_size": ["2"]}).json()["results"]) == 2


def test_filters(invoke, alice, bob):
    create(invoke, alice, title="The Godfather", genre="Crime", year=1972)
    create(invoke, alice, title="Casablanca", genre="Drama", year=1942)
    create(invoke, bob, title="Godzilla", genre="Science Fiction", year=1954)
    create(invoke, bob, title="Heat", genre="crime drama", year=1995)

    def titles(**params):
        r = invoke("resource_list", "movie_list", token=alice, query={k: [v] for k, v in params.items()})
        assert r.status == 200, r.text
        return sorted(m["title"] for m in r.json()["results"])

    assert titles(title="god") == ["Godzilla", "The Godfather"]
    assert titles(genre="DRAMA") == ["Casablanca", "Heat"]
    assert titles(year="1942") == ["Casablanca"]
    assert titles(year__gt="1954") == ["Heat", "The Godfather"]
    assert titles(year__lt="1954") == ["Casablanca"]
    assert titles(creator__username="bob") == ["Godzilla", "Heat"]
    assert titles(creator__username="nobody") == []
    assert titles(genre="crime", year__gt="1980") == ["Heat"]
    r = invoke("resource_list", "movie_list", token=alice, query={"year": ["abc"]})
    assert r.status == 400 and r.json() == {"year": ["Enter a number."]}


def test_ordering_param_is_ignored_as_the_seed_does(invoke, alice):
    """The seed's view has no OrderingFilter: ``?ordering=`` changes nothing, the list stays newest first."""
    create(invoke, alice, title="B", year=1990)
    create(invoke, alice, title="A", year=2000)
    create(invoke, alice, title="C", year=1980)
    for ordering in ("year", "-title", "creator__password"):
        r = invoke("resource_list", "movie_list", token=alice, query={"ordering": [ordering]})
        assert r.status == 200 and [m["title"] for m in r.json()["results"]] == ["C", "A", "B"], ordering


def test_no_secret_in_any_response(invoke, signup):
    pair = signup("carol")
    bodies = [
        invoke("resource_create", "movie_create", token=pair["access"], body=MOVIE).text,
        invoke("resource_list", "movie_list", token=pair["access"], query={}).text,
    ]
    claims = jwt.decode(pair["access"], SECRET, algorithms=["HS256"])
    for text in bodies:
        assert "argon2" not in text and claims["jti"] not in text and "password" not in text


def test_cursor_pages_walk_everything_once(invoke, alice):
    ids = [create(invoke, alice, title=f"C{i}")["id"] for i in range(7)]
    seen, cursor = [], ""
    for _ in range(10):
        r = invoke("resource_list", "movie_list", token=alice, query={"cursor": [cursor], "page_size": ["3"]})
        assert r.status == 200, r.text
        body = r.json()
        assert set(body) == {"next", "previous", "results"}
        seen += [m["id"] for m in body["results"]]
        if not body["next"]:
            break
        cursor = body["next"].split("cursor=")[1]
    assert seen == ids[::-1]
    r = invoke("resource_list", "movie_list", token=alice, query={"cursor": [cursor[:-2] + "xx"]})
    assert r.status == 400


def test_read_budget_refuses_unbounded_queries(invoke, alice, monkeypatch):
    from moviesapi import planner

    for i in range(30):
        create(invoke, alice, title=f"Budget {i}", year=1990 + i)
    # Above what an indexed page reads (about one small Query per listing shard), below the table.
    monkeypatch.setattr(planner, "MAX_READ_ITEMS", 20)
    r = invoke("resource_list", "movie_list", token=alice, query={"title": ["budget"]})
    assert r.status == 400
    assert r.json() == {"detail": "This query would read more than 20 items; narrow it with an indexed filter."}
    # Indexed pages and counter totals stay cheap whatever the table size.
    r = invoke("resource_list", "movie_list", token=alice, query={"page_size": ["2"]})
    assert r.status == 200 and r.json()["count"] == 30
    # The seed's creator__username is a case-insensitive *contains*: no index answers that, so it is read
    # and refused past the budget like any unindexed filter.
    r = invoke("resource_list", "movie_list", token=alice, query={"creator__username": ["ALI"], "page_size": ["2"]})
    assert r.status == 400


def test_idempotency_key_makes_create_retry_safe(invoke, alice, bob):
    first = invoke("resource_create", "movie_create", token=alice, body=MOVIE, headers={"Idempotency-Key": "k-1"})
    again = invoke("resource_create", "movie_create", token=alice, body=MOVIE, headers={"Idempotency-Key": "k-1"})
    assert first.status == again.status == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert invoke("resource_list", "movie_list", token=alice, query={}).json()["count"] == 1
    r = invoke(
        "resource_create", "movie_create", token=alice, body={**MOVIE, "year": 1943}, headers={"Idempotency-Key": "k-1"}
    )
    assert r.status == 422 and "different request body" in r.json()["detail"]
    # Keys are per user: bob's k-1 is a different request.
    assert (
        invoke("resource_create", "movie_create", token=bob, body=MOVIE, headers={"Idempotency-Key": "k-1"}).json()
        != first.json()
    )
    assert invoke("resource_list", "movie_list", token=alice, query={}).json()["count"] == 2


def test_cors_headers_for_token_clients(invoke, alice):
    r = invoke("resource_list", "movie_list", token=alice, query={}, headers={"Origin": "https://app.example.com"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in r.headers


@pytest.mark.parametrize("tag", ['"²"', 'W/"¹"', 'W/"01"', '"٢"', 'W/"1', "1"])
@pytest.mark.parametrize("event", ["movie_patch", "movie_delete"])
def test_an_if_match_that_names_no_version_is_412(invoke, alice, tag, event):
    """Only the tags ``ETag`` writes name a version: lookalike digits or zero-padding are a 412, never a 500
    and never a match (the movie is at version 1)."""
    movie = create(invoke, alice)
    function = "resource_update" if event == "movie_patch" else "resource_delete"
    body = {"title": "Changed"} if event == "movie_patch" else None
    r = invoke(function, event, token=alice, path_id=movie["id"], body=body, headers={"If-Match": tag})
    assert r.status == 412, (tag, r.status, r.text)
    assert invoke("resource_get", "movie_get", token=alice, path_id=movie["id"]).json()["title"] == movie["title"]
