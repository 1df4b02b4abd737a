"""The worked lines under an equation: each product row by row, each sum, ⊙ and
activation element by element, written in a target's ``Notation`` (plain text,
LaTeX, ...), so that every renderer shows the same steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import derivation as d
from ..numbers import Rounding
from . import blocks
from .text import FUNCTIONS, SOFTMAX_SHIFT_ABOVE, Printer, numbers, shown


@dataclass
class Notation:
    """How the worked lines are written for one target (plain text, LaTeX, ...)."""

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
    break_every: int = 0  # a long sum of terms breaks after this many (0: never)
    line_break: str = ""
    # the backward pass
    square: Callable[[str], str] = lambda x: f"{x}²"
    sqrt: Callable[[str], str] = lambda x: f"√({x})"
    log: str = "log"
    half: str = "½"
    dot: str = "·"
    le: str = "≤"
    norm: Callable[[str], str] = lambda x: f"‖{x}‖"


class Expander(Printer):
    """The worked lines under an equation, innermost first.

    Each product is expanded row by row, each sum, ⊙ and activation element
    by element; ``sections`` returns (node, lines) pairs in the order a person
    computes them, the lines written in the target's ``Notation``.
    """

    def __init__(self, notation: Notation, rounding: Rounding, full: bool = False,
                 exact: bool = False):
        self.n = notation
        self.rounding = rounding
        self.show = rounding.show
        self.full = full
        self.exact = exact
        self.out: list[tuple[d.Node, list[str]]] = []

    def sections(self, node: d.Node) -> list[tuple[d.Node, list[str]]]:
        self.out = []
        self.doprint(node)
        return self.out

    def _name(self, node: d.Node) -> str:
        return (self.n.name or self.n.label.doprint)(node)

    def _rows(self, node: d.Node, make) -> list[str]:
        """One line per element, ``make(k)``, elided in the middle when long."""
        ks = blocks.elide(list(range(len(node.value))), self.full, None)
        return [self.n.vdots if k is None else make(k) + self._exact(node, k) for k in ks]

    def _exact(self, node: d.Node, k: int) -> str:
        if not self.exact or node.exact is None or self.n.exact is None:
            return ""
        shown = self.n.exact(node.exact[k])
        return "" if shown == self.show(node.value[k]) else self.n.exactly(shown)

    def _terms(self, n: int, term: Callable[[int], str]) -> str:
        """``term(0) + term(1) + …``, elided in the middle; only shown terms are made."""
        terms = [self.n.cdots if j is None else term(j)
                 for j in blocks.elide(list(range(n)), self.full, None)]
        out = terms[0]
        for i, term in enumerate(terms[1:], start=1):
            if self.n.break_every and i % self.n.break_every == 0:
                out += self.n.line_break
            out += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
        return out

    def _print_Leaf(self, node: d.Leaf) -> None:
        return None

    def _print_Product(self, node: d.Product) -> None:
        self.doprint(node.vector)
        M = node.matrix.value.T if node.row else node.matrix.value
        bare = node.matrix.from_file
        v = shown(node.vector, self.rounding)

        def line(k: int) -> str:
            def term(j: int) -> str:
                m = self.show(M[k, j], bare)
                return f"{v[j]}({m})" if node.row else f"{m}({v[j]})"

            what = self.n.text(f"{'column' if node.row else 'row'} {k + 1}: ")
            return f"{what}{self._terms(len(v), term)} = {self.show(node.value[k])}"

        self.out.append((node, self._rows(node, line)))

    def _print_Lookup(self, node: d.Lookup) -> None:
        E, w = self._name(node.matrix), self._name(node.onehot)
        part = "row" if node.layout == "rows" else "column"
        if node.index is not None:
            t = self.n.text
            line = (f"{w}{t(f' is one-hot at position {node.index + 1} (word index ')}"
                    f"{node.index}{t(f'), so it selects {part} {node.index + 1} of ')}{E}"
                    f"{t(': ')}{self.n.vector(_elided(shown(node, self.rounding), self))}")
            self.out.append((node, [line]))
        else:  # not one-hot: a weighted sum of E's rows (or columns)
            E_in = node.matrix.value.T if node.layout == "rows" else node.matrix.value
            ws = shown(node.onehot, self.rounding, parens=True)

            def line(k: int) -> str:
                terms = self._terms(len(ws), lambda j: f"{self.show(E_in[k, j], True)}{ws[j]}")
                return f"{self.n.text(f'{k + 1}: ')}{terms} = {self.show(node.value[k])}"

            self.out.append((node, self._rows(node, line)))

    def _print_Sum(self, node: d.Sum) -> None:
        for term in node.terms:
            self.doprint(term)
        written = [d.as_written(term) for term in node.terms]

        def line(k: int) -> str:
            terms = self._terms(len(node.terms), lambda i: self.show(
                node.terms[i].value[k] * node.sign(i), written[i][k]))
            return f"{self.n.text(f'{k + 1}: ')}{terms} = {self.show(node.value[k])}"

        self.out.append((node, self._rows(node, line)))

    def _print_Hadamard(self, node: d.Hadamard) -> None:
        self.doprint(node.left)
        self.doprint(node.right)
        a, b = (shown(n, self.rounding, parens=True) for n in (node.left, node.right))
        self.out.append((node, self._rows(node, lambda k: (
            f"{self.n.text(f'{k + 1}: ')}{a[k]} {self.n.times} {b[k]} = "
            f"{self.show(node.value[k])}"))))

    def _print_Activation(self, node: d.Activation) -> None:
        self.doprint(node.arg)
        z = node.arg.value
        zs = shown(node.arg, self.rounding)
        f = self.n.functions[node.function]
        show = self.show
        if node.function == "softmax":
            # as on paper, unless e^z would overflow: then every z is shifted by max z,
            # which leaves the quotients unchanged
            shift = float(np.max(z)) if np.max(z) > SOFTMAX_SHIFT_ABOVE else 0.0
            with np.errstate(all="ignore"):
                exps = np.exp(z - shift)
            total = exps.sum()
            base = "" if shift == 0 else self.n.text(
                f" (each z shifted by max z = {show(shift)})")
            lines = [f"{self.n.sum_exp} = {show(total)}{base}"]
            shifted = [show(v) for v in (z - shift)] if shift else zs
            lines += self._rows(node, lambda k: (
                f"{self.n.text(f'{k + 1}: ')}"
                f"{self.n.frac(self.n.exp(shifted[k]), show(total))} = "
                f"{self.n.frac(show(exps[k]), show(total))} = {show(node.value[k])}"))
        else:
            lines = self._rows(node, lambda k: f"{f}({zs[k]}) = {show(node.value[k])}")
        self.out.append((node, lines))

    def _print_Stack(self, node: d.Stack) -> None:
        for part in node.parts:
            self.doprint(part)
        values = self.n.vector(_elided(shown(node, self.rounding), self))
        self.out.append((node, [f"= {values}"]))


    # -- the backward pass ----------------------------------------------------------------

    def _vector(self, values, bare=False) -> str:
        cells = numbers(values, self.rounding, bare)
        return self.n.vector(blocks.elide(cells, self.full, self.n.ellipsis))

    def _print_Derivative(self, node: d.Derivative) -> None:
        self.doprint(node.of)
        y = shown(node.of, self.rounding, parens=True)
        v, t, times = node.value, self.n.text, self.n.times

        def line(k: int) -> str:
            if node.function == "sigmoid":
                body = f"{y[k]} {times} (1 - {y[k]})"
            elif node.function == "tanh":
                body = f"1 - {self.n.square(y[k])}"
            elif node.function == "relu":
                body = f"[{y[k]} > 0]"
            else:
                body = "1"
            return f"{t(f'{k + 1}: ')}{body} = {self.show(v[k])}"

        self.out.append((node, self._rows(node, line)))

    def _outer_row(self, node: d.Outer, k: int) -> str:
        a = shown(node.left, self.rounding, parens=True)
        b = numbers(node.right.value, self.rounding, d.as_written(node.right))
        row = numbers(node.value[k], self.rounding)
        wide = self.n.line_break if len(b) > 2 else ""  # a wide row: = on a new line
        return (f"{a[k]} {self.n.times} "
                f"{self.n.vector(blocks.elide(b, self.full, self.n.ellipsis))}{wide} = "
                f"{self.n.vector(blocks.elide(row, self.full, self.n.ellipsis))}")

    def _print_Outer(self, node: d.Outer) -> None:
        self.doprint(node.left)
        self.doprint(node.right)
        self.out.append((node, self._rows(node, lambda k: (
            f"{self.n.text(f'row {k + 1}: ')}{self._outer_row(node, k)}"))))

    def _print_StepSum(self, node: d.StepSum) -> None:
        lines: list[str] = []
        items = blocks.elide(list(zip(node.steps, node.terms)), self.full, None)
        for item in items:
            if item is None:
                lines.append(self.n.vdots)
                continue
            t, term = item
            if isinstance(term, d.Outer):
                lines += self._rows(term, lambda k, t=t, term=term: (
                    f"{self.n.text(f't = {t}, row {k + 1}: ')}{self._outer_row(term, k)}"))
        if node.value.ndim == 1:
            written = [d.as_written(term) for term in node.terms]
            def entry(k: int) -> str:
                terms = self._terms(len(node.terms), lambda i: self.show(
                    node.terms[i].value[k], written[i][k]))
                return f"{self.n.text(f'{k + 1}: ')}{terms} = {self.show(node.value[k])}"

            lines += self._rows(node, entry)
        else:
            every = 1 if node.value.shape[1] > 2 else 2  # vectors of a wide row: one a line

            def row_sum(k: int) -> str:
                terms = [self.n.cdots if i is None else self._vector(node.terms[i].value[k])
                         for i in blocks.elide(list(range(len(node.terms))), self.full, None)]
                out = terms[0]
                for j, term in enumerate(terms[1:], start=1):
                    out += (self.n.line_break if j % every == 0 else "") + f" + {term}"
                long = node.value.shape[1] > 2 or len(terms) > 2
                return (f"{self.n.text(f'row {k + 1}: ')}{out}"
                        f"{self.n.line_break if long else ''} = "
                        f"{self._vector(node.value[k])}")

            lines += self._rows(node, row_sum)
        self.out.append((node, lines))

    def _print_Part(self, node: d.Part) -> None:
        self.doprint(node.arg)
        where = f"{node.start + 1}" if node.stop == node.start + 1 else (
            f"{node.start + 1} to {node.stop}")
        self.out.append((node, [f"{self.n.text(f'entries {where}: ')}"
                                f"{self._vector(node.value)}"]))

    def _print_Scale(self, node: d.Scale) -> None:
        self.doprint(node.arg)
        a = shown(node.arg, self.rounding, parens=True)
        label = node.label if "/" not in node.label else f"({node.label})"
        self.out.append((node, self._rows(node, lambda k: (
            f"{self.n.text(f'{k + 1}: ')}{label} {self.n.times} {a[k]} = "
            f"{self.show(node.value[k])}"))))

    def _print_SoftmaxGrad(self, node: d.SoftmaxGrad) -> None:
        y = shown(node.out, self.rounding, parens=True)
        g = shown(node.grad, self.rounding, parens=True)
        dot = float(node.grad.value @ node.out.value)
        first = (f"{self._name(node.grad)} {self.n.dot} {self._name(node.out)} = "
                 f"{self._terms(len(y), lambda j: f'{g[j]}{y[j]}')} = {self.show(dot)}")
        s = self.show(dot) if dot >= 0 else f"({self.show(dot)})"
        self.out.append((node, [first] + self._rows(node, lambda k: (
            f"{self.n.text(f'{k + 1}: ')}{y[k]} {self.n.times} ({g[k]} - {s}) = "
            f"{self.show(node.value[k])}"))))

    def _print_Loss(self, node: d.Loss) -> None:
        lines, parts = [], []
        for t, p, y in zip(node.steps, node.predictions, node.targets):
            if node.kind == "cross_entropy":
                j = int(y.value.argmax())
                part = float(-np.log(p.value[j])) if p.value[j] > 0 else float("inf")
                lines.append(f"{self.n.text(f't = {t}: class {j + 1}, ')}"
                             f"-{self.n.log}({self.show(p.value[j])}) = {self.show(part)}")
            else:
                a = numbers(p.value, self.rounding, parens=True)
                b = numbers(y.value, self.rounding, True, parens=True)
                part = float(((p.value - y.value) ** 2).sum())
                terms = self._terms(len(a), lambda j, a=a, b=b: self.n.square(
                    f"({a[j]} - {b[j]})"))
                lines.append(f"{self.n.text(f't = {t}: ')}{terms} = {self.show(part)}")
            parts.append(self.show(part))
        lines = blocks.elide(lines, self.full, self.n.vdots)
        inner = " + ".join(blocks.elide(parts, self.full, self.n.cdots))
        factor = {"half_squared_error": f"{self.n.half} {self.n.times} ", "squared_error": "",
                  "cross_entropy": "",
                  "mean_squared_error": f"1/{node.count} {self.n.times} "}[node.kind]
        if len(parts) > 1 or factor:
            lines.append(f"L = {factor}({inner}) = {self.show(node.value[0])}")
        self.out.append((node, lines))

    def _print_Norm(self, node: d.Norm) -> None:
        lines, squares = [], []
        total = 0.0
        for term in node.terms:
            flat = term.value.ravel()
            cells = numbers(flat, self.rounding, parens=True)
            square = float((flat ** 2).sum())
            total += square
            squares.append(self.show(square))
            lines.append(f"{self.n.square(self.n.norm(self._name(term)))} = "
                         f"{self._terms(len(flat), lambda j, c=cells: self.n.square(c[j]))} = "
                         f"{self.show(square)}")
        lines = blocks.elide(lines, self.full, self.n.vdots)
        g = self.n.norm("g")
        shown_squares = " + ".join(blocks.elide(squares, False, self.n.cdots, 4))
        lines.append(f"{self.n.square(g)} = {shown_squares} = {self.show(total)}")
        lines.append(f"{g} = {self.n.sqrt(self.show(total))} = {self.show(node.value[0])}")
        self.out.append((node, lines))

    def _print_Clip(self, node: d.Clip) -> None:
        n = self.show(node.norm.value[0])
        t = self.n.text
        if node.value[0] < 1:
            line = (f"{n} > {node.label}{t(', so s = ')}{node.label} / {n} = "
                    f"{self.show(node.value[0])}")
        else:
            line = f"{n} {self.n.le} {node.label}"
            line += t(": no clipping, s = 1")
        self.out.append((node, [line]))

    def _print_Update(self, node: d.Update) -> None:
        theta, g = node.param.value, node.grad.value
        factor = node.rate_label + (f" {self.n.times} {node.scale_label}"
                                    if node.scale_label else "")

        def entry(x, gx, v) -> str:
            gs = self.show(gx)
            gs = f"({gs})" if gs.startswith("-") else gs
            return f"{self.show(x, True)} - {factor} {self.n.times} {gs} = {self.show(v)}"

        if node.value.ndim == 1:
            lines = self._rows(node, lambda k: (
                f"{self.n.text(f'{k + 1}: ')}{entry(theta[k], g[k], node.value[k])}"))
        else:
            lines = self._rows(node, lambda k: (
                f"{self.n.text(f'row {k + 1}: ')}{self._vector(theta[k], True)} - {factor} "
                f"{self.n.times} {self._vector(g[k])}{self.n.line_break} = "
                f"{self._vector(node.value[k])}"))
        self.out.append((node, lines))


def _elided(cells: Sequence[str], expander: Expander) -> list[str]:
    return blocks.elide(cells, expander.full, expander.n.ellipsis)
