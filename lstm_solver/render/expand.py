"""The worked lines under an equation: each product row by row, each sum, ⊙ and
activation element by element, written in a target's ``Notation`` (plain text,
LaTeX, MathML), so that every renderer shows the same steps.

A worked line is data (:class:`Line`): words, terms joined by operators, a relation
and a result. Each target joins it in its own way: the terminal wraps a long line
under its first term, LaTeX breaks it by width inside an aligned block, HTML writes
it as MathML rows.

When values are carried unrounded, the shown (rounded) terms may not give the shown
result in its last digit (1.8030 + 0.3333 is shown = 2.1362); such a line is
written with ≈ instead of =, and ``Line.approx`` says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

import numpy as np

from .. import derivation as d
from ..numbers import Rounding
from . import blocks
from .text import FUNCTIONS, SOFTMAX_SHIFT_ABOVE, Printer, shown
from .text import show as show_number


@dataclass
class Line:
    """One worked line, every string in the target's notation.

    ``terms[0]`` carries its own sign; ``ops[k]`` is the operator before ``terms[k]``
    (``ops[0]`` is unused). A line with only a ``head`` is a sentence (a lookup, a
    product with a zero vector).
    """

    head: str = ""  # "row 1: ", "1: "
    terms: list[str] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    rel: str = ""  # the relation before the result: " = " or " ≈ " (as the notation writes it)
    result: str = ""
    tail: str = ""  # "(exactly 1/3)"
    approx: bool = False  # the shown terms do not give the shown result exactly

    def pieces(self) -> list[str]:
        """Where the line may break: [head and first term, op and term, ..., = result]."""
        out = [self.head + (self.terms[0] if self.terms else "")]
        out += [op + term for op, term in zip(self.ops[1:], self.terms[1:])]
        if self.rel or self.result or self.tail:
            out.append(self.rel + self.result + self.tail)
        return [p for p in out if p]


@dataclass
class Notation:
    """How the worked lines are written for one target (plain text, LaTeX, MathML)."""

    label: Printer  # names and sub-expressions at the step, for section labels
    times: str = "×"
    cdots: str = "⋯"  # between elided terms of a sum
    ellipsis: str = "…"  # between elided entries of an inline vector
    vdots: str = "⋮"
    functions: dict[str, str] = field(default_factory=lambda: dict(FUNCTIONS))
    text: Callable[[str], str] = str  # words within a line
    name: Callable[[d.Node], str] | None = None  # a name within words (default: label)
    exp: Callable[[str], str] = lambda z: f"exp({z})"
    frac: Callable[[str, str], str] = lambda a, b: f"{a} / {b}"
    sum_exp: str = "Σ exp"
    vector: Callable[[list[str]], str] = lambda cells: "[" + ", ".join(cells) + "]"
    exact: Callable[[object], str] | None = None  # an exact value (sympy)
    exactly: Callable[[str], str] = lambda s: f"  (exactly {s})"
    num: Callable[[str], str] = str  # a number as printed ("-0.5", "(-0.5)")
    op: Callable[[str], str] = lambda s: f" {s} "  # +, -, =, ≈, × between operands
    paren: Callable[[str, str], str] = lambda a, b: f"{a}({b})"  # 3(0.4166)
    apply: Callable[[str, str], str] = lambda f, z: f"{f}({z})"  # σ(0.65)
    join: Callable[[list[str]], str] = "".join
    width: Callable[[str], int] = blocks.display_width  # how wide a piece is printed
    budget: int = 0  # a line wider than this breaks between terms (0: never)
    line_break: str = ""  # what a break is written as

    def line(self, line: Line) -> str:
        """The whole line, broken between terms where it would exceed ``budget``."""
        pieces = line.pieces()
        whole = self.join(pieces)
        if not self.budget or len(pieces) < 2 or self.width(whole) <= self.budget:
            return whole
        return self.line_break.join(self.join(row)
                                    for row in pack(pieces, self.width, self.budget))


def pack(pieces: list[str], width: Callable[[str], int], budget: int) -> list[list[str]]:
    """Pieces packed greedily into rows no wider than ``budget`` (a wider piece alone)."""
    rows: list[list[str]] = [[]]
    used = 0
    for piece in pieces:
        w = width(piece)
        if rows[-1] and used + w > budget:
            rows.append([])
            used = 0
        rows[-1].append(piece)
        used += w
    return rows


Section = tuple[d.Node, list[Line]]


class Expander(Printer):
    """The worked lines under an equation, innermost first.

    Each product is expanded row by row, each sum, ⊙ and activation element
    by element; ``worked`` returns (node, lines) pairs in the order a person
    computes them, ``sections`` the same with each line joined as text.
    """

    def __init__(self, notation: Notation, rounding: Rounding, full: bool = False,
                 exact: bool = False):
        self.n = notation
        self.rounding = rounding
        self.show = partial(show_number, rounding)  # show(x, written=False)
        self.full = full
        self.exact = exact
        self.out: list[Section] = []

    def worked(self, node: d.Node) -> list[Section]:
        self.out = []
        self.doprint(node)
        return self.out

    def sections(self, node: d.Node) -> list[tuple[d.Node, list[str]]]:
        return [(n, [self.n.line(line) for line in lines]) for n, lines in self.worked(node)]

    # -- pieces ---------------------------------------------------------------------

    def _name(self, node: d.Node) -> str:
        return (self.n.name or self.n.label.doprint)(node)

    def _rows(self, node: d.Node, make: Callable[[int], Line]) -> list[Line]:
        """One line per element, ``make(k)``, elided in the middle when long."""
        ks = blocks.elide(list(range(len(node.value))), self.full, None)
        out = []
        for k in ks:
            if k is None:
                out.append(Line(head=self.n.vdots))
                continue
            line = make(k)
            line.tail += self._exact(node, k)
            out.append(line)
        return out

    def _exact(self, node: d.Node, k: int) -> str:
        if not self.exact or node.exact is None or self.n.exact is None:
            return ""
        shown = self.n.exact(node.exact[k])
        return "" if shown == self.show(node.value[k]) else self.n.exactly(shown)

    def _line(self, head: str, terms: list[tuple[str, Callable[[str], str]] | None],
              result: str, check: Decimal | float | None) -> Line:
        """A line of terms, each (its leading number, how to write it from that number)
        or None for elided terms; ``check`` is what the shown terms give (None: unknown),
        compared with the shown ``result`` to choose = or ≈."""
        line = Line(head=self.n.text(head) if head else "")
        for first, build in ((("", None) if t is None else t) for t in terms):
            if build is None:
                body, negative = self.n.cdots, False
            else:
                negative = first.startswith("-")
                body = build(first[1:] if negative and line.terms else first)
            if not line.terms:
                line.ops.append("")
            else:
                line.ops.append(self.n.op("-" if negative else "+"))
            line.terms.append(body)
        line.approx = check is not None and self.show(check) != result
        line.rel = self.n.op("≈" if line.approx else "=")
        line.result = self.n.num(result)
        return line

    def _indices(self, n: int) -> list[int | None]:
        return blocks.elide(list(range(n)), self.full, None)

    # -- nodes ----------------------------------------------------------------------

    def _print_Leaf(self, node: d.Leaf) -> None:
        return None

    def _print_Product(self, node: d.Product) -> None:
        self.doprint(node.vector)
        if len(node.vector.value) and not np.any(node.vector.value):
            zero = self.n.num("0")
            self.out.append((node, [Line(head=self.n.join([
                self._name(node.vector), self.n.op("="), zero, self.n.text(", so "),
                self._name(node), self.n.op("="), zero]))]))
            return
        M = node.matrix.value.T if node.row else node.matrix.value
        written = node.matrix.from_file
        v = shown(node.vector, self.rounding)
        n = self.n

        def line(k: int) -> Line:
            js = self._indices(len(v))
            terms: list = []
            total: Decimal | None = Decimal(0)
            for j in js:
                if j is None:
                    terms.append(None)
                    total = None
                    continue
                m = self.show(M[k, j], written)
                a, b = (v[j], m) if node.row else (m, v[j])
                terms.append((a, lambda a, b=b: n.paren(n.num(a), n.num(b))))
                total = _times(total, a, b)
            head = f"{'column' if node.row else 'row'} {k + 1}: "
            return self._line(head, terms, self.show(node.value[k]), total)

        self.out.append((node, self._rows(node, line)))

    def _print_Lookup(self, node: d.Lookup) -> None:
        E, w = self._name(node.matrix), self._name(node.onehot)
        part = "row" if node.layout == "rows" else "column"
        n = self.n
        if node.index is not None:
            values = n.vector([n.num(s) for s in _elided(shown(node, self.rounding), self)])
            sentence = n.join([
                w, n.text(f" is one-hot at position {node.index + 1} (word index "),
                n.num(str(node.index)), n.text(f"), so it selects {part} {node.index + 1} of "),
                E, n.text(": "), values])
            self.out.append((node, [Line(head=sentence)]))
            return
        # not one-hot: a weighted sum of E's rows (or columns)
        E_in = node.matrix.value.T if node.layout == "rows" else node.matrix.value
        ws = shown(node.onehot, self.rounding)

        def line(k: int) -> Line:
            terms: list = []
            total: Decimal | None = Decimal(0)
            for j in self._indices(len(ws)):
                if j is None:
                    terms.append(None)
                    total = None
                    continue
                e = self.show(E_in[k, j], True)
                terms.append((e, lambda e, w=ws[j]: n.paren(n.num(e), n.num(w))))
                total = _times(total, e, ws[j])
            return self._line(f"{k + 1}: ", terms, self.show(node.value[k]), total)

        self.out.append((node, self._rows(node, line)))

    def _print_Sum(self, node: d.Sum) -> None:
        for term in node.terms:
            self.doprint(term)
        written = [d.as_written(term) for term in node.terms]
        n = self.n

        def line(k: int) -> Line:
            terms: list = []
            total: Decimal | None = Decimal(0)
            for i in self._indices(len(node.terms)):
                if i is None:
                    terms.append(None)
                    total = None
                    continue
                s = self.show(node.terms[i].value[k] * node.sign(i), written[i][k])
                terms.append((s, n.num))
                total = _plus(total, s)
            return self._line(f"{k + 1}: ", terms, self.show(node.value[k]), total)

        self.out.append((node, self._rows(node, line)))

    def _print_Hadamard(self, node: d.Hadamard) -> None:
        self.doprint(node.left)
        self.doprint(node.right)
        a, b = (shown(n, self.rounding, parens=True) for n in (node.left, node.right))
        n = self.n

        def line(k: int) -> Line:
            term = n.join([n.num(a[k]), n.op(n.times), n.num(b[k])])
            return self._line(f"{k + 1}: ", [(a[k], lambda _: term)],
                              self.show(node.value[k]), _times(Decimal(0), a[k], b[k]))

        self.out.append((node, self._rows(node, line)))

    def _print_Activation(self, node: d.Activation) -> None:
        self.doprint(node.arg)
        z = node.arg.value
        zs = shown(node.arg, self.rounding)
        f = self.n.functions[node.function]
        n, show = self.n, self.show
        if node.function == "softmax":
            self.out.append((node, self._softmax(node, z, zs)))
            return

        def line(k: int) -> Line:
            shown_z = _decimal(zs[k])
            check = None if shown_z is None else _ACTIVATE[node.function](float(shown_z))
            return self._line("", [("", lambda _: n.apply(f, n.num(zs[k])))],
                              show(node.value[k]), check)

        self.out.append((node, self._rows(node, line)))

    def _softmax(self, node: d.Activation, z: np.ndarray, zs: Sequence[str]) -> list[Line]:
        # as on paper, unless e^z would overflow: then every z is shifted by max z,
        # which leaves the quotients unchanged
        n, show = self.n, self.show
        shift = float(np.max(z)) if np.max(z) > SOFTMAX_SHIFT_ABOVE else 0.0
        with np.errstate(all="ignore"):
            exps = np.exp(z - shift)
        total = show(exps.sum())
        base = "" if shift == 0 else n.text(f" (each z shifted by max z = {show(shift)})")
        lines = [Line(terms=[n.sum_exp], ops=[""], rel=n.op("="), result=n.num(total),
                      tail=base)]
        shifted = [show(v) for v in (z - shift)] if shift else zs

        def line(k: int) -> Line:
            return Line(head=n.text(f"{k + 1}: "),
                        terms=[n.frac(n.exp(n.num(shifted[k])), n.num(total))], ops=[""],
                        rel=n.op("="), result=n.frac(n.num(show(exps[k])), n.num(total)),
                        tail=n.op("=") + n.num(show(node.value[k])))

        return lines + self._rows(node, line)

    def _print_Stack(self, node: d.Stack) -> None:
        for part in node.parts:
            self.doprint(part)
        values = self.n.vector([self.n.num(s) for s in
                                _elided(shown(node, self.rounding), self)])
        self.out.append((node, [Line(rel=self.n.op("=").lstrip(), result=values)]))


def _elided(cells: Sequence[str], expander: Expander) -> list[str]:
    return blocks.elide(cells, expander.full, expander.n.ellipsis)


def _decimal(s: str) -> Decimal | None:
    """A shown number ("-0.5", "(-0.5)", "1.5e+10") as an exact decimal; None for ∞."""
    try:
        value = Decimal(s.strip("()"))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _times(total: Decimal | None, a: str, b: str) -> Decimal | None:
    x, y = _decimal(a), _decimal(b)
    return None if total is None or x is None or y is None else total + x * y


def _plus(total: Decimal | None, a: str) -> Decimal | None:
    x = _decimal(a)
    return None if total is None or x is None else total + x


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


_ACTIVATE: dict[str, Callable[[float], float]] = {
    "sigmoid": _sigmoid, "tanh": math.tanh, "relu": lambda z: max(z, 0.0)}
