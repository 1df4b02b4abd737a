"""Plain text: names, labels and the written-out equation as bracketed blocks.

``Printer`` walks a derivation tree the way sympy's printers walk an
expression: one ``_print_<Node>`` method per node type. ``TextPrinter``
writes symbols (``σ(W_f hₜ₋₁ + U_f xₜ + b_f)``, or at a step, ``h₁``);
``ValuePrinter`` writes the same tree with the numbers put in, as blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from .. import derivation as d
from ..equations import Name
from ..numbers import Rounding
from . import blocks
from .blocks import Block, hjoin, text

_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_BASES = {"c_tilde": "c̃", "h_tilde": "h̃", "1": "1"}
FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "softmax": "softmax"}
SOFTMAX_SHIFT_ABOVE = 50.0


def subscript(s: str) -> str:
    return s.translate(_SUB)


def time_index(dt: int, t: int | None) -> str:
    """t-1 written symbolically (``t`` is None) or as a number."""
    if t is None:
        return "t" if dt == 0 else f"t{dt:+d}"
    return str(t + dt)


def name(n: Name, t: int | None = None) -> str:
    """``W_f``, ``hₜ₋₁`` (symbolic) or ``h₁`` (at t = 2)."""
    base = _BASES.get(n.base, n.base)
    out = f"{base}_{n.sub}" if n.sub else base
    if n.dt is not None:
        out += subscript(time_index(n.dt, t))
    return out


class Printer:
    """Dispatches on the node's class, as sympy's Printer does."""

    def doprint(self, node: d.Node):
        return getattr(self, f"_print_{type(node).__name__}")(node)


class TextPrinter(Printer):
    """A node in symbols, on one line."""

    def __init__(self, t: int | None = None, row: bool = False):
        self.t = t
        self.row = row  # vectors are rows (v·W), as in d2l

    def _print_Leaf(self, node: d.Leaf) -> str:
        return name(node.name, self.t)

    def _print_Product(self, node: d.Product) -> str:
        m, v = self.doprint(node.matrix), self._factor(node.vector, d.Hadamard)
        return f"{v} {m}" if node.row else f"{m} {v}"

    def _print_Lookup(self, node: d.Lookup) -> str:
        E, w = self.doprint(node.matrix), self.doprint(node.onehot)
        if node.layout == "rows":
            return f"{w} {E}" if self.row else f"{E}ᵀ {w}"
        return f"{w} {E}ᵀ" if self.row else f"{E} {w}"

    def _print_Sum(self, node: d.Sum) -> str:
        out = ""
        for k, term in enumerate(node.terms):
            s = self.doprint(term)
            if k == 0:
                out = s if node.sign(k) > 0 else f"−{s}"
            else:
                out += f" {'+' if node.sign(k) > 0 else '−'} {s}"
        return out

    def _print_Hadamard(self, node: d.Hadamard) -> str:
        return f"{self._factor(node.left)} ⊙ {self._factor(node.right)}"

    def _print_Activation(self, node: d.Activation) -> str:
        return f"{FUNCTIONS[node.function]}({self.doprint(node.arg)})"

    def _print_Stack(self, node: d.Stack) -> str:
        sep = ", " if self.row else "; "
        return "[" + sep.join(self.doprint(p) for p in node.parts) + "]"

    def _factor(self, node: d.Node, *also: type) -> str:
        """``node`` as a factor: a sum (or one of ``also``) in parentheses."""
        s = self.doprint(node)
        return f"({s})" if isinstance(node, (d.Sum, *also)) else s


class ValuePrinter(Printer):
    """A node with the numbers written out, as bracketed blocks.

    ``pieces`` returns the blocks of a top-level chain separately, so that a
    long equation can break between terms.
    """

    def __init__(self, rounding: Rounding, full: bool = False, row: bool = False,
                 width: int | None = None):
        self.rounding = rounding
        self.full = full
        self.row = row
        self.width = width  # a matrix wider than this has more columns elided

    def vector(self, node: d.Node) -> Block:
        cells = shown(node, self.rounding)
        shape, cell = ((1, len(cells)), lambda i, j: cells[j]) if self.row else (
            (len(cells), 1), lambda i, j: cells[i])
        return blocks.lazy_matrix(*shape, cell, self.full, self.width)

    def pieces(self, node: d.Node) -> list[Block]:
        if isinstance(node, d.Activation):
            return [text(f"{FUNCTIONS[node.function]}("), *self.pieces(node.arg), text(")")]
        if isinstance(node, d.Sum):
            out: list[Block] = []
            for k, term in enumerate(node.terms):
                op = ("" if node.sign(k) > 0 else "−") if k == 0 else (
                    " + " if node.sign(k) > 0 else " − ")
                block = self.doprint(term)
                out.append(hjoin(text(op), block) if op else block)
            return out
        return [self.doprint(node)]

    def _print_Leaf(self, node: d.Leaf) -> Block:
        if node.value.ndim == 2:
            M, r = node.value, self.rounding
            return blocks.lazy_matrix(*M.shape, lambda i, j: show(r, M[i, j], node.from_file),
                                      self.full, self.width)
        return self.vector(node)

    def _print_Product(self, node: d.Product) -> Block:
        m, v = self.doprint(node.matrix), self._factor(node.vector, d.Hadamard)
        return hjoin(v, text(" "), m) if node.row else hjoin(m, text(" "), v)

    def _print_Lookup(self, node: d.Lookup) -> Block:
        E = self.doprint(node.matrix)
        w = self.vector(node.onehot)
        tE = hjoin(E, text("ᵀ")) if (node.layout == "rows") != self.row else E
        return hjoin(w, text(" "), tE) if self.row else hjoin(tE, text(" "), w)

    def _print_Sum(self, node: d.Sum) -> Block:
        return hjoin(*self.pieces(node))

    def _print_Hadamard(self, node: d.Hadamard) -> Block:
        return hjoin(self._factor(node.left), text(" ⊙ "), self._factor(node.right))

    def _print_Activation(self, node: d.Activation) -> Block:
        return hjoin(*self.pieces(node))

    def _print_Stack(self, node: d.Stack) -> Block:
        return self.vector(node)

    def _factor(self, node: d.Node, *also: type) -> Block:
        b = self.doprint(node)
        return hjoin(text("("), b, text(")")) if isinstance(node, (d.Sum, *also)) else b


def text_notation(t: int, row: bool = False):
    """How the worked lines are written in plain text (the terminal, HTML)."""
    from .exact import unicode
    from .expand import Notation

    return Notation(TextPrinter(t, row), exact=unicode)


class numbers(Sequence[str]):  # noqa: N801 (used like a function)
    """Elements as printed, each made when first read (long vectors are elided).

    ``bare`` (one flag, or one per element) keeps whole numbers written in the
    problem as written; ``parens`` wraps negative numbers.
    """

    def __init__(self, values, rounding: Rounding, bare=False, parens: bool = False):
        self.values, self.rounding, self.parens = values, rounding, parens
        self.bare = bare if isinstance(bare, list) else [bare] * len(values)
        self.cache: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if k not in self.cache:
            s = cell(self.rounding, self.values[k], self.bare[k])
            self.cache[k] = f"({s})" if self.parens and s.startswith("-") else s
        return self.cache[k]


def show(rounding: Rounding, x, written: bool = False) -> str:
    """One number as a solution prints it: to ``decimals`` digits, except that a number
    the problem wrote with no more digits than that stays as written (2, 0.3, -0.25;
    0.4165792 at 4 decimals is shown 0.4166)."""
    if written:
        x = float(x)
        if math.isfinite(x) and abs(x) < 1e15:
            if x == int(x):
                return str(int(x))
            short = Decimal(repr(x))
            if -short.as_tuple().exponent <= rounding.decimals:
                return format(short, "f")
    return rounding.show(x)


def cell(rounding: Rounding, x, bare: bool = False) -> str:
    """One number as printed; text (a number as the problem wrote it) is kept as is."""
    return x if isinstance(x, str) else show(rounding, x, bare)


def shown(node: d.Node, rounding: Rounding, parens: bool = False) -> numbers:
    """A vector node's elements as printed (whole numbers bare where written so)."""
    return numbers(node.value, rounding, d.as_written(node), parens)


def inline(cells: Sequence[str], full: bool = False) -> str:
    """``[0.4166, 0.3213]``, elided with … in the middle when long."""
    return "[" + ", ".join(blocks.elide(cells, full, "…")) + "]"
