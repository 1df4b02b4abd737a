"""Checking a student's answers: which step went wrong, and why.

For every number the student wrote, the verdict is
- correct: within the precision written (one unit in the last decimal place, so
  that inputs rounded by hand pass), or ``tolerance``;
- follows: wrong, but right when recomputed from the student's own earlier
  values (error carried forward, as exam markers give it);
- wrong: neither. For a wrong number the common slips (slips.py) are tried, and
  the one that reproduces it is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

from . import derivation as d
from .errors import ProblemError
from .numbers import NumberError, Value, parse_vector
from .problem import Problem
from .slips import slips
from .solver import solve
from .yamlsource import Document, dotted, read_text

FORMAT = "lstm-solve-check/1"


@dataclass(frozen=True)
class Answers:
    """What a student wrote: (step index, short name) -> vector."""

    values: dict[tuple[int, str], Value]
    student: str
    file: str
    gradients: dict = field(default_factory=dict)  # the backward pass (gradient_answers.py)


@dataclass(frozen=True)
class Item:
    t: int
    quantity: str
    index: int  # 0-based
    answer: float
    expected: float
    verdict: str  # "correct" | "follows" | "wrong"
    diagnosis: str | None = None


@dataclass
class Report:
    """The verdicts on one student's answers."""

    answers: Answers
    derivation: d.Derivation  # the true solution
    items: list[Item] = field(default_factory=list)

    @property
    def all_correct(self) -> bool:
        return all(item.verdict != "wrong" for item in self.items)

    @property
    def first_wrong(self) -> Item | None:
        """The first wrong number in the order a person computes them."""
        order = {(step.t, q.short): (k, j) for k, step in enumerate(self.derivation.steps)
                 for j, q in enumerate(step.quantities)}
        wrong = [i for i in self.items if i.verdict == "wrong"]
        # gradients come after the forward pass, in the order they were checked
        return min(wrong, key=lambda i: (order.get((i.t, i.quantity), (
            len(order) + self.items.index(i), 0)), i.index), default=None)

    @property
    def score(self) -> float:
        return sum(i.verdict != "wrong" for i in self.items) / max(1, len(self.items))


# --- reading answers ----------------------------------------------------------------------


