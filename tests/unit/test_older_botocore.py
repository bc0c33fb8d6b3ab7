"""The layer's botocore fast paths against an older botocore, as Lambda's python3.13 runtime may ship.

The layer ships no botocore: Lambda runs the runtime's, which is older than the venv's and
differs in places these paths mirror (how a null in a list of blobs is read, the signing
clock, request contexts). The same property tests run, in a fresh process, on botocore
``OLDER_BOTOCORE`` (the Makefile installs it under ``.venv/botocore-older``), without awscrt,
as in the runtime.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OLDER = ROOT / ".venv" / "botocore-older"
VERSION = re.search(r"^OLDER_BOTOCORE := (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)  # type: ignore[union-attr]

SCRIPT = """
import sys
sys.modules["awscrt"] = None  # the runtime has no CRT: botocore signs in Python
import botocore, botocore.auth, botocore.session
assert botocore.__version__ == sys.argv[1], botocore.__version__
from moviesapi import attribute_values, sigv4, user_agent
from tests.unit import test_attribute_values as values, test_sigv4 as signing
assert attribute_values.described(values.MODEL) and sigv4.available()
values.test_every_answer_parses_as_botocores()
values.test_every_request_is_written_as_botocore_writes_it()
values.test_a_modeled_error_item_parses_as_botocores()
with signing.frozen_clock():
    signing.test_every_request_is_signed_as_botocore_signs_it(monkeypatch_now=None)
    signing.test_a_dynamodb_request_is_signed_the_same(monkeypatch_now=None)
client = botocore.session.get_session().create_client(
    "dynamodb", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
)
user_agent.memoize(client)
creator = client._user_agent_creator
assert type(creator) is user_agent.MemoizedUserAgentString
assert creator.to_string() == botocore.useragent.UserAgentString.to_string(creator)
print("older botocore: same")
"""


def test_the_fast_paths_equal_an_older_botocore() -> None:
    assert (OLDER / "botocore").is_dir(), f"botocore {VERSION} is missing from {OLDER}: run make test (or make venv)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(OLDER), str(ROOT / "layers/core/python"), str(ROOT)])}
    env.pop("AWS_PROFILE", None)
    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT, VERSION], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stderr[-4000:]
    assert "older botocore: same" in ran.stdout
