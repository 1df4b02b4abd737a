"""A problem's equations in sympy, built once in the problem's own notation.

Each equation reads ``quantity = expression`` over ``MatrixSymbol``s. The
symbol names encode how they are written (:class:`Name`), so printers can
show ``h_{t-1}`` in symbols or ``h₁`` at step 2. The solver walks these
expressions; it never needs to know which cell it is solving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

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

from .cells import Cell
from .numbers import Value
from .problem import GateParams, Problem, Unit

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


class rounded(sp.Function):  # noqa: N801 (printed round)
    """x rounded to ``digits`` decimals in mode ``mode`` (an index into ROUND_HALF), as a
    question asks a quantity to be rounded before it is carried (``round: [h]``)."""

    nargs = 3

    @classmethod
    def eval(cls, x, digits, mode):
        if x.is_number and x.is_extended_real and x.is_finite:
            from decimal import Decimal

            from .numbers import MODES, ROUND_HALF

            value = Decimal(str(sp.N(x, 40))).quantize(
                Decimal(1).scaleb(-int(digits)), rounding=MODES[ROUND_HALF[int(mode)]])
            return sp.Rational(format(value, "f"))
        return None


FUNCTIONS: dict[str, Callable] = {"sigmoid": sigma, "tanh": sp.tanh, "relu": relu}
FUNCTION_NAMES = {sigma: "sigmoid", sp.tanh: "tanh", relu: "relu", rounded: "round"}


def activate(name: str, expr):
    """``name`` applied to a vector expression: element-wise, except softmax."""
    if name == "identity":
        return expr
    if name == "softmax":
        return Softmax(expr)
    return ElementwiseApplyFunction(FUNCTIONS[name], expr)


def round_to(expr, digits: int, mode: str):
    """``expr`` rounded element by element to ``digits`` decimals (``round: [h]``)."""
    from .numbers import ROUND_HALF

    z = sp.Dummy("z")
    return ElementwiseApplyFunction(sp.Lambda(z, rounded(z, digits, ROUND_HALF.index(mode))),
                                    expr)


def round_digits(node) -> int | None:
    """The digits of a ``round_to`` node (None for any other activation)."""
    func = node.function
    if isinstance(func, sp.Lambda) and func.expr.func is rounded:
        return int(func.expr.args[1])
    return None


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


def build(problem: Problem, unit: Unit | None = None, lookup: bool = True,
          output: bool = True) -> System:
    """The equations of one unit (a layer in a direction) in the problem's layout,
    orientation and notation; ``lookup`` adds the embedding, ``output`` the output layer."""
    unit = unit or problem.units[0]
    cell: Cell = problem.cell_def
    H, X = unit.hidden_size, unit.input_size or 1
    P = unit.h_size  # the size of h_t: H, or the projection's P
    row = problem.orientation == "row"
    back = -1 if unit.direction == "forward" else 1  # the state read comes from t-1 or t+1
    params: dict[MatrixSymbol, object] = {}

    def vec(name: Name, n: int) -> MatrixSymbol:
        return MatrixSymbol(name.encode(), 1, n) if row else MatrixSymbol(name.encode(), n, 1)

    def weight(name: Name, value, n_out: int, n_in: int) -> MatrixSymbol:
        shape = (n_in, n_out) if row else (n_out, n_in)
        sym = MatrixSymbol(name.encode(), *shape)
        params[sym] = value
        return sym

    def bias(name: Name, value) -> MatrixSymbol | None:
        if value is None:
            return None
        sym = vec(name, H)
        params[sym] = value
        return sym

    def times(w, v):
        return mul(v, w) if row else mul(w, v)

    q: dict[str, MatrixSymbol] = {}
    for short in cell.quantities:
        q[short] = vec(Name(problem.symbol(short), "", 0), P if short == "h" else H)
    for state in cell.state:
        q[state + "_prev"] = vec(Name(problem.symbol(state), "", back), P if state == "h" else H)
    q["x"] = vec(Name("x", "", 0), X)
    one = MatrixSymbol(Name("1").encode(), 1, 1)

    if unit.projection is not None:  # h_t = W_hr (o_t ⊙ tanh c_t): PyTorch's weight_hr
        q["W_hr"] = weight(Name("W", "hr"), unit.projection, P, H)

    def notation(text: str, **extra):
        """Our own constant equation text (cells.py) as sympy."""
        namespace = {"had": had, "add": add, "sub": sub, "mul": times, **q, **extra}
        namespace.update({name: (lambda e, n=name: activate(n, e)) for name in FUNCTIONS})
        return eval(text, {"__builtins__": {}}, namespace)

    equations: list[Equation] = []
    if lookup and problem.embedding:
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
        p = unit.gates.get(gate.short)
        if p is None:
            continue
        sub_name = p.letter
        h_in = notation(gate.recurrent) if gate.recurrent else q["h_prev"]
        x_in = notation(gate.input) if gate.input else q["x"]
        B, BH = bias(_name(p, "b"), p.b), bias(_name(p, "b_h"), p.b_h)
        if problem.layout == "split":  # W multiplies h_{t-1}, U x_t, whatever their names
            REC = times(weight(_name(p, "W"), p.W, H, P), h_in)
            INP = times(weight(_name(p, "U"), p.U, H, X), x_in)
            CAT = None
        elif gate.form:  # the form needs W·h and U·x apart: split W by the stack's columns
            REC, INP, B = _concat_parts(problem, p, H, X, h_in, x_in, weight, bias, times, P)
            CAT = None
        else:
            parts = {"h": h_in, "x": x_in, 1: one}
            blocks = [parts[s] for s in problem.stack]
            stacked = BlockMatrix([blocks] if row else [[b] for b in blocks])
            CAT = times(weight(Name("W", sub_name), p.W, H, stacked.shape[1 if row else 0]),
                        stacked)
            REC = INP = None
        if gate.form:
            pre = notation(gate.form, REC=REC, INP=INP, B=B, BH=BH)
        else:
            pre = add(CAT, B) if CAT is not None else add(REC, INP, B, BH)
        if problem.layout == "split":
            terms = {"REC": REC, "INP": INP, "B": B, "BH": BH}
            pre = _in_order(pre, [terms[t] for t in p.naming.order])
        if gate.extra or gate.last:  # peepholes after the products, TF's forget bias last
            PEEP = bias(Name("w", "c" + sub_name), unit.peephole.get(gate.short))
            FB = None
            if problem.lstm.forget_bias is not None:
                # named by its value (1 prints as the vector of ones); a symbol named 1
                # always has the value 1, so it may be the bias column's 1 too
                FB = vec(Name(str(problem.lstm.forget_bias)), H)
                params[FB] = Value((problem.lstm.forget_bias,) * H, "forget_bias")
            pre = _with_terms(pre, [REC, INP, CAT], [notation(t, PEEP=PEEP) for t in gate.extra],
                              [notation(t, FB=FB) for t in gate.last])
        equations.append(Equation(gate.short, q[gate.short], activate(gate.activation, pre)))

    for update in cell.updates:
        equations.append(Equation(update.short, q[update.short], notation(update.equation),
                                  "update"))

    if output and problem.output_layer:
        equations.append(output_equation(problem, q, params, P))
    rank = {q: k for k, q in enumerate(["x", *cell.quantities, "y"])}  # as computed (o after
    equations.sort(key=lambda eq: rank.get(eq.quantity, len(rank)))  # c with a peephole)
    if problem.rounding.carry == "rounded" and problem.rounding.only:  # round: [h]
        digits = dict(problem.rounding.only)
        equations = [replace(eq, rhs=round_to(eq.rhs, digits[eq.quantity],
                                              problem.rounding.round_half))
                     if eq.quantity in digits else eq for eq in equations]
    params[one] = None  # the constant 1 of a bias column
    return System(equations, params, q)


def _with_terms(pre, products: list, extra: list, last: list):
    """``pre`` with ``extra`` terms right after its weight products and ``last`` at the end."""
    args = list(pre.args) if isinstance(pre, MatAdd) else [pre]
    made = [t for t in products if t is not None]
    after = max((k + 1 for k, a in enumerate(args) if any(a == t or a.has(t) for t in made)),
                default=len(args))
    return MatAdd(*args[:after], *extra, *args[after:], *last, evaluate=False)


def _name(p: GateParams, slot: str) -> Name:
    """A parameter's printed name, in the file's naming: W_f, U_f, W_xf, W_if, b_hf."""
    param = p.param(slot)
    return Name(param.base, param.sub)


def _in_order(pre, terms: list):
    """The pre-activation's top-level terms in the order the file's source writes them
    (W_f x_t + U_f h_{t-1} with convention: W_x; PyTorch's W_if x_t + b_if + W_hf h_{t-1})."""
    if not isinstance(pre, MatAdd):
        return pre

    def rank(arg) -> int:
        return min((k for k, t in enumerate(terms) if t is not None and (arg == t or arg.has(t))),
                   default=len(terms))

    args = sorted(pre.args, key=rank)
    return pre if list(args) == list(pre.args) else MatAdd(*args, evaluate=False)


def output_equation(problem: Problem, q: dict, params: dict, n_in: int) -> Equation:
    """y_t = activation(V h_t + c), reading q["h"] (added when absent)."""
    out = problem.output_layer
    row = problem.orientation == "row"
    n_out = out.V.shape[1 if row else 0]

    def vec(name: Name, n: int) -> MatrixSymbol:
        return MatrixSymbol(name.encode(), 1, n) if row else MatrixSymbol(name.encode(), n, 1)

    q.setdefault("h", vec(Name("h", "", 0), n_in))
    q["y"] = vec(Name("y", "", 0), n_out)
    V = MatrixSymbol(Name("V").encode(), *out.V.shape)
    params[V] = out.V
    terms = [mul(q["h"], V) if row else mul(V, q["h"])]
    if out.c is not None:
        c = vec(Name("c"), n_out)
        params[c] = out.c
        terms.append(c)
    return Equation("y", q["y"], activate(out.activation, add(*terms)), "output")


def _concat_parts(problem, p, H, X, h_in, x, weight, bias, times, P=None):
    """A concat W cut into its h-columns (W_h·) and x-columns (W_x·), and the bias column."""
    row = problem.orientation == "row"
    P = P or H
    columns = p.W.exact if not row else tuple(zip(*p.W.exact))
    start, pieces = 0, {}
    for s in problem.stack:
        n = {"h": P, "x": X, 1: 1}[s]
        pieces[s] = tuple(r[start:start + n] for r in columns)
        start += n

    def as_value(rows, what):
        rows = rows if not row else tuple(zip(*rows))
        return Value(tuple(tuple(r) for r in rows), f"{p.key}.W ({what} columns)")

    sub_name = p.symbol.removesuffix("_tilde")
    REC = times(weight(Name("W", "h" + sub_name), as_value(pieces["h"], "h_{t-1}"), H, P), h_in)
    INP = times(weight(Name("W", "x" + sub_name), as_value(pieces["x"], "x_t"), H, X), x)
    B = bias(Name("b", sub_name), p.b if 1 not in pieces else
             Value(tuple(r[0] for r in pieces[1]), f"{p.key}.W (bias column)"))
    return REC, INP, B


def sub(a, b):
    """a − b; ``sub(1, z)`` is 1 − z with 1 a vector of ones."""
    first = OneMatrix(*b.shape) if a == 1 else a
    return MatAdd(first, MatMul(-1, b, evaluate=False), evaluate=False)
