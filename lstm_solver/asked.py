"""The numbers a question asks for: one entry per element of every asked quantity.

``asked_numbers`` is the one list that the quiz exports (Moodle, Canvas) build
their blanks from: what is asked (``ask:``, or every quantity the question
names), each element's value, its tolerance and its marks. DESIGN §6 is the
rule: a number is correct within one unit of the last asked decimal
(10^-decimals) of the value carried exactly *or* of the value carried rounded,
so each number holds both values (the second only where it differs). Marks come
from ``marks:`` (per quantity per step, split evenly over its entries; 1 per
quantity per step without it), as ``lstm-solve check`` counts them. A quantity
the question asks for but the problem cannot compute is an error naming it,
never an empty blank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from . import derivation as d
from .counting import CountDerivation
from .equations import Name
from .errors import ProblemError

ASK_HINT = "list what the question asks for with 'ask:' (e.g. ask: [c, h])"


@dataclass(frozen=True)
class AskedNumber:
    """One number a student writes in one blank."""

    label: str  # as the student reads it: c₂[1] (1-based element), with layer or direction
    value: float  # the solver's value, carried as the problem says (carry:)
    decimals: int | None  # the precision asked; None: a whole number, exactly (a count)
    marks: Fraction
    also: float | None = None  # the value with the other carry, where it differs
    t: int | None = None
    short: str = ""  # canonical short name (i f g o c h y); "" for a parameter count
    index: int = 0  # 0-based element
    layer: int = 1
    direction: str = "forward"
    row: int = 1  # a batch's row (issue 17), 1-based
    rounded_to: int | None = None  # the question rounds it itself (round: {h: 0}): digits

    @property
    def tolerance(self) -> Decimal:
        """One unit in the last asked decimal, 10^-decimals, as an exact decimal."""
        return Decimal(0) if self.decimals is None else Decimal(1).scaleb(-self.decimals)

    @property
    def values(self) -> tuple[float, ...]:
        """Every value an answer may be within ``tolerance`` of."""
        return (self.value,) if self.also is None else (self.value, self.also)


def asked_quantities(problem) -> list[str]:
    """The quantities asked at every step: ``ask``, or every quantity of the cell, and y."""
    return list(problem.ask) or [*problem.cell_def.quantities,
                                 *(["y"] if problem.output_layer else [])]


def asks(problem, short: str, direction: str, given: bool = False) -> bool:
    """Is quantity ``short`` asked at a step of this ``direction``? Never a given value,
    nor at the outputs ([h→; h←] repeats h→ and h←) anything but y. The one rule for the
    quizzes (``asked_numbers``) and for ``lstm-solve check``."""
    if given or (direction == "both" and short != "y"):
        return False
    return short in asked_quantities(problem)


def asked_numbers(solution: d.Derivation | CountDerivation) -> list[AskedNumber]:
    """Every number the question asks for, in the order a person computes them."""
    if isinstance(solution, CountDerivation):
        return [AskedNumber("number of trainable parameters", float(solution.total), None,
                            Fraction(1))]
    dv = solution
    p = dv.problem
    other = _other_carry(dv)
    shorts = asked_quantities(p)
    out: list[AskedNumber] = []
    rows = [dv, *dv.rows]  # a batch: every row's numbers, each labelled with its row
    for r, row_dv in enumerate(rows, start=1):
        for step in row_dv.steps + row_dv.outputs:
            out += _step_numbers(p, step, shorts, other, r if len(rows) > 1 else None)
    if dv.backward is not None:  # gradients asked (ask: [dh, grad, ...])
        from .gradient_answers import asked_gradients

        out += asked_gradients(dv)
    if not out:
        raise ProblemError(f"the question asks for nothing that is not given; {ASK_HINT}",
                           file=p.file)
    return out


def _step_numbers(p, step: d.Step, shorts: list[str], other: dict,
                  row: int | None) -> list[AskedNumber]:
    """The numbers asked at one step (of one batch row, when ``row``)."""
    out: list[AskedNumber] = []
    computed = [q.short for q in step.quantities]
    for short in sorted(shorts, key=lambda s: computed.index(s) if s in computed else -1):
        if not asks(p, short, step.direction):
            continue
        q = step.get(short)
        base, where = _name(p.symbol(short), step.t), _where(p, step, row)
        if q is None:
            if short not in step.missing:  # computed at another level (y: [h→; h←])
                continue
            raise ProblemError(f"the question asks for {base}{where}, which cannot be "
                               f"computed: {step.missing[short]}; {ASK_HINT}", file=p.file)
        if q.given:
            continue
        share = _marks(p, short, step.t, len(q.value))
        alt = other.get((row or 1, step.t, step.layer, step.direction, short))
        for i, v in enumerate(q.value):
            label = f"{base}[{i + 1}]{where}"
            if not math.isfinite(v):
                raise ProblemError(f"{label} is {v} (the numbers overflow): it cannot be "
                                   "a quiz answer", file=p.file)
            also = None if alt is None or alt[i] == v or not math.isfinite(alt[i]) \
                else float(alt[i])
            out.append(AskedNumber(label, float(v), p.rounding.decimals, share, also,
                                   step.t, short, i, step.layer, step.direction, row or 1,
                                   dict(p.rounding.only).get(short)))
    return out


def _other_carry(dv: d.Derivation) -> dict[tuple, object]:
    """The values solved with the other carry (exact ↔ rounded), by step and quantity."""
    from .solver import solve

    p = dv.problem
    if p.rounding.only:  # round: [h] — the question rounds these itself and carries them
        return {}  # so: no other carry (it would accept h unrounded)
    carry = "exact" if p.rounding.carry == "rounded" else "rounded"
    try:
        alt = solve(replace(p, rounding=replace(p.rounding, carry=carry)))
    except (ProblemError, ArithmeticError, ValueError):
        return {}
    return {(r, s.t, s.layer, s.direction, q.short): q.value
            for r, row in enumerate([alt, *alt.rows], start=1)
            for s in row.steps + row.outputs for q in s.quantities}


def rounding_sentence(problem) -> str:
    """What the question's own rounding asks (``round: {h: 0}``); "" when it asks none."""
    from .render.text import name

    if not getattr(problem, "rounding", None) or not problem.rounding.only:
        return ""
    what = ", ".join(f"{name(Name(problem.symbol(short), '', 0), None)} to "
                     + ("the closest integer" if digits == 0 else f"{digits} decimals")
                     for short, digits in problem.rounding.only)
    return f" The question rounds {what} before carrying it: write that rounded value."


def _name(symbol: str, t: int) -> str:
    from .render.text import name

    return name(Name(symbol, "", 0), t)


def _where(p, step: d.Step, row: int | None = None) -> str:
    """" (layer 2, backward)": which layer and direction, when there are several, and
    which row of a batch (" (row 2)")."""
    parts = [f"layer {step.layer}"] * (p.layers > 1) + [step.direction] * p.bidirectional
    if step.direction == "both":
        parts = []
    parts += [f"row {row}"] * (row is not None)
    return f" ({', '.join(parts)})" if parts else ""


def _marks(problem, short: str, t: int, entries: int) -> Fraction:
    """One element's marks: its quantity's ``marks:`` at step ``t`` (a number, or a
    mapping of steps to numbers; 1 when the problem gives none for it) split evenly
    over its entries, as ``lstm-solve check`` counts them."""
    marks = getattr(problem, "marks", None) or {}
    mark = marks.get(short, 1) if isinstance(marks, Mapping) else 1
    if isinstance(mark, Mapping):
        mark = mark.get(t, 0)
    return Fraction(str(mark)) / entries
