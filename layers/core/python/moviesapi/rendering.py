"""Renderers: one class per representation (media type, format name, render).

The negotiation module picks one per request; every response, errors included,
goes through a renderer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json(data: Any, *, indent: int | None = None) -> str:
    if indent:
        return json.dumps(data, ensure_ascii=False, indent=indent, default=_default)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default)


class Renderer:
    media_type: ClassVar[str]
    format: ClassVar[str]
    charset: ClassVar[str | None] = "utf-8"

    def render(self, data: Any, context: dict[str, Any]) -> str | bytes:
        raise NotImplementedError

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset={self.charset}" if self.charset else self.media_type


class JSONRenderer(Renderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, context: dict[str, Any]) -> str:
        return "" if data is None else to_json(data)
