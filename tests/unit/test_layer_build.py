"""tools/layer_build.py on synthetic layer trees (offline: no pip), seen as the built layer's user sees it.

What pip would have installed is written by hand: distributions with their dist-info
(``RECORD`` listing their files, as pip writes it), stubs, tests, stale bytecode and the
vendored Swagger UI. After the build: what the runtime ships is gone, every module has
bytecode the runtime reads without looking at the source, kept distributions still
answer ``importlib.metadata``, and ``moviesapi.swagger`` serves the same bytes from the
gzipped layer as from the source tree.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
import marshal
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools/layer_build.py"
TAG = sys.implementation.cache_tag  # the venv's python3.13 stands in for the runtime's
SOURCES = ["def __create_fn__(x):\n def __init__(self, y: x):\n  self.y = y\n return (__init__,)"]
BUNDLE = b"/*! swagger-ui */ " + b"window.SwaggerUIBundle = function () { return 42; };\n" * 400


def dist(root: Path, name: str, version: str, files: dict[str, str], *, extra: dict[str, str] | None = None) -> None:
    """Install ``files`` under ``root`` as pip does: the files, then a dist-info whose RECORD lists them."""
    for path, text in files.items():
        if path.startswith(".."):  # a console script pip put outside the target, listed relative to it
            continue
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    meta = {
        "METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nA long description.\n",
        "INSTALLER": "pip\n",
        "WHEEL": "Wheel-Version: 1.0\n",
        "REQUESTED": "",
        "top_level.txt": "\n".join({p.split("/")[0].removesuffix(".py") for p in files}) + "\n",
        "direct_url.json": "{}",
        **(extra or {}),
    }
    for path, text in meta.items():
        (info / path).parent.mkdir(parents=True, exist_ok=True)
        (info / path).write_text(text)
    listed = [*files, *(f"{info.name}/{p}" for p in meta), f"{info.name}/RECORD"]
    (info / "RECORD").write_text("".join(f"{p},sha256=x,1\n" for p in listed))


def synthetic_layer(root: Path) -> None:
    """The layer as pip plus ``cp -R moviesapi`` leave it, in miniature."""
    root.mkdir()
    # Shipped by the Lambda runtime: every one must go, including a file in a namespace shared with a kept one.
    dist(root, "boto3", "1.43.108", {"boto3/__init__.py": "", "boto3/data/x.json": "{}"})
    dist(root, "botocore", "1.43.127", {"botocore/__init__.py": "", "sharedns/botocore_part.py": ""})
    dist(root, "six", "1.17.0", {"six.py": "", "__pycache__/six.cpython-313.pyc": "stale"})
    dist(root, "python-dateutil", "2.9.0.post0", {"dateutil/__init__.py": "", "dateutil/tz/tz.py": ""})
    dist(root, "jmespath", "1.1.0", {"jmespath/__init__.py": "", "../../bin/jp.py": ""})
    dist(root, "urllib3", "2.8.0", {"urllib3/__init__.py": ""})
    dist(root, "s3transfer", "0.19.3", {"s3transfer/__init__.py": ""})
    (root / "bin").mkdir()
    (root / "bin/jp.py").write_text("#!python\n")
    # Kept: argon2-cffi reads its own METADATA (argon2.__version__); licences stay with every distribution.
    dist(
        root,
        "argon2-cffi",
        "25.1.0",
        {"argon2/__init__.py": "", "argon2/py.typed": "", "argon2/_typing.pyi": "x: int\n"},
        extra={"licenses/LICENSE": "MIT\n", "entry_points.txt": "[console_scripts]\n"},
    )
    dist(
        root,
        "wrapt",
        "2.5.2",
        {
            "wrapt/__init__.py": "from .wrappers import VALUE\n",
            "wrapt/wrappers.py": "VALUE = 'compiled'\n",
            "wrapt/tests/__init__.py": "",
            "wrapt/tests/test_wrappers.py": "print 'python 2'\n",  # not even Python 3: would fail compileall
            "wrapt-stubs/__init__.pyi": "def f() -> None: ...\n",
            "sharedns/wrapt_part.py": "PART = 1\n",
        },
        extra={"LICENSE": "BSD\n"},
    )
    dist(root, "pycparser", "3.12", {"pycparser/__init__.py": ""})
    dist(root, "cffi", "2.1.1", {"cffi/__init__.py": "", "_cffi_backend.cpython-313-aarch64-linux-gnu.so": "ELF"})
    (root / "typing_extensions.py").write_text("OK = True\n")
    (root / "wrapt/__pycache__").mkdir()
    (root / "wrapt/__pycache__/wrappers.cpython-313.pyc").write_bytes(b"stale timestamp pyc")
    swagger = root / "moviesapi/static/swagger"
    swagger.mkdir(parents=True)
    (root / "moviesapi/__init__.py").write_text("")
    (root / "moviesapi/dataclass_sources.json").write_text(json.dumps({"python": "3.13.0", "sources": SOURCES}))
    (swagger / "swagger-ui-bundle.js").write_bytes(BUNDLE)
    (swagger / "LICENSE").write_text("Apache-2.0\n")


def run_tool(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(TOOL), str(root), "--python", sys.executable, "--cache-tag", TAG, *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layer") / "python"
    synthetic_layer(root)
    done = run_tool(
        root, "--without", "pycparser", "--drop", "cffi", "--gzip", "moviesapi/static/swagger/swagger-ui-bundle.js"
    )
    assert done.returncode == 0, done.stderr
    return root


def listing(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def pyc_flags(pyc: Path) -> int:
    """PEP 552: bytes 4-8 of a .pyc; 0b01 = hash-based, source not checked."""
    return int.from_bytes(pyc.read_bytes()[4:8], "little")


def test_the_layer_holds_only_what_the_runtime_lacks(built: Path) -> None:
    sources = {p for p in listing(built) if "__pycache__" not in p}
    assert sources == {
        "_cffi_backend.cpython-313-aarch64-linux-gnu.so",  # all argon2 needs of cffi at run time
        "argon2/__init__.py",
        "argon2_cffi-25.1.0.dist-info/METADATA",
        "argon2_cffi-25.1.0.dist-info/licenses/LICENSE",
        "cffi-2.1.1.dist-info/METADATA",
        "moviesapi/__init__.py",
        "moviesapi/dataclass_code.marshal",  # the recorded sources compiled; the JSON went
        "moviesapi/static/swagger/LICENSE",
        "moviesapi/static/swagger/swagger-ui-bundle.js.gz",
        "sharedns/wrapt_part.py",  # botocore's file in the same namespace went, wrapt's stayed
        "typing_extensions.py",
        "wrapt-2.5.2.dist-info/LICENSE",
        "wrapt-2.5.2.dist-info/METADATA",
        "wrapt/__init__.py",
        "wrapt/wrappers.py",
    }


def test_dataclass_sources_are_compiled_by_the_runtimes_python(built: Path) -> None:
    data = (built / "moviesapi/dataclass_code.marshal").read_bytes()
    assert data[:4] == importlib.util.MAGIC_NUMBER  # read first, as for a .pyc
    code = marshal.loads(data[4:])
    assert code == {source: compile(source, "<string>", "exec", dont_inherit=True) for source in SOURCES}
    namespace: dict[str, object] = {}
    exec(code[SOURCES[0]], {}, namespace)  # what dataclasses does with it
    (init,) = namespace["__create_fn__"](int)  # type: ignore[operator]
    assert init.__annotations__ == {"y": int}  # compiled without this file's __future__ annotations


def test_kept_distributions_still_answer_importlib_metadata(built: Path) -> None:
    found = {d.metadata["Name"]: d.version for d in importlib.metadata.distributions(path=[str(built)])}
    assert found == {"argon2-cffi": "25.1.0", "wrapt": "2.5.2", "cffi": "2.1.1"}
    argon2 = next(importlib.metadata.distributions(path=[str(built)], name="argon2-cffi"))
    assert argon2.files is None  # no RECORD: nothing to uninstall from a layer
    assert not argon2.entry_points  # console scripts are no use in a layer


def test_every_module_has_unchecked_hash_bytecode_for_the_runtime(built: Path) -> None:
    sources = sorted(built.rglob("*.py"))
    assert len(sources) == 6
    for source in sources:
        caches = sorted((source.parent / "__pycache__").glob(f"{source.stem}.*"))
        assert [c.name for c in caches] == [f"{source.stem}.{TAG}.pyc"], source
        assert caches[0].read_bytes()[:4] == importlib.util.MAGIC_NUMBER
        assert pyc_flags(caches[0]) == 0b01, source


def test_the_runtime_imports_the_bytecode_without_reading_the_source(built: Path, tmp_path: Path) -> None:
    """With unchecked-hash .pyc, an edited source is not even looked at: the import runs the bytecode."""
    layer = tmp_path / "python"
    shutil.copytree(built, layer)
    (layer / "wrapt/wrappers.py").write_text("VALUE = 'source'\n")
    code = f"import sys; sys.path.insert(0, {str(layer)!r}); import wrapt; print(wrapt.VALUE, wrapt.__file__)"
    run = subprocess.run([sys.executable, "-I", "-B", "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["compiled", str(layer / "wrapt/__init__.py")]


def test_gzip_is_the_same_bytes_and_reproducible(built: Path, tmp_path: Path) -> None:
    packed = built / "moviesapi/static/swagger/swagger-ui-bundle.js.gz"
    assert gzip.decompress(packed.read_bytes()) == BUNDLE
    assert len(packed.read_bytes()) < len(BUNDLE) / 10
    again = tmp_path / "python"
    synthetic_layer(again)
    assert run_tool(again, "--gzip", "moviesapi/static/swagger/*.js").returncode == 0
    assert (again / "moviesapi/static/swagger/swagger-ui-bundle.js.gz").read_bytes() == packed.read_bytes()


def test_a_bytecode_tag_the_runtime_would_ignore_fails_the_build(tmp_path: Path) -> None:
    root = tmp_path / "python"
    synthetic_layer(root)
    done = run_tool(root, "--cache-tag", "cpython-399")
    assert done.returncode != 0 and "cpython-399" in done.stderr
    assert not list(root.rglob("*.pyc"))


def test_a_gzip_pattern_matching_nothing_fails_the_build(tmp_path: Path) -> None:
    root = tmp_path / "python"
    synthetic_layer(root)
    done = run_tool(root, "--gzip", "moviesapi/static/swagger/nothing.js")
    assert done.returncode != 0 and "nothing.js" in done.stderr


def test_the_real_package_built_as_the_makefile_says_serves_the_same_swagger_ui(tmp_path: Path) -> None:
    """moviesapi copied into a layer, its assets gzipped by the Makefile's own --gzip list: same bytes, same ETags."""
    makefile = (ROOT / "layers/core/Makefile").read_text()
    patterns = re.findall(r"--gzip\s+'?([^\s']+)", makefile)
    assert patterns, "layers/core/Makefile gzips nothing"
    layer = tmp_path / "python"
    layer.mkdir()
    shutil.copytree(ROOT / "layers/core/python/moviesapi", layer / "moviesapi")
    gz = [a for p in patterns for a in ("--gzip", p)]
    assert (done := run_tool(layer, *gz)).returncode == 0, done.stderr
    static = layer / "moviesapi/static/swagger"
    assert not (static / "swagger-ui-bundle.js").exists() and (static / "swagger-ui-bundle.js.gz").is_file()
    code = (
        "import json, moviesapi, moviesapi.swagger as s; "
        "print(json.dumps([moviesapi.__file__] + [[s._read(n).hex(), s._digest(n)] for n in s.ASSETS]))"
    )
    env = {**os.environ, "PYTHONPATH": str(layer)}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, check=True
    )
    origin, *assets = json.loads(run.stdout)
    assert origin.startswith(str(layer))
    from moviesapi import swagger  # the source tree (pytest's pythonpath): no .gz there

    for (body, digest), name in zip(assets, swagger.ASSETS, strict=True):
        assert bytes.fromhex(body) == swagger._read(name), name
        assert digest == swagger._digest(name), name
