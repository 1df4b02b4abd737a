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
from ..forms import notes as head_notes
from . import blocks, notes
from .expand import Expander
from .text import TextPrinter, ValuePrinter, inline, name, numbers, text_notation

INDENT = 2
APPROX = ("≈ marks a line whose shown numbers do not give its shown result in the last "
          "digit: values are carried unrounded and shown rounded.")


@dataclass
class TerminalSolution:
    """``console.print(TerminalSolution(derivation))`` prints the worked solution."""

    derivation: d.Derivation
    full: bool = False
    questions: bool = False  # only the question and its data: a student's sheet
    row: int = 1  # a batch's row: rows 2, 3, ... are printed without the head

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        dv = self.derivation
        problem = dv.problem
        width = options.max_width
        if self.questions:
            yield from self._sheet(width)
            return
        worked = self._worked()
        if self.row > 1:
            yield from self._solution(width, worked)
            return
        if problem.title:
            yield Rule(Text(problem.title, style="bold"))
        if problem.question:
            yield Padding(Text(problem.question.strip(), style="italic"), (0, 0, 1, 0))
        yield Text(_summary(dv), style="dim")
        for note in head_notes(problem):  # which matrix multiplies which, packing, ...
            yield Text(note, style="italic")
        if any(line.approx for sections in worked.values() for _, lines in sections
               for line in lines):
            yield Text(APPROX, style="dim")
        yield from self._solution(width, worked)
        if dv.rows and self.full:  # a batch: every row worked in full (issue 17)
            for k, row in enumerate(dv.rows, start=2):
                yield Text()
                yield Rule(Text(f"Batch row {k} of {len(dv.rows) + 1}", style="bold"))
                yield TerminalSolution(row, self.full, row=k)
        elif dv.rows:
            yield Text()
            yield _final_table(dv, [(k, row) for k, row in enumerate(dv.rows, start=2)],
                               f"Batch rows 2–{len(dv.rows) + 1} (--full works each)")

    def _solution(self, width: int, worked: dict) -> RenderResult:
        """Every step, then the results table (a batch's row: its own data first)."""
        dv = self.derivation
        if dv.problem.batch or self.row > 1:
            from .documents.document import row_inputs
            from .inline import plain

            yield Text(plain(row_inputs(dv, self.row)), style="dim")
        for step in dv.steps:
            yield from self._step(step, width, worked)
        if dv.outputs:
            yield Text()
            yield Rule(Text("Outputs: both directions side by side", style="bold cyan"),
                       align="left")
            for step in dv.outputs:
                yield from self._quantities(step, width, worked)
        yield Text()
        yield _final_table(dv)
        if dv.backward is not None:
            yield from self._backward(width)

    def _worked(self) -> dict[int, list]:
        """Every quantity's worked lines, made once (the header says if any is ≈)."""
        dv = self.derivation
        row = dv.problem.orientation == "row"
        out = {}
        for step in dv.steps + dv.outputs:
            notation = text_notation(step.t, row)
            for q in step.quantities:
                if not q.given and q.tree is not None:
                    out[id(q)] = Expander(notation, dv.rounding, self.full,
                                          dv.exact).worked(q.tree)
        return out

    def _sheet(self, width: int) -> RenderResult:
        """A student's sheet: name line, the question, the cell in equations, the data as
        written, what to compute, and a table to write the answers in."""
        from .documents.document import (
            answer_columns,
            ask_sentence,
            cell_equations,
            conventions,
            given_data,
            identity,
            sentences,
            student_of,
        )
        from .inline import plain

        dv = self.derivation
        p = dv.problem
        yield Rule(Text(identity(p), style="bold"))
        student = student_of(p)
        yield Text(f"Name: {student or '_' * 28}   Student ID: {'_' * 14}")
        yield Text()
        if p.question:
            yield Padding(Text(p.question.strip(), style="italic"), (0, 0, 1, 0))
        yield Text(plain(sentences(conventions(p))))
        printer = TextPrinter(None, p.orientation == "row")
        yield Text()
        for n, tree in cell_equations(dv):
            yield Padding(Text(f"{name(n)} = {printer.doprint(tree)}"), (0, 0, 0, INDENT))
        yield Text("\nGiven:", style="bold")
        for caption, items in given_data(p):
            if caption:
                yield Text(caption)
            for line in data_lines(items, width - INDENT, p.orientation == "row"):
                yield Padding(Text(line, no_wrap=True), (0, 0, 0, INDENT))
        yield Text("\n" + plain(ask_sentence(dv)), style="bold")
        for caption, columns, t in answer_columns(dv):
            for part in _fitting(columns, width):
                yield Text()
                yield _answer_table(caption, part, t)

    def _step(self, step: d.Step, width: int, worked: dict) -> RenderResult:
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
        elif step.x is not None and not problem.embedding:  # given: every entry
            yield _Lines([(line, "") for line in wrap_inline(
                f"{x_name} = ", numbers(step.x, dv.rounding, True), width)])
        yield from self._quantities(step, width, worked)

    def _quantities(self, step: d.Step, width: int, worked: dict) -> RenderResult:
        dv = self.derivation
        row = dv.problem.orientation == "row"
        given = [q for q in step.quantities if q.given]
        for q in given:  # every entry: the question gave them
            prefix = f"{name(q.name, step.t)} = "
            lines = wrap_inline(prefix, numbers(q.value, dv.rounding, True), width - 9)
            text = Text.assemble("\n".join(lines), ("  (given)", "dim"))
            text.stylize("bold", 0, len(prefix))
            yield text
        for q in step.quantities:
            if not q.given:
                yield from self._quantity(q, step, width, row, worked.get(id(q)))
        for short, why in step.missing.items():
            yield Text.assemble(("\nCannot compute ", "bold yellow"),
                                (_symbol(dv, short, step.t), "bold yellow"), f": {why}.")

    def _quantity(self, q: d.Quantity, step: d.Step, width: int, row: bool,
                  sections: list | None = None) -> RenderResult:
        """One quantity worked out (render/checking.py shows the first wrong one so), its
        lines laid out here (_Lines), not by rich: a large network has thousands."""
        title = f"{notes.title(self.derivation, step, q)} {name(q.name, step.t)}"
        yield _Lines.of(title, self._parts(q, step, width, row, sections), width)

    def _parts(self, q: d.Quantity, step: d.Step, width: int, row: bool,
               sections: list | None = None) -> list[tuple[str, str, str]]:
        """(kind, text, style): "wrap" is word-wrapped, "block" is laid out already (never
        wrapped), "lines" are worked lines (wrapped here), indented once more."""
        dv = self.derivation
        t = step.t
        if sections is None:
            sections = Expander(text_notation(t, row), dv.rounding, self.full,
                                dv.exact).worked(q.tree)
        lhs = name(q.name, t)
        body = [("wrap", f"{name(q.name)} = {TextPrinter(None, row).doprint(q.tree)}",
                 "magenta")]
        room = width - INDENT - len(lhs) - 3
        values = ValuePrinter(dv.rounding, self.full, row, room - 12)  # room for "σ(" etc.
        pieces = [blocks.text(f"{lhs} = "), *values.pieces(q.tree)]
        if max(piece.width for piece in pieces) <= width - INDENT:
            for line in blocks.wrap(pieces, width - INDENT, len(lhs) + 3):
                body.append(("block", str(line), ""))
        else:  # a matrix wider than the screen (--full): its numbers below, in blocks
            body.append(("wrap", f"{lhs} = {TextPrinter(t, row).doprint(q.tree)}, where", ""))
            items = [(leaf.name, t if leaf.name.dt is not None else None, leaf.value,
                      leaf.from_file) for leaf in d.leaves(q.tree)]
            body += [("block", line, "") for line in data_lines(
                items, width - INDENT, row, dv.rounding, self.full)]
        label = TextPrinter(t, row)
        for node, lines in sections:
            body.append(("wrap", f"{label.doprint(node)}:", "dim"))
            wrapped = blocks.wrap_section(lines, width - INDENT - 2)
            body.append(("lines", "\n".join(wrapped), ""))
        if q.value.ndim == 2:  # a parameter's gradient or update
            M, show = q.value, dv.rounding.show
            block = blocks.hjoin(blocks.text(f"{lhs} = "), blocks.lazy_matrix(
                *M.shape, lambda i, j: show(M[i, j]), self.full, width - INDENT - len(lhs) - 3))
            body.append(("block", str(block), "bold green"))
        elif q.value.size == 1 and q.short in ("loss", "norm", "scale"):
            body.append(("wrap", f"{lhs} = {dv.rounding.show(q.value[0])}", "bold green"))
        else:
            result = numbers(q.value, dv.rounding, d.as_written(q.tree))
            body.append(("wrap", "\n".join(wrap_inline(f"{lhs} = ", blocks.elide(
                result, self.full, "…"), width - INDENT)), "bold green"))
        note = notes.line(dv, step, q)
        if note:
            body.append(("wrap", f"→ {note}", "italic"))
        return body

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
            yield from self._quantity(b.loss, whole, width, False)
        for step in b.steps:
            yield Text()
            yield Rule(Text(notes.backward_heading(dv.problem, step), style="bold magenta"),
                       align="left")
            yield from self._quantities(step, width, {})
        for step in b.initial:
            yield Text()
            yield Rule(Text(notes.backward_heading(dv.problem, step, "the initial state"),
                            style="bold magenta"), align="left")
            yield from self._quantities(step, width, {})
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
                yield from self._quantity(g.gradient, whole, width, False)
        if b.norm is not None:
            yield Text()
            yield Rule(Text("Gradient norm" + (", clipping" if b.clip else "") + (
                " and the SGD update" if b.learning_rate else ""), style="bold magenta"),
                align="left")
            yield from self._quantity(b.norm, whole, width, False)
        if b.clip is not None:
            yield from self._quantity(b.clip, whole, width, False)
        if b.learning_rate is not None:
            yield Text(f"\nθ ← θ − λ{' s' if b.clip else ''} ∂L/∂θ with λ = "
                       f"{dv.problem.training.learning_rate}", style="dim")
            for g in b.gradients:
                yield from self._quantity(g.update, whole, width, False)
        yield Text()
        yield _norms_table(dv)
        yield Text("→ " + notes.gradient_flow(dv), style="italic")


