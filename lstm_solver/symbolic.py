"""The symbolic path: substitute exact numbers into the sympy equations.

Independent of the solver's float64 walk: sympy itself evaluates each
equation (``xreplace`` then ``doit``) with the problem's exact Rationals, to
``digits`` significant digits. The tests check that both paths agree; it is
too slow for large matrices, so the solver does not use it.
"""

from __future__ import annotations

import sympy as sp

from .equations import Name, build, output_equation
from .numbers import as_fraction
from .problem import DIRECTIONS, Problem, Unit


def _rational(x) -> sp.Rational:
    f = as_fraction(x)
    return sp.Rational(f.numerator, f.denominator)


def _matrix(value, row: bool) -> sp.Matrix:
    exact = value.exact
    if exact and isinstance(exact[0], tuple):
        return sp.Matrix([[_rational(x) for x in r] for r in exact])
    col = sp.Matrix([_rational(x) for x in exact])
    return col.T if row else col


Values = dict[str, list[sp.Float]]


def evaluate(problem: Problem, digits: int = 30) -> tuple[list[Values], list[Values]]:
    """The values of every quantity that can be computed: per step, in the solver's
    order (layer by layer, forward then backward), and the bidirectional outputs."""
    if problem.batch:  # the first row, as solve's derivation (its other rows: solve.rows)
        problem = problem.row(0)
    row = problem.orientation == "row"
    inputs = [_matrix(x, row) for x in problem.inputs]
    steps: list[Values] = []
    last: dict[str, dict[int, dict[str, sp.Matrix]]] = {}
    for layer in range(1, problem.layers + 1):
        last = {}
        for unit in problem.layer(layer):
            system = build(problem, unit, lookup=layer == 1,
                           output=layer == problem.layers and not problem.bidirectional)
            run = _run(problem, unit, system, inputs, digits)
            steps += [{q: list(v) for q, v in values.items()} for _, values in run]
            last[unit.direction] = dict(run)
        units = problem.layer(layer)
        inputs = [_stack([last[u.direction][k].get("h") for u in units], row)
                  for k in range(problem.steps)]
    outputs: list[Values] = []
    if problem.bidirectional:
        q: dict = {}
        params: dict = {}
        eq = output_equation(problem, q, params, problem.output_size) \
            if problem.output_layer else None
        env = {sym: _matrix(v, row) for sym, v in params.items()}
        for k in range(problem.steps):
            h = _stack([last[d][k].get("h") for d in DIRECTIONS], row)
            out = {"h": list(h)}
            if eq is not None:
                y = eq.rhs.xreplace({**env, q["h"]: h}).doit()
                out["y"] = list(sp.Matrix(y.as_explicit()).evalf(digits))
            outputs.append(out)
    return steps, outputs


def _stack(parts: list, row: bool):
    if any(p is None for p in parts):
        return None
    return sp.Matrix.hstack(*parts) if row else sp.Matrix.vstack(*parts)


def _run(problem: Problem, unit: Unit, system, inputs, digits: int):
    row = problem.orientation == "row"
    env: dict = {sym: _matrix(v, row) for sym, v in system.params.items() if v is not None}
    env[sp.MatrixSymbol(Name("1").encode(), 1, 1)] = sp.Matrix([[1]])
    cell = problem.cell_def
    states = {s: _matrix(unit.initial[s], row) for s in cell.state}
    x_symbol = system.quantity["w" if "w" in system.quantity else "x"]
    ks = range(problem.steps) if unit.direction == "forward" else reversed(range(problem.steps))
    out = []
    for k in ks:
        step_env = dict(env)
        for s in cell.state:
            if states.get(s) is not None:
                step_env[system.quantity[s + "_prev"]] = states[s]
        if inputs[k] is not None:
            step_env[x_symbol] = inputs[k]
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
        out.append((k, values))
    return out
