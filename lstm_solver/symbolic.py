"""The symbolic path: substitute exact numbers into the sympy equations.

Independent of the solver's float64 walk: sympy itself evaluates each
equation (``xreplace`` then ``doit``) with the problem's exact Rationals, to
``digits`` significant digits. The tests check that both paths agree; it is
too slow for large matrices, so the solver does not use it.
"""

from __future__ import annotations

import sympy as sp

from .equations import Name, build
from .numbers import as_fraction
from .problem import Problem


def _matrix(value, row: bool) -> sp.Matrix:
    exact = value.exact
    if exact and isinstance(exact[0], tuple):
        return sp.Matrix([[_rational(x) for x in r] for r in exact])
    col = sp.Matrix([_rational(x) for x in exact])
    return col.T if row else col


def evaluate(problem: Problem, digits: int = 30) -> list[dict[str, list[sp.Float]]]:
    """For each step, the values of every quantity that can be computed."""
    system = build(problem)
    row = problem.orientation == "row"
    env: dict = {sym: _matrix(v, row) for sym, v in system.params.items() if v is not None}
    env[sp.MatrixSymbol(Name("1").encode(), 1, 1)] = sp.Matrix([[1]])
    cell = problem.cell_def
    states = {s: _matrix(problem.initial[s], row) for s in cell.state}
    out = []
    for k in range(problem.steps):
        step_env = dict(env)
        for s in cell.state:
            if states.get(s) is not None:
                step_env[system.quantity[s + "_prev"]] = states[s]
        x_key = "w" if problem.embedding else "x"
        step_env[system.quantity[x_key]] = _matrix(problem.inputs[k], row)
        values: dict[str, sp.Matrix] = {}
        for (i, short), given in problem.given.items():
            if i == k:
                values[short] = step_env[system.quantity[short]] = _matrix(given, row)
        for eq in system.equations:
            if eq.quantity in values or not eq.rhs.atoms(sp.MatrixSymbol) <= set(step_env):
                continue
            expr = eq.rhs.xreplace(step_env).doit()
            values[eq.quantity] = step_env[eq.lhs] = sp.Matrix(expr.as_explicit()).evalf(digits)
        states = {s: values.get(s) for s in cell.state}
        out.append({q: list(v) for q, v in values.items()})
    return out


def _rational(x) -> sp.Rational:
    f = as_fraction(x)
    return sp.Rational(f.numerator, f.denominator)
