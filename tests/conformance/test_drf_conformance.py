"""The DRF dialect answers as the real seed project does: Django REST framework + simplejwt are the oracle.

``make record-drf`` ran the seed project (``../shared/references/drf-seed`` at its own pins)
on the corpus (``drf/corpus.py`` → ``drf/corpus.json``) and saved its answers
(``drf/recordings.json``). Here the same scenario runs against our handlers, in process
(``replay.py``), and every answer is compared with the seed's: status, ``Content-Type``,
``Allow``, ``WWW-Authenticate``, ``Location``, ``Vary`` and body, after normalising only
ids, tokens, host/stage and HTML page chrome.

Any difference fails, except:

- ``ALLOWED``: the deliberate differences (issue 9's "Deliberate differences we keep",
  and the few the SPEC itself demands), each by name with its reason;
- ``NOT_YET_CONFORMANT``: differences still to fix, grouped by cause. ``SYSTEMIC`` groups
  are recognised by a precise rule wherever they show and have one strict-xfail test
  each; the other groups list their requests, which are strict xfails (a listed request
  that no longer differs fails: remove it from its group).

Run ``pytest tests/conformance -rP -k summary`` for the counts (also printed by ``test_summary``).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.compare import Allowed, Answer, Step, take_ours, without_headers
from tests.conformance.drf import corpus as corpus_module
from tests.conformance.judge import (
    Group,
    Outcome,
    Systemic,
    case_param,
    groups_by_case,
    judge,
    matching,
    no_server_error,
    status,
    summary,
    verdict,
)
from tools.conformance.drf.scenario import Normaliser

HERE = Path(__file__).resolve().parent / "drf"
CORPUS = json.loads((HERE / "corpus.json").read_text(encoding="utf-8"))["requests"]
RECORDING = json.loads((HERE / "recordings.json").read_text(encoding="utf-8"))
STEPS = {step["name"]: step for step in CORPUS}

pytestmark = pytest.mark.xdist_group("drf_conformance")


# ====================================================================== deliberate differences


def _unslashed(step: Step, drf: Answer, ours: Answer) -> bool:
    return "slashed" in drf


def _serve_unslashed(step: Step, drf: Answer, ours: Answer) -> tuple[Answer, Answer]:
    """Compare with what the seed answers at the slashed URL (links keep the URL the client used)."""
    path = step["path"].split("{", 1)[0]
    ours = copy.deepcopy(ours)
    if path and not path.endswith("/"):
        text = json.dumps(ours["body"]).replace(path + "?", path + "/?").replace(path + '"', path + '/"')
        ours["body"] = json.loads(text)
    return drf["slashed"], ours


def _created_without_location(step: Step, drf: Answer, ours: Answer) -> bool:
    return drf["status"] == 201 and "Location" not in drf["headers"] and "Location" in ours["headers"]


def _rotated_refresh(step: Step, drf: Answer, ours: Answer) -> bool:
    return (
        step["path"].startswith("/api/v1/auth/token/refresh")
        and drf["status"] == 200
        and isinstance(ours["body"], dict)
        and set(ours["body"]) == {"access", "refresh"}
    )


def _drop_refresh(step: Step, drf: Answer, ours: Answer) -> tuple[Answer, Answer]:
    ours = copy.deepcopy(ours)
    ours["body"].pop("refresh", None)
    return drf, ours


def _django_html_page(step: Step, drf: Answer, ours: Answer) -> bool:
    """Django's own error page (no view ran): an HTML page that is not the browsable API."""
    return (
        drf["body_kind"] == "html"
        and drf["body"].get("page") == "html"
        and drf["status"] >= 400
        and ours["body_kind"] == "json"
    )


def _json_instead_of_html(step: Step, drf: Answer, ours: Answer) -> tuple[Answer, Answer]:
    ours = copy.deepcopy(ours)
    for name in ("Content-Type", "Vary", "Allow"):
        if name in drf["headers"]:
            ours["headers"][name] = drf["headers"][name]
        else:
            ours["headers"].pop(name, None)
    ours["body_kind"], ours["body"] = drf["body_kind"], drf["body"]
    return drf, ours


def _is_metadata(step: Step, drf: Answer, ours: Answer) -> bool:
    return step["method"] == "OPTIONS" and isinstance(_content(ours), dict) and "renders" in _content(ours)


def _content(answer: Answer) -> Any:
    body = answer.get("body")
    return body.get("content") if answer.get("body_kind") == "html" and isinstance(body, dict) else body


