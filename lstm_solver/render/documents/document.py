"""Documents (LaTeX, Markdown, HTML): one walk over the solutions, many targets.

``Document.render`` walks a list of derivations, a section per problem, in the
order the terminal shows them: the question, the cell's equations and conventions,
its data (never elided), what is asked, then either an answer area (a student's
sheet, ``questions``) or each step, each quantity, and the results (the key).

A target subclasses Document and writes the pieces. The pieces, in the order the
walk calls them (each one method, so that a feature can hook in at its place):

- ``begin`` / ``end``, ``heading``, ``paragraph`` (words with inline math, see
  render/inline.py), ``table``: the document's structure;
- ``problem_start``: a new problem (a new page with ``page_per_problem``, the
  running header with the problem's ID), then ``name_line`` on a sheet;
- ``conventions`` (sentences: the cell, what W and U multiply, σ and ⊙, the
  rounding asked; naming.multiplies_sentence says which matrix multiplies which),
  ``formulas`` (the cell's equations in symbols), ``data`` (what the question
  gives, as written), the sentence of what to compute;
- a sheet: ``answers`` for each step (a box per asked entry);
- a key: for each step, ``quantity`` for each computed quantity, then ``step_end``
  (nothing here: the place for a step's figure), then ``results``; ``solution_end``
  comes last (nothing here: the place for the figures of the whole sequence and of a
  backward pass); HTML and LaTeX draw the figures there (render/pictures/figures.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from ... import derivation as d
from ...counting import CountDerivation
from ...equations import Name
from ...forms import notes as head_notes
from ...numbers import Value
from ...packing import label as packed_label
from ...problem import Problem
from ...training import GRADIENT_ASKS
from .. import notes
from ..inline import Math, Rich, Verbatim
from ..text import numbers

Solution = d.Derivation | CountDerivation

APPROX_NOTE = ("≈ marks a line whose shown numbers do not give its shown result in the last "
               "digit: the values are carried unrounded and only shown rounded.")


class Document:
    """The walk; subclasses write ``begin``, ``heading``, ``quantity`` and the rest."""

    tracks_approx = False  # the target's quantity() expands through self.worked()

    def __init__(self, full: bool = False, questions: bool = False,
                 page_per_problem: bool = False, diagram: str = "first"):
        self.full = full  # worked steps without elision (given data are never elided)
        self.questions = questions  # the question and its data only: a student's sheet
        self.page_per_problem = page_per_problem  # each problem starts on a new page
        self.diagram = diagram  # the cell's figure: "first" step, "all" steps or "none"
        self.out: list[str] = []
        self.approx_seen = False  # a worked line used ≈ (shown numbers do not add up)

    # -- what a target writes -----------------------------------------------------------

    def begin(self, title: str, toc: bool) -> None: ...
    def end(self) -> None: ...
    def heading(self, text: str, level: int) -> None: ...
    def paragraph(self, text: str | Rich, style: str = "") -> None: ...
    def data(self, items: list[Item], row: bool) -> None: ...
    def formulas(self, rows: list[tuple[Name, d.Node]], row: bool) -> None: ...
    def quantity(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> None: ...
    def step_end(self, dv: d.Derivation, step: d.Step) -> None: ...
    def answers(self, caption: str, columns: list[tuple[Name, int]], t: int) -> None: ...
    def name_line(self, student: str | None) -> None: ...
    def page_break(self) -> None: ...
    def running_header(self, text: str) -> None: ...
    def table(self, header: list[str], rows: list[list[str]]) -> None: ...
    def results(self, header: list[str | Name], rows: list[list[str | Cell]]) -> None: ...
    def solution_end(self, dv: d.Derivation) -> None: ...
    def total(self, formula: str, total: int) -> None: ...

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

    @property
    def contents(self) -> bool:
        """A table of contents, for several problems; not on a class set of sheets, where
        every page goes to another student."""
        return not (self.questions and self.page_per_problem)

    def problem_heading(self, k: int, title: str) -> None:
        self.heading(f"{k}. {title}", 1)

    def problem_start(self, k: int, solution: Solution, many: bool) -> None:
        """A new problem: a new page (``page_per_problem``), its heading, the running
        header naming it, and on a sheet the name line."""
        if self.page_per_problem and k > 1:
            self.page_break()
        if many:
            self.problem_heading(k, _title(solution))
        elif solution.problem.title:
            self.heading(solution.problem.title, 1)
        self.running_header(identity(solution.problem))
        if self.questions:
            self.name_line(student_of(solution.problem))

    def render(self, solutions: list[Solution], title: str = "") -> str:
        self.out = []
        many = len(solutions) > 1
        default = "Questions" if self.questions else "Answer key"
        self.begin(title or (default if many else _title(solutions[0])), many)
        for k, solution in enumerate(solutions, start=1):
            self.problem_start(k, solution, many)
            if isinstance(solution, CountDerivation):
                self._count_question(solution)
            else:
                self.solution(solution, level=2 if many else 1)
        self.end()
        return "\n".join(self.out) + "\n"

    def solution(self, dv: d.Derivation, level: int) -> None:
        p = dv.problem
        self.rounding = p.rounding
        self.intro(dv)
        if self.questions:
            self.answer_area(dv)
            return
        self.approx_seen = False
        note_at = len(self.out)
        if p.batch:
            self.paragraph(row_inputs(dv, 1), "dim")
        self.steps(dv, level)
        if dv.rows and self.full:  # a batch: every row worked in full (issue 17)
            for k, row in enumerate(dv.rows, start=2):
                self.heading(f"Batch row {k} of {len(p.batch)}", level + 1)
                self.paragraph(row_inputs(row, k), "dim")
                self.steps(row, level + 1)
                self.heading("Results", level + 2)
                self.results(*_results(row))
        if not self.tracks_approx:  # a target that expands its lines itself
            self.approx_seen = any(any_approx(r, self.full) for r in (dv, *dv.rows))
        if self.approx_seen:  # said once, before the worked steps
            after = self.out[note_at:]
            del self.out[note_at:]
            self.paragraph(APPROX_NOTE, "dim")
            self.out += after
        self.heading("Results", level + 1)
        self.results(*_results(dv))
        if dv.rows and not self.full:
            self.heading(f"Batch rows 2–{len(p.batch)} (the same weights)", level + 1)
            self.results(*_results(dv, [(k, row) for k, row in enumerate(dv.rows, start=2)]))
        if dv.backward is not None:
            self.backward(dv, level)
        self.solution_end(dv)

    def steps(self, dv: d.Derivation, level: int) -> None:
        """Every step of ``dv`` (a batch's row too), each quantity worked out."""
        p = dv.problem
        for step in dv.steps:
            self.heading(_step_heading(p, step), level + 1)
            if step.layer > 1 and step.x is not None:
                self.paragraph([Math((Name("x", "", 0),), step.t), " = ",
                                Math((Name("h", "", 0),), step.t),
                                f" of layer {step.layer - 1} = "
                                + _inline(step.x, dv.rounding, False, self.full)])
            for q in step.quantities:
                if q.given:
                    self.paragraph([Math((q.name,), step.t), " = "
                                    + _inline(q.value, dv.rounding, True, True)
                                    + " (given)"])
            for q in step.quantities:
                if not q.given:
                    self.quantity(dv, step, q)
            for short, why in step.missing.items():
                self.paragraph(["Cannot compute ", Math((Name(p.symbol(short), "", 0),),
                                                        step.t), f": {why}."], "warning")
            self.step_end(dv, step)
        if dv.outputs:
            self.heading("Outputs: both directions side by side", level + 1)
            for step in dv.outputs:
                for q in step.quantities:
                    self.quantity(dv, step, q)

    def backward(self, dv: d.Derivation, level: int) -> None:
        """The backward pass, after the forward one: the loss, each step's gradients from
        the last step back, the initial state's, the parameters', norm, clipping, update."""
        b = dv.backward
        self.heading("Backward pass: gradients through time", level + 1)
        for text in notes.backward_intro(dv):
            self.paragraph(text, "dim")
        whole = d.Step(None, None)  # quantities that belong to no one step
        if b.loss is not None:
            self.quantity(dv, whole, b.loss)
        for step in b.steps:
            self.heading(notes.backward_heading(dv.problem, step).replace(" · ", ", "),
                         level + 1)
            for q in step.quantities:
                if q.given:
                    self.paragraph([Math((q.name,), step.t), " = "
                                    + _inline(q.value, dv.rounding, True, True) + " (given)"])
            for q in step.quantities:
                if not q.given:
                    self.quantity(dv, step, q)
        for step in b.initial:
            self.heading(notes.backward_heading(dv.problem, step, "the initial state")
                         .replace(" · ", ", "), level + 1)
            for q in step.quantities:
                self.quantity(dv, step, q)
        if b.gradients:
            self.heading("Parameter gradients: the sum over the steps", level + 1)
            unit = None
            for g in b.gradients:
                label = notes.unit_label(dv.problem, g.layer, g.direction)
                if label and label != unit:
                    self.paragraph(f"{label[0].upper()}{label[1:]}:")
                unit = label
                self.quantity(dv, whole, g.gradient)
        if b.norm is not None:
            self.heading("Gradient norm" + (", clipping" if b.clip else "") + (
                " and the SGD update" if b.learning_rate else ""), level + 1)
            self.quantity(dv, whole, b.norm)
            if b.clip is not None:
                self.quantity(dv, whole, b.clip)
            if b.learning_rate is not None:
                self.paragraph(f"θ ← θ − λ{' s' if b.clip else ''} ∂L/∂θ with λ = "
                               f"{dv.problem.training.learning_rate}")
                for g in b.gradients:
                    self.quantity(dv, whole, g.update)
        self.heading("How the gradient flows back", level + 1)
        self.table(*flow_table(dv))
        self.paragraph("→ " + notes.gradient_flow(dv), "note")

    def intro(self, dv: d.Derivation) -> None:
        """The question as a student reads it: its text, the cell in mathematics, the
        data as written, and what to compute."""
        p = dv.problem
        for text in paragraphs(p.question):
            self.paragraph(text)
        self.paragraph(sentences(self.conventions(dv)))
        self.formulas(cell_equations(dv), p.orientation == "row")
        self.paragraph("Given:")
        for caption, items in given_data(p):
            if caption:
                self.paragraph(caption)
            self.data(items, p.orientation == "row")
        self.paragraph(ask_sentence(dv))

    def conventions(self, dv: d.Derivation) -> list[Rich]:
        """Sentences stating the cell, its products, its functions and the rounding."""
        return conventions(dv.problem)

    def answer_area(self, dv: d.Derivation) -> None:
        """A box per entry of each asked quantity, step by step."""
        for caption, columns, t in answer_columns(dv):
            self.answers(caption, columns, t)

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

    def worked(self, notation, dv: d.Derivation, q: d.Quantity):
        """The worked lines of ``q`` in a target's notation (and whether any says ≈)."""
        from ..expand import Expander

        sections = Expander(notation, dv.rounding, self.full, dv.exact).worked(q.tree)
        self.approx_seen |= any(line.approx for _, lines in sections for line in lines)
        return sections


# --- small pieces every target uses ------------------------------------------------------


def any_approx(dv: d.Derivation, full: bool) -> bool:
    """Whether any worked line of ``dv`` says ≈ (its shown numbers do not add up)."""
    from ..expand import Expander
    from ..text import text_notation

    row = dv.problem.orientation == "row"
    for step in dv.steps + dv.outputs:
        expander = Expander(text_notation(step.t, row), dv.rounding, full, dv.exact)
        for q in step.quantities:
            if q.tree is not None and not q.given and any(
                    line.approx for _, lines in expander.worked(q.tree) for line in lines):
                return True
    return False


def paragraphs(text: str | None) -> list[str]:
    """A question's paragraphs: blank lines separate them, line breaks within are spaces."""
    if not text:
        return []
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def _title(solution: Solution) -> str:
    p = solution.problem
    return p.title or Path(p.file).stem.replace("_", " ")


def student_of(problem) -> str | None:
    """The student a sheet is for (the problem's optional ``student`` key)."""
    student = getattr(problem, "student", None)
    return str(student) if student else None


def identity(problem) -> str:
    """What names a problem on every page: its title (Variant 3), and the student."""
    title = problem.title or Path(problem.file).stem.replace("_", " ")
    student = student_of(problem)
    return f"{student} · {title}" if student and student not in title else title


_SUB = str.maketrans("0123456789-+", "₀₁₂₃₄₅₆₇₈₉₋₊")


def _sub(t: int) -> str:
    return str(t).translate(_SUB)


def _inline(values, rounding, bare, full) -> str:
    from ..text import inline

    return inline(numbers(values, rounding, bare), full)


def _step_heading(p: Problem, step: d.Step) -> str:
    if step.direction == "both":
        return f"Outputs, step t = {step.t}"
    if len(p.units) > 1:
        return f"Layer {step.layer}, {step.direction}, step t = {step.t}"
    return f"Step t = {step.t}"


def title_of(dv: d.Derivation, step: d.Step, q: d.Quantity) -> str:
    return notes.title(dv, step, q)


def sentences(parts: list[Rich]) -> Rich:
    """Sentences joined into one paragraph."""
    out: Rich = []
    for k, sentence in enumerate(parts):
        out += ([" "] if k else []) + list(sentence)
    return out


_CELL_NAMES = {"lstm": "An LSTM cell", "gru": "A GRU cell", "rnn": "A recurrent (RNN) cell"}
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}


