"""Record real Flask-Restless 0.17.0's answers to the conformance corpus (``make record-restless``).

Runs under ``.venv-restless`` (Python 3.7 with the working pins of
``../shared/references/README.md``: Flask 0.12.5, Werkzeug 0.16.1, SQLAlchemy 1.0.19,
Flask-SQLAlchemy 2.0, mimerender 0.6.0). The application (``app.py``: our catalog as
SQLAlchemy models, registered with our declarations' ``create_api`` options) gets a fresh
SQLite database in a temporary folder, the corpus's users are inserted into it directly
(our side creates them through the DRF register endpoint), and every corpus step is sent
in-process through Flask's test client, which runs the whole WSGI stack (routing, 405s,
mimerender's negotiation, Flask's error pages), as a server would. Flask runs as in
production (no debug, no testing: an exception is Flask's 500 page, as a client would see it).

Usage: ``.venv-restless/bin/python -m tools.conformance.restless.record [--corpus F] [--out F]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from tools.conformance.drf.scenario import Side
from tools.conformance.restless.scenario import RestlessScenario, answer_of

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "conformance" / "restless" / "corpus.json"
OUT = ROOT / "tests" / "conformance" / "restless" / "recordings.json"
BASE = "http://localhost"
MISSING_ID = 999999


class OracleSide(Side):
    name = "flask-restless-0.17.0"
    missing_movie_id = MISSING_ID
    missing_user_id = MISSING_ID


def send(client: Any, prepared: Any) -> dict:
    headers = [(k, v) for k, v in prepared.headers.items() if k.lower() != "content-type"]
    kwargs = {}
    if prepared.content_type is not None:
        kwargs["content_type"] = prepared.content_type
    response = client.open(
        prepared.path,
        method=prepared.method,
        query_string=prepared.query_string,
        data=prepared.body or b"",
        headers=headers,
        base_url=BASE,
        **kwargs,
    )
    return answer_of(response.status_code, dict(response.headers), response.get_data().decode("utf-8", "replace"))


def versions() -> dict:
    import flask
    import flask_restless
    import flask_sqlalchemy
    import mimerender
    import sqlalchemy
    import werkzeug

    return {
        "python": sys.version.split()[0],
        "Flask-Restless": flask_restless.__version__,
        "Flask": flask.__version__,
        "Werkzeug": werkzeug.__version__,
        "SQLAlchemy": sqlalchemy.__version__,
        "Flask-SQLAlchemy": flask_sqlalchemy.__version__,
        "mimerender": mimerender.__version__,
    }


def record(corpus_path: Path, out_path: Path) -> dict:
    from tools.conformance.restless.app import create_app

    corpus_text = corpus_path.read_text(encoding="utf-8")
    corpus = json.loads(corpus_text)
    with tempfile.TemporaryDirectory(prefix="restless-oracle-") as tmp:
        app, db, User, _ = create_app("sqlite:///" + str(Path(tmp) / "oracle.sqlite3"))
        scenario = RestlessScenario(OracleSide())
        with app.app_context():
            for spec in corpus["users"]:
                user = User(password="!unusable", **spec)
                db.session.add(user)
                db.session.commit()
                # The oracle's preprocessor knows a caller by name: that is its "token".
                scenario.values["token:{}.access".format(spec["username"])] = spec["username"]
                scenario.values["user:{}".format(spec["username"])] = user.id
            db.session.remove()
        client = app.test_client()
        answers = []
        for step in corpus["requests"]:
            prepared = scenario.prepare(step)
            answer = send(client, prepared)
            scenario.observe(step, answer["status"], answer["body"] if answer["body_kind"] == "json" else None)
            answers.append(dict(name=step["name"], **answer))
        recording = {
            "meta": {
                "what": "Answers of Flask-Restless 0.17.0 serving our catalog (tools/conformance/restless/app.py)",
                "versions": versions(),
                "base": BASE,
                "missing_movie_id": MISSING_ID,
                "missing_user_id": MISSING_ID,
                "corpus_sha256": hashlib.sha256(corpus_text.encode("utf-8")).hexdigest(),
            },
            "values": scenario.values,
            "answers": answers,
        }
    out_path.write_text(json.dumps(recording, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return recording


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    recording = record(args.corpus, args.out)
    statuses = {}  # type: dict
    for answer in recording["answers"]:
        statuses[answer["status"]] = statuses.get(answer["status"], 0) + 1
    print("record-restless: {} answers -> {}".format(len(recording["answers"]), args.out))
    print("record-restless: statuses " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print("record-restless: " + ", ".join(f"{k} {v}" for k, v in recording["meta"]["versions"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