def load_answers(path: str | Path, problem: Problem) -> Answers:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError("no such file", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot be read: {exc}", file=str(path)) from None
    return parse_answers(text, problem, str(path))


def parse_answers(text: str, problem: Problem, file: str = "<answers>") -> Answers:
    """``{h: [...], c: [...]}`` (one step) or ``steps: {2: {h: [...]}}``; names may be
    canonical or aliases; vectors may be pasted text."""
    doc = read_text(text, file)
    data = doc.data
    if not isinstance(data, dict):
        raise ProblemError("expected a mapping of quantities to the values you wrote, such "
                           "as 'h: [0.27, 0.97]'", file=file, line=1, column=1)
    if len(problem.units) > 1:
        raise ProblemError("checking answers to stacked or bidirectional networks is not "
                           "supported yet: check one layer at a time", file=file)
    student = data.pop("student", None) or Path(file).stem
    from .gradient_answers import take

    gradients = take(doc, data, problem)
    steps = {problem.start + k: k for k in range(problem.steps)}
    values: dict[tuple[int, str], Value] = {}
    if "steps" in data:
        raw = data.pop("steps")
        if data:
            key = next(iter(data))
            raise doc.error((key,), f"with 'steps:', give every value under its step "
                            f"(found {key!r} outside)")
        if not isinstance(raw, dict):
            raise doc.error(("steps",), "expected a mapping of step index to values, such as "
                            "'2: {h: [...]}'")
        for t, block in raw.items():
            if t not in steps:
                raise doc.error(("steps", t), f"there is no step {t!r}: the problem computes "
                                f"t = {', '.join(map(str, steps))}")
            _read_step(doc, block, ("steps", t), steps[t], t, problem, values)
    elif data or not gradients:  # (a file of gradients only has no forward values)
        if problem.steps > 1:
            raise doc.error((), f"the problem has {problem.steps} steps: key your values by "
                            f"step, as 'steps: {{{problem.start}: {{h: [...]}}, ...}}'")
        _read_step(doc, data, (), 0, problem.start, problem, values)
    if not values and not gradients:
        raise doc.error((), "no answers in the file")
    return Answers(values, str(student), file, gradients)


def _read_step(doc: Document, block, path, k: int, t: int, problem: Problem, out) -> None:
    if not isinstance(block, dict):
        raise doc.error(path, "expected a mapping of quantities to vectors")
    cell = problem.cell_def
    computed = list(cell.quantities) + ["y"] * bool(problem.output_layer) + [
        "x"] * bool(problem.embedding)
    for key, value in block.items():
        short = key if key in ("x", "y") else cell.quantity(str(key))
        where = path + (key,)
        if short not in computed:
            names = ", ".join(problem.symbol(s) for s in computed)
            raise doc.error(where, f"the problem does not compute {key!r} (a "
                            f"{problem.cell.upper()} here computes {names})", at_key=True)
        try:
            vec = parse_vector(value, dotted(where))
        except NumberError as exc:
            raise doc.error(where + exc.path, exc.message) from None
        n = problem.output_layer.V.shape[0 if problem.orientation == "column" else 1] \
            if short == "y" else (problem.input_size if short == "x" else problem.hidden_size)
        if vec.shape[0] != n:
            raise doc.error(where, f"has {vec.shape[0]} entries but {problem.symbol(short)}_"
                            f"{t} has {n}")
        if (k, short) in out:
            raise doc.error(where, f"{short} at t = {t} is given twice")
        out[(k, short)] = vec


# --- checking -------------------------------------------------------------------------------


def tolerance_of(vector: tuple) -> float:
    """One unit in the last decimal place written (0.9719 -> 0.0001), the finest in the
    vector, so that the 0 of [0.017, 0.980, 0.003, 0] means 0.000. A vector of whole
    numbers is taken as rounded to units: within 0.5. Fractions are exact."""
    places = []
    for x in vector:
        if isinstance(x, Fraction):
            return 1e-9
        if isinstance(x, Decimal):
            places.append(-min(0, x.as_tuple().exponent))
    digits = max(places, default=0)
    return 0.5 if digits == 0 else 10.0 ** -digits


def check(problem: Problem, answers: Answers, tolerance: float | None = None) -> Report:
    truth = solve(problem)
    forward = replace(problem, training=None)  # slips are tried on the forward pass alone
    report = Report(answers, truth)
    given = problem.given
    order = {q: j for j, q in enumerate(["x", *problem.cell_def.quantities, "y"])}
    for (k, short), value in sorted(answers.values.items(),
                                    key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))):
        step = truth.steps[k]
        true = step.get(short)
        if true is None:
            raise ProblemError(f"{short} at t = {step.t} cannot be computed from the problem "
                               f"({step.missing.get(short, 'not computed')})",
                               file=answers.file)
        answer = value.array
        tol = (tolerance if tolerance is not None else tolerance_of(value.exact)) + 1e-12
        correct = np.abs(answer - true.value) <= tol
        follows = np.zeros_like(correct)
        if not correct.all():
            own = _recomputed(forward, answers, k, short, given)
            if own is not None:
                follows = ~correct & (np.abs(answer - own) <= tol)
        diagnoses: dict[int, str] = {}
        wrong = ~correct & ~follows
        if wrong.any():
            diagnoses = _diagnose(forward, answers, k, short, answer, tol, wrong)
        for i, x in enumerate(answer):
            verdict = "correct" if correct[i] else "follows" if follows[i] else "wrong"
            report.items.append(Item(step.t, short, i, float(x), float(true.value[i]), verdict,
                                     diagnoses.get(i)))
    if answers.gradients:
        from .gradient_answers import check_gradients

        report.items += check_gradients(problem, truth, answers.gradients, tolerance,
                                        answers.file)
    return report