def conventions(p: Problem) -> list[Rich]:
    """The problem's cell and conventions in sentences with mathematics (no jargon):
    sizes and steps, what the weights multiply, the functions, the rounding asked."""
    out: list[Rich] = []
    sizes: Rich = [_CELL_NAMES[p.cell], " with hidden size ", Math((Name("H"), "=",
                                                                      str(p.hidden_size)))]
    if p.input_size:
        sizes += [" and input size ", Math((Name("X"), "=", str(p.input_size)))]
    if p.layers > 1:
        sizes.append(f", {_NUMBER_WORDS.get(p.layers, p.layers)} layers stacked (layer k "
                     "reads the hidden state of layer k − 1 as its input)")
    if p.bidirectional:
        sizes += [", in both directions (the backward direction reads the sequence from "
                  "the last step, so its state comes from ", Math((Name("h", "", 1),)), ")"]
    last = p.start + p.steps - 1
    steps = Math((Name("t"), "=", str(p.start))) if p.steps == 1 else None
    sizes += [", for one step, ", steps, "."] if steps else [
        f", over {p.steps} steps, ", Math((Name("t"), "=", str(p.start))), " to ",
        Math((str(last),)), "."]
    out.append(sizes)
    # which matrix multiplies which (issue 16), how packed weights are cut and what each
    # LSTM variant adds (issue 17), in their own words
    out += [[Verbatim(note)] for note in head_notes(p, rounding=False)]
    if p.orientation == "row":
        out.append(["Vectors are rows, so a product is written ", Math((Name("v"), Name("W"))),
                    " and each weight matrix is shaped (inputs × outputs)."])
    out.append(functions_sentence(p))
    out.append(rounding_sentence(p))
    return [s for s in out if s]


