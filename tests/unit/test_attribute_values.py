"""DynamoDB's answers parse to exactly what botocore's own JSON parser returns, failures included."""

from __future__ import annotations

import base64
import json
from typing import Any

import botocore
import botocore.parsers
import botocore.serialize
import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moviesapi import attribute_values, aws

MODEL = botocore.session.get_session().get_service_model("dynamodb")
OUTPUTS = {
    "GetItem": lambda av: {"Item": av},
    "Query": lambda av: {"Items": [av, av], "Count": 2, "LastEvaluatedKey": av},
    "BatchGetItem": lambda av: {"Responses": {"movies": [av]}, "UnprocessedKeys": {"movies": {"Keys": [av]}}},
    "UpdateItem": lambda av: {"Attributes": av},
}

text = st.text(max_size=4)
b64 = st.binary(max_size=6).map(lambda b: base64.b64encode(b).decode())
junk = st.one_of(
    st.none(), st.integers(), text, st.booleans(), st.lists(text, max_size=2), st.dictionaries(text, text, max_size=2)
)


def _values(children: Any) -> Any:
    """AttributeValues, mostly well formed, some not: what a service (or a proxy) could send."""
    member = st.sampled_from([*attribute_values.MEMBERS, "__type", "X"])
    one = st.one_of(
        st.builds(lambda v: {"S": v}, text),
        st.builds(lambda v: {"N": v}, st.integers().map(str)),
        st.builds(lambda v: {"B": v}, b64),
        st.builds(lambda v: {"SS": v}, st.lists(st.one_of(text, st.none()), max_size=3)),
        st.builds(lambda v: {"NS": v}, st.lists(st.integers().map(str), max_size=3)),
        st.builds(lambda v: {"BS": v}, st.lists(st.one_of(b64, st.none()), max_size=3)),
        st.builds(lambda v: {"M": v}, st.dictionaries(text, st.one_of(children, st.none()), max_size=3)),
        st.builds(lambda v: {"L": v}, st.lists(st.one_of(children, st.none()), max_size=3)),
        st.builds(lambda v: {"NULL": v}, st.booleans()),
        st.builds(lambda v: {"BOOL": v}, st.booleans()),
    )
    odd = st.dictionaries(member, st.one_of(junk, children), max_size=3)
    return st.one_of(one, one, one, odd, st.none())


attribute_value = st.recursive(st.builds(lambda v: {"S": v}, text), _values, max_leaves=12)
item = st.dictionaries(text, attribute_value, max_size=4)


def _parse(parser: Any, operation: str, body: dict[str, Any]) -> Any:
    response = {"body": json.dumps(body).encode(), "headers": {"x-amzn-requestid": "r"}, "status_code": 200}
    try:
        return parser.parse(response, MODEL.operation_model(operation).output_shape)
    except Exception as error:  # the same failure, or the test fails
        return ("raised", type(error).__name__)


@settings(max_examples=600, deadline=None)
@given(operation=st.sampled_from(sorted(OUTPUTS)), av=item)
def test_every_answer_parses_as_botocores(operation, av):
    body = OUTPUTS[operation](av)
    assert _parse(attribute_values.AttributeValueParser(), operation, body) == _parse(
        botocore.parsers.JSONParser(), operation, body
    )


INPUTS = {
    "PutItem": lambda av: {"TableName": "t", "Item": av, "ExpressionAttributeValues": av},
    "UpdateItem": lambda av: {"TableName": "t", "Key": av, "ExpressionAttributeValues": av},
    "Query": lambda av: {"TableName": "t", "ExclusiveStartKey": av, "ExpressionAttributeValues": av},
    "BatchGetItem": lambda av: {"RequestItems": {"t": {"Keys": [av, av]}}},
    "TransactWriteItems": lambda av: {"TransactItems": [{"Put": {"TableName": "t", "Item": av}}]},
}
blob = st.one_of(st.binary(max_size=6), text)
written_junk = st.one_of(st.none(), st.integers(), text, st.tuples(text), st.sets(text, max_size=2))


def _written(children: Any) -> Any:
    """What a caller could hand botocore to write: PynamoDB's values, and what botocore must refuse."""
    member = st.sampled_from([*attribute_values.MEMBERS, "X"])
    one = st.one_of(
        st.builds(lambda v: {"S": v}, st.one_of(text, st.none())),
        st.builds(lambda v: {"N": v}, st.integers().map(str)),
        st.builds(lambda v: {"B": v}, blob),
        st.builds(lambda v: {"SS": v}, st.one_of(st.lists(text, max_size=3), st.sets(text, max_size=2))),
        st.builds(lambda v: {"BS": v}, st.lists(blob, max_size=3)),
        st.builds(lambda v: {"M": v}, st.dictionaries(text, children, max_size=3)),
        st.builds(lambda v: {"L": v}, st.one_of(st.lists(children, max_size=3), st.tuples(children))),
        st.builds(lambda v: {"NULL": v}, st.booleans()),
        st.builds(lambda v: {"BOOL": v}, st.booleans()),
    )
    odd = st.dictionaries(member, st.one_of(written_junk, children), max_size=3)
    return st.one_of(one, one, one, odd, st.none())


