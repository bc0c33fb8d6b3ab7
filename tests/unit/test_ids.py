"""Ids are UUIDv7: opaque, URL-safe, and their text order is their creation order."""

from __future__ import annotations

import re
import uuid

from moviesapi.ids import id_time_ms, new_id, uuid7


def test_ids_are_uuid7_url_safe_without_dots():
    value = new_id()
    parsed = uuid.UUID(value)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert re.fullmatch(r"[0-9a-f-]{36}", value) and "." not in value


def test_text_order_is_creation_order_even_within_one_millisecond():
    ids = [new_id() for _ in range(5000)]  # many share a millisecond: the counter keeps them ordered
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_the_leading_bits_are_the_time():
    early, late = str(uuid7(ms=1_700_000_000_000)), str(uuid7(ms=1_800_000_000_000))
    assert early < late
    assert id_time_ms(late) == 1_800_000_000_000
