"""On AWS the signing key comes from Secrets Manager: fetched while the function imports, not on
the first request's path, once per container (a fresh process stands for a fresh container)."""

from __future__ import annotations

from tests.conftest import run_fresh

CONTAINER = r"""
import json, os, threading
from moto import mock_aws

with mock_aws():
    import boto3
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="jwt", SecretString="prefetched-signing-key-long-enough-for-hs256-0123456789")["ARN"]
    os.environ["JWT_SECRET_ARN"] = arn
    fetched_by = []
    import botocore.client
    real = botocore.client.BaseClient._make_api_call

    def watch(client, operation, params):
        if operation == "GetSecretValue":
            fetched_by.append(threading.current_thread().name)
        return real(client, operation, params)

    botocore.client.BaseClient._make_api_call = watch
    from moviesapi.models import ensure_tables
    ensure_tables()
    from tests.conftest import FakeContext, load_function, make_event
    handler = load_function("resource_get").lambda_handler   # import: the prefetch starts here
    from moviesapi import signing
    signing._PREFETCH.join(10)
    before_request = list(fetched_by)
    from moviesapi import accounts, resources, tokens
    from moviesapi.catalog import MOVIE
    user = accounts.register({"username": "kim", "email": "kim@example.com",
                              "password1": "correct-horse-42", "password2": "correct-horse-42"})
    movie = resources.create(MOVIE, {"title": "Ran", "genre": "Drama", "year": 1985},
                             accounts.Principal(user.id, user.username))
    access = tokens.issue_pair(user.id, identity=accounts.identity(user))["access"]
    reply = handler(make_event("movie_get", token=access, path_id=movie["id"]), FakeContext())
    print(json.dumps({"before_request": before_request, "all": fetched_by, "status": reply["statusCode"]}))
"""


def test_the_key_is_fetched_once_in_the_background_before_the_first_request():
    seen = run_fresh(CONTAINER, JWT_SECRET="")
    assert seen["status"] == 200  # the token signed with the secret's key verifies
    assert seen["before_request"] == ["signing-key-prefetch"]  # fetched while importing, off the request's path
    assert seen["all"] == ["signing-key-prefetch"]  # and cached: the request fetched nothing