@dataclass
class _Lines:
    """Lines laid out here (wrapped, indented), handed to rich as plain segments: a large
    network's solution is thousands of lines, and rich's own wrapping of each would take
    seconds."""

    lines: list[tuple[str, str]]  # (text, style)

    @classmethod
    def of(cls, title: str, parts: list[tuple[str, str, str]], width: int) -> _Lines:
        import textwrap

        out = [("", ""), (title, "bold")]
        for kind, text, style in parts:
            indent = " " * (INDENT + 2 * (kind == "lines"))
            room = max(20, width - len(indent))
            for line in text.split("\n"):
                if kind != "wrap" or blocks.display_width(line) <= room:
                    out.append((indent + line, style))
                    continue
                for piece in textwrap.wrap(line, room, break_on_hyphens=False) or [""]:
                    out.append((indent + piece, style))
        return cls(out)

    def plain(self, console: Console) -> list[str]:
        return [text for text, _ in self.lines]

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


def wrap_inline(prefix: str, cells: list[str], width: int) -> list[str]:
    """``h₂ = [0.2723, 0.9725]``, continued under the first entry when too long."""
    lines = [prefix + "["]
    indent = " " * (blocks.display_width(prefix) + 1)
    for k, c in enumerate(cells):
        piece = c + (", " if k < len(cells) - 1 else "]")
        if blocks.display_width(lines[-1] + piece.rstrip()) > width and k:
            lines[-1] = lines[-1].rstrip()
            lines.append(indent)
        lines[-1] += piece
    return lines


