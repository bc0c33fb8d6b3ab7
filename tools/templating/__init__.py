"""The template generator's parts; ``tools/template.py`` is the entry point and re-exports them.

Importing the package puts the core layer (``layers/core/python``) on ``sys.path``:
every part reads the registry (``moviesapi``) from there, as the functions do.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "core" / "python"
if str(LAYER) not in sys.path:
    sys.path.insert(0, str(LAYER))
