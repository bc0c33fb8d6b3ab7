"""The local runner behind ``make run``: environment resolution and sandbox behaviour.

Requests go through SAM's own ``LocalApigwService`` (via the Flask test client, so no
port is needed) into spawned worker processes, so what is asserted here is what a
caller of ``make run`` sees. A throwaway SAM template keeps these tests independent
of the real functions.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from samcli.lib.providers.sam_function_provider import SamFunctionProvider

from localapi.runner import InProcessLambdaRunner, load_env_vars_file
from localapi.server import DEFAULT_ENV_FILE, LocalApi, build, load_template, with_table_names

ROOT = Path(__file__).resolve().parents[2]

# SAM's template validation uses deprecated jsonschema APIs; that is SAM's business.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:samcli"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:samtranslator"),
]

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Timeout: 2
    Layers: [!Ref ToolsLayer]
    Environment:
      Variables:
        FROM_GLOBALS: globals
        SHARED: globals
        TABLE: !Ref SomeTable
        LIFETIME: 300
Resources:
  ToolsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: echo/
      Handler: app.lambda_handler
      Environment:
        Variables: {SHARED: function, FROM_FUNCTION: function}
      Events:
        Echo: {Type: Api, Properties: {Path: /echo, Method: ANY}}
        EchoId: {Type: Api, Properties: {Path: "/echo/{id}", Method: GET}}
  LateFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: late/
      Handler: app.lambda_handler
      MemorySize: 256
      Events:
        Late: {Type: Api, Properties: {Path: /late, Method: GET}}
  SomeTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""

ECHO_APP = """\
import json
import os
import sys
import time

import toolslayer


def lambda_handler(event, context):
    query = event.get("queryStringParameters") or {}
    if "raise" in query:
        raise ValueError("handler failed on purpose")
    if "sleep" in query:
        time.sleep(float(query["sleep"]))
    if "crash" in query:
        os._exit(3)
    print("a print goes to the log, not into the response")
    body = {
        "event": event,
        "env": dict(os.environ),
        "sys_path": sys.path,
        "cwd": os.getcwd(),
        "layer_module": toolslayer.__file__,
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "remaining": context.get_remaining_time_in_millis(),
        },
    }
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
"""

# Imports a module that does not exist yet: init fails until the test writes it.
LATE_APP = """\
import late_dependency


def lambda_handler(event, context):
    return {"statusCode": 200, "body": late_dependency.VALUE}