def data_lines(items, width: int, row: bool, rounding=None, full: bool = True) -> list[str]:
    """The data of a question (or of a quantity) as bracketed blocks: never cut off, a
    wide matrix in column blocks ("columns 5–8", as numpy prints it), small ones several
    to a line. Entries are text as written, or numbers shown with ``rounding``."""
    from .documents.document import line_groups
    from .documents.latex import grid
    from .text import show

    out: list[str] = []
    for group in line_groups(items):
        line: list[blocks.Block] = []
        for n, t, value, bare in group:
            cell = str if rounding is None else (lambda x, b=bare: show(rounding, x, b))
            cells = grid(value, cell, full, row)
            lhs = f"{name(n, t)} = "
            room = width - blocks.display_width(lhs) - 2
            parts = blocks.data_blocks(cells, room, 10_000, value.ndim == 1)
            if len(parts) > 1:
                if line:
                    out += str(blocks.hjoin(*line)).splitlines()
                    line = []
                indent = " " * blocks.display_width(lhs)
                for k, (caption, rows) in enumerate(parts):
                    out.append((lhs if k == 0 else indent) + f"({caption})")
                    out += [indent + r for r in str(blocks.matrix(rows, True)).splitlines()]
                continue
            block = blocks.hjoin(blocks.text(lhs), blocks.matrix(parts[0][1], True))
            used = sum(b.width for b in line)
            if line and used + 3 + block.width > width:
                out += str(blocks.hjoin(*line)).splitlines()
                line = []
            line += ([blocks.text("   ")] if line else []) + [block]
        if line:
            out += str(blocks.hjoin(*line)).splitlines()
    return out


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
    if r.carry == "rounded" and r.only:  # round: [h]
        carry = ", ".join(p.symbol(s) for s, _ in r.only) + " rounded before carried"
    half = {"down": "halves rounded toward 0", "truncate": "digits beyond cut off"}.get(
        r.round_half, f"halves rounded {r.round_half}")
    return " · ".join(parts) + f"\n{r.decimals} decimals · {half} · {carry}"


