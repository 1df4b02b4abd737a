"""Solving: walk each equation's sympy tree and record every step.

The tree of an equation is interpreted node by node (MatMul -> Product,
MatAdd -> Sum, HadamardProduct -> Hadamard, element-wise functions ->
Activation, BlockMatrix -> Stack). Values are float64, computed so that huge
finite inputs neither overflow into NaN nor warn.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np
import sympy as sp

from . import derivation as d
from .counting import CountDerivation, count
from .equations import (
    BlockMatrix,
    ElementwiseApplyFunction,
    Equation,
    HadamardProduct,
    MatAdd,
    MatMul,
    MatrixSymbol,
    Name,
    OneMatrix,
    Softmax,
    Transpose,
    activation_name,
    build,
    output_equation,
    round_digits,
    sigma,
)
from .numbers import as_fraction
from .problem import DIRECTIONS, Problem, Unit

# Longer exact forms are dropped (not shown): they would not help a reader.
EXACT_MAX_OPS = 12
EXACT_MAX_CHARS = 60


Carried = tuple  # (float64 value, exact values or None, written in the file?)


def solve(problem, exact: bool = False) -> d.Derivation | CountDerivation:
    """The complete worked solution of ``problem``, layer by layer, direction by direction.

    ``problem``: a Problem, a path, YAML text or a mapping (see ``source.as_problem``);
    a parameter count (``task: count_parameters``) gives its CountDerivation.
    ``exact`` also keeps exact values (fractions, closed forms) where short. A batch is
    solved row by row: the first row is the derivation, the others are in ``rows``.
    Raises ProblemError for a problem that cannot be read; never prints.
    """
    if not isinstance(problem, Problem):
        from .source import as_problem

        problem = as_problem(problem)
        if not isinstance(problem, Problem):
            return count(problem)
    if not problem.batch:
        return _solve(problem, exact, {})
    systems: dict = {}  # the rows share the weights, so the equations are built once
    derivation = _solve(problem.row(0), exact, systems)
    derivation.problem = problem  # the batch's (its notes, its rows' data)
    derivation.rows = [_solve(problem.row(k), exact, systems)
                       for k in range(1, len(problem.batch))]
    return derivation


def _solve(problem: Problem, exact: bool, systems: dict) -> d.Derivation:
    def carried(value) -> Carried:
        return (value.array, _exact_of(value.exact) if exact else None, True)

    inputs: list[Carried | None] = [carried(x) for x in problem.inputs]
    steps: list[d.Step] = []
    last: dict[str, dict[int, d.Step]] = {}
    for layer in range(1, problem.layers + 1):
        last = {}
        for unit in problem.layer(layer):
            key = (unit.layer, unit.direction)
            if key not in systems:
                systems[key] = build(problem, unit, lookup=layer == 1,
                                     output=layer == problem.layers and not problem.bidirectional)
            system = systems[key]
            run = _run(problem, unit, system, inputs, exact)
            steps += run
            last[unit.direction] = {step.t: step for step in run}
        inputs = [_joined([last[u.direction][problem.start + k].get("h")
                           for u in problem.layer(layer)]) for k in range(problem.steps)]
    outputs = _outputs(problem, last, exact) if problem.bidirectional else []
    derivation = d.Derivation(problem, steps, exact, outputs)
    if problem.training:  # a loss (or an upstream gradient): the backward pass too
        from .bptt import backward

        derivation.backward = backward(problem, derivation)
    return derivation


def _joined(parts: list[d.Quantity | None]) -> Carried | None:
    """The next layer's x_t: h_t, or [h_fwd; h_bwd]; unknown if a part is."""
    if any(p is None for p in parts):
        return None
    exact = None if any(p.exact is None for p in parts) else tuple(
        x for p in parts for x in p.exact)
    return (np.concatenate([p.value for p in parts]), exact, False)


