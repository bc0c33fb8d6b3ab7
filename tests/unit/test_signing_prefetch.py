"""On AWS the signing key comes from Secrets Manager: fetched while the function imports, not on
the first request's path, once per container (a fresh process stands for a fresh container), as
one signed request without a Secrets Manager client; through a client where that request cannot go."""

from __future__ import annotations

import pytest

from tests.conftest import run_fresh

CONTAINER = r"""
import json, os, sys, threading
from moto import mock_aws

with mock_aws():
    import boto3
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="jwt", SecretString="prefetched-signing-key-long-enough-for-hs256-0123456789")["ARN"]
    os.environ["JWT_SECRET_ARN"] = arn
    signed = []  # (thread, how) of every GetSecretValue signed: by a client or without one
    import botocore.auth, botocore.client
    real_sign, real_call = botocore.auth.SigV4Auth.add_auth, botocore.client.BaseClient._make_api_call

    calling = threading.local()  # whether this thread is inside a client's call

    def watch_sign(auth, request):
        in_client = getattr(calling, "now", False)
        if str(request.headers.get("X-Amz-Target")) == "secretsmanager.GetSecretValue" and not in_client:
            signed.append([threading.current_thread().name, "request"])
        return real_sign(auth, request)

    def watch_call(client, operation, params):
        if operation == "GetSecretValue":
            signed.append([threading.current_thread().name, "client"])
        calling.now = True
        try:
            return real_call(client, operation, params)
        finally:
            calling.now = False

    botocore.auth.SigV4Auth.add_auth = watch_sign
    botocore.client.BaseClient._make_api_call = watch_call
    from moviesapi.models import ensure_tables
    ensure_tables()
    from moviesapi import signing
    if sys.argv[1] == "no-plain-endpoint":
        signing.request_url = lambda shared, region: None
    from tests.conftest import first_own_movie_get, load_function
    handler = load_function("resource_get").lambda_handler   # import: the prefetch starts here
    signing._PREFETCH.join(10)
    before_request = list(signed)
    reply = first_own_movie_get(handler)
    print(json.dumps({"before_request": before_request, "all": signed, "status": reply["statusCode"],
                      "client_built": signing._CLIENT is not None}))
"""


@pytest.mark.parametrize(
    ("case", "how", "client_built"),
    [("plain-endpoint", "request", False), ("no-plain-endpoint", "client", True)],
)
def test_the_key_is_fetched_once_in_the_background_before_the_first_request(case, how, client_built):
    seen = run_fresh(CONTAINER, case, JWT_SECRET="")
    assert seen["status"] == 200  # the token signed with the secret's key verifies
    assert seen["before_request"] == [["signing-key-prefetch", how]]  # while importing, off the request's path
    assert seen["all"] == [["signing-key-prefetch", how]]  # and cached: the request fetched nothing
    assert seen["client_built"] is client_built  # a Secrets Manager client only where the request cannot go
