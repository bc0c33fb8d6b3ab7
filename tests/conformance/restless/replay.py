"""Replay the Flask-Restless corpus against our API at handler level, as API Gateway would call it.

The routing and the proxy events are the DRF replay's (``tests/conformance/replay.py``:
``template.yaml``'s routes, API Gateway's choice among them, REST API payload v1 events);
only the recorded form differs (the headers a Flask-Restless client reads, ``Link`` among
them: ``tools/conformance/restless/scenario.py``).

The users the scenario needs are created the way our API creates users, through the DRF
register endpoint, and signed in through the token endpoint: the caller's access token is
what ``auth: <user>`` sends, and the token's ``user_id`` is the user's id. (The oracle
inserts the same users in its database and knows a caller by ``Bearer <username>``.)
"""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.replay import BASE, MISSING_MOVIE_ID, MISSING_USER_ID, OurSide
from tests.conformance.replay import send as shared_send
from tools.conformance.drf.scenario import Prepared, Scenario, jwt_claims
from tools.conformance.restless.scenario import RestlessNormaliser, RestlessScenario, answer_of

PASSWORD = "Qz7!mountain-lantern"


def send(request: Prepared) -> dict[str, Any]:
    """Our answer to one request, in the form the Flask-Restless recorder writes."""
    return shared_send(request, answer_of)


def _post_json(path: str, body: dict[str, Any]) -> dict[str, Any]:
    payload = json.dumps(body).encode("utf-8")
    return send(Prepared("POST", path, [], {"Content-Type": "application/json"}, payload))


def create_users(scenario: Scenario, users: list[dict[str, Any]]) -> None:
    """Register and sign in every user of the corpus (DRF endpoints); remember token and id."""
    for user in users:
        name = user["username"]
        body = {**user, "password": PASSWORD, "password2": PASSWORD}
        registered = _post_json("/api/v1/auth/register/", body)
        assert registered["status"] == 201, f"registering {name}: {registered}"
        tokens = _post_json("/api/v1/auth/token/", {"username": name, "password": PASSWORD})
        assert tokens["status"] == 200, f"signing {name} in: {tokens}"
        access = tokens["body"]["access"]
        scenario.values[f"token:{name}.access"] = access
        scenario.values[f"user:{name}"] = jwt_claims(access)["user_id"]


def replay(corpus: dict[str, Any]) -> tuple[list[dict[str, Any]], RestlessNormaliser]:
    """Run the whole scenario on our API (inside moto); answers in corpus order and their normaliser."""
    scenario = RestlessScenario(OurSide())
    create_users(scenario, corpus["users"])
    answers = []
    for step in corpus["requests"]:
        prepared = scenario.prepare(step)
        answer = send(prepared)
        scenario.observe(step, answer["status"], answer["body"] if answer["body_kind"] == "json" else None)
        answers.append(answer)
    return answers, RestlessNormaliser(scenario.values, BASE, MISSING_MOVIE_ID, MISSING_USER_ID)