def _run(problem: Problem, unit: Unit, system, inputs: list[Carried | None],
         exact: bool) -> list[d.Step]:
    """One layer in one direction over the sequence, the state carried along."""
    by_quantity = {eq.quantity: eq for eq in system.equations}
    cell = problem.cell_def
    order = ["x"] * ("w" in system.quantity) + list(cell.quantities) + ["y"] * (
        "y" in by_quantity)
    walker = _Walker(problem, exact)
    for sym, value in system.params.items():
        if value is not None:
            walker.bind(sym, value.array, _exact_of(value.exact) if exact else None, True)
    walker.bind(MatrixSymbol(Name("1").encode(), 1, 1), np.ones(1), (sp.Integer(1),), True)
    states = {s: (unit.initial[s].array, _exact_of(unit.initial[s].exact) if exact else None,
                  True) for s in cell.state}
    x_symbol = system.quantity["w" if "w" in system.quantity else "x"]
    ks = range(problem.steps) if unit.direction == "forward" else reversed(range(problem.steps))
    steps = []
    for k in ks:
        walker.clear_step()
        for s in cell.state:
            if states.get(s) is not None:
                walker.bind(system.quantity[s + "_prev"], *states[s])
        if inputs[k] is not None:
            walker.bind(x_symbol, *inputs[k])
        step = d.Step(problem.start + k, None, layer=unit.layer, direction=unit.direction,
                      previous={s: v[0] for s, v in states.items() if v is not None})
        for short in order:
            lhs = system.quantity[short]
            given = problem.given.get((k, short))
            if given is not None:
                q = d.Quantity(short, Name.of(lhs), walker.rounded(given.array),
                               _exact_of(given.exact) if exact else None,
                               equation=by_quantity.get(short), given=True)
            elif short in by_quantity:
                eq = by_quantity[short]
                unknown = walker.unknown(eq)
                if unknown:
                    step.missing[short] = _why(unknown)
                    continue
                walker.finite = True
                tree = walker.walk(eq.rhs, lookup=eq.kind == "lookup")
                q = d.Quantity(short, Name.of(lhs), tree.value, tree.exact, tree, eq,
                               finite=walker.finite)
            else:
                gate = cell.gate(short)
                where = f"{unit.key}.gates" if unit.key else "gates"
                step.missing[short] = (f"no parameters for the {gate.name} gate "
                                       f"({where}.{gate.name}) and no given value")
                continue
            walker.bind(lhs, q.value, q.exact, q.given or all(d.as_written(q.tree)))
            step.quantities.append(q)
        x = step.get("x")
        step.x = x.value if x else (inputs[k][0] if inputs[k] is not None and
                                    x_symbol is system.quantity["x"] else None)
        states = {}
        for s in cell.state:
            q = step.get(s)
            states[s] = (q.value, q.exact, q.given or (  # whole numbers by round: {h: 0}
                q.tree is not None and all(d.as_written(q.tree)))) if q else None
        steps.append(step)
    return steps


def _outputs(problem: Problem, last: dict[str, dict[int, d.Step]], exact: bool) -> list[d.Step]:
    """A bidirectional network's outputs: [h_fwd; h_bwd] at each step, and y_t on it."""
    system_q: dict = {}
    params: dict = {}
    eq = output_equation(problem, system_q, params, problem.output_size) \
        if problem.output_layer else None
    walker = _Walker(problem, exact)
    for sym, value in params.items():
        walker.bind(sym, value.array, _exact_of(value.exact) if exact else None, True)
    out = []
    for k in range(problem.steps):
        t = problem.start + k
        step = d.Step(t, None, layer=problem.layers, direction="both")
        parts = [last[direction][t].get("h") for direction in DIRECTIONS]
        if any(p is None for p in parts):
            step.missing["h"] = "needs h_t of both directions, which could not be computed"
            out.append(step)
            continue
        leaves = [d.Leaf(p.value, p.exact, Name(f"h{d.ARROWS[direction]}", "", 0))
                  for p, direction in zip(parts, DIRECTIONS)]
        joined = _joined(parts)
        h = d.Quantity("h", Name("h", "", 0), joined[0], joined[1],
                       d.Stack(joined[0], joined[1], tuple(leaves)),
                       finite=bool(np.isfinite(joined[0]).all()))
        step.quantities.append(h)
        if eq is not None:
            walker.clear_step()
            walker.bind(system_q["h"], h.value, h.exact)
            walker.finite = True
            tree = walker.walk(eq.rhs)
            step.quantities.append(d.Quantity("y", Name("y", "", 0), tree.value, tree.exact,
                                              tree, eq, finite=walker.finite))
        out.append(step)
    return out