def _symbol(dv: d.Derivation, short: str, t: int | None) -> str:
    return name(Name(dv.problem.symbol(short), "", 0), t)


def _final_table(dv: d.Derivation, rows: list | None = None,
                 title: str = "Results") -> Grid:
    """Every requested quantity at every step, every entry; with ``rows`` ((row number,
    derivation) pairs of a batch), those rows' steps, a "row" column first."""
    numbered = rows or [(None, dv)]
    steps = [(k, step) for k, row in numbered for step in row.steps + row.outputs]
    shorts = []
    for _, step in steps:
        for q in step.quantities:
            if q.short not in shorts:
                shorts.append(q.short)
    layered = len(dv.problem.units) > 1
    headers = (["row"] if rows else []) + (["layer", "dir"] if layered else []) + ["t"]
    headers += [_symbol(dv, short, None).removesuffix("ₜ") + "ₜ" for short in shorts]
    table = Grid(title, headers, [h != "dir" for h in headers], [], len(steps) > 1)
    for k, step in steps:
        cells = []
        for short in shorts:
            q = step.get(short)
            if q is None:
                cells.append("—")
            else:
                bare = q.given or (q.tree is not None and all(d.as_written(q.tree)))
                shown = numbers(q.value, dv.rounding, bare)
                cells.append("\n".join(shown) + ("\n(given)" if q.given else ""))
        where = [str(step.layer), {"both": "→←"}.get(step.direction, d.ARROWS.get(
            step.direction, ""))] if layered else []
        table.rows.append([*([str(k)] if rows else []), *where, str(step.t), *cells])
    return table


