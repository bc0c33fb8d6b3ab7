"""The container's botocore session loads service models without a census of every service.

botocore asks, before loading a model, whether the service exists, and answers by listing
every service directory and every API version in each (~12 ms of a cold start); the
session's loader (``aws.CensusFreeLoader``) looks at the asked service's directory alone.
Its answers must be botocore's.
"""

from __future__ import annotations

import os

import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError
from moviesapi.aws import CensusFreeLoader


@pytest.fixture
def listed(monkeypatch) -> list[str]:
    """The directories ``os.listdir`` is asked for, from here on."""
    seen: list[str] = []
    real = os.listdir

    def listdir(path: str = ".") -> list[str]:
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    return seen


def _session() -> botocore.session.Session:
    session = botocore.session.get_session()
    session.register_component("data_loader", CensusFreeLoader.for_session(session))
    return session


def test_a_client_is_made_without_listing_every_service(listed):
    _session().create_client("dynamodb", region_name="us-east-1")
    data = os.path.join(os.path.dirname(botocore.loaders.__file__), "data")
    assert data not in listed  # botocore's census starts with its data directory
    assert {os.path.basename(p) for p in listed if os.path.dirname(p) == data} == {"dynamodb"}


@pytest.mark.parametrize("name", ["dynamodb", "secretsmanager", "sts", "no-such-service", "dynamo", "..", ""])
def test_its_answers_are_botocores(name):
    ours = CensusFreeLoader().list_available_services("service-2")
    theirs = botocore.loaders.Loader().list_available_services("service-2")
    assert (name in ours) == (name in theirs)


def test_an_unknown_service_still_names_the_known_ones():
    with pytest.raises(UnknownServiceError) as raised:
        _session().create_client("no-such-service", region_name="us-east-1")
    assert "dynamodb" in str(raised.value) and "secretsmanager" in str(raised.value)
    known = CensusFreeLoader().list_available_services("service-2")
    assert list(known) == botocore.loaders.Loader().list_available_services("service-2")


def test_the_loader_reads_aws_data_path_as_botocore_does(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_DATA_PATH", f"{tmp_path}{os.pathsep}~/models")
    loader = CensusFreeLoader.for_session(botocore.session.get_session())
    assert loader.search_paths[:2] == [str(tmp_path), os.path.expanduser("~/models")]
    assert loader.search_paths == botocore.loaders.create_loader(os.environ["AWS_DATA_PATH"]).search_paths


def test_the_containers_session_uses_it():
    from moviesapi import aws

    assert isinstance(aws.session().get_component("data_loader"), CensusFreeLoader)