def functions_sentence(p: Problem) -> Rich:
    out: Rich = []
    functions = {g.activation for g in p.cell_def.gates}
    if p.output_layer:
        functions.add(p.output_layer.activation)
    if "sigmoid" in functions:
        out += [Math(("σ", "(", Name("z"), ")", "=", "1", "/", "(", "1", "+", "exp", "(", "-",
                      Name("z"), ")", ")")), " is the logistic function"]
    if "relu" in functions:
        out += [", " if out else "", Math(("ReLU", "(", Name("z"), ")", "=", "max", "(", "0",
                                           ",", Name("z"), ")"))]
    if "softmax" in functions:
        out += [", " if out else "", Math(("softmax", "(", Name("z"), ")")),
                " divides each ", Math(("exp", "(", Name("z", "k"), ")")), " by their sum"]
    if p.cell in ("lstm", "gru"):
        out += [" and " if out else "", Math(("⊙",)), " multiplies element by element"]
    return out + ["."] if out else []


def rounding_sentence(p: Problem) -> Rich:
    r = p.rounding
    places = f"{r.decimals} decimal place{'s' if r.decimals != 1 else ''}"
    half = {"up": "a final 5 rounded up", "even": "a final 5 rounded to even",
            "down": "a final 5 rounded toward 0", "truncate": "the digits beyond cut off"}.get(
        r.round_half, r.round_half)
    if r.carry == "rounded" and r.only:  # round: [h] (issue 17)
        named = ", ".join(f"{p.symbol(s)} to {d} decimal place{'s' * (d != 1)}"
                          for s, d in r.only)
        return [f"Round only {named} ({half}) before carrying it on, as a step of its "
                f"equation; give every other value to {places} and carry it unrounded."]
    if r.carry == "rounded":
        return [f"Round every intermediate value to {places} ({half}) and go on with the "
                "rounded value, as by hand."]
    return [f"Give each value to {places} ({half}); carry the unrounded values into later "
            "steps."]


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
    v = getattr(p, "lstm", None)
    if v and v.coupled:
        parts.append("coupled input and forget gates (i = 1 − f)")
    if v and v.peephole:
        parts.append(f"peepholes on {', '.join(v.peephole)}")
    if getattr(p, "proj_size", None):
        parts.append(f"projection to P = {p.proj_size}")
    if getattr(p, "initial_state", "zeros") == "learned":
        parts.append("learned initial state")
    return "Count the trainable parameters: " + " · ".join(parts) + "."


