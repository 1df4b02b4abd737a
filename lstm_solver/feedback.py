"""Feedback a student can act on, in plain words and the problem's notation.

The first wrong number and what explains it; a slip made at several steps is
named once, as a pattern ("..., at every step"); then what was imprecise or
not answered. The same sentences go to the terminal, JSON and the CSV.
"""

from __future__ import annotations

from dataclasses import dataclass

from .answers import Slot, label
from .check import Item, Report

LIST_AT_MOST = 4  # numbers named in one sentence before "and N more"


@dataclass(frozen=True)
class Pattern:
    """A diagnosis and the steps it explains."""

    diagnosis: str
    steps: tuple[int, ...]
    every: bool  # at every step the quantity is computed

    def where(self) -> str:
        if self.every and len(self.steps) > 1:
            return "at every step"
        return "at t = " + _and([str(t) for t in self.steps])

    def sentence(self) -> str:
        return f"{self.diagnosis}, {self.where()}" if len(self.steps) > 1 else self.diagnosis


def patterns(report: Report) -> list[Pattern]:
    """Each diagnosis once, with the steps where it explains a wrong number, in the order
    they first appear."""
    steps: dict[str, list[int]] = {}
    for item in report.items:
        if item.verdict == "wrong" and item.diagnosis:
            at = steps.setdefault(item.diagnosis, [])
            if item.t not in at:
                at.append(item.t)
    n = report.problem.steps
    return [Pattern(says, tuple(sorted(ts)), len(ts) == n) for says, ts in steps.items()]


def name(report: Report, item: Item, index: bool = True) -> str:
    slot = Slot(item.layer, item.direction, item.t - report.problem.start, item.quantity)
    said = label(report.problem, slot, item.index if index else None)
    return f"{said} (row {item.row})" if report.problem.batch else said  # a batch's row


def _show(x: float, decimals: int) -> str:
    from .numbers import Rounding

    return Rounding(decimals).show(x)


def expected(report: Report, x: float, quantity: str = "") -> str:
    """A true value shown at the question's precision (a quantity the question rounds
    itself, round: {h: 0}, at its own: 1, not 1.0000)."""
    own = dict(getattr(report.problem.rounding, "only", ()) or ())
    return _show(x, min(own.get(quantity, report.decimals), report.decimals))


def _and(words: list[str]) -> str:
    if len(words) > LIST_AT_MOST + 1:
        words = words[:LIST_AT_MOST] + [f"{len(words) - LIST_AT_MOST} more"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _grouped(report: Report, items: list[Item]) -> list[str]:
    """``g₂`` for a whole vector, ``h₃[2]`` for single entries, ``gₜ (every step)`` for a
    whole vector at every step."""
    by_slot: dict[tuple, list[Item]] = {}
    for item in items:
        by_slot.setdefault((item.layer, item.direction, item.t, item.quantity), []).append(item)
    sizes: dict[tuple, int] = {}
    for item in report.asked:
        key = (item.layer, item.direction, item.t, item.quantity)
        sizes[key] = sizes.get(key, 0) + 1
    whole = {key for key, group in by_slot.items() if len(group) == sizes.get(key)}
    every = set()
    if report.problem.steps > 1:
        steps_of: dict[tuple, set[int]] = {}
        for layer, direction, t, q in sizes:
            steps_of.setdefault((layer, direction, q), set()).add(t)
        for unit, ts in steps_of.items():
            if all((*unit[:2], t, unit[2]) in whole for t in ts) and len(ts) > 1:
                every.add(unit)
    out, always = [], []
    for key, group in by_slot.items():
        unit = (key[0], key[1], key[3])
        if unit in every:
            name_ = label(report.problem, short=key[3], t=None, layer=key[0], direction=key[1])
            if name_ not in always:
                always.append(name_)
        elif key in whole:
            out.append(name(report, group[0], index=False))
        else:
            out += [name(report, i) for i in group]
    if always:
        out.insert(0, _and(always) + " at every step")
    return out


def sentences(report: Report) -> list[str]:
    """The feedback, sentence by sentence."""
    out = []
    asked = report.asked
    follows = report.count("follows")
    first = report.first_wrong
    if first is None and all(i.verdict in ("correct", "follows") for i in asked):
        out.append("Every number is right" + (
            f" ({follows} follow{'s' * (follows == 1)} from your own earlier numbers)"
            if follows else "") + ".")
        return out
    found = {p.diagnosis: p for p in patterns(report)}
    if first is not None:
        line = (f"First wrong: {name(report, first)} = {first.written}, expected "
                f"{expected(report, first.expected, first.quantity)}.")
        if first.diagnosis:
            line += f" Likely slip: {found[first.diagnosis].sentence()}."
        out.append(line)
    others = [p for says, p in found.items() if first is None or says != first.diagnosis]
    if others:
        head = "Other slips" if first is not None and first.diagnosis else "Likely slips"
        out.append(f"{head}: " + "; ".join(p.sentence() for p in others) + ".")
    wrong = [i for i in asked if i.verdict == "wrong" and i is not first]
    unexplained = [i for i in wrong if not i.diagnosis]
    if first is not None and unexplained:
        out.append(f"Also wrong: {_and(_grouped(report, unexplained))}.")
    if follows:
        out.append(f"{follows} number{'s' * (follows > 1)} follow{'s' * (follows == 1)} from "
                   "your own earlier numbers (error carried forward).")
    imprecise = [i for i in asked if i.verdict == "imprecise"]
    if imprecise:
        out.append(f"Give {report.decimals} decimals: {_and(_grouped(report, imprecise))} "
                   f"{'is' if len(imprecise) == 1 else 'are'} right only to the digits "
                   "written.")
    missing = [i for i in asked if i.verdict == "missing"]
    if missing:
        out.append(f"Not answered: {_and(_grouped(report, missing))}.")
    return out


def feedback(report: Report) -> str:
    return " ".join(sentences(report))
