"""The built layer's size: unzipped (the 250 MB-limit figure, goal ≤ 12 MB), zipped, its biggest directories."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import BUILT_LAYER

GOAL_MB = 12.0


@dataclass
class LayerSize:
    unzipped: int
    zipped: int
    top: list[tuple[str, int]]
    boto_absent: bool
    files: int

    @property
    def mb(self) -> float:
        return self.unzipped / 1e6


def measure(root: Path = BUILT_LAYER.parent) -> LayerSize | None:
    """None when ``make build`` has not run; otherwise sizes of ``.aws-sam/build/CoreLayer``."""
    if not root.is_dir():
        return None
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    total = sum(p.stat().st_size for p in files)
    per_dir: dict[str, int] = {}
    for p in files:
        parts = p.relative_to(root).parts
        key = "/".join(parts[:2]) if len(parts) > 2 else "/".join(parts)
        per_dir[key] = per_dir.get(key, 0) + p.stat().st_size
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for p in files:
            archive.write(p, p.relative_to(root).as_posix())
    top = sorted(per_dir.items(), key=lambda kv: -kv[1])[:5]
    python = root / "python"
    absent = not (python / "boto3").exists() and not (python / "botocore").exists()
    return LayerSize(total, len(buffer.getvalue()), top, absent, len(files))


def report(size: LayerSize | None) -> str:
    if size is None:
        return "built layer: run make build first"
    lines = [
        f"built layer (.aws-sam/build/CoreLayer): {size.files} files, unzipped {size.mb:.1f} MB "
        f"({size.unzipped / 2**20:.1f} MiB), zipped (deflate) {size.zipped / 1e6:.1f} MB "
        f"({size.zipped / 2**20:.1f} MiB); goal ≤ {GOAL_MB:.0f} MB unzipped: {'yes' if size.mb <= GOAL_MB else 'NO'}",
        f"boto3/botocore absent (the runtime provides them): {'yes' if size.boto_absent else 'NO'}",
        "",
        "| top directory | MB |",
        "|---|---|",
    ]
    lines += [f"| {name} | {n / 1e6:.1f} |" for name, n in size.top]
    return "\n".join(lines)