"""

ENV_FILE = {"Parameters": {"TABLE": "table-from-env-file", "SHARED": "env-file"}}


def write_project(root: Path) -> Path:
    """A SAM project with one echo function, one that fails to import, and one layer."""
    (root / "echo").mkdir(parents=True)
    (root / "echo" / "app.py").write_text(ECHO_APP)
    (root / "late").mkdir()
    (root / "late" / "app.py").write_text(LATE_APP)
    layer_pkg = root / "layer" / "python" / "toolslayer"
    layer_pkg.mkdir(parents=True)
    (layer_pkg / "__init__.py").write_text("")
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "env.json").write_text(json.dumps(ENV_FILE))
    return root / "template.yaml"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("sam-project"))


@pytest.fixture(scope="module")
def local_api(project: Path) -> Iterator[LocalApi]:
    """The assembled gateway + runner; DYNAMODB_ENDPOINT is set so no moto server starts."""
    environ = {"PATH": os.environ.get("PATH", ""), "DYNAMODB_ENDPOINT": "http://127.0.0.1:9"}
    api = build(project, port=3000, env_file=project.parent / "env.json", environ=environ)
    yield api
    api.close()


@pytest.fixture(scope="module")
def client(local_api: LocalApi) -> Any:
    return local_api.service._app.test_client()


def runner_for(template: Path, env_vars: dict[str, Any], shell_env: dict[str, str]) -> InProcessLambdaRunner:
    stacks, cwd = load_template(template)
    provider = SamFunctionProvider(stacks, ignore_code_extraction_warnings=True)
    return InProcessLambdaRunner(
        provider, cwd=cwd, env_vars_values=env_vars, extra_env={"EXTRA": "runner"}, shell_env=shell_env
    )


def echo(client: Any, url: str = "/echo") -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


# ------------------------------------------------------------------ environment


def test_environment_merges_globals_function_env_file_and_runner_values(project: Path) -> None:
    runner = runner_for(project, ENV_FILE, {"PATH": "/bin"})
    env = runner.function_environment(runner.get_function("EchoFunction"))

    assert env["FROM_GLOBALS"] == "globals"
    assert env["FROM_FUNCTION"] == "function"
    assert env["LIFETIME"] == "300"
    assert env["SHARED"] == "env-file"  # env.json beats the function, which beats Globals
    assert env["TABLE"] == "table-from-env-file"  # an intrinsic (!Ref) resolved through env.json
    assert env["EXTRA"] == "runner"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "EchoFunction"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "2"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"  # Lambda's default when unset
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_SAM_LOCAL"] == "true"
    assert env["LAMBDA_TASK_ROOT"] == str(project.parent / "echo")


def test_without_env_file_a_ref_resolves_to_the_logical_id_as_in_sam(project: Path) -> None:
    runner = runner_for(project, {}, {})
    env = runner.function_environment(runner.get_function("EchoFunction"))
    assert env["TABLE"] == "SomeTable"
    assert env["SHARED"] == "function"


def test_function_section_of_env_file_beats_parameters(project: Path) -> None:
    runner = runner_for(project, {**ENV_FILE, "EchoFunction": {"SHARED": "echo-only"}}, {})
    env = runner.function_environment(runner.get_function("EchoFunction"))
    assert env["SHARED"] == "echo-only"
    assert runner.function_environment(runner.get_function("LateFunction"))["SHARED"] == "env-file"


def test_runner_environment_overrides_declared_variables_only(project: Path) -> None:
    runner = runner_for(project, ENV_FILE, {"SHARED": "shell", "LIFETIME": "60", "UNDECLARED": "x"})
    env = runner.function_environment(runner.get_function("EchoFunction"))
    assert env["SHARED"] == "shell"
    assert env["LIFETIME"] == "60"
    assert "UNDECLARED" not in env


def test_real_template_with_shipped_env_file() -> None:
    """`make run`'s configuration: table names derived from the template, overrides from the shell."""
    stacks, _ = load_template(str(ROOT / "template.yaml"))
    env_vars = with_table_names(load_env_vars_file(DEFAULT_ENV_FILE), stacks)
    runner = runner_for(ROOT / "template.yaml", env_vars, {"ACCESS_TOKEN_LIFETIME": "60"})
    register = runner.get_function("RegisterFunction")
    env = runner.function_environment(register)
    assert env["USERS_TABLE"] == "movies-api-users"
    assert env["UNIQUES_TABLE"] == "movies-api-uniques"
    assert env["MOVIES_TABLE"] == "movies-api-movies"
    assert env["STATE_TABLE"] == "movies-api-state"
    assert env["JWT_SECRET_ARN"] == ""
    assert env["POWERTOOLS_LOG_LEVEL"] == "WARNING"
    assert env["ACCESS_TOKEN_LIFETIME"] == "60"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == str(register.memory)
    paths = runner.layer_paths(register)
    assert paths[-1] == str(ROOT / "layers" / "core" / "python")


# ------------------------------------------------------------------ sandbox


def test_event_is_built_by_sam_with_multi_value_query_strings(client: Any) -> None:
    event = echo(client, "/echo?tag=a&tag=b&one=1")["event"]
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "one": ["1"]}
    assert event["queryStringParameters"] == {"tag": "b", "one": "1"}
    assert event["resource"] == "/echo"
    assert event["requestContext"]["stage"] == "Prod"


def test_path_parameters_and_trailing_slash(client: Any) -> None:
    assert echo(client, "/echo/42")["event"]["pathParameters"] == {"id": "42"}
    assert echo(client, "/echo/42/")["event"]["pathParameters"] == {"id": "42"}
    assert echo(client, "/echo/")["event"]["resource"] == "/echo"


def test_unknown_route_answers_like_api_gateway(client: Any) -> None:
    response = client.get("/nope")
    assert response.status_code == 403
    assert response.get_json() == {"message": "Missing Authentication Token"}


