"""The Flask-Restless dialect over HTTP against the real local server."""

from __future__ import annotations

import json

import pytest
import requests

from tests.e2e.users import bearer


@pytest.fixture(scope="module")
def people(api_url):
    return bearer(api_url, "rl_ann"), bearer(api_url, "rl_ben")


def test_crud_search_eval(api_url, people):
    (ann_name, ann), (ben_name, ben) = people
    base = f"{api_url}/api/movies"
    made = []
    for title, genre, year, who in [
        ("Alien", "SciFi", 1979, ann),
        ("Aliens", "SciFi", 1986, ann),
        ("Brazil", "SciFi", 1985, ben),
        ("Ran", "War", 1985, ben),
    ]:
        r = requests.post(base, json={"title": title, "genre": genre, "year": year}, headers=who, timeout=30)
        assert r.status_code == 201, r.text
        assert r.json()["creator"]["username"] in (ann_name, ben_name)
        made.append(r.json())

    q = {
        "filters": [
            {"name": "genre", "op": "==", "val": "SciFi"},
            {
                "or": [
                    {"name": "year", "op": "<", "val": 1980},
                    {"name": "creator__username", "op": "eq", "val": ben_name},
                ]
            },
        ],
        "order_by": [{"field": "year", "direction": "asc"}],
    }
    r = requests.get(base, params={"q": json.dumps(q)}, headers=ann, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert [o["title"] for o in body["objects"]] == ["Alien", "Brazil"]
    assert body["num_results"] == 2 and body["total_pages"] == 1 and body["page"] == 1

    r = requests.get(
        base,
        params={
            "results_per_page": 1,
            "page": 2,
            "q": json.dumps({"filters": [{"name": "genre", "op": "eq", "val": "SciFi"}]}),
        },
        headers=ann,
        timeout=30,
    )
    assert r.json()["num_results"] == 3 and r.json()["total_pages"] == 3 and len(r.json()["objects"]) == 1

    r = requests.patch(
        base,
        params={"q": json.dumps({"filters": [{"name": "genre", "op": "eq", "val": "SciFi"}]})},
        json={"genre": "Science fiction"},
        headers=ann,
        timeout=30,
    )
    assert r.status_code == 200 and r.json() == {"num_modified": 2}

    everything = requests.get(base, headers=ben, timeout=30).json()["num_results"]  # this server's whole collection
    r = requests.get(
        f"{api_url}/api/eval/movies",
        headers=ben,
        timeout=30,
        params={
            "q": json.dumps(
                {
                    "functions": [{"name": "count", "field": "id"}, {"name": "max", "field": "year"}],
                    "filters": [{"name": "creator__username", "op": "eq", "val": ben_name}],
                }
            )
        },
    )
    # 0.17 does not read eval's filters: the functions run over the whole collection
    assert r.status_code == 200 and set(r.json()) == {"count__id", "max__year"}
    assert r.json()["count__id"] == everything >= 4 and r.json()["max__year"] >= 1986

    alien = made[0]
    r = requests.put(f"{base}/{alien['id']}", json={"year": 1980}, headers=ben, timeout=30)
    assert r.status_code == 403 and "message" in r.json()
    r = requests.put(f"{base}/{alien['id']}", json={"year": 1980}, headers=ann, timeout=30)
    assert r.status_code == 200 and r.json()["year"] == 1980
    assert requests.delete(f"{base}/{alien['id']}", headers=ann, timeout=30).status_code == 204
    r = requests.get(f"{base}/{alien['id']}", headers=ann, timeout=30)
    assert r.status_code == 404 and r.json() == {}  # 0.17's body for a missing item


def test_errors_and_hidden_fields(api_url, people):
    _, ann = people[0]
    base = f"{api_url}/api/movies"
    r = requests.post(base, json={"title": "x" * 101, "genre": "G", "year": 2000}, headers=ann, timeout=30)
    assert r.status_code == 400
    assert r.json() == {"validation_errors": {"title": "Ensure this field has no more than 100 characters."}}
    for q in (
        {"filters": [{"name": "creator__password", "op": "is_not_null"}]},
        {"order_by": [{"field": "creator__api_secret_hash"}]},
        "not json",
    ):
        r = requests.get(base, params={"q": q if isinstance(q, str) else json.dumps(q)}, headers=ann, timeout=30)
        assert r.status_code == 400 and set(r.json()) == {"message"}
    r = requests.get(
        f"{api_url}/api/eval/movies",
        headers=ann,
        timeout=30,
        params={"q": json.dumps({"functions": [{"name": "max", "field": "creator__password"}]})},
    )
    assert r.status_code == 400
    assert requests.get(base, timeout=30).status_code == 401
    r = requests.post(f"{api_url}/api/users", json={"username": "x"}, headers=ann, timeout=30)
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD, OPTIONS"  # Werkzeug's, sorted
    r = requests.delete(base, headers=ann, timeout=30)
    assert r.status_code == 405
    users = requests.get(f"{api_url}/api/users", headers=ann, timeout=30).json()["objects"]
    assert users and all(set(u) == {"id", "username", "first_name", "last_name", "date_joined"} for u in users)
