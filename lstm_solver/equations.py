"""A problem's equations in sympy, built once in the problem's own notation.

Each equation reads ``quantity = expression`` over ``MatrixSymbol``s. The
symbol names encode how they are written (:class:`Name`), so printers can
show ``h_{t-1}`` in symbols or ``h₁`` at step 2. The solver walks these
expressions; it never needs to know which cell it is solving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy import BlockMatrix, HadamardProduct, MatAdd, MatMul, MatrixSymbol, Transpose
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixExpr

from .cells import Cell
from .problem import Problem

# --- activations ---------------------------------------------------------------


class sigma(sp.Function):  # noqa: N801 (printed σ)
    """The logistic function, unevaluated so that σ(1353/100) stays exact."""

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)


class relu(sp.Function):  # noqa: N801
    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_extended_real:
            return sp.Max(0, x)
        return None


class Softmax(MatrixExpr):
    """softmax of a whole vector: exp(z_k) / Σ_j exp(z_j)."""

    def __new__(cls, arg):
        return sp.Basic.__new__(cls, arg)

    @property
    def shape(self):
        return self.args[0].shape

    def doit(self, **hints):
        arg = self.args[0].doit(**hints)
        if isinstance(arg, sp.MatrixBase):
            exps = arg.applyfunc(sp.exp)
            return exps / sum(exps)
        return Softmax(arg)


FUNCTIONS: dict[str, Callable] = {"sigmoid": sigma, "tanh": sp.tanh, "relu": relu}
FUNCTION_NAMES = {sigma: "sigmoid", sp.tanh: "tanh", relu: "relu"}


def activate(name: str, expr):
    """``name`` applied to a vector expression: element-wise, except softmax."""
    if name == "identity":
        return expr
    if name == "softmax":
        return Softmax(expr)
    return ElementwiseApplyFunction(FUNCTIONS[name], expr)


def activation_name(node) -> str:
    """'sigmoid', 'tanh', 'relu' or 'softmax' for an activation node."""
    if isinstance(node, Softmax):
        return "softmax"
    func = node.function
    return FUNCTION_NAMES[func.expr.func if isinstance(func, sp.Lambda) else func]


# --- names -----------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """How a symbol is written: base, subscript and time offset.

    ``dt`` is None for parameters (W_f), 0 for x_t or f_t, -1 for h_{t-1}.
    It is stored in the MatrixSymbol's name as ``base|sub|dt``.
    """

    base: str
    sub: str = ""
    dt: int | None = None

    def encode(self) -> str:
        return f"{self.base}|{self.sub}|{'' if self.dt is None else self.dt}"

    @classmethod
    def of(cls, symbol: MatrixSymbol) -> Name:
        base, sub, dt = symbol.name.split("|")
        return cls(base, sub, None if dt == "" else int(dt))


def had(a, b):
    return HadamardProduct(a, b, evaluate=False)


def add(*terms):
    terms = [t for t in terms if t is not None]
    return terms[0] if len(terms) == 1 else MatAdd(*terms, evaluate=False)


def mul(a, b):
    return MatMul(a, b, evaluate=False)


# --- the system of a problem ---------------------------------------------------------


@dataclass(frozen=True)
class Equation:
    quantity: str  # canonical short name ('x' for an embedding lookup, 'y' for the output)
    lhs: MatrixSymbol
    rhs: sp.Basic
    kind: str = "gate"  # gate | update | lookup | output


@dataclass
class System:
    """Everything the solver binds: symbols for parameters, states and quantities."""

    equations: list[Equation]
    params: dict[MatrixSymbol, object]  # symbol -> Value from the problem
    quantity: dict[str, MatrixSymbol]  # 'f' -> f_t, 'h_prev' -> h_{t-1}, 'x' -> x_t, 'w' ...


def build(problem: Problem) -> System:
    """The equations of ``problem``'s cell in its layout, orientation and notation."""
    cell: Cell = problem.cell_def
    H, X = problem.hidden_size, problem.input_size or 1
    row = problem.orientation == "row"
    params: dict[MatrixSymbol, object] = {}

    def vec(name: Name, n: int) -> MatrixSymbol:
        return MatrixSymbol(name.encode(), 1, n) if row else MatrixSymbol(name.encode(), n, 1)

    def weight(name: Name, value, n_out: int, n_in: int) -> MatrixSymbol:
        shape = (n_in, n_out) if row else (n_out, n_in)
        sym = MatrixSymbol(name.encode(), *shape)
        params[sym] = value
        return sym

    def times(w, v):
        return mul(v, w) if row else mul(w, v)

    q: dict[str, MatrixSymbol] = {}
    for short in cell.quantities:
        q[short] = vec(Name(problem.symbol(short), "", 0), H)
    for state in cell.state:
        q[state + "_prev"] = vec(Name(problem.symbol(state), "", -1), H)
    q["x"] = vec(Name("x", "", 0), X)
    one = MatrixSymbol(Name("1").encode(), 1, 1)
    equations: list[Equation] = []

    if problem.embedding:
        emb = problem.embedding
        q["w"] = vec(Name("w", "", 0), emb.vocab)
        E = MatrixSymbol(Name("E").encode(), *emb.matrix.shape)
        params[E] = emb.matrix
        # rows: x = Eᵀw (w·E in row form); columns: x = E w (w·Eᵀ in row form)
        if emb.layout == "rows":
            rhs = mul(q["w"], E) if row else mul(Transpose(E), q["w"])
        else:
            rhs = mul(q["w"], Transpose(E)) if row else mul(E, q["w"])
        equations.append(Equation("x", q["x"], rhs, "lookup"))

    for gate in cell.gates:
        p = problem.gates.get(gate.short)
        if p is None:
            continue
        sub = p.symbol.removesuffix("_tilde")
        if problem.layout == "split":
            terms = [
                times(weight(Name("W", sub), p.W, H, H), q["h_prev"]),
                times(weight(Name("U", sub), p.U, H, X), q["x"]),
            ]
        else:
            parts = {"h": q["h_prev"], "x": q["x"], 1: one}
            blocks = [parts[s] for s in problem.stack]
            stacked = BlockMatrix([blocks] if row else [[b] for b in blocks])
            terms = [times(weight(Name("W", sub), p.W, H, stacked.shape[1 if row else 0]),
                           stacked)]
        for bias, name in ((p.b, Name("b", sub)), (p.b_h, Name("b", "h" + sub))):
            if bias is not None:
                sym = vec(name, H)
                params[sym] = bias
                terms.append(sym)
        equations.append(Equation(gate.short, q[gate.short], activate(gate.activation,
                                                                       add(*terms))))

    namespace = {"had": had, "add": add, **q}
    namespace.update({name: (lambda e, n=name: activate(n, e)) for name in FUNCTIONS})
    for update in cell.updates:
        rhs = eval(update.equation, {"__builtins__": {}}, namespace)  # our own constant text
        equations.append(Equation(update.short, q[update.short], rhs, "update"))

    if problem.output_layer:
        out = problem.output_layer
        n_out = out.V.shape[1 if row else 0]
        q["y"] = vec(Name("y", "", 0), n_out)
        terms = [times(weight(Name("V"), out.V, n_out, H), q["h"])]
        if out.c is not None:
            c = vec(Name("c"), n_out)
            params[c] = out.c
            terms.append(c)
        equations.append(Equation("y", q["y"], activate(out.activation, add(*terms)), "output"))
    params[one] = None  # the constant 1 of a bias column
    return System(equations, params, q)


def is_block(expr) -> bool:
    return isinstance(expr, BlockMatrix)


__all__ = [
    "BlockMatrix", "ElementwiseApplyFunction", "HadamardProduct", "MatAdd", "MatMul",
    "MatrixSymbol", "Softmax", "Transpose", "build", "Name", "Equation", "System",
]