def cell_equations(dv: d.Derivation) -> list[tuple[Name, d.Node]]:
    """The equations the problem uses, in symbols: each computed quantity's at the first
    step of each layer and direction (the same equation once)."""
    seen: set[str] = set()
    rows: list[tuple[Name, d.Node]] = []
    from ..text import TextPrinter

    printer = TextPrinter(None, dv.problem.orientation == "row")
    for step in dv.steps + dv.outputs:
        for q in step.quantities:
            if q.tree is None or q.given:
                continue
            key = f"{q.name} {printer.doprint(q.tree)}"
            if key not in seen:
                seen.add(key)
                rows.append((q.name, q.tree))
    return rows


def written(value: Value) -> np.ndarray:
    """A value's numbers as the problem wrote them (0.4165792, 1/3), as an array of text."""
    return np.vectorize(_as_written, otypes=[object])(np.array(value.exact, dtype=object))


def _as_written(x) -> str:
    """0.0000001 as written (str of its Decimal would say 1E-7)."""
    if isinstance(x, Decimal) and -30 < x.adjusted() < 30:
        return format(x, "f")
    return str(x)


Item = tuple[Name, int | None, np.ndarray, bool]


def given_data(p: Problem) -> list[tuple[str, list[Item]]]:
    """What the question gives, as written: parameters and initial state (per layer and
    direction when there are several), then inputs, given values and the output layer."""
    groups: list[tuple[str, list[Item]]] = []
    cell = p.cell_def
    for unit in p.units:
        items: list[Item] = []
        if unit.packed is not None:  # as the sheet writes them: the gates side by side
            for key, value in unit.packed.values.items():
                items.append((Name(*packed_label(key)), None, written(value), True))
        for g in unit.gates.values() if unit.packed is None else ():
            for param in g.written():  # in the file's names: W_f, U_f or W_xf, W_hf, ...
                items.append((Name(param.base, param.sub), None, written(param.value), True))
        for short, value in unit.peephole.items():  # issue 17's variants: their weights
            items.append((Name("w", "c" + short), None, written(value), True))
        if unit.projection is not None:
            items.append((Name("W", "hr"), None, written(unit.projection), True))
        backward = unit.direction == "backward"  # starts after the last step: h_{T+1}
        own = p.batch and unit is p.units[0] and any(r.initial for r in p.batch)
        for state in cell.state if not own else ():  # a batch's rows give their own
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
    for n, row in enumerate(p.batch, start=1):  # a batch: each row's inputs and state
        rows = [(Name("w" if p.embedding else "x", "", 0), p.start + k, written(x), True)
                for k, x in enumerate(row.inputs)]
        for state, value in (row.initial or {}).items():
            rows.append((Name(p.symbol(state), "", -1), p.start, written(value), True))
        groups.append((f"Batch row {n}:", rows))
    for k, x in enumerate(p.inputs if not p.batch else ()):
        items.append((Name("w" if p.embedding else "x", "", 0), p.start + k, written(x), True))
    for (k, short), value in p.given.items():
        items.append((Name(p.symbol(short), "", 0), p.start + k, written(value), True))
    if p.output_layer:
        items.append((Name("V"), None, written(p.output_layer.V), True))
        if p.output_layer.c is not None:
            items.append((Name("c"), None, written(p.output_layer.c), True))
    items += _backward_data(p)
    groups.append(("Shared by every row:" if p.batch else "Inputs:" if len(p.units) > 1
                   else "", items))
    return [(caption, items) for caption, items in groups if items]


