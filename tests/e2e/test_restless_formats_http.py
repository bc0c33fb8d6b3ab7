"""Format suffixes and negotiation on the Flask-Restless routes, over HTTP."""

from __future__ import annotations

import csv
import io
import json

import requests

from tests.e2e.users import bearer


def test_restless_suffixes(api_url):
    username, auth = bearer(api_url, "rl_formats")
    made = requests.post(
        f"{api_url}/api/movies.json", json={"title": "Ran", "genre": "War", "year": 1985}, headers=auth, timeout=30
    )
    assert made.status_code == 201 and made.headers["Location"].endswith(f"/api/movies/{made.json()['id']}")
    movie = made.json()

    r = requests.get(f"{api_url}/api/movies.json", headers=auth, timeout=30)
    assert r.headers["Content-Type"].startswith("application/json") and "objects" in r.json()
    # Lists are oldest first (0.17's primary-key order) and the shared server holds other modules' movies.
    mine = json.dumps({"filters": [{"name": "id", "op": "==", "val": movie["id"]}]})
    r = requests.get(f"{api_url}/api/movies.csv/", params={"q": mine}, headers=auth, timeout=30)
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert any(row["title"] == "Ran" and row["creator.username"] == username for row in rows)
    r = requests.get(f"{api_url}/api/movies/{movie['id']}.api", headers=auth, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html") and "Ran" in r.text
    r = requests.get(f"{api_url}/api/movies/{movie['id']}", headers={**auth, "Accept": "text/csv"}, timeout=30)
    assert r.headers["Content-Type"].startswith("text/csv")
    r = requests.get(
        f"{api_url}/api/eval/movies.json",
        headers=auth,
        timeout=30,
        params={"q": '{"functions": [{"name": "count", "field": "id"}]}'},
    )
    assert r.status_code == 200 and r.json()["count__id"] >= 1
    r = requests.get(f"{api_url}/api/users.csv", headers=auth, timeout=30)
    assert r.status_code == 200 and "password" not in r.text and "email" not in r.text.splitlines()[0]

    r = requests.get(f"{api_url}/api/movies.xml", headers=auth, timeout=30)
    assert r.status_code == 404 and "message" in r.json()
    r = requests.get(f"{api_url}/api/movies/{movie['id']}.xml", headers=auth, timeout=30)
    assert r.status_code == 404 and "message" in r.json()
    r = requests.get(f"{api_url}/api/movies", headers={**auth, "Accept": "image/png"}, timeout=30)
    assert r.status_code == 406
