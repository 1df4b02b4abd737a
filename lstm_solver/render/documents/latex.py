"""LaTeX: names, expressions, bracketed matrices and worked lines (shared by the
LaTeX, PDF and Markdown targets)."""

from __future__ import annotations

import re
from functools import partial

from ... import derivation as d
from ...equations import Name
from ...numbers import Rounding
from .. import blocks
from ..expand import Notation
from ..text import Printer, cell, shown

BASES = {"c_tilde": r"\tilde{c}", "h_tilde": r"\tilde{h}", "h→": r"\overrightarrow{h}",
         "h←": r"\overleftarrow{h}", "1": r"\mathbf{1}"}
FUNCTIONS = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{ReLU}",
             "softmax": r"\operatorname{softmax}"}
MAX_LINE = 64  # rough width, in characters, of a displayed line before it breaks

_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "\\": r"\textbackslash{}", "×": r"$\times$", "→": r"$\rightarrow$",
            "←": r"$\leftarrow$", "−": "-", "σ": r"$\sigma$", "⊙": r"$\odot$",
            "≈": r"$\approx$", "·": r"$\cdot$", "Σ": r"$\Sigma$", "…": r"\dots{}",
            "⋯": r"$\cdots$", "⋮": r"$\vdots$", "ᵀ": r"$^\top$", "“": "``", "”": "''"}
_SUB_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₊₋ₜ", "0123456789+-t")


def escape(text: str) -> str:
    """Plain text for LaTeX: special characters escaped, common symbols as math.

    A character pdflatex cannot set (outside Latin-1, and not one of ours) becomes ?.
    """
    out = []
    for ch in text:
        if ch == "\u0303" and out:  # a combining tilde: c̃
            out[-1] = rf"$\tilde{{{out[-1]}}}$"
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch.translate(_SUB_DIGITS) != ch:
            out.append(f"$_{{{ch.translate(_SUB_DIGITS)}}}$")
        elif ord(ch) > 0xFF:
            out.append("?")
        else:
            out.append(ch)
    return "".join(out).replace("}$$_{", "")  # hₜ₋₁: one subscript, h$_{t-1}$


def name(n: Name, t: int | None = None) -> str:
    """``W_{f}``, ``h_{t-1}`` (symbolic) or ``h_{1}`` (at t = 2)."""
    base = BASES.get(n.base, n.base if len(n.base) == 1 else rf"\mathit{{{n.base}}}")
    subs = [n.sub] if n.sub else []
    if n.dt is not None:
        subs.append(("t" if n.dt == 0 else f"t{n.dt:+d}") if t is None else str(t + n.dt))
    return base + (f"_{{{','.join(subs)}}}" if subs else "")


class SymbolPrinter(Printer):
    """A node in symbols: ``\\sigma\\left(W_{f} h_{t-1} + U_{f} x_{t} + b_{f}\\right)``."""

    def __init__(self, t: int | None = None, row: bool = False):
        self.t, self.row = t, row

    def _print_Leaf(self, node: d.Leaf) -> str:
        return name(node.name, self.t)

    def _print_Product(self, node: d.Product) -> str:
        m, v = self.doprint(node.matrix), self._factor(node.vector, d.Hadamard)
        return f"{v} {m}" if node.row else f"{m} {v}"

    def _print_Lookup(self, node: d.Lookup) -> str:
        E, w = self.doprint(node.matrix), self.doprint(node.onehot)
        T = r"^{\top}"
        if node.layout == "rows":
            return f"{w} {E}" if self.row else f"{E}{T} {w}"
        return f"{w} {E}{T}" if self.row else f"{E} {w}"

    def _print_Sum(self, node: d.Sum) -> str:
        out = ""
        for k, term in enumerate(node.terms):
            s = self.doprint(term)
            sign = "" if node.sign(k) > 0 else "-"
            out += (sign + s) if k == 0 else f" {'+' if node.sign(k) > 0 else '-'} {s}"
        return out

    def _print_Hadamard(self, node: d.Hadamard) -> str:
        return rf"{self._factor(node.left)} \odot {self._factor(node.right)}"

    def _print_Activation(self, node: d.Activation) -> str:
        return rf"{FUNCTIONS[node.function]}\left({self.doprint(node.arg)}\right)"

    def _print_Stack(self, node: d.Stack) -> str:
        sep = r",\, " if self.row else r";\, "
        return r"\left[" + sep.join(self.doprint(p) for p in node.parts) + r"\right]"

    def _factor(self, node: d.Node, *also: type) -> str:
        s = self.doprint(node)
        return rf"\left({s}\right)" if isinstance(node, (d.Sum, *also)) else s


