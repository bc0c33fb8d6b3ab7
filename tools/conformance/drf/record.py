"""Record the real DRF seed project's answers to the conformance corpus (``make record-drf``).

Runs under ``.venv-drf`` (the seed's pinned stack, Python 3.9). The seed project
(``../shared/references/drf-seed``, read-only) is copied to a temporary folder with its
own fresh SQLite database, set up as Django's test runner sets a project up
(``setup_test_environment``: ``DEBUG = False``, host ``testserver``; nothing else in the
seed's settings changes), migrated, and driven in-process with Django's test ``Client``,
which goes through the whole WSGI stack and every middleware, as ``runserver`` would.

Each corpus step runs against the seed's own URLs, or (variant ``suffix``) against
``suffix_urls.py``: the same views with ``format_suffix_patterns``. Both share one
database, so the scenario is a single story. When Django's ``APPEND_SLASH`` answers an
unslashed URL with a redirect, the same request is sent again to the slashed URL (the
redirect happens before any view, so nothing ran twice) and recorded beside it.

Usage: ``.venv-drf/bin/python -m tools.conformance.drf.record [--corpus F] [--out F]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from tools.conformance.drf.scenario import Scenario, Side, answer_of

ROOT = Path(__file__).resolve().parents[3]
SEED = (ROOT / ".." / "shared" / "references" / "drf-seed").resolve()
HERE = Path(__file__).resolve().parent
CORPUS = ROOT / "tests" / "conformance" / "drf" / "corpus.json"
OUT = ROOT / "tests" / "conformance" / "drf" / "recordings.json"
SUFFIX_URLCONF = "conformance_suffix_urls"
BASE = "http://testserver"
MISSING_ID = 999999


class SeedSide(Side):
    name = "drf-seed"
    missing_movie_id = MISSING_ID
    missing_user_id = MISSING_ID

    def __init__(self, signing_key: str) -> None:
        self.signing_key = signing_key


def copy_seed(seed: Path, into: Path) -> Path:
    """A private copy of the seed project (never its database, caches or VCS data)."""
    target = into / "seed"
    shutil.copytree(seed, target, ignore=shutil.ignore_patterns(".git", "db.sqlite3", "__pycache__", "*.pyc"))
    shutil.copy(HERE / "suffix_urls.py", target / f"{SUFFIX_URLCONF}.py")
    return target


def boot(project: Path) -> None:
    """Import and migrate the copied project as Django's test runner would."""
    sys.path.insert(0, str(project))
    os.environ["DJANGO_SETTINGS_MODULE"] = "api_crud.settings"
    import django
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment(debug=False)
    call_command("migrate", verbosity=0, interactive=False)
    # 4xx answers are the point here, not something to log.
    logging.getLogger("django.request").setLevel(logging.ERROR)


def send(client: Any, prepared: Any, path: str | None = None) -> dict:
    extra = {}
    for name, value in prepared.headers.items():
        if name.lower() == "content-type":
            continue
        extra["HTTP_" + name.upper().replace("-", "_")] = value
    content_type = prepared.content_type
    if content_type is not None and not prepared.body:
        extra["CONTENT_TYPE"] = content_type  # Client.generic sets it only with a body
    url = path or prepared.path
    if prepared.query:
        url += "?" + prepared.query_string
    response = client.generic(
        prepared.method,
        url,
        data=prepared.body or b"",
        content_type=content_type or "application/octet-stream",
        **extra,
    )
    return answer_of(response.status_code, dict(response.items()), response.content.decode("utf-8", "replace"))


def versions() -> dict:
    import django
    import django_filters
    import jwt
    import rest_framework

    try:
        from importlib.metadata import version
    except ImportError:  # pragma: no cover - Python < 3.8
        version = None  # type: ignore[assignment]
    return {
        "python": sys.version.split()[0],
        "Django": django.get_version(),
        "djangorestframework": rest_framework.VERSION,
        "djangorestframework-simplejwt": version("djangorestframework-simplejwt") if version else "?",
        "django-filter": django_filters.__version__,
        "PyJWT": jwt.__version__,
    }


def record(corpus_path: Path, out_path: Path, seed: Path) -> dict:
    corpus_text = corpus_path.read_text(encoding="utf-8")
    corpus = json.loads(corpus_text)
    with tempfile.TemporaryDirectory(prefix="drf-seed-") as tmp:
        project = copy_seed(seed, Path(tmp))
        boot(project)
        from django.conf import settings
        from django.test import Client
        from django.test.utils import override_settings

        client = Client(raise_request_exception=False)
        scenario = Scenario(SeedSide(settings.SECRET_KEY))
        answers = []
        for step in corpus["requests"]:
            prepared = scenario.prepare(step)
            client.cookies.clear()  # a stateless API client (the browsable pages set a CSRF cookie)
            urlconf = SUFFIX_URLCONF if step.get("variant") == "suffix" else settings.ROOT_URLCONF
            with override_settings(ROOT_URLCONF=urlconf):
                answer = send(client, prepared)
                slashed = None
                location = answer["headers"].get("Location", "")
                if (
                    answer["status"] == 301
                    and not prepared.path.endswith("/")
                    and location.split("?")[0]
                    in (
                        prepared.path + "/",
                        BASE + prepared.path + "/",
                    )
                ):
                    slashed = send(client, prepared, path=prepared.path + "/")
            final = slashed or answer
            scenario.observe(step, final["status"], final["body"] if final["body_kind"] == "json" else None)
            entry = {"name": step["name"], **answer}
            if slashed is not None:
                entry["slashed"] = slashed
            answers.append(entry)
        recording = {
            "meta": {
                "what": "Answers of the DRF seed project (django-rest-framework-crud) at its own pins",
                "versions": versions(),
                "settings": "the seed's own, under django.test.utils.setup_test_environment(debug=False)",
                "base": BASE,
                "missing_movie_id": MISSING_ID,
                "missing_user_id": MISSING_ID,
                "corpus_sha256": hashlib.sha256(corpus_text.encode("utf-8")).hexdigest(),
            },
            "values": scenario.values,
            "answers": answers,
        }
    out_path.write_text(json.dumps(recording, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    return recording


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=Path, default=SEED)
    args = parser.parse_args(argv)
    if not (args.seed / "manage.py").is_file():
        print(f"record-drf: the seed project is not at {args.seed}", file=sys.stderr)
        return 1
    recording = record(args.corpus, args.out, args.seed)
    statuses: dict = {}
    for answer in recording["answers"]:
        statuses[answer["status"]] = statuses.get(answer["status"], 0) + 1
    print(f"record-drf: {len(recording['answers'])} answers → {args.out.relative_to(ROOT)}")
    print("record-drf: statuses " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print("record-drf: " + ", ".join(f"{k} {v}" for k, v in recording["meta"]["versions"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
