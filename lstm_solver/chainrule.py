"""The backward equations of a step, derived by the chain rule from its forward equations.

Nothing here knows which cell it differentiates: the forward equations
(:mod:`lstm_solver.equations`) are walked from the last to the first, and each
sympy node passes its adjoint G to its operands by one rule:

- a sum gives every term G (−G to a subtracted one);
- a ⊙ b gives a the adjoint G ⊙ b, and b the adjoint G ⊙ a;
- W·v gives v the adjoint Wᵀ·G and W the share G·vᵀ (v·W in row orientation:
  G·Wᵀ and vᵀ·G); Eᵀ·w (an embedding lookup) gives E the share w·Gᵀ;
- f(a) element by element gives a the adjoint G ⊙ f'(a), f' written with f's
  output: σ' = σ(1 − σ), tanh' = 1 − tanh², ReLU' = [y > 0];
- a stacked vector [h; x; 1] gives each part its own entries of G.

Every named quantity q of the step gets the equation ∂L/∂q = Σ of what the
equations that read q gave it, and a gate also its pre-activation's,
δ = ∂L/∂q ⊙ f'. What reaches the state read (h_{t-1}, c_{t-1}) is handed to the
previous step; what reaches a parameter is its share of the gradient at this step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy import (
    BlockMatrix,
    HadamardProduct,
    MatAdd,
    MatMul,
    MatrixSymbol,
    OneMatrix,
    Transpose,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixExpr

from .equations import Name, Softmax, System, activation_name, add

# --- the expressions gradients are written with ---------------------------------------------


class Deriv(MatrixExpr):
    """f'(·) written with f's output ``of`` (a named quantity, or f(a) itself)."""

    def __new__(cls, function: str, of):
        return sp.Basic.__new__(cls, sp.Symbol(function), of)

    @property
    def function(self) -> str:
        return self.args[0].name

    @property
    def shape(self):
        return self.args[1].shape


class Outer(MatrixExpr):
    """left·rightᵀ, both vectors: a matrix with a row per entry of ``left``."""

    def __new__(cls, left, right):
        return sp.Basic.__new__(cls, left, right)

    @property
    def shape(self):
        return (max(self.args[0].shape), max(self.args[1].shape))


class Part(MatrixExpr):
    """Entries start..stop−1 of a vector expression."""

    def __new__(cls, arg, start: int, stop: int):
        return sp.Basic.__new__(cls, arg, sp.Integer(start), sp.Integer(stop))

    @property
    def shape(self):
        n = int(self.args[2] - self.args[1])
        return (1, n) if self.args[0].shape[0] == 1 and self.args[0].shape[1] != 1 else (n, 1)


class Scaled(MatrixExpr):
    """factor·expr, the factor shown as ``label``."""

    def __new__(cls, factor, label: str, arg):
        return sp.Basic.__new__(cls, sp.Float(factor), sp.Symbol(label), arg)

    @property
    def shape(self):
        return self.args[2].shape


class SoftmaxBack(MatrixExpr):
    """y ⊙ (g − (g·y)): the adjoint of a softmax's argument, y the softmax, g its adjoint."""

    def __new__(cls, out, grad):
        return sp.Basic.__new__(cls, out, grad)

    @property
    def shape(self):
        return self.args[0].shape


def neg(e):
    """−e, a leading −1 kept outermost so that it prints as a sign."""
    if is_neg(e):
        rest = e.args[1:]
        return rest[0] if len(rest) == 1 else MatMul(*rest, evaluate=False)
    return MatMul(-1, e, evaluate=False)


def is_neg(e) -> bool:
    return isinstance(e, MatMul) and e.args[0] == -1


def _lift(make, e, *rest):
    """``make(e, *rest)`` with e's sign moved outside."""
    return neg(make(neg(e), *rest)) if is_neg(e) else make(e, *rest)


def had(a, b):
    return _lift(lambda x, y: HadamardProduct(x, y, evaluate=False), a, b)


def mul(a, b):
    if is_neg(a):
        return neg(mul(neg(a), b))
    if is_neg(b):
        return neg(mul(a, neg(b)))
    return MatMul(a, b, evaluate=False)


def outer(a, b):
    if is_neg(a):
        return neg(outer(neg(a), b))
    if is_neg(b):
        return neg(outer(a, neg(b)))
    return Outer(a, b)


