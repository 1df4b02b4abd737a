"""The problem-file format: every way of writing a problem reads as intended."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lstm_solver.errors import ProblemError
from lstm_solver.problem import parse_problem

SPLIT = """
cell: lstm
gates:
  {gate}:
    W: [[1, 0], [0, 1]]
    U: [[1, 2, 3], [4, 5, 6]]
"""


def problem(extra: str = "", gate: str = "input", x: str = "x: [1, 2, 3]\n"):
    return parse_problem(SPLIT.format(gate=gate) + x + extra)


@pytest.mark.parametrize("key,short", [
    ("input", "i"), ("i", "i"), ("forget", "f"), ("f", "f"), ("candidate", "g"), ("g", "g"),
    ("c_tilde", "g"), ("a", "g"), ("output", "o"), ("o", "o"),
])
def test_gate_names_and_aliases(key, short):
    p = problem(gate=key)
    assert list(p.gates) == [short]
    assert p.hidden_size == 2 and p.input_size == 3


def test_alias_sets_the_notation():
    assert problem(gate="c_tilde").symbol("g") == "c_tilde"
    assert problem(gate="candidate").symbol("g") == "g"
    assert problem("initial: {s: [1, 2]}\n").symbol("c") == "s"


def test_numbers_are_exact():
    p = parse_problem(SPLIT.format(gate="input") + "x: [0.1, '1/3', -2]\n"
                      "initial: {h: [0.4165792, 1e-3]}\n")
    assert p.inputs[0].exact == (Fraction(1, 10), Fraction(1, 3), Fraction(-2))
    assert p.initial["h"].exact == (Fraction(4165792, 10**7), Fraction(1, 1000))
    assert p.initial["c"].exact == (0, 0)  # default zeros


@pytest.mark.parametrize("x,steps", [
    ("[1, 2, 3]", [(1, 2, 3)]),
    ("[[1], [2], [3]]", [(1, 2, 3)]),  # a numpy-style column is one vector
    ("[[1, 2, 3], [4, 5, 6]]", [(1, 2, 3), (4, 5, 6)]),
    ("[[[1], [2], [3]], [[4], [5], [6]]]", [(1, 2, 3), (4, 5, 6)]),
    ("|\n  [[1]\n   [2]\n   [3]]", [(1, 2, 3)]),
    ("|\n  1 2 3\n  4 5 6", [(1, 2, 3), (4, 5, 6)]),
    ("'1, 2, 3'", [(1, 2, 3)]),
])
def test_input_forms(x, steps):
    p = problem(x=f"x: {x}\n")
    assert [v.exact for v in p.inputs] == steps


def test_scalar_inputs_make_a_sequence():
    p = parse_problem("cell: lstm\ngates: {f: {W: [[1]], U: [[2]]}}\nx: [1, 2, 3]\n")
    assert [v.exact for v in p.inputs] == [(1,), (2,), (3,)]
    p = parse_problem("cell: lstm\ngates: {f: {W: [[1]], U: [[2]]}}\nx: [[1], [2]]\n")
    assert p.steps == 2


def test_pasted_matrix_text():
    p = parse_problem("cell: lstm\nlayout: concat\ngates:\n  input:\n    W: |\n"
                      "      6 4 3 1\n      0 0 6 6\nx: [1, 2]\n")
    assert p.gates["i"].W.exact == ((6, 4, 3, 1), (0, 0, 6, 6))


@pytest.mark.parametrize("stack,x_size", [
    ("[h, x]", 2), ("[x, h]", 2), ("[h, x, 1]", 1), ("[1, x, h]", 1),
])
def test_concat_stack(stack, x_size):
    p = parse_problem(f"cell: lstm\nlayout: concat\nstack: {stack}\n"
                      "gates: {o: {W: [[1, 2, 3, 4], [5, 6, 7, 8]]}}\n"
                      f"x: {[1] * x_size}\n")
    assert p.stack == tuple(1 if s == "1" else s for s in stack.strip("[]").split(", "))
    assert p.input_size == x_size


def test_row_orientation_shapes():
    p = parse_problem("cell: lstm\norientation: row\ngates:\n  input:\n"
                      "    W: [[1, 0], [0, 1]]\n    U: [[1, 2], [3, 4], [5, 6]]\nx: [1, 2, 3]\n")
    assert p.hidden_size == 2 and p.input_size == 3


def test_embedding_rows_columns_and_square():
    gates = "gates: {i: {W: [[1, 0], [0, 1]], U: [[1, 2, 3], [4, 5, 6]]}}\n"
    rows = parse_problem("cell: lstm\n" + gates + "embedding: [[1, 2, 3], [4, 5, 6]]\n"
                         "x: [0, 1]\n")
    assert rows.embedding.layout == "rows" and rows.embedding.vocab == 2
    cols = parse_problem("cell: lstm\n" + gates + "embedding: [[1, 2], [3, 4], [5, 6]]\n"
                         "x: [0, 1]\n")
    assert cols.embedding.layout == "columns" and cols.embedding.vocab == 2
    square = "embedding: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nx: [0, 1, 0]\n"
    assert parse_problem("cell: lstm\n" + gates + square).embedding.layout == "rows"
    forced = parse_problem("cell: lstm\n" + gates + square + "embedding_layout: columns\n")
    assert forced.embedding.layout == "columns"


def test_tokens_become_one_hot_inputs():
    p = parse_problem("cell: lstm\ngates: {i: {W: [[1]], U: [[1, 2]]}}\n"
                      "embedding: [[1, 2], [3, 4], [5, 6]]\ntokens: [2, 0]\n")
    assert p.tokens == (2, 0)
    assert [v.exact for v in p.inputs] == [(0, 0, 1), (1, 0, 0)]


def test_given_values_single_and_per_step():
    p = problem("given: {f: [0.5, 0.25], o: [1, 1]}\n")
    assert p.given[(0, "f")].exact == (Fraction(1, 2), Fraction(1, 4))
    p = problem("given: {forget: [[0.5, 0.25], [1, 1]]}\n", x="x: [[1, 2, 3], [1, 1, 1]]\n")
    assert p.given[(1, "f")].exact == (1, 1)


def test_only_given_values_still_read():
    p = parse_problem("cell: lstm\ngiven: {f: [1, 1], i: [1, 0], g: [0.5, 0.5], o: [1, 1]}\n"
                      "initial: {c: [1, 2]}\nx: [3]\n")
    assert p.hidden_size == 2 and not p.gates


def test_options_and_defaults():
    p = problem()
    assert (p.layout, p.orientation, p.start) == ("split", "column", 1)
    assert (p.rounding.decimals, p.rounding.carry, p.rounding.round_half) == (4, "exact", "up")
    p = problem("decimals: 2\ncarry: rounded\nround_half: even\nstart: 0\ntitle: T\n")
    assert (p.rounding.decimals, p.rounding.carry, p.rounding.round_half) == (2, "rounded",
                                                                                "even")
    assert p.start == 0 and p.title == "T"


def test_output_layer():
    p = problem("output_layer: {V: [[1, 2], [3, 4], [5, 6]], c: [0, 0, 1]}\n")
    assert p.output_layer.activation == "softmax" and p.output_layer.V.shape == (3, 2)


def test_error_carries_location():
    with pytest.raises(ProblemError) as info:
        parse_problem("cell: lstm\ngates:\n  input:\n    W: [[1, 2]]\n    U: [[1]]\nx: [1]\n",
                      "q.yaml")
    err = info.value
    assert (err.file, err.key, err.line) == ("q.yaml", "gates.input.W", 4)
    assert str(err).startswith("q.yaml:4:8: gates.input.W: ")
