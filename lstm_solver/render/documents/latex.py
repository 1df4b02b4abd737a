"""LaTeX: names, expressions, bracketed matrices and worked lines (shared by the
LaTeX, PDF and Markdown targets).

Widths are estimated in "units", the width of a digit at 11 pt (5.5 pt): a line of
the page holds about 85. Wide data are cut into column blocks and tall data into
row blocks (as numpy prints a wide array), so that nothing runs off the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from ... import derivation as d
from ...equations import Name
from ...numbers import Rounding
from .. import blocks
from ..expand import Notation, pack
from ..inline import Math, Rich, Verbatim, kind, rich
from ..text import Printer, numbers, shown
from ..text import show as show_number

BASES = {"c_tilde": r"\tilde{c}", "h_tilde": r"\tilde{h}", "h→": r"\overrightarrow{h}",
         "h←": r"\overleftarrow{h}", "1": r"\mathbf{1}",
         "δ": r"\delta", "‖g‖": r"\lVert g \rVert"}
FUNCTIONS = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{ReLU}",
             "softmax": r"\operatorname{softmax}", "round": r"\operatorname{round}"}
ATOMS = {"σ": r"\sigma", "⊙": r"\odot", "×": r"\times", "−": "-", "≈": r"\approx",
         "exp": r"\exp", "max": r"\max", "tanh": r"\tanh", "ReLU": r"\operatorname{ReLU}",
         "softmax": r"\operatorname{softmax}", "…": r"\dots", "·": r"\cdot", "∈": r"\in",
         "≤": r"\le", "≥": r"\ge", "±": r"\pm", "[": "[", "]": "]"}
LINE = 82  # units in a line of text (17 cm at 11 pt), less the displays' indent
MAX_LINE = 64  # units for the numbers put into an equation, after its left-hand side
MOST_ROWS = 34  # rows of a matrix on one page
SEPARATOR = 4  # units between two matrices on one line (\qquad)

_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "\\": r"\textbackslash{}", "×": r"$\times$", "→": r"$\rightarrow$",
            "←": r"$\leftarrow$", "−": "-", "σ": r"$\sigma$", "⊙": r"$\odot$",
            "≈": r"$\approx$", "·": r"$\cdot$", "Σ": r"$\Sigma$", "…": r"\dots{}",
            "⋯": r"$\cdots$", "⋮": r"$\vdots$", "ᵀ": r"$^\top$", "“": "``", "”": "''",
            "–": "--", "—": "---", "∞": r"$\infty$", "≤": r"$\le$", "≥": r"$\ge$",
            "‘": "`", "’": "'", "ℓ": r"$\ell$",
            "∂": r"$\partial$", "δ": r"$\delta$", "‖": r"$\|$", "′": "'", "λ": r"$\lambda$",
            "θ": r"$\theta$", "√": r"$\surd$", "²": r"$^2$", "½": r"$\frac12$"}
_SUB_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₊₋ₜ", "0123456789+-t")


# in words: a name with a subscript (W_x, b_f, δ_gₜ) is set as math, an identifier a
# user types (forget_bias, max_norm, weight_ih) in typewriter type, not as W\_x
_SUBSCRIPTED = re.compile(r"(?<![\w\\])([A-Za-zδ]\u0303?)(\*?)(?:_([A-Za-z0-9]{1,3})([ₜ₀-₉₊₋]*)"
                          r"|([ₜ₀-₉₊₋]+))(?![\w])")
_KEY = re.compile(r"(?P<key>convention: W_[hx])(?![\w])")
_IDENTIFIER = re.compile(r"(?<![\w\\])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+"
                         r"(?:\.[A-Za-z0-9]+)*(?![\w])")


def escape(text: str) -> str:
    """Plain text for LaTeX: special characters escaped, common symbols as math, names
    with a subscript as math and identifiers in typewriter type.

    A character pdflatex cannot set (outside Latin-1, and not one of ours) becomes ?.
    """
    return "".join(f"${subscripted(piece)}$" if kind == "math" else
                   r"\texttt{" + piece.replace("_", r"\_") + "}" if kind == "code" else
                   _escape_characters(piece) for kind, piece in words(text))


@dataclass(frozen=True)
class Subscripted:
    """A name with a subscript in words: W_xi (base W, sub xi), δ_gₜ (sub g, inner t),
    hₜ₋₁ (sub t-1), h*ₜ (star), c̃ₜ (tilde)."""

    base: str
    sub: str
    inner: str = ""
    star: bool = False
    tilde: bool = False


def subscripted(n: Subscripted) -> str:
    r"""The name in LaTeX: W_{xi}, \delta_{g_{t}}, h^*_{t}, \tilde{c}_{t}."""
    base = r"\delta" if n.base == "δ" else n.base
    base = (rf"\tilde{{{base}}}" if n.tilde else base) + ("^*" if n.star else "")
    return f"{base}_{{{n.sub}" + (f"_{{{n.inner}}}" if n.inner else "") + "}"


def words(text: str) -> list[tuple[str, str | Subscripted]]:
    """Text cut into ("text", words), ("math", a name with a subscript) and ("code",
    an identifier or what to write in a file, as written: forget_bias)."""
    out: list[tuple[str, str | Subscripted]] = []
    at = 0
    for m in re.finditer(f"{_KEY.pattern}|{_SUBSCRIPTED.pattern}|{_IDENTIFIER.pattern}", text):
        out.append(("text", text[at:m.start()]))
        if m.group("key"):  # what to write in the file, as written
            out.append(("code", m.group(0)))
        elif m.group(2):  # W_x, W_xi, δ_gₜ, hₜ₋₁, h*ₜ
            base, star = m.group(2), bool(m.group(3))
            if m.group(6):
                sub, inner = m.group(6).translate(_SUB_DIGITS), ""
            else:
                sub, inner = m.group(4), m.group(5).translate(_SUB_DIGITS)
            out.append(("math", Subscripted(base[0], sub, inner, star, base.endswith("\u0303"))))
        else:
            out.append(("code", m.group(0)))
        at = m.end()
    out.append(("text", text[at:]))
    return [(kind, piece) for kind, piece in out if piece]


def _escape_characters(text: str) -> str:
    out = []
    for k, ch in enumerate(text):
        if ch == "\u0303" and out:  # a combining tilde: c̃
            out[-1] = rf"$\tilde{{{out[-1]}}}$"
        elif ch == "-" and text[k + 1:k + 2] == "-":  # --full stays two hyphens, not a dash
            out.append("-{}")
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch.translate(_SUB_DIGITS) != ch:
            out.append(f"$_{{{ch.translate(_SUB_DIGITS)}}}$")
        elif ord(ch) > 0xFF:
            out.append("?")
        else:
            out.append(ch)
    return "".join(out).replace("}$$_{", "")  # hₜ₋₁: one subscript, h$_{t-1}$


def _number(text: str) -> bool:
    """A name that is a number (TensorFlow's forget_bias, printed by its value)."""
    return bool(re.fullmatch(r"-?[0-9./]+", text))


def name(n: Name, t: int | None = None) -> str:
    r"""``W_{f}``, ``h_{t-1}`` (symbolic) or ``h_{1}`` (at t = 2); a gradient
    ``\frac{\partial L}{\partial h_{t}}``."""
    if n.base.startswith("∂"):
        inner = name(Name(n.base[1:], n.sub, n.dt), t)
        return rf"\frac{{\partial L}}{{\partial {inner}}}"
    if n.base.endswith("*") and len(n.base) > 1:  # a target: y^{*}_{t}
        return name(Name(n.base[:-1], n.sub, n.dt), t).replace("_{", "^{*}_{", 1) if (
            n.sub or n.dt is not None) else name(Name(n.base[:-1]), t) + "^{*}"
    if n.base.endswith("′") and len(n.base) > 1:  # an updated parameter: W'_{f}
        inner = name(Name(n.base[:-1], n.sub, n.dt), t)
        return inner.replace("_{", "'_{", 1) if "_{" in inner else inner + "'"
    base = BASES.get(n.base, n.base if len(n.base) == 1 or _number(n.base)
                     else rf"\mathit{{{n.base}}}")
    subs = [n.sub] if n.sub else []
    if n.dt is not None:
        subs.append(("t" if n.dt == 0 else f"t{n.dt:+d}") if t is None else str(t + n.dt))
    return base + (f"_{{{','.join(subs)}}}" if subs else "")


def math_inline(m: Math) -> str:
    """Inline math in LaTeX (without the dollars)."""
    out = []
    for atom in m.atoms:
        if isinstance(atom, Name):
            out.append(name(atom, m.t))
        elif atom in ATOMS:
            out.append(ATOMS[atom])
        elif kind(atom) == "mi" and len(atom) > 1:
            out.append(rf"\mathrm{{{escape(atom)}}}")
        else:
            out.append(escape(atom) if atom not in "()/,;=+-<>" else atom)
    return " ".join(out).replace("( ", "(").replace(" )", ")").replace(" ,", ",")


def rich_text(parts: str | Rich) -> str:
    """Words with inline math, for LaTeX."""
    return "".join(f"${math_inline(p)}$" if isinstance(p, Math) else escape(
        p.text if isinstance(p, Verbatim) else p) for p in rich(parts))


class SymbolPrinter(Printer):
    """A node in symbols: ``\\sigma\\left(W_{f} h_{t-1} + U_{f} x_{t} + b_{f}\\right)``."""

    def __init__(self, t: int | None = None, row: bool = False):
        self.t, self.row = t, row

    def _print_Leaf(self, node: d.Leaf) -> str:
        s = name(node.name, self.t)
        return s + "^{\\top}" if node.transposed else s

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
        return rf"\left({s}\right)" if isinstance(node, (d.Sum, d.Scale, *also)) else s

    # -- the backward pass --------------------------------------------------------------

    def _print_Derivative(self, node: d.Derivative) -> str:
        if node.function == "tanh" and isinstance(node.of, d.Activation):
            return rf"\left(1 - \tanh^2\left({self.doprint(node.of.arg)}\right)\right)"
        y = self._factor(node.of, d.Hadamard, d.Activation)
        return {"sigmoid": rf"{y} \odot \left(1 - {y}\right)",
                "tanh": rf"\left(1 - {y}^2\right)",
                "relu": rf"\left[{y} > 0\right]", "identity": "1"}[node.function]

    def _print_Outer(self, node: d.Outer) -> str:
        left, right = (self._factor(n, d.Hadamard, d.Product) for n in (node.left, node.right))
        T = r"^{\top}"
        return f"{left}{T} {right}" if node.row else f"{left} {right}{T}"

    def _print_StepSum(self, node: d.StepSum) -> str:
        return rf"\sum_t {self.doprint(node.terms[-1])}"

    def _print_Part(self, node: d.Part) -> str:
        where = (f"{node.start + 1}" if node.stop == node.start + 1 else
                 f"{node.start + 1}:{node.stop}")
        return rf"\left({self.doprint(node.arg)}\right)_{{[{where}]}}"

    def _print_Scale(self, node: d.Scale) -> str:
        label = node.label if "/" not in node.label else _fraction(node.label)
        return rf"{label}\left({self.doprint(node.arg)}\right)"

    def _print_SoftmaxGrad(self, node: d.SoftmaxGrad) -> str:
        y, g = self.doprint(node.out), self.doprint(node.grad)
        return rf"{y} \odot \left({g} - {g} \cdot {y}\right)"

    def _print_Loss(self, node: d.Loss) -> str:
        y, target = self.doprint(node.predictions[-1]), self.doprint(node.targets[-1])
        total = r"\sum_t " if len(node.steps) > 1 else ""
        if node.kind == "cross_entropy":
            return rf"-{total}\log {y}\left[{target}\right]"
        factor = {"half_squared_error": r"\tfrac{1}{2} ", "squared_error": "",
                  "mean_squared_error": rf"\tfrac{{1}}{{{node.count}}} "}[node.kind]
        return rf"{factor}{total}\lVert {y} - {target} \rVert^2"

    def _print_Norm(self, node: d.Norm) -> str:
        return r"\sqrt{\textstyle\sum_\theta \lVert \partial L / \partial \theta \rVert^2}"

    def _print_Clip(self, node: d.Clip) -> str:
        return rf"\min\left(1, \frac{{\text{{max\_norm}}}}{{{self.doprint(node.norm)}}}\right)"

    def _print_Update(self, node: d.Update) -> str:
        scale = r"\, s" if node.scale_label else ""
        return rf"{self.doprint(node.param)} - \lambda{scale}\, {self.doprint(node.grad)}"


def bmatrix(rows: list[list[str]]) -> str:
    """A bracketed matrix of LaTeX cells; ⋯ and ⋮ (elided entries) as \\cdots, \\vdots."""
    marks = {"⋯": r"\cdots", "⋮": r"\vdots"}
    body = [" & ".join(marks.get(c, c) for c in r) for r in rows]
    return r"\begin{bmatrix}" + r" \\ ".join(body) + r"\end{bmatrix}"


def grid(value, show, full: bool, row: bool = False) -> list[list[str]]:
    """The entries of a vector or matrix as shown, elided with ⋯/⋮ unless ``full``."""
    if value.ndim == 2:
        rows = blocks.elide(list(range(value.shape[0])), full, None)
        cols = blocks.elide(list(range(value.shape[1])), full, None)
        return [["⋮"] * len(cols) if i is None else
                ["⋯" if j is None else show(value[i, j]) for j in cols] for i in rows]
    ks = blocks.elide(list(range(len(value))), full, None)
    cells = [("⋯" if row else "⋮") if k is None else show(value[k]) for k in ks]
    return [cells] if row else [[c] for c in cells]


class ValuePrinter(Printer):
    """A node with its numbers as ``bmatrix`` blocks; ``pieces`` for line breaking."""

    def __init__(self, rounding: Rounding, full: bool = False, row: bool = False):
        self.rounding, self.full, self.row = rounding, full, row

    def matrix(self, rows: list[list[str]]) -> str:
        rows = [blocks.elide(r, self.full, r"\cdots") for r in rows]
        rows = blocks.elide(rows, self.full, None)
        width = max(len(r) for r in rows if r is not None)
        return bmatrix([[r"\vdots"] * width if r is None else r for r in rows])

    def vector(self, node: d.Node) -> str:
        cells = blocks.elide(shown(node, self.rounding), self.full, None)
        cells = [r"\vdots" if c is None else c for c in cells] if not self.row else [
            r"\cdots" if c is None else c for c in cells]
        return self.matrix([cells] if self.row else [[c] for c in cells])

    def pieces(self, node: d.Node) -> list[str]:
        if isinstance(node, d.StepSum):  # a line may break between two steps
            terms = blocks.elide(list(node.terms), self.full, None)
            return [("" if i == 0 else "+ ") + (r"\cdots" if t is None else self.doprint(t))
                    for i, t in enumerate(terms)]
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
            show = partial(show_number, self.rounding, written=node.from_file)
            return bmatrix(grid(node.value, show, self.full))
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

    # -- the backward pass --------------------------------------------------------------

    def _values(self, values, column: bool, bare=False) -> str:
        cells = blocks.elide(numbers(values, self.rounding, bare), self.full, None)
        if column:
            return self.matrix([[r"\vdots" if c is None else c] for c in cells])
        return self.matrix([[r"\cdots" if c is None else c for c in cells]])

    def _print_Derivative(self, node: d.Derivative) -> str:
        if node.function == "tanh" and isinstance(node.of, d.Activation):
            return rf"\left(1 - \tanh^2\left({self.doprint(node.of.arg)}\right)\right)"
        y = self.doprint(node.of)
        return {"sigmoid": rf"{y} \odot \left(1 - {y}\right)",
                "tanh": rf"\left(1 - {y}^2\right)",
                "relu": rf"\left[{y} > 0\right]", "identity": "1"}[node.function]

    def _print_Outer(self, node: d.Outer) -> str:
        return (self._values(node.left.value, True, d.as_written(node.left)) + " " +
                self._values(node.right.value, False, d.as_written(node.right)))

    def _print_StepSum(self, node: d.StepSum) -> str:
        return " ".join(self.pieces(node))

    def _print_Part(self, node: d.Part) -> str:
        where = (f"{node.start + 1}" if node.stop == node.start + 1 else
                 f"{node.start + 1}:{node.stop}")
        return rf"\left({self.doprint(node.arg)}\right)_{{[{where}]}}"

    def _print_Scale(self, node: d.Scale) -> str:
        label = node.label if "/" not in node.label else _fraction(node.label)
        return rf"{label}\left({self.doprint(node.arg)}\right)"

    def _print_SoftmaxGrad(self, node: d.SoftmaxGrad) -> str:
        y, g = self.doprint(node.out), self.doprint(node.grad)
        return rf"{y} \odot \left({g} - {g} \cdot {y}\right)"

    def _print_Loss(self, node: d.Loss) -> str:
        from ..text import loss_numbers

        return loss_numbers(node, self.rounding, self.full, half=r"\tfrac{1}{2}", log=r"\log",
                            cdots=r"\cdots", mean=lambda n: rf"\tfrac{{1}}{{{n}}}")

    def _print_Norm(self, node: d.Norm) -> str:
        squares = [self.rounding.show(float((t.value ** 2).sum())) for t in node.terms]
        return r"\sqrt{" + " + ".join(blocks.elide(squares, self.full, r"\cdots", 4)) + "}"

    def _print_Clip(self, node: d.Clip) -> str:
        return rf"\min\left(1, {node.label} / {self.rounding.show(node.norm.value[0])}\right)"

    def _print_Update(self, node: d.Update) -> str:
        factor = node.rate_label + (rf" \times {node.scale_label}" if node.scale_label else "")
        return rf"{self.doprint(node.param)} - {factor} \times {self.doprint(node.grad)}"


def _fraction(label: str) -> str:
    top, bottom = label.split("/")
    return rf"\tfrac{{{top}}}{{{bottom}}}"


def units(entry: str) -> float:
    """The printed width of one plain entry (a number), in digit widths: a minus sign is
    wider (7.7 pt against 5.5), a decimal point narrower (3 pt)."""
    return len(entry) + 0.4 * entry.count("-") - 0.45 * entry.count(".")


_MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}")


