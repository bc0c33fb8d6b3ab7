"""The JWT signing key: Secrets Manager on AWS (cached), an environment variable locally.

On AWS the first fetch would add a Secrets Manager round trip (and a client) to the first
request of every container: ``prefetch`` starts it in the background while the function is
still importing, as one signed request without a client (``_fetch_signed``), and the first
request waits only for what is left of it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
import time
from typing import Any

from .settings import get_settings

SERVICE = "secretsmanager"  # the client's name, endpoint prefix and signing name
GET_SECRET_VALUE = "secretsmanager.GetSecretValue"  # the JSON protocol's X-Amz-Target

SECRET_MAX_AGE_SECONDS = 300
PREFETCH_WAIT_SECONDS = 5.0
_PREFETCH: threading.Thread | None = None
_CLIENT: Any = None
_CACHED: tuple[str, float] | None = None  # (key, when it was fetched: time.monotonic())


def _fetch(arn: str) -> str:
    """GetSecretValue with a botocore client of the container's shared session (made once).

    A plain client, not Powertools' parameters utility: that imports boto3 and every provider
    (SSM, AppConfig, DynamoDB) on the first request's path for one call and a five-minute cache.
    """
    global _CLIENT
    if _CLIENT is None:
        from .aws import CLIENT_LOCK, session

        with CLIENT_LOCK:
            if _CLIENT is None:  # the prefetch thread may have made it while this one waited
                _CLIENT = session().create_client(SERVICE, region_name=get_settings().region)
    answer = _CLIENT.get_secret_value(SecretId=arn)
    secret = answer.get("SecretString")
    return secret if isinstance(secret, str) else bytes(answer["SecretBinary"]).decode()


def _fetch_signed(arn: str) -> str | None:
    """GetSecretValue as one request signed with the shared session's credentials: no client built.

    Building a Secrets Manager client (its model, endpoint rules, first call) for one call per
    container added 11 to 22 ms to a cold start's first response; this request adds 5 to 7 ms
    (``make bench``, the signing-key row). It is the client's request (``tests/unit/
    test_signing_request.py`` compares them), signed by botocore's own ``SigV4Auth`` and sent
    by its own HTTP session, after the session's ``before-send`` hooks (moto answers there in
    tests). Taken only at init, where nothing is traced, and only where the endpoint is
    plain (``request_url``). ``None`` otherwise, and on any failure: the client then
    fetches it, with its retries and its errors.
    """
    try:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.hooks import first_non_none_response
        from botocore.httpsession import URLLib3Session
        from botocore.utils import get_environ_proxies

        from .aws import CLIENT_LOCK, session

        region = get_settings().region
        with CLIENT_LOCK:  # botocore's session is not safe across threads (``aws``): the request's client
            shared = session()
            url, credentials = request_url(shared, region), shared.get_credentials()
            hooks, agent = shared.get_component("event_emitter"), shared.user_agent()
            verify = shared.get_config_variable("ca_bundle") or os.environ.get("REQUESTS_CA_BUNDLE", True)
        if url is None or credentials is None:
            return None
        request = AWSRequest(
            "POST",
            url,
            data=json.dumps({"SecretId": arn}).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": GET_SECRET_VALUE,
                "User-Agent": agent,  # CloudTrail names botocore, as for the client (not signed)
            },
        )
        SigV4Auth(credentials.get_frozen_credentials(), SERVICE, region).add_auth(request)
        prepared = request.prepare()
        response = first_non_none_response(hooks.emit("before-send.secrets-manager.GetSecretValue", request=prepared))
        if response is None:
            http = URLLib3Session(proxies=get_environ_proxies(prepared.url), verify=verify)
            try:
                response = http.send(prepared)  # the body is read before it returns
            finally:
                http.close()
        if response.status_code != 200:
            return None
        answer = json.loads(response.content)
        secret = answer.get("SecretString")
        return secret if isinstance(secret, str) else base64.b64decode(answer["SecretBinary"]).decode()
    except Exception:  # the client's way is the answer to anything unexpected here
        return None


def request_url(shared: Any, region: str) -> str | None:
    """The URL a Secrets Manager client of ``shared`` would send GetSecretValue to, where that is simple.

    A configured URL (``AWS_ENDPOINT_URL_SECRETS_MANAGER``, ``AWS_ENDPOINT_URL``, the config
    file's, unless told to ignore them), joined as botocore joins it, or in the ``aws`` partition
    without FIPS or dual-stack ``https://secretsmanager.<region>.amazonaws.com/``. Other
    partitions, variants, regions botocore cannot place: None. It raises what botocore's
    configuration raises (an unknown profile; no ``ConfiguredEndpointProvider`` in a botocore
    before 1.31): ``_fetch_signed`` takes that as None.
    """
    from urllib.parse import urlsplit, urlunsplit

    from botocore.configprovider import ConfiguredEndpointProvider
    from botocore.exceptions import InvalidRegionError, UnknownRegionError
    from botocore.utils import ensure_boolean, validate_region_name

    try:
        validate_region_name(region)
        partition = shared.get_partition_for_region(region)
    except (InvalidRegionError, UnknownRegionError):
        return None  # the client's own error, raised on the request's path
    if not ensure_boolean(shared.get_config_variable("ignore_configured_endpoint_urls") or False):
        configured = ConfiguredEndpointProvider(
            full_config=shared.full_config, scoped_config=shared.get_scoped_config(), client_name=SERVICE
        ).provide()
        if configured:
            parts = urlsplit(str(configured))  # botocore's _urljoin for the JSON protocol's "/"
            return urlunsplit(parts._replace(path=parts.path or "/"))
    if any(
        ensure_boolean(shared.get_config_variable(v) or False) for v in ("use_fips_endpoint", "use_dualstack_endpoint")
    ):
        return None
    if partition != "aws" or "fips" in region:  # a FIPS pseudo-region: botocore rewrites the host
        return None
    return f"https://{SERVICE}.{region}.amazonaws.com/"


def prefetch() -> None:
    """Fetch the key from Secrets Manager in the background (once per container; only on AWS)."""
    global _PREFETCH
    if _PREFETCH is None and get_settings().jwt_secret_arn:
        _PREFETCH = threading.Thread(target=_fetch_quietly, name="signing-key-prefetch", daemon=True)
        _PREFETCH.start()


def _fetch_quietly() -> None:
    # A failure here is raised again by the request's own fetch, in its own error shape.
    global _CACHED
    with contextlib.suppress(Exception):
        secret = _fetch_signed(get_settings().jwt_secret_arn)
        if secret is not None:
            _CACHED = (secret, time.monotonic())
        else:
            signing_key()


def signing_key() -> str:
    """Return the HS256 key; from Secrets Manager it is cached five minutes per container (rotation)."""
    settings = get_settings()
    if settings.jwt_secret_arn:
        prefetching = _PREFETCH
        if prefetching is not None and prefetching is not threading.current_thread() and prefetching.is_alive():
            prefetching.join(PREFETCH_WAIT_SECONDS)  # its answer lands in the cache
        global _CACHED
        cached = _CACHED
        if cached is None or time.monotonic() - cached[1] > SECRET_MAX_AGE_SECONDS:
            cached = _CACHED = (_fetch(settings.jwt_secret_arn), time.monotonic())
        return cached[0]
    if settings.jwt_secret:
        return settings.jwt_secret
    raise RuntimeError("No JWT signing key: set JWT_SECRET_ARN (AWS) or JWT_SECRET (local)")
