"""Checking a student's answers: the marking contract of DESIGN.md §6.

Every asked number (``ask``, by default every quantity of the cell, and y, at every step)
gets a verdict, judged at the question's precision D (``decimals``, or
``--decimals``), one unit u = 10^-D:

- correct: within u of the value carried exactly, or of the value carried
  rounded to D decimals (as a hand calculation does), or within ``tolerance``;
- imprecise: written with fewer than D decimals, and equal to the true value
  rounded to the digits written ("0" for 0.2723);
- follows: wrong, but within u of the value recomputed from the student's own
  earlier numbers, one of which is not correct (error carried forward);
- wrong: none of these. The common slips (slips.py) are tried on the step the
  student worked from, and one is named only when it reproduces the student's
  number at the student's precision (the right method never does);
- missing: asked, not answered.

A score is marks earned over marks available; ``marks:`` in the problem gives
each quantity's marks per step (split evenly over its entries), 1 otherwise.
The true solution is solved once per problem; a number is worked again (one step
of one layer, from the student's own numbers) only when it is not correct.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np

from . import derivation as d
from .answers import Answers, Slot, Written, label, load_answers, parse_answers
from .numbers import Rounding, Value
from .problem import Problem
from .slips import Slip, slips

FORMAT = "lstm-solve-check/1"
VERDICTS = ("correct", "follows", "imprecise", "wrong", "missing")
RIGHT = ("correct", "follows")
WHOLE_UP_TO = 20  # steps: beyond, slips are tried only on steps the student worked from
CREDIT = {"correct": Fraction(1), "follows": Fraction(1), "imprecise": Fraction(0),
          "wrong": Fraction(0), "missing": Fraction(0)}

__all__ = ["FORMAT", "VERDICTS", "Checker", "Item", "Marking", "Report", "check",
           "load_answers", "parse_answers"]


@dataclass(frozen=True)
class Marking:
    """How numbers are judged and marked (the options of ``lstm-solve check``)."""

    decimals: int | None = None  # the question's precision; the problem's decimals if None
    tolerance: float | None = None  # an absolute tolerance instead of one unit
    partial: Mapping[str, Fraction] = field(default_factory=dict)  # verdict -> share earned

    def credit(self, verdict: str) -> Fraction:
        return Fraction(self.partial.get(verdict, CREDIT[verdict]))


@dataclass(frozen=True)
class Item:
    """One number: what the student wrote, what it should be, and the verdict."""

    t: int
    quantity: str
    index: int  # 0-based
    answer: float | None  # None: not answered
    expected: float
    verdict: str  # one of VERDICTS
    diagnosis: str | None = None
    layer: int = 1
    direction: str = "forward"  # "forward" | "backward" | "both" (bidirectional outputs)
    written: str | None = None  # the number as the student wrote it
    out_of: Fraction = Fraction(0)
    marks: Fraction = Fraction(0)
    asked: bool = True
    row: int = 1  # a batch's row (1-based)


@dataclass
class Report:
    """The verdicts on one student's answers to one problem."""

    answers: Answers
    derivation: d.Derivation  # the true solution
    decimals: int
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # answers that were not marked, and why

    @property
    def problem(self) -> Problem:
        return self.derivation.problem

    @property
    def asked(self) -> list[Item]:
        return [i for i in self.items if i.asked]

    @property
    def marks(self) -> Fraction:
        return sum((i.marks for i in self.asked), Fraction(0))

    @property
    def out_of(self) -> Fraction:
        return sum((i.out_of for i in self.asked), Fraction(0))

    @property
    def score(self) -> float:
        return float(self.marks / self.out_of) if self.out_of else 1.0

    @property
    def all_correct(self) -> bool:
        return all(i.verdict in RIGHT for i in self.asked)

    def count(self, verdict: str) -> int:
        return sum(i.verdict == verdict for i in self.asked)

    @property
    def first_wrong(self) -> Item | None:
        """The first wrong number in the order a person computes them."""
        return next((i for i in self.items if i.verdict == "wrong"), None)


def check(problem: Problem, answers: Answers, tolerance: float | None = None,
          decimals: int | None = None, partial: Mapping[str, Fraction] | None = None) -> Report:
    """The verdict on every asked number of ``answers`` (see the module's docstring)."""
    return Checker(problem, Marking(decimals, tolerance, partial or {})).check(answers)