written_item = st.dictionaries(
    text, st.recursive(st.builds(lambda v: {"S": v}, text), _written, max_leaves=12), max_size=4
)


def _write(serializer: Any, operation: str, params: dict[str, Any]) -> Any:
    try:
        return serializer.serialize_to_request(params, MODEL.operation_model(operation))
    except Exception as error:  # the same failure, or the test fails
        return ("raised", type(error).__name__)


@settings(max_examples=600, deadline=None)
@given(operation=st.sampled_from(sorted(INPUTS)), av=written_item)
def test_every_request_is_written_as_botocore_writes_it(operation, av):
    params = INPUTS[operation](av)
    ours = botocore.serialize.create_serializer("json", include_validation=False)
    ours.__class__ = attribute_values.AttributeValueSerializer
    assert _write(ours, operation, params) == _write(
        botocore.serialize.create_serializer("json", include_validation=False), operation, params
    )


def test_a_modeled_error_item_parses_as_botocores():
    """A refused conditional write's stored item (ReturnValuesOnConditionCheckFailure) comes back the same."""
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        "message": "no",
        "Item": {"id": {"N": "1"}, "tags": {"SS": ["a"]}, "blob": {"B": "AAE="}},
    }
    response = {"body": json.dumps(body).encode(), "headers": {}, "status_code": 400}
    shape = MODEL.shape_for("ConditionalCheckFailedException")
    ours = attribute_values.AttributeValueParser().parse(response, shape)
    assert ours == botocore.parsers.JSONParser().parse(response, shape)
    assert ours["Item"]["blob"] == {"B": b"\x00\x01"}


def test_only_the_described_model_gets_the_parser():
    assert attribute_values.described(MODEL)
    other = botocore.session.get_session().get_service_model("dynamodb")
    other.shape_for = lambda name: _renamed(MODEL.shape_for(name))  # type: ignore[method-assign]
    assert not attribute_values.described(other)
    assert not attribute_values.described(object())


def _renamed(shape: Any) -> Any:
    shape.members["S"].serialization["name"] = "Str"
    return shape


def test_the_layers_client_writes_and_parses_with_them(invoke, signup):
    """The layer's one client wrote the movie; a Scan through it and through a plain client: equal."""
    alice = signup("alice")
    movie = {"title": "Casablanca", "genre": "Drama", "year": 1942}
    assert invoke("resource_create", "movie_create", token=alice["access"], body=movie).status == 201
    assert invoke("resource_list", "movie_list", token=alice["access"]).status == 200
    ours = aws._CLIENTS[next(iter(aws._CLIENTS))]
    assert isinstance(ours._endpoint._response_parser_factory, attribute_values.ParserFactory)
    assert type(ours._serializer) is attribute_values.AttributeValueSerializer
    plain = botocore.session.get_session().create_client("dynamodb", region_name="us-east-1")
    table = next(name for name in plain.list_tables()["TableNames"] if name.endswith("movies"))
    pages = [c.scan(TableName=table) for c in (ours, plain)]
    for page in pages:
        page.pop("ResponseMetadata")
    assert pages[0] == pages[1] and pages[0]["Items"]


@pytest.mark.parametrize("protocol", ["json", "rest-json", "query"])
def test_other_parsers_are_botocores(protocol):
    factory = attribute_values.ParserFactory(botocore.parsers.ResponseParserFactory())
    made = factory.create_parser(protocol)
    assert (type(made) is attribute_values.AttributeValueParser) == (protocol == "json")


@pytest.mark.parametrize("fits", [True, False])
def test_a_botocore_that_does_not_fit_is_said_once(fits, monkeypatch, logged):
    """The client still works with botocore's own parser then; the log says which detour was left."""
    import pynamodb.connection.base
    from moto import mock_aws

    monkeypatch.setattr(aws, "_CLIENTS", {})
    if not fits:
        monkeypatch.setattr(attribute_values, "described", lambda model: False)
    with mock_aws():
        client = pynamodb.connection.base.Connection(region="us-east-1").client
        assert pynamodb.connection.base.Connection(region="us-east-1").client is client
        assert client.list_tables()["TableNames"] == []
    said = logged("left_to_botocore")
    expected = [] if fits else [("WARNING", botocore.__version__, ["attribute_values"])]
    assert [(line["level"], line["botocore"], line["left_to_botocore"]) for line in said] == expected
    assert isinstance(client._endpoint._response_parser_factory, attribute_values.ParserFactory) == fits
