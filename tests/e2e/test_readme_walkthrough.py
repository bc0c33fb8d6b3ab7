"""The seed README's HTTPie walkthrough, verbatim but for host and port, against the real local server.

Runs the real ``http`` command (HTTPie) as a user would, then the rest of the
CRUD the README describes, then the concurrency guarantee on registration.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.e2e.users import bearer

HTTP = shutil.which("http") or str(Path(sys.executable).parent / "http")
PASSWORD = "Sup3r-secret-pass"


def http(*args: str) -> tuple[int, dict]:
    """Run ``http ARGS`` like the README does; return (status, JSON body)."""
    out = subprocess.run(
        [HTTP, "--ignore-stdin", "--print=hb", "--pretty=none", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    head, _, body = out.stdout.partition("\n\n")
    status = int(head.split()[1])
    return status, json.loads(body) if body.strip() else {}


def test_readme_walkthrough(api_url):
    status, user = http(
        "POST",
        f"{api_url}/api/v1/auth/register/",
        "email=walker@email.com",
        "username=walker",
        f"password1={PASSWORD}",
        f"password2={PASSWORD}",
    )
    assert status == 201, user
    assert user["username"] == "walker" and "password" not in json.dumps(user)

    status, pair = http(f"{api_url}/api/v1/auth/token/", "username=walker", f"password={PASSWORD}")
    assert status == 200 and set(pair) == {"refresh", "access"}

    status, refreshed = http(f"{api_url}/api/v1/auth/token/refresh/", f"refresh={pair['refresh']}")
    assert status == 200 and "access" in refreshed
    auth = f"Authorization:Bearer {refreshed['access']}"

    status, movie = http("POST", f"{api_url}/api/v1/movies/", auth, "title=Casablanca", "genre=Drama", "year:=1942")
    assert status == 201 and movie["creator"] == "walker"
    status, listing = http(f"{api_url}/api/v1/movies/", auth)
    assert status == 200 and listing["count"] >= 1
    assert movie in listing["results"]
    status, got = http(f"{api_url}/api/v1/movies/{movie['id']}/", auth)
    assert status == 200 and got == movie
    status, put = http(
        "PUT", f"{api_url}/api/v1/movies/{movie['id']}/", auth, "title=Casablanca", "genre=Romance", "year:=1942"
    )
    assert status == 200 and put["genre"] == "Romance"
    status, patched = http("PATCH", f"{api_url}/api/v1/movies/{movie['id']}", auth, "year:=1943")
    assert status == 200 and patched["year"] == 1943
    status, _ = http("DELETE", f"{api_url}/api/v1/movies/{movie['id']}/", auth)
    assert status == 204
    status, gone = http(f"{api_url}/api/v1/movies/{movie['id']}/", auth)
    assert status == 404 and "detail" in gone


def test_owner_rules_over_http(api_url):
    (_, owner), (_, other) = bearer(api_url, "owner"), bearer(api_url, "other")
    movie = requests.post(
        f"{api_url}/api/v1/movies/", json={"title": "Heat", "genre": "Crime", "year": 1995}, headers=owner, timeout=30
    ).json()
    url = f"{api_url}/api/v1/movies/{movie['id']}/"
    assert requests.delete(url, headers=other, timeout=30).status_code == 403
    assert requests.patch(url, json={"year": 1}, headers=other, timeout=30).status_code == 403
    anon = requests.get(url, timeout=30)
    assert anon.status_code == 401 and anon.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert requests.get(url, headers=other, timeout=30).json() == movie
    r = requests.get(f"{api_url}/api/v1/movies/?year=abc", headers=other, timeout=30)
    assert r.status_code == 400 and r.json() == {"year": ["Enter a number."]}
    r = requests.delete(f"{api_url}/api/v1/movies/", headers=other, timeout=30)
    assert r.status_code == 405 and r.json() == {"detail": 'Method "DELETE" not allowed.'}


@pytest.mark.parametrize("clash", ["username", "email"])
def test_concurrent_registrations_exactly_one_wins(api_url, clash):
    """Twenty simultaneous sign-ups for one username (or one email, in any case): exactly one succeeds."""

    def attempt(i: int) -> requests.Response:
        if clash == "username":
            body = {"username": "racer", "email": f"racer{i}@x.io"}
        else:  # one address, spelled in two cases
            body = {"username": f"mailracer{i}", "email": "RACER@X.IO" if i % 2 else "racer@x.io"}
        body.update(password1=PASSWORD, password2=PASSWORD)
        return requests.post(f"{api_url}/api/v1/auth/register/", json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(attempt, range(20)))
    statuses = sorted(r.status_code for r in replies)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(400) == 19, statuses
    for r in replies:
        if r.status_code == 400:
            assert list(r.json()) == [clash]


def test_cors_preflight_is_answered_by_the_functions(api_url):
    """OPTIONS reaches the functions through the routes' ANY events; Powertools answers the preflight."""
    for path in ("/api/v1/movies/", "/api/v1/auth/token/", "/api/movies", "/api/resource/Movie"):
        r = requests.options(
            f"{api_url}{path}",
            timeout=30,
            headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
        )
        assert r.status_code == 204, path
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "Authorization" in r.headers["Access-Control-Allow-Headers"]
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
    r = requests.get(f"{api_url}/api/v1/movies/", timeout=30, headers={"Origin": "https://app.example.com"})
    assert r.status_code == 401 and r.headers["Access-Control-Allow-Origin"] == "*"
