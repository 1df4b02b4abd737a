"""The terminal renderer: a rich renderable walking the derivation.

For each quantity: its equation in symbols, the same with the numbers
written out, each product row by row, each sum and activation element by
element, the result, and a line in plain language. A table ends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .. import derivation as d
from ..counting import CountDerivation
from ..equations import Name
from ..naming import multiplies_sentence
from . import blocks, notes
from .expand import Expander
from .text import TextPrinter, ValuePrinter, inline, name, numbers, text_notation

INDENT = 2


@dataclass
class TerminalSolution:
    """``console.print(TerminalSolution(derivation))`` prints the worked solution."""

    derivation: d.Derivation
    full: bool = False
    questions: bool = False  # only the question and its data: a student's sheet

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        dv = self.derivation
        problem = dv.problem
        if problem.title:
            yield Rule(Text(problem.title, style="bold"))
        if problem.question:
            yield Padding(Text(problem.question.strip(), style="italic"), (0, 0, 1, 0))
        yield Text(_summary(dv), style="dim")
        which = multiplies_sentence(problem)
        if which:
            yield Text(which, style="italic")
        if self.questions:
            yield from self._question(options.max_width)
            return
        for step in dv.steps:
            yield from self._step(step, options.max_width)
        if dv.outputs:
            yield Text()
            yield Rule(Text("Outputs: both directions side by side", style="bold cyan"),
                       align="left")
            for step in dv.outputs:
                yield from self._quantities(step, options.max_width)
        yield Text()
        yield _final_table(dv, self.full)
        if dv.backward is not None:
            yield from self._backward(options.max_width)

    def _question(self, width: int) -> RenderResult:
        """What the question gives, as written, and what it asks."""
        from .documents.document import ask_sentence, given_data

        dv = self.derivation
        yield Text("\nGiven:", style="bold")
        for caption, items in given_data(dv.problem):
            if caption:
                yield Text(caption)
            yield from self._data(items, width)
        yield Text("\n" + ask_sentence(dv), style="bold")

    def _data(self, items, width: int) -> RenderResult:
        dv = self.derivation
        for n, t, values, _ in items:
            cells = [list(r) for r in values] if values.ndim == 2 else (
                [list(values)] if dv.problem.orientation == "row" else [[v] for v in values])
            pieces = [blocks.text(f"{name(n, t)} = "), blocks.matrix(cells, self.full, width)]
            yield Padding(Text(str(blocks.hjoin(*pieces)), no_wrap=True), (0, 0, 0, INDENT))

    def _step(self, step: d.Step, width: int) -> RenderResult:
        dv = self.derivation
        problem = dv.problem
        yield Text()
        heading = f"Step t = {step.t}"
        if len(problem.units) > 1:
            heading = f"Layer {step.layer} · {step.direction} · step t = {step.t}"
        yield Rule(Text(heading, style="bold cyan"), align="left")
        x_name = name(Name("x", "", 0), step.t)
        if step.layer > 1:
            below = [u.direction for u in problem.layer(step.layer - 1)]
            what = name(Name("h", "", 0), step.t) if len(below) == 1 else "[" + "; ".join(
                name(Name(f"h{d.ARROWS[b]}", "", 0), step.t) for b in below) + "]"
            shown = inline(numbers(step.x, dv.rounding), self.full) if step.x is not None \
                else "unknown"
            yield Text(f"{x_name} = {what} of layer {step.layer - 1} = {shown}")
        elif step.x is not None and not problem.embedding:
            yield Text(f"{x_name} = {inline(numbers(step.x, dv.rounding, True), self.full)}")
        yield from self._quantities(step, width)

    def _quantities(self, step: d.Step, width: int, fast: bool = False) -> RenderResult:
        dv = self.derivation
        row = dv.problem.orientation == "row"
        given = [q for q in step.quantities if q.given]
        for q in given:
            yield Text.assemble((f"{name(q.name, step.t)} = ", "bold"),
                                inline(numbers(q.value, dv.rounding, True), self.full),
                                ("  (given)", "dim"))
        for q in step.quantities:
            if not q.given:
                yield from self._quantity(q, step, width, row, fast)
        for short, why in step.missing.items():
            yield Text.assemble(("\nCannot compute ", "bold yellow"),
                                (_symbol(dv, short, step.t), "bold yellow"), f": {why}.")

    def _quantity(self, q: d.Quantity, step: d.Step, width: int, row: bool,
                  fast: bool = False) -> RenderResult:
        """The title, then the equation in symbols, with numbers, the worked lines, the
        result and a note; ``fast`` lays the lines out here (the backward pass's many
        lines), not through rich's wrapping."""
        title = f"{notes.title(self.derivation, step, q)} {name(q.name, step.t)}"
        parts = self._parts(q, step, width, row)
        if fast:
            yield _Lines.of(title, parts, width, self.full)
            return
        yield Text()
        yield Text(title, style="bold")
        for kind, text, style in parts:
            if kind == "block":
                item = Text(text, style=style, no_wrap=not self.full, overflow="fold")
            elif kind == "lines":
                item = Padding(Text(text), (0, 0, 0, 2), expand=False)
            else:
                item = Text(text, style=style)
            yield Padding(item, (0, 0, 0, INDENT), expand=False)

    def _parts(self, q: d.Quantity, step: d.Step, width: int,
               row: bool) -> list[tuple[str, str, str]]:
        """(kind, text, style): "wrap" is word-wrapped, "block" is laid out already (never
        wrapped), "lines" are worked lines, indented once more."""
        dv = self.derivation
        t = step.t
        lhs = name(q.name, t)
        parts = [("wrap", f"{name(q.name)} = {TextPrinter(None, row).doprint(q.tree)}",
                  "magenta")]
        room = width - INDENT - len(lhs) - 3
        values = ValuePrinter(dv.rounding, self.full, row, room - 12)  # room for "σ(" etc.
        pieces = [blocks.text(f"{lhs} = "), *values.pieces(q.tree)]
        for line in blocks.wrap(pieces, width - INDENT, len(lhs) + 3):
            parts.append(("block", str(line), ""))
        expander = Expander(text_notation(t, row), dv.rounding, self.full, dv.exact)
        label = TextPrinter(t, row)
        for node, lines in expander.sections(q.tree):
            parts.append(("wrap", f"{label.doprint(node)}:", "dim"))
            parts.append(("lines", "\n".join(lines), ""))
        if q.value.ndim == 2:  # a parameter's gradient or update
            M, show = q.value, dv.rounding.show
            block = blocks.hjoin(blocks.text(f"{lhs} = "), blocks.lazy_matrix(
                *M.shape, lambda i, j: show(M[i, j]), self.full, width - INDENT - len(lhs) - 3))
            parts.append(("block", str(block), "bold green"))
        else:
            result = inline(numbers(q.value, dv.rounding, d.as_written(q.tree)), self.full)
            if q.value.size == 1 and q.short in ("loss", "norm", "scale"):
                result = dv.rounding.show(q.value[0])
            parts.append(("wrap", f"{lhs} = {result}", "bold green"))
        note = notes.line(dv, step, q)
        if note:
            parts.append(("wrap", f"→ {note}", "italic"))
        return parts

    # -- the backward pass --------------------------------------------------------------------

    def _backward(self, width: int) -> RenderResult:
        """The loss, each step's gradients from the last step back, the initial state's,
        every parameter's, their norm, clipping, the update, and how ‖∂L/∂hₜ‖ changed."""
        dv = self.derivation
        b = dv.backward
        yield Text()
        yield Rule(Text("Backward pass: gradients through time (BPTT)", style="bold magenta"),
                   align="left")
        for line in notes.backward_intro(dv):
            yield Text(line, style="dim")
        whole = d.Step(None, None)  # quantities that belong to no one step
        if b.loss is not None:
            yield from self._quantity(b.loss, whole, width, False, fast=True)
        for step in b.steps:
            yield Text()
            yield Rule(Text(notes.backward_heading(dv.problem, step), style="bold magenta"),
                       align="left")
            yield from self._quantities(step, width, fast=True)
        for step in b.initial:
            yield Text()
            yield Rule(Text(notes.backward_heading(dv.problem, step, "the initial state"),
                            style="bold magenta"), align="left")
            yield from self._quantities(step, width, fast=True)
        if b.gradients:
            yield Text()
            yield Rule(Text("Parameter gradients: Σ over the steps", style="bold magenta"),
                       align="left")
            unit = None
            for g in b.gradients:
                label = notes.unit_label(dv.problem, g.layer, g.direction)
                if label and label != unit:
                    yield Text(f"\n{label[0].upper()}{label[1:]}:", style="bold")
                unit = label
                yield from self._quantity(g.gradient, whole, width, False, fast=True)
        if b.norm is not None:
            yield Text()
            yield Rule(Text("Gradient norm" + (", clipping" if b.clip else "") + (
                " and the SGD update" if b.learning_rate else ""), style="bold magenta"),
                align="left")
            yield from self._quantity(b.norm, whole, width, False, fast=True)
        if b.clip is not None:
            yield from self._quantity(b.clip, whole, width, False, fast=True)
        if b.learning_rate is not None:
            yield Text(f"\nθ ← θ − λ{' s' if b.clip else ''} ∂L/∂θ with λ = "
                       f"{dv.problem.training.learning_rate}", style="dim")
            for g in b.gradients:
                yield from self._quantity(g.update, whole, width, False, fast=True)
        yield Text()
        yield _norms_table(dv)
        yield Text("→ " + notes.gradient_flow(dv), style="italic")

