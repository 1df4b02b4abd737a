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
FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "softmax": "softmax",
             "round": "round"}
SOFTMAX_SHIFT_ABOVE = 50.0


def subscript(s: str) -> str:
    return s.translate(_SUB)


def time_index(dt: int, t: int | None) -> str:
    """t-1 written symbolically (``t`` is None) or as a number."""
    if t is None:
        return "t" if dt == 0 else f"t{dt:+d}"
    return str(t + dt)


def name(n: Name, t: int | None = None) -> str:
    """``W_f``, ``hₜ₋₁`` (symbolic) or ``h₁`` (at t = 2); ``∂L/∂hₜ`` for a gradient."""
    if n.base.startswith("∂"):
        return "∂L/∂" + name(Name(n.base[1:], n.sub, n.dt), t)
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
        return name(node.name, self.t) + ("ᵀ" if node.transposed else "")

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
        return f"({s})" if isinstance(node, (d.Sum, d.Scale, *also)) else s

    # -- the backward pass --------------------------------------------------------------

    def _print_Derivative(self, node: d.Derivative) -> str:
        """σ' = y ⊙ (1 − y), tanh' = 1 − y², ReLU' = [y > 0], written with the output y."""
        if node.function == "tanh" and isinstance(node.of, d.Activation):
            return f"(1 − tanh²({self.doprint(node.of.arg)}))"
        y = self._factor(node.of, d.Hadamard, d.Activation)
        return {"sigmoid": f"{y} ⊙ (1 − {y})", "tanh": f"(1 − {y}²)",
                "relu": f"[{y} > 0]", "identity": "1"}[node.function]

    def _print_Outer(self, node: d.Outer) -> str:
        left, right = (self._factor(n, d.Hadamard, d.Product) for n in (node.left, node.right))
        return f"{left}ᵀ {right}" if node.row else f"{left} {right}ᵀ"

    def _print_StepSum(self, node: d.StepSum) -> str:
        return f"Σₜ {self.doprint(node.terms[-1])}"

    def _print_Part(self, node: d.Part) -> str:
        where = (f"{node.start + 1}" if node.stop == node.start + 1 else
                 f"{node.start + 1}:{node.stop}")
        return f"({self.doprint(node.arg)})[{where}]"

    def _print_Scale(self, node: d.Scale) -> str:
        label = node.label if "/" not in node.label else f"({node.label})"
        return f"{label}({self.doprint(node.arg)})"

    def _print_SoftmaxGrad(self, node: d.SoftmaxGrad) -> str:
        y, g = self.doprint(node.out), self.doprint(node.grad)
        return f"{y} ⊙ ({g} − {g} · {y})"

    def _print_Loss(self, node: d.Loss) -> str:
        y, target = self.doprint(node.predictions[-1]), self.doprint(node.targets[-1])
        many = len(node.steps) > 1
        if node.kind == "cross_entropy":
            return f"−{'Σₜ ' if many else ''}log {y}[class of {target}]"
        factor = {"half_squared_error": "½ ", "squared_error": "",
                  "mean_squared_error": f"(1/{node.count}) "}[node.kind]
        return f"{factor}{'Σₜ ' if many else ''}‖{y} − {target}‖²"

    def _print_Norm(self, node: d.Norm) -> str:
        return "√(Σ_θ ‖∂L/∂θ‖²)"

    def _print_Clip(self, node: d.Clip) -> str:
        return f"min(1, max_norm / {self.doprint(node.norm)})"

    def _print_Update(self, node: d.Update) -> str:
        scale = " s" if node.scale_label else ""
        return f"{self.doprint(node.param)} − λ{scale} {self.doprint(node.grad)}"


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
        if isinstance(node, d.StepSum):  # a line break may fall between two steps
            terms = blocks.elide(list(node.terms), self.full, None)
            return [self.doprint(t) if i == 0 else hjoin(
                text(" + "), text("⋯") if t is None else self.doprint(t))
                for i, t in enumerate(terms)]
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

    # -- the backward pass --------------------------------------------------------------

    def _values(self, values, column: bool, bare=False) -> Block:
        cells = numbers(values, self.rounding, bare)
        shape, cell = ((len(cells), 1), lambda i, j: cells[i]) if column else (
            (1, len(cells)), lambda i, j: cells[j])
        return blocks.lazy_matrix(*shape, cell, self.full, self.width)

    def _scalar(self, x: float) -> str:
        return self.rounding.show(x)

    def _print_Derivative(self, node: d.Derivative) -> Block:
        if node.function == "tanh" and isinstance(node.of, d.Activation):
            return hjoin(text("(1 − tanh²("), self.doprint(node.of.arg), text("))"))
        y = self.doprint(node.of)
        if node.function == "sigmoid":
            return hjoin(y, text(" ⊙ (1 − "), y, text(")"))
        if node.function == "tanh":
            return hjoin(text("(1 − "), y, text("²)"))
        if node.function == "relu":
            return hjoin(text("["), y, text(" > 0]"))
        return text("1")

    def _print_Outer(self, node: d.Outer) -> Block:
        left = self._values(node.left.value, True, d.as_written(node.left))
        right = self._values(node.right.value, False, d.as_written(node.right))
        return hjoin(left, text(" "), right)

    def _print_StepSum(self, node: d.StepSum) -> Block:
        return hjoin(*self.pieces(node))

    def _print_Part(self, node: d.Part) -> Block:
        where = (f"{node.start + 1}" if node.stop == node.start + 1 else
                 f"{node.start + 1}:{node.stop}")
        return hjoin(text("("), self.doprint(node.arg), text(f")[{where}]"))

    def _print_Scale(self, node: d.Scale) -> Block:
        label = node.label if "/" not in node.label else f"({node.label})"
        return hjoin(text(label), text("("), self.doprint(node.arg), text(")"))

    def _print_SoftmaxGrad(self, node: d.SoftmaxGrad) -> Block:
        y, g = self.doprint(node.out), self.doprint(node.grad)
        return hjoin(y, text(" ⊙ ("), g, text(" − "), g, text(" · "), y, text(")"))

    def _print_Loss(self, node: d.Loss) -> Block:
        return text(loss_numbers(node, self.rounding, self.full))

    def _print_Norm(self, node: d.Norm) -> Block:
        squares = [self._scalar(float((t.value ** 2).sum())) for t in node.terms]
        return text("√(" + " + ".join(blocks.elide(squares, False, "⋯", 4)) + ")")

    def _print_Clip(self, node: d.Clip) -> Block:
        return text(f"min(1, {node.label} / {self._scalar(node.norm.value[0])})")

    def _print_Update(self, node: d.Update) -> Block:
        factor = node.rate_label + (f" × {node.scale_label}" if node.scale_label else "")
        return hjoin(self.doprint(node.param), text(f" − {factor} × "), self.doprint(node.grad))