# --- the judge ------------------------------------------------------------------------------


def within(answer: np.ndarray, reference: np.ndarray, tol: float) -> np.ndarray:
    """|answer − reference| ≤ tol, with room for the float error of values on the grid."""
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.abs(answer), np.abs(reference))
        slack = np.maximum(tol * 1e-6, 8 * np.finfo(float).eps * np.nan_to_num(scale))
        return np.abs(answer - reference) <= tol + slack


def rounds_to(written: Written, i: int, reference: float, round_half: str) -> bool:
    """Is the student's number ``reference`` rounded to the decimals the student wrote?"""
    digits = written.decimals(i)
    x = written.numbers[i]
    if digits is None or x is None or not math.isfinite(reference) or digits > 15:
        return False
    return Rounding(digits, round_half).decimal(reference) == Decimal(x)


# --- one problem, many students -------------------------------------------------------------


Index = dict[tuple[int, str, int], d.Step]  # (layer, direction, t) -> step


def _index(dv: d.Derivation) -> Index:
    return {(s.layer, s.direction, s.t): s for s in [*dv.steps, *dv.outputs]}


class Checker:
    """Checks answers to one problem: its solution is solved once, for every student."""

    def __init__(self, problem: Problem, marking: Marking | None = None):
        self.problem = problem
        self.marking = marking = marking or Marking()
        self.decimals = problem.rounding.decimals if marking.decimals is None else \
            marking.decimals
        self.unit = 10.0 ** -self.decimals
        self.tol = self.unit if marking.tolerance is None else marking.tolerance
        self.truth = _solve(problem)
        self.index = _index(self.truth)
        self._references: list[Index] | None = None
        self._whole: dict[str, Index | None] = {}  # slip -> the whole problem with it

    def check(self, answers: Answers) -> Report:
        if self.problem.batch:
            return self.batch(answers)
        return _Marker(self, answers).report()

    def batch(self, answers: Answers) -> Report:
        """A batch: every row marked against its own solution; the items carry their row."""
        if not hasattr(self, "_rows"):
            self._rows = [Checker(self.problem.row(k), self.marking)
                          for k in range(len(self.problem.batch))]
        report = Report(answers, self.truth, self.decimals)
        for k, checker in enumerate(self._rows):
            own = replace(answers, values={replace(s, row=0): w for s, w in
                                           answers.values.items() if s.row == k})
            part = _Marker(checker, own).report()
            report.items += [replace(i, row=k + 1) for i in part.items]
            report.notes += [f"batch row {k + 1}: {note}" for note in part.notes]
        return report

    def references(self) -> list[Index]:
        """The solutions a correct answer may be within one unit of: carried exactly, and
        carried rounded to the question's decimals (solved when first needed)."""
        if self._references is None:
            rounding = self.problem.rounding
            self._references = []
            # round: [h] — the question rounds these itself before carrying them: one way
            # to carry (carried exactly, h would be unrounded: 0.7616 for 1)
            for carry in ("exact", "rounded") if not rounding.only else ():
                r = replace(rounding, carry=carry, decimals=self.decimals)
                same = rounding.carry == carry and (carry == "exact" or r == rounding)
                self._references.append(self.index if same else _index(
                    _solve(replace(self.problem, rounding=r))))
        return self._references

    def whole(self, slip: Slip) -> Index | None:
        """The whole problem solved with ``slip`` (for answers with gaps), once per slip."""
        if slip.says not in self._whole:
            try:
                self._whole[slip.says] = _index(_solve(slip.problem))
            except (ValueError, KeyError, IndexError, ArithmeticError):
                self._whole[slip.says] = None
        return self._whole[slip.says]

    def out_of(self, slot: Slot) -> Fraction:
        mark = self.problem.marks.get(slot.short, Fraction(1))
        if isinstance(mark, dict):
            mark = mark.get(self.problem.start + slot.k, Fraction(0))
        return Fraction(mark)

    def asks(self, q: d.Quantity, step: d.Step) -> bool:
        """What is asked: the quizzes' rule (asked.py), ``ask``, or every quantity of the
        cell and y (not an embedding's xₜ, nor [h→; h←], which repeats h→ and h←)."""
        from .asked import asks

        return asks(self.problem, q.short, step.direction, q.given)