@dataclass
class Grid:
    """A table of text cells, drawn as rich draws ``Table(title, show_lines)`` (the
    heavy-headed box, a space either side of a cell) but laid out here: the results of a
    large network are thousands of lines, which rich's own layout of each cell takes
    seconds over. A table wider than the screen, or a title wider than the table, is
    handed to rich, which shrinks and wraps them."""

    title: str
    headers: list[str]
    right: list[bool]  # per column: right-justified (else left)
    rows: list[list[str]]  # a cell's lines joined by "\n"
    show_lines: bool

    def table(self) -> Table:
        """The same table for rich to lay out."""
        table = Table(title=self.title, title_style="bold", show_lines=self.show_lines)
        for header, right in zip(self.headers, self.right):
            table.add_column(header, justify="right" if right else "left")
        for row in self.rows:
            table.add_row(*row)
        return table

    def drawn(self, console: Console, options: ConsoleOptions
              ) -> list[list[tuple[str, bool]]] | None:
        """The table's lines, each as pieces (text, bold); None when it is wider than the
        screen (or its title wider than it), for rich to shrink and wrap."""
        from rich import box
        from rich.cells import cell_len

        def width(s: str) -> int:
            return len(s) if s.isascii() else cell_len(s)

        cells = [[cell.split("\n") for cell in row] for row in self.rows]
        widths = [max([width(h), *(width(line) for row in cells for line in row[k])])
                  for k, h in enumerate(self.headers)]
        total = sum(widths) + 3 * len(widths) + 1
        if total > options.max_width or width(self.title) > total or any(
                "[" in text for text in (self.title, *self.headers)):  # rich's markup
            return None
        frame = box.HEAVY_HEAD.substitute(options, safe=console.safe_box)  # ASCII, ...
        padded = [w + 2 for w in widths]
        out: list[list[tuple[str, bool]]] = []
        if self.title:
            excess = total - width(self.title)
            out.append([(" " * (excess // 2), False), (self.title, True),
                        (" " * (excess - excess // 2), False)])

        def line(left: str, middle: str, right: str, texts: list[str], bold: bool = False):
            pieces = [(left, False)]
            for k, text in enumerate(texts):
                gap = " " * (widths[k] - width(text))
                pieces.append((f" {gap}{text} " if self.right[k] else f" {text}{gap} ", bold))
                pieces.append((middle if k < len(texts) - 1 else right, False))
            out.append(pieces)

        out.append([(frame.get_top(padded), False)])
        line(frame.head_left, frame.head_vertical, frame.head_right, self.headers, True)
        out.append([(frame.get_row(padded, "head"), False)])
        for n, row in enumerate(cells):
            if n and self.show_lines:
                out.append([(frame.get_row(padded, "row"), False)])
            for k in range(max(len(cell) for cell in row)):
                line(frame.mid_left, frame.mid_vertical, frame.mid_right,
                     [cell[k] if k < len(cell) else "" for cell in row])
        out.append([(frame.get_bottom(padded), False)])
        return out

    def plain(self, console: Console) -> list[str] | None:
        lines = self.drawn(console, console.options)
        return None if lines is None else ["".join(t for t, _ in line) for line in lines]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment
        from rich.style import Style

        lines = self.drawn(console, options)
        if lines is None:
            yield self.table()
            return
        bold = Style(bold=True)
        for line in lines:
            for text, strong in line:
                yield Segment(text, bold if strong else None)
            yield Segment.line()


@dataclass
class TerminalCount:
    """A parameter count: every matrix with its shape and count, then the sum."""

    derivation: CountDerivation
    questions: bool = False

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from .inline import parse, plain

        dv = self.derivation
        p = dv.problem
        if p.title:
            yield Rule(Text(p.title, style="bold"))
        if p.question:
            yield Padding(Text(p.question.strip(), style="italic"), (0, 0, 1, 0))
        from .documents.document import count_summary

        yield Text(plain(parse(count_summary(p))), style="dim")  # hₜ₋₁, not h_(t-1)
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
            cells = [item.name, "×".join(map(str, item.shape)), f"{item.count:,}",
                     plain(parse(item.role))]  # "input: hₜ₋₁", as the terminal writes it
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


ANSWER_WIDTH = 10  # a box wide enough to write a 4-decimal number by hand


def _fitting(columns: list, width: int) -> list[list]:
    """The answer columns in groups narrow enough for the terminal: a box is
    ANSWER_WIDTH wide plus 3 for its borders, after the k column (5)."""
    per_table = max(1, (width - 5) // (ANSWER_WIDTH + 3))
    tables = -(-len(columns) // per_table)
    size = -(-len(columns) // tables)  # balanced: 3 + 3 rather than 5 + 1
    return [columns[i:i + size] for i in range(0, len(columns), size)]


def _answer_table(caption: str, columns: list, t: int) -> Table:
    table = Table(title=caption, title_justify="left", show_lines=True)
    table.add_column("k", justify="right")
    for n, _ in columns:
        table.add_column(name(n, t), min_width=ANSWER_WIDTH)
    for k in range(max(size for _, size in columns)):
        table.add_row(str(k + 1), *("" if k < size else "—" for _, size in columns))
    return table


def print_trimmed(console: Console, *renderables) -> None:
    """Print; piped output loses the spaces rich pads lines with, and the lines laid out
    here (_Lines, Grid) go straight to the file, not through rich."""
    if console.is_terminal:
        console.print(*renderables)
        return
    lines: list[str] = []

    def emit(item) -> None:
        if isinstance(item, (TerminalSolution, TerminalCount)):  # ours: walk it
            for part in item.__rich_console__(console, console.options):
                emit(part)
            return
        plain = item.plain(console) if isinstance(item, (_Lines, Grid)) else None
        if plain is None:
            with console.capture() as capture:
                console.print(item)
            plain = capture.get().splitlines()
        lines.extend(plain)

    for renderable in renderables:
        emit(renderable)
    console.file.write("\n".join(line.rstrip() for line in lines) + "\n")
