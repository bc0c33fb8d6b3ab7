"""What the browser tests share: Debian's chromium, its headless flags, the loud skip, helpers.

``BROWSER_MARKS`` marks a module's tests ``browser`` (one xdist group) and skips them,
with a warning no one can miss, where chromium is absent.
"""

from __future__ import annotations

import os
import struct
import warnings
import zlib
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))  # override: another build of it
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

BROWSER_MARKS = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

if not CHROMIUM.exists():
    message = (
        "\n" + "!" * 78 + f"\n!! BROWSER TESTS SKIPPED: {CHROMIUM} is missing."
        " Install it: apt-get install -y chromium\n" + "!" * 78
    )
    warnings.warn(message, stacklevel=1)
    BROWSER_MARKS.append(pytest.mark.skip(reason=message.strip()))


def png_stats(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct colours among sampled pixels) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = color_type = 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color_type = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color_type in (2, 6), (depth, color_type)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    bpp = 4 if color_type == 6 else 3
    raw, stride = zlib.decompress(idat), width * bpp
    previous, colours = bytearray(stride), set()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        if y % 7 == 0:
            colours.update(bytes(line[x : x + 3]) for x in range(0, stride, bpp * 5))
        previous = line
    return width, height, len(colours)