class _Marker:
    """One student's answers to one problem, number by number in the order they are
    computed, so that a number's verdict may depend on the student's earlier ones."""

    def __init__(self, checker: Checker, answers: Answers):
        self.c = checker
        self.problem = checker.problem
        self.answers = answers
        self.verdicts: dict[Slot, set[str]] = {}
        self.pattern: dict[str, str] = {}  # short -> the slip that explained it last
        self.solved: dict[tuple, d.Step] = {}  # one step worked from the student's numbers
        self.diagnosed: list[tuple] = []  # (slot, answer, written, wrong, {index: slip})

    def report(self) -> Report:
        c, problem = self.c, self.problem
        report = Report(self.answers, c.truth, c.decimals)
        seen: set[Slot] = set()
        for step in [*c.truth.steps, *c.truth.outputs]:
            k = step.t - problem.start
            for q in step.quantities:
                slot = Slot(step.layer, step.direction, k, q.short)
                written = self.answers.values.get(slot)
                seen.add(slot)
                if q.given:
                    if written is not None:
                        report.notes.append(f"{label(problem, slot)} is given in the question: "
                                            "not marked")
                    continue
                asked = c.asks(q, step)
                if asked or written is not None:
                    report.items += self.judge(slot, q, written, asked)
            for short, why in step.missing.items():
                slot = Slot(step.layer, step.direction, k, short)
                if slot in self.answers.values:
                    seen.add(slot)
                    report.notes.append(f"{label(problem, slot)} cannot be computed from the "
                                        f"problem ({why}): not marked")
        for slot in self.answers.values:
            if slot not in seen:
                report.notes.append(f"{label(problem, slot)} is not part of this problem's "
                                    "solution: not marked")
        if c.truth.backward is not None or self.answers.gradients:  # the backward pass
            from .gradient_answers import gradient_items

            report.items += gradient_items(c, self.answers.gradients)
        better = self.patterns()
        if better:
            report.items = [replace(i, diagnosis=better[s][i.index]) if (
                s := Slot(i.layer, i.direction, i.t - problem.start, i.quantity)) in better
                and i.index in better[s] else i for i in report.items]
        return report

    # -- one quantity -----------------------------------------------------------------------

    def judge(self, slot: Slot, q: d.Quantity, written: Written | None,
              asked: bool) -> list[Item]:
        c = self.c
        n = len(q.value)
        a = written.array if written is not None else np.full(n, math.nan)
        answered = ~np.isnan(a)
        verdict = np.where(answered, "", "missing").astype(object)
        correct = np.zeros(n, bool)
        for ref in self.references(slot):
            correct |= answered & within(a, ref, c.tol)
            if (correct | ~answered).all():
                break
        verdict[correct] = "correct"
        diagnosis: dict[int, str] = {}
        open_ = answered & ~correct
        if open_.any():
            self.imprecise(written, open_, list(self.references(slot)), verdict)
            open_ = verdict == ""
        if open_.any():
            own = []
            for ref in self.own(slot):
                own.append(ref)
                follows = open_ & within(a, ref, c.tol)
                verdict[follows] = "follows"
                open_ &= ~follows
                if not open_.any():
                    break
            if open_.any() and own:
                self.imprecise(written, open_, own, verdict)
                open_ = verdict == ""
        if open_.any():
            verdict[open_] = "wrong"
            diagnosis = self.diagnose(slot, a, written, open_)
        self.verdicts[slot] = {v for v in verdict if v != "missing"}
        share = c.out_of(slot) / n if asked else Fraction(0)
        t = self.problem.start + slot.k
        items = []
        for i in range(n):
            if verdict[i] == "missing" and not asked:
                continue
            items.append(Item(
                t, slot.short, i, None if not answered[i] else float(a[i]),
                float(q.value[i]), str(verdict[i]), diagnosis.get(i), slot.layer,
                slot.direction, written.text(i) if written is not None else None,
                share, share * c.marking.credit(str(verdict[i])), asked))
        return items

    def imprecise(self, written: Written, open_: np.ndarray, refs: list[np.ndarray],
                  verdict: np.ndarray) -> None:
        for i in np.flatnonzero(open_):
            digits = written.decimals(int(i))
            if digits is not None and digits < self.c.decimals and any(
                    rounds_to(written, int(i), float(ref[i]), self.problem.rounding.round_half)
                    for ref in refs):
                verdict[i] = "imprecise"

    def references(self, slot: Slot) -> Iterator[np.ndarray]:
        key = (slot.layer, slot.direction, self.problem.start + slot.k)
        yield self.c.index[key].get(slot.short).value
        for index in self.c.references():
            q = index[key].get(slot.short)
            if q is not None:
                yield q.value

    # -- the student's own earlier numbers --------------------------------------------------

    def inputs(self, slot: Slot) -> list[Slot]:
        """The slots a quantity is computed from: the state it reads, the layer below's
        output, and the quantities of the same step its equation names."""
        problem, cell = self.problem, self.problem.cell_def
        if slot.direction == "both":
            top = problem.layers
            return [Slot(top, dr, slot.k, "h") for dr in ("forward", "backward")] + (
                [Slot(top, "both", slot.k, "h")] if slot.short == "y" else [])
        if slot.short == "x":
            return []
        here, before = _depends(cell, slot.short, bool(problem.embedding) and slot.layer == 1)
        back = slot.k - 1 if slot.direction == "forward" else slot.k + 1
        out = [Slot(slot.layer, slot.direction, back, s) for s in before
               if 0 <= back < problem.steps]
        if slot.layer > 1 and cell.gate(slot.short) is not None:
            out += [Slot(u.layer, u.direction, slot.k, "h") for u in problem.layer(
                slot.layer - 1)]
        out += [Slot(slot.layer, slot.direction, slot.k, s) for s in here]
        return out

    def own(self, slot: Slot) -> Iterator[np.ndarray]:
        """The quantity recomputed from the student's own earlier numbers (carried exactly,
        then rounded); without the same step's numbers too (a student who writes a gate
        rounded but carries on with more digits). Nothing when the numbers it is
        computed from are all correct (or not written)."""
        used = self.used(slot)
        if not any(self.verdicts.get(s, set()) - {"correct"} for s in used):
            return
        same_step = any(s.k == slot.k and s.direction == slot.direction for s in used)
        for own_step in (True, False) if same_step else (True,):
            for carry in ("exact", "rounded"):
                value = self.recompute(slot, carry, own_step)
                if value is not None:
                    yield value

    def used(self, slot: Slot) -> list[Slot]:
        """The student's numbers a quantity is worked from: its inputs where written, and
        through an input of the same step left out, that one's."""
        out = []
        for s in self.inputs(slot):
            if s in self.answers.values:
                out.append(s)
            elif (s.layer, s.direction, s.k) == (slot.layer, slot.direction, slot.k):
                out += self.used(s)
        return out

    def mixed(self, slot: Slot) -> Value | None:
        """What the student wrote for ``slot``, the true value where an entry is blank."""
        written = self.answers.values.get(slot)
        step = self.c.index.get((slot.layer, slot.direction, self.problem.start + slot.k))
        q = step.get(slot.short) if step is not None else None
        if written is None:
            return None if q is None else _value(q.value)
        true = q.value if q is not None else np.full(len(written.numbers), math.nan)
        return Value(tuple(x if x is not None else _fraction(true[i])
                           for i, x in enumerate(written.numbers)))

    def given(self, slot: Slot, own_step: bool = True) -> tuple[Slot, ...]:
        """The slots of the same step whose written values the step works from."""
        if not own_step:
            return ()
        return tuple(s for s in self.inputs(slot) if s.k == slot.k and s.layer == slot.layer
                     and s.direction == slot.direction and s in self.answers.values)

    def step_problem(self, slot: Slot, carry: str = "exact", own_step: bool = True) -> Problem:
        """The one step of one layer that ``slot`` is computed in, from the student's own
        numbers (the true ones where the student wrote none)."""
        problem, c = self.problem, self.c
        unit = next(u for u in problem.units if (u.layer, u.direction) == (slot.layer,
                                                                            slot.direction))
        back = slot.k - 1 if slot.direction == "forward" else slot.k + 1
        state = dict(unit.initial)
        if 0 <= back < problem.steps:
            for s in problem.cell_def.state:
                state[s] = self.mixed(Slot(slot.layer, slot.direction, back, s)) or state[s]
        if slot.layer == 1:
            x = problem.inputs[slot.k]
        else:
            below = [self.mixed(Slot(u.layer, u.direction, slot.k, "h"))
                     for u in problem.layer(slot.layer - 1)]
            x = Value(tuple(v for part in below for v in part.exact))
        given = {(0, s): v for (k, s), v in problem.given.items() if k == slot.k}
        for s in self.given(slot, own_step):
            given[(0, s.short)] = self.mixed(s)
        top = slot.layer == problem.layers and not problem.bidirectional
        one = replace(unit, layer=1, direction="forward", initial=state,
                      input_size=len(x.exact) if slot.layer > 1 else unit.input_size)
        # round: [h] — the question's own rounding is part of the right method: kept
        carry = "rounded" if problem.rounding.only else carry
        rounding = replace(problem.rounding, decimals=c.decimals, carry=carry)
        return replace(problem, units=(one,), inputs=(x,), given=given,
                       start=problem.start + slot.k, rounding=rounding,
                       tokens=problem.tokens[slot.k:slot.k + 1] if problem.tokens else None,
                       embedding=problem.embedding if slot.layer == 1 else None,
                       output_layer=problem.output_layer if top else None,
                       training=None)  # one step forward: no loss over the whole sequence

    def recompute(self, slot: Slot, carry: str, own_step: bool = True) -> np.ndarray | None:
        if slot.direction == "both":
            return self.outputs(slot)
        # one solve serves every quantity of the step that works from the same numbers
        key = (slot.layer, slot.direction, slot.k, carry, self.given(slot, own_step))
        if key not in self.solved:
            self.solved[key] = _solve(self.step_problem(slot, carry, own_step)).steps[0]
        q = self.solved[key].get(slot.short)
        return None if q is None else q.value

    def outputs(self, slot: Slot) -> np.ndarray | None:
        """[h→; h←] or y of a bidirectional network, from the student's h→ and h←."""
        top = self.problem.layers
        parts = [self.mixed(Slot(top, dr, slot.k, "h")) for dr in ("forward", "backward")]
        h = np.concatenate([p.array for p in parts])
        if slot.short == "h":
            return h
        joined = self.mixed(Slot(top, "both", slot.k, "h"))
        if joined is not None and Slot(top, "both", slot.k, "h") in self.answers.values:
            h = joined.array
        out = self.problem.output_layer
        z = (h @ out.V.array) if self.problem.orientation == "row" else out.V.array @ h
        if out.c is not None:
            z = z + out.c.array
        from .solver import ACTIVATE

        return ACTIVATE.get(out.activation, lambda v: v)(z)

    # -- diagnosis ------------------------------------------------------------------------

    def diagnose(self, slot: Slot, a: np.ndarray, written: Written,
                 wrong: np.ndarray) -> dict[int, str]:
        """The slip that reproduces each wrong number at the student's precision: tried on
        the step the student worked from, carried exactly, then rounded; then, when the
        student left the state before it out (a short sequence), over the whole problem."""
        if slot.direction == "both" or slot.short == "x":
            return {}
        base = self.step_problem(slot)
        candidates = list(slips(base, slot.short))
        last = self.pattern.get(slot.short)
        candidates.sort(key=lambda s: s.says != last)  # a pattern is tried first
        found: dict[int, str] = {}
        for phase in self.phases(slot):
            for slip in candidates:
                hits = self.hits(slot, a, written, wrong, slip, phase)
                if len(hits) == wrong.sum():  # one slip explains them all: that one
                    found = dict.fromkeys(hits, slip.says)
                    break
                for i in hits:
                    found.setdefault(i, slip.says)
            if len(found) == wrong.sum():
                break
        if found:
            self.pattern[slot.short] = next(iter(found.values()))
        for i in np.flatnonzero(wrong):  # a slip of the pen, not of the method
            if int(i) not in found:
                says = self.copy_slip(slot, written, int(i))
                if says:
                    found[int(i)] = says
        self.diagnosed.append((slot, a, written, wrong, found))
        return found

    def copy_slip(self, slot: Slot, written: Written, i: int) -> str | None:
        """The right number (or the one following from the student's own) with its sign
        dropped, or two neighbouring digits swapped, as the student wrote it."""
        text = written.text(i)
        digits = written.decimals(i)
        if text is None or digits is None or digits > MAX_COPIED_DIGITS:
            return None  # 1e-300 "has" 300 decimals: no one copies those by hand
        for ref in (*self.references(slot), *self.own(slot)):
            r = float(ref[i])
            if not math.isfinite(r):
                continue
            want = str(Rounding(digits, self.problem.rounding.round_half).decimal(r))
            if abs(r) > self.c.tol and within(np.array([-written.array[i]]), np.array([r]),
                                              self.c.tol)[0]:
                return "a sign slip (the right number, with the wrong sign)"
            if _swapped(text.lstrip("-"), want.lstrip("-")) and \
                    text.startswith("-") == want.startswith("-"):
                return "two neighbouring digits swapped in copying"
        return None

    def phases(self, slot: Slot) -> list[str]:
        gaps = any(s not in self.answers.values for s in self.inputs(slot) if s.k != slot.k)
        whole = gaps and len(self.problem.units) == 1 and self.problem.steps <= WHOLE_UP_TO
        return ["exact", "rounded"] + ["whole"] * whole

    def hits(self, slot: Slot, a: np.ndarray, written: Written, wrong: np.ndarray,
             slip: Slip, phase: str) -> list[int]:
        """The wrong entries ``slip`` reproduces, at the student's precision."""
        c = self.c
        if phase == "whole":
            value = self.whole(slip, slot)
        else:
            problem = slip.problem
            if phase == "rounded":
                if problem.rounding.carry != "exact" or problem.rounding.decimals != \
                        c.decimals:
                    return []  # a rounding slip is rounded already
                problem = replace(problem, rounding=replace(problem.rounding, carry="rounded"))
            step = _step_of(problem)
            q = step.get(slot.short) if step is not None else None
            value = None if q is None or self.refuted(slot, step) else q.value
        if value is None:
            return []
        half = np.array([0.5 * 10.0 ** -min(c.decimals, written.decimals(i) or c.decimals)
                         for i in range(len(a))])
        return [int(i) for i in np.flatnonzero(wrong & within(a, value, half))]

    def patterns(self) -> dict[Slot, dict[int, str]]:
        """Where one quantity got different diagnoses at different steps, the one that
        explains it at the most steps, wherever it explains it too."""
        groups: dict[tuple, list] = {}
        for entry in self.diagnosed:
            slot = entry[0]
            groups.setdefault((slot.layer, slot.direction, slot.short), []).append(entry)
        out: dict[Slot, dict[int, str]] = {}
        for entries in groups.values():
            names = list(dict.fromkeys(says for *_, found in entries
                                       for says in found.values()))
            if len(names) < 2:
                continue
            explains: dict[str, dict] = {name: {} for name in names}
            for slot, a, written, wrong, found in entries:
                slips_here = {s.says: s for s in slips(self.step_problem(slot), slot.short)}
                for name in names:
                    if set(found.values()) == {name} and len(found) == wrong.sum():
                        explains[name][slot] = found
                        continue
                    slip = slips_here.get(name)
                    for phase in self.phases(slot) if slip is not None else ():
                        hits = self.hits(slot, a, written, wrong, slip, phase)
                        if len(hits) == wrong.sum():
                            explains[name][slot] = dict.fromkeys(hits, name)
                            break
            best = max(names, key=lambda name: len(explains[name]))  # ties: the first seen
            out.update(explains[best])
        return out

    def refuted(self, slot: Slot, step: d.Step) -> bool:
        """Does a slip change another number of the step that the student got right, or
        worked right from their own numbers (W and U read the other way in every gate,
        when the other gates are right)?"""
        c = self.c
        truth = c.index[(slot.layer, slot.direction, self.problem.start + slot.k)]
        for q in step.quantities:
            other = Slot(slot.layer, slot.direction, slot.k, q.short)
            written = self.answers.values.get(other)
            true = truth.get(q.short)
            if q.given or q.short == slot.short or written is None or true is None:
                continue
            a = written.array
            answered = ~np.isnan(a)
            own = self.recompute(other, "exact", False) if self.used(other) else None
            right = [r for r in (true.value, own) if r is not None]
            if not answered.any() or not any(within(a, r, c.tol)[answered].all()
                                             for r in right):
                continue  # not plainly right: it cannot speak against the slip
            if not within(a, q.value, c.tol)[answered].all():
                return True  # the slip changes it, beyond the question's precision
        return False

    def whole(self, slip: Slip, slot: Slot) -> np.ndarray | None:
        """The quantity when the slip is made in the whole problem, not only in one step."""
        index = self.c.whole(_whole_slip(self.problem, slip, slot, self.c.decimals))
        step = index.get((slot.layer, slot.direction, self.problem.start + slot.k)) \
            if index is not None else None
        q = step.get(slot.short) if step is not None else None
        return None if q is None else q.value