def part(e, start: int, stop: int):
    return _lift(Part, e, start, stop)


# --- names --------------------------------------------------------------------------------


def adjoint(sym: MatrixSymbol, shape=None) -> MatrixSymbol:
    """∂L/∂q for the quantity symbol q (its Name's base gains a leading ∂)."""
    n = Name.of(sym)
    return MatrixSymbol(Name("∂" + n.base, n.sub, n.dt).encode(), *(shape or sym.shape))


def delta(sub: str, dt: int, shape) -> MatrixSymbol:
    """δ_o: ∂L/∂(pre-activation of o)."""
    return MatrixSymbol(Name("δ", sub, dt).encode(), *shape)


def shift(expr, by: int):
    """The same expression one step later (every time offset moved ``by``)."""
    subs = {}
    for sym in expr.atoms(MatrixSymbol):
        n = Name.of(sym)
        if n.dt is not None:
            subs[sym] = MatrixSymbol(Name(n.base, n.sub, n.dt + by).encode(), *sym.shape)
    return expr.xreplace(subs)


# --- the reverse pass of one step ----------------------------------------------------------


@dataclass
class Term:
    """One contribution to an adjoint; ``via`` is the quantity whose equation it comes
    through (skipped at a step where that quantity was given, not computed)."""

    expr: sp.Basic
    via: str | None


@dataclass
class Adjoint:
    """The equation of one gradient at a step: ``symbol`` = Σ terms (+ what bptt adds)."""

    key: str  # "dh", "dc" (states), "d.o" (a gate's output), "δ.o" (its pre-activation),
    #           "d.y", "δ.y" (the output layer), "dx" (the input)
    quantity: str  # the forward quantity it belongs to
    symbol: MatrixSymbol
    terms: list[Term] = field(default_factory=list)


@dataclass
class Reverse:
    """A step's backward equations, in the order they are computed."""

    adjoints: list[Adjoint]
    carried: dict[str, list[Term]]  # state -> what reaches the state read (h_{t-1}, c_{t-1})
    params: dict[MatrixSymbol, list[Term]]  # parameter -> its shares at this step
    inputs: list[Term] = field(default_factory=list)  # what reaches x_t (for a layer below)
    output_activation: str | None = None


