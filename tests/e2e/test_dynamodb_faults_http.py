"""Issue 12's "Done means", over real HTTP: ``make run`` in front of a DynamoDB that fails 30% of requests.

A fault proxy (``faultproxy``) sits between the server and moto and throttles, fails
with 500s, cancels transactions with ``TransactionConflict``, adds latency and drops
connections before and after applying requests. A few client threads register,
sign in (JWT and Frappe sessions), make API keys, create, update, delete and list
movies in all three dialects and refresh tokens, as real clients would: a 503 is
retried after its ``Retry-After`` (creates with the same ``Idempotency-Key``).

The bar: no 500 at all; every 503 has ``Retry-After``; every other answer is the
right one; every acknowledged write is in the tables; and after the run, with
faults off, table by table, counters equal the real counts, every guard item
belongs to its user and every user has its guards, every idempotency record
points to its object: no partial write. Bounded: a fixed seed, capped requests and
time, 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.e2e.faultproxy import FaultMix, FaultProxy

SEED = 20240612
USERS = 8
THREADS = 8  # one per user: most of a request's time is botocore's backoff, not CPU
MOVIES_PER_DIALECT = 2
PASSWORD = "correct-horse-42"
ATTEMPTS = 8  # per request: a client retries a 503 this many times before giving up
MAX_BACKOFF_S = 0.25  # the client honours Retry-After, scaled down to keep the run short
TIMEOUT = 30
WORKLOAD_BUDGET_S = 75  # a hang guard; the run takes about 40 s
MOVIE_TABLE = "movies-api-movies"
TABLES = ("movies-api-users", "movies-api-uniques", "movies-api-state", MOVIE_TABLE)
GUARD_PREFIXES = ("username#", "email#", "apikey#")
_SHARD = re.compile(r"#s\d+$")


@dataclass
class Answer:
    """One response as the client saw it."""

    step: str
    method: str
    path: str
    status: int  # 0: no HTTP answer at all
    retry_after: str | None
    attempt: int


@dataclass
class Ledger:
    """Everything the clients sent and what the server acknowledged."""

    answers: list[Answer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    users: set[str] = field(default_factory=set)  # usernames whose sign-up and sign-in were acknowledged
    movies: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → acknowledged values
    deleted: set[str] = field(default_factory=set)
    unresolved: list[str] = field(default_factory=list)  # writes whose outcome stayed unknown (503 to the end)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


class Client:
    """One user of the API; every request retried on 503 as a well-behaved client would."""

    def __init__(self, base: str, index: int, ledger: Ledger) -> None:
        self.base = base
        self.ledger = ledger
        self.username = f"fault{index}{uuid.uuid4().hex[:8]}"
        self.http = requests.Session()
        self.jwt: dict[str, str] = {}
        self.refresh = ""
        self.frappe: dict[str, str] = {}
        self.key: dict[str, str] = {}
        self.basic: dict[str, str] = {}

    def call(
        self, step: str, method: str, path: str, expect: set[int], after_503: frozenset[int] = frozenset(), **kw: Any
    ) -> requests.Response | None:
        """Send until an answer other than 503; check it is one of ``expect`` (or, once a 503 left the
        outcome unknown, one of ``after_503``: e.g. a 404 for a delete whose first attempt landed)."""
        saw_503 = False
        for attempt in range(ATTEMPTS):
            try:
                r = self.http.request(method, self.base + path, timeout=TIMEOUT, **kw)
            except requests.RequestException as exc:
                self.ledger.record(Answer(step, method, path, 0, None, attempt))
                self.ledger.problem(f"{step} {method} {path}: no answer ({type(exc).__name__})")
                return None
            retry_after = r.headers.get("Retry-After")
            self.ledger.record(Answer(step, method, path, r.status_code, retry_after, attempt))
            if r.status_code == 503:
                saw_503 = True
                if not retry_after or not retry_after.isdigit():
                    self.ledger.problem(f"{step}: 503 without a Retry-After: {r.text[:200]}")
                time.sleep(min(float(retry_after or 1), MAX_BACKOFF_S))
                continue
            if r.status_code in expect or (saw_503 and r.status_code in after_503):
                return r
            self.ledger.problem(f"{step} {method} {path}: {r.status_code} {r.text[:300]}")
            return None
        with self.ledger.lock:
            self.ledger.unresolved.append(f"{step} {method} {path}")
        return None

    # -------------------------------------------------------------- the workload of one user

    def run(self, tag: str) -> None:
        if not self.sign_up() or not self.sign_in():
            return
        created = [
            self.create(dialect, n, tag) for dialect in ("drf", "frappe", "restless") for n in range(MOVIES_PER_DIALECT)
        ]
        mine = [(dialect, movie_id) for dialect, movie_id in created if movie_id]
        for dialect, movie_id in mine[0::2]:  # one of each dialect's movies changed, the other deleted
            self.update(dialect, movie_id)
            self.check_read(movie_id)
        for dialect, movie_id in mine[1::2]:
            self.delete(dialect, movie_id)
        self.lists()
        self.refresh_twice()

    def sign_up(self) -> bool:
        body = {
            "email": f"{self.username}@example.com",
            "username": self.username,
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        # A registration whose answer was lost makes the retry's username "taken": the sign-in decides.
        r = self.call("register", "POST", "/api/v1/auth/register/", {201}, frozenset({400}), json=body)
        return r is not None

    def sign_in(self) -> bool:
        body = {"username": self.username, "password": PASSWORD}
        r = self.call("token", "POST", "/api/v1/auth/token/", {200}, json=body)
        if r is None:
            return False
        self.jwt = {"Authorization": f"Bearer {r.json()['access']}"}
        self.refresh = r.json()["refresh"]
        r = self.call("login", "POST", "/api/method/login", {200}, json={"usr": self.username, "pwd": PASSWORD})
        if r is None:
            return False
        sid = r.cookies.get("sid")
        self.http.cookies.clear()  # the session travels by hand, only on the Frappe calls below
        self.frappe = {"Cookie": f"sid={sid}", "X-Frappe-CSRF-Token": r.headers["X-Frappe-CSRF-Token"]}
        r = self.call(
            "generate_keys", "POST", "/api/method/frappe.core.doctype.user.user.generate_keys", {200}, headers=self.jwt
        )
        if r is None:
            return False
        key, secret = r.json()["message"]["api_key"], r.json()["message"]["api_secret"]
        self.key = {"Authorization": f"token {key}:{secret}"}
        self.basic = {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}
        who = self.call("whoami-key", "GET", "/api/method/frappe.auth.get_logged_user", {200}, headers=self.key)
        if who is None:
            return False
        with self.ledger.lock:
            self.ledger.users.add(self.username)
        return who.json()["message"] == self.username

    def create(self, dialect: str, n: int, tag: str) -> tuple[str, str | None]:
        values = {"title": f"{self.username} {dialect} {n}", "genre": f"Noir-{tag}", "year": 1940 + n}
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        if dialect == "drf":
            r = self.call("create-drf", "POST", "/api/v1/movies/", {201}, headers={**self.jwt, **headers}, json=values)
            movie_id = r.json()["id"] if r is not None else None
        elif dialect == "frappe":
            r = self.call(
                "create-frappe", "POST", "/api/resource/Movie", {200}, headers={**self.frappe, **headers}, json=values
            )
            movie_id = r.json()["data"]["name"] if r is not None else None
        else:
            r = self.call("create-restless", "POST", "/api/movies", {201}, headers={**self.key, **headers}, json=values)
            movie_id = r.json()["id"] if r is not None else None
        if movie_id:
            with self.ledger.lock:
                self.ledger.movies[movie_id] = {**values, "creator": self.username}
        return dialect, movie_id

    def update(self, dialect: str, movie_id: str) -> None:
        if dialect == "drf":
            change: dict[str, Any] = {"year": 1999}
            r = self.call("update-drf", "PATCH", f"/api/v1/movies/{movie_id}/", {200}, headers=self.jwt, json=change)
        elif dialect == "frappe":
            change = {"genre": "Changed"}
            r = self.call(
                "update-frappe", "PUT", f"/api/resource/Movie/{movie_id}", {200}, headers=self.frappe, json=change
            )
        else:
            change = {"title": f"{self.username} renamed"}
            r = self.call("update-restless", "PATCH", f"/api/movies/{movie_id}", {200}, headers=self.basic, json=change)
        if r is not None:
            with self.ledger.lock:
                self.ledger.movies[movie_id].update(change)

    def delete(self, dialect: str, movie_id: str) -> None:
        gone = frozenset({404})  # the first attempt landed, its answer was a 503
        if dialect == "drf":
            r = self.call("delete-drf", "DELETE", f"/api/v1/movies/{movie_id}/", {204}, gone, headers=self.jwt)
        elif dialect == "frappe":
            r = self.call(
                "delete-frappe", "DELETE", f"/api/resource/Movie/{movie_id}", {202}, gone, headers=self.frappe
            )
        else:
            r = self.call("delete-restless", "DELETE", f"/api/movies/{movie_id}", {204}, gone, headers=self.key)
        if r is not None:
            with self.ledger.lock:
                self.ledger.deleted.add(movie_id)

    def check_read(self, movie_id: str) -> None:
        r = self.call("retrieve", "GET", f"/api/v1/movies/{movie_id}/", {200}, headers=self.jwt)
        if r is None:
            return
        expected = self.ledger.movies[movie_id]
        got = {name: r.json()[name] for name in ("title", "genre", "year", "creator")}
        if got != expected:
            self.ledger.problem(f"read {movie_id}: {got} != acknowledged {expected}")

    def lists(self) -> None:
        r = self.call("list-drf", "GET", "/api/v1/movies/", {200}, headers=self.jwt, params={"page": 1})
        if r is not None and not isinstance(r.json().get("count"), int):
            self.ledger.problem(f"DRF list without a count: {r.text[:200]}")
        params = {"doctype": "Movie"}
        self.call(
            "count-frappe", "GET", "/api/method/frappe.client.get_count", {200}, headers=self.frappe, params=params
        )
        self.call("list-restless", "GET", "/api/movies", {200}, headers=self.key, params={"page": 1})
        self.call("list-frappe", "GET", "/api/resource/Movie", {200}, headers=self.frappe, params={"limit": 5})

    def refresh_twice(self) -> None:
        """Rotate, then present the old refresh token again at once: a lost answer's retry, not theft."""
        old = self.refresh
        r = self.call("refresh", "POST", "/api/v1/auth/token/refresh/", {200}, json={"refresh": old})
        if r is None:
            return
        first = r.json()
        r = self.call("refresh-again", "POST", "/api/v1/auth/token/refresh/", {200}, json={"refresh": old})
        if r is None:
            return
        if r.json() != first:
            self.ledger.problem(f"refresh retried within the reuse interval: {r.json()} != {first}")
        self.call("refresh-new", "POST", "/api/v1/auth/token/refresh/", {200}, json={"refresh": first["refresh"]})