def _swapped(a: str, b: str) -> bool:
    """Is ``a`` ``b`` with two neighbouring digits swapped (0.3890 for 0.3809)?"""
    if len(a) != len(b) or a == b:
        return False
    diff = [k for k in range(len(a)) if a[k] != b[k]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and \
        a[diff[1]] == b[diff[0]] and a[diff[0]].isdigit() and a[diff[1]].isdigit()


def _depends(cell, short: str, lookup: bool) -> tuple[list[str], list[str]]:
    """What a quantity's equation reads: quantities of the same step, and the state of
    the step before (the cell's equations are text: cells.py)."""
    gate = cell.gate(short)
    if short == "y":
        return ["h"], []
    if gate is not None:
        text = " ".join(t for t in (gate.recurrent, gate.input, gate.form) if t)
        before = ["h"]  # W·hₜ₋₁, unless the gate says otherwise
    else:
        text = " ".join(u.equation for u in cell.updates if u.short == short)
        before = []
    words = set(re.findall(r"[A-Za-z_]+", text))
    here = [q for q in cell.quantities if q in words and q != short]
    if gate is not None and lookup and not gate.input:
        here.insert(0, "x")
    before = list(dict.fromkeys(before + [s for s in cell.state if f"{s}_prev" in words]))
    return here, before


MAX_COPIED_DIGITS = 17  # decimals of a number a copying slip is looked for in (float64's)


def _solve(problem: Problem) -> d.Derivation:
    from .solver import solve  # sympy: imported once a problem has been read

    return solve(problem)


def _whole_slip(problem: Problem, slip: Slip, slot: Slot, decimals: int) -> Slip:
    """The same slip made in the whole problem (not only in one step of it)."""
    rounding = replace(problem.rounding, decimals=decimals, carry="exact")
    for candidate in slips(replace(problem, rounding=rounding), slot.short):
        if candidate.says == slip.says:
            return candidate
    return slip


def _step_of(problem: Problem) -> d.Step | None:
    """The first (only) step of a one-step problem, as a slip makes it."""
    try:
        return _solve(problem).steps[0]
    except (ValueError, KeyError, IndexError, ArithmeticError):
        return None  # a slip that makes no sense for this problem


def _fraction(x: float) -> Fraction | int:
    return Fraction(x) if math.isfinite(x) else 0


def _value(array: np.ndarray) -> Value:
    return Value(tuple(_fraction(float(x)) for x in array))


# --- JSON -----------------------------------------------------------------------------------


def number(x: Fraction) -> int | float:
    """Marks as JSON and CSV write them: 2, 1.5, 0.6667."""
    return int(x) if x.denominator == 1 else round(float(x), 4)


def item_dict(item: Item, problem: Problem) -> dict:
    whole = item.t == problem.start - 1  # a gradient of the whole problem (no step)
    out = {"t": None if whole else item.t, "quantity": item.quantity, "index": item.index,
           "answer": item.answer,
           "expected": item.expected, "verdict": item.verdict, "diagnosis": item.diagnosis}
    if len(problem.units) > 1 and not (whole and item.direction == "both"):
        out.update(layer=item.layer, direction=item.direction)  # not the whole network's
    if problem.batch:
        out["row"] = item.row
    return out


def student_dict(report: Report, feedback: str) -> dict:
    out = {"student": report.answers.student, "file": report.answers.file,
           "score": report.score, "marks": number(report.marks),
           "out_of": number(report.out_of), "all_correct": report.all_correct,
           "items": [item_dict(i, report.problem) for i in report.asked],
           "feedback": feedback}
    extra = [item_dict(i, report.problem) for i in report.items if not i.asked]
    if extra:
        out["not_asked"] = extra
    if report.notes:
        out["notes"] = report.notes
    return out