def width(latex: str) -> int:
    """A rough printed width, in units: each matrix by its columns, plus the rest."""
    def matrix_width(m: re.Match) -> str:
        rows = [r.split("&") for r in m.group(1).split(r"\\")]
        n = max(len(r) for r in rows)
        cols = [max((_cell_width(r[j]) for r in rows if j < len(r)), default=0)
                for j in range(n)]
        return "x" * int(sum(cols) + 2 * n + 1)
    flat = _MATRIX.sub(matrix_width, latex) if r"\begin{bmatrix}" in latex else latex
    return int(_plain_width(flat))


def _cell_width(cell: str) -> float:
    cell = cell.strip()
    return units(cell) if re.fullmatch(r"-?[\d./]+", cell) else _plain_width(cell)


_WIDE = {r"\tanh": "xxxx", r"\cdots": "ccc", r"\dots": "ccc", r"\approx": "=",
         r"\times": "=", r"\odot": "=", r"\quad": "xx", r"\qquad": "xxxx", r"\sum": "xx"}
_CHAR_UNITS = {".": 0.55, ",": 0.55, ";": 0.55, ":": 0.55, "(": 0.75, ")": 0.75, "[": 0.55,
               "]": 0.55, "+": 2.4, "-": 2.4, "=": 2.6, "c": 0.8, "x": 1.0}