# ---------------------------------------------------------------------- fixtures


@pytest.fixture
def proxy(own_moto_server: str) -> Iterator[FaultProxy]:
    faults = FaultProxy(own_moto_server, FaultMix(), seed=SEED).start()
    yield faults
    faults.stop()


def scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item's attributes as plain values (strings, numbers as int/str)."""
    out: dict[str, Any] = {}
    for name, typed in item.items():
        (kind, value), *_ = typed.items()
        out[name] = int(value) if kind == "N" and value.lstrip("-").isdigit() else value
    return out


def table_problems(dynamodb: Any, ledger: Ledger) -> tuple[list[str], dict[str, int]]:
    """Table by table: users ↔ guards, counters ↔ items, idempotency records ↔ objects, acknowledged writes."""
    problems: list[str] = []
    users = {u["id"]: u for u in map(plain, scan(dynamodb, "movies-api-users"))}
    uniques = [plain(i) for i in scan(dynamodb, "movies-api-uniques")]
    movies = {m["id"]: m for m in map(plain, scan(dynamodb, MOVIE_TABLE))}
    state = [plain(i) for i in scan(dynamodb, "movies-api-state")]

    guards = {u["key"]: u["user_id"] for u in uniques if u["key"].startswith(GUARD_PREFIXES)}
    for key, user_id in guards.items():
        user = users.get(user_id)
        if user is None:
            problems.append(f"guard {key} points to no user ({user_id})")
            continue
        kind, _, value = key.partition("#")
        own = {
            "username": user["username"].casefold(),
            "email": user["email"].strip().casefold(),
            "apikey": user.get("api_key"),
        }
        if own[kind] != value:
            problems.append(f"guard {key} points to user {user_id} whose {kind} is {own[kind]!r}")
    for user_id, user in users.items():
        wanted = [f"username#{user['username'].casefold()}", f"email#{user['email'].strip().casefold()}"]
        if user.get("api_key"):
            wanted.append(f"apikey#{user['api_key']}")
        problems += [f"user {user['username']} without its guard {k}" for k in wanted if guards.get(k) != user_id]
    by_name = {u["username"]: user_id for user_id, u in users.items()}
    problems += [f"acknowledged user {name} missing" for name in ledger.users if name not in by_name]

    counted: Counter[str] = Counter()
    for u in uniques:
        if u["key"].startswith("count#"):
            counted[_SHARD.sub("", u["key"])] += int(u.get("value") or 0)
    # Every counted partition the declaration names (creator, genre, year...): one counter per value.
    from moviesapi.catalog import MOVIE

    partitions = {
        p.name: MOVIE.field_at(p.hash_field).attribute  # type: ignore[union-attr]
        for p in MOVIE.access_paths
        if p.counted and p.hash_field is not None and p.hash_value is None
    }
    real: Counter[str] = Counter({"count#movies": len(movies)})
    for movie in movies.values():
        for name, attribute in partitions.items():
            real[f"count#movies#{name}#{movie[attribute]}"] += 1
        if movie["creator_id"] not in users:
            problems.append(f"movie {movie['id']} by a user who does not exist")
    for key in sorted(set(counted) | set(real)):
        if counted[key] != real[key]:
            problems.append(f"counter {key} = {counted[key]}, items = {real[key]}")

    for record in state:
        if not record["pk"].startswith("idem#"):
            continue
        movie_id = json.loads(record["data"])["id"]
        if movie_id not in movies and movie_id not in ledger.deleted:
            problems.append(f"idempotency record {record['pk']} for movie {movie_id}, which was never stored")

    for movie_id, expected in ledger.movies.items():
        stored = movies.get(movie_id)
        if movie_id in ledger.deleted:
            if stored is not None:
                problems.append(f"acknowledged delete of {movie_id}, still stored")
            continue
        if stored is None:
            problems.append(f"acknowledged movie {movie_id} missing")
            continue
        got = {"title": stored["title"], "genre": stored["genre"], "year": stored["year"]}
        got["creator"] = users.get(stored["creator_id"], {}).get("username")
        if got != expected:
            problems.append(f"movie {movie_id} is {got}, acknowledged {expected}")
    unknown = set(movies) - set(ledger.movies)
    if unknown and not ledger.unresolved:
        problems.append(f"movies nobody was told about: {sorted(unknown)}")
    figures = {"users": len(users), "movies": len(movies), "guards": len(guards), "counter items": len(counted)}
    return problems, figures


