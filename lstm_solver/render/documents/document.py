"""Documents (LaTeX, Markdown, HTML): one walk over the solutions, many targets.

``Document.render`` walks a list of derivations, a section per problem, in the
order the terminal shows them: the question and its data, then (unless only
the questions are wanted) each step, each quantity, and the results. A target
subclasses Document and writes the pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ... import derivation as d
from ...counting import CountDerivation
from ...equations import Name
from ...naming import multiplies_sentence
from ...numbers import Value
from ...problem import Problem
from .. import notes
from ..text import numbers

Solution = d.Derivation | CountDerivation


class Document:
    """The walk; subclasses write ``begin``, ``heading``, ``quantity`` and the rest."""

    def __init__(self, full: bool = False, questions: bool = False, diagram: str = "first"):
        self.full = full
        self.questions = questions  # the question and its data only: a student's sheet
        self.diagram = diagram  # the cell's figure: "first" step, "all" steps or "none"
        self.out: list[str] = []

    # -- what a target writes -----------------------------------------------------------

    def begin(self, title: str, toc: bool) -> None: ...
    def end(self) -> None: ...
    def heading(self, text: str, level: int) -> None: ...
    def paragraph(self, text: str, style: str = "") -> None: ...
    def data(self, items: list[Item], row: bool) -> None: ...
    def quantity(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> None: ...
    def table(self, header: list[str], rows: list[list[str]]) -> None: ...
    def results(self, header: list[str | Name], rows: list[list[str | Cell]]) -> None: ...
    def total(self, formula: str, total: int) -> None: ...

    def figure(self, dv: d.Derivation, step: d.Step | None) -> None:
        """The pictures after ``step``'s derivation, or after the results (``step`` None);
        none by default (HTML and LaTeX draw them: render/pictures)."""

    def count(self, dv: CountDerivation) -> None:
        """A parameter count: a row per matrix, then the sum as the notes write it."""
        where = any(i.unit for i in dv.items)
        header = (["where"] if where else []) + ["matrix", "shape", "count", "what it is"]
        self.table(header, [([i.unit] if where else []) + [
            i.name, "×".join(map(str, i.shape)), f"{i.count:,}", i.role] for i in dv.items])
        self.total(dv.formula, dv.total)
        for note in dv.notes:
            self.paragraph("→ " + note, "note")

    # -- the walk -------------------------------------------------------------------------

    def problem_heading(self, k: int, title: str) -> None:
        self.heading(f"{k}. {title}", 1)

    def render(self, solutions: list[Solution], title: str = "") -> str:
        self.out = []
        many = len(solutions) > 1
        default = "Questions" if self.questions else "Answer key"
        self.begin(title or (default if many else _title(solutions[0])), many)
        for k, solution in enumerate(solutions, start=1):
            if many:
                self.problem_heading(k, _title(solution))
            elif solution.problem.title:
                self.heading(solution.problem.title, 1)
            if isinstance(solution, CountDerivation):
                self._count_question(solution)
            else:
                self.solution(solution, level=2 if many else 1)
        self.end()
        return "\n".join(self.out) + "\n"

    def solution(self, dv: d.Derivation, level: int) -> None:
        p = dv.problem
        self.rounding = p.rounding
        for text in paragraphs(p.question):
            self.paragraph(text)
        self.paragraph(_summary(p), "dim")
        which = multiplies_sentence(p)
        if which:
            self.paragraph(which, "note")
        self.paragraph("Given:")
        for caption, items in given_data(p):
            if caption:
                self.paragraph(caption)
            self.data(items, p.orientation == "row")
        self.paragraph(ask_sentence(dv))
        if self.questions:
            return
        for step in dv.steps:
            self.heading(_step_heading(p, step), level + 1)
            if step.layer > 1 and step.x is not None:
                self.paragraph(f"x{_sub(step.t)} = h{_sub(step.t)} of layer {step.layer - 1} = "
                               + _inline(step.x, dv.rounding, False, self.full))
            for q in step.quantities:
                if q.given:
                    self.paragraph(f"{_qname(q, step.t)} = "
                                   f"{_inline(q.value, dv.rounding, True, self.full)} (given)")
            for q in step.quantities:
                if not q.given:
                    self.quantity(dv, step, q)
            for short, why in step.missing.items():
                self.paragraph(f"Cannot compute {dv.problem.symbol(short)}{_sub(step.t)}: "
                               f"{why}.", "warning")
            self.figure(dv, step)
        if dv.outputs:
            self.heading("Outputs: both directions side by side", level + 1)
            for step in dv.outputs:
                for q in step.quantities:
                    self.quantity(dv, step, q)
        self.heading("Results", level + 1)
        self.results(*_results(dv, self.full))
        self.figure(dv, None)

    def _count_question(self, dv: CountDerivation) -> None:
        p = dv.problem
        for text in paragraphs(p.question):
            self.paragraph(text)
        self.paragraph(count_summary(p), "dim")
        if not self.questions:
            self.count(dv)

    def note(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> str:
        """The plain-language line for ``q`` (empty if there is none)."""
        return notes.line(dv, step, q)


# --- small pieces every target uses ------------------------------------------------------


def paragraphs(text: str | None) -> list[str]:
    """A question's paragraphs: blank lines separate them, line breaks within are spaces."""
    if not text:
        return []
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def _title(solution: Solution) -> str:
    p = solution.problem
    return p.title or Path(p.file).stem.replace("_", " ")