def _why(unknown: list[MatrixSymbol]) -> str:
    """Which inputs of an equation are unknown (their own lines say why)."""
    now = [_label(s) for s in unknown if Name.of(s).dt != -1]
    before = [_label(s) for s in unknown if Name.of(s).dt == -1]
    parts = []
    if now:
        parts.append(f"needs {' and '.join(now)}, which cannot be computed")
    if before:
        parts.append(f"needs {' and '.join(before)}, which could not be computed at the "
                     "previous step")
    return "; ".join(parts)


def _label(sym: MatrixSymbol) -> str:
    name = Name.of(sym)
    return name.base + {0: "_t", -1: "_{t-1}"}.get(name.dt, "")


def _exact_of(exact) -> tuple:
    if exact and isinstance(exact[0], tuple):
        return tuple(tuple(_rational(x) for x in row) for row in exact)
    return tuple(_rational(x) for x in exact)


class _Walker:
    """Evaluates sympy matrix expressions into derivation nodes."""

    def __init__(self, problem: Problem, exact: bool):
        self.rounding = problem.rounding
        # "rounded": every intermediate value is rounded; "quantities" (a slip check.py
        # tries): only the named quantities (gates, c, h) and the inputs; with round: [h]
        # only those, by their equations (a round step: equations.round_to)
        scoped = problem.rounding.carry == "rounded" and bool(problem.rounding.only)
        self.carry_rounded = problem.rounding.carry in ("rounded", "quantities") and not scoped
        self.round_nodes = problem.rounding.carry == "rounded" and not scoped
        self.row = problem.orientation == "row"
        self.exact = exact
        self.values: dict[MatrixSymbol, tuple[np.ndarray, tuple | None, bool]] = {}
        self.finite = True  # every value met since the last quantity began is finite

    def bind(self, sym: MatrixSymbol, value: np.ndarray, exact, from_file: bool = False) -> None:
        """Give ``sym`` a value; ``from_file`` when the problem wrote it."""
        value = self.rounded(value)
        if self.carry_rounded and self.exact and value.ndim == 1:
            exact = self._rounded_exact(value)
        self.values[sym] = (value, exact, from_file)

    def clear_step(self) -> None:
        for sym in [s for s in self.values if Name.of(s).dt is not None]:
            del self.values[sym]

    def rounded(self, value: np.ndarray) -> np.ndarray:
        return self.rounding.round(value) if self.carry_rounded else value

    def unknown(self, eq: Equation) -> list[MatrixSymbol]:
        syms = [s for s in _symbols(eq.rhs) if s not in self.values]
        return sorted(syms, key=lambda s: s.name)

    # -- the walk -------------------------------------------------------------------

    def walk(self, expr, lookup: bool = False) -> d.Node:
        """The node of ``expr``; ``finite`` turns False when a value on the way is ∞ or NaN
        (an overflow beyond float64: notes.non_finite says where and why)."""
        node = self._walk(expr, lookup)
        if self.finite and not np.isfinite(node.value).all():
            self.finite = False
        return node

    def _walk(self, expr, lookup: bool = False) -> d.Node:
        if isinstance(expr, MatrixSymbol):
            value, exact, from_file = self.values[expr]
            return d.Leaf(value, exact, Name.of(expr), from_file)
        if isinstance(expr, OneMatrix):  # the 1 of 1 − z
            n = max(expr.shape)
            return d.Leaf(np.ones(n), (sp.Integer(1),) * n if self.exact else None, Name("1"),
                          True)
        if isinstance(expr, MatMul):
            return self._product(expr, lookup)
        if isinstance(expr, MatAdd):
            terms, signs = [], []
            for arg in expr.args:
                sign = 1
                if isinstance(arg, MatMul) and arg.args[0] == -1:
                    rest = arg.args[1:]
                    sign, arg = -1, rest[0] if len(rest) == 1 else MatMul(*rest, evaluate=False)
                terms.append(self.walk(arg))
                signs.append(sign)
            value = _safe_sum([s * t.value for s, t in zip(signs, terms)])
            exact = self._exact(lambda *xs: sp.Add(*(s * x for s, x in zip(signs, xs))), terms)
            return self._node(d.Sum, value, exact, terms=tuple(terms),
                              signs=tuple(signs) if -1 in signs else ())
        if isinstance(expr, HadamardProduct):
            left, right = (self.walk(a) for a in expr.args)
            with np.errstate(all="ignore"):
                value = left.value * right.value
            value = np.where(np.isnan(value) & ((left.value == 0) | (right.value == 0)), 0.0,
                             value)
            return self._node(d.Hadamard, value, self._exact(lambda a, b: a * b, [left, right]),
                              left=left, right=right)
        if isinstance(expr, ElementwiseApplyFunction) and round_digits(expr) is not None:
            digits = round_digits(expr)
            arg = self.walk(expr.args[-1])
            value = self.rounding.at(digits).round(arg.value)
            exact = None
            if self.exact:
                exact = tuple(sp.Rational(format(self.rounding.at(digits).decimal(v), "f"))
                              if math.isfinite(v) else None for v in value)
                exact = None if None in exact else exact
            return d.Activation(value, exact, function="round", arg=arg, digits=digits)
        if isinstance(expr, (ElementwiseApplyFunction, Softmax)):
            name = activation_name(expr)
            arg = self.walk(expr.args[-1] if name != "softmax" else expr.args[0])
            return self._node(d.Activation, ACTIVATE[name](arg.value),
                              self._exact_activation(name, arg), function=name, arg=arg)
        if isinstance(expr, BlockMatrix):
            parts = [self.walk(b) for b in expr.blocks]
            value = np.concatenate([p.value for p in parts])
            exact = None
            if self.exact and all(p.exact is not None for p in parts):
                exact = tuple(x for p in parts for x in p.exact)
            return d.Stack(value, exact, tuple(parts))
        raise TypeError(f"cannot interpret {type(expr).__name__}: {expr}")  # a bug, not input

    def _product(self, expr: MatMul, lookup: bool) -> d.Node:
        a, b = expr.args
        row = self.row  # v·W: the vector comes first
        vec_expr, mat_expr = (a, b) if row else (b, a)
        transposed = isinstance(mat_expr, Transpose)
        if transposed:
            mat_expr = mat_expr.arg
        matrix = self.walk(mat_expr)
        vector = self.walk(vec_expr)
        M = matrix.value.T if transposed else matrix.value
        Mx = matrix.exact
        if Mx is not None and transposed:
            Mx = tuple(zip(*Mx))
        if lookup:
            layout = "rows" if transposed != row else "columns"
            hot = np.flatnonzero(vector.value)
            index = int(hot[0]) if len(hot) == 1 and vector.value[hot[0]] == 1 else None
            A = M if not row else M.T
            # a one-hot w_t selects a column: no product over the whole vocabulary
            value = A[:, index].copy() if index is not None else _safe_matvec(A, vector.value)
            exact = self._exact_matvec(Mx, vector.exact, row)
            return self._node(d.Lookup, value, exact, matrix=matrix, onehot=vector,
                              index=index, layout=layout)
        value = _safe_matvec(M.T if row else M, vector.value)
        exact = self._exact_matvec(Mx, vector.exact, row)
        return self._node(d.Product, value, exact, matrix=matrix, vector=vector, row=row)

    def _node(self, cls, value, exact, **fields) -> d.Node:
        if self.round_nodes:
            value = self.rounding.round(value)
            if self.exact:
                exact = self._rounded_exact(value)
        return cls(value, exact, **fields)

    # -- exact values (only with exact=True) -------------------------------------------

    def _rounded_exact(self, value: np.ndarray) -> tuple | None:
        """The rounded values as exact decimals; None when one is ∞ or NaN (an overflow)."""
        if not np.isfinite(value).all():
            return None
        return tuple(sp.Rational(str(self.rounding.decimal(v))) for v in value)

    def _exact(self, op, operands) -> tuple | None:
        if not self.exact or any(o.exact is None for o in operands):
            return None
        return _short_or_none(tuple(op(*xs) for xs in zip(*(o.exact for o in operands))))

    def _exact_matvec(self, M, v, row) -> tuple | None:
        if not self.exact or M is None or v is None:
            return None
        cols = tuple(zip(*M)) if row else M
        return _short_or_none(tuple(sp.Add(*(m * x for m, x in zip(r, v))) for r in cols))

    def _exact_activation(self, name: str, arg: d.Node) -> tuple | None:
        if not self.exact or arg.exact is None:
            return None
        if name == "softmax":
            exps = [sp.exp(x) for x in arg.exact]
            return _short_or_none(tuple(e / sp.Add(*exps) for e in exps))
        func = {"sigmoid": sigma, "tanh": sp.tanh, "relu": lambda x: sp.Max(0, x)}[name]
        return _short_or_none(tuple(func(x) for x in arg.exact))


