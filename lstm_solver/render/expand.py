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
from .text import FUNCTIONS, SOFTMAX_SHIFT_ABOVE, Printer, shown


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
        if node.digits is not None:  # round: [h]: the value with 4 more digits, then rounded
            zs = shown(node.arg, self.rounding.at(max(self.rounding.decimals, node.digits + 4)))
            show = self.rounding.at(node.digits).show
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


def _elided(cells: Sequence[str], expander: Expander) -> list[str]:
    return blocks.elide(cells, expander.full, expander.n.ellipsis)