_SUB = str.maketrans("0123456789-+", "₀₁₂₃₄₅₆₇₈₉₋₊")


def _sub(t: int) -> str:
    return str(t).translate(_SUB)


def _qname(q: d.Quantity, t: int) -> str:
    from ..text import name

    return name(q.name, t)


def _inline(values, rounding, bare, full) -> str:
    from ..text import inline

    return inline(numbers(values, rounding, bare), full)


def _step_heading(p: Problem, step: d.Step) -> str:
    if len(p.units) > 1:
        return f"Layer {step.layer}, {step.direction}, step t = {step.t}"
    return f"Step t = {step.t}"


def title_of(dv: d.Derivation, step: d.Step, q: d.Quantity) -> str:
    return notes.title(dv, step, q)


def _summary(p: Problem) -> str:
    parts = [p.cell.upper(), f"hidden size {p.hidden_size}"]
    if p.input_size:
        parts.append(f"input size {p.input_size}")
    parts.append(f"{p.steps} step{'s' if p.steps > 1 else ''}")
    if p.layers > 1:
        parts.append(f"{p.layers} layers")
    if p.bidirectional:
        parts.append("bidirectional")
    parts.append(p.layout + (f" [{', '.join(map(str, p.stack))}]" if p.layout == "concat"
                             else ""))
    if p.orientation == "row":
        parts.append("row vectors (v·W)")
    parts += [f"{k} {v}" for k, v in p.options.items()]
    r = p.rounding
    parts.append(f"{r.decimals} decimals, {r.carry} carry")
    return " · ".join(parts)


def count_summary(p) -> str:
    parts = [p.cell.upper(), f"hidden size {p.hidden_size}", f"input size {p.input_size}"]
    if p.embedding_vocab:
        parts.append(f"embedding {p.embedding_vocab}×{p.input_size} (counted)")
    if p.output_size:
        parts.append(f"output size {p.output_size}")
    parts.append({"true": "one bias per gate", "false": "no bias",
                  "double": "two biases per gate"}[p.bias])
    if getattr(p, "convention", "W_h") == "W_x":
        parts.append("W multiplies x_t, U multiplies h_(t-1) (convention: W_x)")
    if p.layers > 1:
        parts.append(f"{p.layers} layers")
    if p.bidirectional:
        parts.append("bidirectional")
    return "Count the trainable parameters: " + " · ".join(parts) + "."


