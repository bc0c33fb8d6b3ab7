"""Compare our answers with the DRF seed project's, and name the differences we keep.

An answer is compared on its status, the headers clients read (``Content-Type``,
``Allow``, ``WWW-Authenticate``, ``Location``, ``Vary``) and its body, after
normalisation (ids, tokens, host/stage, HTML page chrome: see
``tools/conformance/drf/scenario.py``). A deliberate difference (``Allowed``) removes
exactly the difference it names, and only where it applies: either a rule that
recognises it, or the requests it is listed for, each of which must then show it
(see ``test_drf_conformance.judge``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Answer = dict[str, Any]
Step = dict[str, Any]


def differences(theirs: Answer, ours: Answer, label: str = "DRF", limit: int | None = 400) -> list[str]:
    """Every way ``ours`` differs from the oracle's ``theirs`` (both normalised), one line each
    (bodies cut at ``limit``); ``label`` names the oracle in the lines."""
    out = []
    if theirs["status"] != ours["status"]:
        out.append(f"status: {label} {theirs['status']}, ours {ours['status']}")
    for name in sorted(set(theirs["headers"]) | set(ours["headers"])):
        a, b = theirs["headers"].get(name), ours["headers"].get(name)
        if a != b:
            out.append(f"header {name}: {label} {a!r}, ours {b!r}")
    if (theirs["body_kind"], theirs["body"]) != (ours["body_kind"], ours["body"]):
        out.append(
            f"body: {label} {theirs['body_kind']} {_short(theirs['body'], limit)}, "
            f"ours {ours['body_kind']} {_short(ours['body'], limit)}"
        )
    return out


def _short(value: Any, limit: int | None) -> str:
    text = repr(value)
    return text if limit is None or len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Allowed:
    """A deliberate difference: ``forgive(step, drf, ours)`` returns the pair with it removed.

    ``applies`` recognises where it shows (a rule), or ``cases`` lists the requests by name;
    ``ours_shows`` checks that our answer is the deliberate one, not just any answer.
    """

    name: str
    reason: str
    forgive: Callable[[Step, Answer, Answer], tuple[Answer, Answer]]
    applies: Callable[[Step, Answer, Answer], bool] | None = None
    cases: Sequence[str] = field(default_factory=tuple)
    ours_shows: Callable[[Answer], bool] | None = None

    def matches(self, step: Step, drf: Answer, ours: Answer) -> bool:
        if self.applies is not None:
            return self.applies(step, drf, ours)
        return step["name"] in self.cases


def take_ours(step: Step, drf: Answer, ours: Answer) -> tuple[Answer, Answer]:
    """The whole answer differs on purpose (``ours_shows`` says what ours must be)."""
    return copy.deepcopy(ours), ours


def without_headers(*names: str) -> Callable[[Step, Answer, Answer], tuple[Answer, Answer]]:
    def forgive(step: Step, drf: Answer, ours: Answer) -> tuple[Answer, Answer]:
        ours = copy.deepcopy(ours)
        for name in names:
            ours["headers"].pop(name, None)
        return drf, ours

    return forgive
