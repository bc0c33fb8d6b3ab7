"""The committed sample events are what API Gateway sends for routes the template has.

``events/generate.py`` derives each event's ``resource`` and ``pathParameters`` from
the routes; regenerating would need SAM CLI's sample event, so this rebuilds each
event from the committed file itself (the sample's constant parts are in it) and
compares, without running ``sam local generate-event``.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())


def _generator():
    spec = importlib.util.spec_from_file_location("events_generate", EVENTS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _generator()
NAMES = generate.names()


def _committed(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def _template_routes() -> dict[tuple[str, str], str]:
    """(resource path, method or ANY) → the function's CodeUri."""
    out = {}
    for resource in TEMPLATE["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            for event in resource["Properties"]["Events"].values():
                props = event["Properties"]
                out[(props["Path"], props["Method"])] = resource["Properties"]["CodeUri"]
    return out


def test_every_event_file_is_generated():
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_event_is_a_route_of_the_template(name):
    event = _committed(name)
    method, resource = event["httpMethod"], event["resource"]
    routes = _template_routes()
    code = routes.get((resource, method)) or routes.get((resource, "ANY"))
    assert code is not None, f"{name}: the template has no route {method} {resource}"
    assert (ROOT / code / "app.py").is_file(), f"{name}: {code}app.py is missing"
    assert event["requestContext"]["resourcePath"] == resource
    assert event["requestContext"]["httpMethod"] == method
    # The concrete path is the resource with its parameters filled in (a trailing slash aside).
    filled = re.sub(r"\{(\w+)\}", lambda m: (event["pathParameters"] or {})[m.group(1)], resource)
    assert (event["path"].rstrip("/") or "/") == filled
    assert set(re.findall(r"\{(\w+)\}", resource)) == set(event["pathParameters"] or {})


@pytest.mark.parametrize("name", NAMES)
def test_regenerating_yields_the_committed_event(name):
    event = _committed(name)
    fields = generate.request_fields(name)
    assert {k: event[k] for k in fields} == fields, "run `.venv/bin/python events/generate.py`"
    text = (EVENTS / f"{name}.json").read_text()
    assert generate.render(generate.build(event, name)) == text, "run `.venv/bin/python events/generate.py`"


def test_events_share_one_sample():
    """Every event comes from the same `sam local generate-event` sample (only the request differs)."""
    request_keys = {"resource", "path", "httpMethod", "pathParameters", "queryStringParameters"}
    request_keys |= {"multiValueQueryStringParameters", "body", "isBase64Encoded", "headers", "multiValueHeaders"}
    samples = set()
    for name in NAMES:
        event = _committed(name)
        context = {k: v for k, v in event["requestContext"].items() if k not in {"resourcePath", "httpMethod", "path"}}
        rest = {k: v for k, v in event.items() if k not in request_keys | {"requestContext"}}
        headers = {k: v for k, v in event["headers"].items() if k != "Content-Type"}
        samples.add(json.dumps([context, rest, headers], sort_keys=True))
    assert len(samples) == 1


def test_every_function_has_a_committed_event():
    """`sam local invoke -e events/<name>.json` works for every function: each has an event routed to it."""
    import json as _json
    from pathlib import Path as _Path

    from tools.template import all_routes, match

    root = _Path(__file__).resolve().parents[2]
    routed = set()
    for path in (root / "events").glob("*.json"):
        event = _json.loads(path.read_text())
        found = match(all_routes(), event["httpMethod"], event["path"])
        assert found is not None, path.name
        routed.add(found[0].operation)
    from moviesapi.operations import all_operations

    assert {op.name for op in all_operations()} <= routed