_TEXT = re.compile(r"\\text\{([^{}]*)\}")
_SPACING = re.compile(r"\\(left|right|bigl|bigr|Bigl|Bigr|,|;|!)")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_SILENT = re.compile(r"[{}&^_ ]")


def _plain_width(latex: str) -> float:
    """Units of a piece of math without matrices: digits and letters 1, a binary operator
    or relation with its spaces 2.4, punctuation about half."""
    s = _TEXT.sub(r"\1", latex) if r"\text{" in latex else latex
    if "\\" in s:
        for command, stands in _WIDE.items():
            if command in s:
                s = s.replace(command, stands)
        s = _COMMAND.sub("x", _SPACING.sub("", s))
    s = _SILENT.sub("", s)
    return sum(_CHAR_UNITS.get(ch, 1.0) for ch in s)


def lines(pieces: list[str], limit: int = MAX_LINE) -> list[str]:
    """Pieces packed into lines of at most ``limit`` (rough) units."""
    return [" ".join(row) for row in pack(pieces, width, limit)]


def equation(lhs: str, pieces: list[str], limit: int = MAX_LINE) -> str:
    """``lhs &= ...`` for an aligned block; long right-hand sides break between terms.

    Parentheses opened by \\Bigl( on one line and closed on another become
    \\left( ... \\right. / \\left. ... \\right) so that each line balances.
    """
    rows = lines(pieces, limit)
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


