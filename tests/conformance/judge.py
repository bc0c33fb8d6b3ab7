"""Judging one replayed request against the oracle's recorded answer, the same way in both suites.

The DRF and Flask-Restless suites judge with it, the oracle's name a parameter: the
deliberate differences (``compare.Allowed``: a rule, or the requests listed by name, each
of which must then show it), the systemic not-yet differences (a rule each), then the
not-yet groups (listed requests, the aspects they may change); whatever is left fails.
"""

from __future__ import annotations

import copy
import fnmatch
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conformance.compare import Allowed, Answer, Step, differences


@dataclass(frozen=True)
class Systemic:
    """A not-yet difference recognised by a rule wherever it shows (one strict-xfail test per group).

    ``forgive`` returns the pair with the difference removed, or None where it does not apply.
    """

    name: str
    reason: str
    forgive: Callable[[Step, Answer, Answer], tuple[Answer, Answer] | None]


@dataclass(frozen=True)
class Group:
    """A not-yet difference in the listed requests; ``aspects`` are what it may change
    (``status``, ``body``, or a header's name)."""

    name: str
    reason: str
    cases: tuple[str, ...]
    aspects: tuple[str, ...] = ("status", "body")


@dataclass
class Outcome:
    name: str
    raw: list[str]
    allowed: list[str]
    systemic: list[str]
    groups: list[str]
    left: list[str]
    problems: list[str]


def forgive_aspects(group: Group, theirs: Answer, ours: Answer) -> Answer:
    ours = copy.deepcopy(ours)
    # A different body (another page, an error instead of results) brings its own pagination Link.
    for aspect in (*group.aspects, *(("Link",) if "body" in group.aspects else ())):
        if aspect == "status":
            ours["status"] = theirs["status"]
        elif aspect == "body":
            ours["body_kind"], ours["body"] = theirs["body_kind"], copy.deepcopy(theirs["body"])
        elif aspect in theirs["headers"]:
            ours["headers"][aspect] = theirs["headers"][aspect]
        else:
            ours["headers"].pop(aspect, None)
    return ours


def groups_by_case(groups: Iterable[Group]) -> dict[str, list[Group]]:
    out: dict[str, list[Group]] = {}
    for group in groups:
        for name in group.cases:
            out.setdefault(name, []).append(group)
    return out


def judge(
    step: Step,
    theirs: Answer,
    ours: Answer,
    *,
    label: str,
    allowed: Sequence[Allowed],
    systemic: Sequence[Systemic],
    groups: Mapping[str, list[Group]],
) -> Outcome:
    def diff(a: Answer, b: Answer) -> list[str]:
        return differences(a, b, label, limit=None)

    raw = differences(theirs, ours, label)
    shown_allowed, shown_systemic, shown_groups, problems = [], [], [], []
    for entry in allowed:
        if not entry.matches(step, theirs, ours):
            continue
        new_theirs, new_ours = entry.forgive(step, theirs, ours)
        shows = entry.ours_shows is None or entry.ours_shows(ours)
        needed = diff(new_theirs, new_ours) != diff(theirs, ours)
        if needed and shows:
            shown_allowed.append(entry.name)
            theirs, ours = new_theirs, new_ours
        elif entry.applies is None:
            why = "it no longer differs that way" if not needed else "our answer is not the deliberate one"
            problems.append(f"ALLOWED entry {entry.name!r} lists this request, but {why}")
    for rule in systemic:
        forgiven = rule.forgive(step, theirs, ours)
        if forgiven is not None and diff(*forgiven) != diff(theirs, ours):
            shown_systemic.append(rule.name)
            theirs, ours = forgiven
    for group in groups.get(step["name"], []):
        new_ours = forgive_aspects(group, theirs, ours)
        if diff(theirs, new_ours) != diff(theirs, ours):
            shown_groups.append(group.name)
            ours = new_ours
        else:
            problems.append(f"NOT_YET_CONFORMANT group {group.name!r} lists this request, but it no longer differs")
    return Outcome(
        step["name"], raw, shown_allowed, shown_systemic, shown_groups, differences(theirs, ours, label), problems
    )


# ====================================================================== shared by both suites' test modules


class NotYetConformant(Exception):
    """A known, listed difference: the request's strict xfail."""


def matching(names: Iterable[str], *patterns: str) -> tuple[str, ...]:
    """Request names matching the patterns (fnmatch), in corpus order; each pattern must match."""
    names = list(names)
    out: list[str] = []
    for pattern in patterns:
        found = [name for name in names if fnmatch.fnmatchcase(name, pattern)]
        assert found, f"no corpus request matches {pattern!r}"
        out.extend(n for n in found if n not in out)
    return tuple(out)


def status(*codes: int) -> Callable[[Answer], bool]:
    """An ``ours_shows`` check: our answer has one of these statuses."""
    return lambda ours: ours["status"] in codes


def no_server_error(ours: Answer) -> bool:
    """Ours answered (any status below 500): a representation or negotiation choice, never a crash."""
    return ours["status"] < 500


def case_param(step: Step, groups: Mapping[str, list[Group]]) -> Any:
    """One corpus request as a test parameter; a listed not-yet difference is a strict xfail."""
    marks = [pytest.mark.xfail(strict=True, raises=NotYetConformant)] if step["name"] in groups else []
    return pytest.param(step["name"], id=step["name"], marks=marks)


def verdict(outcome: Outcome, oracle: str) -> None:
    """Fail on any difference not listed; raise NotYetConformant for a listed not-yet one."""
    messages = list(outcome.problems)
    if outcome.left:
        messages.append(f"differs from {oracle} (not ALLOWED, not NOT_YET_CONFORMANT):")
        messages.extend("  " + line for line in outcome.left)
    if messages:
        pytest.fail("\n".join(messages), pytrace=False)
    if outcome.groups:
        raise NotYetConformant("; ".join(outcome.groups))


def summary(
    outcomes: Mapping[str, Outcome],
    oracle: str,
    allowed: Sequence[Allowed],
    systemic: Sequence[Systemic],
    groups: Sequence[Group],
) -> str:
    """The suite's figures: identical, deliberate only, not yet; each entry with its count."""
    values = list(outcomes.values())
    identical = sum(1 for o in values if not o.raw)
    conformant = sum(1 for o in values if not o.left and not o.groups and not o.problems)
    only_allowed = sum(1 for o in values if o.raw and o.allowed and not o.systemic and not o.groups)
    but_allow = sum(1 for o in values if o.raw and all(d.startswith("header Allow:") for d in o.raw))
    shown_allowed = Counter(n for o in values for n in o.allowed)
    shown_systemic = Counter(n for o in values for n in o.systemic)
    shown_groups = Counter(n for o in values for n in o.groups)
    lines = [
        f"{oracle} conformance: {len(values)} requests, {identical} identical "
        f"({but_allow} more differ only in Allow), {only_allowed} more differ only deliberately, "
        f"{conformant} conformant once allowed and systemic differences are set aside, "
        f"{sum(1 for o in values if o.groups)} listed not yet conformant.",
        "ALLOWED (deliberate):",
        *(f"  {shown_allowed.get(a.name, 0):4d}  {a.name}" for a in allowed),
        "NOT_YET_CONFORMANT, systemic (by rule):",
        *(f"  {shown_systemic.get(s.name, 0):4d}  {s.name}" for s in systemic),
        "NOT_YET_CONFORMANT, by group (listed requests):",
        *(f"  {shown_groups.get(g.name, 0):4d}  {g.name}" for g in groups),
    ]
    return "\n".join(lines)
