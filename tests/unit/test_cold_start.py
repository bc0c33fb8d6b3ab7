"""A function's cold start imports only what its request needs (issue 13).

``mount`` reads the committed ``dialects.ROUTES`` instead of importing every
dialect, so the table must equal the dialects' endpoints; the import checks run
in a fresh interpreter, as Lambda's cold start does.
"""

from __future__ import annotations

from moviesapi import dialects

from tests.conftest import run_fresh

LAMBDA = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_LAMBDA_FUNCTION_NAME": "ResourceGetFunction",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
}
# Imports a request to /api/v1/... never needs; the renderers' modules load at their first use.
NOT_ON_THE_COLD_PATH = (
    "moviesapi.dialects.frappe",
    "moviesapi.dialects.restless",
    "moviesapi.browsable",
    "moviesapi.openapi",
    "csv",
)


def test_routes_table_is_the_dialects_endpoints():
    assert dialects.live_routes() == dialects.ROUTES, (
        "dialects.ROUTES is stale: run `PYTHONPATH=layers/core/python python -c "
        '"from moviesapi.dialects import write_routes; write_routes()"` then `ruff format layers`'
    )


def test_allow_from_the_table_is_the_dialects_answer():
    for pattern in {e.pattern for _, e in dialects.ROUTES}:
        assert dialects.allowed_at(pattern) == dialects.methods_at(pattern), pattern


IMPORT_GET = """
import json, runpy, sys
ns = runpy.run_path("functions/resource_get/app.py")
mounted = sorted(m for m in sys.modules if m.startswith(("moviesapi.dialects.", "aws_xray_sdk")))
event = {"httpMethod": "GET", "path": "/api/v1/no-such-collection/1/", "resource": "/api/v1/{collection}/{id}",
         "headers": {"Accept": "application/json"}, "pathParameters": {"collection": "no-such-collection", "id": "1"},
         "requestContext": {"stage": "dev", "domainName": "x.execute-api.us-east-1.amazonaws.com"}}
class Ctx:
    function_name = "f"; memory_limit_in_mb = 512; aws_request_id = "r"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    def get_remaining_time_in_millis(self): return 10000
reply = ns["lambda_handler"](event, Ctx())
print(json.dumps({"mounted": mounted, "status": reply["statusCode"], "after": sorted(sys.modules)}))
"""


def test_a_function_imports_no_dialect_and_no_xray_until_a_request_needs_it():
    found = run_fresh(IMPORT_GET, POWERTOOLS_TRACE_DISABLED="true")
    assert found["mounted"] == [], "mount imported a dialect, or X-Ray loaded with tracing off"
    assert found["status"] == 404
    after = found["after"]
    assert isinstance(after, list)
    assert "moviesapi.dialects.drf" in after
    assert not [m for m in after if m.startswith(NOT_ON_THE_COLD_PATH) or m.startswith("aws_xray_sdk")]


# Imports a function behind API Gateway never needs, traced or not: the X-Ray SDK (``moviesapi.xray`` sends
# its documents), asyncio (the SDK's and AppSync's), and what Powertools' package __init__ files import
# for every other event source (``moviesapi.reexports``).
NEVER_ON_THE_COLD_PATH = (
    "aws_xray_sdk",
    "wrapt",
    "asyncio",
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    "aws_lambda_powertools.event_handler.openapi.merge",
    "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event",
    "aws_lambda_powertools.utilities.data_classes.sqs_event",
)


def test_in_lambda_a_traced_request_imports_no_tracing_sdk_and_no_other_resolver():
    found = run_fresh(IMPORT_GET, POWERTOOLS_TRACE_DISABLED="false", AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:0", **LAMBDA)
    assert found["status"] == 404
    after = found["after"]
    assert isinstance(after, list)
    assert "aws_lambda_powertools.event_handler.api_gateway" in after
    assert [m for m in after if m.startswith(NEVER_ON_THE_COLD_PATH)] == []


GC_STATE = """
import gc, json, runpy
passes = []
gc.callbacks.append(lambda phase, info: passes.append(info["generation"]) if phase == "start" else None)
import moviesapi
paused = not gc.isenabled()
passes.clear()  # what ran before the layer's first line is not the layer's
ns = runpy.run_path("functions/resource_get/app.py")
print(json.dumps({"paused": paused, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "passes": len(passes)}))
"""


def test_in_lambda_init_runs_without_collections_and_later_ones_skip_what_it_made():
    found = run_fresh(GC_STATE, POWERTOOLS_TRACE_DISABLED="true", **LAMBDA)
    assert found["paused"] is True  # from the layer's first line...
    assert found["passes"] == 0  # ...no collection at all...
    assert found["enabled"] is True  # ...until the handler exists
    frozen = found["frozen"]
    assert isinstance(frozen, int) and frozen > 20_000  # modules, classes, declarations: out of later passes


def test_outside_lambda_the_collector_is_never_paused():
    found = run_fresh(GC_STATE)
    passes = found.pop("passes")
    assert found == {"paused": False, "enabled": True, "frozen": 0}
    assert isinstance(passes, int) and passes > 0  # the same init, collected as usual


BUILT_TO_LAST = """
import gc, json
from moviesapi.collector import built_to_last, init_done
init_done()  # after init, as the first request finds it
before = gc.get_freeze_count()
try:
    with built_to_last():
        during = gc.isenabled()
        kept = [[i] for i in range(1000)]
        raise KeyError("the build failed")
except KeyError:
    pass
print(json.dumps({"during": during, "after": gc.isenabled(), "frozen": gc.get_freeze_count() - before}))
"""


def test_a_long_lived_build_is_made_without_collections_then_frozen_even_when_it_fails():
    found = run_fresh(BUILT_TO_LAST, **LAMBDA)
    assert found["during"] is False and found["after"] is True
    frozen = found["frozen"]
    assert isinstance(frozen, int) and frozen >= 1000
    assert run_fresh(BUILT_TO_LAST) == {"during": True, "after": True, "frozen": 0}  # outside Lambda: as usual