def line_groups(items: list[Item]) -> list[list[Item]]:
    """Items that belong on one line when they fit: a gate's W, U and b; the initial
    states; the inputs; each given quantity over the steps; the output layer."""
    def kind(item: Item) -> str:
        n, t = item[0], item[1]
        if t is None:
            return "parameter"
        return "value" if n.dt == 0 else "state"

    out: list[list[Item]] = []
    for item in items:
        starts = item[0].base in ("W", "E", "V") and item[1] is None
        if out and not starts and kind(out[-1][-1]) == kind(item):
            out[-1].append(item)
        else:
            out.append([item])
    return out


def row_inputs(dv: d.Derivation, k: int) -> str:
    """"Batch row k of n: x₁ = [...]; h₀ = [...]; c₀ = [...]" (a batch row's own data)."""
    from ..text import inline

    p = dv.problem
    xs = [f"x{_sub(p.start + j)} = {inline(numbers(x.array, dv.rounding, True))}"
          for j, x in enumerate(p.inputs)]
    initial = (p.batch[k - 1].initial if p.batch else None) or p.units[0].initial
    state = [f"{p.symbol(s)}{_sub(p.start - 1)} = {inline(numbers(v.array, dv.rounding, True))}"
             for s, v in initial.items()]
    n = len(p.batch) if p.batch else None
    return (f"Batch row {k}" + (f" of {n}" if n else "") + ": " + "; ".join(xs + state) + ".")