@functools.cache
def _symbols(expr) -> frozenset:
    """The matrix symbols of an equation's right-hand side (sympy's atoms() walks the tree
    on every call; an equation is asked once per step)."""
    return frozenset(expr.atoms(MatrixSymbol))


def _short_or_none(values: tuple) -> tuple | None:
    if any(sp.count_ops(v) > EXACT_MAX_OPS or len(str(v)) > EXACT_MAX_CHARS for v in values):
        return None
    return values


# --- float64 arithmetic that survives huge finite inputs ----------------------------


def _safe_matvec(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        out = M @ v
    bad = ~np.isfinite(out)
    if bad.any() and np.isfinite(M).all() and np.isfinite(v).all():
        for i in np.flatnonzero(bad):  # overflowed: redo the row exactly
            out[i] = _to_float(sum(Fraction(m) * Fraction(x) for m, x in zip(M[i], v)))
    return out


def _safe_sum(terms: list[np.ndarray]) -> np.ndarray:
    """Element by element, correctly rounded (math.fsum), so that a sum does not depend on
    the order its terms are written in (W_f h + U_f x or W_f x + U_f h: naming.py)."""
    out = np.array([_fsum(items) for items in zip(*terms)], dtype=float)
    bad = ~np.isfinite(out)
    if bad.any():
        for i in np.flatnonzero(bad):
            items = [t[i] for t in terms]
            if all(math.isfinite(x) for x in items):
                out[i] = _to_float(sum(Fraction(x) for x in items))
            elif not any(math.isnan(x) for x in items) and len({x for x in items
                                                                 if math.isinf(x)}) == 1:
                out[i] = next(x for x in items if math.isinf(x))
    return out


def _fsum(items) -> float:
    try:
        return math.fsum(items)
    except (OverflowError, ValueError):  # beyond float64, or inf − inf: resolved by the caller
        return math.nan


def _to_float(x: Fraction) -> float:
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softmax(z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        e = np.exp(z - np.max(z))
    return e / e.sum()


ACTIVATE = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "softmax": _softmax,
}


def _rational(x) -> sp.Rational:
    f = as_fraction(x)
    return sp.Rational(f.numerator, f.denominator)