def _summary(dv: d.Derivation) -> str:
    p = dv.problem
    parts = [f"{p.cell.upper()}", f"H = {p.hidden_size}"]
    if p.input_size:
        parts.append(f"X = {p.input_size}")
    parts.append(f"{p.steps} step{'s' if p.steps > 1 else ''}")
    parts.append(p.layout + (f" [{', '.join(map(str, p.stack))}]" if p.layout == "concat"
                             else f" ({p.naming.form()})"))
    if p.orientation == "row":
        parts.append("row vectors (v·W)")
    r = p.rounding
    carry = "rounded values carried" if r.carry == "rounded" else "exact values carried"
    return " · ".join(parts) + f"\n{r.decimals} decimals · halves rounded {r.round_half} · {carry}"


def _symbol(dv: d.Derivation, short: str, t: int | None) -> str:
    return name(Name(dv.problem.symbol(short), "", 0), t)


def _final_table(dv: d.Derivation, full: bool) -> Table:
    steps = dv.steps + dv.outputs
    shorts = []
    for step in steps:
        for q in step.quantities:
            if q.short not in shorts:
                shorts.append(q.short)
    layered = len(dv.problem.units) > 1
    table = Table(title="Results", title_style="bold", show_lines=len(steps) > 1)
    if layered:
        table.add_column("layer", justify="right")
        table.add_column("dir")
    table.add_column("t", justify="right")
    for short in shorts:
        table.add_column(_symbol(dv, short, None).removesuffix("ₜ") + "ₜ", justify="right")
    for step in steps:
        cells = []
        for short in shorts:
            q = step.get(short)
            if q is None:
                cells.append("—")
            else:
                bare = q.given or (q.tree is not None and all(d.as_written(q.tree)))
                shown = blocks.elide(numbers(q.value, dv.rounding, bare), full, "⋮")
                cells.append("\n".join(shown) + ("\n(given)" if q.given else ""))
        where = [str(step.layer), {"both": "→←"}.get(step.direction, d.ARROWS.get(
            step.direction, ""))] if layered else []
        table.add_row(*where, str(step.t), *cells)
    return table


