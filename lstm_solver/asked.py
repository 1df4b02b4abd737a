"""The numbers a question asks for: one entry per element of every asked quantity.

``asked_numbers`` is the one list that the quiz exports (Moodle, Canvas) build
their blanks from: what is asked (``ask:``, or every quantity the question
names), each element's value as the solver carried it, its tolerance (one unit
in the last asked decimal, DESIGN §6) and its marks (``marks:``, per quantity
per step, split evenly over its entries; 1 per number without it). A quantity
the question asks for but the problem cannot compute is an error naming it,
never an empty blank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
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
    value: float  # the solver's value (carried rounded with carry: rounded)
    decimals: int | None  # the precision asked; None: a whole number, exactly (a count)
    marks: Fraction
    t: int | None = None
    short: str = ""  # canonical short name (i f g o c h y); "" for a parameter count
    index: int = 0  # 0-based element
    layer: int = 1
    direction: str = "forward"

    @property
    def tolerance(self) -> Decimal:
        """One unit in the last asked decimal, 10^-decimals, as an exact decimal."""
        return Decimal(0) if self.decimals is None else Decimal(1).scaleb(-self.decimals)


def asked_numbers(solution: d.Derivation | CountDerivation) -> list[AskedNumber]:
    """Every number the question asks for, in the order a person computes them."""
    if isinstance(solution, CountDerivation):
        return [AskedNumber("number of trainable parameters", float(solution.total), None,
                            Fraction(1))]
    dv = solution
    p = dv.problem
    shorts = list(p.ask) or [*p.cell_def.quantities, *(["y"] if p.output_layer else [])]
    out: list[AskedNumber] = []
    for step in dv.steps + dv.outputs:
        both = step.direction == "both"  # [h→; h←] repeats numbers asked already
        computed = [q.short for q in step.quantities]
        for short in sorted(shorts, key=lambda s: computed.index(s) if s in computed else -1):
            if both and short != "y":
                continue
            q = step.get(short)
            base, where = _name(p.symbol(short), step.t), _where(p, step)
            if q is None:
                if short not in step.missing:  # computed at another level (y: [h→; h←])
                    continue
                why = step.missing[short]
                raise ProblemError(f"the question asks for {base}{where}, which cannot be "
                                   f"computed: {why}; {ASK_HINT}", file=p.file)
            if q.given:
                continue
            share = _marks(p, short, len(q.value))
            for i, v in enumerate(q.value):
                label = f"{base}[{i + 1}]{where}"
                if not math.isfinite(v):
                    raise ProblemError(f"{label} is {v} (the numbers overflow): it cannot be "
                                       "a quiz answer", file=p.file)
                out.append(AskedNumber(label, float(v), p.rounding.decimals, share, step.t,
                                       short, i, step.layer, step.direction))
    if not out:
        raise ProblemError(f"the question asks for nothing that is not given; {ASK_HINT}",
                           file=p.file)
    return out


def _name(symbol: str, t: int) -> str:
    from .render.text import name

    return name(Name(symbol, "", 0), t)


def _where(p, step: d.Step) -> str:
    """" (layer 2, backward)": which layer and direction, when there are several."""
    parts = [f"layer {step.layer}"] * (p.layers > 1) + [step.direction] * p.bidirectional
    return f" ({', '.join(parts)})" if parts and step.direction != "both" else ""


def _marks(problem, short: str, entries: int) -> Fraction:
    """One element's marks: the quantity's ``marks:`` at one step split evenly over its
    entries, or 1 per element when the problem gives none."""
    marks = getattr(problem, "marks", None)  # issue 8 adds the key
    if isinstance(marks, Mapping) and short in marks:
        return Fraction(str(marks[short])) / entries
    return Fraction(1)
