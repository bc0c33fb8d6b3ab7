"""What every benchmark shares: paths, Lambda's environment, the committed events, the layer on the path.

Nothing here imports the layer: subprocess benchmarks build their environment
from ``lambda_env`` and their import path from ``layer_path``.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tools.invoke import FakeContext, load_event, load_file, load_function, make_event  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parent.parent
SOURCE_LAYER = ROOT / "layers" / "core" / "python"
BUILT_LAYER = ROOT / ".aws-sam" / "build" / "CoreLayer" / "python"
SECRET = "bench-signing-key-that-is-long-enough-for-hs256-0123456789"
PASSWORD = "correct-horse-42"
REGION = "us-east-1"
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def site_packages() -> str:
    """The venv's site-packages: stands in for the Lambda runtime's boto3/botocore (and host-arch wheels)."""
    import boto3

    return str(Path(boto3.__file__).resolve().parent.parent)


# ---------------------------------------------------------------------------------------------- the environment


def template_globals() -> dict[str, str]:
    """The functions' environment as template.yaml's Globals declare it, resolved as ``sam local`` would."""
    from samcli.yamlhelper import yaml_parse

    template = yaml_parse((ROOT / "template.yaml").read_text())
    params = template.get("Parameters") or {}
    resources = template.get("Resources") or {}
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    env: dict[str, str] = {}
    for name, value in variables.items():
        ref = value.get("Ref") if isinstance(value, dict) else None
        if ref is None:
            env[name] = str(value)
        elif (resources.get(ref) or {}).get("Type") == "AWS::DynamoDB::Table":
            env[name] = "movies-api-" + name.removesuffix("_TABLE").lower().replace("_", "-")
        elif ref in params:
            env[name] = str(params[ref].get("Default", ""))
        else:
            env[name] = ""  # e.g. JWT_SECRET_ARN: a resource locally absent; JWT_SECRET stands in
    return env


def lambda_env(endpoint: str, function: str = "MovieGetFunction", **extra: str) -> dict[str, str]:
    """Lambda's variables + the template's Globals, against the moto server at ``endpoint``; tracing ON."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")}
    env = {
        **keep,
        **template_globals(),
        "LAMBDA_TASK_ROOT": str(ROOT / "functions"),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_X_AMZN_TRACE_ID": TRACE_ID,
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "JWT_SECRET": SECRET,
        "DYNAMODB_ENDPOINT": endpoint,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "PYTHONDONTWRITEBYTECODE": "1",  # as on Lambda: /opt is read-only, nothing new is cached
    }
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    env.update(extra)
    return env


# ---------------------------------------------------------------------------------------------- the layer

_ELF_MACHINE = {"x86_64": 62, "AMD64": 62, "aarch64": 183, "arm64": 183}


def _foreign(path: Path, machine: int) -> bool:
    """True for a native extension built for another CPU (the layer is built for arm64)."""
    try:
        with path.open("rb") as f:
            head = f.read(20)
    except OSError:
        return False
    return head[:4] == b"\x7fELF" and int.from_bytes(head[18:20], "little") != machine


# What the Lambda python3.13 runtime ships (``/var/runtime``): boto3 and its dependencies, nothing else.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")
# What the floor's password handlers bring in their own package (argon2, as ours does).
FLOOR_PACKAGES = ("argon2", "_argon2_cffi_bindings", "_cffi_backend")


def _linked(names: tuple[str, ...], prefix: str) -> str:
    """A temporary directory of symlinks to the venv's ``names`` (top-level packages or modules)."""
    target = tempfile.mkdtemp(prefix=prefix)
    site = Path(site_packages())
    for name in names:
        for entry in site.glob(f"{name}*"):
            wanted = entry.name == name or (entry.name.startswith((f"{name}.", f"{name}-")) and entry.suffix != ".pth")
            if wanted and not entry.name.endswith((".dist-info", ".egg-info")):
                os.symlink(entry, Path(target) / entry.name)
    return target


