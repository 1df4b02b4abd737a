"""Four defects found by users from other courses (issue 17): numpy's wrapped print,
0E-8 at 7+ decimals, an RNN's two biases that read as swapped, the click4ai note."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import problem_text

from lstm_solver.cli import main
from lstm_solver.numbers import NumberError, Rounding, parse_matrix, parse_vector
from lstm_solver.problem import parse_problem
from lstm_solver.solver import solve


@pytest.mark.parametrize("shape", [(4, 20), (2, 13), (3, 9), (1, 30), (6, 1)])
def test_numpys_wrapped_print_is_read_as_the_rows_numpy_meant(shape):
    rng = np.random.default_rng(sum(shape))
    m = np.round(rng.normal(size=shape), 8)
    for text in (str(m), repr(m), np.array2string(m, separator=", ")):
        assert parse_matrix(text).shape == shape, text
        np.testing.assert_allclose(parse_matrix(text).array, m, atol=1e-8)
    v = m.ravel()
    assert parse_vector(str(v)).shape == (v.size,)  # a wrapped 1-D print is one vector
    np.testing.assert_allclose(parse_vector(str(v)).array, v, atol=1e-8)


def test_pytorchs_print_is_read_too(torch):
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(3, 4)
    for p in (lstm.weight_ih_l0, lstm.bias_hh_l0):  # "Parameter containing: tensor(...)"
        got = (parse_matrix if p.dim() == 2 else parse_vector)(str(p))
        np.testing.assert_allclose(got.array, p.detach().numpy(), atol=1e-4)
    t = torch.randn(2, 3, dtype=torch.float64)
    np.testing.assert_allclose(parse_matrix(repr(t)).array, t.numpy(), atol=1e-4)


def test_rows_of_a_plain_block_stay_one_a_line_and_ragged_is_still_ragged():
    assert parse_matrix("1 2\n3 4").shape == (2, 2)  # no brackets: a row a line
    with pytest.raises(NumberError, match="ragged"):
        parse_matrix("[[1 2]\n [3]]")
    with pytest.raises(NumberError):
        parse_matrix("array([[1, 2]], dtype=float64")  # unbalanced: not read as numbers


@pytest.mark.parametrize("decimals", [7, 8, 12, 15])
@pytest.mark.parametrize("fmt", ["terminal", "latex", "markdown", "html"])
def test_no_exponent_notation_for_zeros_and_tiny_numbers(tmp_path, decimals, fmt):
    data = {"cell": "rnn", "gates": {"h": {"W": [[0.19612378, 0.03488284], [1, 0]],
                                           "U": [[0.0000001], [0]]}},
            "initial": {"h": [0, 0]}, "x": [1e-7], "decimals": decimals}
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(data))
    out = CliRunner().invoke(main, [str(path), "--format", fmt, "--full"]).stdout
    assert not re.search(r"\d[Ee][-+]?\d", out), re.findall(r".{30}\d[Ee][-+]?\d.{10}", out)
    zero = "0." + "0" * decimals
    assert zero in out


def test_rounding_show_never_prints_an_exponent():
    for d in range(16):
        for x in (0.0, -0.0, 1e-9, -1e-9, 1.2e-7, 5e-8):
            text = Rounding(d).show(x)
            assert "E" not in text and "e" not in text, (d, x, text)


def test_an_rnns_two_biases_are_printed_as_the_file_writes_them(tmp_path):
    data = {"cell": "rnn", "gates": {"hidden": {"W": [[0.5]], "U": [[1]], "b": [0.1],
                                                "b_h": [0.2]}}, "x": [1]}
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(data))
    out = CliRunner().invoke(main, [str(path)]).stdout
    assert "hₜ = tanh(W_h hₜ₋₁ + U_h xₜ + b + b_h)" in out
    assert "b_hh" not in out
    data["gates"]["hidden"].pop("b_h")  # one bias: b_h, as d2l writes it
    path.write_text(problem_text(data))
    assert "hₜ = tanh(W_h hₜ₋₁ + U_h xₜ + b_h)" in CliRunner().invoke(main, [str(path)]).stdout
    # PyTorch's names need no change: b_ih and b_hh
    torch_names = {"cell": "rnn", "gates": {"h": {"W_ih": [[1]], "W_hh": [[0.5]],
                                                  "b_ih": [0.1], "b_hh": [0.2]}}, "x": [1]}
    p = parse_problem(problem_text(torch_names))
    assert [q.label for q in p.gates["h"].written()] == ["W_ih", "b_ih", "W_hh", "b_hh"]
    # and counts with bias: double
    count = CliRunner().invoke(main, [str(_count(tmp_path)), "--format", "json"]).stdout
    names = [b["name"] for b in json.loads(count)["parameters"]["breakdown"]]
    assert names == ["W_h", "U_h", "b", "b_h"]


def _count(tmp_path):
    path = tmp_path / "count.yaml"
    path.write_text(problem_text({"task": "count_parameters", "cell": "rnn", "hidden_size": 2,
                                  "input_size": 3, "bias": "double"}))
    return path


def test_a_gru_candidate_called_h_tilde_with_two_biases_reads_right():
    data = {"cell": "gru", "reset": "after", "gates": {"h_tilde": {
        "W": [[0.5]], "U": [[1]], "b": [0.1], "b_h": [0.2]}}, "x": [1]}
    dv = solve(parse_problem(problem_text(data)))
    labels = [q.label for q in dv.problem.gates["g"].written()]
    assert labels == ["W_h", "U_h", "b", "b_h"]  # not b_h for b and b_hh for b_h


def test_latex_keeps_two_hyphens_and_prints_dashes():
    from lstm_solver.render.documents.latex import escape

    assert escape("--full") == "-{}-full"  # not an en dash
    assert escape("columns 1–5") == "columns 1--5"  # an en dash, not ?