def _backward_data(p: Problem) -> list[Item]:
    """The targets of the loss (or the upstream gradient) a backward question gives."""
    training = p.training
    if training is None:
        return []
    items: list[Item] = []
    if training.loss is not None:
        base = ("y" if training.loss.on == "y" else p.symbol("h")) + "*"
        for k in training.loss.counted:
            items.append((Name(base, "", 0), p.start + k, written(training.loss.targets[k]),
                          True))
    last = p.start + p.steps - 1
    for state, value in training.upstream.items():
        items.append((Name("∂" + p.symbol(state), "", 0), last, written(value), True))
    return items


def ask_sentence(dv: d.Derivation) -> Rich:
    """"Compute gₜ, cₜ, hₜ for t = 2." (and, with a loss, what the backward pass asks)"""
    p = dv.problem
    out: Rich = ["Compute "]
    for k, n in enumerate(asked_names(dv)):
        out += ([", "] if k else []) + [Math((n,))]
    out += [" for ", Math((Name("t"), "=", str(p.start)))]
    if p.steps > 1:
        out += [" to ", Math((str(p.start + p.steps - 1),))]
    out += ["."]
    if p.training is not None:
        out += [" ", *backward_ask(dv)]
    return out


def backward_ask(dv: d.Derivation) -> Rich:
    """What a backward-pass question asks, in words with its symbols as math: what
    gradients_asked (training.py) says, as the quizzes and check ask it."""
    from ...training import gradients_asked

    p = dv.problem
    training = p.training
    loss = training.loss
    h, c = Name(p.symbol("h"), "", 0), Name(p.symbol("c"), "", 0) if "c" in p.cell_def.state \
        else None

    def grad(n: Name) -> Math:
        return Math((Name("∂" + n.base, n.sub, n.dt),))

    out: Rich = []
    if loss is not None:
        on = Name("y", "", 0) if loss.on == "y" else h
        target = Math((Name(on.base + "*", "", 0),))
        out += ["Then, for the loss ", Math(("L", "=")), Verbatim({
            "half_squared_error": " ½ Σₜ ‖", "squared_error": " Σₜ ‖",
            "mean_squared_error": " the mean of (", "cross_entropy": " −Σₜ log "}[loss.kind]),
            Math((on,))]
        if loss.kind == "cross_entropy":
            out += ["[", target, "]"]
        else:
            out += [" − ", target, Verbatim("‖²" if loss.kind != "mean_squared_error"
                                            else ")² over every entry")]
        if loss.steps == "last":
            out += [" at the last step only"]
        out += [", compute by backpropagation through time "]
    else:
        out += ["Then, from the given upstream gradient, compute by backpropagation "]
    asked = gradients_asked(p)
    per_step: list[Rich] = []
    if "dh" in asked:
        per_step.append([grad(h)])
    if "dc" in asked and c is not None:
        per_step.append([grad(c)])
    if "dy" in asked:
        per_step.append([Math((Name("δ", "y", 0),)), " (the output layer's)"])
    if "d_values" in asked:
        per_step.append(["the gradient of each gate"])
    if "d_pre" in asked:
        per_step.append(["each gate's δ (the gradient of its pre-activation)"])
    whole: list[Rich] = []
    words = {"loss": "the loss L", "grad": "the gradient of every parameter",
             "norm": "their global norm",
             "scale": f"the clipping scale for max_norm = {training.max_norm}",
             "updated": "the parameters after one SGD step with learning rate "
                        f"{training.learning_rate}"}
    whole += [[words[a]] for a in ("loss", "grad", "norm", "scale", "updated") if a in asked]
    parts: list[Rich] = []
    if per_step:
        joined: Rich = []
        for k, part in enumerate(per_step):
            joined += ([" and " if k == len(per_step) - 1 else ", "] if k else []) + part
        parts.append(joined + [" at every step"])
    parts += whole
    for k, part in enumerate(parts):
        out += ([" and " if k == len(parts) - 1 else ", "] if k else []) + part
    return out + ["."]


