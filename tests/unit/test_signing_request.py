"""The init's signing-key fetch without a Secrets Manager client sends what the client would send,
to where the client would send it, and reads the same key; where it cannot, it leaves it to the client."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moviesapi import aws, signing

KEY = "a-signing-key-long-enough-for-hs256-0123456789abcdef"


@pytest.fixture
def secrets() -> Iterator[Any]:
    with mock_aws():
        yield aws.session().create_client("secretsmanager", region_name="us-east-1")


def _sent(emitter: Any, send: Any) -> dict[str, Any]:
    """What ``send()`` puts on the wire through ``emitter``'s hooks (moto still answers)."""
    seen: list[Any] = []
    hook = lambda request, **_: seen.append(request)  # noqa: E731
    emitter.register("before-send.secrets-manager.GetSecretValue", hook)
    try:
        send()
    finally:
        emitter.unregister("before-send.secrets-manager.GetSecretValue", hook)
    (request,) = seen
    headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    authorization = headers["authorization"]
    return {
        "method": request.method,
        "url": request.url,
        "body": json.loads(request.body),
        "content-type": headers["content-type"],
        "target": headers["x-amz-target"],
        "scope": re.search(r"Credential=[^/]+/\d{8}/([^,]+),", authorization).group(1),  # type: ignore[union-attr]
        "signed": re.search(r"SignedHeaders=([^,]+),", authorization).group(1).split(";"),  # type: ignore[union-attr]
        "token": headers.get("x-amz-security-token"),
    }


def test_the_request_is_the_clients(secrets: Any) -> None:
    arn = secrets.create_secret(Name="jwt", SecretString=KEY)["ARN"]
    by_client = _sent(secrets.meta.events, lambda: secrets.get_secret_value(SecretId=arn))
    ours = _sent(aws.session().get_component("event_emitter"), lambda: signing._fetch_signed(arn))
    assert ours == by_client
    assert by_client["scope"] == "us-east-1/secretsmanager/aws4_request"
    assert {"host", "x-amz-date", "x-amz-target", "x-amz-security-token"} <= set(ours["signed"])


@pytest.mark.parametrize("stored", [{"SecretString": KEY}, {"SecretBinary": KEY.encode()}])
def test_the_same_key_as_the_client(secrets: Any, stored: dict[str, Any]) -> None:
    arn = secrets.create_secret(Name="jwt", **stored)["ARN"]
    assert signing._fetch_signed(arn) == signing._fetch(arn) == KEY


def test_over_http_to_a_configured_endpoint(monkeypatch: pytest.MonkeyPatch, own_moto_server: str) -> None:
    """No moto hook answers: the request goes over botocore's HTTP session to a moto server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", own_moto_server)
    client = botocore.session.get_session().create_client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(Name="jwt", SecretString=KEY)["ARN"]
    assert signing._fetch_signed(arn) == KEY
    assert signing._fetch_signed(arn.replace("jwt", "absent")) is None  # a 400: the client's way


def test_a_refused_request_leaves_it_to_the_client(secrets: Any) -> None:
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf"
    assert signing._fetch_signed(missing) is None  # the client then raises its own error


def _client_url(session: botocore.session.Session, region: str) -> str:
    """Where a Secrets Manager client of ``session`` sends GetSecretValue (answered without a network)."""
    client = session.create_client("secretsmanager", region_name=region)
    seen: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        seen.append(request.url)
        return AWSResponse(request.url, 200, {}, _Raw(b'{"SecretString": "x"}'))

    client.meta.events.register_first("before-send.secrets-manager.GetSecretValue", answer)
    client.get_secret_value(SecretId="x")
    return seen[0]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _regions() -> list[str]:
    session = botocore.session.get_session()
    known = [r for p in session.get_available_partitions() for r in session.get_available_regions("secretsmanager", p)]
    return [
        *sorted(known),
        "eu-newland-7",
        "us-gov-newland-3",
        "cn-newland-5",
        "us-fips-1",
        "mars-1",
        "Us-East-1",
        "a/b",
    ]


@pytest.mark.parametrize("region", _regions())
def test_the_endpoint_is_the_clients_in_every_region(region: str) -> None:
    session = botocore.session.get_session()
    ours = signing.request_url(session, region)
    if ours is not None:
        assert ours == _client_url(session, region)
    if re.fullmatch(r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+", region) and "fips" not in region:
        assert ours is not None  # wherever Lambda runs in the aws partition, no client is built


# name: (environment, config file, the signed request in the aws partition, elsewhere)
CONFIGURED: dict[str, tuple[dict[str, str], str, bool, bool]] = {
    "nothing": ({}, "", True, False),
    "service": ({"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:5005"}, "", True, True),
    "service, trailing slash": ({"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:5005/"}, "", True, True),
    "service, path": ({"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:5005/sm"}, "", True, True),
    "global": ({"AWS_ENDPOINT_URL": "http://localhost:4566"}, "", True, True),
    "both": (
        {"AWS_ENDPOINT_URL": "http://localhost:4566", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:5005"},
        "",
        True,
        True,
    ),
    "ignored": (
        {"AWS_ENDPOINT_URL": "http://localhost:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        "",
        True,
        False,
    ),
    "fips": ({"AWS_USE_FIPS_ENDPOINT": "true"}, "", False, False),
    "dual-stack": ({"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "", False, False),
    "fips, configured": (
        {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL": "http://localhost:4566"},
        "",
        True,
        True,
    ),
    "file: profile's URL": ({}, "[default]\nendpoint_url = http://localhost:4566/x/\n", True, True),
    "file: services section": (
        {},
        "[default]\nservices = local\n[services local]\nsecrets_manager =\n  endpoint_url = http://127.0.0.1:5005\n",
        True,
        True,
    ),
    "file: ignore flag": (
        {"AWS_ENDPOINT_URL": "http://localhost:4566"},
        "[default]\nignore_configured_endpoint_urls = true\n",
        True,
        False,
    ),
    "file: fips": ({}, "[default]\nuse_fips_endpoint = true\n", False, False),
}


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"])
@pytest.mark.parametrize("case", CONFIGURED.values(), ids=CONFIGURED.keys())
def test_the_endpoint_is_the_clients_as_configured(
    region: str, case: tuple[dict[str, str], str, bool, bool], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment, config_file, in_aws, elsewhere = case
    (tmp_path / "config").write_text(config_file)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    session = botocore.session.get_session()
    ours = signing.request_url(session, region)
    if ours is not None:
        assert ours == _client_url(session, region)
    assert (ours is not None) == (in_aws if region in ("us-east-1", "eu-west-3") else elsewhere)


def test_a_botocore_without_configured_endpoints_leaves_it_to_the_client(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = secrets.create_secret(Name="jwt", SecretString=KEY)["ARN"]
    assert signing._fetch_signed(arn) == KEY
    monkeypatch.delattr("botocore.configprovider.ConfiguredEndpointProvider")  # botocore before 1.31
    assert signing._fetch_signed(arn) is None
