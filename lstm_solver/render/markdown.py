"""Markdown (GitHub-flavoured): headings, tables, and LaTeX math in $...$ and $$...$$,
which GitHub and Jupyter render."""

from __future__ import annotations

from .. import derivation as d
from .latex import SymbolPrinter, ValuePrinter, data_line, equation, name, notation


def _md(text: str) -> str:
    """Plain text safe in Markdown: characters that would start markup are escaped."""
    for ch in "\\`*_[]<>#|$":
        text = text.replace(ch, "\\" + ch)
    return text


class MarkdownDocument:
    """Mixed into Document: the Markdown pieces."""

    def begin(self, title: str, toc: bool) -> None:
        self.multi = toc
        self.toc_at = None
        if toc:
            self.out += [f"# {_md(title)}", ""]
            self.toc_at = len(self.out)

    def end(self) -> None:
        if self.toc_at is not None:
            toc = ["## Contents", ""] + [f"- [{text}](#{anchor})" for text, anchor in
                                         getattr(self, "sections", [])] + [""]
            self.out[self.toc_at:self.toc_at] = toc

    def heading(self, text: str, level: int) -> None:
        level = min(level + (1 if self.multi else 0), 6)
        if level == 2 and self.multi:
            self.sections = getattr(self, "sections", [])
            self.sections.append((_md(text), _anchor(text)))
        self.out += [f"{'#' * level} {_md(text)}", ""]

    def paragraph(self, text: str, style: str = "") -> None:
        body = _md(text).replace("\n", "  \n")
        if style == "dim":
            body = f"<sub>{body}</sub>"
        elif style == "warning":
            body = f"**{body}**"
        elif style == "note":
            body = f"*{body}*"
        self.out += [body, ""]

    def math(self, lines: list[str]) -> None:
        self.out += ["$$", r"\begin{aligned}", " \\\\\n".join(lines), r"\end{aligned}", "$$",
                     ""]

    def data(self, items, row: bool) -> None:
        if items:
            self.math([data_line(n, t, v, b, self.rounding, self.full, row)
                       for n, t, v, b in items])

    def quantity(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> None:
        from .document import title_of
        from .text import Expander

        row, t = dv.problem.orientation == "row", step.t
        level = 5 if self.multi else 4
        self.out += [f"{'#' * level} {_md(title_of(dv, step, q))} ${name(q.name, t)}$", ""]
        values = ValuePrinter(dv.rounding, self.full, row)
        self.math([f"{name(q.name)} &= {SymbolPrinter(None, row).doprint(q.tree)}",
                   equation(name(q.name, t), values.pieces(q.tree))])
        label = SymbolPrinter(t, row)
        for node, rows in Expander(notation(t, row), dv.rounding, self.full,
                                   dv.exact).sections(q.tree):
            self.out += [f"${label.doprint(node)}$:", ""]
            self.math([f"& {r}" for r in rows])
        result = values.vector(d.Leaf(q.value, None, q.name, False))
        self.out += [f"$${name(q.name, t)} = {result}$$", ""]
        note = self.note(dv, step, q)
        if note:
            self.paragraph("→ " + note, "note")

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.out.append("| " + " | ".join(_md(h) for h in header) + " |")
        self.out.append("|" + "|".join("---" for _ in header) + "|")
        self.out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]
        self.out.append("")

    def results(self, header, rows) -> None:
        def cell(c) -> str:
            if isinstance(c, str):
                return _md(c)
            return _md("[" + ", ".join("…" if e == "⋮" else e for e in c.entries) + "]") + (
                " (given)" if c.given else "")

        heads = [_md(h) if isinstance(h, str) else f"${name(h)}$" for h in header]
        self.out.append("| " + " | ".join(heads) + " |")
        self.out.append("|" + "|".join("---" for _ in header) + "|")
        self.out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
        self.out.append("")

    def count(self, dv) -> None:
        where = any(i.unit for i in dv.items)
        header = (["where"] if where else []) + ["matrix", "shape", "count", "what it is"]
        self.table(header, [([i.unit] if where else []) + [
            i.name, "×".join(map(str, i.shape)), f"{i.count:,}", i.role] for i in dv.items])
        formula = dv.formula.replace("×", r" \times ")
        self.out += [rf"$$\text{{Total}} = {formula} = {dv.total:,}$$".replace(",", "{,}"), ""]
        for note in dv.notes:
            self.paragraph("→ " + note, "note")


def _anchor(text: str) -> str:
    """GitHub's heading anchor: lower case, spaces to hyphens, punctuation dropped."""
    out = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_")
    return out.replace(" ", "-")