def asked_shorts(dv: d.Derivation) -> list[str]:
    p = dv.problem
    forward = [s for s in p.ask if s not in GRADIENT_ASKS]  # (gradients: the backward pass)
    return forward or [s for s in p.cell_def.quantities if (0, s) not in p.given] + (
        ["y"] if p.output_layer else [])


def asked_names(dv: d.Derivation) -> list[Name]:
    return [Name(dv.problem.symbol(s), "", 0) for s in asked_shorts(dv)]


def asked(dv: d.Derivation) -> list[str]:
    from ..text import name

    return [name(n) for n in asked_names(dv)]


def answer_columns(dv: d.Derivation) -> list[tuple[str, list[tuple[Name, int]], int]]:
    """For each step: its heading, the asked quantities with their sizes, and t (each
    row of a batch, "Batch row 2 · ...")."""
    wanted = set(asked_shorts(dv))
    out = []
    rows = [(1, dv), *enumerate(dv.rows, start=2)]
    for k, row in rows:
        head = f"Batch row {k} · " if len(rows) > 1 else ""
        for step in row.steps + row.outputs:
            columns = [(q.name, len(q.value)) for q in step.quantities
                       if not q.given and q.short in wanted]
            if columns:
                out.append((head + _step_heading(dv.problem, step), columns, step.t))
    return out


@dataclass(frozen=True)
class Cell:
    """A vector in the results table: its entries as printed, and whether it was given."""

    entries: list[str]
    given: bool = False


def _results(dv: d.Derivation, batch: list | None = None
             ) -> tuple[list[str | Name], list[list[str | Cell]]]:
    """The final table: a row per step, a column per (asked) quantity; every entry; with
    ``batch`` ((row number, derivation) pairs), those rows' steps, a "row" column first."""
    p = dv.problem
    numbered = batch or [(None, dv)]
    steps = [(k, step) for k, row in numbered for step in row.steps + row.outputs]
    shorts: list[str] = []
    asked = [a for a in p.ask if a not in GRADIENT_ASKS]
    for _, step in steps:
        for q in step.quantities:
            if q.short not in shorts and (not asked or q.short in asked):
                shorts.append(q.short)
    layered = len(p.units) > 1
    directions = layered and p.bidirectional  # a stacked one-way network: no direction
    header: list[str | Name] = (["row"] if batch else []) + (["layer"] if layered else []) + (
        ["direction"] if directions else []) + ["t"] + [
        Name(p.symbol(s), "", 0) for s in shorts]
    rows = []
    for k, step in steps:
        cells: list[str | Cell] = [str(k)] if batch else []
        cells += [str(step.layer)] if layered else []
        cells += [step.direction] if directions else []
        cells.append(str(step.t))
        for short in shorts:
            q = step.get(short)
            if q is None:
                cells.append("—")
                continue
            bare = q.given or (q.tree is not None and all(d.as_written(q.tree)))
            cells.append(Cell(list(numbers(q.value, dv.rounding, bare)), q.given))
        rows.append(cells)
    return header, rows


def flow_table(dv: d.Derivation) -> tuple[list[str], list[list[str]]]:
    """The gradient's norm at each step, from the last back, and the part of it that came
    back from step t+1."""
    show = dv.rounding.show
    lstm = any(row.dc is not None for row in dv.backward.flow)
    units = len(dv.problem.units) > 1
    header = (["unit"] if units else []) + ["t", "‖∂L/∂hₜ‖", "from t+1"] + (
        ["‖∂L/∂cₜ‖", "from t+1"] if lstm else [])
    rows = []
    for row in dv.backward.flow:
        cells = [notes.unit_label(dv.problem, row.layer, row.direction)] if units else []
        cells += [str(row.t), show(row.dh), "—" if row.dh_back is None else show(row.dh_back)]
        if lstm:
            cells += [show(row.dc) if row.dc is not None else "—",
                      "—" if row.dc_back is None else show(row.dc_back)]
        rows.append(cells)
    return header, rows
