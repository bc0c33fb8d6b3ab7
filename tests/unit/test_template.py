"""The template and the models describe the same tables; functions are least-privilege."""

from __future__ import annotations

from pathlib import Path

import pytest
from moviesapi.models import ALL_MODELS
from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())
ENV_TABLE = {
    "UsersTable": "USERS_TABLE",
    "UniquesTable": "UNIQUES_TABLE",
    "MoviesTable": "MOVIES_TABLE",
    "StateTable": "STATE_TABLE",
}


def _table(logical_id):
    return TEMPLATE["Resources"][logical_id]["Properties"]


def _model_for(logical_id):
    import os

    name = (
        os.environ.get(ENV_TABLE[logical_id])
        or {
            "UsersTable": "movies-api-users",
            "UniquesTable": "movies-api-uniques",
            "MoviesTable": "movies-api-movies",
            "StateTable": "movies-api-state",
        }[logical_id]
    )
    return next(m for m in ALL_MODELS if m.Meta.table_name == name)


@pytest.mark.parametrize("logical_id", list(ENV_TABLE))
def test_tables_match_models(logical_id):
    props = _table(logical_id)
    schema = _model_for(logical_id)._get_schema()
    assert sorted(props["KeySchema"], key=str) == sorted(
        [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in schema["key_schema"]], key=str
    )
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(
        [
            {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
            for a in schema["attribute_definitions"]
        ],
        key=str,
    )
    template_gsis = {
        g["IndexName"]: sorted((k["AttributeName"], k["KeyType"]) for k in g["KeySchema"])
        for g in props.get("GlobalSecondaryIndexes", [])
    }
    model_gsis = {
        g["index_name"]: sorted((k["AttributeName"], k["KeyType"]) for k in g["key_schema"])
        for g in schema["global_secondary_indexes"]
    }
    assert template_gsis == model_gsis
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_state_table_expires_items():
    assert _table("StateTable")["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def _functions():
    return {k: v for k, v in TEMPLATE["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def test_every_function_has_its_folder_and_event():
    for logical_id, fn in _functions().items():
        code = ROOT / fn["Properties"]["CodeUri"]
        assert (code / "app.py").is_file(), logical_id
        assert fn["Properties"]["Handler"] == "app.lambda_handler"
        assert fn["Properties"].get("Events"), logical_id


def test_read_functions_cannot_write():
    for logical_id in ("MovieListFunction", "MovieGetFunction", "TokenVerifyFunction"):
        policies = _functions()[logical_id]["Properties"]["Policies"]
        names = [next(iter(p)) for p in policies]
        assert "DynamoDBCrudPolicy" not in names, logical_id


def test_explicit_paths_no_proxy():
    """Every operation has explicit paths; only the 404/405 responder may catch what is left over."""
    for logical_id, fn in _functions().items():
        for event in fn["Properties"]["Events"].values():
            assert event["Type"] == "Api"
            if logical_id != "NotAllowedFunction":
                assert "{proxy+}" not in event["Properties"]["Path"], logical_id


def test_layer_requirements_match_pyproject():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [
        line.strip()
        for line in (ROOT / "layers/core/requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(project) == sorted(lines)
