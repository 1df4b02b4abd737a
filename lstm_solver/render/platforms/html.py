"""HTML that a learning platform keeps as written: the question stem and the worked
solution, for Moodle and Canvas alike.

Both platforms clean what they import differently, so this HTML uses only what
both keep: no MathML and no <style> element (Canvas drops both: canvas-lms
gems/canvas_sanitize), so no classes either; only div, span, p, pre, h3–h6, table,
sub, strong, em and inline styles from Canvas's allowed properties. Matrices are HTML tables,
names carry <sub> subscripts, and the worked lines are <pre> text, as the
terminal shows them. No filter (MathJax, TeX) is needed to read any of it.

Every text a problem supplies goes through ``esc``: HTML-escaped, with ``{`` and
``}`` written as character references. Moodle finds cloze blanks in the stored
HTML text with a regular expression that must see a literal ``{`` to start one
(``\\{([0-9]*):(NUMERICAL|...):``) or to place one (``{#N}``), so text with no
literal brace can neither add a blank nor end one; ``~ # :`` only have a meaning
inside a blank. The browser shows &#123; as {, and so does MathJax, which reads
the page's text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ... import derivation as d
from ...equations import Name
from .. import blocks, notes
from ..documents.document import Document, title_of
from ..expand import Expander
from ..inline import plain
from ..text import (
    TextPrinter,
    ValuePrinter,
    inline,
    inline_value,
    numbers,
    text_notation,
    time_index,
)
from ..text import name as text_name

WIDTH = 96  # characters of a worked line before it wraps (the <pre> scrolls beyond)
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MATRIX = ("border-collapse: collapse; display: inline-table; vertical-align: middle; "
          "border-left: 2px solid #333; border-right: 2px solid #333;")
BOX = "display: inline-block; vertical-align: middle; margin: 0.3em 1.5em 0.3em 0;"
GRID = "border-collapse: collapse; margin: 0.5em 0;"
GRID_CELL = "border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right;"
PRE = "overflow-x: auto; margin: 0.2em 0 0.6em 1.5em;"
STYLES = {"dim": "color: #666;", "warning": "color: #a00; font-weight: bold;",
          "note": "font-style: italic;"}
BASES = {"c_tilde": "c̃", "h_tilde": "h̃"}


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters, lone
    surrogates): a YAML escape such as "\\x01" must not make the file unreadable."""
    return INVALID_XML.sub("\ufffd", text)


def esc(text: str) -> str:
    """Problem text as HTML that can neither add markup nor touch a cloze blank."""
    return html.escape(clean(text)).replace("{", "&#123;").replace("}", "&#125;")


def title(solution) -> str:
    """A problem's title, or its file's name (plain text, not escaped)."""
    p = solution.problem
    return p.title or Path(p.file).stem.replace("_", " ")


def html_name(n: Name, t: int | None = None) -> str:
    """W<sub>f</sub>, h<sub>t−1</sub>, or at t = 2, h<sub>1</sub>; ∂L/∂h<sub>t</sub>."""
    if n.base.startswith("∂"):  # a gradient (the backward pass)
        return "∂L/∂" + html_name(Name(n.base[1:], n.sub, n.dt), t)
    subs = [n.sub] if n.sub else []
    if n.dt is not None:
        subs.append(time_index(n.dt, t).replace("-", "−"))
    base = esc(BASES.get(n.base, n.base))
    return base + (f"<sub>{esc(','.join(subs))}</sub>" if subs else "")


def matrix(rows: list[list[str]]) -> str:
    """A bracketed matrix (a column vector: one column; a row vector: one row)."""
    body = "".join("<tr>" + "".join(f'<td align="right">{esc(c)}</td>' for c in r) + "</tr>"
                   for r in rows)
    return f'<table cellpadding="3" style="{MATRIX}"><tbody>{body}</tbody></table>'


def pre(text: str) -> str:
    return f'<pre style="{PRE}">{esc(text)}</pre>'