class LayerPath:
    """The layer the cold-start runs import: the built one (``make build``) when it exists, else the source.

    With the built layer, the runs see what Lambda would: the interpreter without its
    site-packages (``python -S``), the layer, and a stand-in for the runtime's
    ``/var/runtime`` (``RUNTIME_PACKAGES`` only: no awscrt, pyOpenSSL or cryptography,
    which the venv has and Lambda has not). The build targets arm64; on another CPU its
    native extensions cannot load, so the layer is an overlay (symlinks) in which the
    top-level packages holding foreign native code are the venv's host-arch ones
    (``substituted``). Without a built layer: the source layer and the whole venv.
    """

    def __init__(self) -> None:
        self.built = BUILT_LAYER.is_dir()
        self.substituted: list[str] = []
        self._tmp: str | None = None
        self._floor: str | None = None
        self._overlays: list[str] = []
        if not self.built:
            self.path = str(SOURCE_LAYER)
            return
        machine = _ELF_MACHINE.get(platform.machine(), 0)
        self._tmp = tempfile.mkdtemp(prefix="bench-layer-")
        site = Path(site_packages())
        for entry in sorted(BUILT_LAYER.iterdir()):
            files = [entry] if entry.is_file() else list(entry.rglob("*.so"))
            if any(_foreign(f, machine) for f in files if f.suffix == ".so" or ".so" in f.name):
                self.substituted.append(entry.name)
                native = next(iter(site.glob(f"{entry.name.split('.')[0]}*.so")), None) if entry.is_file() else None
                host = native or site / entry.name
                if host.exists():
                    os.symlink(host, Path(self._tmp) / host.name)
                continue
            os.symlink(entry, Path(self._tmp) / entry.name)
        self.path = self._tmp
        self.runtime = _linked(RUNTIME_PACKAGES, "bench-runtime-")

    @property
    def label(self) -> str:
        if not self.built:
            return f"source layer ({SOURCE_LAYER.relative_to(ROOT)}; run make build for the built one)"
        note = f"; host-arch wheels for {', '.join(self.substituted)}" if self.substituted else ""
        return f"built layer (.aws-sam/build/CoreLayer/python{note}), python -S, runtime stand-in: boto3 & deps"

    def pythonpath(self) -> str:
        if not self.built:
            return os.pathsep.join([self.path, site_packages()])
        return os.pathsep.join([self.path, self.runtime])

    def floor_pythonpath(self) -> str:
        """The floor's path: its code, its own argon2 and the runtime (the venv's, without a built layer)."""
        if not self.built:
            return os.pathsep.join([str(ROOT), site_packages()])
        if self._floor is None:
            self._floor = _linked(FLOOR_PACKAGES, "bench-floor-")
        return os.pathsep.join([str(ROOT), self._floor, self.runtime])

    def with_package(self, name: str, package: Path) -> str:
        """``pythonpath()`` with the layer's package ``name`` taken from ``package`` (another revision's)."""
        overlay = tempfile.mkdtemp(prefix="bench-overlay-")
        self._overlays.append(overlay)
        for entry in Path(self.path).iterdir():
            if entry.name != name:
                os.symlink(entry.resolve() if entry.is_symlink() else entry, Path(overlay) / entry.name)
        os.symlink(package.resolve(), Path(overlay) / name)
        rest = self.runtime if self.built else site_packages()
        return os.pathsep.join([overlay, rest])

    def python(self) -> list[str]:
        """The interpreter command: without site-packages when the built layer is measured."""
        return [sys.executable, "-S"] if self.built else [sys.executable]

    def __enter__(self) -> LayerPath:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        for path in (self._tmp, getattr(self, "runtime", None), self._floor, *self._overlays):
            if path:
                shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- moto server


class MotoServer:
    """A moto server in its own process (its CPU is not the parent's; mock_aws here cannot reset it)."""

    SCRIPT = (
        "import sys; from localapi.server import start_moto; s = start_moto(); "
        "print(s.endpoint, flush=True); sys.stdin.read(); s.stop()"
    )

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self.SCRIPT], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.endpoint = self.proc.stdout.readline().strip()
        if not self.endpoint.startswith("http"):
            raise RuntimeError("the moto server did not start")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def in_process_env() -> None:
    """The environment for the in-process benchmarks (moto's mock_aws; set before the layer is imported)."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "JWT_SECRET": SECRET,
            "JWT_SECRET_ARN": "",
            "DYNAMODB_ENDPOINT": "",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "Bench",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )


class ReadCounter:
    """Items DynamoDB read (``ScannedCount`` of every Query/Scan) through the layer's shared session.

    Registered on ``moviesapi.aws.session()`` before any client exists (clients copy the
    session's handlers when they are made); ``reset()`` before a request, ``scanned`` after.
    """

    def __init__(self) -> None:
        self.scanned = 0
        self.requests: list[str] = []
        import moto  # noqa: F401  (first: moto hooks botocore's built-in handlers, which new sessions copy)
        from moviesapi import aws

        aws.session().register("after-call.dynamodb", self._after)

    def _after(self, http_response: Any = None, parsed: Any = None, model: Any = None, **_: Any) -> None:
        if model is not None:
            self.requests.append(model.name)
        if isinstance(parsed, dict) and model is not None and model.name in ("Query", "Scan"):
            self.scanned += int(parsed.get("ScannedCount", 0))

    def reset(self) -> None:
        self.scanned = 0
        self.requests = []
