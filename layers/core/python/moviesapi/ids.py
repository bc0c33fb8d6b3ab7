"""Time-ordered ids: UUIDv7 (RFC 9562), so sorting ids sorts by creation, as an autoincrement key does.

The 48-bit millisecond timestamp leads, then a 12-bit counter that keeps ids
made in the same millisecond in this container increasing, then 62 random
bits. The text form is the canonical lower-case UUID: opaque, URL-safe, no
dots (so a format suffix can follow it) and lexicographically time-ordered.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last = (0, 0)  # (millisecond, counter)


def _next(ms: int) -> tuple[int, int]:
    global _last
    with _lock:
        last_ms, last_counter = _last
        if ms <= last_ms:
            ms, counter = last_ms, last_counter + 1
            if counter > 0xFFF:  # 4096 ids in one millisecond: borrow the next one
                ms, counter = ms + 1, secrets.randbits(11)
        else:
            counter = secrets.randbits(11)  # random start, leaving room to count up
        _last = (ms, counter)
        return ms, counter


def uuid7(ms: int | None = None) -> uuid.UUID:
    ms, counter = _next(time.time_ns() // 1_000_000 if ms is None else ms)
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | secrets.randbits(62)
    return uuid.UUID(int=value)


def new_id() -> str:
    """A new opaque id whose text order is its creation order."""
    return str(uuid7())


def id_time_ms(value: str) -> int:
    """The creation time (ms since the epoch) a UUIDv7 id carries."""
    return uuid.UUID(value).int >> 80
