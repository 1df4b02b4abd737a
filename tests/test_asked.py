"""The asked numbers (asked.py): what a quiz asks, its values, tolerances and marks."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from cases import random_case, torch_lstm
from conftest import PROBLEMS, problem_text

from lstm_solver.asked import asked_numbers
from lstm_solver.counting import count
from lstm_solver.errors import ProblemError
from lstm_solver.problem import load_problem, parse_problem
from lstm_solver.solver import solve

PARTIAL = """
cell: lstm
gates:
  candidate: {W: [[1, 0], [0, 1]], U: [[1], [1]], b: [0, 0]}
initial: {h: [0.1, 0.2], c: [0, 0]}
x: [[1], [2]]
"""


def test_values_are_pytorchs_in_the_order_computed(torch):
    data, params = random_case(7, "split", None, "column")
    numbers = asked_numbers(solve(parse_problem(problem_text(data))))
    expected = torch_lstm(torch, *params)
    H = len(params[4])
    assert len(numbers) == len(expected) * 6 * H
    k = 0
    for t, ref in enumerate(expected, start=1):
        for q in "ifgoch":
            for i in range(H):
                n = numbers[k]
                assert (n.t, n.short, n.index) == (t, q, i)
                assert n.label == f"{q}{'₀₁₂₃₄₅₆₇₈₉'[t]}[{i + 1}]"
                assert n.value == pytest.approx(float(ref[q][i]), abs=1e-12)
                k += 1


@pytest.mark.parametrize("decimals", [0, 1, 3, 4, 7])
def test_tolerance_is_one_unit_in_the_last_asked_decimal(decimals):
    text = (PROBLEMS / "seed001_q2_given_gates.yaml").read_text().replace(
        "decimals: 4", f"decimals: {decimals}")
    for n in asked_numbers(solve(parse_problem(text))):
        assert n.tolerance == Decimal(10) ** -decimals
        assert n.decimals == decimals


def test_given_quantities_are_not_asked_and_ask_filters():
    dv = solve(load_problem(PROBLEMS / "seed001_q2_given_gates.yaml"))
    assert [n.label for n in asked_numbers(dv)] == [
        "g₂[1]", "g₂[2]", "c₂[1]", "c₂[2]", "h₂[1]", "h₂[2]"]
    text = (PROBLEMS / "seed001_q2_given_gates.yaml").read_text() + "ask: [h, c]\n"
    assert [n.label for n in asked_numbers(solve(parse_problem(text)))] == [
        "c₂[1]", "c₂[2]", "h₂[1]", "h₂[2]"]  # in the order computed, not the order asked


def test_an_asked_quantity_that_cannot_be_computed_is_named():
    with pytest.raises(ProblemError) as err:
        asked_numbers(solve(parse_problem(PARTIAL)))
    message = str(err.value)
    assert "i₁" in message and "cannot be computed" in message and "gates.input" in message
    assert "ask:" in message
    with pytest.raises(ProblemError, match="c₁"):
        asked_numbers(solve(parse_problem(PARTIAL + "ask: [g, c]\n")))
    only_g = asked_numbers(solve(parse_problem(PARTIAL.replace("x: [[1], [2]]", "x: [[1]]")
                                               + "ask: [g]\n")))
    assert [n.label for n in only_g] == ["g₁[1]", "g₁[2]"]


def test_nothing_left_to_ask_is_an_error():
    text = (PROBLEMS / "seed001_q2_given_gates.yaml").read_text() + "ask: [f]\n"
    with pytest.raises(ProblemError, match="nothing"):
        asked_numbers(solve(parse_problem(text)))


def test_an_overflowing_number_is_an_error():
    dv = solve(load_problem(PROBLEMS / "seed001_q2_given_gates.yaml"))
    dv.steps[0].get("h").value[1] = np.inf
    with pytest.raises(ProblemError, match=r"h₂\[2\] is inf"):
        asked_numbers(dv)


def test_layers_and_directions_are_in_the_labels():
    numbers = asked_numbers(solve(load_problem(PROBLEMS / "gru_bidirectional.yaml")))
    bi = [n.label for n in numbers]
    assert bi[0] == "r₁[1] (forward)" and "r₃[1] (backward)" in bi and "y₂[1]" in bi
    assert all(n.index < 2 for n in numbers if n.short == "h")  # not [h→; h←] again
    two = [n.label for n in asked_numbers(solve(load_problem(PROBLEMS / "lstm_two_layers.yaml")))]
    assert two[0] == "i₁[1] (layer 1)" and "h₂[2] (layer 2)" in two
    assert len(bi) == len(set(bi)) and len(two) == len(set(two))


def test_marks_split_evenly_over_entries():
    problem = load_problem(PROBLEMS / "seed001_q2_given_gates.yaml")
    numbers = asked_numbers(solve(problem))
    assert all(n.marks == Fraction(1, 2) for n in numbers)  # 1 per quantity per step
    object.__setattr__(problem, "marks", {"c": 3, "h": {2: 5}})  # the key issue 8 adds
    marks = {n.label: n.marks for n in asked_numbers(solve(problem))}
    assert marks["c₂[1]"] == marks["c₂[2]"] == Fraction(3, 2)
    assert marks["h₂[1]"] == Fraction(5, 2) and marks["g₂[1]"] == Fraction(1, 2)
    output = asked_numbers(solve(load_problem(PROBLEMS / "sequence_scalar_output.yaml")))
    assert {n.short: n.marks for n in output}["y"] == 1  # y has one entry here


def test_each_number_holds_the_value_carried_exactly_and_rounded():
    text = (PROBLEMS / "seed001_q2_given_gates.yaml").read_text().replace(
        "decimals: 4", "decimals: 2")
    exact = parse_problem(text)
    rounded = replace(exact, rounding=replace(exact.rounding, carry="rounded"))
    by_exact, by_rounded = asked_numbers(solve(exact)), asked_numbers(solve(rounded))
    h_exact, h_rounded = solve(exact).steps[0].get("h"), solve(rounded).steps[0].get("h")
    assert by_exact[-1].values == (h_exact.value[1], h_rounded.value[1]) == (
        pytest.approx(0.97248, abs=1e-5), 0.97)
    assert by_rounded[-1].values == (0.97, h_exact.value[1])
    assert all(n.also is None or n.also != n.value for n in by_exact)


def test_a_parameter_count_asks_one_whole_number():
    (n,) = asked_numbers(count(load_problem(PROBLEMS / "count_seed000_lstm.yaml")))
    assert n.value == 4400 and n.tolerance == 0 and n.decimals is None


def test_marks_from_the_problem_file():
    text = (PROBLEMS / "seed001_q2_given_gates.yaml").read_text() + "marks: {c: 3, h: 1}\n"
    try:
        problem = parse_problem(text)
    except ProblemError:
        pytest.skip("this version reads no marks: key yet (issue 8 adds it)")
    marks = {n.label: n.marks for n in asked_numbers(solve(problem))}
    assert marks["c₂[1]"] == Fraction(3, 2) and marks["h₂[2]"] == Fraction(1, 2)


def _example_problems():
    out = []
    for path in sorted(PROBLEMS.glob("*.yaml")):
        problem = load_problem(path)
        if not getattr(problem, "batch", True):  # a count has none; a batch marks row by row
            out.append(path)
    return out


@pytest.mark.parametrize("path", _example_problems(), ids=lambda p: p.stem)
def test_check_marks_what_the_quizzes_ask(path):
    """One rule for what is asked (asked.asks): a quiz's blanks (asked_numbers) and the
    numbers ``lstm-solve check`` marks are the same set on every example (they were two
    implementations; check's default also asked whatever else a step computed)."""
    from lstm_solver.check import check, parse_answers

    problem = load_problem(path)
    try:
        numbers = asked_numbers(solve(problem))
    except ProblemError:  # nothing left to ask (every quantity given): check marks none
        numbers = []
    forward = {*problem.cell_def.quantities, "x", "y"}  # the gradients: test_backward_check
    quiz = {(n.layer, n.direction, n.t, n.short, n.index) for n in numbers
            if n.short in forward}
    report = check(problem, parse_answers("{}", problem))
    marked = {(i.layer, i.direction, i.t, i.quantity, i.index) for i in report.asked
              if i.quantity in forward}
    assert marked == quiz
    assert quiz or not numbers