# ---------------------------------------------------------------------- the test


def test_thirty_percent_faults_never_500_never_partial(
    start_localapi: Callable[..., Any], proxy: FaultProxy, own_moto_dynamodb: Any
) -> None:
    server = start_localapi(env={"DYNAMODB_ENDPOINT": proxy.url})  # tables created through the proxy, faults off
    ledger = Ledger()
    tag = uuid.uuid4().hex[:6]
    clients = [Client(server.url, i, ledger) for i in range(USERS)]
    proxy.enabled = True
    started = time.monotonic()

    def work(mine: list[Client]) -> None:
        for client in mine:
            try:
                client.run(tag)
            except Exception as exc:  # a client bug must fail the test, not hang it
                ledger.problem(f"client {client.username} crashed: {exc!r}")

    threads = [threading.Thread(target=work, args=(clients[i::THREADS],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WORKLOAD_BUDGET_S)
    elapsed = time.monotonic() - started
    proxy.enabled = False
    assert not any(t.is_alive() for t in threads), f"workload still running after {WORKLOAD_BUDGET_S}s"

    statuses = Counter(a.status for a in ledger.answers)
    with_retry_after = sum(1 for a in ledger.answers if a.status == 503 and a.retry_after)
    print(
        f"\n{len(ledger.answers)} requests in {elapsed:.1f}s; DynamoDB requests {sum(proxy.operations.values())},"
        f" faults {dict(proxy.injected)} ({sum(proxy.injected.values())}), token repeats {proxy.replayed_tokens};"
        f" answers {dict(sorted(statuses.items()))}; 503s with Retry-After {with_retry_after};"
        f" unresolved {len(ledger.unresolved)}"
    )
    assert 150 <= len(ledger.answers) <= 400
    assert sum(proxy.injected.values()) >= 0.2 * sum(proxy.operations.values()) * 0.5, "the faults did not fire"
    # A 500 logs "Unhandled error"; a 502 is a function that crashed or ran past its Timeout.
    crashes = [
        line[-3000:] for line in server.output().splitlines() if "Unhandled error" in line or "timed out" in line
    ]
    assert not ledger.problems, "\n".join(ledger.problems + crashes)
    assert statuses[500] == 0 and statuses[502] == 0 and not crashes, crashes
    assert with_retry_after == statuses[503]
    assert len(ledger.unresolved) <= 2, ledger.unresolved

    # Faults off: the totals every dialect reports, then the tables themselves.
    owner = next(c for c in clients if c.jwt)
    dynamodb = own_moto_dynamodb
    assert set(TABLES) <= set(dynamodb.list_tables()["TableNames"])
    problems, figures = table_problems(dynamodb, ledger)
    print(f"tables: {figures}")
    assert not problems, "\n".join(problems)
    movies = figures["movies"]
    r = requests.get(f"{server.url}/api/v1/movies/", headers=owner.jwt, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["count"] == movies, r.text[:300]
    r = requests.get(
        f"{server.url}/api/method/frappe.client.get_count", params={"doctype": "Movie"}, headers=owner.jwt, timeout=30
    )
    assert r.status_code == 200 and r.json()["message"] == movies, r.text[:300]
    r = requests.get(f"{server.url}/api/movies", headers=owner.jwt, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["num_results"] == movies, r.text[:300]
    per_creator: defaultdict[str, int] = defaultdict(int)
    for movie_id, values in ledger.movies.items():
        if movie_id not in ledger.deleted:
            per_creator[values["creator"]] += 1
    for name, expected in per_creator.items():
        r = requests.get(
            f"{server.url}/api/method/frappe.client.get_count",
            params={"doctype": "Movie", "filters": json.dumps({"owner": name})},
            headers=owner.jwt,
            timeout=TIMEOUT,
        )
        assert r.status_code == 200, r.text[:300]
        if not ledger.unresolved:
            assert r.json()["message"] == expected, (name, r.text[:300])