class ValuePrinter(Printer):
    """A node with its numbers as ``bmatrix`` blocks; ``pieces`` for line breaking."""

    def __init__(self, rounding: Rounding, full: bool = False, row: bool = False):
        self.rounding, self.full, self.row = rounding, full, row

    def matrix(self, rows: list[list[str]]) -> str:
        rows = [blocks.elide(r, self.full, r"\cdots") for r in rows]
        rows = blocks.elide(rows, self.full, None)
        width = max(len(r) for r in rows if r is not None)
        body = [" & ".join([r"\vdots"] * width) if r is None else " & ".join(r) for r in rows]
        return r"\begin{bmatrix}" + r" \\ ".join(body) + r"\end{bmatrix}"

    def vector(self, node: d.Node) -> str:
        cells = blocks.elide(shown(node, self.rounding), self.full, None)
        cells = [r"\vdots" if c is None else c for c in cells] if not self.row else [
            r"\cdots" if c is None else c for c in cells]
        return self.matrix([cells] if self.row else [[c] for c in cells])

    def pieces(self, node: d.Node) -> list[str]:
        if isinstance(node, d.Activation):
            big = r"\Bigl(" if not self.row else r"\bigl("
            close = r"\Bigr)" if not self.row else r"\bigr)"
            return [FUNCTIONS[node.function] + big, *self.pieces(node.arg), close]
        if isinstance(node, d.Sum):
            out = []
            for k, term in enumerate(node.terms):
                op = ("" if node.sign(k) > 0 else "-") if k == 0 else (
                    "+ " if node.sign(k) > 0 else "- ")
                out.append(op + self.doprint(term))
            return out
        return [self.doprint(node)]

    def _print_Leaf(self, node: d.Leaf) -> str:
        if node.value.ndim == 2:
            M, show = node.value, partial(cell, self.rounding)
            keep = [list(range(M.shape[0])), list(range(M.shape[1]))]
            rows = blocks.elide(keep[0], self.full, None)
            cols = blocks.elide(keep[1], self.full, None)
            grid = [[r"\cdots" if j is None else show(M[i, j], node.from_file) for j in cols]
                    if i is not None else None for i in rows]
            width = len(cols)
            body = [" & ".join([r"\vdots"] * width) if r is None else " & ".join(r)
                    for r in grid]
            return r"\begin{bmatrix}" + r" \\ ".join(body) + r"\end{bmatrix}"
        return self.vector(node)

    def _print_Product(self, node: d.Product) -> str:
        m, v = self.doprint(node.matrix), self._factor(node.vector)
        return f"{v} {m}" if node.row else f"{m} {v}"

    def _print_Lookup(self, node: d.Lookup) -> str:
        E, w = self.doprint(node.matrix), self.vector(node.onehot)
        tE = E + r"^{\top}" if (node.layout == "rows") != self.row else E
        return f"{w} {tE}" if self.row else f"{tE} {w}"

    def _print_Sum(self, node: d.Sum) -> str:
        return " ".join(self.pieces(node))

    def _print_Hadamard(self, node: d.Hadamard) -> str:
        return rf"{self._factor(node.left)} \odot {self._factor(node.right)}"

    def _print_Activation(self, node: d.Activation) -> str:
        return " ".join(self.pieces(node))

    def _print_Stack(self, node: d.Stack) -> str:
        return self.vector(node)

    def _factor(self, node: d.Node) -> str:
        s = self.doprint(node)
        return rf"\left({s}\right)" if isinstance(node, (d.Sum, d.Hadamard)) else s