def notation(t: int, row: bool = False, budget: int = 0) -> Notation:
    from ..exact import latex as exact_latex

    def words(s: str) -> str:
        return r"\text{" + escape(s) + "}" if s else ""

    ops = {"≈": r"\approx", "×": r"\times", "−": "-"}
    return Notation(
        label=SymbolPrinter(t, row),
        times=r"\times",
        cdots=r"\cdots",
        ellipsis=r"\dots",
        vdots=r"\vdots",
        functions=dict(FUNCTIONS),
        text=words,
        exp=lambda z: f"e^{{{z}}}",
        frac=lambda a, b: rf"\frac{{{a}}}{{{b}}}",
        sum_exp=r"\textstyle\sum_j e^{z_j}",
        vector=lambda cells: r"\begin{bmatrix}" + " & ".join(cells) + r"\end{bmatrix}",
        exact=exact_latex,
        exactly=lambda s: rf"\quad\left(= {s}\right)",
        op=lambda s: f" {ops.get(s, s)} ",
        num=lambda s: "{-}" + s[1:] if s.startswith("-") else s,  # a sign, not a minus
        width=width,
        budget=budget,
        line_break=r" \\ &\qquad\quad ",
        square=lambda x: f"{{{x}}}^2",
        sqrt=lambda x: rf"\sqrt{{{x}}}",
        norm=lambda x: rf"\lVert {x} \rVert",
        log=r"\log",
        half=r"\tfrac{1}{2}",
        dot=r"\cdot",
        le=r"\le",
    )


