"""Requests signed by ``QuickSigV4Auth`` carry exactly the headers botocore's ``SigV4Auth`` gives them."""

from __future__ import annotations

import contextlib
import copy
import datetime
import io
import types
from collections.abc import Iterator
from typing import Any

import botocore.auth
import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st
from moviesapi import aws, sigv4

NOW = datetime.datetime(2026, 12, 1, 4, 5, 6, tzinfo=datetime.UTC)
names = st.sampled_from(
    [
        "Content-Type",
        "X-Amz-Target",
        "User-Agent",
        "host",
        "Host",
        "Expect",
        "Connection",
        "X-Amz-Date",
        "X-Amz-Security-Token",
        "Authorization",
        "X-Amz-Content-SHA256",
        "traceparent",
        "X-Custom",
        "x-custom",
    ]
)
values = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["a  b ", " x", "é", "\udce9", "application/x-amz-json-1.0", ""]),
    st.binary(max_size=4),
)
bodies = st.one_of(
    st.binary(max_size=40),
    st.just(b""),
    st.text(max_size=10),
    st.none(),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.builds(io.BytesIO, st.binary(max_size=9)),
)
urls = st.sampled_from(
    [
        "https://dynamodb.us-east-1.amazonaws.com/",
        "http://127.0.0.1:5000/",
        "https://Example.COM:443/a b/../c?x=1&a=2",
        "http://[::1]:80/",
        "https://host/?b&a=",
    ]
)


@st.composite
def requests(draw: Any) -> tuple[AWSRequest, Credentials]:
    request = AWSRequest(
        method=draw(st.sampled_from(["POST", "get"])),
        url=draw(urls),
        data=draw(bodies),
        headers=None,
        params=draw(st.one_of(st.just({}), st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))),
    )
    for name, value in draw(st.lists(st.tuples(names, values), max_size=6)):
        request.headers[name] = value
    request.context["payload_signing_enabled"] = draw(st.booleans())
    if draw(st.booleans()):
        request.context["checksum"] = {"request_algorithm": {"in": draw(st.sampled_from(["trailer", "header"]))}}
    token = draw(st.one_of(st.none(), st.just("session-token")))
    return request, Credentials("AKIDEXAMPLE", "secret/key+example", token)


def _signed(cls: type, request: AWSRequest, credentials: Credentials) -> Any:
    request = copy.deepcopy(request)
    try:
        cls(credentials, "dynamodb", "us-east-1").add_auth(request)
    except Exception as error:  # the same failure, or the test fails
        return ("raised", type(error).__name__)
    return [(name, str(value)) for name, value in request.headers.items()], dict(request.context)


@settings(max_examples=800, deadline=None)
@given(made=requests())
def test_every_request_is_signed_as_botocore_signs_it(made, monkeypatch_now):
    request, credentials = made
    assert _signed(sigv4.QuickSigV4Auth, request, credentials) == _signed(botocore.auth.SigV4Auth, request, credentials)


@contextlib.contextmanager
def frozen_clock() -> Iterator[None]:
    """botocore's signing clock stopped at NOW (``get_current_datetime``; before it, ``datetime.utcnow``)."""
    with pytest.MonkeyPatch.context() as patch:
        if hasattr(botocore.auth, "get_current_datetime"):
            patch.setattr(botocore.auth, "get_current_datetime", lambda: NOW)
        else:  # an older botocore (tests/unit/test_older_botocore.py)

            class Frozen(datetime.datetime):
                @classmethod
                def utcnow(cls) -> Frozen:  # type: ignore[override]
                    return cls.fromtimestamp(NOW.timestamp(), datetime.UTC).replace(tzinfo=None)

            patch.setattr(botocore.auth, "datetime", types.SimpleNamespace(datetime=Frozen))
        yield


@pytest.fixture(scope="module")
def monkeypatch_now() -> Iterator[None]:
    with frozen_clock():
        yield


def test_a_dynamodb_request_is_signed_the_same(monkeypatch_now):
    """The request a GetItem sends, signed both ways: the same Authorization."""
    request = AWSRequest(
        method="POST",
        url="https://dynamodb.us-east-1.amazonaws.com/",
        data=b'{"TableName": "movies", "Key": {"pk": {"S": "movies#1"}}}',
        headers={"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"},
    )
    credentials = Credentials("AKIDEXAMPLE", "secret", "token")
    ours, botocores = (_signed(cls, request, credentials) for cls in (sigv4.QuickSigV4Auth, botocore.auth.SigV4Auth))
    assert ours == botocores
    authorization = dict(ours[0])["Authorization"]
    assert "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target" in authorization


def test_the_layers_client_signs_with_it(invoke, signup, monkeypatch):
    """Where botocore signs with its Python SigV4 (Lambda's runtime has no awscrt), the client signs with ours."""
    monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, "v4", botocore.auth.SigV4Auth)
    signup("alice")
    client = aws._CLIENTS[next(iter(aws._CLIENTS))]
    signer = client._request_signer
    assert type(signer.get_auth_instance(signer._signing_name, signer._region_name, "v4")) is sigv4.QuickSigV4Auth
    own = signer.get_auth_instance
    sigv4.install(client)  # twice: still the one wrapper
    assert signer.get_auth_instance is own
    assert invoke("resource_list", "movie_list", token=signup("bob")["access"]).status == 200


@pytest.mark.parametrize("version", ["v4-query", "v4a", "bearer"])
def test_other_signers_are_botocores(version, monkeypatch):
    monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, "v4", botocore.auth.SigV4Auth)
    client = botocore.session.get_session().create_client("dynamodb", region_name="us-east-1")
    sigv4.install(client)
    cls = botocore.auth.AUTH_TYPE_MAPS.get(version)
    if cls is None:
        pytest.skip(f"this botocore has no {version} signer")
    try:
        made = client._request_signer.get_auth_instance("dynamodb", "us-east-1", version)
    except Exception:  # a signer this client cannot make (no token, no CRT): nothing of ours in it
        return
    assert type(made) is cls


def test_over_http_with_every_detour(monkeypatch, own_moto_server):
    """Over real HTTP to a moto server, signed as in Lambda's runtime (no CRT): what is put comes back."""
    from botocore.config import Config
    from moviesapi import attribute_values

    monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, "v4", botocore.auth.SigV4Auth)
    client = botocore.session.get_session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=own_moto_server,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(parameter_validation=False),  # as PynamoDB's client
    )
    aws._cut_botocore_detours(client)
    assert type(client._serializer) is attribute_values.AttributeValueSerializer
    signers: list[type] = []
    own = client._request_signer.get_auth_instance
    monkeypatch.setattr(
        client._request_signer, "get_auth_instance", lambda *a, **k: signers.append(type(s := own(*a, **k))) or s
    )
    client.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {
        "pk": {"S": "k"},
        "n": {"N": "1.5"},
        "b": {"B": b"\x00\xff"},
        "bs": {"BS": [b"a"]},
        "ss": {"SS": ["only"]},
        "m": {"M": {"l": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]}}},
    }
    client.put_item(TableName="t", Item=item)
    assert client.get_item(TableName="t", Key={"pk": {"S": "k"}}, ConsistentRead=True)["Item"] == item
    assert signers and set(signers) == {sigv4.QuickSigV4Auth}