def width(latex: str) -> int:
    """A rough printed width: the widest row of each matrix, plus the rest."""
    def matrix_width(m: re.Match) -> str:
        rows = m.group(1).split(r"\\")
        widest = max(len(re.sub(r"\\[a-z]+|[{}&]", "", r)) for r in rows)
        return "x" * (widest + 2)
    flat = re.sub(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", matrix_width, latex)
    return len(re.sub(r"\\[A-Za-z]+|[{}]", "", flat))


def lines(pieces: list[str], limit: int = MAX_LINE) -> list[str]:
    """Pieces packed into lines of at most ``limit`` (rough) characters."""
    out: list[list[str]] = [[]]
    used = 0
    for piece in pieces:
        w = width(piece)
        if out[-1] and used + w > limit:
            out.append([])
            used = 0
        out[-1].append(piece)
        used += w
    return [" ".join(line) for line in out]


def equation(lhs: str, pieces: list[str]) -> str:
    """``lhs &= ...`` for an aligned block; long right-hand sides break between terms.

    Parentheses opened by \\Bigl( on one line and closed on another become
    \\left( ... \\right. / \\left. ... \\right) so that each line balances.
    """
    rows = lines(pieces)
    if len(rows) > 1:
        rows = [_balance(r) for r in rows]
    return f"{lhs} &= " + r" \\ &\qquad ".join(rows)


def _balance(row: str) -> str:
    opens = row.count(r"\Bigl(") + row.count(r"\bigl(")
    closes = row.count(r"\Bigr)") + row.count(r"\bigr)")
    if opens > closes:
        row = row + r" \right." * (opens - closes)
        row = row.replace(r"\Bigl(", r"\left(").replace(r"\bigl(", r"\left(")
    elif closes > opens:
        row = r"\left. " * (closes - opens) + row
        row = row.replace(r"\Bigr)", r"\right)").replace(r"\bigr)", r"\right)")
    return row


def notation(t: int, row: bool = False) -> Notation:
    from ..exact import latex as exact_latex

    def text(s: str) -> str:
        return r"\text{" + escape(s) + "}" if s else ""

    return Notation(
        label=SymbolPrinter(t, row),
        times=r"\times",
        cdots=r"\cdots",
        ellipsis=r"\dots",
        vdots=r"\vdots",
        functions=dict(FUNCTIONS),
        text=text,
        exp=lambda z: f"e^{{{z}}}",
        frac=lambda a, b: rf"\frac{{{a}}}{{{b}}}",
        sum_exp=r"\textstyle\sum_j e^{z_j}",
        vector=lambda cells: r"\begin{bmatrix}" + " & ".join(cells) + r"\end{bmatrix}",
        exact=exact_latex,
        exactly=lambda s: rf"\quad\left(= {s}\right)",
        break_every=4,
        line_break=r" \\ &\qquad ",
    )


# --- the document ------------------------------------------------------------------------


def data_line(n: Name, t: int | None, value, bare: bool, rounding: Rounding, full: bool,
              row: bool) -> str:
    """``W_{f} &= \\begin{bmatrix}...\\end{bmatrix}`` for the data of a question."""
    printer = ValuePrinter(rounding, full, row)
    leaf = d.Leaf(value, None, n, bare)
    return f"{name(n, t)} &= {printer.doprint(leaf)}"


def total_line(formula: str, total: int) -> str:
    """``Total &= 20 \times 10 \times 4 + ... = 4{,}400`` (aligned)."""
    times = formula.replace("×", r" \times ")
    return rf"\text{{Total}} &= {times} = " + f"{total:,}".replace(",", "{,}")


class LatexMath:
    """What the LaTeX and Markdown targets share: the math of the data and of each
    quantity; each writes ``math``, ``quantity_heading``, ``worked`` and ``result``."""

    def data(self, items, row: bool) -> None:
        if items:
            self.math([data_line(n, t, v, b, self.rounding, self.full, row)
                       for n, t, v, b in items])

    def quantity(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> None:
        from ..expand import Expander
        from .document import title_of

        row, t = dv.problem.orientation == "row", step.t
        self.quantity_heading(title_of(dv, step, q), name(q.name, t))
        values = ValuePrinter(dv.rounding, self.full, row)
        self.math([f"{name(q.name)} &= {SymbolPrinter(None, row).doprint(q.tree)}",
                   equation(name(q.name, t), values.pieces(q.tree))])
        label = SymbolPrinter(t, row)
        for node, rows in Expander(notation(t, row), dv.rounding, self.full,
                                   dv.exact).sections(q.tree):
            self.worked(label.doprint(node), rows)
        self.result(name(q.name, t), values.vector(d.Leaf(q.value, None, q.name, False)))
        note = self.note(dv, step, q)
        if note:
            self.paragraph("→ " + note, "note")


class LatexDocument(LatexMath):
    """Mixed into Document: the LaTeX pieces (``align*``, ``bmatrix``, sections)."""

    SECTIONS = {1: "section", 2: "subsection", 3: "subsubsection", 4: "paragraph"}

    def begin(self, title: str, toc: bool) -> None:
        self.out += [
            r"\documentclass[11pt]{article}",
            r"\usepackage[utf8]{inputenc}",
            r"\usepackage[T1]{fontenc}",
            r"\usepackage{lmodern}",  # scalable Type 1 fonts (without it: bitmap Type 3)
            r"\usepackage{amsmath,amssymb}",
            r"\usepackage[margin=2cm]{geometry}",
            r"\setcounter{MaxMatrixCols}{200}",
            r"\allowdisplaybreaks",
            r"\setlength{\parindent}{0pt}",
            r"\setlength{\parskip}{4pt}",
            r"\begin{document}",
        ]
        if toc:
            self.out += [rf"\title{{{escape(title)}}}", r"\date{}", r"\maketitle",
                         r"\tableofcontents", r"\newpage"]
        self.multi = toc

    def end(self) -> None:
        self.out.append(r"\end{document}")

    def problem_heading(self, k: int, title: str) -> None:
        self.heading(title, 1)  # LaTeX numbers its sections itself

    def heading(self, text: str, level: int) -> None:
        star = "" if self.multi and level <= 2 else "*"
        self.out.append(rf"\{self.SECTIONS[min(level, 4)]}{star}{{{escape(text)}}}")

    def paragraph(self, text: str, style: str = "") -> None:
        body = escape(text).replace("\n", r"\\ ")
        if style == "dim":
            body = rf"{{\small {body}}}"
        elif style == "warning":
            body = rf"\textbf{{{body}}}"
        elif style == "note":
            body = rf"\emph{{{body}}}"
        self.out.append(body + "\n")

    def math(self, lines: list[str]) -> None:
        self.out += [r"\begin{align*}", " \\\\\n".join(lines), r"\end{align*}"]

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.out += [r"\begin{center}\small", r"\begin{tabular}{" + "l" * len(header) + "}",
                     r"\hline", " & ".join(escape(h) for h in header) + r" \\ \hline"]
        self.out += [" & ".join(escape(c) for c in r) + r" \\" for r in rows]
        self.out += [r"\hline", r"\end{tabular}", r"\end{center}"]

    def results(self, header, rows) -> None:
        def cell(c) -> str:
            if isinstance(c, str):
                return escape(c)
            column = r" \\ ".join(r"\vdots" if e == "⋮" else e for e in c.entries)
            given = r" {\footnotesize(given)}" if c.given else ""
            return rf"$\begin{{bmatrix}}{column}\end{{bmatrix}}${given}"

        heads = [escape(h) if isinstance(h, str) else f"${name(h)}$" for h in header]
        self.out += [r"\begin{center}\small", r"\begin{tabular}{" + "c" * len(header) + "}",
                     r"\hline", " & ".join(heads) + r" \\ \hline"]
        self.out += [" & ".join(cell(c) for c in r) + r" \\[2pt]" for r in rows]
        self.out += [r"\hline", r"\end{tabular}", r"\end{center}"]

    def total(self, formula: str, total: int) -> None:
        self.math([total_line(formula, total)])

    def quantity_heading(self, title: str, math_name: str) -> None:
        self.out.append(rf"\paragraph*{{{escape(title)} ${math_name}$}}")

    def worked(self, label: str, rows: list[str]) -> None:
        self.math([rf"{label}:\quad & {rows[0]}"] + [f"& {r}" for r in rows[1:]])

    def result(self, lhs: str, value: str) -> None:
        self.math([rf"{lhs} &= {value}"])
