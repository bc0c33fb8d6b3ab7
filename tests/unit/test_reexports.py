"""A package whose ``__init__`` only re-exports is imported name by name (``moviesapi.reexports``).

Each check runs in a fresh interpreter on a package written for it, so what was
imported is exactly what the deferral let through.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PACKAGE = {
    "__init__.py": '"""Re-exports only."""\nfrom .light import LIGHT\nfrom pkg.heavy import HEAVY as Heavy\n'
    'from . import sub\n__all__ = ["LIGHT", "Heavy"]\n',
    "light.py": "LIGHT = 'light'\n",
    "heavy.py": "HEAVY = 'heavy'\n",
    "sub.py": "SUB = 'sub'\n",
    "other.py": "from pkg import LIGHT\nOTHER = LIGHT + '!'\n",
}
CHECK = """
import json, sys
from moviesapi.reexports import defer
defer("pkg")
loaded = lambda: sorted(m for m in sys.modules if m.startswith("pkg."))
steps = {"deferred": loaded()}
from pkg import LIGHT
steps["light"] = [LIGHT, loaded()]
import pkg.other
steps["other"] = [pkg.other.OTHER, loaded()]
from pkg import sub, Heavy
steps["rest"] = [sub.SUB, Heavy, loaded()]
ns = {}
exec("from pkg import *", ns)
steps["star"] = sorted(k for k in ns if not k.startswith("__"))
try:
    pkg.nothing
except AttributeError as exc:
    steps["missing"] = str(exc)
print(json.dumps(steps))
"""


def _run(tmp_path: Path, files: dict[str, str], script: str) -> dict[str, object]:
    package = tmp_path / "pkg"
    package.mkdir()
    for name, text in files.items():
        (package / name).write_text(text)
    out = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": f"{tmp_path}:{ROOT / 'layers' / 'core' / 'python'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_each_name_imports_only_its_own_module(tmp_path):
    steps = _run(tmp_path, PACKAGE, CHECK)
    assert steps["deferred"] == []
    assert steps["light"] == ["light", ["pkg.light"]]
    assert steps["other"] == ["light!", ["pkg.light", "pkg.other"]]
    assert steps["rest"] == ["sub", "heavy", ["pkg.heavy", "pkg.light", "pkg.other", "pkg.sub"]]
    assert steps["star"] == ["Heavy", "LIGHT"]
    assert steps["missing"] == "module 'pkg' has no attribute 'nothing'"


def test_an_init_that_does_more_than_import_runs_as_usual(tmp_path):
    files = {**PACKAGE, "__init__.py": PACKAGE["__init__.py"] + "READY = print('side effect') or True\n"}
    steps = _run(tmp_path, files, CHECK)
    assert steps["light"] == ["light", ["pkg.heavy", "pkg.light", "pkg.sub"]]  # the whole __init__ ran