def _metadata_as_declared(step: Step, drf: Answer, ours: Answer) -> tuple[Answer, Answer]:
    """Our metadata minus what the other entries explain: the CSV renderer, string ids, the year range."""
    ours = copy.deepcopy(ours)
    body = _content(ours)
    body["renders"] = [r for r in body["renders"] if r != "text/csv"]
    for shape in (body.get("actions") or {}).values():
        if isinstance(shape.get("id"), dict):
            shape["id"]["type"] = "integer"
        for bound in ("min_value", "max_value"):
            (shape.get("year") or {}).pop(bound, None)
    return drf, ours


ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "OPTIONS metadata describes our representations",
        "DRF's SimpleMetadata lists the view's renderers and its serializer's fields: ours also renders CSV "
        "(`text/csv`, the SPEC's .csv representation), our ids are opaque strings (UUIDv7, the SPEC), and our "
        "`year` declares its range (min_value/max_value, the `year range` entry). Everything else is DRF's.",
        forgive=_metadata_as_declared,
        applies=_is_metadata,
    ),
    Allowed(
        "Python's json wording",
        "The JSON parse-error text is Python's json module's own; the seed runs on Python 3.9, we on 3.13, "
        "whose message for a trailing comma reads differently (same status, same shape).",
        forgive=take_ours,
        cases=matching(STEPS, "register.bad-json.trailing-comma"),
        ours_shows=status(400),
    ),
    Allowed(
        "Frappe's credentials on every dialect",
        "One account works in all three dialects: `token key:secret`, Basic (the same pair) and the `sid` "
        "cookie authenticate DRF requests too, as if DRF had those authentication classes; so a wrong pair is "
        "a 401 where the seed, knowing only JWT, ignores the header.",
        forgive=take_ours,
        cases=matching(STEPS, "auth.list.token-scheme", "auth.list.basic", "register.basic-auth-header"),
        ours_shows=status(401),
    ),
    Allowed(
        "unmatched paths answered by API Gateway",
        "A path deeper than any route (`/movies/1/extra/`) or a method API Gateway does not route (TRACE) "
        "never reaches a function: API Gateway itself answers 403 `Missing Authentication Token`. A `{proxy+}` "
        "under every leaf route would cost a route each, and TRACE cannot be routed at all.",
        forgive=take_ours,
        cases=matching(STEPS, "item.get.nested-path", "routing.token-refresh-unknown-child", "methods.item.TRACE"),
        ours_shows=status(403),
    ),
    Allowed(
        "unslashed URLs served",
        "Django's APPEND_SLASH answers /movies with a 301 to /movies/ (and loses a POST body); API Gateway "
        "routes both spellings to the same function, so we answer at once, as the seed does at the slashed URL.",
        forgive=_serve_unslashed,
        applies=_unslashed,
    ),
    Allowed(
        "Location on 201",
        "RFC 9110 §15.3.2: a 201 names the new resource; DRF only sends Location when the serializer has a "
        "`url` field, which the seed's has not.",
        forgive=without_headers("Location"),
        applies=_created_without_location,
    ),
    Allowed(
        "case-insensitive username/email uniqueness",
        "`Alice` must not shadow `alice`, nor ALICE@example.com take alice@example.com's account "
        "(Django compares both case-sensitively).",
        forgive=take_ours,
        cases=matching(STEPS, "register.duplicate.username-case", "register.duplicate.email-case"),
        ours_shows=status(400),
    ),
    Allowed(
        "password validators with similarity, length cap before hashing",
        "The seed's field-level validate_password never sees the user, so Django's "
        "UserAttributeSimilarityValidator cannot run; and a password over 256 characters is refused before "
        "argon2 spends time on it.",
        forgive=take_ours,
        cases=matching(STEPS, "register.password.similar-to-username", "register.password.300-chars"),
        ours_shows=status(400),
    ),
    Allowed(
        "login throttling",
        "After five failed logins on an account from one client address, that address is throttled on it "
        "(429 with Retry-After) for 15 minutes, even with the right password; the seed has no throttle.",
        forgive=take_ours,
        cases=matching(STEPS, "token.throttle.failure-6", "token.throttle.then-right-password"),
        ours_shows=status(429),
    ),
    Allowed(
        "refresh rotation and blacklist",
        "A refresh returns a new refresh token and blacklists the old one; presenting it again revokes the "
        "family (simplejwt's ROTATE_REFRESH_TOKENS + BLACKLIST_AFTER_ROTATION, which the seed leaves off), "
        "except within the reuse interval (10 s), where it gets the same new pair again.",
        forgive=_drop_refresh,
        applies=_rotated_refresh,
    ),
    Allowed(
        "stateless access tokens",
        "An access token carries its user's public identity and is trusted for its lifetime (5 minutes), as "
        "simplejwt's JWTStatelessUserAuthentication does, so a request reads no user: a token for a user that "
        "is gone still works until it expires (the seed reads the user: 401 user_not_found). Such a token "
        "can only be made with the signing key.",
        forgive=take_ours,
        cases=matching(STEPS, "auth.list.crafted.user-not-found", "auth.create.crafted.user-not-found"),
        ours_shows=status(200, 400),
    ),
    Allowed(
        "year range",
        "A movie's year must be 1888..2100 (the seed takes any integer SQLite stores); the seed-only movies "
        "are then deleted by the next request, which finds nothing here.",
        forgive=take_ours,
        cases=matching(STEPS, "create.year.huge*", "create.year.out-of-range.*", "update.patch.own.year-out-of-range"),
        ours_shows=status(400, 404),
    ),
    Allowed(
        "page_size cap",
        "`?page_size=` is capped at 100 (DynamoDB reads per request stay bounded); the seed's "
        "PageNumberPagination has no max_page_size, so it returns any number of rows.",
        forgive=take_ours,
        cases=matching(STEPS, "bulk.list.page_size=1000", "bulk.list.page_size=101", "bulk.list.page_size=1000&page=2"),
        ours_shows=lambda ours: ours["status"] == 200 and len(ours["body"]["results"]) <= 100,
    ),
    Allowed(
        "Accept q-values honoured",
        "RFC 9110 §12.5.1: `application/json;q=0.1, text/html` prefers HTML and `q=0` refuses a type; DRF "
        "ignores q and picks by its renderer order.",
        forgive=take_ours,
        ours_shows=no_server_error,
        cases=matching(STEPS, "negotiation.*.accept.json-q-low-html", "negotiation.*.accept.json-q0"),
    ),
    Allowed(
        "password1/password2 accepted beside password",
        "The seed's README registers with password1/password2 (dj-rest-auth's names) while its serializer "
        "wants password/password2; both spellings work here.",
        forgive=take_ours,
        cases=matching(STEPS, "register.readme.password1"),
        ours_shows=status(201),
    ),
    Allowed(
        "JSON error bodies where Django sends an HTML page (SPEC)",
        "SPEC 'Deliberate differences': an unmatched URL is a JSON 404 in DRF's shape, not Django's HTML page.",
        forgive=_json_instead_of_html,
        applies=_django_html_page,
    ),
    Allowed(
        ".html and .csv representations (SPEC)",
        "SPEC 'Representations': `.html` (the browsable page, table first) and `.csv` by suffix, ?format= or "
        "Accept; the seed has only the JSON and browsable renderers, so it answers 404/406.",
        forgive=take_ours,
        ours_shows=no_server_error,
        cases=matching(
            STEPS,
            "negotiation.*.format=html",
            "negotiation.*.format=csv",
            "negotiation.*.accept.csv",
            "negotiation.list.format=csv&accept=csv",
            "suffix.*.html",
            "suffix.*.csv",
            "suffix.patch.csv.own",
        ),
    ),
    Allowed(
        "CORS preflight (SPEC)",
        "SPEC 'Beyond the seeds': browsers' preflight (OPTIONS with Origin and Access-Control-Request-Method) "
        "is answered for everyone; the seed has no CORS, so DRF treats it as an anonymous OPTIONS (401).",
        forgive=take_ours,
        cases=matching(STEPS, "methods.*.OPTIONS.cors-preflight"),
        ours_shows=status(200, 204),
    ),
    Allowed(
        "suffixes and token/verify on the seed's own URLs (SPEC)",
        "The seed mounts neither format suffixes nor simplejwt's TokenVerifyView; we serve both everywhere "
        "(their oracle is the suffix variant, which mounts them).",
        forgive=take_ours,
        cases=matching(STEPS, "routing.suffix-on-seed-variant", "routing.verify-on-seed-variant"),
        ours_shows=status(200),
    ),
)