def test_worker_is_set_up_like_a_lambda_sandbox(client: Any, local_api: LocalApi, project: Path) -> None:
    body = echo(client)
    code_dir, layer_dir = str(project.parent / "echo"), str(project.parent / "layer" / "python")
    assert body["sys_path"][0] == code_dir
    assert body["sys_path"][2] == layer_dir
    assert str(ROOT) not in body["sys_path"]  # nothing of the server's own path leaks in
    assert body["layer_module"].startswith(layer_dir)
    assert body["cwd"] == code_dir
    runner = local_api.runner
    assert body["env"] == runner.function_environment(runner.get_function("EchoFunction"))
    context = body["context"]
    assert context["function_name"] == "EchoFunction"
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == "128"
    assert context["invoked_function_arn"].endswith(":function:EchoFunction")
    assert 0 < context["remaining"] <= 2000
    assert echo(client)["context"]["aws_request_id"] != context["aws_request_id"]


def test_handler_exception_is_a_502(client: Any) -> None:
    response = client.get("/echo?raise=1")
    assert response.status_code == 502
    assert response.get_json() == {"message": "Internal server error"}
    assert echo(client)["event"]["path"] == "/echo"  # the sandbox stays usable


def test_timeout_is_a_502_within_the_function_timeout(client: Any) -> None:
    echo(client)  # warm: the Timeout counts from the handler's start, not the cold start
    started = time.monotonic()
    response = client.get("/echo?sleep=30")
    elapsed = time.monotonic() - started
    assert response.status_code == 502
    assert response.get_json() == {"message": "Internal server error"}
    assert 1.5 < elapsed < 5  # Timeout: 2
    assert echo(client)["event"]["path"] == "/echo"  # a fresh sandbox replaced the killed one


def test_crashed_worker_is_a_502_and_is_replaced(client: Any) -> None:
    response = client.get("/echo?crash=1")
    assert response.status_code == 502
    assert response.get_json() == {"message": "Internal server error"}
    assert echo(client)["event"]["path"] == "/echo"


def test_failed_init_is_retried_on_the_next_invoke(client: Any, project: Path) -> None:
    """As in Lambda, an import error answers 502 and the next invoke initialises again."""
    dependency = project.parent / "late" / "late_dependency.py"
    dependency.unlink(missing_ok=True)
    assert client.get("/late").status_code == 502
    dependency.write_text("VALUE = 'loaded'\n")
    response = client.get("/late")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "loaded"


def test_close_leaves_no_worker_alive(project: Path) -> None:
    environ = {"PATH": os.environ.get("PATH", ""), "DYNAMODB_ENDPOINT": "http://127.0.0.1:9"}
    api = build(project, env_file=None, environ=environ)
    try:
        client = api.service._app.test_client()
        assert client.get("/echo").status_code == 200
        pools = list(api.runner._pools.values())
        processes = [p for pool in pools for p in pool.processes()]
        assert processes
    finally:
        api.close()
    assert not any(p.is_alive() for p in processes)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_worker_exits_when_the_parent_dies(tmp_path: Path) -> None:
    """The watchdog: a worker whose server was killed (no cleanup ran) exits by itself."""
    import subprocess

    script = textwrap.dedent(
        f"""
        import os, sys
        from localapi.runner import FunctionPool, FunctionSpec
        if __name__ == "__main__":
            spec = FunctionSpec(name="F", handler="app.lambda_handler", code_dir={str(tmp_path)!r},
                                layer_paths=(), env={{"PATH": os.environ["PATH"]}}, timeout=5)
            pool = FunctionPool(spec, max_workers=1)
            print(pool.invoke("{{}}"), flush=True)
            print(*pool.pids(), flush=True)
            os._exit(0)  # die without shutting the pool down
        """
    )
    (tmp_path / "app.py").write_text("def lambda_handler(event, context):\n    return {'ok': True}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    output = tmp_path / "out.txt"
    with output.open("w") as fh:  # a file, not a pipe: the orphaned worker keeps its stdout open
        subprocess.run([sys.executable, "-c", script], stdout=fh, timeout=60, env=env, check=True)
    out = output.read_text().splitlines()
    assert json.loads(out[0]) == {"ok": True}
    worker = int(out[1])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