# --- data laid out on the page -----------------------------------------------------------


def data_cells(n: Name, t: int | None, value, row: bool, show=str, full: bool = True,
               budget: int = LINE) -> list[tuple[str, str, float]]:
    """``(lhs, rhs, width)`` rows for one matrix or vector: one row when it fits, else a
    row per block ("columns 5–8"), so that nothing is cut off."""
    cells = grid(value, show, full, row)
    vector = value.ndim == 1
    lhs = name(n, t)
    room = budget - width(lhs) - 3
    parts = blocks.data_blocks(cells, room, MOST_ROWS, vector, units, gap=2)
    if len(parts) > 1:  # in blocks, each captioned: "(columns 5–8)"
        parts = blocks.data_blocks(cells, room - 10, MOST_ROWS, vector, units, gap=2)
    out = []
    for k, (caption, rows) in enumerate(parts):
        label = (r"\text{\footnotesize(" + escape(caption) + r")}\;") if caption else ""
        body = bmatrix(rows)
        out.append((lhs if k == 0 else "", label + body,
                    width(lhs) + 3 + width(body) + (len(caption) * 0.8 if caption else 0)))
    return out


def data_rows(items, row: bool, rounding: Rounding | None = None, full: bool = True,
              budget: int = LINE) -> list[tuple[list[str], int]]:
    """Displays for data, each ``(rows, pairs)``: aligned rows ``lhs &= rhs &\\qquad lhs
    &= rhs``, small matrices several to a line (lines of as many matrices aligned with
    each other), a matrix in blocks on its own. Entries are text as written, or numbers
    shown with ``rounding`` (as written where the item's flag says so)."""
    from .document import line_groups

    lines: list[tuple[list[tuple[str, str]], bool]] = []  # (pairs, in blocks)
    for group in line_groups(items):
        used = None
        for n, t, value, bare in group:
            show = str if rounding is None else partial(show_number, rounding, written=bare)
            cells = data_cells(n, t, value, row, show, full, budget)
            if len(cells) > 1:
                lines += [([(lhs, rhs)], True) for lhs, rhs, _ in cells]
                used = None
            elif used is None or used + SEPARATOR + cells[0][2] > budget:
                lines.append(([cells[0][:2]], False))
                used = cells[0][2]
            else:
                lines[-1][0].append(cells[0][:2])
                used += SEPARATOR + cells[0][2]
    displays: list[tuple[list[str], int]] = []
    previous = None
    for pairs, in_blocks in lines:
        text = r" &\qquad ".join(f"{lhs} &= {rhs}" if lhs else f"&\\phantom{{{{}}={{}}}} {rhs}"
                                 for lhs, rhs in pairs)
        kind = (in_blocks, len(pairs))
        if previous == kind and (in_blocks and not pairs[0][0] or not in_blocks):
            displays[-1][0].append(text)
        else:
            displays.append(([text], len(pairs)))
        previous = kind
    return displays