# ====================================================================== not yet conformant


SYSTEMIC: tuple[Systemic, ...] = ()

NOT_YET_CONFORMANT: tuple[Group, ...] = ()

GROUPS_BY_CASE = groups_by_case(NOT_YET_CONFORMANT)


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    """The whole scenario, replayed once on a fresh moto DynamoDB, judged request by request."""
    from moto import mock_aws
    from moviesapi.models import ensure_tables

    from tests.conformance.replay import replay

    with mock_aws():
        ensure_tables()
        ours, normaliser = replay(CORPUS)
    meta = RECORDING["meta"]
    theirs = Normaliser(RECORDING["values"], meta["base"], meta["missing_movie_id"], meta["missing_user_id"])
    result = {}
    for step, recorded, answer in zip(CORPUS, RECORDING["answers"], ours, strict=True):
        drf = theirs.answer(recorded)
        if "slashed" in recorded:
            drf["slashed"] = theirs.answer(recorded["slashed"])
        result[step["name"]] = judge(
            step,
            drf,
            normaliser.answer(answer),
            label="DRF",
            allowed=ALLOWED,
            systemic=SYSTEMIC,
            groups=GROUPS_BY_CASE,
        )
    yield result


@pytest.mark.parametrize("name", [case_param(step, GROUPS_BY_CASE) for step in CORPUS])
def test_request(outcomes: dict[str, Outcome], name: str) -> None:
    verdict(outcomes[name], "the DRF seed project")


def test_corpus_and_recordings_are_current() -> None:
    text = (HERE / "corpus.json").read_text(encoding="utf-8")
    assert text == corpus_module.dumps(corpus_module.build()), "corpus.json is stale: run `make record-drf`"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert RECORDING["meta"]["corpus_sha256"] == digest, "recordings.json is not of this corpus: `make record-drf`"
    assert [a["name"] for a in RECORDING["answers"]] == [s["name"] for s in CORPUS]
    assert len(CORPUS) >= 400


def test_summary(outcomes: dict[str, Outcome], request: pytest.FixtureRequest) -> None:
    text = summary(outcomes, "DRF", ALLOWED, SYSTEMIC, NOT_YET_CONFORMANT)
    request.node.add_report_section("call", "DRF conformance summary", text)
    print(text)