def reverse(system: System, cell, row: bool, output_shortcut: bool = False,
            also: tuple[str, ...] = ()) -> Reverse:
    """The backward equations of one step of ``system``.

    ``output_shortcut``: the output layer's δ_y is given directly (softmax with
    cross-entropy: ŷ − y; an identity output: ∂L/∂ŷ), so there is no ∂L/∂ŷ equation.
    ``also``: quantities without an equation of their own whose gradient is wanted too
    ("x": what a layer hands down to the layer below; "h": a bidirectional output's).
    """
    params = {s for s, v in system.params.items() if v is not None}
    reads = {system.quantity[s + "_prev"]: s for s in cell.state
             if s + "_prev" in system.quantity}
    collect: dict[MatrixSymbol, list[Term]] = {}
    param_terms: dict[MatrixSymbol, list[Term]] = {}
    adjoints: list[Adjoint] = []
    out_act = None

    position = {eq.quantity: k for k, eq in enumerate(system.equations)}
    rank: dict[int, int] = {}  # id(term) -> the forward position of its equation

    def to(sym, term: Term) -> None:
        rank[id(term)] = position.get(term.via, -1)
        if sym in params:
            param_terms.setdefault(sym, []).append(term)
        elif Name.of(sym).base not in ("1", "w"):  # constants and one-hot inputs
            collect.setdefault(sym, []).append(term)

    def backprop(expr, G, via: str) -> None:
        if isinstance(expr, MatrixSymbol):
            to(expr, Term(G, via))
        elif isinstance(expr, OneMatrix):
            return
        elif isinstance(expr, MatAdd):
            for arg in expr.args:
                backprop(neg(arg), neg(G), via) if is_neg(arg) else backprop(arg, G, via)
        elif isinstance(expr, HadamardProduct):
            args = expr.args
            for i, arg in enumerate(args):
                others = [a for j, a in enumerate(args) if j != i]
                g = G
                for other in others:
                    g = had(g, other)
                backprop(arg, g, via)
        elif isinstance(expr, MatMul):
            if is_neg(expr):
                backprop(neg(expr), neg(G), via)
                return
            a, b = expr.args
            matrix, vector = (b, a) if row else (a, b)
            flipped = isinstance(matrix, Transpose)
            base = matrix.arg if flipped else matrix
            if base in params:
                share = outer(vector, G) if row != flipped else outer(G, vector)
                to(base, Term(share, via))
            tm = base if flipped else Transpose(base)
            backprop(vector, mul(G, tm) if row else mul(tm, G), via)
        elif isinstance(expr, ElementwiseApplyFunction):
            name = activation_name(expr)
            backprop(expr.args[-1], had(G, Deriv(name, expr)), via)
        elif isinstance(expr, BlockMatrix):
            start = 0
            for block in expr.blocks:
                n = max(block.shape)
                backprop(block, part(G, start, start + n), via)
                start += n
        else:
            raise TypeError(f"cannot differentiate {type(expr).__name__}: {expr}")  # a bug

    by_quantity = {eq.quantity: eq for eq in system.equations}
    order = [eq.quantity for eq in system.equations if eq.quantity not in cell.quantities]
    order[1 if order[:1] == ["x"] else 0:0] = [q for q in cell.quantities
                                               if q in by_quantity or cell.gate(q)]
    for q in reversed(order):
        eq = by_quantity.get(q)
        key = "d" + q if q in cell.state or q == "x" else "d." + q
        if eq is None:  # a gate without parameters: its value is given at every step
            sym = system.quantity.get(q)
            if sym is None or sym not in collect:
                continue
            D = adjoint(sym)
            adjoints.append(Adjoint(key, q, D, list(collect[sym])))
            Z = delta(Name.of(sym).base.removesuffix("_tilde"), 0, sym.shape)
            adjoints.append(Adjoint("δ." + q, q, Z, [Term(had(
                D, Deriv(cell.gate(q).activation, sym)), None)]))
            continue
        D = adjoint(eq.lhs)
        terms = collect.get(eq.lhs, [])
        if eq.kind == "output":
            activated = isinstance(eq.rhs, (Softmax, ElementwiseApplyFunction))
            name = out_act = activation_name(eq.rhs) if activated else "identity"
            Z = delta("y", 0, eq.lhs.shape)
            pre = eq.rhs if not activated else eq.rhs.args[0 if name == "softmax" else -1]
            if output_shortcut or name == "identity":
                adjoints.append(Adjoint("δ.y", "y", Z, []))
            else:
                adjoints.append(Adjoint("d.y", "y", D, []))
                back_y = SoftmaxBack(eq.lhs, D) if name == "softmax" else had(
                    D, Deriv(name, eq.lhs))
                adjoints.append(Adjoint("δ.y", "y", Z, [Term(back_y, "y")]))
            backprop(pre, Z, "y")
            continue
        adjoints.append(Adjoint(key, q, D, list(terms)))
        if eq.kind == "gate":
            gate = cell.gate(q)
            Z = delta(Name.of(eq.lhs).base.removesuffix("_tilde"), 0, eq.lhs.shape)
            # δ needs only that q is f(something): it is shown even where q was given
            adjoints.append(Adjoint("δ." + q, q, Z,
                                    [Term(had(D, Deriv(gate.activation, eq.lhs)), None)]))
            backprop(eq.rhs.args[-1], Z, q)
        else:
            backprop(eq.rhs, D, q)
    # terms were gathered from the last equation back: in the forward order they read better
    for terms in [*collect.values(), *(adj.terms for adj in adjoints)]:
        terms.sort(key=lambda term: rank.get(id(term), -1))
    carried = {reads[sym]: terms for sym, terms in collect.items() if sym in reads}
    inputs = collect.get(system.quantity.get("x"), []) if "w" not in system.quantity else []
    for q in also:  # after every equation that reads them
        sym = system.quantity.get(q)
        if sym is not None and not any(a.quantity == q for a in adjoints):
            adjoints.append(Adjoint("d" + q, q, adjoint(sym), list(collect.get(sym, []))))
    return Reverse(adjoints, carried, param_terms, inputs, out_act)


def equation(terms: list[sp.Basic]):
    """Σ terms as one sympy expression (None when there are none)."""
    return add(*terms) if terms else None
