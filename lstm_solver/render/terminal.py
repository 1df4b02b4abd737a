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

    def _quantities(self, step: d.Step, width: int) -> RenderResult:
        dv = self.derivation
        row = dv.problem.orientation == "row"
        given = [q for q in step.quantities if q.given]
        for q in given:
            yield Text.assemble((f"{name(q.name, step.t)} = ", "bold"),
                                inline(numbers(q.value, dv.rounding, True), self.full),
                                ("  (given)", "dim"))
        for q in step.quantities:
            if not q.given:
                yield from self._quantity(q, step, width, row)
        for short, why in step.missing.items():
            yield Text.assemble(("\nCannot compute ", "bold yellow"),
                                (_symbol(dv, short, step.t), "bold yellow"), f": {why}.")

    def _quantity(self, q: d.Quantity, step: d.Step, width: int, row: bool) -> RenderResult:
        dv = self.derivation
        t = step.t
        lhs = name(q.name, t)
        yield Text()
        yield Text(f"{notes.title(dv, step, q)} {lhs}", style="bold")
        body: list = [Text(f"{name(q.name)} = {TextPrinter(None, row).doprint(q.tree)}",
                           style="magenta")]
        room = width - INDENT - len(lhs) - 3
        values = ValuePrinter(dv.rounding, self.full, row, room - 12)  # room for "σ(" etc.
        pieces = [blocks.text(f"{lhs} = "), *values.pieces(q.tree)]
        for line in blocks.wrap(pieces, width - INDENT, len(lhs) + 3):
            body.append(Text(str(line), no_wrap=not self.full, overflow="fold"))
        expander = Expander(text_notation(t, row), dv.rounding, self.full, dv.exact)
        label = TextPrinter(t, row)
        for node, lines in expander.sections(q.tree):
            body.append(Text(f"{label.doprint(node)}:", style="dim"))
            body.append(Padding(Text("\n".join(lines)), (0, 0, 0, 2), expand=False))
        result = inline(numbers(q.value, dv.rounding, d.as_written(q.tree)), self.full)
        body.append(Text(f"{lhs} = {result}", style="bold green"))
        note = notes.line(dv, step, q)
        if note:
            body.append(Text(f"→ {note}", style="italic"))
        for item in body:
            yield Padding(item, (0, 0, 0, INDENT), expand=False)


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
