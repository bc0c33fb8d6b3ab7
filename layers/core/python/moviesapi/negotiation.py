"""Content negotiation: the format suffix, else ``?format=``, filters; the Accept header chooses.

A format that no renderer offers is a 404 (as DRF treats an unknown suffix);
an Accept header no renderer satisfies is a 406.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import NotAcceptable, NotFound
from .rendering import Renderer

MAX_ACCEPT_RANGES = 32


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...]

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + (1 if self.params else 0)

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def parse_accept(header: str) -> list[MediaRange]:
    """Parse an Accept header leniently: malformed ranges are skipped, q clamped to 0..1."""
    ranges: list[MediaRange] = []
    for raw in header.split(",")[:MAX_ACCEPT_RANGES]:
        parts = [p.strip() for p in raw.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        main, _, sub = media.partition("/")
        if not main or not sub or (main == "*" and sub != "*"):
            continue
        q = 1.0
        params = []
        for p in parts[1:]:
            name, _, value = p.partition("=")
            name = name.strip().lower()
            if name == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
            elif name:
                params.append((name, value.strip().strip('"')))
        ranges.append(MediaRange(main, sub, q, tuple(params)))
    return ranges


def select_renderer(renderers: Sequence[Renderer], *, accept: str = "", format: str | None = None) -> Renderer:
    """Pick the renderer for a response; ``renderers`` is in the server's order of preference.

    As DRF's DefaultContentNegotiation: a format (suffix or ``?format=``) filters the
    renderers (none left: 404), then Accept is negotiated among those left (none: 406).
    """
    if format:
        renderers = [r for r in renderers if r.format == format]
        if not renderers:
            raise NotFound()
    if not accept.strip():
        return renderers[0]
    best: tuple[float, int, int] | None = None
    chosen: Renderer | None = None
    ranges = parse_accept(accept)
    for ranges_index, renderer in enumerate(renderers):
        # The most specific range that matches this renderer decides its q (RFC 9110 §12.5.1).
        matching = [r for r in ranges if r.matches(renderer.media_type)]
        if not matching:
            continue
        top = max(matching, key=lambda r: r.specificity)
        if top.q <= 0:
            continue
        score = (top.q, top.specificity, -ranges_index)
        if best is None or score > best:
            best, chosen = score, renderer
    if chosen is None:
        raise NotAcceptable()
    return chosen