@dataclass
class _Lines:
    """Lines laid out here (wrapped, indented), handed to rich as plain segments: the
    backward pass prints thousands of lines for a large network, and rich's own wrapping
    of each would take seconds."""

    lines: list[tuple[str, str]]  # (text, style)

    @classmethod
    def of(cls, title: str, parts: list[tuple[str, str, str]], width: int,
           full: bool) -> _Lines:
        import textwrap

        out = [("", ""), (title, "bold")]
        for kind, text, style in parts:
            indent = " " * (INDENT + 2 * (kind == "lines"))
            room = max(20, width - len(indent))
            for line in text.split("\n"):
                if kind == "block" or blocks.display_width(line) <= room:
                    out.append((indent + line, style))
                    continue
                for piece in textwrap.wrap(line, room, break_on_hyphens=False) or [""]:
                    out.append((indent + piece, style))
        return cls(out)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment
        from rich.style import Style

        for text, style in self.lines:
            yield Segment(text, Style.parse(style) if style else None)
            yield Segment.line()


def _norms_table(dv: d.Derivation) -> Table:
    """‖∂L/∂hₜ‖ (and ‖∂L/∂cₜ‖) from the last step back, and the part from step t+1."""
    from .documents.document import flow_table

    header, rows = flow_table(dv)
    table = Table(title="How the gradient flows back", title_style="bold")
    for column in header:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*row)
    return table


@dataclass
class TerminalCount:
    """A parameter count: every matrix with its shape and count, then the sum."""

    derivation: CountDerivation
    questions: bool = False

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        dv = self.derivation
        p = dv.problem
        if p.title:
            yield Rule(Text(p.title, style="bold"))
        if p.question:
            yield Padding(Text(p.question.strip(), style="italic"), (0, 0, 1, 0))
        from .documents.document import count_summary

        yield Text(count_summary(p), style="dim")
        if self.questions:
            yield Text("\nHow many trainable parameters does the network have?", style="bold")
            return
        yield Text()
        table = Table(title="Trainable parameters", title_style="bold")
        where = any(item.unit for item in dv.items)
        for column, justify in (("where", "left"), ("matrix", "left"), ("shape", "right"),
                                ("count", "right"), ("what it is", "left"))[not where:]:
            table.add_column(column, justify=justify)
        for item in dv.items:
            cells = [item.name, "×".join(map(str, item.shape)), f"{item.count:,}", item.role]
            table.add_row(*([item.unit] if where else []), *cells)
        yield table
        yield Text()
        yield Text.assemble(("Total = ", "bold"), f"{dv.formula} = ",
                            (f"{dv.total:,}", "bold green"))
        for note in dv.notes:
            yield Text(f"→ {note}", style="italic")


def render(derivation, console: Console, full: bool = False, questions: bool = False) -> None:
    """Print the solution; piped output loses the padding rich adds at line ends."""
    if isinstance(derivation, d.Derivation):
        solution = TerminalSolution(derivation, full, questions)
    else:
        solution = TerminalCount(derivation, questions)
    print_trimmed(console, solution)


def print_trimmed(console: Console, *renderables) -> None:
    """Print; piped output loses the spaces rich pads lines with."""
    if console.is_terminal:
        console.print(*renderables)
        return
    with console.capture() as capture:
        console.print(*renderables)
    text = "\n".join(line.rstrip() for line in capture.get().splitlines())
    console.file.write(text + "\n")