class HtmlSymbols(TextPrinter):
    """An equation in symbols, σ(W<sub>f</sub> h<sub>t−1</sub> + …): the plain-text
    printer with HTML names (its own pieces, σ ( + ⊙ [ ;, need no escaping)."""

    def _print_Leaf(self, node: d.Leaf) -> str:
        return html_name(node.name, self.t) + ("ᵀ" if node.transposed else "")


class PlatformHtml(Document):
    """The document walk written as an HTML fragment for a question or its feedback.

    With ``questions`` it is the stem (the title, the question, the data and what
    to compute); otherwise the worked solution, starting at the first step: the
    question and its data are on the page above it already.
    """

    def __init__(self, full: bool = False, questions: bool = False):
        super().__init__(full, questions)
        self.opening = False  # the worked solution's opening paragraphs, skipped

    def stem(self, solution) -> str:
        self.questions, self.opening = True, False
        body = self.render([solution])
        if isinstance(solution, d.Derivation):
            body += self.equations(solution)
        return body

    def feedback(self, solution) -> str:
        self.questions, self.out = False, []
        self.opening = isinstance(solution, d.Derivation)
        if self.opening:
            self.solution(solution, level=1)
        else:
            self.count(solution)
        return "\n".join(self.out) + "\n"

    def part(self, dv: d.Derivation, t: int, layer: int, direction: str, short: str,
             row: int | None = None) -> str:
        """How one quantity at one step is worked out, and every value of that step: the
        feedback on one number (a Canvas question); ``row``: a batch's row, ``dv`` its
        derivation."""
        from ...gradient_answers import is_gradient

        if is_gradient(short):
            return self.gradient_part(dv, t, short, layer, direction)
        step = next(s for s in dv.steps + dv.outputs
                    if (s.t, s.layer, s.direction) == (t, layer, direction))
        self.questions, self.opening, self.out = False, False, []
        where = "" if len(dv.problem.units) == 1 else (
            "Both directions, " if direction == "both" else f"Layer {layer}, {direction}, ")
        where = f"Batch row {row}, " + where.lower() if row else where
        self.heading(f"{where}step t = {t}".capitalize(), 2)
        if layer > 1 and step.x is not None:
            x, h = text_name(Name("x", "", 0), t), text_name(Name("h", "", 0), t)
            self.paragraph(f"{x} = {h} of layer {layer - 1} = "
                           f"{inline(numbers(step.x, dv.rounding), self.full)}")
        q = step.get(short)
        self.quantity(dv, step, q)
        values = [f"{text_name(v.name, t)} = "
                  f"{inline(numbers(v.value, dv.rounding, v.given), self.full)}"
                  for v in step.quantities]
        self.paragraph(f"All the values at t = {t}: " + "; ".join(values) + ".")
        return "\n".join(self.out) + "\n"

    def gradient_part(self, dv: d.Derivation, t: int | None, short: str, layer: int = 1,
                      direction: str = "forward") -> str:
        """How a gradient (the backward pass) is worked out: the feedback on one number."""
        from ...gradient_answers import worked

        self.questions, self.opening, self.out = False, False, []
        step, q = worked(dv, t, short, layer, direction) or (None, None)
        where = "" if len(dv.problem.units) == 1 or direction == "both" else (
            f", layer {layer}" * (dv.problem.layers > 1)
            + f", {direction}" * dv.problem.bidirectional)
        self.heading("Backward pass" + where + (f", step t = {t}" if t is not None else ""),
                     2)
        if q is not None:
            self.quantity(dv, step or d.Step(t, None), q)
        return "\n".join(self.out) + "\n"

    def equations(self, dv: d.Derivation) -> str:
        """What the cell computes, in symbols (the first layer's first step, and the
        output layer)."""
        row = dv.problem.orientation == "row"
        shown: dict[str, str] = {}
        for step in dv.steps[:1] + dv.outputs[:1]:
            for q in step.quantities:
                if q.tree is not None and not q.given and q.short not in shown:
                    shown[q.short] = (f"{html_name(q.name)} = "
                                      f"{HtmlSymbols(None, row).doprint(q.tree)}")
        if not shown:
            return ""
        lines = "<br>\n".join(shown.values())
        return f"<p>The equations:</p>\n<p style=\"margin-left: 1.5em;\">{lines}</p>\n"

    # -- the pieces ---------------------------------------------------------------------

    def begin(self, title: str, toc: bool) -> None:
        pass

    def end(self) -> None:
        pass

    def heading(self, text: str, level: int) -> None:
        self.opening = False
        level = min(level + 2, 6)
        self.out.append(f"<h{level}>{esc(text)}</h{level}>")

    def paragraph(self, text, style: str = "") -> None:
        if self.opening:
            return
        text = plain(text)  # a sentence with inline math (render/inline.py) as plain text
        css = f' style="{STYLES[style]}"' if style in STYLES else ""
        self.out.append(f"<p{css}>{esc(text).replace(chr(10), '<br>')}</p>")

    def data(self, items, row: bool) -> None:
        """Each ``name = matrix`` in a box of its own; the boxes flow side by side."""
        if self.opening or not items:
            return
        boxes = []
        for n, t, values, _ in items:
            grid = [list(r) for r in values] if values.ndim == 2 else (
                [list(values)] if row else [[v] for v in values])
            boxes.append(f'<div style="{BOX}">{html_name(n, t)} = {matrix(grid)}</div>')
        self.out.append("<div>" + "\n".join(boxes) + "</div>")

    def quantity(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> None:
        row, t = dv.problem.orientation == "row", step.t
        lhs = text_name(q.name, t)
        self.out.append(f"<h5>{esc(title_of(dv, step, q))} {html_name(q.name, t)}</h5>")
        self.out.append(f"<p>{html_name(q.name)} = {HtmlSymbols(None, row).doprint(q.tree)}</p>")
        values = ValuePrinter(dv.rounding, self.full, row, WIDTH - len(lhs) - 15)
        pieces = [blocks.text(f"{lhs} = "), *values.pieces(q.tree)]
        self.out.append(pre("\n".join(str(b) for b in blocks.wrap(pieces, WIDTH, len(lhs) + 3))))
        label = TextPrinter(t, row)
        for node, lines in Expander(text_notation(t, row), dv.rounding, self.full,
                                    dv.exact).sections(q.tree):
            self.out.append(f"<p>{esc(label.doprint(node))}:</p>")
            self.out.append(pre("\n".join(lines)))
        result = inline_value(q, dv.rounding, self.full)
        self.out.append(f"<p><strong>{esc(lhs)} = {esc(result)}</strong></p>")
        note = notes.line(dv, step, q)
        if note:
            self.paragraph("→ " + note, "note")

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self._grid([esc(h) for h in header], [[esc(c) for c in r] for r in rows])

    def results(self, header, rows) -> None:
        def cell(c) -> str:
            if isinstance(c, str):
                return esc(c)
            return "<br>".join(esc(e) for e in c.entries) + (
                "<br><small>(given)</small>" if c.given else "")

        heads = [esc(h) if isinstance(h, str) else html_name(h) for h in header]
        self._grid(heads, [[cell(c) for c in r] for r in rows])

    def total(self, formula: str, total: int) -> None:
        self.out.append(f"<p><strong>Total = {esc(formula)} = {total:,}</strong></p>")

    def _grid(self, header: list[str], rows: list[list[str]]) -> None:
        head = "".join(f'<th style="{GRID_CELL}">{h}</th>' for h in header)
        body = "".join("<tr>" + "".join(f'<td style="{GRID_CELL}">{c}</td>' for c in r)
                       + "</tr>" for r in rows)
        self.out.append(f'<table style="{GRID}"><thead><tr>{head}</tr></thead>'
                        f"<tbody>{body}</tbody></table>")