def loss_numbers(node: d.Loss, rounding: Rounding, full: bool = False, half: str = "½",
                 log: str = "log", cdots: str = "⋯", mean=lambda n: f"(1/{n})") -> str:
    """The loss with each step's part: ½ (0.0013 + 0.2285), −(log 0.23 + log 0.71)."""
    show = rounding.show
    if node.kind == "cross_entropy":
        parts = [f"{log} {show(p.value[int(y.value.argmax())])}"
                 for p, y in zip(node.predictions, node.targets)]
        inner = " + ".join(blocks.elide(parts, full, cdots))
        return f"-({inner})" if len(parts) > 1 else f"-{inner}"
    parts = [show(float(((p.value - y.value) ** 2).sum()))
             for p, y in zip(node.predictions, node.targets)]
    inner = " + ".join(blocks.elide(parts, full, cdots))
    factor = {"half_squared_error": f"{half} ", "squared_error": "",
              "mean_squared_error": f"{mean(node.count)} "}[node.kind]
    return f"{factor}({inner})" if factor or len(parts) > 1 else inner


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


def inline_value(q: d.Quantity, rounding: Rounding, full: bool = False) -> str:
    """A quantity's value on one line: a vector ``[0.1, 0.2]``, a matrix (a parameter's
    gradient) ``[[0.1, 0.2], [0.3, 0.4]]``, a scalar (the loss, the norm) ``0.1149``."""
    if q.value.ndim == 2:
        rows = blocks.elide(list(range(len(q.value))), full, None)
        return "[" + ", ".join("…" if k is None else inline(numbers(q.value[k], rounding), full)
                               for k in rows) + "]"
    if q.value.size == 1 and q.short in ("loss", "norm", "scale"):
        return rounding.show(q.value[0])
    return inline(numbers(q.value, rounding, d.as_written(q.tree) if q.tree else q.given), full)
