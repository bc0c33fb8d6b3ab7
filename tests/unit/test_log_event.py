"""The event never reaches the logs: it carries tokens, API secrets and passwords.

Powertools' Logger logs every event when ``POWERTOOLS_LOGGER_LOG_EVENT`` is true; the
handler's explicit ``log_event=False`` wins over the variable (a fresh process, as a
container that starts with it set).
"""

from __future__ import annotations

from tests.conftest import run_fresh

CONTAINER = r"""
import io, json, sys
from moviesapi.telemetry import logger
written = io.StringIO()
logger.registered_handler.stream = written
from tests.conftest import FakeContext, load_function, make_event
handler = load_function("resource_get").lambda_handler
event = make_event("movie_get", token="secret-access-token-0123456789", path_id="no-such-movie")
event["body"] = '{"password": "correct-horse-42"}'
reply = handler(event, FakeContext())
logged = written.getvalue()
print(json.dumps({"status": reply["statusCode"], "lines": len(logged.splitlines()),
                  "leaks": [s for s in ("secret-access-token", "correct-horse") if s in logged]}))
"""


def test_the_event_is_never_logged_even_when_powertools_is_told_to():
    seen = run_fresh(CONTAINER, POWERTOOLS_LOGGER_LOG_EVENT="true", POWERTOOLS_LOG_LEVEL="DEBUG")
    assert seen["status"] == 401  # the made-up token: refused before any read
    assert seen["leaks"] == []