def _own_values(problem: Problem, answers: Answers, k: int, short: str, given) -> dict:
    """The student's values before (k, short), used in place of the true ones."""
    order = list(problem.cell_def.quantities)
    own = dict(given)
    for (k2, s2), v in answers.values.items():
        earlier = k2 < k or (k2 == k and s2 in order and short in order and
                             order.index(s2) < order.index(short))
        if earlier and s2 != "y":
            own[(k2, s2)] = v
    return own


def _recomputed(problem, answers, k, short, given) -> np.ndarray | None:
    own = _own_values(problem, answers, k, short, given)
    if own == dict(given):
        return None
    q = solve(replace(problem, given=own)).steps[k].get(short)
    return None if q is None else q.value


def _diagnose(problem, answers, k, short, answer, tol, wrong) -> dict[int, str]:
    """Which slip reproduces the student's wrong numbers, element by element."""
    own = _own_values(problem, answers, k, short, problem.given)
    found: dict[int, str] = {}
    for slip in slips(problem, short):
        for given in (slip.problem.given, own):  # the slip alone, or on the student's values
            try:
                q = solve(replace(slip.problem, given=given)).steps[k].get(short)
            except (ProblemError, ValueError, KeyError, IndexError):
                continue
            if q is None:
                continue
            hits = wrong & (np.abs(answer - q.value) <= tol)
            for i in np.flatnonzero(hits):
                found.setdefault(int(i), slip.says)
        if all(i in found for i in np.flatnonzero(wrong)):
            break
    return found


def to_dict(report: Report) -> dict:
    return {
        "format": FORMAT,
        "all_correct": report.all_correct,
        "items": [{"t": i.t, "quantity": i.quantity, "index": i.index, "answer": i.answer,
                   "expected": i.expected, "verdict": i.verdict, "diagnosis": i.diagnosis}
                  for i in report.items],
    }


# --- a class ---------------------------------------------------------------------------------


@dataclass
class Summary:
    reports: list[Report]

    def per_quantity(self) -> dict[tuple[int, str], float]:
        """The share of answered numbers that are correct (or follow), by step and quantity."""
        out: dict[tuple[int, str], list[bool]] = {}
        for r in self.reports:
            for i in r.items:
                out.setdefault((i.t, i.quantity), []).append(i.verdict != "wrong")
        return {key: sum(v) / len(v) for key, v in sorted(
            out.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0, kv[0][1]))}

    def slips(self) -> list[tuple[str, int]]:
        """The diagnoses, most common first, each counted once per student."""
        counts: dict[str, int] = {}
        for r in self.reports:
            for says in {i.diagnosis for i in r.items if i.diagnosis}:
                counts[says] = counts.get(says, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def csv_text(summary: Summary) -> str:
    """The marks, a row per student, for a spreadsheet."""
    import csv
    import io

    keys = list(summary.per_quantity())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "file", "score", "correct", "follows", "wrong", "numbers",
                     "first wrong", *[q if t is None else f"{q} (t={t})" for t, q in keys]])
    for r in summary.reports:
        counts = {v: sum(i.verdict == v for i in r.items) for v in ("correct", "follows",
                                                                     "wrong")}
        first = r.first_wrong
        marks = []
        for t, q in keys:
            mine = [i.verdict != "wrong" for i in r.items if (i.t, i.quantity) == (t, q)]
            marks.append(f"{sum(mine)}/{len(mine)}" if mine else "")
        writer.writerow([r.answers.student, r.answers.file, f"{r.score:.3f}",
                         counts["correct"], counts["follows"], counts["wrong"], len(r.items),
                         (first.quantity if first.t is None else
                          f"{first.quantity} (t={first.t})") if first else "", *marks])
    return buffer.getvalue()