def written(value: Value) -> np.ndarray:
    """A value's numbers as the problem wrote them (0.4165792, 1/3), as an array of text."""
    return np.array(value.exact, dtype=object).astype(str)


Item = tuple[Name, int | None, np.ndarray, bool]


def given_data(p: Problem) -> list[tuple[str, list[Item]]]:
    """What the question gives, as written: parameters and initial state (per layer and
    direction when there are several), then inputs, given values and the output layer."""
    groups: list[tuple[str, list[Item]]] = []
    cell = p.cell_def
    for unit in p.units:
        items: list[Item] = []
        for g in unit.gates.values():
            for param in g.written():  # in the file's names: W_f, U_f or W_xf, W_hf, ...
                items.append((Name(param.base, param.sub), None, written(param.value), True))
        backward = unit.direction == "backward"  # starts after the last step: h_{T+1}
        for state in cell.state:
            items.append((Name(p.symbol(state), "", 1 if backward else -1),
                          p.start + (p.steps - 1 if backward else 0),
                          written(unit.initial[state]), True))
        caption = "" if len(p.units) == 1 else (
            f"Layer {unit.layer}, {unit.direction}:" if p.layers > 1 else
            f"{unit.direction.capitalize()}:")
        groups.append((caption, items))
    items = []
    if p.embedding:
        items.append((Name("E"), None, written(p.embedding.matrix), True))
    for k, x in enumerate(p.inputs):
        items.append((Name("w" if p.embedding else "x", "", 0), p.start + k, written(x), True))
    for (k, short), value in p.given.items():
        items.append((Name(p.symbol(short), "", 0), p.start + k, written(value), True))
    if p.output_layer:
        items.append((Name("V"), None, written(p.output_layer.V), True))
        if p.output_layer.c is not None:
            items.append((Name("c"), None, written(p.output_layer.c), True))
    groups.append(("Inputs:" if len(p.units) > 1 else "", items))
    return [(caption, items) for caption, items in groups if items]


def ask_sentence(dv: d.Derivation) -> str:
    """"Compute gₜ, cₜ, hₜ for t = 2." """
    p = dv.problem
    steps = f"t = {p.start}" + (f" to {p.start + p.steps - 1}" if p.steps > 1 else "")
    return f"Compute {', '.join(asked(dv))} for {steps}."


def asked(dv: d.Derivation) -> list[str]:
    from ..text import name

    p = dv.problem
    shorts = p.ask or [s for s in p.cell_def.quantities if (0, s) not in p.given] + (
        ["y"] if p.output_layer else [])
    return [name(Name(p.symbol(s), "", 0)) for s in shorts]


@dataclass(frozen=True)
class Cell:
    """A vector in the results table: its entries as printed, and whether it was given."""

    entries: list[str]
    given: bool = False


def _results(dv: d.Derivation, full: bool) -> tuple[list[str | Name], list[list[str | Cell]]]:
    """The final table: a row per step, a column per (asked) quantity."""
    from .. import blocks

    p = dv.problem
    steps = dv.steps + dv.outputs
    shorts: list[str] = []
    for step in steps:
        for q in step.quantities:
            if q.short not in shorts and (not p.ask or q.short in p.ask):
                shorts.append(q.short)
    layered = len(p.units) > 1
    header: list[str | Name] = (["layer", "direction"] if layered else []) + ["t"] + [
        Name(p.symbol(s), "", 0) for s in shorts]
    rows = []
    for step in steps:
        cells: list[str | Cell] = [str(step.layer), step.direction] if layered else []
        cells.append(str(step.t))
        for short in shorts:
            q = step.get(short)
            if q is None:
                cells.append("—")
                continue
            bare = q.given or (q.tree is not None and all(d.as_written(q.tree)))
            cells.append(Cell(blocks.elide(numbers(q.value, dv.rounding, bare), full, "⋮"),
                              q.given))
        rows.append(cells)
    return header, rows
