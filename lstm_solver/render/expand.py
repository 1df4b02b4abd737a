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
from fractions import Fraction
from functools import partial

import numpy as np

from .. import derivation as d
from ..numbers import Rounding
from . import blocks
from .text import FUNCTIONS, SOFTMAX_SHIFT_ABOVE, Printer, numbers, shown
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
    # the backward pass
    square: Callable[[str], str] = lambda x: f"{x}²"
    sqrt: Callable[[str], str] = lambda x: f"√({x})"
    norm: Callable[[str], str] = lambda x: f"‖{x}‖"
    log: str = "log"
    half: str = "½"
    dot: str = "·"
    le: str = "≤"

    def line(self, line: Line) -> str:
        """The whole line, broken between terms where it would exceed ``budget``."""
        pieces = line.pieces()
        whole = self.join(pieces)
        if not self.budget or len(pieces) < 2 or self.width(whole) <= self.budget:
            return whole
        # the rows after the first start further in (the break's indent): room for it
        budget = max(1, self.budget - self.width(self.line_break))
        return self.line_break.join(self.join(row) for row in pack(pieces, self.width, budget))


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
        """"(exactly 156688839/12500000)": only when it says more than the shown number.
        A fraction equal to the shown decimal (0.2000, exactly 1/5) adds nothing, and with
        values carried rounded it is the rounded value, not tanh(0.60) or 0.620 × 0.542."""
        if not self.exact or node.exact is None or self.n.exact is None:
            return ""
        value = node.exact[k]
        shown_value = _decimal(self.show(node.value[k]))
        if getattr(value, "is_Rational", False) and shown_value is not None and \
                Fraction(int(value.p), int(value.q)) == Fraction(shown_value):
            return ""
        shown = self.n.exact(value)
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
                E, n.text(": ")])
            # the row as the line's result: it goes below the sentence when both do not fit
            self.out.append((node, [Line(head=sentence, result=values)]))
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
        if node.digits is not None:  # round: [h]: the value with 4 more digits, then rounded
            zs = shown(node.arg, self.rounding.at(max(self.rounding.decimals, node.digits + 4)))
            show = self.rounding.at(node.digits).show
        if node.function == "softmax":
            self.out.append((node, self._softmax(node, z, zs)))
            return

        def line(k: int) -> Line:
            shown_z = _decimal(zs[k])
            check = None if shown_z is None or node.function not in _ACTIVATE else \
                _ACTIVATE[node.function](float(shown_z))
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


    # -- the backward pass ----------------------------------------------------------------

    def _cells(self, values, written=False) -> list[str | None]:
        """A vector's entries as shown, None where elided."""
        return blocks.elide(numbers(values, self.rounding, written), self.full, None)

    def _vector(self, values, written=False) -> str:
        return self._join(self._cells(values, written))

    def _join(self, cells: list[str | None]) -> str:
        return self.n.vector([self.n.ellipsis if c is None else self.n.num(c) for c in cells])

    def _vector_line(self, line: Line, cells: list[str | None],
                     checks: list[Decimal | None]) -> Line:
        """``line`` with a vector result: ≈ when an entry's shown terms miss its shown value."""
        line.approx = any(c is not None and x is not None and self.show(x) != c
                          for c, x in zip(cells, checks))
        line.rel, line.result = self.n.op("≈" if line.approx else "="), self._join(cells)
        return line

    def _sentence(self, *parts: str) -> Line:
        return Line(head=self.n.join([p for p in parts if p]))

    def _print_Derivative(self, node: d.Derivative) -> None:
        self.doprint(node.of)
        y = shown(node.of, self.rounding, parens=True)
        n = self.n

        def line(k: int) -> Line:
            yk = n.num(y[k])
            x = _decimal(y[k])
            if node.function == "sigmoid":
                body = n.join([yk, n.op(n.times), n.paren("", n.join(
                    [n.num("1"), n.op("-"), yk]))])
                check = None if x is None else x * (1 - x)
            elif node.function == "tanh":
                body = n.join([n.num("1"), n.op("-"), n.square(yk)])
                check = None if x is None else 1 - x * x
            elif node.function == "relu":
                body = n.join([n.text("["), yk, n.op(">"), n.num("0"), n.text("]")])
                check = None
            else:
                body, check = n.num("1"), None
            return self._line(f"{k + 1}: ", [("", lambda _: body)],
                              self.show(node.value[k]), check)

        self.out.append((node, self._rows(node, line)))

    def _outer_row(self, node: d.Outer, k: int, head: str) -> Line:
        n = self.n
        a = shown(node.left, self.rounding, parens=True)
        right = self._cells(node.right.value, d.as_written(node.right))
        line = Line(head=n.text(head), terms=[n.join([n.num(a[k]), n.op(n.times),
                                                      self._join(right)])], ops=[""])
        checks = [None if r is None else _times(Decimal(0), a[k], r) for r in right]
        return self._vector_line(line, self._cells(node.value[k]), checks)

    def _print_Outer(self, node: d.Outer) -> None:
        self.doprint(node.left)
        self.doprint(node.right)
        self.out.append((node, self._rows(node, lambda k: self._outer_row(
            node, k, f"row {k + 1}: "))))

    def _print_StepSum(self, node: d.StepSum) -> None:
        n = self.n
        lines: list[Line] = []
        for item in blocks.elide(list(zip(node.steps, node.terms)), self.full, None):
            if item is None:
                lines.append(Line(head=n.vdots))
                continue
            t, term = item
            if isinstance(term, d.Outer):
                lines += self._rows(term, lambda k, t=t, term=term: self._outer_row(
                    term, k, f"t = {t}, row {k + 1}: "))
        if node.value.ndim == 1:
            written = [d.as_written(term) for term in node.terms]

            def entry(k: int) -> Line:
                terms: list = []
                total: Decimal | None = Decimal(0)
                for i in self._indices(len(node.terms)):
                    if i is None:
                        terms.append(None)
                        total = None
                        continue
                    x = self.show(node.terms[i].value[k], written[i][k])
                    terms.append((x, n.num))
                    total = _plus(total, x)
                return self._line(f"{k + 1}: ", terms, self.show(node.value[k]), total)

            lines += self._rows(node, entry)
        else:
            def row_sum(k: int) -> Line:
                line = Line(head=n.text(f"row {k + 1}: "))
                result = self._cells(node.value[k])
                checks: list[Decimal | None] = [Decimal(0)] * len(result)
                for i in self._indices(len(node.terms)):
                    line.ops.append("" if not line.terms else n.op("+"))
                    cells = None if i is None else self._cells(node.terms[i].value[k])
                    line.terms.append(n.cdots if cells is None else self._join(cells))
                    checks = [None if cells is None or cells[j] is None else _plus(x, cells[j])
                              for j, x in enumerate(checks)]
                return self._vector_line(line, result, checks)

            lines += self._rows(node, row_sum)
        self.out.append((node, lines))

    def _print_Part(self, node: d.Part) -> None:
        self.doprint(node.arg)
        where = f"{node.start + 1}" if node.stop == node.start + 1 else (
            f"{node.start + 1} to {node.stop}")
        self.out.append((node, [self._sentence(self.n.text(f"entries {where}: "),
                                               self._vector(node.value))]))

    def _print_Scale(self, node: d.Scale) -> None:
        self.doprint(node.arg)
        a = shown(node.arg, self.rounding, parens=True)
        n = self.n
        label = node.label if "/" not in node.label else f"({node.label})"

        def line(k: int) -> Line:
            body = n.join([n.num(label), n.op(n.times), n.num(a[k])])
            x = _decimal(a[k])
            check = None if x is None else Decimal(repr(node.factor)) * x
            return self._line(f"{k + 1}: ", [("", lambda _: body)], self.show(node.value[k]),
                              check)

        self.out.append((node, self._rows(node, line)))

    def _print_SoftmaxGrad(self, node: d.SoftmaxGrad) -> None:
        n = self.n
        y = shown(node.out, self.rounding, parens=True)
        g = shown(node.grad, self.rounding, parens=True)
        dot = float(node.grad.value @ node.out.value)
        first = Line(head=n.join([self._name(node.grad), n.op(n.dot), self._name(node.out),
                                  n.op("=")]))
        for j in self._indices(len(y)):
            first.ops.append("" if not first.terms else n.op("+"))
            first.terms.append(n.cdots if j is None else n.paren(n.num(g[j]), n.num(y[j])))
        first.rel, first.result = n.op("="), n.num(self.show(dot))
        s = self.show(dot)

        def line(k: int) -> Line:
            body = n.join([n.num(y[k]), n.op(n.times), n.paren("", n.join(
                [n.num(g[k]), n.op("-"), n.num(s if dot >= 0 else f"({s})")]))])
            return self._line(f"{k + 1}: ", [("", lambda _: body)], self.show(node.value[k]),
                              None)

        self.out.append((node, [first] + self._rows(node, line)))

    def _print_Loss(self, node: d.Loss) -> None:
        n = self.n
        lines, parts = [], []
        for t, p, y in zip(node.steps, node.predictions, node.targets):
            if node.kind == "cross_entropy":
                j = int(y.value.argmax())
                part = float(-np.log(p.value[j])) if p.value[j] > 0 else float("inf")
                lines.append(Line(
                    head=n.text(f"t = {t}: class {j + 1}, "),
                    terms=[n.join([n.op("-").lstrip(), n.apply(n.log, n.num(
                        self.show(p.value[j])))])], ops=[""], rel=n.op("="),
                    result=n.num(self.show(part))))
            else:
                a = numbers(p.value, self.rounding, parens=True)
                b = numbers(y.value, self.rounding, True, parens=True)
                part = float(((p.value - y.value) ** 2).sum())
                line = Line(head=n.text(f"t = {t}: "))
                for j in self._indices(len(a)):
                    line.ops.append("" if not line.terms else n.op("+"))
                    line.terms.append(n.cdots if j is None else n.square(n.paren("", n.join(
                        [n.num(a[j]), n.op("-"), n.num(b[j])]))))
                line.rel, line.result = n.op("="), n.num(self.show(part))
                lines.append(line)
            parts.append(self.show(part))
        lines = blocks.elide(lines, self.full, Line(head=n.vdots))
        factor = {"half_squared_error": [n.half, n.op(n.times)], "squared_error": [],
                  "cross_entropy": [],
                  "mean_squared_error": [n.num(f"1/{node.count}"), n.op(n.times)]}[node.kind]
        if len(parts) > 1 or factor:
            inner = n.join([x for j, p in enumerate(blocks.elide(parts, self.full, None))
                            for x in ([n.op("+")] if j else []) + [
                                n.cdots if p is None else n.num(p)]])
            lines.append(Line(head=n.join(["L", n.op("="), *factor]),
                              terms=[n.paren("", inner)], ops=[""], rel=n.op("="),
                              result=n.num(self.show(node.value[0]))))
        self.out.append((node, lines))

    def _print_Norm(self, node: d.Norm) -> None:
        n = self.n
        lines, squares = [], []
        total = 0.0
        for term in node.terms:
            flat = term.value.ravel()
            cells = numbers(flat, self.rounding, parens=True)
            square = float((flat ** 2).sum())
            total += square
            squares.append(self.show(square))
            line = Line(head=n.join([n.square(n.norm(self._name(term))), n.op("=")]))
            for j in self._indices(len(flat)):
                line.ops.append("" if not line.terms else n.op("+"))
                line.terms.append(n.cdots if j is None else n.square(n.num(cells[j])))
            line.rel, line.result = n.op("="), n.num(self.show(square))
            lines.append(line)
        # a line per parameter: one unit's (an LSTM's 12) all shown, a larger network's elided
        lines = blocks.elide(lines, self.full, Line(head=n.vdots), NORM_TERMS)
        g = n.norm("g")
        shown_squares = Line(head=n.join([n.square(g), n.op("=")]))
        for j, x in enumerate(blocks.elide(squares, self.full, None, NORM_TERMS)):
            shown_squares.ops.append("" if not j else n.op("+"))
            shown_squares.terms.append(n.cdots if x is None else n.num(x))
        shown_squares.rel, shown_squares.result = n.op("="), n.num(self.show(total))
        lines.append(shown_squares)
        lines.append(Line(head=n.join([g, n.op("=")]), terms=[n.sqrt(n.num(self.show(total)))],
                          ops=[""], rel=n.op("="), result=n.num(self.show(node.value[0]))))
        self.out.append((node, lines))

    def _print_Clip(self, node: d.Clip) -> None:
        n = self.n
        norm = n.num(self.show(node.norm.value[0]))
        if node.value[0] < 1:
            line = Line(head=n.join([norm, n.op(">"), n.num(node.label),
                                     n.text(", so s = "), n.frac(n.num(node.label), norm)]),
                        rel=n.op("="), result=n.num(self.show(node.value[0])))
        else:
            line = Line(head=n.join([norm, n.op(n.le), n.num(node.label),
                                     n.text(": no clipping, s = "), n.num("1")]))
        self.out.append((node, [line]))

    def _print_Update(self, node: d.Update) -> None:
        n = self.n
        theta, g = node.param.value, node.grad.value
        factor = [n.num(node.rate_label)] + ([n.op(n.times), n.num(node.scale_label)]
                                             if node.scale_label else [])
        step = _decimal(node.rate_label)  # λ·s as shown: what the shown terms give
        if step is not None and node.scale_label:
            scale = _decimal(node.scale_label)
            step = None if scale is None else step * scale

        def update(theta_shown: str | None, g_shown: str | None) -> Decimal | None:
            a, b = (None if x is None else _decimal(x) for x in (theta_shown, g_shown))
            return None if a is None or b is None or step is None else a - step * b

        if node.value.ndim == 1:
            def line(k: int) -> Line:
                gs, ts = self.show(g[k]), self.show(theta[k], True)
                body = n.join([n.num(ts), n.op("-"), *factor,
                               n.op(n.times), n.num(f"({gs})" if gs.startswith("-") else gs)])
                return self._line(f"{k + 1}: ", [("", lambda _: body)],
                                  self.show(node.value[k]), update(ts, gs))
        else:
            def line(k: int) -> Line:
                ts, gs = self._cells(theta[k], True), self._cells(g[k])
                out = Line(head=n.text(f"row {k + 1}: "), terms=[
                    self._join(ts), n.join([*factor, n.op(n.times), self._join(gs)])],
                    ops=["", n.op("-")])
                return self._vector_line(out, self._cells(node.value[k]),
                                         [update(a, b) for a, b in zip(ts, gs)])
        self.out.append((node, self._rows(node, line)))


NORM_TERMS = 16  # parameters whose squares the norm's working lists before eliding


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
