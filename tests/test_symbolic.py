"""The symbolic path (sympy, exact Rationals, 30 digits) and the float64 path agree."""

from __future__ import annotations

import pytest
from cases import LAYOUTS, random_case
from conftest import SOLVED, problem_text

from lstm_solver.problem import load_problem, parse_problem
from lstm_solver.solver import solve
from lstm_solver.symbolic import evaluate


def assert_paths_agree(problem, tolerance=1e-12):
    numeric = solve(problem)
    symbolic, outputs = evaluate(problem)
    assert len(symbolic) == len(numeric.steps) and len(outputs) == len(numeric.outputs)
    for step, exact in zip(numeric.steps + numeric.outputs, symbolic + outputs, strict=True):
        computed = {q.short for q in step.quantities if q.short != "x"}
        assert computed <= set(exact) | {"x"}
        for q in step.quantities:
            if q.short in exact:
                for a, b in zip(q.value, exact[q.short], strict=True):
                    assert abs(float(a) - float(b)) <= tolerance * max(1, abs(float(b))), (
                        step.t, q.short, a, b)


# carry: rounded rounds on the float path by design, so only exact-carry examples compare
EXACT_CARRY = [p for p in SOLVED if load_problem(p).rounding.carry == "exact"]


@pytest.mark.parametrize("path", EXACT_CARRY, ids=lambda p: p.stem)
def test_examples_agree(path):
    assert_paths_agree(load_problem(path))


@pytest.mark.parametrize("layout,stack,orientation", LAYOUTS)
def test_random_problems_agree(layout, stack, orientation):
    data, _ = random_case(hash((layout, str(stack), orientation)) % 1000, layout, stack,
                          orientation)
    assert_paths_agree(parse_problem(problem_text(data)))


def test_exact_values_are_kept_where_short():
    problem = load_problem(next(p for p in SOLVED if "q2_given" in p.name))
    g = solve(problem, exact=True).steps[0].get("g")
    pre = g.tree.arg.exact
    assert [str(v) for v in pre] == ["169188839/12500000", "344030317/25000000"]
    assert str(g.exact[0]) == "tanh(169188839/12500000)"
