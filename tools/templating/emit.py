"""YAML emission: the ``Document`` as readable, stable text with CloudFormation short-form tags.

A hand-rolled emitter rather than PyYAML's dumper: it writes ``!Ref``/``!If`` tags,
keeps short parts on one line (flow style) within ``LINE_WIDTH``, comments each
group of resources, and quotes exactly the strings a loader could misread, so the
committed file diffs cleanly and reads back to ``Document.as_dict()``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tools.templating.cfn import Tag
from tools.templating.document import Document

LINE_WIDTH = 120

HEADER = """\
# GENERATED FILE: do not edit by hand.
# `make template` (python -m tools.template --write) writes it from the resource registry
# (layers/core/python/moviesapi: catalog.py, models.py, operations.py and the dialects' endpoints).
# Change those and run `make template`; tests/unit/test_template.py fails while this file is stale.
"""

_RESERVED_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _plain_ok(text: str, flow: bool) -> bool:
    """Whether ``text`` reads back as the same string unquoted, under YAML 1.1 and 1.2 alike.

    Anything a resolver could take for a number, date, boolean or null is quoted
    (the decision must not depend on which loader tweaks are installed: SAM CLI's
    turns dates into strings); the structure is checked with PyYAML's BaseLoader.
    """
    import yaml

    if not text or text != text.strip() or any(c in text for c in "\n'\"\\"):
        return False
    if text[0] in "0123456789-+.!&*%@`|>?:#[]{},<=" or text.lower() in _RESERVED_WORDS:
        return False
    if any(c in text for c in "{}" if not flow) or (flow and any(c in text for c in ",[]{}")):
        return False  # braces are legal inside block scalars, but quoted paths never surprise a reader
    try:
        loaded = yaml.load(f"[{text}]" if flow else f"k: {text}", Loader=yaml.BaseLoader)  # noqa: S506
    except yaml.YAMLError:
        return False
    return loaded == ([text] if flow else {"k": text})


def scalar(value: Any, flow: bool = False) -> str:
    """A bool, int or string as YAML: plain when it reads back the same, else JSON-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value if _plain_ok(value, flow) else json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot emit {value!r}")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, bool))


def flow(value: Any) -> str:
    """``value`` on one line: ``{A: 1, B: !Ref X}``, ``[a, b]``, ``!If [IsProd, true, false]``."""
    if isinstance(value, Tag):
        return f"!{value.name} {flow(value.value)}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{scalar(k, True)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value, True)


def _fits(prefix: str, value: Any) -> str | None:
    """``value`` in flow style when it is short enough on a line after ``prefix``; else None."""
    if _is_scalar(value):
        return scalar(value)
    if isinstance(value, (Mapping, list, tuple)) and not value:
        return flow(value)
    text = flow(value)
    return text if len(prefix) + len(text) <= LINE_WIDTH else None


def block(value: Any, indent: int) -> list[str]:
    """``value`` (a mapping or a list) in block style, flow style for parts that fit on their line."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            prefix = f"{pad}{scalar(key)}: "
            short = _fits(prefix, item)
            if short is not None:
                lines.append(prefix + short)
            elif isinstance(item, Tag):
                raise ValueError(f"{key}: intrinsic too long for one line")
            else:
                lines.append(f"{pad}{scalar(key)}:")
                lines.extend(block(item, indent + 2))
        return lines
    for item in value:
        prefix = f"{pad}- "
        short = None if isinstance(item, Mapping) and len(item) == 1 else _fits(prefix, item)
        if short is not None:
            lines.append(prefix + short)
        else:
            nested = block(item, indent + 2)
            lines.append(prefix + nested[0].lstrip())
            lines.extend(nested[1:])
    return lines


def render(document: Document) -> str:
    """The template text: the header, the sections, and Resources group by group with a comment each."""
    out = [HEADER.rstrip("\n")]
    for key, value in document.sections.items():
        if key == "Description":
            out += [f"{key}: >-", *_folded(value, "  ")]
        elif _is_scalar(value):
            out.append(f"{key}: {scalar(value)}")
        else:
            out += ["", f"{key}:", *block(value, 2)]
        if key == "Globals":
            out += ["", "Resources:"]
            for comment, group in document.groups:
                out.append(f"  # {'-' * 32} {comment}")
                for logical_id, resource in group.items():
                    out += [f"  {logical_id}:", *block(resource, 4), ""]
            out.pop()
    return "\n".join(out) + "\n"


def _folded(text: str, pad: str) -> list[str]:
    """A folded block scalar's lines (``>-``): words wrapped, read back joined by single spaces."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(pad) + len(line) + 1 + len(word) > 100:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(pad + line)
    return lines