def total_line(formula: str, total: int) -> str:
    """``Total &= 20 \times 10 \times 4 + ... = 4{,}400`` (aligned)."""
    times = formula.replace("×", r" \times ")
    return rf"\text{{Total}} &= {times} = " + f"{total:,}".replace(",", "{,}")


class LatexMath:
    """What the LaTeX and Markdown targets share: the math of the data, the equations and
    each quantity; each target writes ``math`` (aligned rows, ``pairs`` of columns),
    ``quantity_heading`` and ``paragraph``."""

    tracks_approx = True  # quantity() expands through Document.worked

    def data(self, items, row: bool) -> None:
        for rows, pairs in data_rows(items, row):
            self.math(rows, pairs)

    def formulas(self, rows, row: bool) -> None:
        if rows:
            printer = SymbolPrinter(None, row)
            self.math([f"{name(n)} &= {printer.doprint(tree)}" for n, tree in rows])

    def quantity(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> None:
        from .document import title_of

        row, t = dv.problem.orientation == "row", step.t
        self.quantity_heading(title_of(dv, step, q), name(q.name, t))
        values = ValuePrinter(dv.rounding, self.full, row)
        lhs = name(q.name, t)
        pieces = values.pieces(q.tree)
        first = [f"{name(q.name)} &= {SymbolPrinter(None, row).doprint(q.tree)}"]
        if max(width(p) for p in pieces) <= MAX_LINE:
            self.math(first + [equation(lhs, pieces)])
        else:  # a matrix wider than the page: the numbers go below, in column blocks
            at_t = f"{lhs} &= {SymbolPrinter(t, row).doprint(q.tree)}"
            self.math(first + ([at_t] if at_t != first[0] else []))  # ‖g‖: the same line
            self.paragraph("where")
            items = [(leaf.name, t if leaf.name.dt is not None else None, leaf.value,
                      leaf.from_file) for leaf in d.leaves(q.tree)]
            for rows, pairs in data_rows(items, row, dv.rounding, self.full):
                self.math(rows, pairs)
        label = SymbolPrinter(t, row)
        sections = self.worked(notation(t, row), dv, q)
        labels = [label.doprint(node) + ":" for node, _ in sections]
        room = max(24, LINE - max((width(s) for s in labels), default=0) - 6)
        rows = []
        for text_label, (_, section) in zip(labels, sections):
            n = notation(t, row, room)
            for k, line in enumerate(section):
                rows.append(f"{text_label if k == 0 else ''} &\\quad {n.line(line)}")
        if rows:
            self.math(rows)
        if q.value.ndim == 2:  # a parameter's gradient or update
            shown_value = values.doprint(d.Leaf(q.value, None, q.name, False))
        elif q.value.size == 1 and q.short in ("loss", "norm", "scale"):
            shown_value = show_number(dv.rounding, q.value[0])
        else:
            shown_value = values.vector(d.Leaf(q.value, None, q.name,
                                               q.tree is not None and all(d.as_written(q.tree))))
        self.math([rf"{lhs} &= {shown_value}"])
        note = self.note(dv, step, q)
        if note:
            self.paragraph("→ " + note, "note")


class LatexDocument(LatexMath):
    """Mixed into Document: the LaTeX pieces (fleqn displays, ``bmatrix``, sections,
    running headers, answer tables)."""

    SECTIONS = {1: "section", 2: "subsection", 3: "subsubsection", 4: "paragraph"}

    def begin(self, title: str, toc: bool) -> None:
        self.out += [
            r"\documentclass[11pt,fleqn]{article}",
            r"\usepackage[utf8]{inputenc}",
            # Latin Modern: vector fonts with T1 (without it, T1 text is bitmap Type 3)
            r"\IfFileExists{lmodern.sty}{\usepackage{lmodern}\usepackage[T1]{fontenc}}{}",
            r"\usepackage{amsmath,amssymb}",
            # numbers right-aligned in their matrices (mathtools' bmatrix* [r]); the body
            # keeps plain bmatrix, which any LaTeX (MathJax, nbconvert) reads
            r"\IfFileExists{mathtools.sty}{\usepackage{mathtools}"
            r"\renewenvironment{bmatrix}{\begin{bmatrix*}[r]}{\end{bmatrix*}}}{}",
            r"\usepackage[a4paper,margin=2cm,headheight=14pt]{geometry}",
            r"\usepackage{array,longtable,fancyhdr}",
            "%MaxMatrixCols",  # set at the end, to what the document needs
            r"\allowdisplaybreaks",
            r"\setlength{\mathindent}{1.5em}",
            r"\setlength{\parindent}{0pt}",
            r"\setlength{\parskip}{4pt}",
            r"\pagestyle{fancy}",
            r"\fancyhf{}",
            r"\renewcommand{\sectionmark}[1]{}",
            r"\renewcommand{\subsectionmark}[1]{}",
            r"\makeatletter\let\@mkboth\@gobbletwo\makeatother",  # no CONTENTS in the head
            r"\fancyhead[L]{\small\rightmark}",
            r"\fancyhead[R]{\small\thepage}",
            r"\renewcommand{\headrulewidth}{0.4pt}",
            r"\begin{document}",
        ]
        if toc and self.contents:  # not on a class set of sheets: each page is a student's
            self.out += [rf"\title{{{rich_text(title)}}}", r"\date{}", r"\maketitle",
                         r"\tableofcontents", r"\newpage"]
        self.multi = toc

    def end(self) -> None:
        self.out.append(r"\end{document}")
        # a value beyond float64 is shown as ∞; in text escape() wrote $\infty$ already
        source = "\n".join(self.out).replace("∞", r"\infty ")
        self.out = [source]
        most = max_matrix_columns(source)
        self.out[0] = self.out[0].replace("%MaxMatrixCols\n", (
            rf"\setcounter{{MaxMatrixCols}}{{{most}}}" + "\n" if most > 10 else ""), 1)

    def problem_heading(self, k: int, title: str) -> None:
        self.heading(title, 1)  # LaTeX numbers its sections itself

    def heading(self, text: str, level: int) -> None:
        star = "" if self.multi and level <= 2 else "*"
        self.out.append(rf"\{self.SECTIONS[min(level, 4)]}{star}{{{rich_text(text)}}}")

    def running_header(self, text: str) -> None:
        self.out.append(rf"\markright{{{rich_text(text)}}}")

    def page_break(self) -> None:
        self.out.append(r"\clearpage")

    def name_line(self, student: str | None) -> None:
        who = (rf"\underline{{\makebox[7cm][l]{{{escape(student)}}}}}" if student
               else r"\rule{7cm}{0.4pt}")
        self.out.append(rf"\vspace{{2pt}}Name: {who}\hfill Student ID: \rule{{4cm}}{{0.4pt}}"
                        "\n")

    def paragraph(self, text, style: str = "") -> None:
        body = rich_text(text).replace("\n", r"\\ ")
        if style == "dim":
            body = rf"{{\small {body}}}"
        elif style == "warning":
            body = rf"\textbf{{{body}}}"
        elif style == "note":
            body = rf"\emph{{{body}}}"
        self.out.append(body + "\n")

    def math(self, lines: list[str], pairs: int = 1) -> None:
        self.out += [rf"\begin{{alignat*}}{{{pairs}}}", " \\\\\n".join(lines),
                     r"\end{alignat*}"]

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        cell = rich_text
        self.out += [r"\begin{center}\small", r"\begin{tabular}{" + "l" * len(header) + "}",
                     r"\hline", " & ".join(cell(h) for h in header) + r" \\ \hline"]
        self.out += [" & ".join(cell(c) for c in r) + r" \\" for r in rows]
        self.out += [r"\hline", r"\end{tabular}", r"\end{center}"]

    def results(self, header, rows) -> None:
        """Every entry, in tables that fit the page: a vector per cell when the table is
        small, else a row per unit (a long table that breaks across pages; its columns
        have fixed widths, so one pdflatex pass sets it); quantities beyond the page's
        width go on to a second table."""
        cells = [c for r in rows for c in r if not isinstance(c, str)]
        longest = max((len(c.entries) for c in cells), default=1)
        fixed = sum(1 for h in header if isinstance(h, str))
        per_unit = longest > 8 or len(rows) * longest > 36
        col_units = [max([width(name(h)) if not isinstance(h, str) else len(h)] + [
            max(units(e) for e in r[k].entries) for r in rows if not isinstance(r[k], str)])
            + (2.5 if not per_unit else 1) for k, h in enumerate(header)]
        quantities = list(range(fixed, len(header)))
        groups = blocks.column_blocks([col_units[k] for k in quantities],
                                      int(LINE * 1.1) - sum(col_units[:fixed]) - 4, 0)
        for group in groups:
            ks = list(range(fixed)) + [quantities[j] for j in group]
            heads = [escape(header[k]) if isinstance(header[k], str) else
                     f"${name(header[k])}$" for k in ks]
            if per_unit:
                self._unit_table(heads, rows, ks, fixed, col_units)
                continue
            spec = "r" * fixed + "c" * (len(ks) - fixed)
            self.out += [r"\begin{center}\small", rf"\begin{{tabular}}{{{spec}}}", r"\hline",
                         " & ".join(heads) + r" \\ \hline"]
            self.out += [" & ".join(_result_cell(r[k]) for k in ks) + r" \\[5pt]"
                         for r in rows]
            self.out += [r"\hline", r"\end{tabular}", r"\end{center}"]

    def _unit_table(self, heads, rows, ks, fixed, col_units) -> None:
        """Results a row per unit: t (and layer, direction), the unit, each quantity."""
        def column(k: int) -> str:
            return rf">{{\raggedleft\arraybackslash}}p{{{col_units[k] * 5.2:.0f}pt}}"

        heads = heads[:fixed] + ["unit"] + heads[fixed:]
        spec = "".join(column(k) for k in ks[:fixed]) + r">{\raggedleft\arraybackslash}p{22pt}"
        spec += "".join(column(k) for k in ks[fixed:])
        self.out += [r"{\small", rf"\begin{{longtable}}{{{spec}}}", r"\hline",
                     " & ".join(heads) + r" \\ \hline", r"\endhead"]
        for r in rows:
            size = max((len(r[k].entries) for k in ks if not isinstance(r[k], str)), default=1)
            for u in range(size):
                line = [(escape(r[k]) if u == 0 else "") for k in range(fixed)]
                line.append(str(u + 1))
                for k in ks[fixed:]:
                    c = r[k]
                    line.append(escape(c) if isinstance(c, str) else (
                        c.entries[u] + (r" {\footnotesize(given)}" if c.given and u == 0
                                        else "") if u < len(c.entries) else ""))
                self.out.append(" & ".join(line) + r" \\")
            self.out.append(r"\hline")
        self.out += [r"\end{longtable}", "}"]

    def answers(self, caption: str, columns: list[tuple[Name, int]], t: int) -> None:
        """A ruled table to write in: a row per entry, a column per asked quantity."""
        size = max(n for _, n in columns)
        # 17 cm of text: the k column, then each column's box and its 2 × 6 pt padding
        box = min(3.0, (16.0 - 0.45 * (len(columns) + 1)) / len(columns))
        spec = r"|>{\centering\arraybackslash}p{0.6cm}|" + "|".join(
            f"p{{{box:.1f}cm}}" for _ in columns) + "|"
        heads = ["$k$"] + [f"${name(n, t)}$" for n, _ in columns]
        self.out += [rf"\paragraph*{{{rich_text(caption)}}}",
                     rf"\begin{{longtable}}{{{spec}}}", r"\hline",
                     " & ".join(heads) + r" \\ \hline", r"\endhead"]
        for k in range(size):
            cells = [rf"\rule{{0pt}}{{7mm}}{k + 1}"] + [
                # \centering in the row's last cell would end the row at its \\
                "" if k < n else r"\hfill --\hfill\null" for _, n in columns]
            self.out.append(" & ".join(cells) + r" \\ \hline")
        self.out.append(r"\end{longtable}")

    def total(self, formula: str, total: int) -> None:
        self.math([total_line(formula, total)])

    def quantity_heading(self, title: str, math_name: str) -> None:
        self.out.append(rf"\paragraph*{{{escape(title)} ${math_name}$}}")


def _result_cell(c) -> str:
    if isinstance(c, str):
        return escape(c)
    column = r" \\ ".join(c.entries)
    given = r" {\footnotesize(given)}" if c.given else ""
    return rf"$\begin{{bmatrix}}{column}\end{{bmatrix}}${given}"


def max_matrix_columns(source: str) -> int:
    """The most columns of any matrix in ``source`` (amsmath allows 10 unless told):
    setting exactly this keeps pdflatex fast (200 makes every matrix slow)."""
    most = 10
    for m in re.finditer(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", source, re.S):
        most = max(most, max(r.count("&") + 1 for r in m.group(1).split(r"\\")))
    return most

